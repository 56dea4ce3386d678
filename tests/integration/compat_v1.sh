#!/bin/bash
# compat_v1: we interoperate with the 2014 tool (played by tests/v1peer.py).
#   - our master drives two 2014 slaves and one of ours in one session; the
#     2014 slaves get the whole file in CONF, show "unknown" exit status, and
#     see nothing but version-1 frames; their tasks' metric lines are
#     nobody's business (metrics, metric_errors and series null in the
#     results), ours' are taken;
#   - a session file over 65535 bytes with a 2014 slave: exit 3 naming the
#     2014 slave and 65535, and nothing runs anywhere;
#   - a 2014 master drives our slave (-1): the task runs with index 0 of 1,
#     FINISHD is the 48-byte layout with sane times, the slave exits with the
#     task's exit code; the task's metric lines (one malformed) change
#     nothing the 2014 master sees (no METRICS, a frame it would not know).
. "$(dirname "$0")/../lib.sh"
require_bins
"$PYTHON" -c 'import struct, selectors' 2>/dev/null || skip "no python3 for tests/v1peer.py"

# start_v1slave LABEL [ARGS...]: a 2014 slave for one master connection.
start_v1slave() {
	local label=$1
	shift
	"$PYTHON" "$V1PEER" slave --port "$PORT" --session 0 --once "$@" \
	    --output "$TMP/$label.out" --conf-dir "$TMP/conf" \
	    --dump-conf "$TMP/$label.conf" --timeout 40 >"$TMP/$label.log" 2>&1 &
	SLAVE_PID[$label]=$!
	track $!
	wait_until 20 grep -q 'listening on udp' "$TMP/$label.log" ||
	    fail "$label did not start: $(cat "$TMP/$label.log")"
}

note "our master, two 2014 slaves and one of ours"
start_v1slave old1 --iface-bcast 127.255.255.255	# bound as in 2014
start_v1slave old2
start_slave mine
wait_slaves_ready
make_conf "$TMP/mixed.session" '/bin/sh :CONF:' 'echo hello from the task' \
    '[ -n "$SYNEXEC_PROGRESS_FD" ] && echo "metric m=1" >&"$SYNEXEC_PROGRESS_FD"' \
    'sleep 0.2'
run_master -r "$TMP/mixed.json" 3 "$TMP/mixed.session"
# NOTES 9 says 0 when every task exited 0; a 2014 slave reports no status,
# so "unknown" must not fail a session whose other tasks all exited 0.
assert_exit 0 "master exit code with two 2014 slaves (unknown status)"
assert_summary "$MASTER_OUT" mine 127.0.0.1 '127.0.0.1#2'
for n in 127.0.0.1 '127.0.0.1#2'; do
	row=$(summary_row "$MASTER_OUT" "$n")
	case $row in
	*unknown*) pass "2014 slave $n: status unknown" ;;
	*) fail "2014 slave $n: expected status 'unknown', got row '$row'" ;;
	esac
done
row=$(summary_row "$MASTER_OUT" mine)
case $row in
*unknown*) fail "our slave: expected a known status, got row '$row'" ;;
*) pass "our slave's status is known" ;;
esac
for s in old1 old2; do
	wait_pid "${SLAVE_PID[$s]}" 10
	assert_eq 0 "$WAIT_RC" "2014 slave $s exit code (3 = it saw a non-v1 frame)"
	assert_not_contains "$TMP/$s.log" DEVIATION
	assert_contains "$TMP/$s.log" "got EXEC"
	assert_contains "$TMP/$s.log" "sent FINISHD"
	assert_contains "$TMP/$s.out" "hello from the task"
	if cmp -s "$TMP/mixed.session" "$TMP/$s.conf"; then
		pass "$s got the whole session file in CONF"
	else
		fail "$s: CONF payload differs from the session file"
	fi
done
assert_contains "$TMP/mine.out" "hello from the task"
"$PYTHON" -c '
import json, sys
for s in json.load(open(sys.argv[1]))["slaves"]:
    k = (s["metrics"], s["metric_errors"], s["series"] is None)
    if s["kind"] == "2014":
        assert k == (None, None, True), (s["name"], k)
    else:
        assert k == ({"m": {"value": 1, "unit": None}}, [], False), k
print("ok: metrics null for the 2014 slaves, taken from ours")
' "$TMP/mixed.json" || fail "metrics in the results of a mixed session"

