#!/bin/bash
# recipes: the README's "Recipes", run on loopback with the same options
# (-i lo and a test port instead of a VM bridge; two slaves instead of 8).
#   - benchmark across VMs: slaves configured by a slave { } section with an
#     interface and an output file; the master waits with -w and prints one
#     line per slave and the start spread (the session is sleep.session: the
#     fio session's acceptance is examples.sh's business);
#   - a daemonized master with a JSON results file and the jq one-liners,
#     also for a session that fails;
#   - collecting outputs: -O DIR --output-max 10M --follow, and jq over the
#     collected files (a warning on stderr stays out of them);
#   - checking before running: --preflight, then the session, with && ;
#   - keyed sessions: --genkey, key_file in the slave's section, -k on the
#     master; a wrong key fails with "key mismatch" on both sides;
#   - a block-size sweep with fio: the README's loop makes three session
#     files, one campaign runs them, -O keeps each run apart, jq sums each
#     run's IOPS (a fake fio here, on loopback: examples.sh is fio's);
#   - five repeats, statistics from the CSV: --repeat 5 --csv, then the
#     README's Python over the file.
. "$(dirname "$0")/../lib.sh"
require_bins

ex=$SYNEXEC_TOP/conf.examples
have_jq=1
command -v jq >/dev/null || { have_jq=0; echo "note: no jq here: the jq one-liners are not run"; }

# ---- benchmark across VMs
cat >"$TMP/vm.conf" <<EOF
slave {
	interface = "lo"
	output = "$TMP/vm.out"
}
EOF
# (start_slave's -o still gives each its own file: they share this host)
for n in vm1 vm2; do
	start_slave "$n" -c "$TMP/vm.conf"
done
wait_slaves_ready
run_master -w 120 2 "$ex/sleep.session"
assert_exit 0 "benchmark recipe: master exit code"
assert_matches "$MASTER_OUT" '^finished: vm1 \(' "benchmark recipe"
assert_matches "$MASTER_OUT" '^finished: vm2 \(' "benchmark recipe"
assert_matches "$MASTER_OUT" 'start spread [0-9]+ us' "benchmark recipe"

# ---- a daemonized master, results in JSON
cd "$TMP" || exit 1
pid=$("$MASTER_BIN" -d --log run1.log -r run1.json -i lo -p "$PORT" -w 20 2 \
    "$ex/sleep.session")
case $pid in
[1-9]*) pass "-d printed the daemon's pid: $pid"; track "$pid" ;;
*) fail "-d printed '$pid', not a pid"; pid= ;;
esac
n=0
while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done
assert_file "$TMP/run1.json" "run1.json"
assert_contains "$TMP/run1.log" "finished: vm1" "the daemon's --log file"
if [ $have_jq = 1 ]; then
	jq -r '.exit_code, (.slaves[] | [.name, .exit_status, .duration_s] | @tsv)' \
	    run1.json >"$TMP/jq1.txt"
	cat "$TMP/jq1.txt"
	assert_eq 0 "$(head -n 1 "$TMP/jq1.txt")" "jq: the master's exit code"
	# sleep.session sleeps 2 s (more on a loaded machine).
	assert_matches "$TMP/jq1.txt" '^vm1	exit 0	([2-9]|[1-9][0-9]+)\.[0-9]+$' "jq: vm1's line"
	assert_matches "$TMP/jq1.txt" '^vm2	exit 0	([2-9]|[1-9][0-9]+)\.[0-9]+$' "jq: vm2's line"
	slow=$(jq -r '.slaves | max_by(.duration_s) | "\(.name) \(.duration_s)"' run1.json)
	[[ $slow =~ ^vm[12]\ ([2-9]|[1-9][0-9]+)\.[0-9]+$ ]] && pass "jq: the slowest slave: $slow" ||
	    fail "jq: the slowest slave: '$slow'"
fi
# Whatever the outcome: a failing task.
make_conf "$TMP/fail.session" "/bin/false"
pid=$("$MASTER_BIN" -d --log run2.log -r run2.json -i lo -p "$PORT" -w 20 2 \
    "$TMP/fail.session")
