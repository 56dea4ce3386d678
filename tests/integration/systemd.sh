#!/bin/bash
# systemd: contrib/systemd/synexec-slave.service is a valid unit that runs
# the slave in the foreground with the configuration file, logs to the
# journal (standard error), restarts it on failure, reloads its
# configuration on systemctl reload (SIGHUP), and stops it cleanly.
#
# There is no systemd to run it under here, so the test does what systemd
# does with it: runs its ExecStart (paths pointed at the build and a test
# configuration on loopback), and on stop sends KillSignal to the main
# process only (KillMode=mixed).  The slave must then stop its task's
# process group -- SIGTERM, then SIGKILL after kill_grace for a task that
# ignores SIGTERM -- and exit 0 (so Restart=on-failure leaves it stopped)
# well within TimeoutStopSec, after which systemd would SIGKILL everything.
. "$(dirname "$0")/../lib.sh"
require_bins

unit=$SYNEXEC_TOP/contrib/systemd/synexec-slave.service
[ -f "$unit" ] || { fail "no $unit"; finish; }

# key NAME: the value of NAME= in the unit (last one wins, as in systemd).
key() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }

case $(key Type) in
simple|exec) pass "Type=$(key Type): the slave stays in the foreground" ;;
*) fail "Type=$(key Type): expected simple or exec" ;;
esac
assert_eq on-failure "$(key Restart)" "Restart"
assert_eq mixed "$(key KillMode)" "KillMode"
assert_eq SIGTERM "$(key KillSignal)" "KillSignal"
read -r -a exec_words <<<"$(key ExecStart)"
assert_eq /usr/bin/synexec_slave "${exec_words[0]}" "ExecStart program"
assert_contains <(printf '%s\n' "${exec_words[@]}") /etc/synexec/synexec.conf \
    "ExecStart (configuration file)"
detach=""
for w in "${exec_words[@]}"; do
	case $w in
	--daemon|-[!-]*d*) detach="$detach $w" ;;
	esac
done
assert_eq "" "$detach" "ExecStart options that detach (-d, --daemon)"
# Nothing sends the log elsewhere than the journal.
if grep -qE '^Standard(Output|Error)=' "$unit"; then
	fail "the unit redirects standard output or error: $(grep -E '^Standard' "$unit")"
else
	pass "standard output and error go to the journal (systemd's default)"
fi
stop_timeout=$(key TimeoutStopSec)
default_grace=10
if [ -n "$stop_timeout" ] && [ "$stop_timeout" -gt $((default_grace + 5)) ]; then
	pass "TimeoutStopSec=$stop_timeout leaves the default kill_grace ($default_grace s) room"
else
	fail "TimeoutStopSec='$stop_timeout': must exceed kill_grace ($default_grace s) by a margin"
fi

# The test's own configuration, on loopback, with a short grace (long enough
# to tell "killed after the grace" from "stopped at once" on a loaded
# machine).
grace=3
cat >"$TMP/synexec.conf" <<EOF
slave {
	interface = "lo"
	port = $PORT
	name = "unit"
	output = "$TMP/unit.out"
	conf_dir = "$TMP/conf"
	kill_grace = $grace
}
EOF
# exec_words with this build's binary and the test's configuration file.
cmd=()
for w in "${exec_words[@]}"; do
	case $w in
	/usr/bin/synexec_slave) cmd+=("$SLAVE_BIN") ;;
	/etc/synexec/synexec.conf) cmd+=("$TMP/synexec.conf") ;;
	*) cmd+=("$w") ;;
	esac
done

