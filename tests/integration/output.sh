#!/bin/bash
# output: task output brought back to the master.
#  - -O DIR: a 10 MiB binary output from each of 4 slaves lands byte-exact
#    in DIR/<name>.out (mode 0600), streamed with bounded memory on both
#    sides (peak RSS well below the 40 MiB moved), a fast slave's file
#    complete while a slow one still runs;
#  - --output-max caps what comes back, and the results say "capped";
#  - --follow prints each line as it comes, prefixed with the slave's name,
#    a last line without newline included;
#  - a planted symlink at DIR/<name>.out is replaced, never followed;
#  - --follow cuts a long line into pieces of at most 4096 bytes, each
#    prefixed, the same however the bytes arrived (a line of exactly 4096
#    bytes is one line);
#  - an output file that cannot be written (RLIMIT_FSIZE, a DIR removed
#    under the master) is reported, by file and in the results, exit 1; the
#    master is not killed (SIGXFSZ) and the other slaves' files and results
#    are whole;
#  - names of 255 bytes (and "#2" twins of 251-byte ones) cannot be file
#    names: each gets a short, unique one, said in the log and in the
#    results' output_file, and the session of everyone goes on (exit 0);
#  - a file that cannot be made (a directory in its place) is that slave's
#    error (exit 1), the others' outputs are stored.
. "$(dirname "$0")/../lib.sh"
require_bins

MIB=1048576
for s in o0 o1 o2 o3; do
	start_slave $s
done
wait_slaves_ready

# kib PID: peak resident memory of a process so far, KiB.
peak_kib() {
	awk '/^VmHWM:/ { print $2 }' /proc/"$1"/status 2>/dev/null
}

note "-O: 10 MiB of binary output from each of 4 slaves, byte-exact"
# Slave 3 is slow: it ends only once the test has seen the others' files
# complete (or after 30 s).  (Once $TMP/big.go exists, it does not wait: the
# later sessions with this file.)
make_conf "$TMP/big.session" '/bin/sh :CONF:' \
    'head -c 10485760 /dev/urandom' \
    "i=0; while [ \"\$SYNEXEC_SLAVE_INDEX\" = 3 ] && [ ! -e $TMP/big.go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'exit 0'
MASTER_N=$((MASTER_N + 1))
MASTER_OUT=$TMP/master.$MASTER_N.out
MASTER_ERR=$TMP/master.$MASTER_N.err
echo "start master #$MASTER_N under /usr/bin/time: -O, -r, 4 slaves"
timeout -k 5 60 /usr/bin/time -f "maxrss_kib=%M" -o "$TMP/time.out" \
    "$MASTER_BIN" -i lo -p "$PORT" -O "$TMP/collected" -r "$TMP/big.json" \
    4 "$TMP/big.session" >"$MASTER_OUT" 2>"$MASTER_ERR" </dev/null &
MASTER_PID=$!
track $MASTER_PID
# complete_files: how many of the 4 files hold their 10 MiB already.
complete_files() {
	local s n=0
	for s in o0 o1 o2 o3; do
		[ "$(stat -c %s "$TMP/collected/$s.out" 2>/dev/null)" = $((10 * MIB)) ] &&
		    n=$((n + 1))
	done
	echo $n
}
three_done() { [ "$(complete_files)" -ge 3 ]; }
# While the slow slave still runs, the others' files are complete already.
if wait_until 30 three_done && ! grep -q "phase done" "$MASTER_OUT" &&
    kill -0 "$MASTER_PID" 2>/dev/null; then
	pass "3 files complete while the slow slave still runs"
else
	fail "expected 3 complete files before the session's end, got $(complete_files)"
fi
touch "$TMP/big.go"
wait_master 60
assert_exit 0
for s in o0 o1 o2 o3; do
	if cmp -s "$TMP/$s.out" "$TMP/collected/$s.out"; then
		pass "$s: collected output identical to the slave's ($(stat -c %s "$TMP/collected/$s.out") bytes)"
	else
		fail "$s: collected output differs from the slave's file"
		ls -l "$TMP/$s.out" "$TMP/collected/$s.out"
	fi
	# As the slave keeps its copy: for the master's user alone.
	assert_eq 600 "$(stat -c %a "$TMP/collected/$s.out")" "$s: -O file mode"
