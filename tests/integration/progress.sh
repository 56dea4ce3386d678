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
# A busy child in the task's group for 1.5 s; 1000 bytes of output first.
make_conf "$TMP/cpu.session" '/bin/sh :CONF:' \
    'head -c 1000 /dev/zero' \
    '/bin/sh -c "while :; do :; done" &' \
    'sleep 1.5' \
    'kill $!' \
    'echo "busy" >&"$SYNEXEC_PROGRESS_FD"'
run_master -vv -R 0.2 -r "$TMP/cpu.json" 1 "$TMP/cpu.session"
assert_exit 0
# "status:   p0: running, 1.2 s, cpu 1.1 s, 1000 output bytes"
best=$(sed -n 's/^status:   [^:]*: running, .* cpu \([0-9.]*\) s, \([0-9]*\) output bytes.*/\1 \2/p' \
    "$MASTER_OUT" | sort -n | tail -n 1)
cpu=${best% *}
bytes=${best#* }
if awk -v c="${cpu:-0}" 'BEGIN { exit !(c >= 0.5) }'; then
	pass "CPU so far of the group while running: $cpu s (>= 0.5)"
else
	fail "CPU so far: expected >= 0.5 s while the child spins, got '$best'"
	grep '^status' "$MASTER_OUT" | head -n 20
fi
assert_eq 1000 "$bytes" "output bytes so far while running"
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
start=$(date +%s%N)
run_master -vv -R 3600 -r "$TMP/req.json" 2 "$TMP/req.session"
secs=$(( ($(date +%s%N) - start) / 1000000 ))
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
if [ "$secs" -lt 5000 ]; then
	pass "the last report round took no wait ($secs ms in all)"
else
	fail "session with -R 3600 took $secs ms: the REPORT_REQ round waited"
fi

note "SIGUSR1: the master asks for reports at any time, shows them at once"
make_conf "$TMP/usr1.session" '/bin/sh :CONF:' \
    'echo "half way" >&"$SYNEXEC_PROGRESS_FD"' \
    'sleep 1.5' \
    'echo "end" >&"$SYNEXEC_PROGRESS_FD"'
start_master -R 3600 -r "$TMP/usr1.json" 2 "$TMP/usr1.session"
wait_until 10 grep -q '^phase run' "$MASTER_OUT"
sleep 0.3
# The real master, not its time-out wrapper (which passes on TERM only).
mpid=$(pgrep -P "$MASTER_PID" -x synexec_master)
asked=$(date +%s%N)
kill -USR1 "$mpid"
wait_until 5 grep -q '^status:   .*half way' "$MASTER_OUT"
shown=$(( ($(date +%s%N) - asked) / 1000000 ))
wait_master 10
assert_exit 0
assert_eq 2 "$(grep -c '^status:   p[0-2]: running, .*: half way$' "$MASTER_OUT")" \
    "a status line per slave with its progress, after SIGUSR1"
if [ "$shown" -lt 1000 ]; then
	pass "reports asked for and shown in $shown ms"
else
	fail "SIGUSR1's reports took $shown ms"
fi
for s in p0 p1 p2; do
	n=$(slave_field "$TMP/usr1.json" $s reports)
	[ "$n" = NO-SLAVE ] && continue
	# SIGUSR1's, the one before FINISHD, the last round's.
	assert_eq 3 "$n" "$s: reports"
	assert_eq '"end"' "$(slave_field "$TMP/usr1.json" $s progress)" \
	    "$s: last progress"
done

finish
