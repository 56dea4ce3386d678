#!/bin/bash
# abort: stopping a session early (NOTES sections 9 and 11), checked in the
# process table.
#   - SIGINT mid-task: exit 4, every task (and its children) stopped, the
#     summary printed, the results file written; the slaves serve on;
#   - a second SIGINT exits at once; the tasks still stop after their grace;
#   - -t 1 with 30 s tasks: exit 4 within a few seconds, nothing left;
#   - -t 1 with a task that ignores SIGTERM: killed after --kill-grace;
#   - -t counts from the start: a slow discovery does not use it up;
#   - --fail-fast: a failing task (exit 2) or a lost slave (exit 3) aborts
#     the others at once;
#   - SIGTERM while still discovering: exit 4 at once;
#   - SIGHUP mid-task (a lost terminal): as SIGTERM, the results written;
#   - -t is a hard limit: slaves that ignore ABORT (tests/faultpeer.py mute)
#     are lost after their kill grace (KILL_GRACE, or 10 s if they did not
#     say) plus 1.5 s, and the master exits 4 within the longest grace plus
#     2 s of the expiry.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../faults.sh"
require_bins

slaves="alpha bravo charlie"
for s in $slaves; do
	start_slave $s --kill-grace 1
done
wait_slaves_ready
make_conf "$TMP/ok.session" '/bin/sh :CONF:' 'echo "ok $SYNEXEC_SLAVE_NAME"'

# Does this master write results files (-r) yet?
"$MASTER_BIN" -i lo -p "$PORT" -n -r "$TMP/probe.json" 1 "$TMP/ok.session" \
    >"$TMP/r.check" 2>&1
if grep -q "not implemented" "$TMP/r.check"; then
	have_results=false
	note "(-r is not implemented by this master: results file not checked)"
else
	have_results=true
fi

# Tasks: a shell with two children, all three with the marker in reach.
make_conf "$TMP/long.session" '/bin/sh :CONF:' \
    "$MARK &" \
    "echo \$\$ >$TMP/long.\$SYNEXEC_SLAVE_NAME.pid" \
    "$MARK & wait"

# -------------------------------------------------------------------------
note "SIGINT mid-task: exit 4, nothing left running, summary and results"
start_master -r "$TMP/int.json" 3 "$TMP/long.session"
wait_until 30 task_procs_at_least 6 || fail "the tasks did not start their children"
for s in $slaves; do
	wait_for_file "$TMP/long.$s.pid" 20 || fail "$s's task did not write its pid"
done
int_pids="$(marker_pids) $(cat "$TMP"/long.*.pid 2>/dev/null)"
t0=$(now_ms)
kill -INT "$MASTER_PID"
wait_master 15
t1=$(now_ms)
assert_exit 4
# Bounds on times in this test are far above what a loaded machine needs
# and far below what the failure they catch would take (tasks of 40-89 s).
assert_le $((t1 - t0)) 10000 "ms from SIGINT to the master's exit (tasks die on SIGTERM)"
# Once the master has exited, every process of every task is gone: a
# slave reports its task stopped only when its whole group is reaped.
assert_pids_gone "when the master exits after SIGINT" 0 $int_pids
assert_no_task_procs "after SIGINT" 2
assert_summary "$MASTER_OUT" $slaves
# Stopped by the abort: "aborted", not "failed" (issue 20), in the rows
# and the totals; the finish lines say how (killed by signal 15).
for s in $slaves; do
	row_matches $s 'aborted'
done
assert_matches "$MASTER_OUT" '^3 slaves: 0 exited 0, 0 failed, 3 aborted, 0 lost' \
    "the totals after SIGINT"
assert_line_has "$MASTER_OUT" "finished: alpha" "killed by signal 15" \
    "alpha's finish line"
