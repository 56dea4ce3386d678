#!/bin/bash
# hostile: hostile input thrown at both running binaries (tests/hostile.py),
# on loopback.  Each bad input is logged and dropped; neither process
# crashes, leaks descriptors (counted in /proc/PID/fd before and after) or
# hangs, and a valid session right after succeeds.
#   slave:  datagrams of every length 0..2048 (random and near-valid: none
#           makes it connect); as a fake master: wrong version, wrong session,
#           huge length, truncated header, unknown commands, out-of-phase
#           commands (EXEC before CONF, CONF twice, CONF_BEGIN twice, FINISHD
#           from a master, ...), a master that says nothing.
#   master: the same kinds of bad first frames, and a flood of 1,000
#           connections at once (the slave only connects out: nothing to
#           flood there); datagrams of every length to the broadcast
#           address it hears slaves' announces on.
#   before the hello or the key (NOTES section 10): headers announcing a
#           payload that would not be taken (a CONF, a SEALED record, ...)
#           are refused by the header, at once, by master and slave, keyed
#           or not; a keyed master flooded with 1,000 half-open handshakes
#           that announce 65535-byte records stays under 64 MiB of RSS, a
#           second 1,000 from one address meet the per-address cap (logged,
#           rate-limited), and a keyed session alongside completes; yet a
#           session of 1,000 slaves joining at once from one address meets
#           no cap.
#   REPORT_REQ: 3,000 at once to a slave with a running task are answered
#           rate-limited, with little CPU, and a request after FINISHD still
#           gets a fresh report.
. "$(dirname "$0")/../lib.sh"
require_bins
"$PYTHON" -c 'import struct, select' 2>/dev/null || skip "no python3 for tests/hostile.py"
HOSTILE=$SYNEXEC_TOP/tests/hostile.py

nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
alive() {	# alive PID WHAT
	if kill -0 "$1" 2>/dev/null; then pass "$2 still running"
	else fail "$2 died"; fi
}

MARK=hostile-ok-$RANDOM
make_conf "$TMP/ok.session" '/bin/sh :CONF:' "echo $MARK"

# ------------------------------------------------------------------ slave
note "slave: datagrams of every length 0..2048, random and near-valid"
# Its output files there already: claimed at start, held for its life,
# counted in the descriptors "before".
: >"$TMP/target.out"
: >"$TMP/target.out.err"
start_slave target -v --heartbeat-timeout 2
wait_slaves_ready
SPID=${SLAVE_PID[target]}
fd_before=$(nfds "$SPID")
timeout -k 2 60 "$PYTHON" "$HOSTILE" udp --port "$PORT" --session 0 \
    >"$TMP/udp.txt" 2>&1
rc=$?
cat "$TMP/udp.txt"
assert_eq 0 $rc "hostile.py udp"
alive "$SPID" "slave"
for what in "of 0 bytes" "of 2048 bytes" "version" "not a probe" "session"; do
	assert_contains "$TMP/target.log" "$what" "slave log: a datagram ignored ($what)"
done
assert_not_contains "$TMP/target.log" "connected to master" "slave log (no connection)"

note "slave: bad frames from a fake master, and a silent one"
timeout -k 2 150 "$PYTHON" "$HOSTILE" slave --port "$PORT" --session 0 \
    --silent-secs 2 >"$TMP/slave.txt" 2>&1
rc=$?
cat "$TMP/slave.txt"
assert_eq 0 $rc "hostile.py slave"
alive "$SPID" "slave"
for what in "version 2" "session" "WELCOME with 65535" "unknown command 11" \
    "unknown command 99" "unknown command 255" "EXEC before any CONF" \
    "unexpected CONF" "unexpected CONF_BEGIN" "unexpected FINISHD" \
    "unexpected CONF_DATA"; do
	assert_contains "$TMP/target.log" "$what" "slave log names '$what'"
done
# Back to idle: its last log line (a function: the file is read anew each try).
idle_again() { tail -n 1 "$TMP/target.log" | grep -q "listening for probes"; }
wait_until 20 idle_again
fd_after=$(nfds "$SPID")
assert_eq "$fd_before" "$fd_after" "slave's open descriptors before and after"

