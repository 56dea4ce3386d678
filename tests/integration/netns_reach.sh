#!/bin/bash
# netns_reach: slaves the broadcast does not reach.
#
# IPv4, two links joined by a router namespace (forwarding on, no broadcast
# across):
#	link A (198.18.0.0/24): master 198.18.0.1, l1 198.18.0.11, router .254
#	link B (198.19.1.0/24): r1 .11, r2 .12, ws .13 (session 9), router .254;
#	    198.19.1.99 ("downhost") is nobody
#   - -H r2,r1 (names from the test's own /etc/hosts): both join over the
#     router, in the list's order (r2 first), SYNEXEC_MASTER 198.18.0.1;
#   - with a host list and no -i nothing is broadcast: l1, beside the
#     master, does not join;
#   - --hosts FILE (comments, a range) with SLAVES all: r1 and r2 join, the
#     exit-5 message and the results name ws (wrong session), downhost
#     (host unreachable, ICMP from the router) and nosuch (not resolved),
#     with the probes sent and the hints;
#   - a master without -w, not on a terminal, says within 20 s whom it
#     still waits for (every 10 s).
# IPv6 only, one link (fd00:5e::/64, no IPv4 address): m6 fd00:5e::1, a6
# ::11, b6 ::12
#   - -i eth0 (ff02::1 on it): both join, shown as [addr]:port;
#   - -H [fd00:5e::11],v6b (a name with an AAAA record): both join;
#   - slaves with -m [fd00:5e::1]:PORT: both join.
# Names come from a hosts file bind-mounted over /etc/hosts in a mount
# namespace of the master's own (unshare -m).  Every packet stays inside the
# namespaces this test creates and deletes.
. "$(dirname "$0")/../lib.sh"
require_root
command -v ip >/dev/null || skip "no ip(8) for network namespaces"
command -v unshare >/dev/null || skip "no unshare(1) for a private /etc/hosts"
require_bins

netns_clean_stale sxrc
brA=sxrc-ba-$$
brB=sxrc-bb-$$
brC=sxrc-bc-$$
nsm=sxrc-m-$$
nsr=sxrc-r-$$
netns_bridge "$brA"
netns_bridge "$brB"
netns_bridge "$brC"

# v4host BRIDGE_NS NS ADDR/LEN PORTNAME: IPv4 only (no IPv6 on the link).
v4host() {
	netns_add "$2" || return 1
	ip netns exec "$2" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	ip -n "$1" link add "$4" type veth peer name eth0 netns "$2" || return 1
	ip -n "$1" link set "$4" master br0 up
	ip -n "$2" addr add "$3" brd + dev eth0
	ip -n "$2" link set eth0 up
}
# v6host NS ADDR/LEN PORTNAME: IPv6 only, on link C, no duplicate address
# detection (addresses usable at once).
v6host() {
	netns_add "$1" || return 1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1
	ip -n "$brC" link add "$3" type veth peer name eth0 netns "$1" || return 1
	ip -n "$brC" link set "$3" master br0 up
	ip -n "$1" addr add "$2" dev eth0 nodad
	ip -n "$1" link set eth0 up
}

v4host "$brA" "$nsm" 198.18.0.1/24 pm || skip "cannot create veth pairs"
v4host "$brA" "sxrc-l1-$$" 198.18.0.11/24 pl1 || skip "cannot create veth pairs"
v4host "$brA" "$nsr" 198.18.0.254/24 pra || skip "cannot create veth pairs"
ip -n "$brB" link add prb type veth peer name eth1 netns "$nsr"
ip -n "$brB" link set prb master br0 up
ip -n "$nsr" addr add 198.19.1.254/24 brd + dev eth1
ip -n "$nsr" link set eth1 up
ip netns exec "$nsr" sysctl -qw net.ipv4.ip_forward=1
# A host that does not answer ARP is "unreachable" after 0.3 s, not 3 s.
ip netns exec "$nsr" sysctl -qw net.ipv4.neigh.eth1.mcast_solicit=1 \
    net.ipv4.neigh.eth1.retrans_time_ms=300
# And says so every time: the router's ICMP is not rate-limited per
# destination (the earlier -H downhost case spends the tokens the kernel
# keeps for the master's address, one a second after a burst of six).
ip netns exec "$nsr" sysctl -qw net.ipv4.icmp_ratelimit=0
ip netns exec "$nsr" sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 \
    >/dev/null 2>&1 || true
i=11
for s in r1 r2 ws; do
	v4host "$brB" "sxrc-$s-$$" 198.19.1.$i/24 "p$s" || skip "cannot create veth pairs"
	ip -n "sxrc-$s-$$" route add 198.18.0.0/24 via 198.19.1.254
	i=$((i + 1))