done
assert_eq "[10485760, 10485760, 10485760, 10485760] [False, False, False, False]" \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([s["output_collected_bytes"] for s in d["slaves"]], [s["output_capped"] for s in d["slaves"]])' "$TMP/big.json")" \
    "results: collected bytes, capped"
# Bounded memory: neither side held an output in memory (40 MiB moved).
rss=$(sed -n 's/^maxrss_kib=//p' "$TMP/time.out")
if [ -n "$rss" ] && [ "$rss" -lt 30720 ]; then
	pass "master peak RSS ${rss} KiB (< 30 MiB)"
else
	fail "master peak RSS '${rss}' KiB: expected < 30 MiB"
fi
for s in o0 o1 o2 o3; do
	kib=$(peak_kib "${SLAVE_PID[$s]}")
	if [ -n "$kib" ] && [ "$kib" -lt 30720 ]; then
		pass "$s: slave peak RSS $kib KiB (< 30 MiB)"
	else
		fail "$s: slave peak RSS '$kib' KiB: expected < 30 MiB"
	fi
done

note "--output-max 1M: each file is the first MiB, the results say capped"
rm -f "$TMP/collected/o0.out"
ln -s "$TMP/victim" "$TMP/collected/o0.out"
echo "victim" >"$TMP/victim"
run_master --output-max 1M -O "$TMP/collected" -r "$TMP/cap.json" 4 \
    "$TMP/big.session"
assert_exit 0
assert_eq "victim" "$(cat "$TMP/victim")" "a symlink's target"
for s in o0 o1 o2 o3; do
	if [ "$(stat -c %s "$TMP/collected/$s.out")" = $MIB ] &&
	    cmp -s -n $MIB "$TMP/$s.out" "$TMP/collected/$s.out"; then
		pass "$s: capped file is the first MiB of its output"
	else
		fail "$s: capped file: expected the first $MIB bytes"
		ls -l "$TMP/collected/$s.out"
	fi
done
assert_eq "[True, True, True, True] [1048576, 1048576, 1048576, 1048576] [10485760, 10485760, 10485760, 10485760]" \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([s["output_capped"] for s in d["slaves"]], [s["output_collected_bytes"] for s in d["slaves"]], [s["output_bytes"] for s in d["slaves"]])' "$TMP/cap.json")" \
    "results: capped, collected, produced"
assert_matches "$MASTER_ERR" 'capped by --output-max: 1048576 of 10485760' \
    "the master says a file is capped"

note "--follow: lines prefixed with the slave's name"
make_conf "$TMP/follow.session" '/bin/sh :CONF:' \
    'echo "hello from $SYNEXEC_SLAVE_NAME"' \
    'sleep 0.2' \
    'echo "second line"' \
    'printf "no newline at the end"'
run_master --follow 2 "$TMP/follow.session"
assert_exit 0
for s in o0 o1 o2 o3; do
	grep -q "^$s: " "$MASTER_OUT" || continue
	assert_contains "$MASTER_OUT" "$s: hello from $s" "$s's first line"
	assert_contains "$MASTER_OUT" "$s: second line" "$s's second line"
	assert_contains "$MASTER_OUT" "$s: no newline at the end" \
	    "$s's unterminated last line"
done
assert_eq 6 "$(grep -cE '^o[0-3]: ' "$MASTER_OUT")" "--follow lines"
# Each slave's lines come before its "finished:" line.
for s in $(sed -n 's/^\(o[0-3]\): hello.*/\1/p' "$MASTER_OUT"); do
	last=$(grep -n "^$s: no newline" "$MASTER_OUT" | cut -d: -f1)
	fin=$(grep -n "^finished: $s " "$MASTER_OUT" | cut -d: -f1)
	if [ -n "$last" ] && [ -n "$fin" ] && [ "$last" -lt "$fin" ]; then
		pass "$s: output lines before its finished line"
	else
		fail "$s: output line $last, finished line $fin"
	fi
done

note "--follow: long lines in pieces of at most 4096 bytes, however they came"
# A 4096-byte line whose newline comes later, one of 4097, one of 10000
# in one write, 9000 written in three steps, then an unterminated tail.
make_conf "$TMP/long.session" '/bin/sh :CONF:' \
    'head -c 4096 /dev/zero | tr "\0" a; sleep 0.2; echo' \
    'head -c 4097 /dev/zero | tr "\0" b; echo' \
    'head -c 10000 /dev/zero | tr "\0" c; echo' \
    'for i in 1 2 3; do head -c 3000 /dev/zero | tr "\0" d; sleep 0.1; done; echo' \
    'printf tail'