cat "$MASTER_OUT" "$MASTER_ERR" >"$TMP/int.all"
assert_contains "$TMP/int.all" "interrupted by SIGINT" "the master says why"
if $have_results; then
	assert_file "$TMP/int.json" "results file after SIGINT"
	results_check "$TMP/int.json" "results: aborted, exit code 4, why" \
	    "r['outcome'] == 'aborted' and r['exit_code'] == 4 and 'SIGINT' in r['reason']"
	for s in $slaves; do
		results_check "$TMP/int.json" "results: $s's task stopped by SIGTERM" \
		    "slave('$s')['state'] == 'finished' and slave('$s')['signal'] == 15 and slave('$s')['exit_status'] == 'aborted'"
	done
fi
for s in $slaves; do
	assert_contains "$TMP/$s.log" "abort" "$s's log"
done
run_master 3 "$TMP/ok.session"
assert_exit 0 "the slaves serve the next session"

note "SIGINT to a timeout(1) wrapper, which sends it on twice: one interrupt"
rm -f "$TMP"/long.*.pid
timeout -k 5 30 "$MASTER_BIN" -i lo -p "$PORT" 3 "$TMP/long.session" \
    >"$TMP/tw.out" 2>"$TMP/tw.err" </dev/null &
tw=$!
track $tw
wait_until 30 task_procs_at_least 6 || fail "the tasks did not start their children"
for s in $slaves; do
	wait_for_file "$TMP/long.$s.pid" 20 || fail "$s's task did not write its pid"
done
kill -INT $tw
wait_pid $tw 15
assert_eq 4 "$WAIT_RC" "exit code after SIGINT through timeout(1)"
assert_matches "$TMP/tw.out" '^3 slaves: 0 exited 0, 0 failed, 3 aborted, 0 lost' \
    "the totals after SIGINT through timeout(1)"
assert_not_contains "$TMP/tw.err" "again: exiting now" "one interrupt, not two"

# -------------------------------------------------------------------------
note "a second SIGINT exits at once; the tasks still stop after the grace"
# alpha alone, in a session of its own (-s 7), with a grace of 3 s.
stop_slave alpha
start_slave alpha --kill-grace 3 -s 7
wait_slaves_ready
make_conf "$TMP/stubborn.session" '/bin/sh :CONF:' \
    'trap "" TERM' \
    "echo \$\$ >$TMP/st.\$SYNEXEC_SLAVE_NAME.pid" \
    "while :; do $MARK; done"
rm -f "$TMP"/st.*.pid
start_master -s 7 1 "$TMP/stubborn.session"
wait_for_file "$TMP/st.alpha.pid" 20 || fail "no task pid"
stubborn=$(cat "$TMP/st.alpha.pid")
t0=$(now_ms)
kill -INT "$MASTER_PID"
wait_until 10 grep -q "waiting for 1 slave" "$MASTER_ERR" ||
    fail "the master does not say it waits for the slave"
sleep 0.3
kill -0 "$MASTER_PID" 2>/dev/null && pass "the master waits for alpha's task" ||
    fail "the master did not wait for a task that ignores SIGTERM"
t1=$(now_ms)
kill -INT "$MASTER_PID"
wait_master 5
t2=$(now_ms)
assert_exit 4 "exit code after a second SIGINT"
# Then alpha's task must still be in its grace (checked next).
assert_le $((t2 - t1)) 2000 "ms from the second SIGINT to the master's exit"
assert_contains "$MASTER_ERR" "again" "the master says it exits at once"
kill -0 "$stubborn" 2>/dev/null && pass "alpha's task still in its grace period" ||
    fail "alpha's task gone before its 3 s grace"
if wait_until 10 pid_gone "$stubborn"; then
	t3=$(now_ms)
	pass "alpha's task killed after the grace ($((t3 - t0)) ms after the first SIGINT)"
	assert_ge $((t3 - t0)) 2500 "ms before SIGKILL (grace 3 s)"
else
	fail "alpha's task (ignores SIGTERM) still alive 10 s after the master left"
	kill -KILL "$stubborn"
fi
assert_no_task_procs "after the grace" 2
run_master -s 7 1 "$TMP/ok.session"
assert_exit 0 "alpha serves the next session"
stop_slave alpha
start_slave alpha --kill-grace 1
wait_slaves_ready

