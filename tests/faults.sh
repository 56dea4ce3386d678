# tests/faults.sh - helpers of the fault-injection tests (source it after
# lib.sh): the real master behind run_master's time-out wrapper, the process
# table, /proc figures, milliseconds.
#
# Task processes are found by a marker unique to the test run: a sleep with
# an unusual duration ($MARK, e.g. "sleep 41.12345"), so that pgrep -f finds
# exactly the processes of our tasks and nothing else on the host.

# The PID and a random number: PIDs come round again soon (pid_max may be
# 32768), and a task of a killed run may still sleep.
MARK_SECS=$((40 + $$ % 50)).$(printf '%07d%05d' $$ $RANDOM)	# 57.001234509876
MARK="sleep $MARK_SECS"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The master itself (start_master's MASTER_PID is its time-out wrapper).
master_real_pid() {
	pgrep -P "$MASTER_PID" -x synexec_master | head -n 1
}

# Pids of processes whose command line has $1 (default $MARK).
marker_pids() {
	pgrep -f -- "${1:-$MARK}" 2>/dev/null
}

no_marker_procs() { [ -z "$(marker_pids "${1:-$MARK}")" ]; }

# task_procs_at_least N: at least N processes of our tasks run (a function,
# not "bash -c pgrep ...", whose own command line would hold the marker).
task_procs_at_least() { [ "$(marker_pids | wc -l)" -ge "$1" ]; }

# assert_no_task_procs WHAT [SECS=0] [MARKER]: within SECS, no process of
# our tasks is left; else fail, show them and kill them.
assert_no_task_procs() {
	local what=$1 secs=${2:-0} marker=${3:-$MARK} pids
	if wait_until "$secs" no_marker_procs "$marker"; then
		pass "$what: no task process left ('$marker')"
		return 0
	fi
	pids=$(marker_pids "$marker")
	fail "$what: task processes still running after ${secs} s:"
	ps -o pid,pgid,stat,args -p $(echo $pids | tr ' ' ',') 2>/dev/null |
	    sed 's/^/    > /'
	kill -KILL $pids 2>/dev/null
	return 1
}

# pids_absent PID...: none of these is in the process table.  Stricter than
# pgrep -f: a zombie (dead, not reaped yet, empty command line) still counts,
# as it does for ps, pgrep -x and kill -0.
pids_absent() {
	local p
	for p in "$@"; do
		[ -e "/proc/$p" ] && return 1
	done
	return 0
}

# assert_pids_gone WHAT SECS PID...: within SECS, none of PID... is left,
# zombies included; else fail, show them and kill them.
assert_pids_gone() {
	local what=$1 secs=$2
	shift 2
	if wait_until "$secs" pids_absent "$@"; then
		pass "$what: none of the $# task processes left, zombies included"
		return 0
	fi
	fail "$what: task processes still in the process table after ${secs} s:"
	ps -o pid,ppid,pgid,stat,args -p "$(echo "$@" | tr ' ' ,)" 2>/dev/null |
	    sed 's/^/    > /'
	kill -KILL "$@" 2>/dev/null
	return 1
}

kill_marker_procs() {
	local pids
	pids=$(marker_pids "${1:-$MARK}")
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	return 0
}

# /proc figures of a live process.
proc_nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
proc_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# assert_le A B WHAT: A <= B (integers).
assert_le() {
	if [ "$1" -le "$2" ]; then
		pass "$3: $1 <= $2"
	else
		fail "$3: expected at most $2, got $1"
	fi
}

assert_ge() {
	if [ "$1" -ge "$2" ]; then
		pass "$3: $1 >= $2"
	else
		fail "$3: expected at least $2, got $1"
	fi
}

# row_matches NAME ERE [WHAT]: NAME's row of the master's summary matches.
row_matches() {
	local what="$1's summary row"
	summary_row "$MASTER_OUT" "$1" >"$TMP/row.$1.txt"
	assert_matches "$TMP/row.$1.txt" "$2" "${3:-$what}"
}

# results_check FILE WHAT EXPR: the Python expression EXPR is true of the
# results document (-r) FILE, parsed as r; slave(NAME) is that slave's entry.
results_check() {
	local out
	out=$("$PYTHON" - "$1" "$3" 2>&1 <<-'EOF'
	import json, sys
	r = json.load(open(sys.argv[1]))
	def slave(name):
	    return [s for s in r['slaves'] if s['name'] == name][0]
	sys.exit(0 if eval('(' + sys.argv[2] + ')') else 1)
	EOF
	)
	if [ $? = 0 ]; then
		pass "$2"
	else
		fail "$2: not true of $1: $3 ${out:+($out)}"
		show_file "$1"
	fi
}

# line_no FILE FIXED: the number of the first line containing FIXED (or 0).
line_no() {
	grep -nF -- "$2" "$1" 2>/dev/null | head -n 1 | cut -d: -f1 | grep . ||
	    echo 0
}

# Are these binaries built with AddressSanitizer (make check SAN=1)?
san_build() {
	case $SYNEXEC_BINDIR in */build/san*) return 0 ;; esac
	ldd "$SLAVE_BIN" 2>/dev/null | grep -q libasan
}

# Teardown: no task of ours may outlive the test (then lib.sh's teardown,
# which sees the test's own exit status).
trap '__rc=$?; kill_marker_procs; (exit $__rc); teardown' EXIT
