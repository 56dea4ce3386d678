#!/bin/bash
# progress: periodic REPORTs and the progress channel.
#  - a 2-second task with -R 0.2 gives at least 8 reports per slave, and
#    the last line the task wrote to SYNEXEC_PROGRESS_FD is the results'
#    progress text (a task that ignores the channel is unaffected);
#  - '\r' ends a progress line, an over-long line is cut at 255 bytes;
#  - reports carry the CPU of the task's whole process group so far (a
#    busy child counts) and its output bytes so far;
#  - the master asks every slave for a last report (REPORT_REQ) before the
#    summary and gets it at once, even with a report interval of an hour.
. "$(dirname "$0")/../lib.sh"
require_bins

# python3 RESULTS NAME KEY: one member of one slave, printed as JSON.
slave_field() {
	"$PYTHON" - "$@" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	s = [x for x in d["slaves"] if x["name"] == sys.argv[2]]
	print(json.dumps(s[0][sys.argv[3]]) if s else "NO-SLAVE")
	EOF
}

for s in p0 p1 p2; do
	start_slave $s
done
wait_slaves_ready

note "a 2 s task, -R 0.2: reports, progress text, a task that ignores it"
# Slave index 2 never touches its progress channel; the others write one
# line every 0.1 s, the last one "iteration 20/20".
make_conf "$TMP/two.session" '/bin/sh :CONF:' \
    'echo "fd=$SYNEXEC_PROGRESS_FD"' \
    'i=0' \
    'while [ $i -lt 20 ]; do' \
    '	i=$((i + 1))' \
    '	[ "$SYNEXEC_SLAVE_INDEX" = 2 ] || echo "iteration $i/20" >&"$SYNEXEC_PROGRESS_FD"' \
    '	sleep 0.1' \
    'done' \
    'echo done'
run_master -R 0.2 -r "$TMP/two.json" 3 "$TMP/two.session"
assert_exit 0
for s in p0 p1 p2; do
	assert_contains "$TMP/$s.out" "fd=5" "$s's SYNEXEC_PROGRESS_FD"
	assert_contains "$TMP/$s.out" "done" "$s's task ran to its end"
	n=$(slave_field "$TMP/two.json" $s reports)
	if [ "$n" -ge 8 ] 2>/dev/null; then
		pass "$s: $n reports (>= 8)"
	else
		fail "$s: expected at least 8 reports, got '$n'"
	fi
