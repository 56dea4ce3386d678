# tests/lib.sh - shared helpers of the integration tests (source it).
#
# Gives each test: a private temp dir ($TMP), a free random high port ($PORT,
# reserved: no other test run on the host gets it while this one lives),
# helpers that start the real binaries on loopback, bounded waits, assertions
# that say what was expected and what came, and a trap that kills every
# process the test started and removes what it made, whatever happens.
#
# Network safety: every master started here gets "-i lo" (run_master) unless
# the test runs it inside a network namespace it created itself (run_in_ns).
#
# Env: SYNEXEC_BINDIR (synexec_master, synexec_slave), SYNEXEC_TOP (repo root),
# SYNEXEC_KEEP=1 keeps the temp dir of a failed test for a post-mortem.

set -u

SYNEXEC_TOP=${SYNEXEC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SYNEXEC_BINDIR=${SYNEXEC_BINDIR:-$SYNEXEC_TOP}
MASTER_BIN=$SYNEXEC_BINDIR/synexec_master
SLAVE_BIN=$SYNEXEC_BINDIR/synexec_slave
V1PEER=$SYNEXEC_TOP/tests/v1peer.py
PYTHON=${PYTHON:-$(command -v python3 || echo /usr/bin/python3)}
TEST_NAME=$(basename "$0" .sh)

FAILS=0
FAILED_MSGS=()
PIDS=()			# every background process this test started
declare -A PID_START=()	# pid -> its start time (/proc/PID/stat), see ours
NETNS=()		# every network namespace this test created
declare -A SLAVE_PID=()	# slave label -> pid
declare -A SLAVE_UDP=()	# slave label -> 1 if it binds UDP $PORT (no -m, -p)
MASTER_N=0		# run_master counter (each run gets its own files)
MASTER_OUT=/dev/null MASTER_ERR=/dev/null MASTER_RC=-1

# ---------------------------------------------------------------- messages

LAST_NOTE=""		# the step the test is at (said again if it fails)
note() { LAST_NOTE=$*; echo "== $TEST_NAME: $*"; }

fail() {
	FAILS=$((FAILS + 1))
	FAILED_MSGS+=("$*")
	echo "FAIL: $*"
}

pass() { echo "ok: $*"; }

skip() {
	echo "SKIP: $*"
	exit 77
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
}

# ---------------------------------------------------------------- teardown

# Kill PIDS (TERM, then KILL after a bounded grace), delete namespaces and
# the temp dir.  Runs once, on every exit path.
teardown() {
	local rc=$? pid i alive ns
	trap - EXIT INT TERM HUP
	# Killed from outside (the runner's time limit): say where, first,
	# in case the runner's SIGKILL comes before the end of the teardown.
	case $rc in
	129|130|143)
		echo "FAIL: $TEST_NAME stopped by a signal (exit $rc)${LAST_NOTE:+" during: $LAST_NOTE"}"
		;;
	esac
	for pid in "${PIDS[@]}"; do
		ours "$pid" || continue
		kill -TERM "$pid" 2>/dev/null
		kill -CONT "$pid" 2>/dev/null	# a stopped one acts on it
	done
	for i in $(seq 1 30); do	# at most 3 s of grace
		alive=0
		for pid in "${PIDS[@]}"; do
			ours "$pid" && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do
		ours "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	for ns in "${NETNS[@]}"; do
		netns_delete "$ns"
	done
	# Under make check SAN=1, a sanitizer report in any log fails the test
	# (the slaves print theirs when teardown stops them).
	grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$TMP"/*.log "$TMP"/master.*.err >"$TMP/.san" 2>/dev/null
	if [ -s "$TMP/.san" ]; then
		for i in $(cat "$TMP/.san"); do
			fail "sanitizer report in ${i#$TMP/}"
			grep -m 5 -E 'ERROR: |runtime error:|#[0-9] ' "$i"
		done
		[ $rc = 0 ] && rc=1
	fi
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		dump_diagnostics
		[ $FAILS = 0 ] && echo "---- $TEST_NAME: interrupted or aborted (exit $rc)${LAST_NOTE:+ during: $LAST_NOTE}" ||
		echo "---- $TEST_NAME failed ($FAILS failed assertions):"
		for i in "${FAILED_MSGS[@]}"; do echo "FAIL: $i"; done
	fi
	[ -n "${SLAVE_BIN_ALL_DIR:-}" ] && rm -rf "$SLAVE_BIN_ALL_DIR"
	if [ $rc != 0 ] && [ $rc != 77 ] && [ "${SYNEXEC_KEEP:-0}" = 1 ]; then
		echo "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit $rc
}

