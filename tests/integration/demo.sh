#!/bin/bash
# demo: tools/demo (make demo) runs a master and four slaves on loopback,
# shows the tasks' progress, the summary and where the results file is, and
# cleans up after itself: its work directory is gone and none of the
# processes it started is left.  (Not on a terminal here: the progress shows
# as the tasks' lines, --follow; on a terminal it is the live status block.)
. "$(dirname "$0")/../lib.sh"
require_bins

out=$TMP/demo.out
timeout -k 5 90 "$SYNEXEC_TOP/tools/demo" "$SYNEXEC_BINDIR" >"$out" 2>&1
rc=$?
cat "$out"
assert_eq 0 "$rc" "demo exit code"

for n in ant bee cat dog; do
	assert_matches "$out" "^$n: working\.\.\. step [1-5]/5$" "progress of $n"
	assert_matches "$out" "^finished: $n \(127\.0\.0\.1:[0-9]+\): exit 0" \
	    "finish line of $n"
done
assert_summary "$out" ant bee cat dog
assert_matches "$out" '^4 slaves: 4 exited 0, 0 failed, 0 lost' "totals"
results=$(sed -n 's/^==> the results file: //p' "$out" | tail -n 1)
[ -n "$results" ] || fail "the demo does not say where the results file is"
assert_contains "$out" "results written to $results" "master's log"
if command -v jq >/dev/null || command -v python3 >/dev/null; then
	# name, exit status, duration, reports, last progress per slave.
	for n in ant bee cat dog; do
		assert_matches "$out" "^    $n[[:space:]]+exit 0[[:space:]].*[[:space:]][1-9][0-9]*( reports)?[[:space:]]+(last progress: )?step 5/5$" \
		    "results of $n (reports received, last progress)"
	done
fi

# The picture: drawn, and where it is said (a PNG, kept), or which package
# to install.
png=$(sed -n 's/^==> the plot of this session: //p' "$out")
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	[ -n "$png" ] && pass "the demo says where its plot is: $png" ||
	    fail "the demo does not say where its plot is"
	if [ -n "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		pass "$png is a PNG"
	else
		fail "no PNG at '$png'"
	fi
else
	assert_contains "$out" "apt-get install python3-matplotlib" \
	    "the demo without matplotlib: the package to install"
fi

# Clean-up: the work directory and every process.
dir=$(sed -n 's/^    work dir //p' "$out" | head -n 1)
case $dir in
"${TMPDIR:-/tmp}"/synexec-demo.*) assert_no_file "$dir" "the demo's work dir" ;;
*) fail "the demo did not say its work dir (got '$dir')" ;;
esac
pids=$(sed -n 's/.*  pid \([0-9][0-9]*\)  output.*/\1/p' "$out")
assert_eq 4 "$(echo "$pids" | wc -w)" "slave pids the demo printed"
for p in $pids; do
	if kill -0 "$p" 2>/dev/null &&
	    grep -q synexec_slave "/proc/$p/cmdline" 2>/dev/null; then
		fail "slave $p still runs after the demo"
		kill -TERM "$p"
	else
		pass "slave $p is gone"
	fi
done

finish
