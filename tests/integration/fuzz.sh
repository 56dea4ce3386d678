#!/bin/bash
# fuzz: a bounded libFuzzer run of each target (the codec, the master's slave
# connections, the slave's master connection), FUZZ_CHECK_SECONDS each
# (default 20), from the seed corpus in tests/fuzz/corpus.  Needs the targets
# `make check` builds when clang is there (make fuzz-if-clang); SKIP
# otherwise.  (The seeds and regression inputs themselves are replayed
# without clang by the replay_* unit tests.)
#
# What fails the test is a finding: a crash, leak, time-out or allocation
# over the limit that its saved input alone reproduces (each is run again,
# up to FUZZ_REPRO_TRIES times).  The input is kept in
# build/fuzz/found-NAME/: fix the bug, then add it to tests/fuzz/regress/NAME/
# and the replay unit tests replay it from then on.  What is not a finding
# SKIPs, saying why: the harness's own trouble (it prints "SKIP: harness
# trouble" and the errno text and exits 77), or a report that its input does
# not reproduce (kept in build/fuzz/unreproduced-NAME/ for a look), or a
# run killed from outside.  The harnesses of the conn targets must leave no
# TIME_WAIT behind on their loopback port (they would use up the ports of
# a long run): more than a few is a failure of the harness.
. "$(dirname "$0")/../lib.sh"

SECS=${FUZZ_CHECK_SECONDS:-20}
TRIES=${FUZZ_REPRO_TRIES:-3}
FUZZDIR=$SYNEXEC_TOP/build/fuzz
CRASH_EXIT=99		# libFuzzer's -error_exitcode (77 is the harness's)
ran=0
troubles=()

# repro NAME TARGET FILE: true if FILE alone makes TARGET fail again; its
# report in $TMP/NAME.repro.
repro() {
	local i
	for i in $(seq 1 "$TRIES"); do
		timeout -k 5 120 "$2" -timeout=60 -rss_limit_mb=2048 \
		    -error_exitcode=$CRASH_EXIT "$3" >"$TMP/$1.repro" 2>&1
		case $? in
		0|77|124|137) ;;
		*) return 0 ;;
		esac
	done
	return 1
}

# The lines of a libFuzzer report that say what happened (the harness's own
# messages included), at most 12.
report_lines() {
	grep -E '^fuzz_[a-z_]+: |ERROR|SUMMARY|ALARM|out-of-memory|#[0-9]+ 0x.* in [^ ]+ [^ ]+\.[ch]:[0-9]' \
	    "$1" | grep -vE 'harness listens on| in (fuzzer::|__sanitizer)| (nptl|stdlib|signal|csu)/' |
	    head -n 12
}

for name in proto master_conn slave_conn; do
	t=$FUZZDIR/fuzz_$name
	if [ ! -x "$t" ]; then
		echo "no $t (clang missing?)"
		continue
	fi
	ran=$((ran + 1))
	note "fuzzing $name for $SECS s"
	mkdir -p "$TMP/corpus-$name" "$TMP/crash-$name"
	log=$TMP/$name.fuzzlog
	# The seed corpus is read, never written: new inputs go to $TMP.
	started=$(date +%s)
	timeout -k 5 $((SECS + 90)) "$t" -max_total_time="$SECS" \
	    -max_len=70000 -timeout=30 -rss_limit_mb=2048 \
	    -error_exitcode=$CRASH_EXIT -artifact_prefix="$TMP/crash-$name/" \
	    "$TMP/corpus-$name" "$SYNEXEC_TOP/tests/fuzz/corpus/$name" \
	    >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$log" | tail -n 2
	if [ $rc = 0 ]; then
		pass "$name: no crash in $SECS s"
	elif [ $rc = 77 ] && grep -q 'SKIP: harness trouble' "$log"; then
		why=$(grep -m1 'SKIP: harness trouble' "$log")
		echo "$why"
		troubles+=("$name: ${why#*SKIP: }")
	else
		found=0
		# (slow-unit-* is only libFuzzer's note of a slow input)
		for f in "$TMP/crash-$name"/{crash,leak,timeout,oom}-*; do
			[ -e "$f" ] || continue
			found=1
			if repro "$name" "$t" "$f"; then
				keep=$FUZZDIR/found-$name
				mkdir -p "$keep"
				cp "$f" "$keep/"
				fail "$name: libFuzzer exit $rc, and its input" \
				    "alone does it again: build/fuzz/found-$name/$(basename "$f")" \
				    "($(report_lines "$TMP/$name.repro" | head -n 1))"
				report_lines "$TMP/$name.repro"
				echo "fix it, then add the input to tests/fuzz/regress/$name/"
			else
				keep=$FUZZDIR/unreproduced-$name
				mkdir -p "$keep"
				cp "$f" "$keep/"
				echo "$name: libFuzzer exit $rc; not reproduced by" \
				    "its input in $TRIES runs (kept" \
				    "build/fuzz/unreproduced-$name/$(basename "$f")):"
				report_lines "$log"
				troubles+=("$name: libFuzzer exit $rc not reproduced by its input ($(report_lines "$log" | head -n 1))")
			fi
		done
		if [ $found = 0 ]; then
			# Killed from outside (time-out, OOM killer): no input.
			echo "$name: libFuzzer exit $rc and no input saved:"
			tail -n 5 "$log"
			troubles+=("$name: libFuzzer exit $rc, no input saved ($(tail -n 1 "$log"))")
		fi
	fi
	# TIME_WAIT on the harness's own port (only the conn targets have one),
	# left since the run began: a TIME_WAIT lasts 60 s, and those that have
	# less left than that minus the run's length are older than our
	# listener (another process had the port before: not ours to count).
	port=$(sed -n 's/^fuzz_[a-z_]*: harness listens on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$log" | head -n 1)
	if [ -n "$port" ]; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
		tw=$(ss -Htano state time-wait "( sport = :$port or dport = :$port )" |
		    awk -v min=$((60 - ($(date +%s) - started) - 2)) '
		    match($0, /timewait,[0-9]+sec/) {
			if (substr($0, RSTART + 9, RLENGTH - 12) + 0 >= min) n++
		    }
		    END { print n + 0 }')
		if [ "$tw" -gt 100 ] && [ "$tw" -gt $((${runs:-0} / 100)) ]; then
			fail "$name: the harness left $tw connections in TIME_WAIT" \
			    "on its port $port after ${runs:-?} runs"
		else
			pass "$name: $tw connections in TIME_WAIT on the harness's port after ${runs:-?} runs"
		fi
	fi
done
[ $ran = 0 ] && skip "no fuzz targets built (libFuzzer needs clang)"
if [ $FAILS = 0 ] && [ ${#troubles[@]} -gt 0 ]; then
	why=$(printf '%s; ' "${troubles[@]}")
	skip "${why%; }"
fi
finish
