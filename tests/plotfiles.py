#!/usr/bin/env python3
"""plotfiles.py - makes and checks the files of tests/integration/plot.sh.

Documents made from REAL results files (synexec_master -r):
  strip IN OUT              IN without its series, metrics and statistics
  swarm IN N OUT            N slaves made from IN's slaves (names s0001..,
                            start offsets, durations, a few failed, killed,
                            lost and not started), with SYNTHETIC series
                            and metrics
  nulls IN OUT              IN plus slaves as the master writes them when
                            little is known: a 2014 slave, one not started,
                            one still running at an abort, one lost before
                            its first report, and hostile names
Checks (exit 1 with the reason on stdout when one fails):
  png FILE                  prints "WIDTH HEIGHT DISTINCT INKED%": the IHDR
                            size, the number of distinct bytes of the
                            decompressed image data and the share of rows
                            that are not blank
  svg FILE NAME...          every NAME is the whole text of a <text>
                            element of the SVG (or a part of one)
  pdf FILE                  a PDF (header and trailer)
Only the standard library: the checks must not need what they check.
"""

import copy
import json
import random
import struct
import sys
import xml.etree.ElementTree as ET
import zlib


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save(d, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, indent=1)


def started(s):
    return s.get("start") is not None and s.get("finish") is not None


def add_series(s, rng, interval, scale=1.0):
    """A series of reports every `interval` s while the task ran, with two
    metrics: ops (a counter) and latency_ms (a gauge); and their final
    values in "metrics"."""
    dur = s.get("duration_s")
    if dur is None:
        dur = s.get("reported_elapsed_s") or 0.0
    rate = rng.uniform(900, 1100) * scale
    pts, t, ops = [], 0.0, 0.0
    while t <= dur + 1e-9:
        ops = rate * t
        pts.append({"t": round(t + 0.002, 6), "state": "running",
                    "cpu_s": round(t * 0.9, 6), "output_bytes": int(t * 100),
                    "metrics": {"ops": round(ops, 1),
                                "latency_ms": round(rng.uniform(0.8, 1.4)
                                                    * scale, 3)}})
        t += interval
    if started(s):
        pts.append({"t": round(dur + 0.002, 6), "state": "finished",
                    "cpu_s": round(dur * 0.9, 6),
                    "output_bytes": int(dur * 100),
                    "metrics": {"ops": round(rate * dur, 1),
                                "latency_ms": pts[-1]["metrics"]["latency_ms"]
                                if pts else 1.0}})
    s["series"] = pts
    s["metric_errors"] = []
    if pts:
        last = pts[-1]["metrics"]
        s["metrics"] = {"ops": {"value": last["ops"], "unit": "ops"},
                        "latency_ms": {"value": last["latency_ms"],
                                       "unit": "ms"}}
    else:
        s["metrics"] = {}


def add_statistics(d):
    """Top-level statistics as issue 18 describes them (only what the plot
    reads: the unit)."""
    d["statistics"] = {
        "duration_s": {"unit": "s"},
        "ops": {"unit": "ops"},
        "latency_ms": {"unit": "ms"},
    }


def cmd_strip(src, out):
    d = load(src)
    for s in d["slaves"]:
        for k in ("series", "metrics", "metric_errors"):
            s.pop(k, None)
    d.pop("statistics", None)
    save(d, out)


def cmd_swarm(src, n, out):
    d = load(src)
    n = int(n)
    rng = random.Random(500)
    real = [s for s in d["slaves"] if started(s)]
    t0 = d["start_instant"]
    slaves = []
    width = len(str(n))
    for i in range(n):
        s = copy.deepcopy(real[i % len(real)])
        s["name"] = "s%0*d" % (width + 1, i + 1)
        s["index"] = i
        off = rng.uniform(0, 2500e-6) + (0.004 if i % 97 == 13 else 0.0)
        dur = s["duration_s"] * rng.uniform(0.9, 1.1) + \
            (0.5 if i % 211 == 7 else 0.0)
        s["start"] = t0 + 0.001 + off
        s["finish"] = s["start"] + dur
        s["start_offset_s"] = off
        s["duration_s"] = dur
        s["exit_status"], s["exit_code"], s["signal"] = "exit 0", 0, None
        s["state"] = "finished"
        s["error"] = None
        if i % 83 == 5:
            s["exit_status"], s["exit_code"] = "exit 3", 3
        elif i % 149 == 11:
            s["exit_status"], s["exit_code"], s["signal"] = "signal 9", None, 9
        elif i % 199 == 17:
            for k in ("start", "finish", "start_offset_s", "duration_s",
                      "exit_status", "exit_code", "start_late_s"):
                s[k] = None
            s["state"], s["error"] = "lost", "connection closed by peer"
            s["reported_elapsed_s"] = round(dur * 0.6, 6)
        elif i % 241 == 19:
            for k in ("start", "finish", "start_offset_s", "duration_s",
                      "exit_code", "start_late_s", "reported_elapsed_s"):
                s[k] = None
            s["state"], s["exit_status"] = "not started", "not started"
        # The real slave's series and metrics are replaced: synthetic ones
        # that follow this slave's own duration, none if it never started.
        if s["state"] != "not started":
            add_series(s, rng, 0.25)
        else:
            s["series"], s["metrics"], s["metric_errors"] = [], {}, []
        slaves.append(s)
    d["slaves"] = slaves
    d["slaves_expected"] = d["slaves_joined"] = n
    d["settings"]["slaves"] = n
    offs = [s["start_offset_s"] for s in slaves
            if s["start_offset_s"] is not None]
    d["start_spread_s"] = max(offs) - min(offs)
    add_statistics(d)
    save(d, out)


