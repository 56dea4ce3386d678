#!/bin/bash
# bad_input: hand-crafted packets (tests/badpeer.py) against the real
# binaries on loopback.  The slave ignores every malformed or foreign probe,
# answers a good one with a well-formed hello, and drops a master that sends
# bad frames; the master drops bad first frames (FULL for a bad hello), a
# silent peer after ~5 s, and still runs its session with a real slave; none
# of them counts as a slave.
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

finish