track "$pid"
n=0
while kill -0 "$pid" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
assert_file "$TMP/run2.json" "run2.json (a failing session)"
[ $have_jq = 1 ] &&
    assert_eq 2 "$(jq -r .exit_code run2.json)" "jq: exit code of the failing session"
cd "$SYNEXEC_TOP" || exit 1

# ---- collecting outputs
make_conf "$TMP/fakefio.session" "/bin/sh :CONF:" \
    'echo "fio: a warning" >&2' \
    'echo "{\"jobs\": [{\"read\": {\"iops\": 1234}}]}"'
run_master -O "$TMP/out" --output-max 10M --follow 2 "$TMP/fakefio.session"
assert_exit 0 "collecting recipe: master exit code"
for n in vm1 vm2; do
	assert_file "$TMP/out/$n.out"
	assert_matches "$MASTER_OUT" "^$n: \{\"jobs\"" "--follow line of $n"
	assert_matches "$MASTER_OUT" "^$n! fio: a warning" "--follow, stderr, of $n"
	assert_eq "fio: a warning" "$(cat "$TMP/out/$n.err")" "$n.err"
done
if [ $have_jq = 1 ]; then
	assert_eq "1234 1234" "$(jq -r '.jobs[0].read.iops' "$TMP"/out/*.out | tr '\n' ' ' | sed 's/ $//')" \
	    "jq over the collected outputs"
fi

# ---- a block-size sweep with fio (a fake fio: its IOPS from the job's bs)
cat >"$TMP/fio" <<'EOF'
#!/bin/sh
bs=$(sed -n 's/^bs=//p' "$2")
case $bs in 4k) n=1000 ;; 64k) n=200 ;; *) n=20 ;; esac
echo "{\"jobs\": [{\"read\": {\"iops\": $n}}]}"
EOF
chmod 755 "$TMP/fio"
cd "$TMP" || exit 1
for bs in 4k 64k 1m; do
	printf '%s\n' '/usr/bin/fio --output-format=json :CONF:' \
	    '[randread]' 'filename=/var/tmp/fio.dat' 'size=1g' \
	    'rw=randread' "bs=$bs" 'direct=1' 'runtime=30' \
	    'time_based=1' >fio-$bs.session
	sed -i "1s|/usr/bin/fio|$TMP/fio|" fio-$bs.session
done
run_master -w 120 -O sweep 2 fio-4k.session fio-64k.session fio-1m.session
assert_exit 0 "sweep recipe: master exit code"
assert_contains "$MASTER_OUT" "campaign: 3 of 3 runs: complete (exit 0)" "sweep recipe"
for run in 0 1 2; do
	for n in vm1 vm2; do
		assert_file "$TMP/sweep/$run/$n.out" "sweep recipe: run $run's output of $n"
	done
done
if [ $have_jq = 1 ]; then
	for run in 0 1 2; do
		echo "run $run: $(jq -s 'map(.jobs[0].read.iops) | add' sweep/$run/*.out) IOPS in all"
	done >"$TMP/sweep.txt"
	cat "$TMP/sweep.txt"
	assert_eq "run 0: 2000 IOPS in all|run 1: 400 IOPS in all|run 2: 40 IOPS in all" \
	    "$(tr '\n' '|' <"$TMP/sweep.txt" | sed 's/|$//')" "sweep recipe: jq by run"
fi

# ---- five repeats, statistics from the CSV
run_master -w 120 --repeat 5 --csv runs.csv 2 fio-4k.session
assert_exit 0 "repeats recipe: master exit code"
"$PYTHON" - runs.csv >"$TMP/stats.txt" 2>&1 <<'EOF'
import csv, statistics, sys
by = {}
for row in csv.DictReader(open(sys.argv[1], newline='')):
    if row['duration_s']:
        by.setdefault(row['name'], []).append(float(row['duration_s']))
