#!/bin/bash
# announce: a slave started after the master joins at once, because it
# announces itself (NOTES section 2), not at the master's next probe of the
# back-off, which by then is a second away.
#   - slave with -i, started just after one of the master's once-a-second
#     probes: the master hears its announce and the session is over well
#     before the next probe was due
#   - slave without -i (no announce): it joins at that next probe
# The slave is started as soon as the master's -vv log shows the probe of
# 1.27 s (the back-off's eighth; the next is at 2.27 s), so how late the
# test itself runs on a loaded machine does not eat into that second.
. "$(dirname "$0")/../lib.sh"
require_bins
make_conf "$TMP/a.session" /bin/true

# elapsed_ms T0: milliseconds since T0 (date +%s%N)
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
probes() { grep -c 'PROBE sent' "$MASTER_ERR"; }
probes_ge() { [ "$(probes)" -ge "$1" ]; }

# after_probe: start a master (-vv) and wait for its eighth probe; false
# if it did not come.
after_probe() {
	start_master -vv -w 20 1 "$TMP/a.session"
	wait_until 20 probes_ge 8
}

note "slave with -i lo started just after a once-a-second probe"
after_probe || fail "the master did not send its eighth probe"
t0=$(date +%s%N)
start_slave late
wait_master 20
ms=$(elapsed_ms "$t0")
assert_exit 0
assert_contains "$MASTER_ERR" "announce from 127.0.0.1:" "the master's -vv log"
# wait_master polls every 50 ms; the next probe was due ~1000 ms after the
# one seen.
if [ "$ms" -lt 800 ]; then
	pass "session over ${ms} ms after the slave started"
else
	fail "session over ${ms} ms after the slave started (announce ignored?)"
fi
stop_slave late

note "slave without -i (no announce) started just after a probe"
after_probe || fail "the master did not send its eighth probe"
t0=$(date +%s%N)
"$SLAVE_BIN" -p "$PORT" -N quiet -o "$TMP/quiet.out" -T "$TMP/conf" \
    >"$TMP/quiet.log" 2>&1 &
track $!
wait_master 20
ms=$(elapsed_ms "$t0")
assert_exit 0
assert_not_contains "$MASTER_ERR" "announce from" "the master's -vv log"
if [ "$ms" -ge 500 ]; then
	pass "joined at the next probe, ${ms} ms after the slave started"
else
	fail "joined ${ms} ms after the slave started: faster than the back-off allows without an announce"
fi
finish
