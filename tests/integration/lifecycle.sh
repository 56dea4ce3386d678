#!/bin/bash
# lifecycle: what happens when a peer goes away mid-session (NOTES 5, 7, 9).
#   - a slave killed while its task runs: the master exits 3 and names it;
#   - the master killed (SIGTERM) while tasks run: it exits 4, every slave
#     stops its task's process group and listens again;
#   - a task that ignores SIGTERM is killed after --kill-grace, not before.
. "$(dirname "$0")/../lib.sh"
require_bins

# Task pids, as the tasks wrote them.  Not tracked for teardown (a pid
# may be reused by then): a task found alive is killed on the spot, and a
# slave stops its task when it is terminated.
task_pid() {	# task_pid FILE: TASK_PID = its content once written
	TASK_PID=
	wait_for_file "$1" 20 || { fail "no task pid in $1"; return 1; }
	TASK_PID=$(cat "$1")
}

note "a slave lost while its task runs -> exit 3"
start_slave alpha
start_slave bravo
wait_slaves_ready
make_conf "$TMP/lost.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/lost.\$SYNEXEC_SLAVE_NAME.pid" \
    '[ "$SYNEXEC_SLAVE_NAME" = bravo ] && exec sleep 20' \
    'sleep 1'
start_master 2 "$TMP/lost.session"
task_pid "$TMP/lost.bravo.pid"; bravo_task=$TASK_PID
kill -KILL "${SLAVE_PID[bravo]}"
wait_master 15
assert_exit 3
summary_row "$MASTER_OUT" bravo >"$TMP/bravo.row"
assert_matches "$TMP/bravo.row" '[Ll][Oo][Ss][Tt]' "bravo's summary row"
summary_row "$MASTER_OUT" alpha >"$TMP/alpha.row"
assert_contains "$TMP/alpha.row" "exit 0" "alpha's summary row"
[ -n "$bravo_task" ] && kill -KILL "$bravo_task" 2>/dev/null

note "master SIGTERM while tasks run -> exit 4, tasks stopped"
start_slave bravo
wait_slaves_ready
make_conf "$TMP/long.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/long.\$SYNEXEC_SLAVE_NAME.pid" \
    'exec sleep 30'
start_master 2 "$TMP/long.session"
task_pid "$TMP/long.alpha.pid"; t_alpha=$TASK_PID
task_pid "$TMP/long.bravo.pid"; t_bravo=$TASK_PID
kill -TERM "$MASTER_PID"
wait_master 20
assert_exit 4
for t in $t_alpha $t_bravo; do
	if wait_until 15 pid_gone "$t"; then
		pass "task $t stopped after the master went away"
	else
		fail "task $t still running 15 s after the master went away"
		kill -KILL "$t"
	fi
done
make_conf "$TMP/ok.session" '/bin/true'
run_master 2 "$TMP/ok.session"
assert_exit 0 "the same slaves serve the next session"
stop_slave alpha
stop_slave bravo

note "--kill-grace: SIGTERM first, SIGKILL after the grace"
start_slave stubborn --kill-grace 3
wait_slaves_ready
make_conf "$TMP/stubborn.session" '/bin/sh :CONF:' \
    'trap "" TERM' \
    "echo \$\$ >$TMP/stubborn.pid" \
    'while :; do sleep 0.1; done'
start_master 1 "$TMP/stubborn.session"
task_pid "$TMP/stubborn.pid"; t=$TASK_PID
# The master killed outright (a SIGTERM'ed master waits for the grace
# itself: abort.sh): the slave alone stops the task, with its grace.
kill -KILL "$(pgrep -P "$MASTER_PID" -x synexec_master)"
wait_master 20
sleep 0.7
if [ -n "$t" ] && ! pid_gone "$t"; then
	pass "task ignoring SIGTERM still alive 0.7 s into a 3 s grace"
else
	fail "task ignoring SIGTERM gone before --kill-grace 3 ran out"
fi
if wait_until 10 pid_gone "$t"; then
	pass "task killed once the grace ran out"
else
	fail "task ignoring SIGTERM still alive 10.7 s after the master left (grace 3 s)"
	kill -KILL "$t"
fi

finish