for name, d in by.items():
    print(f'{name}: {len(d)} runs, mean {statistics.mean(d):.3f} s, '
          f'stdev {statistics.stdev(d):.3f} s')
EOF
cat "$TMP/stats.txt"
for n in vm1 vm2; do
	assert_matches "$TMP/stats.txt" "^$n: 5 runs, mean [0-9]+\.[0-9]{3} s, stdev [0-9]+\.[0-9]{3} s\$" \
	    "repeats recipe: $n's statistics"
done
cd "$SYNEXEC_TOP" || exit 1
# ---- checking before running
run_master -w 120 --preflight 2 "$TMP/fakefio.session"
assert_exit 0 "preflight recipe: every slave ready"
assert_contains "$MASTER_OUT" "preflight: 2 of 2 slaves ready"
make_conf "$TMP/nofio.session" "/usr/bin/fio-$$-absent :CONF:" ''
run_master -w 120 --preflight 2 "$TMP/nofio.session"
assert_exit 3 "preflight recipe: a missing command"
assert_matches "$MASTER_OUT" "^preflight: vm1 \(127\.0\.0\.1:[0-9]+\): not ready: command: /usr/bin/fio-$$-absent: No such file or directory\$" \
    "preflight recipe: vm1's line"
stop_slave vm1
stop_slave vm2

# ---- keyed sessions
"$MASTER_BIN" --genkey "$TMP/session.key" >"$TMP/genkey.log" 2>&1 ||
    fail "--genkey failed: $(cat "$TMP/genkey.log")"
assert_eq 600 "$(stat -c %a "$TMP/session.key")" "mode of the new key"
printf 'slave {\n\tkey_file = "%s"\n}\n' "$TMP/session.key" >"$TMP/keyed.conf"
start_slave k1 -c "$TMP/keyed.conf"
start_slave k2 -c "$TMP/keyed.conf"
wait_slaves_ready
run_master -k "$TMP/session.key" -w 10 2 "$ex/sleep.session"
assert_exit 0 "keyed recipe: master exit code"
assert_summary "$MASTER_OUT" k1 k2

"$MASTER_BIN" --genkey "$TMP/other.key" >/dev/null 2>&1
run_master -k "$TMP/other.key" -w 3 2 "$ex/sleep.session"
assert_exit 3 "a master with another key: nobody joins, it fails at once"
assert_contains "$MASTER_ERR" "key mismatch" "master with another key"
wait_until 20 grep -q "key mismatch" "$TMP/k1.log"
assert_contains "$TMP/k1.log" "key mismatch" "slave k1 against another key"

# A master without a key, and a 2014 master: nothing runs on keyed slaves.
: >"$TMP/k1.log"
run_master -w 3 2 "$ex/sleep.session"
assert_exit 3 "a master without a key: nobody joins, it fails at once"
assert_contains "$MASTER_ERR" "key mismatch" "master without a key"
assert_contains "$TMP/k1.log" "key mismatch" "slave k1 against a master without a key"
timeout -k 2 20 "$PYTHON" "$V1PEER" master --port "$PORT" --session 0 \
    --bcast 127.255.255.255 --slaves 1 --conf "$ex/sleep.session" \
    --timeout 5 >"$TMP/v1master.log" 2>&1
rc=$?
assert_not_contains "$TMP/v1master.log" "CONF_OK" "a 2014 master against keyed slaves"
[ $rc != 0 ] && pass "the 2014 master got nowhere (exit $rc)" ||
    fail "the 2014 master's session succeeded against keyed slaves"
for n in k1 k2; do
	assert_eq "" "$(cat "$TMP/$n.out" 2>/dev/null)" "output of $n's tasks after the refusals"
done

# A key file others may read is refused.
chmod 644 "$TMP/other.key"
out=$("$MASTER_BIN" -n -k "$TMP/other.key" 1 "$ex/sleep.session" 2>&1)
[ $? = 1 ] && [[ $out == *"group or others"* ]] &&
    pass "a key file readable by others is refused: $out" ||
    fail "a key file readable by others: expected a refusal, got: $out"

finish
