#!/bin/bash
# hygiene: nothing is left behind.
#   - 1,000 consecutive sessions with the same two slaves (a bounded loop):
#     each slave's open descriptors (/proc/PID/fd) are the same after the
#     last session as after the first ones, and its VmRSS shows no growth
#     trend; the sessions wait on no timer (the median session, master start
#     to exit, takes well under half a second even on a loaded machine; a
#     few ms on an idle one: bench/ measures that against a floor);
#   - the master closes every descriptor it opened by the time it exits,
#     after a clean session, a lost slave and an abort (its -v log line
#     "open descriptors: N at start, M at exit").
# Under make check SAN=1, LeakSanitizer checks both programs' memory at
# exit, and the RSS figures are only shown (ASan keeps freed memory in
# quarantine on purpose).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../faults.sh"
require_bins

SESSIONS=${SYNEXEC_HYGIENE_SESSIONS:-1000}
SAMPLE_EVERY=100
WARMUP=20

start_slave alpha
start_slave bravo
wait_slaves_ready
make_conf "$TMP/true.session" '/bin/true'

# sample LABEL: fds and RSS of both slaves, once they are idle again (the
# last session's connection closed: back to the baseline count, bounded).
declare -A FD0 RSS_FIRST
SAMPLES=""
fds_back() { [ "$(proc_nfds "$1")" -le "$2" ]; }
sample() {
	local s pid n r line="$1:"
	for s in alpha bravo; do
		pid=${SLAVE_PID[$s]}
		[ -n "${FD0[$s]:-}" ] && wait_until 10 fds_back "$pid" "${FD0[$s]}"
		n=$(proc_nfds "$pid")
		r=$(proc_rss_kb "$pid")
		line="$line $s fds=$n rss=${r}kB"
		eval "LAST_FD_$s=$n LAST_RSS_$s=$r"
	done
	echo "$line"
	SAMPLES="$SAMPLES$line
"
}

# session N: one master run; false (and a message) if it did not exit 0.
# Its time in microseconds is appended to $TMP/times (EPOCHREALTIME: no
# process started to read the clock).
session() {
	local t0=${EPOCHREALTIME/./} rc
	timeout -k 2 30 "$MASTER_BIN" -i lo -p "$PORT" 2 "$TMP/true.session" \
	    >"$TMP/loop.out" 2>"$TMP/loop.err" </dev/null
	rc=$?
	echo $(( ${EPOCHREALTIME/./} - t0 )) >>"$TMP/times"
	[ $rc = 0 ] && return 0
	fail "session $1 of $SESSIONS: master exited $rc"
	show_file "$TMP/loop.out"
	show_file "$TMP/loop.err"
	return 1
}

note "$SESSIONS consecutive sessions with the same slaves"
i=1
while [ $i -le $WARMUP ]; do
	session $i || break
	i=$((i + 1))
done
sample "after $WARMUP"
for s in alpha bravo; do
	eval "FD0[$s]=\$LAST_FD_$s RSS_FIRST[$s]=\$LAST_RSS_$s"
done
t0=$(now_ms)
: >"$TMP/times"
ok=1
while [ $i -le "$SESSIONS" ]; do
	session $i || { ok=0; break; }
	[ $((i % SAMPLE_EVERY)) = 0 ] && sample "after $i"
	i=$((i + 1))
done
t1=$(now_ms)
[ $ok = 1 ] && pass "$SESSIONS sessions, each exit 0"
n=$((SESSIONS - WARMUP))
[ $n -gt 0 ] || n=1
echo "$n sessions in $((t1 - t0)) ms: $(( (t1 - t0) * 1000 / n )) us each (master start to exit, shell included)"
median=$(sort -n "$TMP/times" | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }')
p90=$(sort -n "$TMP/times" | awk '{ v[NR] = $1 } END { print NR ? v[int(NR * 0.9) + (NR < 10)] : 0 }')
echo "session times: median $median us, 90th percentile $p90 us"
# A session that waits on a timer (a report round, a retry, a heartbeat:
# half a second or more) shows here whatever the machine's load.
assert_le "$median" 500000 "median session time (us)"
for s in alpha bravo; do
	eval "fd=\$LAST_FD_$s rss=\$LAST_RSS_$s"
	assert_eq "${FD0[$s]}" "$fd" "$s's open descriptors after $SESSIONS sessions (as after $WARMUP)"
	growth=$((rss - RSS_FIRST[$s]))
	if san_build; then
		echo "$s VmRSS: ${RSS_FIRST[$s]} kB after $WARMUP, $rss kB after $SESSIONS (not judged under ASan)"
	else
		assert_le "$growth" 256 "$s's VmRSS growth (kB) from session $WARMUP to $SESSIONS"
	fi
done

# -------------------------------------------------------------------------
note "the master closes every descriptor it opened"
check_master_fds() {	# check_master_fds WHAT: from MASTER_ERR
	local line
	line=$(grep -E 'open descriptors: [0-9]+ at start, [0-9]+ at exit' \
	    "$MASTER_ERR" | tail -n 1)
	if [ -z "$line" ]; then
		fail "$1: no 'open descriptors' line in the master's -v log"
		show_file "$MASTER_ERR"
		return
	fi
	set -- "$1" $(echo "$line" | sed -E 's/.*: ([0-9]+) at start, ([0-9]+) at exit.*/\1 \2/')
	assert_eq "$2" "$3" "$1: the master's descriptors at exit (at start: $2)"
}
run_master -v 2 "$TMP/true.session"
assert_exit 0
check_master_fds "a clean session"

make_conf "$TMP/long.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/long.\$SYNEXEC_SLAVE_NAME.pid" "exec $MARK"
start_master -v 2 "$TMP/long.session"
wait_for_file "$TMP/long.bravo.pid" 20 || fail "bravo's task did not start"
wait_for_file "$TMP/long.alpha.pid" 20 || fail "alpha's task did not start"
kill -INT "$MASTER_PID"
wait_master 20
assert_exit 4
check_master_fds "an aborted session"

rm -f "$TMP"/long.*.pid
start_master -v -t 3 2 "$TMP/long.session"
wait_for_file "$TMP/long.bravo.pid" 20 || fail "bravo's task did not start"
kill -KILL "${SLAVE_PID[bravo]}"
wait_master 20
assert_exit 4
check_master_fds "a session with a lost slave"
kill_marker_procs

finish