note "slave: a valid session right after"
run_master 1 "$TMP/ok.session"
assert_exit 0
assert_contains "$TMP/target.out" "$MARK"
stop_slave target

# ------------------------------------------------------------------ master
note "master: bad first frames"
MASTER_TIMEOUT=120 start_master -s 0 -w 100 1 "$TMP/ok.session"
wait_until 20 test -s "$MASTER_ERR"
MPID=$(pgrep -P "$MASTER_PID" -x synexec_master | head -n 1)
[ -n "$MPID" ] || MPID=$(pgrep -P "$MASTER_PID" | head -n 1)
sleep 0.2
fd_before=$(nfds "$MPID")
timeout -k 2 60 "$PYTHON" "$HOSTILE" master --port "$PORT" --session 0 \
    >"$TMP/master.txt" 2>&1
rc=$?
cat "$TMP/master.txt"
assert_eq 0 $rc "hostile.py master"
alive "$MPID" "master"
for what in "protocol version 2" "session" "unknown command 99" \
    "unknown command 255" "REPLY with 65535 payload bytes"; do
	assert_contains "$MASTER_ERR" "$what" "master log names '$what'"
done

note "master: datagrams of every length 0..2048 where it hears announces"
timeout -k 2 60 "$PYTHON" "$HOSTILE" udp --port "$PORT" --session 0 \
    --to 127.255.255.255 >"$TMP/udp-master.txt" 2>&1
rc=$?
cat "$TMP/udp-master.txt"
assert_eq 0 $rc "hostile.py udp --to 127.255.255.255"
alive "$MPID" "master"

note "master: a flood of 1,000 connections"
t0=$(date +%s%N)
(ulimit -n 4096 2>/dev/null; timeout -k 2 60 "$PYTHON" "$HOSTILE" flood \
    --port "$PORT" --session 0 --count 1000) >"$TMP/flood.txt" 2>&1
rc=$?
cat "$TMP/flood.txt"
assert_eq 0 $rc "hostile.py flood"
alive "$MPID" "master"
# (A function: the count is taken anew each try.)
fds_back() { [ "$(nfds "$MPID")" -le "$fd_before" ]; }
if wait_until 20 fds_back; then
	pass "master's descriptors back to $fd_before after the flood ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
else
	fail "master's descriptors: $fd_before before, $(nfds "$MPID") after the flood"
fi
assert_eq "$fd_before" "$(nfds "$MPID")" "master's open descriptors before and after"

note "master: a valid session right after"
start_slave real
wait_master 20
assert_exit 0
assert_summary "$MASTER_OUT" real
assert_contains "$TMP/real.out" "$MARK"
n=$(summary_rows "$MASTER_OUT" | grep -c '127.0.0.1:')
assert_eq 1 "$n" "slaves in the summary (none of the hostile peers)"
stop_slave real

# ------------------------------------------------------------------ keyed
"$MASTER_BIN" --genkey "$TMP/key" >/dev/null 2>&1 || fail "--genkey"
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

note "keyed master: frames refused by their header before the key is proved"
MASTER_TIMEOUT=120 start_master -s 0 -k "$TMP/key" -w 100 1 "$TMP/ok.session"
wait_until 5 test -s "$MASTER_ERR"
MPID=$(pgrep -P "$MASTER_PID" -x synexec_master | head -n 1)
[ -n "$MPID" ] || MPID=$(pgrep -P "$MASTER_PID" | head -n 1)
timeout -k 2 60 "$PYTHON" "$HOSTILE" keyed-master --port "$PORT" \
    --session 0 >"$TMP/keyed-master.txt" 2>&1
rc=$?
cat "$TMP/keyed-master.txt"
assert_eq 0 $rc "hostile.py keyed-master"
alive "$MPID" "keyed master"

note "keyed master: 1,000 half-open handshakes with oversized headers, 1,000 more from one address, a keyed session alongside"
hwm0=$(hwm_kib "$MPID")
(ulimit -n 4096 2>/dev/null; timeout -k 2 60 "$PYTHON" "$HOSTILE" keyflood \
    --port "$PORT" --session 0 --count 1000 --src 127.0.0.2 --oversize \
    --hold 1) >"$TMP/keyflood1.txt" 2>&1