done
# The master's default route goes to the router: a broadcast to
# 255.255.255.255 would leave on link A (and reach l1), if one were sent.
ip -n "$nsm" route add default via 198.18.0.254
v6host sxrc-m6-$$ fd00:5e::1/64 pm6 || skip "cannot create veth pairs"
v6host sxrc-a6-$$ fd00:5e::11/64 pa6 || skip "cannot create veth pairs"
v6host sxrc-b6-$$ fd00:5e::12/64 pb6 || skip "cannot create veth pairs"

link_up() { ip -n "$1" -o link show "${2:-eth0}" 2>/dev/null | grep -q 'state UP'; }
for n in "$nsm" "sxrc-l1-$$" "$nsr" sxrc-r1-$$ sxrc-r2-$$ sxrc-ws-$$ \
    sxrc-m6-$$ sxrc-a6-$$ sxrc-b6-$$; do
	wait_until 20 link_up "$n" || fail "eth0 of $n is not up"
done
wait_until 20 link_up "$nsr" eth1 || fail "eth1 of the router is not up"

cat >"$TMP/hosts" <<EOF
127.0.0.1	localhost
::1		localhost ip6-localhost
198.19.1.11	r1
198.19.1.12	r2
198.19.1.13	ws
198.19.1.99	downhost
fd00:5e::12	v6b
EOF

# start_ns_slave NAME [ARGS...]: our slave in namespace sxrc-NAME-PID.
start_ns_slave() {
	local s=$1
	shift
	ip netns exec "sxrc-$s-$$" "$SLAVE_BIN" -p "$PORT" -N "$s" \
	    -o "$TMP/$s.out" -T "$TMP/conf" "$@" >>"$TMP/$s.log" 2>&1 &
	SLAVE_PID[$s]=$!
	track $!
}
ns_udp_bound() {	# ns_udp_bound NAME [PORT]
	[ -n "$(ip netns exec "sxrc-$1-$$" ss -Huan "( sport = :${2:-$PORT} )" 2>/dev/null)" ]
}
# $NAMES NS CMD...: CMD in namespace NS with the test's /etc/hosts, and a
# resolver that answers at once that it knows nothing more (nothing
# listens on the namespace's 127.0.0.1:53): no query leaves the namespace.
# A command, not a function: timeout(1) runs it.
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$TMP/resolv.conf"
NAMES=(unshare -m --propagation private /bin/sh -c
    'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf &&
    shift 2 && exec ip netns exec "$@"'
    sh "$TMP/hosts" "$TMP/resolv.conf")
master_in() {	# master_in NS ARGS...: run our master there, with the names
	local ns=$1
	shift
	run_master_cmd "${NAMES[@]}" "$ns" "$MASTER_BIN" -p "$PORT" "$@"
}
session() {	# session FILE MARK
	make_conf "$1" '/bin/sh :CONF:' "echo run=$2" \
	    'echo "master=$SYNEXEC_MASTER index=$SYNEXEC_SLAVE_INDEX"'
}
# json EXPR FILE: a Python expression over the results document d.
json() {
	"$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"
}

# A master that waits for a host that is down, without -w, its stderr a
# file: it says whom it waits for every 10 s (checked at the end).
pick_port WPORT || exit 1
session "$TMP/w.session" w
"${NAMES[@]}" "$nsm" "$MASTER_BIN" -p "$WPORT" -H downhost 1 "$TMP/w.session" \
    >"$TMP/waiting.out" 2>"$TMP/waiting.err" </dev/null &
WAITING_PID=$!
track $WAITING_PID

for s in r1 r2 l1; do
	start_ns_slave $s
done
start_ns_slave ws -s 9
for s in r1 r2 l1 ws; do
	wait_until 20 ns_udp_bound $s || fail "slave $s did not bind udp $PORT"
done

note "-H r2,r1: names, over the router, in the list's order"
session "$TMP/a.session" a
master_in "$nsm" -H r2,r1 -r "$TMP/a.json" 2 "$TMP/a.session"
assert_exit 0
assert_summary "$MASTER_OUT" r1 r2
for s in r1 r2; do
	assert_contains "$TMP/$s.out" "run=a" "$s output"
	assert_contains "$TMP/$s.out" "master=198.18.0.1" "$s sees the master at"
done
assert_eq "r2 r1" "$(json '" ".join(s["name"] for s in d["slaves"])' "$TMP/a.json")" \
    "the results' slaves, in host-list order"
assert_contains "$TMP/r2.out" "index=0" "r2 (listed first) is slave 0"
assert_no_file "$TMP/l1.out" "l1 output (not listed)"

note "a host list and no -i: nothing broadcast (l1, on the master's link, stays out)"
master_in "$nsm" -H r1 -w 2 2 "$TMP/a.session"
assert_exit 5
assert_contains "$MASTER_ERR" "1 of 2 slaves joined"
assert_no_file "$TMP/l1.out" "l1 output (a broadcast would have brought it)"
assert_contains "$MASTER_ERR" "probes: "
assert_not_contains "$MASTER_ERR" "broadcast)" "the probes' targets"

