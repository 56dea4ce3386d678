#!/bin/bash
# bad_input: hand-crafted packets (tests/badpeer.py) against the real
# binaries on loopback.  The slave ignores every malformed or foreign probe,
# answers a good one with a well-formed hello, and drops a master that sends
# bad frames; the master drops bad first frames (FULL for a bad hello), a
# silent peer after ~5 s, and still runs its session with a real slave; none
# of them counts as a slave.
# Terminal controls, CR, C1 bytes (raw 0x9b, UTF-8 C2 9B) and bytes that are
# not UTF-8 in every text a peer sends (badpeer.py evil-slave, evil-master):
# the slave's name, the CONF_NO, EXEC_NO and ERROR reasons, progress texts
# and task output (--follow); the master's command (CONF_BEGIN, a 2014
# CONF), its address in CONF_BEGIN, the ABORT, BYE, FULL and ERROR reasons.
# None reaches the other side's terminal, log (stderr, --log) or results
# raw; peer text in them is escaped (\xNN) or '?', and the real slave's
# session beside the hostile one completes.
. "$(dirname "$0")/../lib.sh"
require_bins
"$PYTHON" -c 'import struct, select' 2>/dev/null || skip "no python3 for tests/badpeer.py"
BADPEER=$SYNEXEC_TOP/tests/badpeer.py

note "bad probes to the slave; a good one and its hello"
start_slave victim -s 77
wait_slaves_ready
timeout -k 2 30 "$PYTHON" "$BADPEER" probe-slave --port "$PORT" --session 77 \
    --pid "${SLAVE_PID[victim]}" --name victim >"$TMP/probe.txt" 2>&1
rc=$?
cat "$TMP/probe.txt"
assert_eq 0 $rc "badpeer probe-slave"

note "bad frames from a fake master"
timeout -k 2 60 "$PYTHON" "$BADPEER" poke-slave --port "$PORT" --session 77 \
    >"$TMP/poke-slave.txt" 2>&1
rc=$?
cat "$TMP/poke-slave.txt"
assert_eq 0 $rc "badpeer poke-slave"
if kill -0 "${SLAVE_PID[victim]}" 2>/dev/null; then
	pass "slave survived"
else
	fail "slave exited after bad frames"
fi

note "the slave still serves a real session"
make_conf "$TMP/ok.session" '/bin/sh :CONF:' 'echo fine'
run_master -s 77 1 "$TMP/ok.session"
assert_exit 0
assert_contains "$TMP/victim.out" fine
stop_slave victim

note "bad first frames to the master; then a real slave joins"
start_master -s 78 1 "$TMP/ok.session"
wait_until 20 test -s "$MASTER_ERR"	# it has started (its banner)
timeout -k 2 60 "$PYTHON" "$BADPEER" poke-master --port "$PORT" --session 78 \
    >"$TMP/poke-master.txt" 2>&1
rc=$?
cat "$TMP/poke-master.txt"
assert_eq 0 $rc "badpeer poke-master"
if kill -0 "$MASTER_PID" 2>/dev/null; then
	pass "master still waiting for its slave"
else
	fail "master exited during the bad input"
fi
start_slave real -s 78
wait_master 20
assert_exit 0
assert_summary "$MASTER_OUT" real
assert_contains "$TMP/real.out" fine
assert_not_contains "$MASTER_OUT" ghost "summary (no bad peer in it)"

# evil_escaped FILE WHAT: the markers of badpeer.py's EVIL text, escaped.
evil_escaped() {
	assert_contains "$1" '\x1b]0;EVILTITLE\x07\x1b[2J\x0dsynexec:FORGED\x9b31mC1RAW\xc2\x9b32mC1UTF8\xffBADUTF8' \
	    "$2: the text, escaped"
}
# evil_replaced FILE WHAT: the same as a reason text, non-ASCII as '?'.
evil_replaced() {
	assert_contains "$1" '?]0;EVILTITLE??[2J?synexec:FORGED?31mC1RAW??32mC1UTF8?BADUTF8' \
	    "$2: the reason, '?' for each control byte"
}
# results_inert FILE: valid JSON of printable ASCII only.
results_inert() {
	assert_inert "$1" "results file"
	"$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" &&
	    pass "results file: valid JSON" || fail "results file: not JSON"
}

