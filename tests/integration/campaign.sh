#!/bin/bash
# campaign: several runs in one master over one pool of slaves, chosen by
# name, in one stable order (issue 17), on loopback.
#   - two session files x --repeat 2: one discovery, four runs in the order
#     a a b b; each task sees SYNEXEC_RUN, RUNS, REPEAT, CONF; slaves named
#     vm10 vm9 vm1 (text order vm1 vm10 vm9) are indexed vm1 vm9 vm10 in
#     every run, and listed so in the summary, the results and the CSV;
#     "run 3 of 4 (b.session, repeat 0 of 2)" before each run, a line after
#     it, the last run's table and one line per run at the end; the results
#     file is a campaign document with four format-1 runs; the CSV parses
#     with Python's csv module (header, 12 rows, values); -O DIR/<run>/;
#     a -1 slave serves the whole campaign, then exits 0
#   - a task that fails does not stop the campaign (exit 2), --pause waits
#     between runs; a run refused by a slave neither (the armed tasks of
#     the others go at RUN_END; exit 3); --fail-fast stops after the first
#     failing run
#   - a slave killed in run 1: the campaign ends after it (exit 3); with
#     --keep-going the next runs go on without it (indexes 0..N-2,
#     SYNEXEC_SLAVES N-1)
#   - SIGINT in run 2: exit 4, the results and the CSV keep runs 1 and 2
#   - a 2014 slave in a campaign: refused at its start (exit 3), named
#   - --slaves with a padded range and --exclude: the others are turned
#     away with the reason, which each slave logs once (and the master once
#     with -v), however many probes come
#   - SLAVES all: by name (exactly those; the missing one named at -w's end)
#     and open (whoever joined when -w expires; -w required; exit 5 if none)
. "$(dirname "$0")/../lib.sh"
require_bins

# Meanwhile, on a port of its own: a master without -w, not on a terminal,
# waiting for SLAVES all by name says every 10 s whom it still waits for,
# by name (checked at the end).
pick_port WPORT || exit 1
"$SLAVE_BIN" -i lo -p "$WPORT" -N ww1 -o "$TMP/ww1.out" -T "$TMP" \
    >"$TMP/ww1.log" 2>&1 &
track $!
make_conf "$TMP/ww.session" '/bin/true :CONF:' ''
timeout -k 5 60 "$MASTER_BIN" -i lo -p "$WPORT" --slaves 'ww[1-2]' all \
    "$TMP/ww.session" >"$TMP/ww.out" 2>"$TMP/ww.err" </dev/null &
WAITING_PID=$!
track $WAITING_PID

# Every task appends what it saw to one file: run repeat conf name index
# slaves runs.  Its environment is the point; the file is the test's.
ENVLOG=$TMP/env.log
env_conf() {	# env_conf FILE [MORE LINES...]: a session file that logs its env
	local f=$1
	shift
	make_conf "$f" '/bin/sh :CONF:' \
	    "echo \"\$SYNEXEC_RUN \$SYNEXEC_REPEAT \$SYNEXEC_CONF \$SYNEXEC_SLAVE_NAME \$SYNEXEC_SLAVE_INDEX \$SYNEXEC_SLAVES \$SYNEXEC_RUNS\" >>$ENVLOG" \
	    'echo "out of $SYNEXEC_SLAVE_NAME run $SYNEXEC_RUN"' "$@"
}

# py FILE...: run the Python check on stdin with the files as arguments;
# its lines "ok: ..." and "FAIL: ..." count as this test's.
py() {
	local line
	while IFS= read -r line; do
		case $line in
		ok:*) pass "${line#ok: }" ;;
		FAIL:*) fail "${line#FAIL: }" ;;
		*) echo "$line" ;;
		esac
	done < <("$PYTHON" - "$@" 2>&1 || echo "FAIL: python check exited $?")
}

# ---------------------------------------------------------------- the campaign

note "4 runs (a, b x --repeat 2) over vm10 vm9 vm1, one of them -1"
env_conf "$TMP/a.session"
env_conf "$TMP/b.session"
start_slave vm10
start_slave vm9 -1
start_slave vm1
wait_slaves_ready
run_master --repeat 2 -r "$TMP/c.json" --csv "$TMP/c.csv" -O "$TMP/out" \
    3 "$TMP/a.session" "$TMP/b.session"
assert_exit 0 "campaign of 4 runs"
wait_pid "${SLAVE_PID[vm9]}" 20
assert_eq 0 "$WAIT_RC" "the -1 slave exits 0 after the campaign"
unset "SLAVE_UDP[vm9]"

