#!/bin/bash
# results: the -r results file.
#  - it parses as JSON and holds every documented member, for every slave,
#    after a successful session, one with a failing task, an aborted one
#    and a discovery time-out;
#  - session id, master host and address, session file name, size and
#    SHA-256 (checked against sha256sum), phase times are right;
#  - it is replaced atomically: no temporary file is left, a symlink at the
#    path is replaced, not followed;
#  - strange bytes (quote, backslash, control, not UTF-8) are escaped;
#  - an unwritable place fails at start-up, before any slave is involved;
#  - README's jq example works.
. "$(dirname "$0")/../lib.sh"
require_bins

# check_results FILE OUTCOME NSLAVES: every member the README documents.
check_results() {
	"$PYTHON" - "$@" <<-'EOF'
	import json, sys
	path, outcome, nslaves = sys.argv[1], sys.argv[2], int(sys.argv[3])
	try:
	    d = json.load(open(path, encoding="utf-8"))
	except Exception as e:
	    print("FAIL: %s does not parse: %s" % (path, e)); sys.exit(1)
	top = ["synexec_results", "synexec_version", "session", "outcome",
	       "exit_code", "reason", "written_at", "master", "session_file",
	       "settings", "phases", "start_instant", "start_spread_s",
	       "slaves_expected", "slaves_joined", "slaves"]
	master = ["host", "address", "port", "interface", "pid"]
	sfile = ["name", "size", "sha256", "command", "payload_size"]
	slave = ["name", "address", "kind", "protocol_version",
	         "extension_version", "pid", "index", "state", "joined_at",
	         "joined_after_s", "clock_offset_s", "clock_offset_error_s",
	         "rtt_s", "start_slave_clock", "finish_slave_clock", "start",
	         "finish", "start_offset_s", "duration_s", "start_late_s",
	         "exit_status", "exit_code", "signal", "user_cpu_s",
	         "system_cpu_s", "max_rss_kib", "output_bytes",
	         "reported_cpu_s", "reported_elapsed_s", "output_file",
	         "output_collected_bytes", "output_capped", "progress",
	         "reports", "error"]
	bad = 0
	def need(obj, keys, where):
	    global bad
	    for k in keys:
	        if k not in obj:
	            print("FAIL: %s: no member %s" % (where, k)); bad += 1
	need(d, top, "top")
	need(d.get("master", {}), master, "master")
	need(d.get("session_file", {}), sfile, "session_file")
	for p in ("discovery", "configuration", "run", "done"):
	    if p not in d.get("phases", {}):
	        print("FAIL: phases: no %s" % p); bad += 1
	if d.get("outcome") != outcome:
	    print("FAIL: outcome %r, expected %r" % (d.get("outcome"), outcome))
	    bad += 1
	if len(d.get("slaves", [])) != nslaves:
	    print("FAIL: %d slaves, expected %d" % (len(d.get("slaves", [])),
	          nslaves)); bad += 1
	for s in d.get("slaves", []):
	    need(s, slave, "slave %s" % s.get("name"))
	print("members: %d missing or wrong" % bad)
	sys.exit(1 if bad else 0)
	EOF
}

# jget FILE PYTHON-EXPR: evaluate against the document d.
jget() {
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$1" "$2"
}

S=77	# a session id other than the default, to see it in the results
for s in r0 r1 r2; do
	start_slave $s -s $S
done
wait_slaves_ready

note "a successful session"
make_conf "$TMP/ok.session" '/bin/sh :CONF:' \
    'echo "half" >&"$SYNEXEC_PROGRESS_FD"' \
    'sleep 0.3' \
    'echo "done" >&"$SYNEXEC_PROGRESS_FD"' \
    'exit 0'
# Binary bytes after the script (sh stops reading at exit): hashed too.
printf '\0binary\377payload' >>"$TMP/ok.session"
run_master -s $S -R 0.1 -r "$TMP/ok.json" 3 "$TMP/ok.session"
assert_exit 0
if check_results "$TMP/ok.json" complete 3 >"$TMP/ok.check"; then
	pass "successful session: every member present"
else
	fail "successful session:"; cat "$TMP/ok.check"
fi
assert_eq $S "$(jget "$TMP/ok.json" 'd["session"]')" "session id"
assert_eq 0 "$(jget "$TMP/ok.json" 'd["exit_code"]')" "exit code"
assert_eq "$(hostname)" "$(jget "$TMP/ok.json" 'd["master"]["host"]')" "master host"
assert_eq 127.0.0.1 "$(jget "$TMP/ok.json" 'd["master"]["address"]')" "master address"
assert_eq "$TMP/ok.session" "$(jget "$TMP/ok.json" 'd["session_file"]["name"]')" \
    "session file name"
assert_eq "$(stat -c %s "$TMP/ok.session")" \
    "$(jget "$TMP/ok.json" 'd["session_file"]["size"]')" "session file size"
assert_eq "$(sha256sum "$TMP/ok.session" | cut -d' ' -f1)" \
    "$(jget "$TMP/ok.json" 'd["session_file"]["sha256"]')" "session file SHA-256"
assert_eq true "$(jget "$TMP/ok.json" 'all(d["phases"][p]["start"] <= d["phases"][q]["start"] for p, q in [("discovery", "configuration"), ("configuration", "run"), ("run", "done")])')" \
    "phase times in order"
