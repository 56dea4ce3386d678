#!/bin/bash
# plot: tools/synexec_plot draws real sessions of the real binaries on
# loopback, as PNG, SVG and PDF, and the files are checked (not only made):
#   - a session of 4 slaves where one task exits 3 and one slave is killed
#     (-9) while its task runs: the SVG holds each slave's name and the
#     outcome counts (2 exit 0, 1 failed, 1 lost) in its legend; the PNG is
#     1200 pixels wide, as tall as the tool says, and not blank; the PDF is
#     a PDF.  The tasks write two metrics (metric lines on their progress
#     channel): the master's results hold their series, and the picture a
#     panel per metric, per slave and total, taller than the same document
#     without them;
#   - the master's --plot draws the same at the end of a session, with -r
#     and without (a private results file, gone after), says where; an
#     error of synexec_plot (no matplotlib) is said and the master's exit
#     code stays the session's;
#   - 500 slaves made from that real document (500 real slaves would be too
#     slow here; their series SYNTHETIC, tests/plotfiles.py): the
#     timeline's rows are bands "slaves 1-17" ...
#     "slaves 494-500", and the legend counts each outcome as the document
#     has it (counted here independently);
#   - 500 slaves of the real master driven by bench/swarm (when built, as
#     `make check` does): a real master's document at that scale;
#   - a campaign of 3 runs of the real master (--repeat 3, a metric that
#     grows run by run, a task that fails in run 2): its --plot draws the
#     campaign at its end ("plot of the campaign"); synexec_plot draws its
#     document as PNG and SVG: outcomes, durations and metrics per run (box
#     plots, the mean a diamond), the campaign's statistics across runs
#     under each title (the CV as the document has it), the last run's
#     timeline; a campaign cut short says "2 of 5 runs";
#   - members null as the master writes them for a 2014 slave, one not
#     started, one still running, one lost before reporting, and hostile
#     names (mathtext, control bytes, 200 characters) drawn inert;
#   - errors: no -o, an output name that is not .png/.svg/.pdf, a missing
#     file, bad JSON, a JSON document that is not synexec's, a bad run of a
#     campaign, a missing output directory: exit 1, one line naming the file,
#     no output file; without matplotlib it names the package to install.
# SYNEXEC_PLOT_DIR=DIR keeps the three PNGs of bench/plots/ there.
. "$(dirname "$0")/../lib.sh"
require_bins

PLOT=$SYNEXEC_TOP/tools/synexec_plot
FILES=$SYNEXEC_TOP/tests/plotfiles.py
[ -x "$PLOT" ] || { fail "no executable $PLOT"; finish; }
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 (apt-get install python3)"
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
    skip "no matplotlib (apt-get install python3-matplotlib; make check installs it)"

# plot WHAT DOC OUT...: synexec_plot DOC -o OUT..., exit 0 expected; its
# stdout in $TMP/plot.out.
plot() {
	local what=$1 doc=$2 o args=()
	shift 2
	for o in "$@"; do args+=(-o "$o"); done
	timeout -k 5 120 "$PLOT" "$doc" "${args[@]}" >"$TMP/plot.out" 2>"$TMP/plot.err"
	local rc=$?
	cat "$TMP/plot.out" "$TMP/plot.err"
	assert_eq 0 "$rc" "$what: synexec_plot exit code"
}

# check_png WHAT FILE: 1200 pixels wide, as tall as synexec_plot said, not
# blank (many byte values, most rows drawn on).
check_png() {
	local said got w h distinct inked
	said=$(sed -n "s|^synexec_plot: wrote $2 (PNG, \([0-9]*x[0-9]*\) pixels)$|\1|p" \
	    "$TMP/plot.out")
	got=$("$PYTHON" "$FILES" png "$2") || { fail "$1: $got"; return; }
	read -r w h distinct inked <<<"$got"
	echo "$1: $w x $h pixels, $distinct byte values, $inked% of rows inked"
	assert_eq 1200 "$w" "$1: PNG width"
	assert_eq "$said" "${w}x$h" "$1: PNG size, as synexec_plot said"
	[ "$h" -ge 300 ] && [ "$h" -le 8000 ] && pass "$1: height $h in 300..8000" ||
	    fail "$1: height $h outside 300..8000"
	[ "$distinct" -ge 64 ] && pass "$1: not blank ($distinct byte values)" ||
	    fail "$1: $distinct byte values: blank?"
	awk -v i="$inked" 'BEGIN { exit !(i >= 20) }' &&
	    pass "$1: $inked% of rows drawn on" || fail "$1: only $inked% of rows drawn on"
	PNG_H=$h
}