# -------------------------------------------------------------------------
note "-t 1 with tasks of 30 s: exit 4 within a few seconds"
make_conf "$TMP/t.session" '/bin/sh :CONF:' "exec $MARK"
t0=$(now_ms)
run_master -t 1 3 "$TMP/t.session"
t1=$(now_ms)
assert_exit 4
assert_le $((t1 - t0)) 15000 "ms for a session with -t 1"
assert_ge $((t1 - t0)) 1000 "ms for a session with -t 1"
assert_contains "$MASTER_ERR" "timed out" "the master says why"
# Each slave told its --kill-grace (KILL_GRACE): the master knows it.
assert_contains "$MASTER_ERR" "the longest 1.0 s" "the master's wait"
assert_no_task_procs "after -t" 1
for s in $slaves; do
	row_matches $s 'aborted'
done

note "-t 1 with a task that ignores SIGTERM: SIGKILL after --kill-grace 1"
# A child of its own too, that ignores SIGTERM as well (inherited).
make_conf "$TMP/tt.session" '/bin/sh :CONF:' \
    'trap "" TERM' "$MARK &" "while :; do $MARK; done"
t0=$(now_ms)
start_master -t 1 3 "$TMP/tt.session"
wait_until 30 task_procs_at_least 6 || fail "the tasks did not start their children"
tt_pids=$(marker_pids)
wait_master 20
t1=$(now_ms)
assert_exit 4
assert_pids_gone "when the master exits after -t and the grace" 0 $tt_pids
assert_ge $((t1 - t0)) 1900 "ms: the master waited for the grace"
assert_le $((t1 - t0)) 15000 "ms for -t 1 plus a grace of 1 s"
for s in $slaves; do
	row_matches $s 'aborted'
done
assert_no_task_procs "after -t and the grace" 1

note "-t counts the run, not the discovery"
stop_slave charlie
start_master -t 1 3 "$TMP/ok.session"
sleep 1.5
start_slave charlie --kill-grace 1
wait_master 15
assert_exit 0 "a 1.5 s discovery with -t 1"

# -------------------------------------------------------------------------
note "--fail-fast: a failing task aborts the others (exit 2)"
make_conf "$TMP/ff.session" '/bin/sh :CONF:' \
    '[ "$SYNEXEC_SLAVE_INDEX" = 1 ] && exit 7' "exec $MARK"
t0=$(now_ms)
run_master --fail-fast 3 "$TMP/ff.session"
t1=$(now_ms)
assert_exit 2
assert_le $((t1 - t0)) 15000 "ms for a --fail-fast session"
assert_contains "$MASTER_ERR" "fail-fast" "the master says why"
assert_contains "$MASTER_OUT" "exit 7" "the summary"
assert_no_task_procs "after --fail-fast" 1

note "without --fail-fast the same session waits (aborted here by -t 2)"
t0=$(now_ms)
run_master -t 2 3 "$TMP/ff.session"
t1=$(now_ms)
assert_exit 4
assert_ge $((t1 - t0)) 2000 "ms: the others ran on until -t"
assert_no_task_procs "after -t 2" 1

note "--fail-fast: a lost slave aborts the others (exit 3)"
make_conf "$TMP/ffl.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/ffl.\$SYNEXEC_SLAVE_NAME.pid" "exec $MARK"
rm -f "$TMP"/ffl.*.pid
start_master --fail-fast 3 "$TMP/ffl.session"
wait_for_file "$TMP/ffl.bravo.pid" 20 || fail "bravo's task did not start"
wait_until 30 task_procs_at_least 3 || fail "the tasks did not start"
kill -KILL "${SLAVE_PID[bravo]}"
wait_master 10
assert_exit 3
row_matches bravo 'lost'
assert_contains "$MASTER_ERR" "fail-fast" "the master says why"
# bravo's own task lost its slave: nothing can stop it but us.
kill -KILL "$(cat "$TMP/ffl.bravo.pid")" 2>/dev/null
assert_no_task_procs "after --fail-fast on a loss" 2
start_slave bravo --kill-grace 1
wait_slaves_ready

