#!/bin/bash
# diagnose: when a run goes wrong, say why, and check before running
# (issue 20), with the real binaries:
#   - two slaves with the default -o on one host: each its own file
#     (/tmp/synexec.NAME.out, and .err); one name (or one -o) twice: the
#     second refuses to start, naming the first (its pid, its command
#     line), and -n says the same; -e and --merge-stderr refused together;
#   - a task writing to both streams: stdout in -o, stderr in -o's .err on
#     the slave; -O brings DIR/NAME.out and DIR/NAME.err; --follow marks
#     stderr lines "name! line"; --merge-stderr keeps one file, as in 2014;
#   - a failing task: the last 10 lines of its stderr under its row in the
#     summary (inert) and in the results' stderr_tail; a task that cannot
#     start (a CRLF #! line) names its command and why, in the finish
#     line, the summary, the results' error and stderr_tail;
#   - --preflight with a missing command, a non-executable one, one that
#     --allow refuses, and a good session, and with a 2014 slave ("cannot
#     preflight"): one line per slave, exit 3 or 0; nothing ran in any (no
#     task process, no payload file, no output written).
. "$(dirname "$0")/../lib.sh"
require_bins

# Names unique to this run: the default -o is in the real /tmp.
U=dg$$
cleanup_tmp_outputs() {
	rm -f /tmp/synexec."$U"-*.out /tmp/synexec."$U"-*.out.err
}

# ---------------------------------------------------------------------
note "two slaves with the default -o on one host: a file each"
cleanup_tmp_outputs
"$SLAVE_BIN" -i lo -p "$PORT" -N "$U-a" -T "$TMP/conf" >"$TMP/da.log" 2>&1 &
SLAVE_PID[da]=$!; SLAVE_UDP[da]=1; track $!
"$SLAVE_BIN" -i lo -p "$PORT" -N "$U-b" -T "$TMP/conf" >"$TMP/db.log" 2>&1 &
SLAVE_PID[db]=$!; SLAVE_UDP[db]=1; track $!
wait_slaves_ready
make_conf "$TMP/both.session" '/bin/sh :CONF:' \
    'echo "out of $SYNEXEC_SLAVE_NAME"' 'echo "err of $SYNEXEC_SLAVE_NAME" >&2'
run_master 2 "$TMP/both.session"
assert_exit 0 "two slaves, default -o"
for s in a b; do
	assert_eq "out of $U-$s" "$(cat "/tmp/synexec.$U-$s.out")" \
	    "$U-$s's default output file"
	assert_eq "err of $U-$s" "$(cat "/tmp/synexec.$U-$s.out.err")" \
	    "$U-$s's default stderr file"
done

note "the same name (so the same default -o) twice: the second refuses to start"
timeout 20 "$SLAVE_BIN" -i lo -p "$PORT" -N "$U-a" -T "$TMP/conf" \
    >"$TMP/dup.log" 2>&1 </dev/null
assert_eq 1 "$?" "exit code of the second slave named $U-a"
assert_matches "$TMP/dup.log" \
    "/tmp/synexec\.$U-a\.out: in use by another running slave \(pid ${SLAVE_PID[da]}: $SLAVE_BIN .*-N $U-a .*\): give each slave its own name \(-N\) or -o" \
    "the refusal names the other slave"
assert_not_contains "$TMP/dup.log" "listening for probes" "the second slave"
timeout 20 "$SLAVE_BIN" -n -N "$U-a" >"$TMP/dupn.out" 2>"$TMP/dupn.err"
assert_eq 1 "$?" "-n with the name of a running slave"
assert_contains "$TMP/dupn.err" "synexec_slave: -o /tmp/synexec.$U-a.out: in use by another running slave (pid ${SLAVE_PID[da]}:" \
    "-n names the slave holding -o"
stop_slave da
stop_slave db
cleanup_tmp_outputs

note "one -o for two slaves: refused too; -e with --merge-stderr refused"
: >"$TMP/one.out"	# there already: claimed as the slave starts
start_slave one -N one
wait_slaves_ready
timeout 20 "$SLAVE_BIN" -i lo -p "$PORT" -N two -o "$TMP/one.out" \
    -T "$TMP/conf" >"$TMP/two.log" 2>&1 </dev/null
assert_eq 1 "$?" "exit code of a second slave on one.out"
assert_contains "$TMP/two.log" "$TMP/one.out: in use by another running slave (pid ${SLAVE_PID[one]}:" \
    "the refusal names the slave holding it"