# check_svg WHAT FILE TEXT...: each TEXT is in a <text> of the SVG.
check_svg() {
	local what=$1 file=$2 out
	shift 2
	if out=$("$PYTHON" "$FILES" svg "$file" "$@"); then
		pass "$what: $out"
	else
		fail "$what: $out"
	fi
}

keep_png() {	# keep_png FILE NAME: for bench/plots/
	[ -n "${SYNEXEC_PLOT_DIR:-}" ] && cp "$1" "$SYNEXEC_PLOT_DIR/$2"
	return 0
}

# A matplotlib that cannot be imported, first in the module path.
mkdir -p "$TMP/nompl/matplotlib"
echo 'raise ImportError("No module named matplotlib (test)")' \
    >"$TMP/nompl/matplotlib/__init__.py"

# ------------------------------------------------------------------ sessions
# One session file for every run: its pause, the slave that exits 3 and a
# tag are read from $TMP/knob when the task starts ($TMP/knob.RUN in a
# campaign: each run's own).
names="alpha bravo charlie delta"
for n in $names; do start_slave $n; done
wait_slaves_ready
make_conf "$TMP/plot.session" '/bin/bash :CONF:' \
    "knob=$TMP/knob" \
    '[ "$SYNEXEC_RUNS" = 1 ] || knob=$knob.$SYNEXEC_RUN' \
    'read pause failing tag <"$knob"' \
    'echo "started $tag"' \
    'for i in 1 2 3 4; do' \
    '	echo "step $i/4" >&"$SYNEXEC_PROGRESS_FD"' \
    '	echo "metric ops=$((i * 1000 * (SYNEXEC_SLAVE_INDEX + 2) + SYNEXEC_RUN * 600)) ops" >&"$SYNEXEC_PROGRESS_FD"' \
    '	echo "metric latency_ms=1.$((SYNEXEC_SLAVE_INDEX + i)) ms" >&"$SYNEXEC_PROGRESS_FD"' \
    '	echo "step $i $tag"' \
    '	sleep "$pause"' \
    'done' \
    'sleep "0.0$SYNEXEC_SLAVE_INDEX"' \
    '[ "$SYNEXEC_SLAVE_NAME" = "$failing" ] && exit 3' \
    'exit 0'

# The master finds synexec_plot beside it or in tools/ beside it (the
# source tree); a build elsewhere (SAN=1: build/san) is told where it is.
if [ ! -x "$SYNEXEC_BINDIR/synexec_plot" ] &&
    [ ! -x "$SYNEXEC_BINDIR/tools/synexec_plot" ]; then
	export SYNEXEC_PLOT=$PLOT
fi

note "a campaign of 3 runs, drawn by the master's --plot at its end"
# Slower each run, ops higher each run, charlie fails in the second.
echo "0.10 none run1" >"$TMP/knob.0"
echo "0.15 charlie run2" >"$TMP/knob.1"
echo "0.20 none run3" >"$TMP/knob.2"
run_master -R 0.1 --repeat 3 -r "$TMP/campaign.json" \
    --plot "$TMP/bymaster.svg" 4 "$TMP/plot.session"
assert_exit 2 "campaign: master exit code (charlie exits 3 in run 2)"
assert_contains "$MASTER_OUT" "plot of the campaign: $TMP/bymaster.svg" \
    "campaign --plot: where the picture is"
assert_eq "1 3 3 complete,task failed,complete True" \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["synexec_campaign"], d["runs_done"], len(d["runs"]),
      ",".join(r["outcome"] for r in d["runs"]),
      d["statistics"]["ops"]["totals"]["n"] == 3)' "$TMP/campaign.json")" \
    "campaign: the master's document (3 runs, their outcomes, statistics)"
check_svg "campaign --plot" "$TMP/bymaster.svg" \
    "synexec campaign: 3 runs of plot.session: task failed (exit code 2)" \
    "slaves per run, by outcome" "last run (3): 4 slaves" $names

note "a session: bravo exits 3, delta is killed while its task runs"
echo "0.5 bravo lostrun" >"$TMP/knob"
start_master -R 0.1 -r "$TMP/lost.json" 4 "$TMP/plot.session"
# Killed after a few reports (1.5 s before its task would end): its bar
# goes to the last one.
wait_until 20 grep -q "step 2 lostrun" "$TMP/delta.out" ||
    fail "delta's task did not reach its second step"