# evil_master LABEL [SLAVE ARGS]: badpeer.py's evil master against a slave
# (its stderr in $TMP/LABEL.log, or --log); then a real session.
evil_master() {
	local label=$1 log=$TMP/$1.log
	shift
	note "evil text from a fake master: the slave's log ($label: $*)"
	start_slave "$label" -s 79 -v "$@"
	[ "${1:-}" = --log ] && log=$2
	wait_slaves_ready
	timeout -k 2 60 "$PYTHON" "$BADPEER" evil-master --port "$PORT" \
	    --session 79 $EVIL_ALLOWED >"$TMP/evil-master.txt" 2>&1
	rc=$?
	cat "$TMP/evil-master.txt"
	assert_eq 0 $rc "badpeer evil-master"
	assert_inert "$log"
	evil_escaped "$log" "${log#$TMP/}: the command refused"
	assert_contains "$log" "CONF_BEGIN master address not printable" "${log#$TMP/}"
	for r in abort bye full error; do
		assert_line_has "$log" "evil $r: " "EVILTITLE" "${log#$TMP/}: the $r reason"
	done
	evil_replaced "$log" "${log#$TMP/}"
	make_conf "$TMP/true.session" '/bin/true'
	run_master -s 79 1 "$TMP/true.session"
	assert_exit 0 "the slave still serves a session"
	stop_slave "$label"
}
EVIL_ALLOWED="--allowed /bin/true" evil_master wary --allow /bin/true
assert_line_has "$TMP/wary.log" "not in the --allow list" "/bin/true/\x1b]0;EVILTITLE" \
    "wary.log: the --allow refusal names the command, escaped"
EVIL_ALLOWED= evil_master logged --log "$TMP/logged.file.log"
assert_line_has "$TMP/logged.file.log" "No such file or directory" \
    "/nonexistent/\x1b]0;EVILTITLE" "logged.file.log: the refusal names the command, escaped"

# evil_session CASE EXIT [MASTER ARGS]: a real slave and badpeer.py's evil
# one (CASE) in one session; the master exits EXIT and prints nothing raw.
evil_session() {
	local case=$1 want=$2
	shift 2
	note "evil text from a fake slave ($case): the master's terminal, log and results"
	start_master -s 80 -r "$TMP/evil-$case.json" "$@" 2 "$TMP/mark.session"
	wait_until 5 test -s "$MASTER_ERR"
	timeout -k 2 60 "$PYTHON" "$BADPEER" evil-slave --port "$PORT" \
	    --session 80 --case "$case" >"$TMP/evil-$case.txt" 2>&1
	rc=$?
	cat "$TMP/evil-$case.txt"
	assert_eq 0 $rc "badpeer evil-slave --case $case"
	wait_master 30
	assert_exit "$want" "master exit code ($case)"
	assert_inert "$MASTER_OUT" "the master's stdout ($case)"
	assert_inert "$MASTER_ERR" "the master's stderr ($case)"
	results_inert "$TMP/evil-$case.json"
}
start_slave honest -s 80
wait_slaves_ready
make_conf "$TMP/mark.session" '/bin/sh :CONF:' 'echo "honest work"' 'sleep 0.3'
HOSTILE_NAME_LINE="bad hello: hello name has a character outside"

evil_session run 0 --follow -O "$TMP/evil-out" -vv -R 0.1
assert_matches "$MASTER_OUT" '^status:   evil: running, .*: \?\]0;EVILTITLE\?\?\[2J\?synexec:FORGED' \
    "a status line (-vv) with the evil progress text, '?' for controls"
assert_contains "$MASTER_ERR" "$HOSTILE_NAME_LINE" "a name with controls"
assert_line_has "$MASTER_OUT" "evil: " "EVILTITLE" "a --follow line of the evil slave"
evil_escaped "$MASTER_OUT" "--follow"
assert_contains "$MASTER_OUT" "honest: honest work" "the honest slave's --follow line"
assert_contains "$TMP/evil-out/honest.out" "honest work" "the honest slave's output"
assert_eq '"?]0;EVILTITLE??[2J?synexec:FORGED?31mC1RAW??32mC1UTF8?BADUTF8"' \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps([s["progress"] for s in d["slaves"] if s["name"] == "evil"][0]))' "$TMP/evil-run.json")" \
    "results: the evil progress text"

evil_session conf-no 3
evil_replaced "$MASTER_OUT" "the refusal in the summary"

evil_session exec-no 3
evil_replaced "$MASTER_OUT" "the start refusal in the summary"
assert_matches "$MASTER_OUT" "finished: honest .*exit 0" "the honest slave's task ran"

evil_session error 3 --log "$TMP/master-error.log"
assert_inert "$TMP/master-error.log" "the master's --log"
evil_replaced "$TMP/master-error.log" "the ERROR reason in the master's --log"
assert_matches "$MASTER_OUT" "finished: honest .*exit 0" "the honest slave's task ran"
assert_contains "$TMP/honest.out" "honest work"

finish
