#!/bin/bash
# metrics: the task's "metric NAME=VALUE [UNIT]" lines, end to end, with the
# real binaries (NOTES section 5; README "Metrics", "Results file").
#  - four slaves whose tasks write metrics (units, a value changed: the
#    latest wins, one written just before the task exits), progress lines
#    between them, malformed lines, and one task 66 names: the results hold
#    each slave's final values, the progress text is never a metric line,
#    metric_errors hold the first malformed line and the first name beyond
#    64, once each, and the master's and the slaves' logs said each once;
#  - the statistics, recomputed here from the slaves' members with Python's
#    statistics module (n, sum, mean, pstdev, min and its slave, median, p95
#    by quantiles(method="inclusive"), max and its slave, unit), for
#    duration_s, cpu_s, max_rss_kib, start_late_s and each metric; the
#    summary's block says the same (each row's N, its slaves of MIN and MAX,
#    each number read back from its SI prefix);
#  - each slave's series: t in order, the last point finished, with the
#    final values; -R 3600 (no periodic report): the final values all the
#    same, from the REPORT before FINISHD;
#  - a campaign of 3 runs whose metrics come from SYNEXEC_RUN and the
#    index (one in a run only, one whose unit changes, one a slave lacks,
#    75 figures in a run: 7 beyond the 68 kept, said once): each run's
#    document holds its own metrics and series; the statistics across runs
#    (per figure its unit, the runs' totals and means: values, n, mean,
#    sample stddev, cv, min, max) recomputed here from the runs' slaves;
#    the summary's block says the same; the CSV's cells, metric:NAME
#    columns included, are the JSON's;
#  - capabilities (tests/metricspeer.py): an old master (WELCOME without
#    bit 1, with bits unknown to us) gets no METRICS from our slave, a new
#    one gets them, each right before a REPORT; an old slave (hello flags 0,
#    or unknown bits) is not asked, one that sends METRICS unasked is
#    dropped; a slave that sends 25,000 reports has a series of at most
#    10,000 points, thinned evenly.
. "$(dirname "$0")/../lib.sh"
require_bins
PEER=$SYNEXEC_TOP/tests/metricspeer.py

# --------------------------------------------------------- an old master
note "a master that does not ask (WELCOME flags without bit 1, unknown bits set)"
cat >"$TMP/task.sh" <<'EOF'
p() { echo "$*" >&"$SYNEXEC_PROGRESS_FD"; }
p "metric a=1 u"
sleep 0.3
p "metric bad=x"
p "metric a=2.5 u"
p "step"
p "metric final=42"
EOF
start_slave solo -s 6
wait_slaves_ready
for flags in 0xfffd 0x0003; do
	timeout -k 2 40 "$PYTHON" "$PEER" old-master --port "$PORT" --session 6 \
	    --flags $flags --script "$TMP/task.sh" >"$TMP/old.$flags.log" 2>&1
	rc=$?
	cat "$TMP/old.$flags.log"
	assert_eq 0 $rc "old-master --flags $flags: its checks"
done
# Asked: the final values, and the malformed line, came in METRICS.
assert_contains "$TMP/old.0x0003.log" "final=42.0" "METRICS: the final value"
assert_contains "$TMP/old.0x0003.log" "a=2.5 u" "METRICS: the latest value"
assert_contains "$TMP/old.0x0003.log" \
    '1: malformed metric line "metric bad=x": VALUE "x" is not a finite decimal number' \
    "METRICS: the malformed line"
assert_contains "$TMP/solo.log" 'malformed metric line "metric bad=x"' \
    "the slave's log says the malformed line"
assert_eq 2 "$(grep -c 'malformed metric line' "$TMP/solo.log")" \
    "the slave's log: once a session"
stop_slave solo

