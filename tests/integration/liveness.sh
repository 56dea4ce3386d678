#!/bin/bash
# liveness: dead, stopped and busy peers (NOTES section 11), with real
# processes on loopback.
#   - kill -9 a slave mid-task: reported lost at once, exit 3, the others'
#     results intact; the slave restarted joins the next session;
#   - SIGSTOP a slave mid-task: the others finish, it is lost by the heartbeat
#     timeout (not before), exit 3; once continued it stops its task and
#     serves the next session;
#   - SIGSTOP a slave while a large payload streams to it: the master's
#     memory stays bounded, the slave is lost, the others run (exit 3);
#   - slaves kept busy by CPU-bound tasks (more than the CPUs) with the
#     shortest heartbeat timeout are not lost;
#   - SIGSTOP the master mid-task: each slave loses it by the heartbeat
#     timeout and stops its task; the master, continued, exits 3;
#   - kill -9 the master mid-task: the task and its children are gone within
#     --kill-grace (plus what a loaded machine needs), and the slave serves
#     the next session;
#   - --keep-task: the task runs to completion instead;
#   - a 2014 slave killed mid-task is lost too;
#   - a slave silent while the master gathers slaves is dropped, and the
#     master waits on for SLAVES;
#   - slaves that keep their connection alive (heartbeats) but never answer
#     CONF_BEGIN, or never answer START, are lost at those answers'
#     deadlines (tests/faultpeer.py mute), and the others run.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../faults.sh"
require_bins

# task_pid FILE: TASK_PID is the pid a task wrote there.
task_pid() {
	TASK_PID=
	wait_for_file "$1" 20 || { fail "no task pid in $1"; return 1; }
	TASK_PID=$(cat "$1")
}

for s in alpha bravo charlie; do
	start_slave $s
done
wait_slaves_ready

# -------------------------------------------------------------------------
note "kill -9 a slave mid-task: lost at once, exit 3, others intact"
# The others' tasks end once the test has seen the loss (or after 30 s).
make_conf "$TMP/k.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/k.\$SYNEXEC_SLAVE_NAME.pid" \
    "[ \"\$SYNEXEC_SLAVE_NAME\" = bravo ] && exec $MARK" \
    "i=0; while [ ! -e $TMP/k.go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'echo done'
start_master -r "$TMP/k.json" 3 "$TMP/k.session"
task_pid "$TMP/k.bravo.pid"
kill -KILL "${SLAVE_PID[bravo]}"
wait_until 20 grep -q "lost: bravo" "$MASTER_OUT"
touch "$TMP/k.go"
wait_master 40
assert_exit 3
results_check "$TMP/k.json" "results: bravo lost, why, the others exit 0" \
    "r['exit_code'] == 3 and slave('bravo')['state'] == 'lost' and
     'closed' in slave('bravo')['error'] and
     slave('alpha')['exit_status'] == slave('charlie')['exit_status'] == 'exit 0'"
assert_summary "$MASTER_OUT" alpha bravo charlie
row_matches bravo 'lost'
for s in alpha charlie; do
	row_matches $s 'exit 0'
	assert_contains "$TMP/$s.out" done "$s's task output"
done
# At once: the loss is printed while the others' tasks still run.
lost_at=$(line_no "$MASTER_OUT" "lost: bravo")
fin_at=$(line_no "$MASTER_OUT" "finished: alpha")
if [ "$lost_at" -gt 0 ] && [ "$lost_at" -lt "$fin_at" ]; then
	pass "bravo reported lost (line $lost_at) before alpha finished (line $fin_at)"
else
	fail "bravo's loss (line $lost_at) not reported before alpha finished (line $fin_at)"
fi
# A slave killed that way leaves its task behind (nothing can stop it).
kill_marker_procs

note "the slave, restarted, joins the next session"
start_slave bravo
wait_slaves_ready
make_conf "$TMP/ok.session" '/bin/sh :CONF:' 'echo "ok $SYNEXEC_SLAVE_NAME"'
run_master -w 10 3 "$TMP/ok.session"
assert_exit 0
assert_contains "$TMP/bravo.out" "ok bravo" "restarted bravo's output"

# -------------------------------------------------------------------------
note "SIGSTOP a slave mid-task: the others finish, it is lost by the heartbeat timeout"
rm -f "$TMP"/s.*.pid
make_conf "$TMP/s.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/s.\$SYNEXEC_SLAVE_NAME.pid" \
    "[ \"\$SYNEXEC_SLAVE_NAME\" = charlie ] && exec $MARK" \
    'sleep 0.5; echo done'