# -------------------------------------------------------------------------
note "SIGTERM while discovering: exit 4 at once, the joined slaves released"
start_master 5 "$TMP/ok.session"
wait_until 30 grep -q "joined 3/5" "$MASTER_ERR" || fail "3 slaves did not join"
t0=$(now_ms)
kill -TERM "$MASTER_PID"
wait_master 15
t1=$(now_ms)
assert_exit 4
assert_le $((t1 - t0)) 5000 "ms from SIGTERM to exit while discovering"
run_master 3 "$TMP/ok.session"
assert_exit 0 "the slaves serve the next session"

note "SIGHUP mid-task (the terminal went away): as SIGTERM, results written"
start_master -r "$TMP/hup.json" 3 "$TMP/long.session"
wait_until 30 task_procs_at_least 6 || fail "the tasks did not start their children"
kill -HUP "$MASTER_PID"
wait_master 15
assert_exit 4
assert_contains "$MASTER_ERR" "interrupted by SIGHUP" "the master says why"
assert_no_task_procs "after SIGHUP" 2
if $have_results; then
	results_check "$TMP/hup.json" "results after SIGHUP: aborted, exit code 4, why" \
	    "r['outcome'] == 'aborted' and r['exit_code'] == 4 and 'SIGHUP' in r['reason']"
fi
run_master 3 "$TMP/ok.session"
assert_exit 0 "the slaves serve the next session"

# -------------------------------------------------------------------------
note "-t 1 is a hard limit: slaves that ignore ABORT are lost after their grace"
FAULTPEER=$SYNEXEC_TOP/tests/faultpeer.py
# quick says its kill grace (1 s), old says nothing (the default, 10 s);
# neither stops nor answers a report request.
MASTER_TIMEOUT=40 start_master -t 1 5 "$TMP/long.session"
timeout -k 2 40 "$PYTHON" "$FAULTPEER" mute --port "$PORT" --name quick \
    --at abort --grace-ms 1000 --secs 30 >"$TMP/quick.txt" 2>&1 &
track $!
timeout -k 2 40 "$PYTHON" "$FAULTPEER" mute --port "$PORT" --name old \
    --at abort --secs 30 >"$TMP/old.txt" 2>&1 &
track $!
wait_master 35
assert_exit 4 "-t 1 with slaves that ignore ABORT"
row_matches quick 'lost'
row_matches old 'lost'
for s in $slaves; do
	row_matches $s 'aborted'
done
assert_line_has "$MASTER_ERR" quick "within 2.5 s of ABORT (its kill grace 1.0 s + 1.5 s)" \
    "the master's log"
assert_line_has "$MASTER_ERR" old "within 11.5 s of ABORT (its kill grace 10.0 s, by default + 1.5 s)" \
    "the master's log"
assert_contains "$MASTER_ERR" "the longest 10.0 s" "the master's wait"
# From the master's own clock: "phase run: ... after R s; start in S ms"
# and "phase done: ... after D s".  -t expired at R + S/1000 + 1.
exp=$(sed -n 's/^phase run: .* after \([0-9.]*\) s; start in \([0-9.]*\) ms$/\1 \2/p' \
    "$MASTER_OUT" | awk '{ printf "%.3f", $1 + $2 / 1000 + 1 }')
done_s=$(sed -n 's/^phase done: .* after \([0-9.]*\) s$/\1/p' "$MASTER_OUT")
after=$(awk -v e="${exp:-0}" -v d="${done_s:-999}" 'BEGIN { printf "%.3f", d - e }')
if awk -v a="$after" 'BEGIN { exit !(a >= 10 && a <= 12) }'; then
	pass "the master ended $after s after -t expired (10 s of grace + 2 s at most)"
else
	fail "the master ended ${after} s after -t expired (expected 10..12; run $exp, done ${done_s:-?})"
fi
assert_no_task_procs "after -t with slaves that ignore ABORT" 2

finish