dump_diagnostics() {
	local f
	for f in "$TMP"/*.log "$TMP"/master.*.out "$TMP"/master.*.err; do
		[ -s "$f" ] || continue
		echo "---- ${f#$TMP/} (last 15 lines)"
		tail -n 15 "$f"
	done
}

# Call at the end of every test: exit 0 if no assertion failed.
finish() {
	if [ $FAILS = 0 ]; then
		echo "all assertions of $TEST_NAME passed"
		exit 0
	fi
	exit 1
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/synexec-test.$TEST_NAME.XXXXXX") || exit 1
chmod 700 "$TMP"
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
mkdir -p "$TMP/conf"

# ---------------------------------------------------------------- binaries

require_bins() {
	[ -x "$MASTER_BIN" ] || { fail "no $MASTER_BIN (build first)"; exit 1; }
	[ -x "$SLAVE_BIN" ] || { fail "no $SLAVE_BIN (build first)"; exit 1; }
}

# The slave binary where any user can run it, for tests that start it as
# another user (setpriv): the checkout may be where other users cannot go
# (/root/...).  A copy in a directory of its own, made once per test and
# removed by the teardown; sets SLAVE_BIN_ALL.
slave_bin_for_all() {
	[ -n "${SLAVE_BIN_ALL:-}" ] && return 0
	SLAVE_BIN_ALL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/synexec-bin.XXXXXX") ||
	    return 1
	chmod 755 "$SLAVE_BIN_ALL_DIR"
	cp "$SLAVE_BIN" "$SLAVE_BIN_ALL_DIR/synexec_slave" || return 1
	chmod 755 "$SLAVE_BIN_ALL_DIR/synexec_slave"
	SLAVE_BIN_ALL=$SLAVE_BIN_ALL_DIR/synexec_slave
}

# ---------------------------------------------------------------- ports

# pick_port VAR: a free port, reserved for this test's life even against
# runs of other checkouts (tools/port.sh says how).
. "$SYNEXEC_TOP/tools/port.sh"
pick_port PORT || exit 1

# ---------------------------------------------------------------- waiting

# wait_until TIMEOUT_SECS CMD...: poll CMD every 50 ms; false on time-out.
wait_until() {
	local limit=$1 n
	shift
	n=$(awk -v t="$limit" 'BEGIN { printf "%d", t * 20 }')
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	"$@"
}

# wait_for_file FILE [TIMEOUT_SECS=5]: until FILE exists and is not empty.
wait_for_file() {
	wait_until "${2:-5}" test -s "$1"
}

# wait_pid PID [TIMEOUT_SECS=10]: until PID has exited; its exit code in
# WAIT_RC (124 if it did not exit in time; it is left running then).
wait_pid() {
	local pid=$1 limit=${2:-10}
	WAIT_RC=124
	if wait_until "$limit" pid_gone "$pid"; then
		wait "$pid" 2>/dev/null
		WAIT_RC=$?
	fi
}

pid_gone() {
	! kill -0 "$1" 2>/dev/null && return 0
	# A zombie child of ours counts as gone (wait reaps it in wait_pid).
	[ "$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)" = Z ]
}

# True while a UDP socket is bound to $PORT (slaves bind before listening).
udp_bound() {
	[ -n "$(ss -Huan "( sport = :${1:-$PORT} )" 2>/dev/null)" ]
}

# udp_bound_n N: at least N UDP sockets are bound to $PORT (each slave has
# its own, SO_REUSEADDR).
udp_bound_n() {
	[ "$(ss -Huan "( sport = :$PORT )" 2>/dev/null | wc -l)" -ge "$1" ]
}

# ---------------------------------------------------------------- processes

# track PID: kill it at teardown if it still runs.  Only if it is still the
# same process: PIDs come round again (pid_max may be 32768 on a busy
# machine), and another's process must never be killed for ours.
proc_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
track() {
	PIDS+=("$1")
	PID_START[$1]=$(proc_start "$1")
}
ours() {
	[ -n "${PID_START[$1]:-}" ] && [ "$(proc_start "$1")" = "${PID_START[$1]}" ]
}

# start_slave LABEL [ARGS...]: our slave on loopback, named LABEL, output in
# $TMP/LABEL.out, log in $TMP/LABEL.log, conf dir $TMP/conf.  ARGS come last
# and override (e.g. -N other, -T dir, -s 7).  Its pid: ${SLAVE_PID[LABEL]}.
start_slave() {
	local label=$1
	shift
	"$SLAVE_BIN" -i lo -p "$PORT" -N "$label" -o "$TMP/$label.out" \
	    -T "$TMP/conf" "$@" >"$TMP/$label.log" 2>&1 &
	SLAVE_PID[$label]=$!
	track $!
	case " $* " in
	*" -m "*|*" -p "*) unset "SLAVE_UDP[$label]" ;;
	*) SLAVE_UDP[$label]=1 ;;
	esac
}

# payload_files LABEL [DIR]: the payload files slave LABEL has in DIR
# (default $TMP/conf), one a line; false if none.  Their names are
# synexec_slave_conf.<pid>.<random>, new for each session.
payload_files() {
	compgen -G "${2:-$TMP/conf}/synexec_slave_conf.${SLAVE_PID[$1]}.*"
}

no_payload_file() {	# no_payload_file LABEL [DIR]
	! payload_files "$@" >/dev/null
}

# Wait until every slave started (and still running) that listens for
# probes on $PORT has bound its UDP socket: a master started then finds
# them all at its first probe.  (Those with -m bind nothing: don't call this
# for them alone.)
wait_slaves_ready() {
	local label n=0
	for label in "${!SLAVE_UDP[@]}"; do
		pid_gone "${SLAVE_PID[$label]}" || n=$((n + 1))
	done
	[ $n -gt 0 ] || n=1
	wait_until 20 udp_bound_n $n ||
	    fail "$n slaves started, fewer bound udp port $PORT: $(ss -Huan "( sport = :$PORT )" | wc -l)"
}

# stop_slave LABEL: TERM it and wait (bounded) for it to exit.
stop_slave() {
	local pid=${SLAVE_PID[$1]}
	unset "SLAVE_UDP[$1]"
	kill -TERM "$pid" 2>/dev/null
	wait_pid "$pid" 15
	[ "$WAIT_RC" = 124 ] && kill -KILL "$pid" 2>/dev/null
	return 0
}

# run_master [ARGS...]: our master on loopback (-i lo -p $PORT first, so ARGS
# may override -p but the interface stays lo), bounded by MASTER_TIMEOUT
# (default 30 s).  Sets MASTER_OUT, MASTER_ERR (files) and MASTER_RC.
run_master() {
	run_master_cmd "$MASTER_BIN" -i lo -p "$PORT" "$@"
}

# start_master [ARGS...]: run_master in the background (MASTER_PID is the
# time-out wrapper's pid: it passes signals on); wait_master sets MASTER_RC.
start_master() {
	MASTER_N=$((MASTER_N + 1))
	MASTER_OUT=$TMP/master.$MASTER_N.out
	MASTER_ERR=$TMP/master.$MASTER_N.err
	echo "start master #$MASTER_N: -i lo -p $PORT $*" | sed "s|$TMP|\$TMP|g"
	timeout --foreground -k 5 "${MASTER_TIMEOUT:-30}" \
	    "$MASTER_BIN" -i lo -p "$PORT" "$@" \
	    >"$MASTER_OUT" 2>"$MASTER_ERR" </dev/null &
	MASTER_PID=$!
	track $MASTER_PID
}

wait_master() {	# wait_master [TIMEOUT_SECS=30]
	wait_pid "$MASTER_PID" "${1:-30}"
	MASTER_RC=$WAIT_RC
	echo "master #$MASTER_N exited $MASTER_RC"
}

# run_master_cmd CMD...: the same for any command line (namespaces).
run_master_cmd() {
	local pid
	MASTER_N=$((MASTER_N + 1))
	MASTER_OUT=$TMP/master.$MASTER_N.out
	MASTER_ERR=$TMP/master.$MASTER_N.err
	echo "run master #$MASTER_N: $*" | sed "s|$TMP|\$TMP|g"
	# --foreground keeps it in our process group, so the runner's time-out
	# reaches it; waiting in the background lets our traps run at once.
	timeout --foreground -k 5 "${MASTER_TIMEOUT:-30}" "$@" \
	    >"$MASTER_OUT" 2>"$MASTER_ERR" </dev/null &
	pid=$!
	track $pid
	wait $pid
	MASTER_RC=$?
	echo "master #$MASTER_N exited $MASTER_RC"
}

# ---------------------------------------------------------------- session files

# make_conf FILE COMMAND [PAYLOAD_LINES...]: a session file (command line,
# newline, then each payload line followed by a newline).
make_conf() {
	local file=$1
	shift
	printf '%s\n' "$@" >"$file"
}

# ---------------------------------------------------------------- assertions

assert_eq() {	# assert_eq EXPECTED GOT WHAT
	if [ "$1" = "$2" ]; then
		pass "$3 = '$2'"
	else
		fail "$3: expected '$1', got '$2'"
	fi
}

assert_exit() {	# assert_exit EXPECTED [WHAT]: MASTER_RC
	assert_eq "$1" "$MASTER_RC" "${2:-master exit code}"
}

# assert_contains FILE TEXT [WHAT]: FILE has a line containing TEXT (fixed).
assert_contains() {
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		pass "${3:-${1#$TMP/}} contains '$2'"
	else
		fail "${3:-${1#$TMP/}}: expected a line containing '$2', got:"
		show_file "$1"
	fi
}

# assert_matches FILE ERE [WHAT]: a line of FILE matches the extended regexp.
assert_matches() {
	if grep -qE -- "$2" "$1" 2>/dev/null; then
		pass "${3:-${1#$TMP/}} matches /$2/"
	else
		fail "${3:-${1#$TMP/}}: expected a line matching /$2/, got:"
		show_file "$1"
	fi
}

assert_not_contains() {	# assert_not_contains FILE TEXT [WHAT]
	if grep -qF -- "$2" "$1" 2>/dev/null; then
		fail "${3:-${1#$TMP/}}: expected no line containing '$2', got:"
		show_file "$1"
	else
		pass "${3:-${1#$TMP/}} has no '$2'"
	fi
}

assert_file() {		# assert_file FILE [WHAT]: exists
	if [ -e "$1" ]; then pass "${2:-${1#$TMP/}} exists"
	else fail "${2:-${1#$TMP/}}: expected to exist, does not"; fi
}

assert_no_file() {	# assert_no_file FILE [WHAT]
	if [ -e "$1" ] || [ -L "$1" ]; then
		fail "${2:-${1#$TMP/}}: expected not to exist, it does:"
		ls -l "$1"
	else
		pass "${2:-${1#$TMP/}} does not exist"
	fi
}

# assert_line_has FILE NEEDLE TEXT [WHAT]: some line has both NEEDLE and TEXT.
assert_line_has() {
	if grep -F -- "$2" "$1" 2>/dev/null | grep -qF -- "$3"; then
		pass "${4:-${1#$TMP/}}: a line has '$2' and '$3'"
	else
		fail "${4:-${1#$TMP/}}: expected a line with both '$2' and '$3', got:"
		show_file "$1"
	fi
}

# assert_inert FILE [WHAT]: FILE (a log, or what a master printed when not
# on a terminal) holds only lines of printable ASCII: no terminal control,
# no CR, no C1 byte raw (0x9b) or as UTF-8 (C2 9B), nothing that is not
# ASCII (peer text is escaped \xNN, NOTES section 10).
assert_inert() {
	local why
	if why=$("$PYTHON" - "$1" <<-'EOF'
		import sys
		data = open(sys.argv[1], "rb").read()
		for i, b in enumerate(data):
		    if not (0x20 <= b < 0x7f or b == 0x0a):
		        line = data.count(b"\n", 0, i) + 1
		        print("byte 0x%02x at offset %d (line %d): %r" % (b, i, line,
		              data[max(i - 30, 0):i + 30]))
		        sys.exit(1)
		EOF
	); then
		pass "${2:-${1#$TMP/}}: printable ASCII lines only"
	else
		fail "${2:-${1#$TMP/}}: a raw control or non-ASCII byte: $why"
	fi
}

show_file() {
	if [ -e "$1" ]; then
		head -n 40 "$1" | sed 's/^/    > /'
	else
		echo "    (no file $1)"
	fi
}

# ---------------------------------------------------------------- summary

# summary_rows FILE: the lines of the master's summary table after its header
# (the header has NAME ADDRESS START DURATION STATUS in that order).
summary_rows() {
	awk '/NAME.*ADDRESS.*START.*DURATION.*STATUS/ { on = 1; next } on' "$1"
}

# assert_summary FILE NAME...: a summary header, and a row for each NAME
# (the row's first word is the name).
assert_summary() {
	local file=$1 name
	shift
	if grep -qE 'NAME.*ADDRESS.*START.*DURATION.*STATUS' "$file"; then
		pass "summary header present"
	else
		fail "no summary header (NAME ADDRESS START DURATION STATUS) in:"
		show_file "$file"
		return
	fi
	for name in "$@"; do
		if summary_rows "$file" | awk -v n="$name" '$1 == n { f = 1 } END { exit !f }'; then
			pass "summary has a row for $name"
		else
			fail "summary: no row for '$name' in:"
			summary_rows "$file" | sed 's/^/    > /'
		fi
	done
}

# summary_row FILE NAME: that slave's row.
summary_row() {
	summary_rows "$1" | awk -v n="$2" '$1 == n'
}

# ---------------------------------------------------------------- namespaces

netns_add() {	# netns_add NAME: create, remember for teardown, lo up
	ip netns add "$1" || return 1
	NETNS+=("$1")
	ip -n "$1" link set lo up
}

# netns_delete NAME: kill what still runs in it, then delete it.
netns_delete() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	ip netns del "$1" 2>/dev/null
	return 0
}

# netns_clean_stale PREFIX: delete the namespaces PREFIX-ROLE-PID left by an
# earlier run that was killed before its teardown (its PID is gone, or is
# ours: call this before the test makes any, and a run killed long ago whose
# PID we were given again cannot make ours fail with "File exists").
netns_clean_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in
		"$1"-*-*)
			pid=${ns##*-}
			case $pid in *[!0-9]*|"") continue ;; esac
			if [ "$pid" = $$ ] || ! kill -0 "$pid" 2>/dev/null; then
				echo "removing leftover namespace $ns"
				netns_delete "$ns"
			fi
			;;
		esac
	done
}

# netns_bridge NS: a namespace holding bridge br0, up (skips if it cannot).
netns_bridge() {
	netns_add "$1" || skip "cannot create network namespaces"
	ip -n "$1" link add br0 type bridge || skip "no bridge support"
	ip -n "$1" link set br0 up
}

# netns_host BRIDGE_NS NS ADDR/LEN PORTNAME: namespace NS with eth0 (ADDR)
# on BRIDGE_NS's br0 through a veth pair whose bridge end is PORTNAME.
netns_host() {
	netns_add "$2" || return 1
	ip -n "$1" link add "$4" type veth peer name eth0 netns "$2" || return 1
	ip -n "$1" link set "$4" master br0 up
	ip -n "$2" addr add "$3" brd + dev eth0
	ip -n "$2" link set eth0 up
}