start_master --heartbeat-timeout 2 3 "$TMP/s.session"
task_pid "$TMP/s.charlie.pid"
t0=$(now_ms)
kill -STOP "${SLAVE_PID[charlie]}"
wait_master 20
t1=$(now_ms)
assert_exit 3
for s in alpha bravo; do
	row_matches $s 'exit 0'
done
row_matches charlie 'lost'
assert_line_has "$MASTER_OUT" "lost: charlie" "heartbeat timeout" "charlie's loss"
assert_contains "$MASTER_ERR" "charlie" "the master's log names charlie"
# Lost by the 2 s timeout: not before 1.5 s (its last heartbeat may be up to
# one 0.5 s interval old), and long before the default 10 s.
assert_ge $((t1 - t0)) 1500 "ms from SIGSTOP to the master's exit"
assert_le $((t1 - t0)) 8000 "ms from SIGSTOP to the master's exit"
fin_at=$(line_no "$MASTER_OUT" "finished: alpha")
lost_at=$(line_no "$MASTER_OUT" "lost: charlie")
if [ "$fin_at" -gt 0 ] && [ "$fin_at" -lt "$lost_at" ]; then
	pass "alpha finished while charlie was stopped"
else
	fail "alpha's finish (line $fin_at) not before charlie's loss (line $lost_at)"
fi
kill -CONT "${SLAVE_PID[charlie]}"
assert_no_task_procs "charlie, continued, stopped its task" 15
run_master -w 10 3 "$TMP/ok.session"
assert_exit 0 "charlie serves the next session"

# -------------------------------------------------------------------------
note "SIGSTOP a slave while 64 MiB stream to it: bounded memory, the others run"
# Slaves of their own (session 9): c9 joins first and is stopped at once;
# a9 and b9 join after it, so the payload streams while c9 is stopped.  A
# 5 s heartbeat timeout leaves a9 and b9 ample time to join meanwhile.
head -c $((64 * 1024 * 1024)) /dev/zero >"$TMP/big.payload"
{ echo '/bin/sh -c :'; cat "$TMP/big.payload"; } >"$TMP/big.session"
rm -f "$TMP/big.payload"
start_master -s 9 --heartbeat-timeout 5 3 "$TMP/big.session"
wait_until 20 test -s "$MASTER_ERR"
start_slave c9 -s 9
wait_until 20 grep -qE "joined 1/3: c9" "$MASTER_ERR" || fail "c9 did not join"
kill -STOP "${SLAVE_PID[c9]}"
start_slave a9 -s 9
start_slave b9 -s 9
configured() { grep -q "configured (" "$TMP/a9.log" 2>/dev/null &&
    grep -q "configured (" "$TMP/b9.log" 2>/dev/null; }
wait_until 20 configured || fail "a9 and b9 were not configured"
sleep 0.3
mpid=$(master_real_pid)
rss=$(proc_rss_kb "$mpid")
echo "master pid $mpid: VmRSS ${rss:-?} kB while c9 is stopped"
if san_build; then
	# ASan keeps freed buffers in quarantine (256 MiB): nothing to judge.
	echo "(VmRSS not judged under ASan)"
elif [ -n "$rss" ]; then
	assert_le "$rss" $((40 * 1024)) "master VmRSS (kB) with a 64 MiB payload and a stopped slave"
else
	fail "no VmRSS for the master (pid '$mpid')"
fi
wait_master 30
assert_exit 3
assert_line_has "$MASTER_OUT" "c9" "lost during the configuration" "c9's loss"
assert_line_has "$MASTER_OUT" "c9" "heartbeat timeout" "c9's loss"
row_matches a9 'exit 0'
row_matches b9 'exit 0'
kill -CONT "${SLAVE_PID[c9]}"
if wait_until 15 no_payload_file c9; then
	pass "c9, continued, removed its payload file"
else
	fail "c9's payload file is still there: $(payload_files c9)"
fi
rm -f "$TMP/big.session"
run_master -s 9 -w 10 3 "$TMP/ok.session"
assert_exit 0 "c9 serves the next session"
stop_slave a9; stop_slave b9; stop_slave c9