assert_contains "$TMP/two.log" "give each slave its own -o"
timeout 20 "$SLAVE_BIN" -n -N two -o "$TMP/two.out" -e "$TMP/one.out" \
    >"$TMP/twoe.out" 2>"$TMP/twoe.err"
assert_eq 1 "$?" "-n with -e on another slave's file"
assert_contains "$TMP/twoe.err" "-e $TMP/one.out: in use by another running slave"
timeout 20 "$SLAVE_BIN" -n -N two -o "$TMP/two.out" --merge-stderr \
    -e "$TMP/x.err" >"$TMP/me.out" 2>"$TMP/me.err"
assert_eq 1 "$?" "-n with -e and --merge-stderr"
assert_contains "$TMP/me.err" "-e $TMP/x.err: has no effect with --merge-stderr"
timeout 20 "$SLAVE_BIN" -n -N two -o "$TMP/two.out" -e "$TMP/two.out" \
    >"$TMP/same.out" 2>"$TMP/same.err"
assert_eq 1 "$?" "-n with -e the same file as -o"
assert_contains "$TMP/same.err" "is -o's file too: for both streams in one file, use --merge-stderr"
stop_slave one

note "one -o not made yet, for two slaves: the second's session is refused, naming the first"
start_slave n1 -o "$TMP/new.out"
start_slave n2 -o "$TMP/new.out"
wait_slaves_ready
run_master 2 "$TMP/both.session"
assert_exit 3 "two slaves, one new -o"
assert_matches "$MASTER_OUT" \
    "^refused: n[12] \(127\.0\.0\.1:[0-9]+\): $TMP/new.out: in use by another running slave \(pid (${SLAVE_PID[n1]}|${SLAVE_PID[n2]}): " \
    "the refusal names the other slave"
assert_eq 1 "$(grep -c '^refused: ' "$MASTER_OUT")" "one refusal"
stop_slave n1
stop_slave n2

# ---------------------------------------------------------------------
note "a task writing to both streams: files apart, -O brings both, --follow marks stderr"
start_slave sa
start_slave sm --merge-stderr
wait_slaves_ready
make_conf "$TMP/two.session" '/bin/sh :CONF:' \
    'echo "stdout 1"' 'echo "stderr 1" >&2' 'echo "stdout 2"' \
    'echo "stderr 2" >&2'
run_master -O "$TMP/col" --follow -r "$TMP/two.json" 2 "$TMP/two.session"
assert_exit 0 "both streams"
assert_eq "stdout 1|stdout 2" "$(paste -sd'|' "$TMP/sa.out")" "sa: -o holds stdout alone"
assert_eq "stderr 1|stderr 2" "$(paste -sd'|' "$TMP/sa.out.err")" "sa: -o's .err holds stderr"
assert_eq "$(cat "$TMP/sa.out")" "$(cat "$TMP/col/sa.out")" "-O's sa.out"
assert_eq "$(cat "$TMP/sa.out.err")" "$(cat "$TMP/col/sa.err")" "-O's sa.err"
assert_eq 600 "$(stat -c %a "$TMP/col/sa.err")" "-O's sa.err mode"
assert_contains "$MASTER_OUT" "sa: stdout 1" "--follow, stdout"
assert_contains "$MASTER_OUT" "sa! stderr 2" "--follow marks stderr"
# --merge-stderr: one file, as in 2014; nothing apart on the master.
assert_eq "stdout 1|stderr 1|stdout 2|stderr 2" "$(paste -sd'|' "$TMP/sm.out")" \
    "sm (--merge-stderr): both streams in -o, in order"
assert_no_file "$TMP/sm.out.err" "sm's .err"
assert_eq "$(cat "$TMP/sm.out")" "$(cat "$TMP/col/sm.out")" "-O's sm.out"
assert_no_file "$TMP/col/sm.err" "-O's sm.err (merged)"
assert_contains "$MASTER_OUT" "sm: stderr 1" "--follow, merged stderr"
assert_eq "sa $TMP/col/sa.err 18 18 None|sm None None None None" \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("|".join("%s %s %s %s %s" % (s["name"], s["output_file_err"], s["stderr_bytes"], s["stderr_collected_bytes"], s["stderr_tail"]) for s in sorted(d["slaves"], key=lambda s: s["name"])))' "$TMP/two.json")" \
    "results: output_file_err, stderr_bytes, stderr_collected_bytes, stderr_tail (none: exit 0)"