run_master --follow 2 "$TMP/long.session"
assert_exit 0
for s in o0 o1 o2 o3; do
	grep -q "^$s: " "$MASTER_OUT" || continue
	"$PYTHON" - "$MASTER_OUT" "$s" <<-'EOF' >"$TMP/long.$s"
	import sys
	want = []
	for ch, n in (("a", 4096), ("b", 4097), ("c", 10000), ("d", 9000)):
	    line = ch * n
	    while len(line) > 4096:
	        want.append(line[:4096]); line = line[4096:]
	    want.append(line)
	want.append("tail")
	pre = sys.argv[2] + ": "
	lines = open(sys.argv[1]).read().split("\n")
	got = [l[len(pre):] for l in lines if l.startswith(pre)]
	# A piece printed without its prefix: a line of a's, b's... alone (the
	# summary's rows, "duration_s ...", are not).
	stray = [l[:20] for l in lines if l and set(l) <= set("abcd") or
	         l == "tail"]
	print("pieces", [len(x) for x in got] == [len(x) for x in want],
	      got == want, "stray", len(stray))
	EOF
	assert_eq "pieces True True stray 0" "$(cat "$TMP/long.$s")" \
	    "$s: long lines, each piece prefixed"
done

note "an output file that cannot be written: said, exit 1, the rest whole"
# Slave index 0 writes 2 MiB, over the master's 1 MiB file size limit; the
# others 1000 bytes.  Without SIGXFSZ ignored the master died there.
make_conf "$TMP/fsize.session" '/bin/sh :CONF:' \
    'if [ "$SYNEXEC_SLAVE_INDEX" = 0 ]; then head -c 2097152 /dev/urandom;' \
    'else head -c 1000 /dev/urandom; fi' \
    'echo "done" >&"$SYNEXEC_PROGRESS_FD"'
rm -rf "$TMP/lim"
run_master_cmd /bin/bash -c 'ulimit -f 1024 && exec "$@"' limit \
    "$MASTER_BIN" -i lo -p "$PORT" -O "$TMP/lim" -r "$TMP/lim.json" 4 \
    "$TMP/fsize.session"
assert_exit 1 "a file over RLIMIT_FSIZE"
assert_matches "$MASTER_ERR" "lim/[a-z0-9]+\.out: File too large after 1048576 bytes; the rest of [a-z0-9]+'s output is lost" \
    "the master names the file and what it holds"
assert_contains "$MASTER_OUT" "4 slaves: 4 exited 0" "the summary"
"$PYTHON" - "$TMP/lim.json" "$TMP" <<-'EOF' >"$TMP/lim.check"
	import json, sys
	d = json.load(open(sys.argv[1]))
	print(d["exit_code"], d["outcome"], "could not be stored" in d["reason"])
	for s in sorted(d["slaves"], key=lambda s: s["index"]):
	    f = "%s/%s.out" % (sys.argv[2], s["name"])
	    same = open(f, "rb").read() == open(s["output_file"], "rb").read()
	    print(s["index"], s["exit_status"], s["progress"],
	          s["error"] is not None and "File too large after 1048576" in s["error"],
	          same)
	EOF
assert_eq "1 error True
0 exit 0 done True False
1 exit 0 done False True
2 exit 0 done False True
3 exit 0 done False True" "$(cat "$TMP/lim.check")" \
    "results: the failed file's slave has the error, the others are whole"

note "-O's directory removed while the tasks write: said, exit 1"
# Each task writes a line, then more once the test has removed the
# directory (or after 30 s).
make_conf "$TMP/slow.session" '/bin/sh :CONF:' \
    'echo "line 1"' \
    "i=0; while [ ! -e $TMP/gone.go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'for i in 2 3 4 5; do echo "line $i"; sleep 0.1; done'
rm -rf "$TMP/gone"
start_master -O "$TMP/gone" -r "$TMP/gone.json" 4 "$TMP/slow.session"
# Until each file holds its first line.
first_lines() { [ "$(cat "$TMP"/gone/o[0-3].out 2>/dev/null | grep -c '^line 1$')" = 4 ]; }
wait_until 30 first_lines || fail "the first lines were not collected"
rm -rf "$TMP/gone"
touch "$TMP/gone.go"
wait_master 40
assert_exit 1 "output files removed under the master"
assert_eq 4 "$(grep -c 'gone/o[0-3]\.out: removed while being written' "$MASTER_ERR")" \
    "each lost file named"
