#!/bin/bash
# discovery: who joins a session.
#   - slaves of another session (-s 7) are ignored, -s 0 ones join;
#   - a slave beyond SLAVES is refused ("full") and goes back to listening:
#     it joins and serves the next session; the same slaves serve sessions
#     in a row;
#   - a slave with -m HOST:PORT joins without broadcast (started before the
#     master: it retries), and with -1 exits with its task's exit code;
#   - IPv6 on loopback: -m [::1]:PORT, -H [::1]:PORT2 (shown [::1]:port);
#   - slaves with the same -N get unique names (#2, #3);
#   - the test's ports (tools/port.sh) are reserved against every other run
#     while it lives, and a run killed outright leaves its port free.
. "$(dirname "$0")/../lib.sh"
require_bins

# run_marker FILE MARK: a session whose task prints MARK and its name.
run_marker() {
	make_conf "$1" '/bin/sh :CONF:' "echo run=$2" 'echo "name=$SYNEXEC_SLAVE_NAME"'
}

note "a slave of another session is ignored"
start_slave wrong -s 7	# first, so that it would be the first to answer
wait_until 20 udp_bound "$PORT"
start_slave good1
start_slave good2
wait_slaves_ready
run_marker "$TMP/s1.session" 1
run_master 2 "$TMP/s1.session"
assert_exit 0
assert_summary "$MASTER_OUT" good1 good2
if summary_rows "$MASTER_OUT" | grep -q wrong; then
	fail "the -s 7 slave took part in a -s 0 session"
	summary_rows "$MASTER_OUT"
else
	pass "the -s 7 slave is not in the summary"
fi
assert_contains "$TMP/good1.out" "run=1"
assert_contains "$TMP/good2.out" "run=1"
assert_no_file "$TMP/wrong.out" "-s 7 slave's output"
stop_slave wrong

note "an extra slave is refused (full) and serves the next session"
rm -f "$TMP"/good*.out
start_slave extra
wait_slaves_ready
run_marker "$TMP/s2.session" 2
run_master 2 "$TMP/s2.session"
assert_exit 0
served=""
refused=""
for s in good1 good2 extra; do
	if grep -qx run=2 "$TMP/$s.out" 2>/dev/null; then
		served="$served $s"
	else
		refused="$refused $s"
	fi
done
assert_eq 2 "$(echo $served | wc -w)" "slaves that served session 2 (of 3 started)"
refused=$(echo $refused)
if [ "$(echo $refused | wc -w)" = 1 ]; then
	assert_matches "$TMP/$refused.log" '[Ff][Uu][Ll][Ll]' "log of the refused slave $refused"
	kill -0 "${SLAVE_PID[$refused]}" 2>/dev/null &&
	    pass "$refused still running" || fail "$refused exited after FULL"
fi
run_marker "$TMP/s3.session" 3
run_master 3 "$TMP/s3.session"
assert_exit 0 "session 3 with all three (master exit code)"
assert_summary "$MASTER_OUT" good1 good2 extra
for s in good1 good2 extra; do
	assert_contains "$TMP/$s.out" "run=3" "$s output in session 3"
done
# And once more, the same three, at once.
run_master 3 "$TMP/s1.session"
assert_exit 0 "session 4, the same slaves again"
for s in good1 good2 extra; do
	assert_contains "$TMP/$s.out" "run=1" "$s output in session 4"
	stop_slave $s
done

note "-m 127.0.0.1:PORT joins without broadcast (started before the master)"
# The -m slave listens for probes on another port, if at all: it can only
# join by connecting to the master itself.
pick_port OTHER || exit 1
start_slave direct -p "$OTHER" -m "127.0.0.1:$PORT" -1
start_slave bcast
wait_until 20 udp_bound "$PORT"
sleep 1		# the -m slave has failed to connect a few times by now
run_master 2 "$TMP/s1.session"
assert_exit 0
assert_summary "$MASTER_OUT" direct bcast
assert_contains "$TMP/direct.out" "run=1" "-m slave output"
wait_pid "${SLAVE_PID[direct]}" 20
assert_eq 0 "$WAIT_RC" "-m -1 slave exit code after a task that exited 0"