def cmd_nulls(src, out):
    d = load(src)
    base = d["slaves"][0]
    nulls = ("pid", "extension_version", "clock_offset_s",
             "clock_offset_error_s", "rtt_s", "start_slave_clock",
             "finish_slave_clock", "start", "finish", "start_offset_s",
             "duration_s", "start_late_s", "exit_code", "signal",
             "user_cpu_s", "system_cpu_s", "max_rss_kib", "reported_cpu_s",
             "reported_elapsed_s", "progress")
    extra = []
    for name, kind, state, status, error in (
            ("old-2014", "2014", "finished", "unknown", None),
            ("never", "synexec", "not started", "not started",
             "refused: cannot write its task file"),
            ("busy", "synexec", "running", None, None),
            ("gone", "synexec", "lost", None, "heartbeat timeout"),
            ("$x^2$ \\alpha {y}", "synexec", "finished", "exit 0", None),
            ("ctl\x1b]0;evil\x07\u202e", "synexec", "finished", "exit 0",
             None),
            ("long-" + "n" * 200, "synexec", "finished", "exit 0", None)):
        s = copy.deepcopy(base)
        for k in nulls:
            s[k] = None
        s.update({"name": name, "kind": kind, "state": state,
                  "exit_status": status, "error": error,
                  "index": len(d["slaves"]) + len(extra)})
        if name == "busy":
            s["start"], s["reported_elapsed_s"] = base["start"], 0.7
            s["start_offset_s"] = base["start_offset_s"]
        if status == "exit 0":
            for k in ("start", "finish", "start_offset_s", "duration_s",
                      "exit_code"):
                s[k] = base[k]
        extra.append(s)
    d["slaves"] += extra
    # Members the plot must not need.
    for k in ("statistics", "phases", "settings", "master"):
        d.pop(k, None)
    save(d, out)


def bad(msg):
    print(msg)
    sys.exit(1)


def cmd_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        bad("%s: not a PNG (signature %r)" % (path, data[:8]))
    pos, idat, ihdr = 8, b"", None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        bad("%s: no IHDR or no IDAT" % path)
    w, h, depth, ctype = ihdr[:4]
    raw = zlib.decompress(idat)
    chans = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or chans is None:
        bad("%s: bit depth %d, colour type %d: not what matplotlib writes"
            % (path, depth, ctype))
    stride = 1 + w * chans
    if len(raw) != stride * h:
        bad("%s: %d bytes of image data for %dx%d" % (path, len(raw), w, h))
    # Rows are filtered (PNG filters None, Sub, Up, Average, Paeth): a row
    # of one colour is, after its first pixel, one byte repeated (0, or the
    # colour itself with no filter).  A row with more than one byte value
    # there has something drawn on it (or is the blank row just below a
    # drawing, under Up: a small overcount).
    inked = 0
    for y in range(h):
        row = raw[y * stride + 1 + chans:(y + 1) * stride]
        if len(set(row)) > 1:
            inked += 1
    print("%d %d %d %.1f" % (w, h, len(set(raw)), 100.0 * inked / h))


def cmd_svg(path, *names):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        bad("%s: not XML: %s" % (path, e))
    texts = ["".join(t.itertext()) for t in root.iter()
             if t.tag.endswith("}text") or t.tag == "text"]
    missing = [n for n in names if not any(n in t for t in texts)]
    if missing:
        bad("%s: no text %s among %d texts (%s ...)" % (
            path, ", ".join(repr(m) for m in missing), len(texts),
            ", ".join(repr(t) for t in texts[:12])))
    print("%d texts, every one of %d names found" % (len(texts), len(names)))


def cmd_pdf(path):
    data = open(path, "rb").read()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-64:]:
        bad("%s: not a whole PDF" % path)
    print("PDF of %d bytes" % len(data))


def main(argv):
    cmds = {"strip": cmd_strip, "swarm": cmd_swarm, "nulls": cmd_nulls,
            "png": cmd_png, "svg": cmd_svg,
            "pdf": cmd_pdf}
    if not argv or argv[0] not in cmds:
        print(__doc__)
        return 2
    cmds[argv[0]](*argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