# -------------------------------------------------------------------------
note "busy slaves (CPU-bound tasks, more than the CPUs) with a 1 s heartbeat timeout"
ncpu=$(nproc 2>/dev/null || echo 2)
nburn=$(( (ncpu + 1) / 2 + 1 ))		# per slave: 3 slaves > the CPUs
make_conf "$TMP/busy.session" '/bin/sh :CONF:' \
    "i=0; while [ \$i -lt $nburn ]; do" \
    "  timeout 3 /bin/sh -c 'while :; do :; done' &" \
    '  i=$((i + 1)); done' \
    'wait; echo burnt'
run_master --heartbeat-timeout 1 3 "$TMP/busy.session"
assert_exit 0 "no slave lost while the CPUs are saturated"
assert_not_contains "$MASTER_OUT" "lost:" "master output"
assert_contains "$MASTER_OUT" "0 lost" "master output"

# -------------------------------------------------------------------------
note "SIGSTOP the master mid-task: the slaves lose it by their heartbeat timeout"
stop_slave alpha; stop_slave bravo; stop_slave charlie
for s in alpha bravo; do
	start_slave $s --heartbeat-timeout 2 --kill-grace 1
done
wait_slaves_ready
make_conf "$TMP/m.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/m.\$SYNEXEC_SLAVE_NAME.pid" "exec $MARK"
start_master --heartbeat-timeout 2 2 "$TMP/m.session"
task_pid "$TMP/m.alpha.pid"
task_pid "$TMP/m.bravo.pid"
mpid=$(master_real_pid)
kill -STOP "$mpid"
t0=$(now_ms)
assert_no_task_procs "tasks stopped by slaves that lost their master" 15
t1=$(now_ms)
assert_ge $((t1 - t0)) 1400 "ms from the master's SIGSTOP to its tasks' end"
for s in alpha bravo; do
	assert_line_has "$TMP/$s.log" "heartbeat timeout" "ending the session" "$s's log"
done
kill -CONT "$mpid"
wait_master 10
assert_exit 3 "the master, continued, finds its slaves gone"
run_master -w 10 2 "$TMP/ok.session"
assert_exit 0 "the slaves serve the next session"

# -------------------------------------------------------------------------
note "kill -9 the master mid-task: task and children gone after the grace"
make_conf "$TMP/g.session" '/bin/sh :CONF:' \
    'trap "" TERM' \
    "$MARK & $MARK &" \
    "echo \$\$ >$TMP/g.\$SYNEXEC_SLAVE_NAME.pid" \
    'while :; do sleep 0.1; done'
start_master 2 "$TMP/g.session"
task_pid "$TMP/g.alpha.pid"
task_pid "$TMP/g.bravo.pid"
wait_until 30 task_procs_at_least 4 ||
    fail "expected 4 task children running"
g_pids="$(marker_pids) $(cat "$TMP/g.alpha.pid" "$TMP/g.bravo.pid")"
mpid=$(master_real_pid)
t0=$(now_ms)
kill -KILL "$mpid"
# Zombies included: each slave reaps what its task leaves (subreaper).
# Bounded by the grace plus a few seconds of a loaded machine: what this
# catches is a task that outlives its master for good.
assert_pids_gone "tasks of a killed master (grace 1 s)" 5 $g_pids
assert_no_task_procs "tasks of a killed master (grace 1 s)" 5
for f in "$TMP/g.alpha.pid" "$TMP/g.bravo.pid"; do
	p=$(cat "$f")
	if wait_until 5 pid_gone "$p"; then
		pass "task $p (ignores SIGTERM) gone"
	else
		fail "task $p still running 5 s after its master was killed"
		kill -KILL "$p"
	fi
done
t1=$(now_ms)
assert_le $((t1 - t0)) 5000 "ms from kill -9 of the master to its tasks' end (grace 1 s)"
wait_master 5
run_master -w 10 2 "$TMP/ok.session"
assert_exit 0 "the slaves serve the next session"

# -------------------------------------------------------------------------
note "--keep-task: the task of a lost master runs to completion"
stop_slave alpha; stop_slave bravo
start_slave keeper --keep-task --kill-grace 1
wait_slaves_ready
make_conf "$TMP/keep.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/keep.pid" 'sleep 1.5' "echo finished >$TMP/keep.done"
start_master 1 "$TMP/keep.session"
task_pid "$TMP/keep.pid"
kill -KILL "$(master_real_pid)"
wait_master 5
if wait_until 20 test -s "$TMP/keep.done"; then
	pass "the kept task ran to completion"
