#!/bin/bash
# session_basic: three slaves on loopback run one /bin/sh session; each task
# sees its own environment (index, count, name, session, master), the indexes
# are exactly {0,1,2}, the tasks start together, the master exits 0 and its
# summary names every slave.  The slaves then go back to listening.
. "$(dirname "$0")/../lib.sh"
require_bins

SESSION=123456
make_conf "$TMP/session" '/bin/sh :CONF:' \
    'echo "start=$(date +%s%N)"' \
    'echo "index=$SYNEXEC_SLAVE_INDEX"' \
    'echo "slaves=$SYNEXEC_SLAVES"' \
    'echo "name=$SYNEXEC_SLAVE_NAME"' \
    'echo "session=$SYNEXEC_SESSION"' \
    'echo "master=$SYNEXEC_MASTER"' \
    'echo "conf=$0"'

note "3 slaves, session $SESSION"
for s in alpha bravo charlie; do
	start_slave $s -s $SESSION
done
wait_slaves_ready
run_master -s $SESSION 3 "$TMP/session"
assert_exit 0

for s in alpha bravo charlie; do
	out=$TMP/$s.out
	assert_file "$out"
	assert_contains "$out" "slaves=3"
	assert_contains "$out" "name=$s"
	assert_contains "$out" "session=$SESSION"
	assert_contains "$out" "master=127.0.0.1"
	assert_matches "$out" '^index=[0-2]$'
	# The payload file lives in the -T dir, named after the slave's pid
	# and 12 random characters.
	assert_matches "$out" \
	    "^conf=$TMP/conf/synexec_slave_conf\.${SLAVE_PID[$s]}\.[A-Za-z0-9]{12}\$"
done

indexes=$(cat "$TMP"/{alpha,bravo,charlie}.out 2>/dev/null |
    sed -n 's/^index=//p' | sort | tr '\n' ' ')
assert_eq "0 1 2 " "$indexes" "slave indexes"

# Every task started within a generous 250 ms of the others (the protocol
# aims at far less; this only catches a serialised or per-slave start).
starts=$(sed -n 's/^start=//p' "$TMP"/{alpha,bravo,charlie}.out 2>/dev/null)
if [ "$(echo "$starts" | grep -c .)" = 3 ]; then
	spread=$(echo "$starts" | sort -n | awk 'NR == 1 { a = $1 } END { printf "%d", ($1 - a) / 1000000 }')
	if [ "$spread" -le 250 ]; then
		pass "start spread ${spread} ms"
	else
		fail "start spread: expected <= 250 ms, got ${spread} ms"
	fi
else
	fail "start times: expected 3, got: $starts"
fi

# Summary: a line per finished slave and a table naming all three.
assert_summary "$MASTER_OUT" alpha bravo charlie
for s in alpha bravo charlie; do
	row=$(summary_row "$MASTER_OUT" $s)
	case $row in
	*127.0.0.1*) pass "$s row has its address" ;;
	*) fail "$s row: expected its address 127.0.0.1, got '$row'" ;;
	esac
done
rows=$(summary_rows "$MASTER_OUT" | grep -c .)
if [ "$rows" -ge 4 ]; then
	pass "summary has 3 rows and a totals line"
else
	fail "summary: expected 3 rows and a totals line, got $rows lines"
	show_file "$MASTER_OUT"
fi

# The payload files are removed once the session is over, and the slaves
# are still alive, listening again.
for s in alpha bravo charlie; do
	f=$(sed -n 's/^conf=//p' "$TMP/$s.out")
	wait_until 20 no_payload_file "$s"
	assert_no_file "$f" "$s payload file after the session"
	no_payload_file "$s" || fail "$s left payload files: $(payload_files "$s")"
	if kill -0 "${SLAVE_PID[$s]}" 2>/dev/null; then
		pass "$s still running"
	else
		fail "$s: expected to keep running after the session, it exited"
	fi
done

finish