done
# Which slave had index 2 is known from nothing but the results: find it.
ignoring=$("$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(s["name"] for s in d["slaves"] if s["index"] == 2))' "$TMP/two.json")
for s in p0 p1 p2; do
	if [ "$s" = "$ignoring" ]; then
		assert_eq '""' "$(slave_field "$TMP/two.json" $s progress)" \
		    "$s (ignores the channel): progress text"
		assert_eq 0 "$(slave_field "$TMP/two.json" $s exit_code)" \
		    "$s (ignores the channel): exit code"
	else
		assert_eq '"iteration 20/20"' \
		    "$(slave_field "$TMP/two.json" $s progress)" "$s: progress text"
	fi
done

note "progress lines: '\\r' ends one, empty ones are skipped, 255 bytes at most"
long=$(printf 'x%.0s' $(seq 1 400))
make_conf "$TMP/cr.session" '/bin/sh :CONF:' \
    'if [ "$SYNEXEC_SLAVE_INDEX" = 0 ]; then' \
    '	printf "10%%\r20%%\r30%%\r\n\n" >&"$SYNEXEC_PROGRESS_FD"' \
    'else' \
    '	printf "first\ntab\there\001end" >&"$SYNEXEC_PROGRESS_FD"' \
    'fi'
run_master -r "$TMP/cr.json" 2 "$TMP/cr.session"
assert_exit 0
"$PYTHON" - "$TMP/cr.json" <<-'EOF' >"$TMP/cr.check"
	import json, sys
	d = json.load(open(sys.argv[1]))
	for s in d["slaves"]:
	    print(s["index"], repr(s["progress"]))
	EOF
assert_contains "$TMP/cr.check" "0 '30%'" "'\\r'-separated progress"
# A last line without its newline counts once the channel closes; a tab
# becomes a space, a control byte '?'.
assert_contains "$TMP/cr.check" "1 'tab here?end'" "unterminated last line"
# And the over-long line, seen on its own: its first 255 bytes.
make_conf "$TMP/long.session" '/bin/sh :CONF:' \
    'printf "%s\n" "'"$long"'" >&"$SYNEXEC_PROGRESS_FD"'
run_master -r "$TMP/long.json" 1 "$TMP/long.session"
assert_exit 0
got=$(slave_field "$TMP/long.json" "$("$PYTHON" -c '
import json, sys; print(json.load(open(sys.argv[1]))["slaves"][0]["name"])' \
    "$TMP/long.json")" progress)
assert_eq "\"$(printf 'x%.0s' $(seq 1 255))\"" "$got" "an over-long line, cut"

note "CPU of the process group so far, output bytes so far (-vv status lines)"
# A busy child in the task's group until the test has seen it counted (or
# 60 s); 1000 bytes of output first.  How much CPU the child gets in a given
# time depends on the machine's load: the test waits for the figure instead.
make_conf "$TMP/cpu.session" '/bin/sh :CONF:' \
    'head -c 1000 /dev/zero' \
    '/bin/sh -c "while :; do :; done" &' \
    'i=0' \
    "while [ ! -e $TMP/cpu.stop ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'kill $!' \
    'echo "busy" >&"$SYNEXEC_PROGRESS_FD"'
# "status:   p0: running, 1.2 s, cpu 1.1 s, 1000 output bytes"
cpu_seen() {
	sed -n 's/^status:   [^:]*: running, .* cpu \([0-9.]*\) s, \([0-9]*\) output bytes.*/\1 \2/p' \
	    "$MASTER_OUT" | awk '$1 >= 0.5 { print; f = 1; exit } END { exit !f }'
}
MASTER_TIMEOUT=120 start_master -vv -R 0.2 -r "$TMP/cpu.json" 1 "$TMP/cpu.session"
if wait_until 60 cpu_seen >/dev/null; then
	best=$(cpu_seen)
	pass "CPU so far of the group while running: ${best% *} s (>= 0.5)"
else
	best=$(sed -n 's/^status:   [^:]*: running, .* cpu \([0-9.]*\) s, \([0-9]*\) output bytes.*/\1 \2/p' \
	    "$MASTER_OUT" | sort -n | tail -n 1)
	fail "CPU so far: expected >= 0.5 s within 60 s while the child spins, got '$best' at most"
	grep '^status' "$MASTER_OUT" | tail -n 20
fi
touch "$TMP/cpu.stop"
wait_master 30
assert_exit 0
assert_eq 1000 "${best#* }" "output bytes so far while running"
assert_eq '"busy"' "$(slave_field "$TMP/cpu.json" \
    "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["slaves"][0]["name"])' \
    "$TMP/cpu.json")" progress)" "progress after the child"

note "CPU of the group: a process the task left behind counts (the slave adopts it)"
# The spinner's parent (a subshell) exits at once: the slave, subreaper of
# what its tasks leave, becomes its parent; it is still in the task's group.
make_conf "$TMP/orphan.session" '/bin/sh :CONF:' \
    "( /bin/sh -c 'while :; do :; done' & echo \$! >$TMP/orphan.pid )" \
    'sleep 1.5' \
    "kill \$(cat $TMP/orphan.pid)"
run_master -vv -R 0.2 1 "$TMP/orphan.session"
assert_exit 0
cpu=$(sed -n 's/^status:   [^:]*: running, .* cpu \([0-9.]*\) s, .*/\1/p' \
    "$MASTER_OUT" | sort -n | tail -n 1)
if awk -v c="${cpu:-0}" 'BEGIN { exit !(c >= 0.5) }'; then
	pass "CPU so far counts the orphaned spinner: $cpu s (>= 0.5)"
else
	fail "CPU so far with an orphaned spinner: expected >= 0.5 s, got '$cpu'"
	grep '^status' "$MASTER_OUT" | head -n 20
fi

note "REPORT_REQ before the summary, answered at once (-R 3600)"
make_conf "$TMP/req.session" '/bin/sh :CONF:' \
    'echo "almost" >&"$SYNEXEC_PROGRESS_FD"' \
    'sleep 0.3'
run_master -vv -R 3600 -r "$TMP/req.json" 2 "$TMP/req.session"
assert_exit 0
assert_eq 2 "$(grep -c 'sent REPORT_REQ' "$MASTER_ERR")" "REPORT_REQs sent"
for s in p0 p1 p2; do
	n=$(slave_field "$TMP/req.json" $s reports)
	[ "$n" = NO-SLAVE ] && continue
	# No periodic report in an hour: the one before FINISHD, and the
	# answer to REPORT_REQ.
	assert_eq 2 "$n" "$s: reports with -R 3600"
	assert_eq '"almost"' "$(slave_field "$TMP/req.json" $s progress)" \
	    "$s: progress with -R 3600"
done
# The master waits for the answers at most VIEW_FINAL_WAIT_SECS, then says
# which did not come: every one came before that.
assert_not_contains "$MASTER_ERR" "no answer to the last report request" \
    "the master's log (the last round's answers came in time)"

note "SIGUSR1: the master asks for reports at any time, shows them at once"
# The task says "half way", then waits (bounded) for the test to have seen
# it on the master before it says "end".
make_conf "$TMP/usr1.session" '/bin/sh :CONF:' \
    'echo "half way" >&"$SYNEXEC_PROGRESS_FD"' \
    'i=0' \
    "while [ ! -e $TMP/usr1.go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'echo "end" >&"$SYNEXEC_PROGRESS_FD"'
status_lines() { grep -c '^status:   p[0-2]: ' "$MASTER_OUT"; }
status_lines_ge() { [ "$(status_lines)" -ge "$1" ]; }
start_master -R 3600 -r "$TMP/usr1.json" 2 "$TMP/usr1.session"
wait_until 30 grep -q '^phase run' "$MASTER_OUT" || fail "the session did not start"
# The real master, not its time-out wrapper (which passes on TERM only).
mpid=$(pgrep -P "$MASTER_PID" -x synexec_master)
# Each SIGUSR1 makes one round: a status line per slave once both have
# answered.  Until the slaves have read "half way" from their tasks, a round
# shows no progress yet: ask again (a round a second, at most 20).
rounds=0 seen=0
while [ $rounds -lt 20 ] && [ "$seen" -lt 2 ]; do
	before=$(status_lines)
	rounds=$((rounds + 1))
	kill -USR1 "$mpid"
	wait_until 10 status_lines_ge $((before + 2)) ||
	    { fail "no status lines within 10 s of SIGUSR1 (round $rounds)"; break; }
	seen=$(tail -n 2 "$MASTER_OUT" | grep -c '^status:   p[0-2]: running, .*: half way$')
	[ "$seen" -lt 2 ] && sleep 1
done
touch "$TMP/usr1.go"
wait_master 30
assert_exit 0
assert_eq 2 "$seen" "status lines with the slaves' progress after SIGUSR1 (round $rounds)"
assert_not_contains "$MASTER_ERR" "no answer to the report request" \
    "the master's log (each SIGUSR1 round answered within its wait)"
for s in p0 p1 p2; do
	n=$(slave_field "$TMP/usr1.json" $s reports)
	[ "$n" = NO-SLAVE ] && continue
	# One a SIGUSR1 round, the one before FINISHD, the last round's.
	assert_eq $((rounds + 2)) "$n" "$s: reports"
	assert_eq '"end"' "$(slave_field "$TMP/usr1.json" $s progress)" \
	    "$s: last progress"
done

finish
