#!/bin/bash
# fuzz: a bounded libFuzzer run of each target (the codec, the master's slave
# connections, the slave's master connection), FUZZ_CHECK_SECONDS each
# (default 20), from the seed corpus in tests/fuzz/corpus.  Needs the targets
# `make check` builds when clang is there (make fuzz-if-clang); SKIP
# otherwise.  A crash fails the test and keeps its input: copy it to
# tests/fuzz/regress/NAME/ and the replay unit tests replay it from then on.
# (The seeds and regression inputs themselves are replayed without clang by
# the replay_* unit tests.)
. "$(dirname "$0")/../lib.sh"

SECS=${FUZZ_CHECK_SECONDS:-20}
FUZZDIR=$SYNEXEC_TOP/build/fuzz
ran=0
for name in proto master_conn slave_conn; do
	t=$FUZZDIR/fuzz_$name
	if [ ! -x "$t" ]; then
		echo "no $t (clang missing?)"
		continue
	fi
	note "fuzzing $name for $SECS s"
	mkdir -p "$TMP/corpus-$name" "$TMP/crash-$name"
	# The seed corpus is read, never written: new inputs go to $TMP.
	timeout -k 5 $((SECS + 60)) "$t" -max_total_time="$SECS" \
	    -max_len=70000 -timeout=20 -rss_limit_mb=2048 \
	    -artifact_prefix="$TMP/crash-$name/" \
	    "$TMP/corpus-$name" "$SYNEXEC_TOP/tests/fuzz/corpus/$name" \
	    >"$TMP/$name.fuzzlog" 2>&1
	rc=$?
	grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$TMP/$name.fuzzlog" | tail -n 2
	if [ $rc = 0 ]; then
		pass "$name: no crash in $SECS s"
	else
		fail "$name: libFuzzer exit $rc"
		grep -m 20 -E 'ERROR|SUMMARY|#[0-9]+ 0x|Test unit written|deadly' \
		    "$TMP/$name.fuzzlog"
		for f in "$TMP/crash-$name"/*; do
			[ -e "$f" ] || continue
			mkdir -p "$SYNEXEC_TOP/build/fuzz/found-$name"
			cp "$f" "$SYNEXEC_TOP/build/fuzz/found-$name/"
			echo "kept build/fuzz/found-$name/$(basename "$f"):" \
			    "fix it, then add it to tests/fuzz/regress/$name/"
		done
	fi
	ran=$((ran + 1))
done
[ $ran = 0 ] && skip "no fuzz targets built (libFuzzer needs clang)"
finish