# --------------------------------------------------------- four slaves
for n in m0 m1 m2 m3; do start_slave $n; done
wait_slaves_ready
note "four tasks write metrics, progress lines and malformed lines"
make_conf "$TMP/metrics.session" '/bin/bash :CONF:' \
    'i=$SYNEXEC_SLAVE_INDEX' \
    'p() { echo "$*" >&"$SYNEXEC_PROGRESS_FD"; }' \
    'p "starting"' \
    'p "metric ops=$(( (i + 1) * 1000 )) ops"' \
    'p "metric	lat.p99=$i.5	ms"' \
    'sleep 0.4' \
    'p "step 1"' \
    'p "metric ops=$(( (i + 1) * 1500000 )) ops"' \
    'p "metric bad=1 two words"' \
    'p "metric x=0x10"' \
    'case $i in' \
    '0) for k in $(seq 1 66); do p "metric n$k=$k"; done ;;' \
    '1) p "metric neg=-3.5" ;;' \
    'esac' \
    'head -c $((i * 300000)) /dev/zero | cat >/dev/null' \
    'p "step 2"' \
    'p "metric final=$((i * 10 + 7))"'
run_master -R 0.1 -r "$TMP/m.json" 4 "$TMP/metrics.session"
assert_exit 0 "master exit code"
cat "$MASTER_OUT"