note "-1 slave exits with its task's exit code"
stop_slave bcast
start_slave direct2 -p "$OTHER" -m "127.0.0.1:$PORT" -1
make_conf "$TMP/exit7.session" '/bin/sh :CONF:' 'exit 7'
run_master 1 "$TMP/exit7.session"
assert_exit 2
wait_pid "${SLAVE_PID[direct2]}" 20
assert_eq 7 "$WAIT_RC" "-m -1 slave exit code after a task that exited 7"

note "IPv6 on loopback: -m [::1]:PORT, and -H [::1]:PORT2 probed by unicast"
if [ -n "$(ip -o -6 addr show dev lo 2>/dev/null)" ]; then
	pick_port PORT2 || exit 1
	start_slave v6m -p "$OTHER" -m "[::1]:$PORT"
	start_slave v6h -p "$PORT2"
	wait_until 20 udp_bound "$PORT2" || fail "v6h did not bind udp $PORT2"
	# With -H the master listens on PORT2 too: v6h connects back there.
	run_master -H "[::1]:$PORT2" -r "$TMP/v6.json" 2 "$TMP/s1.session"
	assert_exit 0
	assert_summary "$MASTER_OUT" v6m v6h
	assert_matches "$MASTER_OUT" "^v6m +\[::1\]:[0-9]+ " "v6m's address in the summary"
	assert_matches "$TMP/v6.json" '"address": "\[::1\]:[0-9]+"' "[::1]:port in the results"
	# The host list's order first: v6h is slave 0.
	assert_matches "$TMP/v6.json" '"name": "v6h",' "v6h in the results"
	stop_slave v6m
	stop_slave v6h
else
	echo "(no ::1 on lo: IPv6 loopback case not run)"
fi

note "same -N: unique names in the summary"
for i in 1 2 3; do
	start_slave dup$i -N dup
done
wait_slaves_ready
run_master 3 "$TMP/s1.session"
assert_exit 0
assert_summary "$MASTER_OUT" dup 'dup#2' 'dup#3'

note "test ports: reserved against other runs while ours lives, then free"
# lockable PORT: another shell could reserve PORT now (tools/port.sh).
note "two listed hosts of one address: each gets its own reason (matched by port)"
pick_port PA || exit 1
pick_port PB || exit 1
"$SLAVE_BIN" -i lo -p "$PB" -s 9 -N other9 -o "$TMP/other9.out" -T "$TMP" \
    >"$TMP/other9.log" 2>&1 &
track $!
wait_until 20 eval '[ -n "$(ss -Huan "( sport = :$PB )")" ]' ||
    fail "the slave of session 9 is not listening"
run_master_cmd "$MASTER_BIN" -p "$PORT" -H "127.0.0.1:$PA,127.0.0.1:$PB" -w 2 \
    -r "$TMP/two.json" all "$TMP/s1.session"
assert_exit 5 "nobody of this session joined"
assert_eq "port unreachable|wrong session" \
    "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("|".join(("port unreachable" if "port unreachable" in s["error"] else
                "wrong session" if "wrong session" in s["error"] else s["error"])
               for s in d["slaves"]))' "$TMP/two.json")" \
    "127.0.0.1:$PA (nothing there) and 127.0.0.1:$PB (session 9)"

lockable() { bash -c '. "$1/tools/port.sh"; port_lock "$2"' _ "$SYNEXEC_TOP" "$1"; }
if command -v flock >/dev/null 2>&1; then
	for p in "$PORT" "$OTHER"; do
		lockable "$p" && fail "port $p of this test: another run could take it" ||
		    pass "port $p of this test: no other run can take it"
	done
	# A run killed outright (SIGKILL: no teardown) leaves no reservation.
	bash -c '. "$1/tools/port.sh"; pick_port P && echo "$P" >"$2" && exec sleep 60' \
	    _ "$SYNEXEC_TOP" "$TMP/killed.port" &
	kp=$!
	track $kp
	wait_for_file "$TMP/killed.port" 20 || fail "the other run picked no port"
	p=$(cat "$TMP/killed.port")
	lockable "$p" && fail "port $p of a running run: free to take" ||
	    pass "port $p of another running run: reserved"
	kill -KILL "$kp"
	wait "$kp" 2>/dev/null
	lockable "$p" && pass "port $p free again once that run was killed" ||
	    fail "port $p still reserved after its run was killed"
else
	note "no flock(1): ports are only checked free, not reserved"
fi

finish
