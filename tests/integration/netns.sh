#!/bin/bash
# netns: a master and four slaves on a real (virtual) Ethernet segment.
# A namespace holds a bridge; the master's and each slave's namespace has a
# veth on it: master 198.18.0.1/24, slaves s1..s3 198.18.0.11..13/24, and s4
# 198.18.1.14/24, on the same segment but in another subnet (both sides
# have an on-link route to the other), so s4 hears 255.255.255.255 but not
# the subnet broadcast 198.18.0.255.  Every packet, the 255.255.255.255
# broadcasts included, stays inside these namespaces.
#   - master -i eth0 (subnet broadcast): s1..s3 join, s4 does not (-w: 5)
#   - master -i eth0 -b (255.255.255.255): all four join
#   - master without -i (all addresses, 255.255.255.255): all four join
#   - slaves with -m 198.18.0.1: all four join
#   - a campaign (issue 17) with -b, SLAVES all by name --slaves 's[1-4]'
#     --exclude s4: s1..s3 only, 4 runs, in order, indexed by name
. "$(dirname "$0")/../lib.sh"
require_root
command -v ip >/dev/null || skip "no ip(8) for network namespaces"
require_bins

# Namespaces are named sxnt-ROLE-PID.
netns_clean_stale sxnt
br=sxnt-br-$$
nsm=sxnt-m-$$
netns_bridge "$br"

# add_host NS ADDR/LEN: a namespace with eth0 (ADDR) on the bridge, whose
# bridge port is named after the address's last byte.  IPv4 only: IPv6's
# ff02::1 reaches the whole link, s4 included (netns6.sh tests that).
add_host() {
	local port=p${2%/*}
	netns_add "$1" || return 1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	ip -n "$br" link add "p${port##*.}" type veth peer name eth0 netns "$1" || return 1
	ip -n "$br" link set "p${port##*.}" master br0 up
	ip -n "$1" addr add "$2" brd + dev eth0
	ip -n "$1" link set eth0 up
}
add_host "$nsm" 198.18.0.1/24 || skip "cannot create veth pairs"
same="s1 s2 s3"
slaves="$same s4"
i=11
for s in $same; do
	add_host "sxnt-$s-$$" 198.18.0.$i/24 || skip "cannot create veth pairs"
	i=$((i + 1))
done
add_host "sxnt-s4-$$" 198.18.1.14/24 || skip "cannot create veth pairs"
ip -n "sxnt-s4-$$" route add 198.18.0.0/24 dev eth0
ip -n "$nsm" route add 198.18.1.0/24 dev eth0

# Wait for the carriers (STP is off, so bridge ports forward at once; the
# master re-probes anyway).
link_up() { ip -n "$1" -o link show eth0 2>/dev/null | grep -q 'state UP'; }
for s in m $slaves; do
	wait_until 20 link_up "sxnt-$s-$$" || fail "eth0 of sxnt-$s-$$ is not up"
done

# start_ns_slave NAME [ARGS...]: our slave in its namespace.
start_ns_slave() {
	local s=$1
	shift
	ip netns exec "sxnt-$s-$$" "$SLAVE_BIN" -i eth0 -p "$PORT" -N "$s" \
	    -o "$TMP/$s.out" -T "$TMP/conf" "$@" >>"$TMP/$s.log" 2>&1 &
	SLAVE_PID[$s]=$!
	track $!
}

ns_udp_bound() {	# ns_udp_bound NAME: the slave in sxnt-NAME has bound $PORT
	[ -n "$(ip netns exec "sxnt-$1-$$" ss -Huan "( sport = :$PORT )" 2>/dev/null)" ]
}

# master_ns ARGS...: our master in the master namespace (never -i lo here).
master_ns() {
	run_master_cmd ip netns exec "$nsm" "$MASTER_BIN" -p "$PORT" "$@"
}

check_session() {	# check_session MARK SLAVE...: those slaves ran it
	local s mark=$1
	shift
	assert_summary "$MASTER_OUT" "$@"
	for s in "$@"; do
		assert_contains "$TMP/$s.out" "run=$mark" "$s output"
		assert_contains "$TMP/$s.out" "master=198.18.0.1" "$s sees the master at"
	done
}

session() {	# session FILE MARK
	make_conf "$1" '/bin/sh :CONF:' "echo run=$2" 'echo "master=$SYNEXEC_MASTER"' \
	    'echo "index=$SYNEXEC_SLAVE_INDEX"'
}

for s in $slaves; do
	start_ns_slave $s
done
for s in $slaves; do
	wait_until 20 ns_udp_bound $s || fail "slave $s did not bind udp $PORT"
done

note "master -i eth0 (subnet broadcast): s1..s3"
session "$TMP/a.session" a
master_ns -i eth0 3 "$TMP/a.session"
assert_exit 0
check_session a $same
assert_no_file "$TMP/s4.out" "s4 output (it cannot hear 198.18.0.255)"

note "master -i eth0 -w 2 for 4 slaves: s4 does not hear the subnet broadcast"
master_ns -i eth0 -w 2 4 "$TMP/a.session"
assert_exit 5
cat "$MASTER_OUT" "$MASTER_ERR" >"$TMP/w.all"
assert_contains "$TMP/w.all" "3 of 4" "-w message"

note "master -i eth0 -b (255.255.255.255): all four"
session "$TMP/b.session" b
master_ns -i eth0 -b 4 "$TMP/b.session"
assert_exit 0
check_session b $slaves

note "a campaign over s1..s3 by name (SLAVES all): 2 files x --repeat 2"
# s4 hears 255.255.255.255 (-b) but --exclude turns it away; each task
# logs its run, repeat, file, name and index.
make_conf "$TMP/e.session" '/bin/sh :CONF:' \
    "echo \"\$SYNEXEC_RUN \$SYNEXEC_REPEAT \$SYNEXEC_CONF \$SYNEXEC_SLAVE_NAME \$SYNEXEC_SLAVE_INDEX \$SYNEXEC_SLAVES\" >>$TMP/campaign.log"
cp "$TMP/e.session" "$TMP/f.session"
master_ns -i eth0 -b --slaves 's[1-4]' --exclude s4 --repeat 2 \
    --csv "$TMP/campaign.csv" all "$TMP/e.session" "$TMP/f.session"
assert_exit 0 "campaign in namespaces"
assert_contains "$MASTER_OUT" "campaign: 4 of 4 runs: complete (exit 0)"
want=""
for r in 0 1 2 3; do
	f=e
	[ $r -ge 2 ] && f=f
	for i in 1 2 3; do
		want="$want$r $((r % 2)) $f.session s$i $((i - 1)) 3|"
	done
done
assert_eq "$want" "$(sort -k1,1n -k5,5n "$TMP/campaign.log" | tr '\n' '|')" \
    "each run's tasks: run, repeat, file, name, index, slaves"
assert_eq 13 "$(wc -l <"$TMP/campaign.csv")" "the CSV: a header and 12 rows"

note "master without -i (255.255.255.255, default route in its namespace)"
# Without -i the limited broadcast follows the routing table, as on any
# host: give the master's namespace a default route out of eth0.
ip -n "$nsm" route add default dev eth0
session "$TMP/c.session" c
master_ns 4 "$TMP/c.session"
assert_exit 0
check_session c $slaves

note "slaves with -m 198.18.0.1"
for s in $slaves; do
	stop_slave $s
done
for s in $slaves; do
	start_ns_slave $s -m 198.18.0.1
done
session "$TMP/d.session" d
master_ns -i eth0 4 "$TMP/d.session"
assert_exit 0
check_session d $slaves

finish
