#!/bin/bash
# output: task output brought back to the master.
#  - -O DIR: a 10 MiB binary output from each of 4 slaves lands byte-exact
#    in DIR/<name>.out, streamed with bounded memory on both sides (peak
#    RSS well below the 40 MiB moved), a fast slave's file complete while
#    a slow one still runs;
#  - --output-max caps what comes back, and the results say "capped";
#  - --follow prints each line as it comes, prefixed with the slave's name,
#    a last line without newline included;
#  - a planted symlink at DIR/<name>.out is replaced, never followed.
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
# Slave 3 is slow: its output comes last, long after the others'.
make_conf "$TMP/big.session" '/bin/sh :CONF:' \
    'head -c 10485760 /dev/urandom' \
    '[ "$SYNEXEC_SLAVE_INDEX" = 3 ] && sleep 2' \
    'exit 0'
MASTER_N=$((MASTER_N + 1))
MASTER_OUT=$TMP/master.$MASTER_N.out
MASTER_ERR=$TMP/master.$MASTER_N.err
echo "start master #$MASTER_N under /usr/bin/time: -O, -r, 4 slaves"
timeout -k 5 30 /usr/bin/time -f "maxrss_kib=%M" -o "$TMP/time.out" \
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
if wait_until 15 three_done && ! grep -q "phase done" "$MASTER_OUT" &&
    kill -0 "$MASTER_PID" 2>/dev/null; then
	pass "3 files complete while the slow slave still runs"
else
	fail "expected 3 complete files before the session's end, got $(complete_files)"
fi
wait_master 30
assert_exit 0
for s in o0 o1 o2 o3; do
	if cmp -s "$TMP/$s.out" "$TMP/collected/$s.out"; then
		pass "$s: collected output identical to the slave's ($(stat -c %s "$TMP/collected/$s.out") bytes)"
	else
		fail "$s: collected output differs from the slave's file"
		ls -l "$TMP/$s.out" "$TMP/collected/$s.out"
	fi
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

finish
