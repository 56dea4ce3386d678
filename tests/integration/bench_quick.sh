#!/bin/bash
# bench_quick: the benchmarks keep working.  Runs what `make bench-quick`
# runs (bench/run --quick: loopback only, master -i lo), bounded to 60 s, and
# checks that it completes and prints its table with every figure.  The
# figures themselves are not judged: this machine is shared and noisy.
. "$(dirname "$0")/../lib.sh"
require_bins
tools=$SYNEXEC_TOP/build/bench
for t in probe floor wall tcpcopy idle swarm; do
	if [ ! -x "$tools/$t" ]; then
		fail "no $tools/$t (make bench-tools builds it; make check does)"
		finish
	fi
done

note "bench/run --quick"
timeout -k 5 60 "$PYTHON" "$SYNEXEC_TOP/bench/run" --quick \
    --bindir "$SYNEXEC_BINDIR" --tools "$tools" --out "$TMP/table" \
    >"$TMP/bench.out" 2>"$TMP/bench.err"
rc=$?
assert_eq 0 "$rc" "bench/run --quick exit code (124: took over 60 s)"
[ "$rc" = 0 ] || tail -n 20 "$TMP/bench.err"
assert_matches "$TMP/bench.out" '^figure +N +synexec med \[min\.\.max\] +floor'
for figure in "start spread (ms)" "session wall time (ms)" \
    "join latency, broadcast (ms)" "join latency, -m (ms)" \
    "join, --hosts, slaves up (ms)" "join, -m after 1 s idle (ms)" \
    "swarm: whole session (ms)" "swarm: master peak RSS (KiB)" \
    "payload 16 MiB x 8: aggregate MiB/s" "payload: slave peak RSS (KiB)" \
    "idle slave anon RSS (KiB)"; do
	assert_matches "$TMP/bench.out" "^$(printf '%s' "$figure" |
	    sed 's/[][().*+]/\\&/g') +[0-9a-z]+ +[0-9]"
done
assert_not_contains "$TMP/bench.out" "FAILED"
cmp -s "$TMP/bench.out" "$TMP/table" && pass "--out has the same table" ||
    fail "--out FILE differs from the printed table"
finish