want="0 0 a.session vm1 0 3 4
0 0 a.session vm9 1 3 4
0 0 a.session vm10 2 3 4
1 1 a.session vm1 0 3 4
1 1 a.session vm9 1 3 4
1 1 a.session vm10 2 3 4
2 0 b.session vm1 0 3 4
2 0 b.session vm9 1 3 4
2 0 b.session vm10 2 3 4
3 1 b.session vm1 0 3 4
3 1 b.session vm9 1 3 4
3 1 b.session vm10 2 3 4"
assert_eq "$want" "$(sort -k1,1n -k5,5n "$ENVLOG")" \
    "each task's SYNEXEC_RUN REPEAT CONF NAME INDEX SLAVES RUNS"
for i in 1 2 3 4; do
	case $i in 1|2) f=a ;; *) f=b ;; esac
	r=$(( (i - 1) % 2 ))	# as SYNEXEC_REPEAT: from 0
	assert_contains "$MASTER_OUT" "run $i of 4 ($f.session, repeat $r of 2)" \
	    "the line before run $i"
	assert_matches "$MASTER_OUT" "^run $i of 4 \\($f\\.session, repeat $r of 2\\): complete \\(exit 0\\); start spread [0-9]+ us; duration min [0-9.]+ s, median [0-9.]+ s, max [0-9.]+ s$" \
	    "the line after run $i"
done
assert_eq 1 "$(grep -c 'NAME.*ADDRESS.*START.*DURATION.*STATUS' "$MASTER_OUT")" \
    "one per-slave table, at the end"
assert_eq "vm1 vm9 vm10" "$(summary_rows "$MASTER_OUT" | awk '/^vm/ { printf "%s%s", s, $1; s = " " }')" \
    "the table's rows in natural order"
assert_matches "$MASTER_OUT" '^RUN +SESSION_FILE +REPEAT +OUTCOME +EXIT +SLAVES +SPREAD\(us\) +MIN\(s\) +MEDIAN\(s\) +MAX\(s\)$' \
    "the table of runs"
assert_matches "$MASTER_OUT" '^3 +b\.session +0/2 +complete +0 +3 ' "run 3's row"
assert_contains "$MASTER_OUT" "campaign: 4 of 4 runs: complete (exit 0)" \
    "the campaign's line"
assert_eq 1 "$(grep -c 'phase discovery' "$MASTER_OUT")" "one discovery"
for r in 0 1 2 3; do
	for s in vm1 vm9 vm10; do
		assert_contains "$TMP/out/$r/$s.out" "out of $s run $r" \
		    "-O: $s's output of run $r"
	done
done

py "$TMP/c.json" "$TMP/c.csv" <<'EOF'
import csv, json, sys
doc = json.load(open(sys.argv[1]))
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
check(doc.get("synexec_campaign") == 1, "synexec_campaign: 1")
check(doc["outcome"] == "complete" and doc["exit_code"] == 0,
      "the campaign's outcome and exit code: %s %s" % (doc["outcome"], doc["exit_code"]))
st = doc["settings"]
check(st["repeat"] == 2 and st["pause_s"] == 0 and
      [f.rsplit("/", 1)[-1] for f in st["session_files"]] == ["a.session", "b.session"],
      "settings: repeat, pause_s, session_files")