note "--hosts FILE, SLAVES all: those that never joined are named, with why"
cat >"$TMP/hosts.list" <<EOF
# the routed benchmark subnet
r[1-2]		# two slaves
ws

downhost
nosuch
EOF
session "$TMP/b.session" b
master_in "$nsm" --hosts "$TMP/hosts.list" -w 4 -r "$TMP/b.json" all "$TMP/b.session"
assert_exit 5
assert_contains "$MASTER_ERR" "discovery timed out after 4 s: 2 of 5 slaves joined"
assert_matches "$MASTER_ERR" "probes: [0-9]+ rounds, [0-9]+ datagrams, to 5 listed hosts, UDP port $PORT, session 0"
assert_line_has "$MASTER_ERR" "turned away: 198.19.1.13" "other session (it serves session 9, not 0)"
assert_line_has "$MASTER_ERR" "not joined:" "ws (198.19.1.13:$PORT): wrong session: it serves session 9"
assert_line_has "$MASTER_ERR" "not joined:" "downhost (198.19.1.99:$PORT): host unreachable (ICMP from 198.18.0.254)"
assert_line_has "$MASTER_ERR" "not joined:" "nosuch: name not resolved"
assert_contains "$MASTER_ERR" "hint (session id):"
assert_contains "$MASTER_ERR" "hint (route):"
assert_contains "$MASTER_ERR" "hint (names):"
assert_eq "r1 r2 ws downhost nosuch" \
    "$(json '" ".join(s["name"] for s in d["slaves"])' "$TMP/b.json")" \
    "the results' slaves: joined, then those that never did, in list order"
assert_eq "not joined" "$(json '[s for s in d["slaves"] if s["name"] == "downhost"][0]["state"]' "$TMP/b.json")" \
    "downhost's state in the results"
assert_eq "True True True" "$(json '" ".join(str(w in [s for s in d["slaves"] if s["name"] == n][0]["error"]) for n, w in (("ws", "wrong session"), ("downhost", "host unreachable"), ("nosuch", "name not resolved")))' "$TMP/b.json")" \
    "the errors of ws, downhost and nosuch in the results"
assert_no_file "$TMP/ws.out" "ws output"

note "IPv6 only: -i eth0 probes ff02::1"
start_ns_slave a6 -i eth0
start_ns_slave b6 -i eth0
for s in a6 b6; do
	wait_until 20 ns_udp_bound $s || fail "slave $s did not bind udp $PORT"
done
session "$TMP/c.session" c
master_in sxrc-m6-$$ -i eth0 -r "$TMP/c.json" 2 "$TMP/c.session"
assert_exit 0
assert_summary "$MASTER_OUT" a6 b6
assert_eq "True True" "$(json '" ".join(str(__import__("re").match(r"^\[[0-9a-f:]+(%eth0)?\]:[0-9]+$", s["address"]) is not None) for s in d["slaves"])' "$TMP/c.json")" \
    "the results' addresses are [IPv6]:port"
assert_matches "$TMP/a6.out" "master=f[de][0-9a-f:]*" "a6 sees the master at an IPv6 address"

note "IPv6 only: -H [fd00:5e::11],v6b (AAAA from /etc/hosts), no -i"
session "$TMP/d.session" d
master_in sxrc-m6-$$ -H "[fd00:5e::11],v6b" -r "$TMP/d.json" 2 "$TMP/d.session"
assert_exit 0
assert_eq "a6 [fd00:5e::11] b6 [fd00:5e::12]" \
    "$(json '" ".join(s["name"] + " " + s["address"].rsplit(":", 1)[0] for s in d["slaves"])' "$TMP/d.json")" \
    "the slaves and their addresses, in host-list order"
assert_contains "$TMP/b6.out" "master=fd00:5e::1 " "b6 sees the master at"

note "IPv6 only: slaves with -m [fd00:5e::1]:PORT"
stop_slave a6
stop_slave b6
pick_port OTHER || exit 1
for s in a6 b6; do	# their UDP port is not the master's: -m alone
	start_ns_slave $s -m "[fd00:5e::1]:$PORT" -p "$OTHER"
done
session "$TMP/e.session" e
master_in sxrc-m6-$$ -i eth0 2 "$TMP/e.session"
assert_exit 0
for s in a6 b6; do
	assert_contains "$TMP/$s.out" "run=e" "$s output"
	assert_contains "$TMP/$s.out" "master=fd00:5e::1 " "$s sees the master at"
done

note "a master without -w, not on a terminal, says whom it waits for"
if wait_until 20 grep -q "still waiting for 1 more slave" "$TMP/waiting.err"; then
	assert_line_has "$TMP/waiting.err" "still waiting for 1 more slave after" \
	    "listed, not joined: downhost (198.19.1.99:$WPORT): host unreachable"
else
	fail "no 'still waiting for' line within 20 s"
	show_file "$TMP/waiting.err"
fi
kill -TERM "$WAITING_PID" 2>/dev/null
wait_pid "$WAITING_PID" 10

finish