else
	fail "the kept task did not finish (--keep-task)"
fi
assert_contains "$TMP/keeper.log" "keep-task" "keeper's log"
run_master -w 10 1 "$TMP/ok.session"
assert_exit 0 "the keeper serves the next session"
stop_slave keeper

# -------------------------------------------------------------------------
note "a 2014 slave killed mid-task is lost"
if "$PYTHON" -c 'import struct, select' 2>/dev/null; then
	start_slave alpha
	"$PYTHON" "$V1PEER" slave --port "$PORT" --session 0 \
	    --once --timeout 25 --output "$TMP/v1.out" --conf-dir "$TMP/conf" \
	    >"$TMP/v1.log" 2>&1 &
	v1=$!
	track $v1
	wait_until 20 bash -c "grep -q listening $TMP/v1.log" || fail "v1 peer not listening"
	wait_slaves_ready
	make_conf "$TMP/v1.session" '/bin/sh -c sleep${IFS}0.7'
	start_master 2 "$TMP/v1.session"
	wait_until 20 bash -c "grep -q 'got EXEC' $TMP/v1.log" || fail "v1 peer got no EXEC"
	kill -KILL $v1
	wait_master 10
	assert_exit 3
	row_matches 127.0.0.1 'lost'
	row_matches alpha 'exit 0'
fi

# -------------------------------------------------------------------------
note "a slave lost while the master gathers slaves is dropped; the master waits on"
start_slave d1 -s 11
wait_slaves_ready
start_master -s 11 --heartbeat-timeout 2 2 "$TMP/ok.session"
wait_until 20 grep -q "joined 1/2: d1" "$MASTER_ERR" || fail "d1 did not join"
kill -STOP "${SLAVE_PID[d1]}"
if wait_until 15 grep -q "left: 0/2 joined" "$MASTER_ERR"; then
	pass "the master dropped the silent d1 and waits on"
else
	fail "the master did not drop the silent d1"
fi
assert_line_has "$MASTER_ERR" "d1" "heartbeat timeout" "the master's log"
kill -CONT "${SLAVE_PID[d1]}"
start_slave d2 -s 11
wait_master 15
assert_exit 0 "d1, continued, and d2 run the session"
assert_summary "$MASTER_OUT" d1 d2

# -------------------------------------------------------------------------
note "slaves that heartbeat but never answer CONF_BEGIN, or START: lost at the deadlines"
FAULTPEER=$SYNEXEC_TOP/tests/faultpeer.py
start_slave e1 -s 12
wait_slaves_ready
# With --heartbeat-timeout 2 an answer is due within 5 s (the floor), the
# configuration's with a few round trips and 8 bytes at 1 MiB/s more.
MASTER_TIMEOUT=40 start_master -s 12 --heartbeat-timeout 2 3 \
    "$TMP/ok.session"
for f in noconf:conf nostart:start; do
	timeout -k 2 30 "$PYTHON" "$FAULTPEER" mute --port "$PORT" \
	    --session 12 --name "${f%%:*}" --at "${f#*:}" --secs 25 \
	    >"$TMP/${f%%:*}.txt" 2>&1 &
	track $!
done
wait_master 30
assert_exit 3 "a session with slaves that never answer"
assert_line_has "$MASTER_ERR" "noconf" "no answer to the configuration within 5.0 s" \
    "the master's log"
assert_line_has "$MASTER_ERR" "nostart" "no answer to START within 5.0 s" \
    "the master's log"
row_matches noconf 'lost'
row_matches nostart 'lost'
row_matches e1 'exit 0'
assert_contains "$TMP/noconf.txt" "closed by the master" "noconf: its connection"
assert_contains "$TMP/nostart.txt" "closed by the master" "nostart: its connection"
# "phase done: ... after S s": the two deadlines one after the other.
secs=$(sed -n 's/^phase done: .* after \([0-9.]*\) s$/\1/p' "$MASTER_OUT")
if awk -v s="${secs:-99}" 'BEGIN { exit !(s >= 9.5 && s < 20) }'; then
	pass "the session ended $secs s after it began (two 5-s deadlines)"
else
	fail "the session ended ${secs:-?} s after it began (expected 10..20)"
fi

finish