note "session file over 65535 bytes with a 2014 slave -> exit 3, nothing runs"
rm -f "$TMP"/{old1,mine}.out
start_v1slave old1
wait_slaves_ready
{
	echo '/bin/sh :CONF:'
	echo "echo ran >>$TMP/ran"
	for i in $(seq 1 1000); do
		echo "# filler line $i: the whole file must exceed the 2014 CONF frame"
	done
} >"$TMP/big.session"
echo "session file: $(stat -c %s "$TMP/big.session") bytes"
run_master 2 "$TMP/big.session"
assert_exit 3
cat "$MASTER_OUT" "$MASTER_ERR" >"$TMP/big.all"
assert_line_has "$TMP/big.all" "127.0.0.1" "65535" "message naming the 2014 slave and the limit"
assert_no_file "$TMP/ran" "marker written by the task"
assert_no_file "$TMP/old1.out" "2014 slave output"
assert_no_file "$TMP/mine.out" "our slave output"
assert_not_contains "$TMP/old1.log" "got CONF"
wait_pid "${SLAVE_PID[old1]}" 20
assert_eq 0 "$WAIT_RC" "2014 slave exit code (released, no deviation)"
stop_slave mine

note "a 2014 master drives our slave (-1)"
printf '%s\n' \
    'echo "index=$SYNEXEC_SLAVE_INDEX"' \
    'echo "slaves=$SYNEXEC_SLAVES"' \
    'echo "master=$SYNEXEC_MASTER"' \
    "/usr/bin/cmp \"\$0\" $TMP/v1.payload && echo payload-ok" \
    'echo "metric ops=5 ops" >&"$SYNEXEC_PROGRESS_FD"' \
    'echo "metric bad=x" >&"$SYNEXEC_PROGRESS_FD"' \
    'sleep 0.3' >"$TMP/v1.payload"
{ echo '/bin/sh :CONF:'; cat "$TMP/v1.payload"; } >"$TMP/v1.session"
start_slave solo -s 9 -1
wait_until 20 udp_bound "$PORT"
timeout -k 2 30 "$PYTHON" "$V1PEER" master --port "$PORT" --session 9 \
    --bcast 127.255.255.255 --slaves 1 --conf "$TMP/v1.session" \
    --timeout 20 >"$TMP/v1master.log" 2>&1
assert_eq 0 $? "2014 master exit code"
cat "$TMP/v1master.log"
assert_not_contains "$TMP/v1master.log" DEVIATION
duration=$(sed -n 's/.*FINISHD .*duration=\([0-9.]*\).*/\1/p' "$TMP/v1master.log")
if [ -n "$duration" ] && awk -v d="$duration" 'BEGIN { exit !(d >= 0.29 && d < 5) }'; then
	pass "48-byte FINISHD: task took $duration s (slept 0.3 s)"
else
	fail "FINISHD duration: expected 0.3..5 s, got '$duration'"
fi
wait_pid "${SLAVE_PID[solo]}" 20
assert_eq 0 "$WAIT_RC" "our -1 slave exit code"
assert_contains "$TMP/solo.out" "index=0"
assert_contains "$TMP/solo.out" "slaves=1"
assert_contains "$TMP/solo.out" "master=127.0.0.1"
assert_contains "$TMP/solo.out" "payload-ok" "payload split at the first newline"
assert_contains "$TMP/solo.log" 'malformed metric line "metric bad=x"' \
    "our slave's log: the malformed metric line, under a 2014 master too"

note "a 2014 master, a task exiting 5: our -1 slave exits 5"
make_conf "$TMP/v1exit.session" '/bin/sh :CONF:' 'exit 5'
start_slave solo2 -s 9 -1
wait_until 20 udp_bound "$PORT"
timeout -k 2 30 "$PYTHON" "$V1PEER" master --port "$PORT" --session 9 \
    --bcast 127.255.255.255 --slaves 1 --conf "$TMP/v1exit.session" \
    --timeout 20 >"$TMP/v1master2.log" 2>&1
assert_eq 0 $? "2014 master exit code"
assert_contains "$TMP/v1master2.log" "FINISHD start="
wait_pid "${SLAVE_PID[solo2]}" 20
assert_eq 5 "$WAIT_RC" "our -1 slave exit code after a task that exited 5"

finish