# ---------------------------------------------------------------------
note "a failing task: the last lines of its stderr in the summary and the results"
make_conf "$TMP/fail.session" '/bin/sh :CONF:' 'echo "all fine" ' \
    'i=1; while [ $i -le 12 ]; do echo "problem $i" >&2; i=$((i + 1)); done' \
    "printf 'sleep: invalid time interval \\0471\\r\\047\\n' >&2" 'exit 1'
run_master -r "$TMP/fail.json" 2 "$TMP/fail.session"
assert_exit 2 "a failing task"
summary_rows "$MASTER_OUT" >"$TMP/fail.rows"
# Under each slave's row, its last 10 lines: 9 "problem" lines and the CR
# made inert; for the merging slave, its output's last lines.
assert_eq 2 "$(grep -c '^    stderr: problem 12$\|^    output: problem 12$' "$TMP/fail.rows")" \
    "the last lines under each row"
assert_eq 2 "$(grep -c "^    \(stderr\|output\): sleep: invalid time interval '1\\\\x0d'\$" "$TMP/fail.rows")" \
    "the CR shown escaped"
assert_not_contains "$TMP/fail.rows" "problem 3" "at most 10 lines"
assert_eq "10 10" "$(grep -c '^    stderr: ' "$TMP/fail.rows") $(grep -c '^    output: ' "$TMP/fail.rows")" \
    "10 lines of sa's stderr, of sm's output (merged)"
assert_inert "$MASTER_OUT" "the master's summary"
assert_eq "True True" "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sa = [s for s in d["slaves"] if s["name"] == "sa"][0]
want = "".join("problem %d\n" % i for i in range(4, 13)) + "sleep: invalid time interval \x271\r\x27\n"
print(sa["stderr_tail"] == want, sa["exit_status"] == "exit 1")' "$TMP/fail.json")" \
    "results: sa's stderr_tail, exit_status"

note "a task that cannot start names its command and why"
printf '#!/bin/sh\r\necho should-not-run\n' >"$TMP/crlf.sh"
chmod 755 "$TMP/crlf.sh"
make_conf "$TMP/crlf.session" "$TMP/crlf.sh"
run_master -r "$TMP/crlf.json" 2 "$TMP/crlf.session"
assert_exit 3 "a task that cannot start"
why="$TMP/crlf.sh: No such file or directory (its #! line names /bin/sh followed by a carriage return: CRLF line endings?)"
assert_contains "$MASTER_OUT" "finished: sa (127.0.0.1:" "sa's finish line"
assert_line_has "$MASTER_OUT" "finished: sa" "did not start: $why" "sa's finish line"
assert_contains "$MASTER_OUT" "    stderr: $why" "the summary, under sa's row"
assert_contains "$TMP/sa.out.err" "$why" "sa's stderr file"
assert_eq "True True" "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sa = [s for s in d["slaves"] if s["name"] == "sa"][0]
print(sa["error"] == sys.argv[2], sa["stderr_tail"] == sys.argv[2] + "\n")' "$TMP/crlf.json" "$why")" \
    "results: sa's error and stderr_tail"
stop_slave sa
stop_slave sm

# ---------------------------------------------------------------------
# pf_nothing_ran WHAT: no task process under any slave, no payload file,
# no output written (the slaves' -o and -e files are still empty).
pf_nothing_ran() {
	local s kids=""
	for s in pa pb pn; do
		kids+=$(pgrep -P "${SLAVE_PID[$s]}" 2>/dev/null)
		no_payload_file "$s" || fail "$1: $s left a payload file: $(payload_files "$s")"
		no_payload_file "$s" "$TMP/nconf" || fail "$1: $s left a payload file: $(payload_files "$s" "$TMP/nconf")"
		[ -s "$TMP/$s.out" ] && fail "$1: $s's output written: $(cat "$TMP/$s.out")"
		[ -s "$TMP/$s.out.err" ] && fail "$1: $s's stderr written: $(cat "$TMP/$s.out.err")"
	done
	assert_eq "" "$kids" "$1: no task process"
	assert_no_file "$TMP/ran" "$1: the task's mark"
}

# pf_line NAME TEXT: the master's line for NAME says TEXT.
pf_line() {
	assert_line_has "$MASTER_OUT" "preflight: $1 (127.0.0.1:" "$2" "$1's preflight line"
}