rc=$?
cat "$TMP/keyflood1.txt"
assert_eq 0 $rc "hostile.py keyflood --oversize"
(ulimit -n 4096 2>/dev/null; exec timeout -k 2 60 "$PYTHON" "$HOSTILE" \
    keyflood --port "$PORT" --session 0 --count 1000 --src 127.0.0.2 \
    --hold 4) >"$TMP/keyflood2.txt" 2>&1 &
FLOOD_PID=$!
track $FLOOD_PID
wait_until 30 grep -q '^holding' "$TMP/keyflood2.txt" ||
    fail "the second flood did not get its handshakes out"
sleep 0.5
hwm=$(hwm_kib "$MPID")
echo "master's peak RSS: ${hwm0:-?} KiB before the floods, ${hwm:-?} KiB after"
if [ -n "$hwm" ] && [ "$hwm" -lt 65536 ]; then
	pass "master's peak RSS under 64 MiB through the floods ($hwm KiB)"
else
	fail "master's peak RSS through the floods: ${hwm:-?} KiB (limit 65536)"
fi
assert_contains "$MASTER_ERR" "turned away" "master log: the per-address cap"
# The slave of the keyed session, from 127.0.0.1, while the flood holds.
start_slave keyed -k "$TMP/key"
wait_master 30
assert_exit 0 "keyed session alongside the flood: master exit code"
assert_contains "$TMP/keyed.out" "$MARK"
wait "$FLOOD_PID"
cat "$TMP/keyflood2.txt"
assert_matches "$TMP/keyflood2.txt" '^holding 512 handshakes' \
    "the flood from one address: 512 held (MASTER_UNAUTH_PER_ADDR)"
n=$(grep -c 'turned away' "$MASTER_ERR")
if [ "$n" -ge 1 ] && [ "$n" -le 4 ]; then
	pass "'turned away' said $n times for about 800 connections (rate-limited)"
else
	fail "'turned away' said $n times (expected 1..4: rate-limited)"
fi
stop_slave keyed

note "a session of 1,000 slaves joining at once from one address: none turned away"
# bench/swarm plays the slaves, all connecting at once from 127.0.0.3: the
# caps on connections not past their hello grow with SLAVES.
SWARM=$SYNEXEC_TOP/build/bench/swarm
if [ -x "$SWARM" ]; then
	printf '/bin/true\npayload\n' >"$TMP/swarm.session"
	MASTER_TIMEOUT=60 start_master -s 5 -w 50 1000 "$TMP/swarm.session"
	(ulimit -n 4096 2>/dev/null; exec timeout -k 2 50 "$SWARM" -p "$PORT" \
	    -s 5 -S 127.0.0.3 -n 1 -c 1000 -t 45 1000) >"$TMP/swarm.txt" 2>&1
	rc=$?
	cat "$TMP/swarm.txt"
	wait_master 50
	assert_exit 0 "1,000 slaves from one address: master exit code"
	assert_eq 0 "$rc" "bench/swarm exit code"
	assert_not_contains "$MASTER_ERR" "turned away" "master log"
else
	fail "no $SWARM (make bench-tools builds it; make check does)"
fi

note "keyed slave: frames refused by their header before the key is proved"
start_slave keyed2 -v -k "$TMP/key"
wait_slaves_ready
timeout -k 2 60 "$PYTHON" "$HOSTILE" keyed-slave --port "$PORT" \
    --session 0 >"$TMP/keyed-slave.txt" 2>&1
rc=$?
cat "$TMP/keyed-slave.txt"
assert_eq 0 $rc "hostile.py keyed-slave"
alive "${SLAVE_PID[keyed2]}" "keyed slave"
stop_slave keyed2

# ------------------------------------------------------------------ reports
note "slave: 3,000 REPORT_REQ at once, rate-limited; a fresh report after FINISHD"
start_slave reports -v
wait_slaves_ready
timeout -k 2 60 "$PYTHON" "$HOSTILE" reportflood --port "$PORT" --session 0 \
    --pid "${SLAVE_PID[reports]}" --count 3000 >"$TMP/reportflood.txt" 2>&1
rc=$?
cat "$TMP/reportflood.txt"
assert_eq 0 $rc "hostile.py reportflood"
alive "${SLAVE_PID[reports]}" "slave"
stop_slave reports

finish
