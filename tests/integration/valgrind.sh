#!/bin/bash
# valgrind: one loopback session with both binaries under valgrind memcheck
# (--leak-check=full --error-exitcode=99): no invalid access, no
# uninitialised value used, no leak.  The session is keyed and carries a
# 200 KB payload, so the handshake, the sealed records, the streamed
# configuration and the task's result all run under memcheck.  The slave
# runs with -1 and exits after the session, so its own exit is checked too.
# SKIP without valgrind.
. "$(dirname "$0")/../lib.sh"
require_bins
command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed"
case $SYNEXEC_BINDIR in
*/san) skip "the SAN=1 binaries use AddressSanitizer, which valgrind cannot run" ;;
esac

VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --track-fds=no"
"$MASTER_BIN" --genkey "$TMP/key" >/dev/null || fail "--genkey"
MARK=valgrind-ran-$RANDOM
{ printf '/bin/sh :CONF:\n'; echo "echo $MARK; wc -c < \"\$0\"; exit 0"; head -c 150000 /dev/urandom | base64; } >"$TMP/vg.session"
size=$(( $(stat -c %s "$TMP/vg.session") - $(head -n 1 "$TMP/vg.session" | wc -c) ))

note "slave under valgrind"
$VG --log-file="$TMP/slave.vg" "$SLAVE_BIN" -i lo -p "$PORT" -N vg -1 \
    -k "$TMP/key" -o "$TMP/vg.out" -T "$TMP/conf" >"$TMP/vg.log" 2>&1 &
SPID=$!
track $SPID
wait_until 30 udp_bound "$PORT" || fail "the slave under valgrind did not start"

note "master under valgrind"
MASTER_TIMEOUT=120 run_master_cmd $VG --log-file="$TMP/master.vg" \
    "$MASTER_BIN" -i lo -p "$PORT" -k "$TMP/key" 1 "$TMP/vg.session"
assert_exit 0 "master under valgrind (99: memcheck found errors)"
wait_pid "$SPID" 60
assert_eq 0 "$WAIT_RC" "slave under valgrind, -1 (99: memcheck found errors)"
assert_contains "$TMP/vg.out" "$MARK"
assert_contains "$TMP/vg.out" "$size" "payload size as the task saw it"
for f in master slave; do
	if [ -s "$TMP/$f.vg" ]; then
		fail "valgrind reports for the $f:"
		head -n 40 "$TMP/$f.vg"
	else
		pass "valgrind: nothing to report for the $f"
	fi
done
finish
