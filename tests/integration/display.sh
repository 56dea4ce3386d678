#!/bin/bash
# display: what the master shows while the session runs.
#  - on a terminal (a pseudo-terminal from script(1)): a status block with
#    the phase, joined k/N, running / finished / failed counts and per slave
#    its name, state, elapsed time and progress text, redrawn in place at
#    most 10 times a second; replayed on an emulated 80x8 screen, the block
#    never scrolls a copy of itself into the history, fits the height with
#    "... N more", and is gone at the end, the summary in its place;
#  - not on a terminal: one line per phase change and per slave finishing,
#    with -v a status line per report interval, and no escape codes;
#  - on a terminal (TERM=xterm, and TERM=dumb: no block), a task's output
#    (--follow) and progress text holding terminal controls, CR, C1 bytes
#    (raw 0x9b, UTF-8 C2 9B) and bytes that are not UTF-8 reach the screen
#    escaped (\xNN) or as '?', never raw.
. "$(dirname "$0")/../lib.sh"
require_bins
command -v script >/dev/null 2>&1 || skip "script(1) (util-linux) is not installed"

for s in d0 d1 d2 d3 d4 d5 d6 d7; do
	start_slave $s
done
wait_slaves_ready

make_conf "$TMP/steps.session" '/bin/sh :CONF:' \
    'i=0' \
    'while [ $i -lt 15 ]; do' \
    '	i=$((i + 1))' \
    '	echo "step $i/15" >&"$SYNEXEC_PROGRESS_FD"' \
    '	sleep 0.1' \
    'done' \
    '[ "$SYNEXEC_SLAVE_INDEX" = 1 ] && exit 1' \
    '[ "$SYNEXEC_SLAVE_INDEX" -ge 4 ] && sleep 0.6' \
    'exit 0'

# replay TYPESCRIPT ROWS COLS: play the bytes on an emulated screen; print
# what was seen, and exit non-zero if the block ever scrolled or wrapped.
replay() {
	"$PYTHON" - "$@" <<-'EOF'
	import re, sys
	data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
	H, W = int(sys.argv[2]), int(sys.argv[3])
	# script(1)'s own first and last lines are not the master's.
	data = data.split("\n", 1)[1] if data.startswith("Script started") else data
	data = re.sub(r"\r?\nScript done.*$", "", data, flags=re.S)
	screen, hist = [""] * H, []
	r = c = 0
	redraws = wraps = maxheads = 0
	seen = set()
	def heads():
	    return sum(1 for l in screen if l.startswith("synexec "))
	i = 0
	while i < len(data):
	    ch = data[i]
	    if ch == "\x1b":
	        m = re.match(r"\x1b\[([0-9;]*)([A-Za-z])", data[i:])
	        if not m:
	            i += 1; continue
	        n = int(m.group(1) or "1") if m.group(1).isdigit() else 1
	        op = m.group(2)
	        if op == "A":
	            r = max(0, r - n); redraws += 1
	        elif op == "K":
	            screen[r] = screen[r][:c]
	        elif op == "J":
	            screen[r] = screen[r][:c]
	            for k in range(r + 1, H):
	                screen[k] = ""
	        i += m.end(); continue
	    if ch == "\r":
	        c = 0
	    elif ch == "\n":
	        l = screen[r].rstrip()
	        if l.startswith(("synexec ", "  d", "  ...")):
	            seen.add(l)
	        if r == H - 1:
	            hist.append(screen.pop(0)); screen.append("")
	        else:
	            r += 1
	        maxheads = max(maxheads, heads())
	    else:
	        # Block lines must fit; a long log line may wrap, as any would.
	        if c >= W and screen[r].startswith(("synexec ", "  ")):
	            wraps += 1
	        line = screen[r].ljust(c)
	        screen[r] = line[:c] + ch + line[c + 1:]
	        c += 1
	    i += 1
	for l in sorted(seen):
	    print("seen:", l)
	for l in hist:
	    print("history:", l)
	for l in screen:
	    print("screen:", l)
	print("redraws:", redraws)
	bad = [l for l in hist + screen if l.startswith("synexec ")]
	if bad:
	    print("FAIL: a status block line left on the screen or in the history:", bad[0])
	if wraps:
	    print("FAIL: %d characters past the last column" % wraps)
	if maxheads > 1:
	    print("FAIL: %d status headers on the screen at once" % maxheads)
	sys.exit(1 if bad or wraps or maxheads > 1 else 0)
	EOF
}