kill -KILL "${SLAVE_PID[delta]}"
wait_master 30
assert_exit 3 "master exit code (a slave lost)"
jq_py() { "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$@"; }
assert_eq "alpha:exit 0 bravo:exit 3 charlie:exit 0 delta:lost" \
    "$(jq_py "$TMP/lost.json" '" ".join(sorted("%s:%s" % (s["name"], s["exit_status"] or s["state"]) for s in d["slaves"]))')" \
    "the session's outcomes in its results"
assert_eq "True" "$(jq_py "$TMP/lost.json" 'all(len(s["series"]) >= 2 and "ops" in s["metrics"] for s in d["slaves"]) and d["statistics"]["ops"]["n"] == 4 and d["statistics"]["duration_s"]["n"] == 3')" \
    "the results: every slave's series and metrics (delta, lost: its last known), the statistics"

# ------------------------------------------------------------------ plots
note "the 4-slave session: PNG, SVG and PDF"
plot "4 slaves" "$TMP/lost.json" "$TMP/lost.png" "$TMP/lost.svg" "$TMP/lost.pdf"
check_png "4 slaves" "$TMP/lost.png"
H4=$PNG_H
check_svg "4 slaves, names" "$TMP/lost.svg" $names
check_svg "4 slaves, legend and notes" "$TMP/lost.svg" "exit 0: 2" \
    "failed (exit not 0): 1" "lost: 1" "start instant" ", exit 3" \
    "timeline: 4 slaves" "spread: " \
    "seconds since the start instant (master's clock)" \
    "start minus the earliest start (µs)"
out=$("$PYTHON" "$FILES" pdf "$TMP/lost.pdf") && pass "4 slaves: $out" ||
    fail "4 slaves: $out"
keep_png "$TMP/lost.png" session-4-slaves.png

note "its metrics over time: a panel each, taller than without them"
check_svg "metrics" "$TMP/lost.svg" $names "ops per slave" \
    "ops, total over 4 slaves" "latency_ms per slave" "ops (ops)" \
    "total latency_ms (ms)"
"$PYTHON" "$FILES" strip "$TMP/lost.json" "$TMP/bare.json" ||
    fail "cannot strip the series"
plot "no metrics" "$TMP/bare.json" "$TMP/bare.png"
check_png "no metrics" "$TMP/bare.png"
[ "$H4" -gt "$PNG_H" ] && pass "metrics: taller than without ($H4 > $PNG_H)" ||
    fail "metrics: $H4 pixels tall, not more than $PNG_H without metrics"

note "the master's --plot, with -r and without"
start_slave delta	# killed above
wait_slaves_ready
echo "0.05 none plotrun" >"$TMP/knob"
run_master -R 0.1 -r "$TMP/byr.json" --plot "$TMP/byr.svg" 4 "$TMP/plot.session"
assert_exit 0 "master --plot -r: exit code"
assert_contains "$MASTER_OUT" "plot of the session: $TMP/byr.svg" \
    "--plot -r: where the picture is"
check_svg "--plot -r" "$TMP/byr.svg" $names "ops per slave" "exit 0: 4"
tmpdir=$TMP/tmpdir
mkdir -p "$tmpdir"
TMPDIR=$tmpdir run_master -R 0.1 --plot "$TMP/nor.png" 4 "$TMP/plot.session"
assert_exit 0 "master --plot without -r: exit code"
assert_contains "$MASTER_OUT" "plot of the session: $TMP/nor.png" \
    "--plot without -r: where the picture is"
got=$("$PYTHON" "$FILES" png "$TMP/nor.png") && [ "${got%% *}" = 1200 ] &&
    pass "--plot without -r: a PNG 1200 pixels wide ($got)" ||
    fail "--plot without -r: $TMP/nor.png: $got"
assert_eq "" "$(ls -A "$tmpdir")" "the private results file and its directory, gone"
# No matplotlib: said, with the package; the exit code is the session's.
echo "0.05 bravo plotfail" >"$TMP/knob"
PYTHONPATH=$TMP/nompl run_master -R 0.1 --plot "$TMP/nompl.png" 4 "$TMP/plot.session"
assert_exit 2 "master --plot without matplotlib: the session's exit code (bravo exits 3)"
assert_contains "$MASTER_ERR" "no plot: synexec_plot: matplotlib is not installed" \
    "--plot without matplotlib: why"
