#!/bin/bash
# netns_linkdown: a link cut mid-task, on a real (virtual) Ethernet segment.
# A namespace holds a bridge; the master (198.18.0.1/24) and two slaves
# (s1 .11, s2 .12) each have a veth on it.  While both tasks run, s2's
# bridge port goes down: no FIN, no RST, just silence.
#   - the master declares s2 lost by its heartbeat timeout (2 s), while s1
#     goes on and finishes; exit 3;
#   - s2 loses the master the same way and stops its task;
#   - with the link back up, both slaves serve the next session.
# Every packet stays inside the namespaces this test creates and deletes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../faults.sh"
require_root
command -v ip >/dev/null || skip "no ip(8) for network namespaces"
require_bins

# Namespaces are named sxld-ROLE-PID.
netns_clean_stale sxld
br=sxld-br-$$
nsm=sxld-m-$$
netns_bridge "$br"
add_host() { netns_host "$br" "$@"; }	# add_host NS ADDR/LEN PORTNAME
add_host "$nsm" 198.18.0.1/24 pm || skip "cannot create veth pairs"
add_host "sxld-s1-$$" 198.18.0.11/24 p1 || skip "cannot create veth pairs"
add_host "sxld-s2-$$" 198.18.0.12/24 p2 || skip "cannot create veth pairs"
link_up() { ip -n "$1" -o link show eth0 2>/dev/null | grep -q 'state UP'; }
for s in m s1 s2; do
	wait_until 20 link_up "sxld-$s-$$" || fail "eth0 of sxld-$s-$$ is not up"
done

start_ns_slave() {	# start_ns_slave NAME [ARGS...]
	local s=$1
	shift
	ip netns exec "sxld-$s-$$" "$SLAVE_BIN" -i eth0 -p "$PORT" -N "$s" \
	    -o "$TMP/$s.out" -T "$TMP/conf" "$@" >>"$TMP/$s.log" 2>&1 &
	SLAVE_PID[$s]=$!
	track $!
}
ns_udp_bound() {
	[ -n "$(ip netns exec "sxld-$1-$$" ss -Huan "( sport = :$PORT )" 2>/dev/null)" ]
}
# start_ns_master ARGS...: our master in its namespace, in the background.
start_ns_master() {
	MASTER_N=$((MASTER_N + 1))
	MASTER_OUT=$TMP/master.$MASTER_N.out
	MASTER_ERR=$TMP/master.$MASTER_N.err
	echo "start master #$MASTER_N: $*" | sed "s|$TMP|\$TMP|g"
	timeout --foreground -k 5 60 ip netns exec "$nsm" "$MASTER_BIN" \
	    -i eth0 -p "$PORT" "$@" >"$MASTER_OUT" 2>"$MASTER_ERR" </dev/null &
	MASTER_PID=$!
	track $MASTER_PID
}

for s in s1 s2; do
	start_ns_slave $s --heartbeat-timeout 2 --kill-grace 1
done
for s in s1 s2; do
	wait_until 20 ns_udp_bound $s || fail "slave $s did not bind udp $PORT"
done

note "s2's link goes down mid-task"
# s1's task ends once the test has seen s2 lost (or after 30 s).
make_conf "$TMP/ld.session" '/bin/sh :CONF:' \
    "echo \$\$ >$TMP/ld.\$SYNEXEC_SLAVE_NAME.pid" \
    "[ \"\$SYNEXEC_SLAVE_NAME\" = s2 ] && exec $MARK" \
    "i=0; while [ ! -e $TMP/ld.go ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done" \
    'echo done'
start_ns_master --heartbeat-timeout 2 2 "$TMP/ld.session"
wait_for_file "$TMP/ld.s1.pid" 20 || fail "s1's task did not start"
wait_for_file "$TMP/ld.s2.pid" 20 || fail "s2's task did not start"
ip -n "$br" link set p2 down
t0=$(now_ms)
wait_until 20 grep -q "lost: s2" "$MASTER_OUT"
t1=$(now_ms)
touch "$TMP/ld.go"
wait_master 40
assert_exit 3
row_matches s2 'lost'
row_matches s1 'exit 0'
assert_line_has "$MASTER_OUT" "lost: s2" "heartbeat timeout" "the master's output"
lost_at=$(line_no "$MASTER_OUT" "lost: s2")
fin_at=$(line_no "$MASTER_OUT" "finished: s1")
if [ "$lost_at" -gt 0 ] && [ "$lost_at" -lt "$fin_at" ]; then
	pass "s2 lost (line $lost_at) while s1 still ran (finished: line $fin_at)"
else
	fail "s2's loss (line $lost_at) not reported before s1 finished (line $fin_at)"
fi
# By the 2 s heartbeat timeout: not before 1.5 s (the last heartbeat may be
# up to one 0.5 s interval old; the rest is for the ip command's return).
assert_ge $((t1 - t0)) 1400 "ms from the link cut to s2's loss"
assert_contains "$TMP/s1.out" done "s1's task output"
assert_no_task_procs "s2 stopped its task after losing the master" 15
assert_line_has "$TMP/s2.log" "heartbeat timeout" "ending the session" "s2's log"

note "the link back up: both slaves serve the next session"
ip -n "$br" link set p2 up
wait_until 20 link_up "sxld-s2-$$" || fail "eth0 of s2 is not up again"
make_conf "$TMP/ok.session" '/bin/sh :CONF:' 'echo "ok $SYNEXEC_SLAVE_NAME"'
start_ns_master -w 10 2 "$TMP/ok.session"
wait_master 15
assert_exit 0
assert_summary "$MASTER_OUT" s1 s2
assert_contains "$TMP/s2.out" "ok s2" "s2's output"

finish