runs = doc["runs"]
check(len(runs) == 4, "4 runs in the document")
for i, r in enumerate(runs):
    check(r.get("synexec_results") == 1 and r["run"] == i and r["runs"] == 4
          and r["repeat"] == i % 2, "run %d: a format-1 document, run/runs/repeat" % i)
    check(r["session_file"]["name"].endswith("ab"[i // 2] + ".session"),
          "run %d: its session file" % i)
    check([s["name"] for s in r["slaves"]] == ["vm1", "vm9", "vm10"] and
          [s["index"] for s in r["slaves"]] == [0, 1, 2],
          "run %d: slaves in natural order, indexed so" % i)
    check(r["outcome"] == "complete", "run %d: complete" % i)
check(isinstance(doc.get("statistics"), dict), "statistics: an object")
raw = open(sys.argv[2], newline="").read()
check(raw.endswith("\r\n"), "CSV records end with CRLF")
rows = list(csv.reader(open(sys.argv[2], newline="")))
head = ["run", "repeat", "session_file", "name", "index", "address",
        "exit_status", "exit_code", "start_offset_s", "duration_s",
        "user_cpu_s", "system_cpu_s", "max_rss_kib", "output_bytes"]
check(rows[0] == head, "CSV header: %s" % ",".join(rows[0]))
rows = rows[1:]
check(len(rows) == 12, "CSV: 12 rows (3 slaves x 4 runs): %d" % len(rows))
check([(r[0], r[1], r[3], r[4]) for r in rows] ==
      [(str(i), str(i % 2), n, str(k)) for i in range(4)
       for k, n in enumerate(["vm1", "vm9", "vm10"])],
      "CSV: run, repeat, name, index of each row in order")
ok = all(r[6] == "exit 0" and r[7] == "0" and float(r[9]) >= 0 and
         float(r[8]) >= 0 and int(r[12]) > 0 and int(r[13]) > 0 and
         r[5].startswith("127.0.0.1:") and r[2].endswith(".session")
         for r in rows)
check(ok, "CSV: every row's values (exit 0, times, rss, bytes, address)")
EOF

# ---------------------------------------------------------------- failures

note "a failing task does not stop the campaign; --pause 1"
make_conf "$TMP/fail.session" '/bin/sh :CONF:' \
    "date +%s%N >>$TMP/starts.\$SYNEXEC_SLAVE_NAME" \
    '[ "$SYNEXEC_SLAVE_NAME" != vm1 ] || [ "$SYNEXEC_RUN" != 0 ]'
start_slave vm9
wait_slaves_ready
run_master --repeat 2 --pause 1 -r "$TMP/f.json" 3 "$TMP/fail.session"
assert_exit 2 "a task failed in run 1 of 2"
assert_contains "$MASTER_OUT" "run 1 of 2 (fail.session, repeat 0 of 2): task failed (exit 2)"
assert_contains "$MASTER_OUT" "run 2 of 2 (fail.session, repeat 1 of 2): complete (exit 0)"
assert_contains "$MASTER_OUT" "campaign: 2 of 2 runs: task failed (exit 2)"
gap=$(awk 'NR == 1 { a = $1 } NR == 2 { printf "%d", ($1 - a) / 1000000 }' "$TMP/starts.vm1")
if [ -n "$gap" ] && [ "$gap" -ge 1000 ]; then
	pass "--pause 1: the runs started $gap ms apart"
else
	fail "--pause 1: expected the runs to start >= 1000 ms apart, got '$gap'"
fi

note "the issue's own example: 2 files x --repeat 5, run 3's line"
make_conf "$TMP/fio-4k.session" '/bin/true'
make_conf "$TMP/fio-64k.session" '/bin/true'
run_master --repeat 5 3 "$TMP/fio-4k.session" "$TMP/fio-64k.session"
assert_exit 0 "10 runs of /bin/true"
assert_contains "$MASTER_OUT" "run 3 of 10 (fio-4k.session, repeat 2 of 5)"
assert_contains "$MASTER_OUT" "run 6 of 10 (fio-64k.session, repeat 0 of 5)"

note "a local error comes first: results that cannot be stored, a task failed -> 1"
mkdir "$TMP/rdir"
make_conf "$TMP/fail1.session" '/bin/sh :CONF:' '[ "$SYNEXEC_SLAVE_NAME" != vm1 ]'
start_master -w 20 --repeat 2 --pause 3 -r "$TMP/rdir/r.json" 3 "$TMP/fail1.session"
if wait_until 20 test -s "$TMP/rdir/r.json"; then
	rm -rf "$TMP/rdir"
else
	fail "run 1's results never came"
fi
wait_master 30
assert_exit 1 "a campaign whose results could not be stored, a task failed in each run"
assert_contains "$MASTER_ERR" "cannot create the results file"
assert_contains "$MASTER_OUT" "run 2 of 2 (fail1.session, repeat 1 of 2): task failed (exit 2)"

note "a run refused by one slave: the others' armed tasks go, the next run runs"
start_slave vm2 --allow /bin/sh
wait_slaves_ready
make_conf "$TMP/true.session" '/bin/true'
: >"$ENVLOG"
run_master -w 20 --slaves 'vm[1-2]' 2 "$TMP/true.session" "$TMP/a.session"
assert_exit 3 "a campaign with a refused run"
assert_contains "$MASTER_OUT" "refused: vm2 ("
assert_contains "$MASTER_OUT" "run 1 of 2 (true.session, repeat 0 of 1): slave failed (exit 3); no task ran"
assert_contains "$MASTER_OUT" "run 2 of 2 (a.session, repeat 0 of 1): complete (exit 0)"
assert_eq "1 0 a.session vm1 0 2 2|1 0 a.session vm2 1 2 2" \
    "$(sort -k5,5n "$ENVLOG" | tr '\n' '|' | sed 's/|$//')" "run 2's tasks"
stop_slave vm2

note "--fail-fast: the campaign stops after the first failing run"
run_master --repeat 3 --fail-fast 3 "$TMP/fail.session"
assert_exit 2 "--fail-fast"
assert_contains "$MASTER_OUT" "campaign: 1 of 3 runs: task failed (exit 2)"
assert_not_contains "$MASTER_OUT" "run 2 of 3"

# A task that waits (bounded) until the test says go, so that a slave can
# be killed, or the master interrupted, in the middle of a given run.
make_conf "$TMP/wait.session" '/bin/sh :CONF:' \
    "echo \"\$SYNEXEC_SLAVE_INDEX \$SYNEXEC_SLAVES\" >>$TMP/idx.\$SYNEXEC_SLAVE_NAME" \
    ": >$TMP/started.\$SYNEXEC_SLAVE_NAME.\$SYNEXEC_RUN" \
    "i=0; while [ ! -e $TMP/go.\$SYNEXEC_RUN ] && [ \$i -lt 300 ]; do sleep 0.05; i=\$((i + 1)); done"
run_started() { [ -e "$TMP/started.vm1.$1" ] && [ -e "$TMP/started.vm9.$1" ] && [ -e "$TMP/started.vm10.$1" ]; }
kill_in_run0() {	# kill_in_run0: vm9 dies in run 1, the others go on
	wait_until 20 run_started 0 || fail "run 1 did not start"
	kill -KILL "${SLAVE_PID[vm9]}"
	unset "SLAVE_UDP[vm9]"
	touch "$TMP/go.0" "$TMP/go.1" "$TMP/go.2"
	wait_master 40
}

note "a slave lost in run 1: the campaign ends after it (exit 3)"
start_master --repeat 3 -r "$TMP/l.json" 3 "$TMP/wait.session"
kill_in_run0
assert_exit 3 "a slave lost"
assert_contains "$MASTER_OUT" "campaign: 1 of 3 runs: slave failed (exit 3): vm9 was lost in run 1 of 3"
assert_not_contains "$MASTER_OUT" "run 2 of 3"
rm -f "$TMP"/started.* "$TMP"/go.* "$TMP"/idx.*

note "--keep-going: the next runs go on without the lost slave"
start_slave vm9
wait_slaves_ready
start_master --repeat 3 --keep-going 3 "$TMP/wait.session"
kill_in_run0
assert_exit 3 "a slave lost, --keep-going"
assert_contains "$MASTER_OUT" "the next runs go on without vm9"
assert_contains "$MASTER_OUT" "run 3 of 3 (wait.session, repeat 2 of 3): complete (exit 0)"
assert_contains "$MASTER_OUT" "campaign: 3 of 3 runs: slave failed (exit 3)"
assert_eq "0 3 0 2 0 2" "$(tr '\n' ' ' <"$TMP/idx.vm1" | sed 's/ $//')" \
    "vm1's index and SYNEXEC_SLAVES in runs 1 to 3"
assert_eq "2 3 1 2 1 2" "$(tr '\n' ' ' <"$TMP/idx.vm10" | sed 's/ $//')" \
    "vm10's index and SYNEXEC_SLAVES in runs 1 to 3"
rm -f "$TMP"/started.* "$TMP"/go.* "$TMP"/idx.*

note "SIGINT in run 2: exit 4, the results keep runs 1 and 2"
start_slave vm9
wait_slaves_ready
start_master --repeat 3 -r "$TMP/i.json" --csv "$TMP/i.csv" 3 "$TMP/wait.session"
wait_until 20 run_started 0 || fail "run 1 did not start"
touch "$TMP/go.0"
wait_until 20 run_started 1 || fail "run 2 did not start"
kill -INT "$MASTER_PID"
wait_master 40
assert_exit 4 "SIGINT in run 2"
assert_contains "$MASTER_OUT" "campaign: 2 of 3 runs: aborted (exit 4): interrupted by SIGINT"
py "$TMP/i.json" "$TMP/i.csv" <<'EOF'
import csv, json, sys
doc = json.load(open(sys.argv[1]))
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
check(doc["outcome"] == "aborted" and doc["exit_code"] == 4,
      "aborted campaign: outcome aborted, exit 4")
check([r["outcome"] for r in doc["runs"]] == ["complete", "aborted"],
      "its runs: complete, aborted: %s" % [r["outcome"] for r in doc["runs"]])
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
check(sorted(set(r["run"] for r in rows)) == ["0", "1"] and len(rows) == 6,
      "aborted campaign's CSV: runs 0 and 1, 6 rows")
EOF

note "a 2014 slave in a campaign: refused at its start"
stop_slave vm9
stop_slave vm10
"$PYTHON" "$V1PEER" slave --port "$PORT" --session 0 --timeout 25 \
    >"$TMP/v1.log" 2>&1 &
v1pid=$!
track $v1pid
wait_until 20 udp_bound_n 2 || fail "the 2014 slave did not bind"
run_master -w 10 --repeat 2 -r "$TMP/v.json" 2 "$TMP/a.session"
assert_exit 3 "a campaign with a 2014 slave"
assert_contains "$MASTER_ERR" "a campaign of 2 runs needs slaves that serve several runs on one connection"
assert_contains "$MASTER_ERR" "(a 2014 slave)"
assert_not_contains "$TMP/v1.log" "CONF"
kill "$v1pid" 2>/dev/null
wait_pid "$v1pid" 10
stop_slave vm1

# ---------------------------------------------------------------- the pool

note "--slaves with a padded range and --exclude"
for s in vm01 vm02 vm07 vm7 vm17 db1; do
	start_slave $s
done
wait_slaves_ready
run_master -v -w 3 --slaves 'vm[01-16],vm9' --exclude vm02 3 "$TMP/a.session"
assert_exit 5 "only vm01 and vm07 may join: 2 of 3"
assert_contains "$MASTER_ERR" "2 of 3 slaves joined: vm01 ("
for s in vm02 vm7 vm17 db1; do
	assert_eq 1 "$(grep -c 'turned us away' "$TMP/$s.log")" \
	    "$s logs it was turned away once"
	assert_eq 1 "$(grep -c "^synexec_master: $s (.*) turned away: " "$MASTER_ERR")" \
	    "the master logs $s turned away once (-v)"
done
assert_contains "$TMP/vm7.log" "vm7 matches no pattern of --slaves vm[01-16],vm9"
assert_contains "$TMP/vm02.log" "vm02 matches --exclude vm02"
assert_contains "$TMP/db1.log" "db1 matches no pattern of --slaves"
assert_matches "$MASTER_ERR" "vm17 \\(127\\.0\\.0\\.1:[0-9]+, pid [0-9]+\\) turned away: vm17 matches no pattern"

note "SLAVES all by name: exactly those"
: >"$ENVLOG"
run_master --slaves 'vm0[1-2],vm07' --exclude vm02 all "$TMP/a.session"
assert_exit 0 "all by name"
assert_eq "vm01 vm07" "$(summary_rows "$MASTER_OUT" | awk '/^vm/ { printf "%s%s", s, $1; s = " " }')" \
    "all by name: vm01 and vm07"
assert_eq "2 2" "$(awk '{ print $6 }' "$ENVLOG" | tr '\n' ' ' | sed 's/ $//')" \
    "all by name: SYNEXEC_SLAVES"

note "SLAVES all by name, one missing: named when -w expires"
run_master -w 2 --slaves 'vm0[1-3]' all "$TMP/a.session"
assert_exit 5 "all by name, vm03 missing"
assert_contains "$MASTER_ERR" "2 of 3 slaves joined: vm01 ("
assert_contains "$MASTER_ERR" "never joined: vm03"

note "SLAVES all: whoever has joined when -w expires, in natural order"
: >"$ENVLOG"
run_master -w 1.5 --slaves 'vm*' all "$TMP/a.session"
assert_exit 0 "all, open"
assert_eq "vm01 vm02 vm7 vm07 vm17" \
    "$(summary_rows "$MASTER_OUT" | awk '/^vm/ { printf "%s%s", s, $1; s = " " }')" \
    "all, open: the five vm slaves in natural order"
assert_eq "vm01 0 5|vm02 1 5|vm7 2 5|vm07 3 5|vm17 4 5" \
    "$(sort -k5,5n "$ENVLOG" | awk '{ printf "%s%s %s %s", s, $4, $5, $6; s = "|" }')" \
    "all, open: indexes in natural order"
run_master -w 1 --slaves 'zz*' all "$TMP/a.session"
assert_exit 5 "all, open, none joined"
assert_contains "$MASTER_ERR" "no slave joined (SLAVES all)"

note "a master waiting for SLAVES all by name names the missing every 10 s"
if wait_until 30 grep -q "still waiting for 1 more slave" "$TMP/ww.err"; then
	assert_line_has "$TMP/ww.err" "still waiting for 1 more slave after" \
	    "not joined yet: ww2"
else
	fail "no 'still waiting for' line within 30 s"
	show_file "$TMP/ww.err"
fi
kill -TERM "$WAITING_PID" 2>/dev/null
wait_pid "$WAITING_PID" 10

finish