if command -v systemd-analyze >/dev/null; then
	# verify checks the program and the Documentation= pages exist.
	mkdir -p "$TMP/unit" "$TMP/man/man1" "$TMP/man/man5" "$TMP/man/man8"
	cp "$SYNEXEC_TOP"/man/*.1 "$TMP/man/man1/"
	cp "$SYNEXEC_TOP"/man/*.5 "$TMP/man/man5/"
	cp "$SYNEXEC_TOP"/man/*.8 "$TMP/man/man8/"
	sed -e "s|/usr/bin/synexec_slave|$SLAVE_BIN|" \
	    -e "s|/etc/synexec/synexec.conf|$TMP/synexec.conf|" "$unit" \
	    >"$TMP/unit/synexec-slave.service"
	out=$(MANPATH=$TMP/man systemd-analyze verify \
	    "$TMP/unit/synexec-slave.service" 2>&1)
	if [ $? = 0 ] && [ -z "$out" ]; then
		pass "systemd-analyze verify: no complaint"
	else
		fail "systemd-analyze verify:"
		echo "$out" | sed 's/^/    /'
	fi
else
	echo "note: no systemd-analyze here: the unit was not verified by systemd"
fi

# run_unit: start the slave as ExecStart says; stderr is "the journal".
run_unit() {
	"${cmd[@]}" >"$TMP/unit.log" 2>&1 &
	UNIT_PID=$!
	track $UNIT_PID
	wait_until 20 udp_bound "$PORT" || fail "the unit's slave bound no UDP port"
}

# stop_unit: what systemctl stop does with KillMode=mixed; the time it took
# in STOP_SECS and the exit code in STOP_RC.
stop_unit() {
	local t0 t1
	t0=$(date +%s.%N)
	kill -TERM "$UNIT_PID"
	wait_pid "$UNIT_PID" "$stop_timeout"
	t1=$(date +%s.%N)
	STOP_RC=$WAIT_RC
	STOP_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	echo "stop took $STOP_SECS s, exit $STOP_RC"
}

group_gone() { [ -z "$(ps -o stat= -g "$1" | grep -v '^Z')" ]; }

# A task that says when it runs and when SIGTERM comes ($1: "ignore" makes
# it, and the sleep it runs, ignore SIGTERM).
task_session() {
	make_conf "$TMP/$1.session" "/bin/sh :CONF:" \
	    'echo $$ >'"$TMP/$1.pid" \
	    "$([ "$1" = ignore ] && echo "trap '' TERM" ||
	        echo "trap 'echo got TERM >$TMP/$1.term; exit 0' TERM")" \
	    'echo running' \
	    'i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done'
}

# systemctl reload: ExecReload's signal to the main process; the slave reads
# the file again and applies it (it is idle), and goes on serving.
reload=$(key ExecReload)
assert_eq '/bin/kill -HUP $MAINPID' "$reload" "ExecReload"
run_unit
sed -i 's/name = "unit"/name = "reloaded"/' "$TMP/synexec.conf"
kill -HUP "$UNIT_PID"
wait_until 20 grep -q "configuration reloaded: name reloaded" "$TMP/unit.log"
assert_contains "$TMP/unit.log" "configuration reloaded: name reloaded" \
    "the slave's log after a reload"
make_conf "$TMP/true.session" "/bin/true"
run_master -w 10 1 "$TMP/true.session"
assert_exit 0 "a session after the reload"
assert_summary "$MASTER_OUT" reloaded
stop_unit
assert_eq 0 "$STOP_RC" "exit code on stop after a reload"
sed -i 's/name = "reloaded"/name = "unit"/' "$TMP/synexec.conf"

for mode in polite ignore; do
	note "stop with a running task that $([ $mode = ignore ] && echo ignores || echo handles) SIGTERM"
	task_session $mode
	rm -f "$TMP/unit.out"
	run_unit
	start_master -w 10 1 "$TMP/$mode.session"
	# "running" comes after the trap is set.
	if ! wait_until 30 grep -qs running "$TMP/unit.out"; then
		fail "$mode: the task did not start"
		continue
	fi
	tpid=$(cat "$TMP/$mode.pid" 2>/dev/null)
	case $tpid in
	[1-9]*) ;;
	*) fail "$mode: no pid from the task"; continue ;;
	esac
	stop_unit
	assert_eq 0 "$STOP_RC" "$mode: the slave's exit code on stop (0: not restarted)"
	if [ $mode = polite ]; then
		assert_contains "$TMP/$mode.term" "got TERM" "$mode: the task"
		awk -v s="$STOP_SECS" -v g="$grace" 'BEGIN { exit !(s < g - 0.5) }' &&
		    pass "$mode: stopped in $STOP_SECS s (before the grace)" ||
		    fail "$mode: stop took $STOP_SECS s, expected < $grace - 0.5 s (the grace)"
	else
		awk -v s="$STOP_SECS" -v g="$grace" \
		    'BEGIN { exit !(s >= g - 0.2 && s < g + 2.5) }' &&
		    pass "$mode: killed after the grace: stop took $STOP_SECS s (kill_grace $grace)" ||
		    fail "$mode: stop took $STOP_SECS s, expected kill_grace $grace s + < 2.5 s"
	fi
	if ! pid_gone "$tpid"; then
		fail "$mode: task $tpid still runs after the slave stopped"
		kill -KILL -- "-$tpid" 2>/dev/null
	else
		pass "$mode: task $tpid is gone"
	fi
	# The task leads its own process group: nothing of it may be left
	# (a killed child may still show as a zombie for a moment: not counted).
	wait_until 10 group_gone "$tpid"
	left=$(ps -o pid=,stat=,cmd= -g "$tpid" | awk '$2 !~ /^Z/')
	assert_eq "" "$left" "$mode: processes left in the task's process group"
	assert_eq "" "$(ls "$TMP/conf")" "$mode: files left in the conf dir"
	assert_contains "$TMP/unit.log" "warning: unauthenticated" \
	    "$mode: the slave's standard error (the journal)"
	wait_master 15
done

finish
