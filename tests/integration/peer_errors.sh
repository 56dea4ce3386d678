#!/bin/bash
# peer_errors: a peer speaking a frame version or a command we do not know
# gets an ERROR frame naming both sides' versions before the connection
# closes, and our side logs the same, naming the peer (tests/faultpeer.py
# plays the peer from the future).  Both programs go on serving.
. "$(dirname "$0")/../lib.sh"
require_bins
"$PYTHON" -c 'import struct, select' 2>/dev/null || skip "no python3 for tests/faultpeer.py"
FAULTPEER=$SYNEXEC_TOP/tests/faultpeer.py

make_conf "$TMP/ok.session" '/bin/sh :CONF:' 'echo fine'

note "the master: frame version 2, then unknown command 99"
start_master 1 "$TMP/ok.session"
wait_until 20 test -s "$MASTER_ERR"
timeout -k 2 30 "$PYTHON" "$FAULTPEER" master-errors --port "$PORT" \
    >"$TMP/master-errors.txt" 2>&1
rc=$?
cat "$TMP/master-errors.txt"
assert_eq 0 $rc "faultpeer master-errors"
assert_line_has "$MASTER_ERR" "127.0.0.1:" "protocol version 2, we speak version 1" \
    "the master's log (version)"
assert_line_has "$MASTER_ERR" "future (127.0.0.1:" "unknown command 99" \
    "the master's log (command)"
assert_line_has "$MASTER_ERR" "unknown command 99" "extension version 1" \
    "the master's log (command)"
assert_line_has "$MASTER_ERR" "unknown command 99" \
    "it speaks extension version 2" "the master's log (the peer's version)"
start_slave real
wait_master 20
assert_exit 0 "the master still runs its session"
assert_summary "$MASTER_OUT" real
assert_not_contains "$MASTER_OUT" future "summary (the peer from the future is not in it)"
stop_slave real

note "the slave: frame version 2, then unknown command 77"
start_slave victim
wait_slaves_ready
timeout -k 2 30 "$PYTHON" "$FAULTPEER" slave-errors --port "$PORT" \
    >"$TMP/slave-errors.txt" 2>&1
rc=$?
cat "$TMP/slave-errors.txt"
assert_eq 0 $rc "faultpeer slave-errors"
assert_line_has "$TMP/victim.log" "master 127.0.0.1:$PORT" \
    "protocol version 2, we speak version 1" "the slave's log (version)"
assert_line_has "$TMP/victim.log" "master 127.0.0.1:$PORT" \
    "unknown command 77" "the slave's log (command)"
assert_line_has "$TMP/victim.log" "unknown command 77" "extension version 1" \
    "the slave's log (command)"
assert_line_has "$TMP/victim.log" "unknown command 77" \
    "it speaks extension version 2" "the slave's log (the peer's version)"
if kill -0 "${SLAVE_PID[victim]}" 2>/dev/null; then
	pass "the slave survived"
else
	fail "the slave exited"
fi
run_master 1 "$TMP/ok.session"
assert_exit 0 "the slave still serves a session"
assert_contains "$TMP/victim.out" fine

finish
