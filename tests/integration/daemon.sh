#!/bin/bash
# daemon: both programs with -d (NOTES section 11).
#   - the slave detaches, writes --pidfile, logs to --log, serves sessions;
#     SIGHUP re-reads its configuration and applies it when the session
#     under way ends; a bad file is refused and changes nothing; SIGTERM
#     stops its task and the daemon, and removes the pidfile;
#   - the master detaches and prints the daemon's pid on stdout (and
#     nothing else), writes --pidfile and --log (the summary is in it),
#     removes the pidfile at exit; SIGTERM aborts its session cleanly.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../faults.sh"
require_bins

# A daemon is not our child: its pid comes from its pidfile.
daemon_pid() {	# daemon_pid PIDFILE: DPID
	DPID=
	wait_for_file "$1" 20 || { fail "no pidfile $1"; return 1; }
	DPID=$(cat "$1")
	track "$DPID"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

cat >"$TMP/slave.conf" <<EOF
slave {
	name = "first"
	kill_grace = 1
}
EOF
make_conf "$TMP/ok.session" '/bin/sh :CONF:' 'echo "ok $SYNEXEC_SLAVE_NAME"'

note "slave -d --pidfile --log"
"$SLAVE_BIN" -d -c "$TMP/slave.conf" -i lo -p "$PORT" -o "$TMP/d.out" \
    -T "$TMP/conf" --pidfile "$TMP/slave.pid" --log "$TMP/slave.dlog" \
    >"$TMP/slave-start.txt" 2>&1
assert_eq 0 $? "slave -d exit code (the parent)"
daemon_pid "$TMP/slave.pid"; spid=$DPID
if [ -n "$spid" ] && [ "$spid" != $$ ] && kill -0 "$spid" 2>/dev/null; then
	pass "the slave daemon runs (pid $spid)"
else
	fail "no slave daemon running with pid '$spid'"
fi
ppid=$(awk '{ print $4 }' "/proc/$spid/stat" 2>/dev/null)
assert_eq 1 "$(awk '{ print ($6 == $1) ? 1 : 0 }' "/proc/$spid/stat" 2>/dev/null)" \
    "the slave daemon leads its own session (setsid)"
echo "slave daemon $spid, parent $ppid"
wait_until 20 udp_bound || fail "the slave daemon did not bind its port"
run_master 1 "$TMP/ok.session"
assert_exit 0
assert_summary "$MASTER_OUT" first
assert_contains "$TMP/slave.dlog" "connected to master" "the slave's --log"

note "SIGHUP during a session: applied when it ends"
# The task ends once the slave has said it will apply the file later (or
# after 30 s).
make_conf "$TMP/slow.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/slow.pid" \
    "i=0; while [ ! -e $TMP/slow.go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'echo "slow $SYNEXEC_SLAVE_NAME"'
start_master 1 "$TMP/slow.session"
wait_for_file "$TMP/slow.pid" 20 || fail "the slow task did not start"
sed -i 's/name = "first"/name = "second"/' "$TMP/slave.conf"
kill -HUP "$spid"
wait_until 20 grep -q "applies when the current session ends" "$TMP/slave.dlog"
touch "$TMP/slow.go"
wait_master 40
assert_exit 0
assert_summary "$MASTER_OUT" first
assert_contains "$TMP/d.out" "slow first" "the session under way kept its name"
assert_contains "$TMP/slave.dlog" "applies when the current session ends" "the slave's log"
run_master 1 "$TMP/ok.session"
assert_exit 0
assert_summary "$MASTER_OUT" second
assert_contains "$TMP/slave.dlog" "configuration reloaded" "the slave's log"

note "SIGHUP with a bad file: refused, nothing changes"
cp "$TMP/slave.conf" "$TMP/slave.conf.good"
cat >"$TMP/slave.conf" <<EOF
slave {
	name = "third"
	kill_grace = forever
}
EOF
kill -HUP "$spid"
wait_until 20 grep -q "not reloaded" "$TMP/slave.dlog" ||
    fail "the slave did not say it refused the bad file"
assert_matches "$TMP/slave.dlog" 'slave.conf:[0-9]+: kill_grace' "the slave names the bad key"
kill -0 "$spid" 2>/dev/null && pass "the slave survived a bad file" ||
    fail "the slave died on a bad file"
run_master 1 "$TMP/ok.session"
assert_exit 0
assert_summary "$MASTER_OUT" second

note "SIGHUP while idle applies at once; a new master address needs a restart"
cat >"$TMP/slave.conf" <<EOF
slave {
	name = "fourth"
	master = "127.0.0.1:1"
	kill_grace = 1
}
EOF
kill -HUP "$spid"
wait_until 20 grep -q "name fourth" "$TMP/slave.dlog" ||
    fail "the idle slave did not apply the new file at once"
assert_contains "$TMP/slave.dlog" "master (-m) changed: restart" "the slave's log"
run_master 1 "$TMP/ok.session"
assert_exit 0 "the slave still listens for probes"
assert_summary "$MASTER_OUT" fourth

note "SIGTERM to the slave daemon mid-task: task stopped, daemon gone, pidfile removed"
make_conf "$TMP/long.session" '/bin/sh :CONF:' "exec $MARK"
start_master 1 "$TMP/long.session"
wait_until 30 task_procs_at_least 1 || fail "the task did not start"
kill -TERM "$spid"
if wait_until 15 gone "$spid"; then
	pass "the slave daemon stopped on SIGTERM"
else
	fail "the slave daemon still runs 15 s after SIGTERM"
fi
assert_no_task_procs "after the slave's SIGTERM" 5
assert_no_file "$TMP/slave.pid" "the slave's pidfile"
assert_contains "$TMP/slave.dlog" "exiting with status 0" "the slave's log"
wait_master 10
assert_exit 3 "the master lost its slave"
assert_contains "$MASTER_OUT" "shutting down" "the master says why"

# -------------------------------------------------------------------------
note "master -d: prints its pid, --pidfile, --log with the summary"
start_slave plain --kill-grace 1
wait_slaves_ready
"$MASTER_BIN" -d -i lo -p "$PORT" --pidfile "$TMP/master.pid" \
    --log "$TMP/master.dlog" 1 "$TMP/ok.session" >"$TMP/md.out" 2>"$TMP/md.err"
assert_eq 0 $? "master -d exit code (the parent)"
assert_eq 1 "$(wc -l <"$TMP/md.out")" "lines the master -d printed on stdout"
assert_matches "$TMP/md.out" '^[0-9]+$' "master -d stdout"
mpid=$(cat "$TMP/md.out")
track "$mpid"
if wait_until 30 gone "$mpid"; then
	pass "the master daemon $mpid ran its session and exited"
else
	fail "the master daemon $mpid still runs"
fi
assert_contains "$TMP/master.dlog" "NAME" "the master's --log (summary)"
assert_contains "$TMP/master.dlog" "plain" "the master's --log (summary)"
assert_no_file "$TMP/master.pid" "the master's pidfile after exit"

note "master -d, SIGTERM mid-task: aborted, task stopped, pidfile removed"
"$MASTER_BIN" -d -i lo -p "$PORT" --pidfile "$TMP/master.pid" \
    --log "$TMP/master2.dlog" 1 "$TMP/long.session" >"$TMP/md2.out" 2>"$TMP/md2.err"
mpid=$(head -n 1 "$TMP/md2.out")
track "$mpid"
# At once, no waiting: the parent returns once the daemon is ready.
assert_eq "$mpid" "$(cat "$TMP/master.pid" 2>/dev/null)" \
    "the pidfile, as soon as master -d returns, holds the printed pid"
wait_until 30 task_procs_at_least 1 || fail "the task did not start"
kill -TERM "$mpid"
if wait_until 15 gone "$mpid"; then
	pass "the master daemon stopped on SIGTERM"
else
	fail "the master daemon still runs 15 s after SIGTERM"
fi
assert_contains "$TMP/master2.dlog" "interrupted by SIGTERM" "the master's log"
assert_no_task_procs "after the master's SIGTERM" 5
assert_no_file "$TMP/master.pid" "the master's pidfile after SIGTERM"

note "master -d that cannot start (bad --pidfile): exit 1 before the fork, no pid printed"
"$MASTER_BIN" -d -i lo -p "$PORT" --pidfile "$TMP/no/such/dir/master.pid" \
    --log "$TMP/master3.dlog" 1 "$TMP/ok.session" >"$TMP/md3.out" 2>"$TMP/md3.err"
assert_eq 1 $? "master -d exit code (the daemon failed)"
assert_eq 0 "$(wc -c <"$TMP/md3.out")" "bytes master -d printed on stdout"
# Found before -d forks (as -n finds it): said on the terminal.
assert_contains "$TMP/md3.err" "--pidfile $TMP/no/such/dir/master.pid: directory $TMP/no/such/dir: No such file or directory" \
    "the master's complaint names the pidfile, on the terminal"

note "-d --log FILE that cannot be opened: exit 1 naming the file (no crash)"
"$SLAVE_BIN" -d -i lo -p "$PORT" --log "$TMP/no/such/dir/slave.log" \
    >"$TMP/badlog.s.out" 2>&1
assert_eq 1 $? "slave -d exit code (--log in a missing directory)"
assert_contains "$TMP/badlog.s.out" "no/such/dir/slave.log" "the slave's complaint"
"$MASTER_BIN" -d -i lo -p "$PORT" --log "$TMP/no/such/dir/master.log" \
    1 "$TMP/ok.session" >"$TMP/badlog.m.out" 2>&1
assert_eq 1 $? "master -d exit code (--log in a missing directory)"
assert_contains "$TMP/badlog.m.out" "no/such/dir/master.log" "the master's complaint"

finish