note "--preflight: every slave checks the session, nothing runs"
# The task of pn runs as nobody: its -T must be within its reach.
chmod 711 "$TMP"
mkdir -m 711 "$TMP/nconf"
start_slave pa
start_slave pb --allow /bin/sh --allow /bin/true
start_slave pn --run-as nobody -T "$TMP/nconf"
wait_slaves_ready
printf '#!/bin/sh\necho should-not-run\n' >"$TMP/mine.sh"
chmod 644 "$TMP/mine.sh"
make_conf "$TMP/pf-good.session" '/bin/sh :CONF:' "touch $TMP/ran"
make_conf "$TMP/pf-missing.session" "/opt/$U/run :CONF:" "touch $TMP/ran"
make_conf "$TMP/pf-noexec.session" "$TMP/mine.sh"
make_conf "$TMP/pf-refused.session" "/bin/date"

run_master --preflight -r "$TMP/pf-good.json" 3 "$TMP/pf-good.session"
assert_exit 0 "--preflight, a good session"
for s in pa pb pn; do pf_line $s ready; done
assert_contains "$MASTER_OUT" "preflight: 3 of 3 slaves ready"
assert_contains "$MASTER_OUT" "phase preflight: 3 of 3 slaves joined"
assert_not_contains "$MASTER_OUT" "phase run" "a preflight"
pf_nothing_ran "a good session"
assert_eq "ready 0 ready ready ready" "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["outcome"], d["exit_code"], " ".join(s["state"] for s in sorted(d["slaves"], key=lambda s: s["name"])))' "$TMP/pf-good.json")" \
    "results of a good preflight"

run_master --preflight 3 "$TMP/pf-missing.session"
assert_exit 3 "--preflight, a missing command"
pf_line pa "not ready: command: /opt/$U/run: No such file or directory"
pf_line pn "not ready: command: /opt/$U/run: No such file or directory"
pf_line pb "not ready: allow: /opt/$U/run: not in the --allow list"
assert_contains "$MASTER_OUT" "preflight: 0 of 3 slaves ready (exit 3)"
pf_nothing_ran "a missing command"

run_master --preflight -v 3 "$TMP/pf-noexec.session"
assert_exit 3 "--preflight, a command that is not executable"
pf_line pa "not ready: command: $TMP/mine.sh: Permission denied"
pf_line pn "not ready: command: $TMP/mine.sh: Permission denied for nobody (mode 0644"
assert_contains "$MASTER_OUT" "preflight:   pa: size: ok: payload of 0 bytes" "-v: each check"
pf_nothing_ran "a command that is not executable"

run_master --preflight -r "$TMP/pf-refused.json" 3 "$TMP/pf-refused.session"
assert_exit 3 "--preflight, a command --allow refuses"
pf_line pb "not ready: allow: /bin/date: not in the --allow list"
pf_line pa ready
pf_line pn ready
assert_contains "$MASTER_OUT" "preflight: 2 of 3 slaves ready (exit 3)"
pf_nothing_ran "a refused command"
assert_eq "not ready 3 pb allow fails /bin/date: not in the --allow list; command skipped" \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
pb = [s for s in d["slaves"] if s["name"] == "pb"][0]
c = {x["check"]: x for x in pb["preflight"]}
print(d["outcome"], d["exit_code"], pb["name"], "allow", c["allow"]["verdict"], c["allow"]["detail"] + "; command", c["command"]["verdict"])' "$TMP/pf-refused.json")" \
    "results: pb's preflight checks"
stop_slave pb
stop_slave pn

note "--preflight with a 2014 slave: cannot preflight"
"$PYTHON" "$V1PEER" slave --port "$PORT" --session 0 --once \
    --output "$TMP/old.out" --conf-dir "$TMP/conf" --timeout 40 \
    >"$TMP/old.log" 2>&1 &
track $!
wait_until 20 grep -q 'listening on udp' "$TMP/old.log" ||
    fail "the 2014 slave did not start: $(cat "$TMP/old.log")"
run_master --preflight 2 "$TMP/pf-good.session"
assert_exit 3 "--preflight with a 2014 slave"
assert_contains "$MASTER_OUT" "preflight: 127.0.0.1 (127.0.0.1:" "the 2014 slave's line"
assert_line_has "$MASTER_OUT" "preflight: 127.0.0.1 (" "cannot preflight (a 2014 slave)"
pf_line pa ready
assert_not_contains "$TMP/old.log" "got CONF" "the 2014 slave: no CONF"
assert_no_file "$TMP/ran" "the task's mark"

finish