assert_contains "$MASTER_ERR" "apt-get install python3-matplotlib" \
    "--plot without matplotlib: the package"
assert_no_file "$TMP/nompl.png" "the picture without matplotlib"

note "500 slaves made from the real session"
"$PYTHON" "$FILES" swarm "$TMP/lost.json" 500 "$TMP/swarm.json" ||
    fail "cannot make 500 slaves"
plot "500 slaves" "$TMP/swarm.json" "$TMP/swarm.png" "$TMP/swarm.svg"
check_png "500 slaves" "$TMP/swarm.png"
bands=()
for lo in $(seq 1 17 500); do
	hi=$((lo + 16)); [ $hi -gt 500 ] && hi=500
	bands+=("slaves $lo-$hi")
done
check_svg "500 slaves, the ${#bands[@]} bands" "$TMP/swarm.svg" "${bands[@]}"
# The counts, from the document, by this test's own reading of it.
counts=$(jq_py "$TMP/swarm.json" '"|".join("%s: %d" % (k, n) for k, n in __import__("collections").Counter(
    "exit 0" if s["exit_status"] == "exit 0" else
    "failed (exit not 0)" if (s["exit_status"] or "").startswith("exit ") else
    "killed by a signal" if (s["exit_status"] or "").startswith("signal ") else
    "not started" if s["exit_status"] == "not started" else s["state"]
    for s in d["slaves"]).items())')
IFS='|' read -r -a want <<<"$counts"
echo "outcomes in the document: ${want[*]}"
[ "${#want[@]}" -ge 4 ] || fail "the 500 slaves have only ${#want[@]} outcomes"
with=$(jq_py "$TMP/swarm.json" 'sum(1 for s in d["slaves"] if s.get("series"))')
check_svg "500 slaves, outcome counts" "$TMP/swarm.svg" "${want[@]}" \
    "timeline: 500 slaves" "ops, total over $with slaves"
if grep -q '>s0250<' "$TMP/swarm.svg"; then
	fail "500 slaves: a slave's own name is a row label (rows should be bands)"
else
	pass "500 slaves: rows are bands, not names"
fi
keep_png "$TMP/swarm.png" swarm-500-slaves.png

SWARM=$SYNEXEC_TOP/build/bench/swarm
if [ -x "$SWARM" ]; then
	note "500 slaves of bench/swarm and the real master"
	make_conf "$TMP/true.session" '/bin/true'
	"$SWARM" -p "$PORT" -S 127.0.0.2 -n 4 -t 60 -q 500 >"$TMP/swarm.log" 2>&1 &
	track $!
	run_master -w 60 -r "$TMP/real500.json" 500 "$TMP/true.session"
	assert_exit 0 "master with 500 swarm slaves"
	plot "real 500" "$TMP/real500.json" "$TMP/real500.svg"
	check_svg "real 500, bands and counts" "$TMP/real500.svg" \
	    "slaves 1-17" "slaves 494-500" "exit 0: 500"
else
	echo "note: no $SWARM (make bench-tools): the real 500-slave document is not drawn"
fi