note "on a terminal: the live block (script, 80x8, 8 slaves)"
MASTER_N=$((MASTER_N + 1))
MASTER_OUT=$TMP/master.$MASTER_N.out
MASTER_ERR=$TMP/master.$MASTER_N.err
echo "run master #$MASTER_N under script(1): -R 0.1 8 steps.session"
timeout -k 5 40 script -qfec "stty rows 8 cols 80; exec $MASTER_BIN -i lo \
    -p $PORT -R 0.1 8 $TMP/steps.session" "$TMP/typescript" \
    </dev/null >"$MASTER_OUT" 2>"$MASTER_ERR"
MASTER_RC=$?
track_rc=$MASTER_RC
assert_eq 2 "$track_rc" "master exit code under script (one task exits 1)"
if replay "$TMP/typescript" 8 80 >"$TMP/replay.out"; then
	pass "block redrawn in place: never scrolled, wrapped or doubled"
else
	fail "the live block misbehaved on an 80x8 screen:"
	grep -E 'FAIL|history' "$TMP/replay.out" | head -n 20
fi
assert_matches "$TMP/replay.out" '^seen: synexec run [0-9.]+ s \| joined 8/8 \| running 8 \| finished 0 \| failed 0' \
    "the block's counts while running"
assert_matches "$TMP/replay.out" '^seen: synexec run [0-9.]+ s \| joined 8/8 \| running [0-7] \| finished [1-7] \| failed 1' \
    "the block's counts as slaves finish (one failed)"
assert_matches "$TMP/replay.out" '^seen:   d[0-7] +running +[0-9.]+ s  step [0-9]+/15$' \
    "a slave's name, state, elapsed and progress text"
assert_matches "$TMP/replay.out" '^seen:   \.\.\. [0-9]+ more \([0-9]+ running\)' \
    "the block fits 8 rows: '... N more'"
assert_matches "$TMP/replay.out" '^(history|screen): [0-9] slaves: .* exited 0, 1 failed' \
    "the summary replaces the block"
assert_matches "$TMP/replay.out" '^(history|screen): phase done' "phase done"
redraws=$(sed -n 's/^redraws: //p' "$TMP/replay.out")
# At most 10 redraws a second of the session (about 1.6 s here, longer on a
# loaded machine: the master's own figure), plus the erasures done before
# each printed line (about 20): well below one per report (8 x 10/s).
secs=$(sed -n 's/^\(history\|screen\): phase done: .* after \([0-9]*\)\.[0-9]* s$/\2/p' \
    "$TMP/replay.out" | head -n 1)
most=$(( (${secs:-1} + 1) * 10 + 40 ))
if [ "${redraws:-0}" -ge 5 ] && [ "${redraws:-0}" -le $most ]; then
	pass "$redraws cursor-up redraws/erasures (rate-limited: at most $most in ${secs:-?}+ s)"
else
	fail "cursor-up count $redraws: expected 5..$most (session of ${secs:-?}+ s)"
fi

note "not on a terminal: phase lines, finished lines, no escape codes"
run_master -R 0.2 8 "$TMP/steps.session"
assert_exit 2
for p in discovery configuration run done; do
	assert_matches "$MASTER_OUT" "^phase $p" "phase $p line"
done
assert_eq 8 "$(grep -c '^finished: ' "$MASTER_OUT")" "one line per slave finishing"
assert_eq 0 "$(grep -c '^status:' "$MASTER_OUT")" "no status lines without -v"
assert_eq 0 "$(cat "$MASTER_OUT" "$MASTER_ERR" | grep -c $'\033')" \
    "escape codes in stdout and stderr"