assert_eq "1 True" "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["exit_code"], all("removed while being written" in s["error"] for s in d["slaves"]))' "$TMP/gone.json")" \
    "results: exit code, each slave's error"

note "-O: names of 255 bytes, and a 251-byte name twice: short file names"
A=$(printf 'a%.0s' $(seq 1 254))Z	# 255 bytes: no room for ".out"
B=$(printf 'b%.0s' $(seq 1 251))	# 251 + ".out" fits; "#2" does not
start_slave la1 -N "$A"
start_slave la2 -N "$A"
start_slave lb1 -N "$B"
start_slave lb2 -N "$B"
sleep 0.3
make_conf "$TMP/idx.session" '/bin/sh :CONF:' 'echo "index $SYNEXEC_SLAVE_INDEX"'
rm -rf "$TMP/names"
run_master -O "$TMP/names" -r "$TMP/names.json" 8 "$TMP/idx.session"
assert_exit 0 "long names under -O (every output stored)"
assert_contains "$MASTER_OUT" "8 slaves: 8 exited 0" "the summary"
assert_eq 3 "$(grep -c 'its name cannot be a file name in .*: its output goes to ' "$MASTER_ERR")" \
    "log lines naming a short file (${#A}-byte name twice, ${#B}-byte name's twin)"
"$PYTHON" - "$TMP/names.json" "$TMP/names" "$MASTER_ERR" <<-'EOF' >"$TMP/names.check"
	import json, os, sys
	d = json.load(open(sys.argv[1]))
	log = open(sys.argv[3]).read().split("\n")
	files, short, bad = set(), [], []
	for s in d["slaves"]:
	    f = s["output_file"]
	    base = os.path.basename(f)
	    if base != s["name"] + ".out":
	        short.append(len(s["name"]))
	        # Said in the log: which slave, which file.
	        said = "synexec_master: %s (%s): its name cannot be a file " \
	            "name in " % (s["name"], s["address"])
	        if not any(l.startswith(said) and
	                   l.endswith(": its output goes to " + f) for l in log):
	            bad.append(s["name"][-4:] + " not in the log")
	    if (os.path.dirname(f) != sys.argv[2] or len(base) > 255 or
	            open(f).read() != "index %d\n" % s["index"] or
	            s["error"] is not None):
	        bad.append(s["name"][-4:] + " " + base[-24:])
	    files.add(f)
	    # Its stderr beside it, the same name but ".err" (nothing written).
	    e = s["output_file_err"]
	    if e != f[:-len(".out")] + ".err" or open(e).read() != "":
	        bad.append(s["name"][-4:] + " err " + str(e)[-24:])
	    files.add(e)
	print("short", sorted(short), "bad", bad, "files", len(files),
	      sorted(os.listdir(sys.argv[2])) == sorted(os.path.basename(f) for f in files))
	EOF
assert_eq "short [253, 255, 257] bad [] files 16 True" "$(cat "$TMP/names.check")" \
    "results: short names for 255, 255#2 and 251#2 bytes (not 251), each file its slave's output, its .err beside it, 16 distinct files and nothing else in DIR"

note "-O: a file that cannot be made is its slave's error, the others go on"
rm -rf "$TMP/blocked"
mkdir -p "$TMP/blocked/o1.out"	# a directory where o1's file should be
touch "$TMP/blocked/o1.out/keep"
run_master -O "$TMP/blocked" -r "$TMP/blocked.json" 8 "$TMP/idx.session"
assert_exit 1 "one output file could not be made"
assert_contains "$MASTER_OUT" "8 slaves: 8 exited 0" "the summary: every task ran"
assert_matches "$MASTER_ERR" "blocked/o1\.out: cannot replace it: Is a directory; o1's output is not stored" \
    "the master names the file and the slave"
assert_eq "1 error True 7" "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
o1 = [s for s in d["slaves"] if s["name"] == "o1"][0]
whole = [s for s in d["slaves"] if s["error"] is None and open(s["output_file"]).read() == "index %d\n" % s["index"]]
print(d["exit_code"], d["outcome"], "Is a directory" in o1["error"], len(whole))' "$TMP/blocked.json")" \
    "results: exit code, o1's error, the 7 other files whole"
for s in la1 la2 lb1 lb2; do
	stop_slave $s
done

finish