note "the campaign of 3 runs: PNG and SVG"
plot "campaign" "$TMP/campaign.json" "$TMP/campaign.png" "$TMP/campaign.svg"
check_png "campaign" "$TMP/campaign.png"
# Under each box panel's title, the campaign's statistics across runs: the
# CV of the runs' mean ops, as the document has it (in per cent, three
# significant digits).
cv=$("$PYTHON" -c 'import json, sys
print("%.3g%%" % (json.load(open(sys.argv[1]))["statistics"]["ops"]["means"]["cv"] * 100))' \
    "$TMP/campaign.json")
check_svg "campaign" "$TMP/campaign.svg" "slaves per run, by outcome" \
    "duration across slaves, per run" "failed (exit not 0): 1" \
    "exit 0: 11" "last run (3): 4 slaves" "duration (s)" $names \
    "ops across slaves, per run" "latency_ms (ms)" \
    "boxes: a run's slaves (the middle half, the median), diamond: their mean, dots: each slave, coloured by its outcome" \
    "across runs: runs' means " ", CV $cv; totals " \
    "synexec campaign: 3 runs of plot.session: task failed (exit code 2)"
keep_png "$TMP/campaign.png" campaign-3-runs.png
# Cut short (2 of 5 planned): said in the title.
"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1])); d["runs_planned"] = 5; d["runs"].pop()
json.dump(d, open(sys.argv[2], "w"))' "$TMP/campaign.json" "$TMP/short.json"
plot "campaign cut short" "$TMP/short.json" "$TMP/short.svg"
check_svg "campaign cut short" "$TMP/short.svg" \
    "synexec campaign: 2 of 5 runs of plot.session"

note "null members, old slaves, hostile names; from standard input"
"$PYTHON" "$FILES" nulls "$TMP/lost.json" "$TMP/nulls.json" ||
    fail "cannot make the null document"
timeout -k 5 120 "$PLOT" - -o "$TMP/nulls.svg" <"$TMP/nulls.json" \
    >"$TMP/plot.out" 2>&1
assert_eq 0 $? "nulls: synexec_plot exit code"
cat "$TMP/plot.out"
check_svg "nulls" "$TMP/nulls.svg" old-2014 never busy gone \
    'unknown (2014 slave): 1' 'not started: 1' 'no result: 1' \
    'lost: 2' '$x^2$ \\alpha {y}' 'ctl\x1b]0;evil\x07\u202e' \
    "long-nnnnnnnnnnnnnnnnnnnnnnnn..."
if LC_ALL=C grep -q $'\x1b' "$TMP/nulls.svg"; then
	fail "nulls: an escape byte reached the SVG"
else
	pass "nulls: no escape byte in the SVG"
fi

# ------------------------------------------------------------------ errors
note "errors"
# refuse WHAT TEXT ARGS...: exit 1, stderr has TEXT, no $TMP/out.* made.
refuse() {
	local what=$1 text=$2 rc
	shift 2
	rm -f "$TMP"/out.*
	timeout -k 5 60 "$PLOT" "$@" >"$TMP/err.out" 2>"$TMP/err.err" </dev/null
	rc=$?
	assert_eq 1 "$rc" "$what: exit code"
	assert_contains "$TMP/err.err" "$text" "$what: stderr"
	[ "$(wc -l <"$TMP/err.err")" -le 3 ] && pass "$what: a short message" ||
	    fail "$what: $(wc -l <"$TMP/err.err") lines on stderr"
	ls "$TMP"/out.* "$TMP"/.synexec_plot.* >/dev/null 2>&1 &&
	    fail "$what: an output file was left" || pass "$what: no output file"
}
echo '{"synexec_results": 1, "slaves": [' >"$TMP/broken.json"
echo '{"hello": "world"}' >"$TMP/other.json"
echo '{"synexec_results": 2, "slaves": []}' >"$TMP/future.json"
"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1])); d["runs"][1] = 7
json.dump(d, open(sys.argv[2], "w"))' "$TMP/campaign.json" "$TMP/badrun.json"
refuse "no -o" "no output file given" "$TMP/lost.json"
refuse "a .jpg" "out.jpg: the output file's name must end in .png, .svg or .pdf" \
    "$TMP/lost.json" -o "$TMP/out.jpg"
refuse "no results file" "no results file given" -o "$TMP/out.png"
refuse "unknown option" "unknown option --bogus" --bogus "$TMP/lost.json" -o "$TMP/out.png"
refuse "a missing file" "cannot read $TMP/missing.json: No such file or directory" \
    "$TMP/missing.json" -o "$TMP/out.png"
refuse "bad JSON" "$TMP/broken.json: not JSON" "$TMP/broken.json" -o "$TMP/out.png"
refuse "not synexec's" "$TMP/other.json: not a synexec results document" \
    "$TMP/other.json" -o "$TMP/out.png"
refuse "a later format" "$TMP/future.json: synexec_results 2: a format this synexec_plot does not know" \
    "$TMP/future.json" -o "$TMP/out.svg"
refuse "a bad run" "$TMP/badrun.json: runs[1]: not a JSON object" \
    "$TMP/badrun.json" -o "$TMP/out.svg"
refuse "no directory" "cannot write $TMP/nodir/out.png: no directory $TMP/nodir" \
    "$TMP/lost.json" -o "$TMP/nodir/out.png"

# Without matplotlib.
PYTHONPATH=$TMP/nompl refuse "no matplotlib" \
    "matplotlib is not installed" "$TMP/lost.json" -o "$TMP/out.png"
assert_contains "$TMP/err.err" "apt-get install python3-matplotlib" \
    "no matplotlib: the package to install"

finish