"$PYTHON" - "$TMP/m.json" >"$TMP/m.check" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
def want(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad += not cond
for s in d["slaves"]:
    i, m, e = s["index"], s["metrics"], s["metric_errors"]
    name = s["name"]
    want(s["progress"] == "step 2", "%s: progress %r (no metric line)"
         % (name, s["progress"]))
    want(m["ops"] == {"value": (i + 1) * 1500000, "unit": "ops"},
         "%s: ops, the latest, with its unit: %r" % (name, m["ops"]))
    want(m["lat.p99"] == {"value": i + 0.5, "unit": "ms"},
         "%s: lat.p99 (tabs between the words): %r" % (name, m["lat.p99"]))
    want(len([x for x in e if x.startswith("malformed metric line")]) == 1
         and 'malformed metric line "metric bad=1 two words": more than '
         'one word (the UNIT) after NAME=VALUE' in e[0],
         "%s: the first malformed line only: %r" % (name, e))
    if i == 0:
        want(len(m) == 64, "%s: 64 names kept (%d)" % (name, len(m)))
        want(m.get("n62") == {"value": 62, "unit": None}, "%s: n62" % name)
        want("n63" not in m and "final" not in m,
             "%s: n63 and final (names 65 and 66) refused" % name)
        want(len(e) == 2 and e[1].startswith('metric "n63" refused: a task '
             'keeps at most 64 metric names'),
             "%s: the 65th name said once: %r" % (name, e[1:]))
    else:
        want(m.get("final") == {"value": i * 10 + 7, "unit": None},
             "%s: final, written just before the exit: %r"
             % (name, m.get("final")))
        want(len(e) == 1, "%s: one complaint" % name)
    if i == 1:
        want(m.get("neg") == {"value": -3.5, "unit": None}, "%s: neg" % name)
    se = s["series"]
    want(len(se) >= 3 and len(se) <= s["reports"],
         "%s: %d points of %d reports" % (name, len(se), s["reports"]))
    want(all(a["t"] <= b["t"] for a, b in zip(se, se[1:])),
         "%s: the points in time order" % name)
    last = se[-1]
    want(last["state"] == "finished" and
         last["metrics"] == {k: v["value"] for k, v in m.items()},
         "%s: the last point finished, with the final values" % name)
    want(any(p["state"] == "running" and p["metrics"].get("ops") ==
             (i + 1) * 1000 for p in se),
         "%s: a point while running shows the first ops" % name)
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$TMP/m.check"
assert_eq 0 $rc "the slaves' metrics, errors and series in the results"
assert_eq 4 "$(grep -c "task's metrics: malformed metric line" "$MASTER_ERR")" \
    "the master's log: each slave's malformed line, once"
assert_eq 1 "$(grep -c "task's metrics: metric \"n63\" refused" "$MASTER_ERR")" \
    "the master's log: the 65th name, once"
for n in m0 m1 m2 m3; do
	assert_eq 1 "$(grep -c 'malformed metric line' "$TMP/$n.log")" \
	    "$n's log: the malformed line, once"
done

note "the statistics, recomputed from the slaves' members"
# figures RESULTS SUMMARY: every figure of "statistics" against Python's
# statistics module over the slaves' values; the summary's lines likewise.
"$PYTHON" - "$TMP/m.json" "$MASTER_OUT" >"$TMP/stats.check" 2>&1 <<'EOF'
import json, math, re, statistics as st, sys
d = json.load(open(sys.argv[1]))
summary = open(sys.argv[2]).read().splitlines()
bad = 0
def want(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad += not cond
def close(a, b):
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
def value(s, fig):
    if fig == "duration_s": return s["duration_s"], "s"
    if fig == "cpu_s":
        u, y = s["user_cpu_s"], s["system_cpu_s"]
        return (None if u is None else u + y), "s"
    if fig == "max_rss_kib": return s["max_rss_kib"], "KiB"
    if fig == "start_late_s": return s["start_late_s"], "s"
    m = (s["metrics"] or {}).get(fig)
    return (m["value"], m["unit"]) if m else (None, None)
builtin = ["duration_s", "cpu_s", "max_rss_kib", "start_late_s"]
names = builtin + sorted({k for s in d["slaves"] for k in s["metrics"] or {}})
stats = d["statistics"]
want(list(stats) == names, "the figures, in order: %s" % " ".join(stats))
prefix = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6,
          "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
def read_si(text, unit):
    """'1.235 M ops', '785.2 us', '3750 ops' -> a number."""
    w = text.split()
    v = float(w[0])
    rest = w[1:]
    if rest and rest[0] in prefix and len(rest) == 2:
        return v * prefix[rest[0]]
    if rest and unit and rest[0] != unit and rest[0].endswith(unit) and \
            rest[0][:-len(unit)] in prefix:
        return v * prefix[rest[0][:-len(unit)]]
    if not unit and rest and rest[0] in prefix:
        return v * prefix[rest[0]]
    return v
heads = [l for l in summary if l.startswith("FIGURE ")]
want(len(heads) == 1 and "statistics across slaves" in
     summary[summary.index(heads[0]) - 1], "the summary's statistics block")
head = heads[0] if heads else None
for fig in names:
    got = stats.get(fig, {})
    vals = [(value(s, fig)[0], s["name"], value(s, fig)[1])
            for s in d["slaves"] if value(s, fig)[0] is not None]
    xs = [v for v, _, _ in vals]
    units = {u for _, _, u in vals}
    n = len(xs)
    if n == 0:
        want(got.get("n") == 0 and got.get("mean") is None,
             "%s: n 0, the rest null" % fig)
        continue
    mn, mx = min(xs), max(xs)
    exp = {"n": n, "sum": math.fsum(xs), "mean": st.fmean(xs),
           "stddev": st.pstdev(xs), "min": mn,
           "min_slave": next(nm for v, nm, _ in vals if v == mn),
           "median": st.median(xs),
           "p95": st.quantiles(xs, n=20, method="inclusive")[18]
           if n > 1 else xs[0],
           "max": mx, "max_slave": next(nm for v, nm, _ in vals if v == mx),
           "unit": units.pop() if len(units) == 1 else None}
    for k, v in exp.items():
        g = got.get(k)
        ok = close(g, v) if isinstance(v, float) or k in ("sum", "mean",
             "stddev", "median", "p95", "min", "max") else g == v
        if k == "stddev" and not ok and isinstance(g, (int, float)):
            ok = abs(g - v) <= 1e-6 * max(1e-9, abs(v))
        want(ok, "%s: %s %r (recomputed: %r)" % (fig, k, g, v))
    # The summary's row: the columns end where their heads end (numbers
    # are right-aligned); the figure and the slaves hold no blank.
    rows = [l for l in summary if l.split()[:1] == [fig]]
    want(len(rows) == 1, "%s: a row in the summary" % fig)
    if not rows or head is None:
        continue
    row = rows[0]
    ends = [head.index(h) + len(h) for h in
            ("N", "MEAN", "STDDEV", "MIN", "MEDIAN", "P95", "MAX", "SUM")]
    cells = [row[:ends[0]].split()[-1]] + [row[a:b].strip()
                                           for a, b in zip(ends, ends[1:])]
    at = row[ends[-1]:].split()
    want(cells[0] == str(n) and at[:2] == [exp["min_slave"],
                                            exp["max_slave"]],
         "%s: the summary's N %s, MIN AT and MAX AT %s" % (fig, cells[0], at))
    for k, cell in zip(("mean", "stddev", "min", "median", "p95", "max",
                        "sum"), cells[1:]):
        shown = read_si(cell, exp["unit"] or "")
        want(abs(shown - exp[k]) <= 5e-4 * abs(exp[k]) + 1e-12,
             "%s: the summary's %s %r is %r" % (fig, k, cell, exp[k]))
want(stats["final"]["n"] == 3, "final: 3 slaves (the 4th refused it)")
want(stats["ops"]["sum"] == 15000000 and "15 M ops" in
     [l for l in summary if l.startswith("ops ")][0],
     "ops: the total, with an SI prefix in the summary")
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$TMP/stats.check"
assert_eq 0 $rc "the statistics and the summary, recomputed"

note "-R 3600: no periodic report; the final values come all the same"
make_conf "$TMP/last.session" '/bin/sh :CONF:' \
    'echo "metric done=1 s" >&"$SYNEXEC_PROGRESS_FD"'
run_master -R 3600 -r "$TMP/last.json" 1 "$TMP/last.session"
assert_exit 0
"$PYTHON" - "$TMP/last.json" >"$TMP/last.check" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["slaves"][0]
print("metrics %s, series %s" % (json.dumps(s["metrics"]),
      json.dumps([(p["state"], p["metrics"]) for p in s["series"]])))
sys.exit(0 if s["metrics"] == {"done": {"value": 1, "unit": "s"}} and
         s["series"][-1]["metrics"] == {"done": 1} else 1)
EOF
rc=$?
cat "$TMP/last.check"
assert_eq 0 $rc "the final value, from the REPORT before FINISHD"

note "a campaign of 3 runs: statistics across runs, the summary's block, the CSV"
# Metrics from SYNEXEC_RUN and the index: ops (m3 has none in run 2), lat,
# only1 (run 1 only), rate (its unit op/s in run 1, ops/s else), and in run
# 2 17 names a slave, each slave's own: 75 figures, 7 beyond the 68 a run
# keeps for the statistics across runs (said once); the CSV has them all.
make_conf "$TMP/camp.session" '/bin/bash :CONF:' \
    'i=$SYNEXEC_SLAVE_INDEX r=$SYNEXEC_RUN' \
    'p() { echo "$*" >&"$SYNEXEC_PROGRESS_FD"; }' \
    '[ $r = 2 ] && [ $i = 3 ] || p "metric ops=$(( (i + 1) * 1000 + r * 250 )) ops"' \
    'p "metric lat=$((r + 1)).$i ms"' \
    '[ $r = 1 ] && p "metric only1=$((i * i))"' \
    'if [ $r = 1 ]; then p "metric rate=$i op/s"; else p "metric rate=$((i + r)) ops/s"; fi' \
    'if [ $r = 2 ]; then for k in $(seq 1 17); do p "metric u$i.$k=$k"; done; fi' \
    'sleep 0.2'
run_master -R 0.1 --repeat 3 -r "$TMP/camp.json" --csv "$TMP/camp.csv" 4 \
    "$TMP/camp.session"
assert_exit 0 "campaign: master exit code"
cat "$MASTER_OUT"
assert_eq 1 "$(grep -c 'are left out of the statistics across runs' "$MASTER_ERR")" \
    "campaign: the figures beyond 68 a run, said once"
"$PYTHON" - "$TMP/camp.json" "$MASTER_OUT" "$TMP/camp.csv" \
    >"$TMP/camp.check" 2>&1 <<'EOF'
import csv, json, math, statistics as st, sys
d = json.load(open(sys.argv[1]))
summary = open(sys.argv[2]).read().splitlines()
bad = 0
def want(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad += not cond
def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is b
    return abs(a - b) <= rel * max(1e-12, abs(a), abs(b))
runs = d["runs"]
want(d.get("synexec_campaign") == 1 and len(runs) == 3,
     "a campaign document of 3 runs")
# Each run's own document: its own metrics (not the run before's).
for r, doc in enumerate(runs):
    only = [s["name"] for s in doc["slaves"] if "only1" in s["metrics"]]
    want(only == (["m0", "m1", "m2", "m3"] if r == 1 else []),
         "run %d: only1 where its task set it: %s" % (r, only))
    want(all(len(s["series"]) <= s["reports"] and s["series"][0]["t"] > -5
             for s in doc["slaves"]), "run %d: each series its run's own" % r)
# Each run's figures, from its slaves' members (as the test of a run does).
def value(s, fig):
    if fig == "duration_s": return s["duration_s"], "s"
    if fig == "cpu_s":
        u, y = s["user_cpu_s"], s["system_cpu_s"]
        return (None if u is None else u + y), "s"
    if fig == "max_rss_kib": return s["max_rss_kib"], "KiB"
    if fig == "start_late_s": return s["start_late_s"], "s"
    m = (s["metrics"] or {}).get(fig)
    return (m["value"], m["unit"]) if m else (None, None)
builtin = ["duration_s", "cpu_s", "max_rss_kib", "start_late_s"]
kept = []		# per run: the figures kept, 68 at most, in order
for doc in runs:
    names = sorted({k for s in doc["slaves"] for k in s["metrics"]})
    kept.append((builtin + names)[:68])
want(len(kept[2]) == 68 and len(builtin) + len({k for s in runs[2]["slaves"]
     for k in s["metrics"]}) == 75, "run 2: 75 figures, 68 kept")
figs = builtin + sorted({k for ks in kept for k in ks} - set(builtin))
stats = d["statistics"]
want(list(stats) == figs, "statistics across runs: the figures, in order "
     "(%d; the 7 beyond 68 in run 2 left out)" % len(figs))
for fig in figs:
    got = stats.get(fig, {})
    tot, mean, units = [], [], set()
    for r, doc in enumerate(runs):
        xs = [value(s, fig) for s in doc["slaves"]]
        units |= {u for v, u in xs if v is not None}
        xs = [v for v, _ in xs if v is not None]
        ok = xs and fig in kept[r]
        tot.append(math.fsum(xs) if ok else None)
        mean.append(math.fsum(xs) / len(xs) if ok else None)
    want(got.get("unit") == (units.pop() if len(units) == 1 else None),
         "%s: unit %r" % (fig, got.get("unit")))
    for key, vals in (("totals", tot), ("means", mean)):
        g = got.get(key, {})
        xs = [v for v in vals if v is not None]
        exp = {"n": len(xs), "mean": st.fmean(xs), "min": min(xs),
               "max": max(xs),
               "stddev": st.stdev(xs) if len(xs) > 1 else None}
        exp["cv"] = exp["stddev"] / abs(exp["mean"]) if len(xs) > 1 and \
            exp["mean"] != 0 else None
        want(len(g.get("values", [])) == 3 and
             all(close(a, b) for a, b in zip(g["values"], vals)),
             "%s: %s values %r (recomputed %r)" % (fig, key, g.get("values"),
                                                    vals))
        for k, v in exp.items():
            want(g.get(k) == v if k == "n" else close(g.get(k), v, 1e-7),
                 "%s: %s %s %r (recomputed %r)" % (fig, key, k, g.get(k), v))
want(stats["only1"]["totals"]["values"] == [None, 14, None] and
     stats["rate"]["unit"] is None and stats["ops"]["means"]["values"][2] ==
     (1500 + 2500 + 3500) / 3, "only1 in run 1 alone, rate's units differ, "
     "ops's mean over the 3 slaves that had it in run 2")

# The summary's block: two rows a figure, the numbers as the document's.
prefix = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6,
          "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
def read_si(text, unit):
    w = text.split()
    v = float(w[0].rstrip("%"))
    rest = w[1:]
    if rest and rest[0] in prefix and len(rest) == 2:
        return v * prefix[rest[0]]
    if rest and unit and rest[0] != unit and rest[0].endswith(unit) and \
            rest[0][:-len(unit)] in prefix:
        return v * prefix[rest[0][:-len(unit)]]
    if not unit and rest and rest[0] in prefix:
        return v * prefix[rest[0]]
    return v
heads = [l for l in summary if l.split()[:3] == ["FIGURE", "OF", "RUNS"]]
want(len(heads) == 1 and summary[summary.index(heads[0]) - 1].startswith(
     "statistics across runs") and summary.index(heads[0]) >
     max(i for i, l in enumerate(summary) if l.startswith("RUN ")),
     "the summary's block across runs, after the table of runs")
head = heads[0] if heads else ""
cols = ("RUNS", "MEAN", "STDDEV", "CV", "MIN", "MAX")
ends = [head.index(h) + len(h) for h in cols] if head else []
for fig in figs:
    for of, key in (("total", "totals"), ("mean", "means")):
        rows = [l for l in summary if l.split()[:2] == [fig, of]]
        if not rows or not ends:
            want(False, "%s %s: a row in the summary" % (fig, of))
            continue
        row = rows[0]
        cells = [row[:ends[0]].split()[-1]] + [row[a:b].strip() for a, b
                                               in zip(ends, ends[1:])]
        g = stats[fig][key]
        ok = cells[0] == str(g["n"])
        for k, cell in zip(("mean", "stddev", "cv", "min", "max"),
                           cells[1:]):
            if g[k] is None:
                ok &= cell == "-"
                continue
            v = read_si(cell, stats[fig]["unit"] or "") / \
                (100 if k == "cv" else 1)
            ok &= abs(v - g[k]) <= 5e-4 * abs(g[k]) + 1e-12
        ok &= row.endswith("(units differ)") == (fig == "rate")
        want(ok, "%s %s: the summary's row %s" % (fig, of, cells))

# The CSV: a row a slave a run, as the runs' documents say.
rows = list(csv.DictReader(open(sys.argv[3], newline="")))
fixed = ["run", "repeat", "session_file", "name", "index", "address",
         "exit_status", "exit_code", "start_offset_s", "duration_s",
         "user_cpu_s", "system_cpu_s", "max_rss_kib", "output_bytes"]
metrics = sorted({k for doc in runs for s in doc["slaves"]
                  for k in s["metrics"]})
want(len(metrics) == 72 and list(rows[0]) == fixed + ["metric:" + k for k in
     metrics], "CSV header: the fixed columns, then metric:NAME for each of "
     "the %d names of every run, sorted" % len(metrics))
want(len(rows) == 12, "CSV: 12 rows (%d)" % len(rows))
def same(cell, v):
    if v is None:
        return cell == ""
    if isinstance(v, str):
        return cell == v
    return cell != "" and float(cell) == v
ok, n = True, 0
for row in rows:
    r = int(row["run"])
    s = [s for s in runs[r]["slaves"] if s["name"] == row["name"]][0]
    for c in fixed[4:]:
        if c == "index":
            ok &= row[c] == str(s["index"])
        elif c in s:
            ok &= same(row[c], s[c])
            n += 1
    for k in metrics:
        m = s["metrics"].get(k)
        ok &= same(row["metric:" + k], m["value"] if m else None)
        n += 1
want(ok and n > 12 * 80, "CSV: every cell as the JSON has it (%d compared)" % n)
sys.exit(1 if bad else 0)
EOF
rc=$?
grep -v '^ok: ' "$TMP/camp.check"
echo "$(grep -c '^ok: ' "$TMP/camp.check") checks passed"
assert_eq 0 $rc "the campaign's statistics, summary and CSV, recomputed"

for n in m0 m1 m2 m3; do stop_slave $n; done

# --------------------------------------------------------- old and chatty slaves
# fake SLAVES PEER-ARGS...: a master of session 5 waiting for one slave,
# played by metricspeer.py; its checks' exit code in PEER_RC.
fake() {
	local what=$1
	shift
	start_master -s 5 -R 0.1 -r "$TMP/$what.json" 1 "$TMP/last.session"
	wait_until 20 grep -q '^phase discovery' "$MASTER_OUT" ||
	    fail "$what: the master did not start"
	timeout -k 2 60 "$PYTHON" "$PEER" "$@" --port "$PORT" --session 5 \
	    >"$TMP/$what.log" 2>&1
	PEER_RC=$?
	cat "$TMP/$what.log"
	wait_master 60
}
note "old slaves: hello flags 0, and bits nobody has allotted (4-15)"
fake old0 old-slave --name old0 --flags 0
assert_eq 0 "$PEER_RC" "old slave (flags 0): its checks"
assert_exit 0 "master exit code with an old slave"
fake oldx old-slave --name oldx --flags 0xfff0
assert_eq 0 "$PEER_RC" "a slave with unknown capability bits: its checks"
assert_exit 0 "master exit code with unknown capability bits"
"$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))["slaves"][0]
assert s["metrics"] is None and s["metric_errors"] is None, s
assert [p["cpu_s"] for p in s["series"]] == [5e-06, 9e-06, 7e-06], s["series"]
assert [p["state"] for p in s["series"]] == ["running", "finished", "finished"]
print("ok: an old slave: metrics and metric_errors null, its REPORTs a series")
' "$TMP/old0.json" || fail "an old slave's results"

note "a slave that sends METRICS unasked is dropped"
fake unasked old-slave --name unasked --flags 0 --unasked
assert_eq 0 "$PEER_RC" "unasked METRICS: its checks"
assert_exit 3 "master exit code (the slave was lost)"
assert_contains "$MASTER_ERR" "unexpected METRICS" "the master's log"

note "a slave with 25,000 reports: at most 10,000 points, thinned evenly"
fake chatty chatty --name chatty --reports 25000
assert_eq 0 "$PEER_RC" "chatty: its checks"
assert_exit 0 "master exit code with a chatty slave"
"$PYTHON" - "$TMP/chatty.json" >"$TMP/chatty.check" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["slaves"][0]
se = s["series"]
num = [round(p["cpu_s"] * 1e6) for p in se[:-1]]
step = num[1] - num[0]
print("%d reports, %d points, every %d-th kept, then %s" % (
      s["reports"], len(se), step, se[-1]))
ok = (5000 <= len(se) <= 10000 and num[0] == 0 and
      all(b - a == step for a, b in zip(num, num[1:])) and
      all(p["metrics"] == {"i": n} for p, n in zip(se, num)) and
      se[-1]["state"] == "finished" and 24999 - num[-1] < step and
      s["metrics"] == {"i": {"value": 24999, "unit": "n"}})
sys.exit(0 if ok else 1)
EOF
rc=$?
cat "$TMP/chatty.check"
assert_eq 0 $rc "the series: bounded, evenly spaced, the first and newest kept"

finish