for s in r0 r1 r2; do
	sel="[x for x in d['slaves'] if x['name'] == '$s'][0]"
	assert_eq "finished exit 0 0 done" \
	    "$(jget "$TMP/ok.json" "' '.join(str(x) for x in ($sel['state'], $sel['exit_status'], $sel['exit_code'], $sel['progress']))")" \
	    "$s: state, status, code, progress"
	assert_eq true "$(jget "$TMP/ok.json" "$sel['duration_s'] >= 0.3 and $sel['reports'] >= 2 and $sel['pid'] == ${SLAVE_PID[$s]} and $sel['kind'] == 'synexec'")" \
	    "$s: duration, reports, pid, kind"
	assert_eq true "$(jget "$TMP/ok.json" "abs($sel['start'] - d['start_instant']) < 0.25 and abs($sel['clock_offset_s']) < 0.25 and $sel['error'] is None")" \
	    "$s: start near the instant, small offset, no error"
done
ls -A "$TMP" | grep -F '.tmp.' >"$TMP/leftover"
assert_eq "" "$(cat "$TMP/leftover")" "temporary files left"

note "a failing task: exit 2, its code in the results"
make_conf "$TMP/fail.session" '/bin/sh :CONF:' \
    '[ "$SYNEXEC_SLAVE_INDEX" = 1 ] && exit 3' \
    'exit 0'
run_master -s $S -r "$TMP/fail.json" 3 "$TMP/fail.session"
assert_exit 2
if check_results "$TMP/fail.json" "task failed" 3 >"$TMP/fail.check"; then
	pass "failing task: every member present"
else
	fail "failing task:"; cat "$TMP/fail.check"
fi
assert_eq "[3]" "$(jget "$TMP/fail.json" '[s["exit_code"] for s in d["slaves"] if s["index"] == 1]')" \
    "the failing slave's exit code"
assert_eq 2 "$(jget "$TMP/fail.json" 'd["exit_code"]')" "exit code in the results"

note "an aborted session (SIGTERM to the master): each slave's final state"
# A symlink at the results path: replaced by the file, never followed.
echo "victim" >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/abort.json"
make_conf "$TMP/abort.session" '/bin/sh :CONF:' \
    'echo "waiting" >&"$SYNEXEC_PROGRESS_FD"' \
    'exec sleep 30'
start_master -vv -s $S -R 0.1 -r "$TMP/abort.json" 3 "$TMP/abort.session"
# Until every slave has sent its second report with the progress in it
# (-vv: "r0 (ADDR): report 2: ..., progress 'waiting'").
reported() {
	local s
	for s in r0 r1 r2; do
		grep -qE "^synexec_master: $s \(.*\): report ([2-9]|[1-9][0-9]+): .*progress 'waiting'" \
		    "$MASTER_ERR" || return 1
	done
}
wait_until 30 reported || fail "the slaves did not report their progress"
kill -TERM "$MASTER_PID"
wait_master 20
assert_exit 4
assert_eq "victim" "$(cat "$TMP/victim")" "the symlink's target"
if [ -f "$TMP/abort.json" ] && [ ! -L "$TMP/abort.json" ]; then
	pass "abort.json is a regular file now"
else
	fail "abort.json: expected a regular file, got: $(ls -l "$TMP/abort.json")"
fi
if check_results "$TMP/abort.json" aborted 3 >"$TMP/abort.check"; then
	pass "aborted session: every member present"
else
	fail "aborted session:"; cat "$TMP/abort.check"
fi
# Each stopped task: killed by SIGTERM, its last words and reports kept.
assert_eq true "$(jget "$TMP/abort.json" 'all(s["signal"] == 15 and s["progress"] == "waiting" and s["reports"] >= 2 for s in d["slaves"])')" \
    "aborted slaves: signal 15, progress, reports"

note "discovery timed out (-w): the results say so"
run_master -s $S -w 0.3 -r "$TMP/wait.json" 5 "$TMP/ok.session"
assert_exit 5
if check_results "$TMP/wait.json" "discovery timed out" 3 >"$TMP/wait.check"; then
	pass "discovery time-out: every member present"
else
	fail "discovery time-out:"; cat "$TMP/wait.check"
fi

note "strange bytes in names are escaped; the document stays JSON"
weird=$(printf '%s/we"ird\\\001\377.session' "$TMP")
cp "$TMP/fail.session" "$weird"
run_master -s $S -r "$TMP/weird.json" 3 "$weird"
assert_exit 2
got=$(jget "$TMP/weird.json" 'd["session_file"]["name"].endswith("we\"ird\\\x01\ufffd.session")')
assert_eq true "$got" "name with quote, backslash, control and non-UTF-8 bytes"
if "$PYTHON" -c 'import sys; b = open(sys.argv[1], "rb").read(); b.decode("utf-8"); sys.exit(any(c < 0x20 and c != 0x0a for c in b))' "$TMP/weird.json"; then
	pass "results file: valid UTF-8, no raw control bytes"
else
	fail "results file holds raw control bytes or is not UTF-8"
fi

note "README's jq example"
if command -v jq >/dev/null 2>&1; then
	jq -r '.slaves[] | "\(.name) \(.exit_status) \(.duration_s)"' \
	    "$TMP/ok.json" >"$TMP/jq.out"
	assert_matches "$TMP/jq.out" '^r[0-2] exit 0 [0-9]+\.[0-9]+$' "jq output"
else
	note "jq not installed: example not run"
fi

note "an unwritable results place fails at once"
mkdir -p "$TMP/ro"
chmod 500 "$TMP/ro"
if [ "$(id -u)" = 0 ]; then
	# root writes anywhere: use a missing directory instead.
	rpath=$TMP/missing/dir/res.json
else
	rpath=$TMP/ro/res.json
fi
run_master -s $S -r "$rpath" 3 "$TMP/ok.session"
assert_exit 1
assert_contains "$MASTER_ERR" "$rpath" "the error names the file"
assert_not_contains "$MASTER_OUT" "phase configuration" "no session started"
run_master -s $S -r "$TMP" 3 "$TMP/ok.session"
assert_exit 1
assert_contains "$MASTER_ERR" "is a directory" "-r DIR"

finish
