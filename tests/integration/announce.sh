#!/bin/bash
# announce: a slave started after the master joins at once, because it
# announces itself (NOTES section 2), not at the master's next probe of the
# back-off, which by then is up to a second away.
#   - slave with -i, started 1.4 s after the master (next probe at 2.27 s):
#     the session is over well under 0.5 s after the slave started
#   - slave without -i (no announce): it joins at that next probe, ~0.9 s
. "$(dirname "$0")/../lib.sh"
require_bins
make_conf "$TMP/a.session" /bin/true

# elapsed_ms T0: milliseconds since T0 (date +%s%N)
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

note "slave with -i lo started 1.4 s after the master"
start_master -w 10 1 "$TMP/a.session"
sleep 1.4
t0=$(date +%s%N)
start_slave late
wait_master 10
ms=$(elapsed_ms "$t0")
assert_exit 0
# wait_master polls every 50 ms; the back-off alone would take ~870 ms.
if [ "$ms" -lt 500 ]; then
	pass "session over ${ms} ms after the slave started"
else
	fail "session over ${ms} ms after the slave started (announce ignored?)"
fi
stop_slave late

note "slave without -i (no announce) started 1.4 s after the master"
start_master -w 10 1 "$TMP/a.session"
sleep 1.4
t0=$(date +%s%N)
"$SLAVE_BIN" -p "$PORT" -N quiet -o "$TMP/quiet.out" -T "$TMP/conf" \
    >"$TMP/quiet.log" 2>&1 &
track $!
wait_master 10
ms=$(elapsed_ms "$t0")
assert_exit 0
if [ "$ms" -ge 500 ]; then
	pass "joined at the next probe, ${ms} ms after the slave started"
else
	fail "joined ${ms} ms after the slave started: faster than the back-off allows without an announce"
fi
finish