note "not on a terminal, -v: a status line per report interval"
run_master -v -R 0.2 8 "$TMP/steps.session"
assert_exit 2
n=$(grep -c '^status: ' "$MASTER_OUT")
# 1.5 s of tasks at 0.2 s: 7 intervals at least, and no flood: one an
# interval of the session (longer on a loaded machine: the master's figure).
secs=$(sed -n 's/^phase done: .* after \([0-9]*\)\.[0-9]* s$/\1/p' "$MASTER_OUT")
most=$(( (${secs:-1} + 1) * 5 + 6 ))
if [ "$n" -ge 6 ] && [ "$n" -le $most ]; then
	pass "$n status lines at -R 0.2 (at most $most in a session of ${secs:-?}+ s)"
else
	fail "expected 6..$most status lines (session of ${secs:-?}+ s), got $n"
	show_file "$MASTER_OUT"
fi
assert_matches "$MASTER_OUT" '^status: run [0-9.]+ s: 8/8 joined, 0 armed, 8 running, 0 finished, 0 failed' \
    "a status line's counts"
assert_eq 0 "$(cat "$MASTER_OUT" "$MASTER_ERR" | grep -c $'\033')" \
    "escape codes with -v"

# A task whose output and progress text try to retitle the terminal, clear
# it, forge a line after CR, and send CSI as the C1 byte and as UTF-8.
make_conf "$TMP/evil.session" '/bin/sh :CONF:' \
    "printf 'out:\\033]0;EVILTITLE\\007\\033[2J\\rsynexec:FORGED\\23331mC1RAW\\302\\23332mC1UTF8\\377BADUTF8\\n'" \
    "printf 'prog:\\033]0;EVILTITLE\\007\\033[2J synexec:FORGED\\23331mC1RAW\\302\\23332mC1UTF8\\377BADUTF8\\n' >&\"\$SYNEXEC_PROGRESS_FD\"" \
    'sleep 1.5'	# the status block shows the progress text meanwhile
# screen_inert TYPESCRIPT: none of it raw; the --follow line escaped.
screen_inert() {
	"$PYTHON" - "$1" <<-'EOF'
	import sys
	data = open(sys.argv[1], "rb").read()
	bad = [b"\x9b", b"\xc2\x9b", b"\x1b]", b"\x1b[2J", b"\x07", b"\xff",
	       b"\rsynexec:FORGED"]
	found = [x for x in bad if x in data]
	esc = b"out:\\x1b]0;EVILTITLE\\x07\\x1b[2J\\x0dsynexec:FORGED\\x9b31mC1RAW" \
	    b"\\xc2\\x9b32mC1UTF8\\xffBADUTF8"
	print("raw", found, "escaped", esc in data)
	EOF
}
for term in xterm dumb; do
	note "on a terminal (TERM=$term): a task's controls reach it inert"
	MASTER_N=$((MASTER_N + 1))
	MASTER_OUT=$TMP/master.$MASTER_N.out
	MASTER_ERR=$TMP/master.$MASTER_N.err
	echo "run master #$MASTER_N under script(1), TERM=$term: --follow -R 0.1 1 evil.session"
	TERM=$term timeout -k 5 40 script -qfec "stty rows 8 cols 200; exec \
	    $MASTER_BIN -i lo -p $PORT -R 0.1 --follow 1 $TMP/evil.session" \
	    "$TMP/evil.$term" </dev/null >"$MASTER_OUT" 2>"$MASTER_ERR"
	MASTER_RC=$?
	assert_exit 0 "master exit code under script (TERM=$term)"
	assert_eq "raw [] escaped True" "$(screen_inert "$TMP/evil.$term")" \
	    "the screen (TERM=$term): no raw control, the --follow line escaped"
done
assert_matches "$TMP/evil.xterm" 'prog:\?\]0;EVILTITLE\?\?\[2J synexec:FORGED\?31mC1RAW\?\?32mC1UTF8\?BADUTF8' \
    "the status block shows the progress text with '?' for controls"

finish
