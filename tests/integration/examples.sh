#!/bin/bash
# examples: what conf.examples/ ships works.
#   - every example configuration (*.conf) passes -n with both programs;
#   - every example session file (*.session) passes synexec_master -n, and
#     a slave on loopback accepts it (a 2014-style master, tests/v1peer.py
#     --conf-only, sends it and hangs up at the answer, so nothing runs).
#     When the session's program is not installed here (fio, often), the
#     slave's refusal must name exactly that program as missing, and the
#     same session with the program's path pointed at a stand-in must be
#     accepted: so only the missing executable was wrong.  When fio is
#     installed, fio itself checks the job file (--parse-only);
#   - sleep.session and script.session run end to end with our master and
#     two slaves, and dd-write.session too, shrunk to 4 MiB in $TMP.
. "$(dirname "$0")/../lib.sh"
require_bins
"$PYTHON" -c 'import struct' 2>/dev/null || skip "no python3 for tests/v1peer.py"

ex=$SYNEXEC_TOP/conf.examples
confs=("$ex"/*.conf)
sessions=("$ex"/*.session)
[ ${#confs[@]} -ge 1 ] && [ -e "${confs[0]}" ] || fail "no conf.examples/*.conf"
[ ${#sessions[@]} -ge 4 ] || fail "expected at least 4 conf.examples/*.session, found ${#sessions[@]}"

# ---- configurations
for c in "${confs[@]}"; do
	for bin in "$MASTER_BIN" "$SLAVE_BIN"; do
		out=$("$bin" -n -c "$c" 2>&1)
		rc=$?
		if [ $rc = 0 ] && [ "$out" = "configuration OK" ]; then
			pass "$(basename "$bin") -n -c $(basename "$c"): configuration OK"
		else
			fail "$(basename "$bin") -n -c $(basename "$c"): exit $rc: $out"
		fi
	done
done

# ---- session files: the master's check
for s in "${sessions[@]}"; do
	out=$("$MASTER_BIN" -n -c "$ex/synexec.conf" 1 "$s" 2>&1)
	rc=$?
	if [ $rc = 0 ] && [ "$out" = "configuration OK" ]; then
		pass "synexec_master -n 1 $(basename "$s"): configuration OK"
	else
		fail "synexec_master -n 1 $(basename "$s"): exit $rc: $out"
	fi
done

# ---- session files: a slave on loopback accepts them
start_slave acceptor -c "$ex/synexec.conf"
wait_slaves_ready

# offer SESSION LABEL: send it, wait for the slave's answer.  Sets OFFER_RC
# (0 accepted, 2 refused) and OFFER_LOG.
offer() {
	OFFER_LOG=$TMP/offer.$2.log
	timeout -k 2 30 "$PYTHON" "$V1PEER" master --port "$PORT" --session 0 \
	    --bcast 127.255.255.255 --slaves 1 --conf "$1" --conf-only \
	    --timeout 20 >"$OFFER_LOG" 2>&1
	OFFER_RC=$?
}

mkdir -p "$TMP/bin"
for s in "${sessions[@]}"; do
	name=$(basename "$s" .session)
	size=$(stat -c %s "$s")
	if [ "$size" -gt 65535 ]; then
		fail "$name: $size bytes: over what a 2014-style offer can carry"
		continue
	fi
	cmd=$(head -n 1 "$s" | awk '{ print $1 }')
	offer "$s" "$name"
	if [ -x "$cmd" ]; then
		if [ $OFFER_RC = 0 ] && grep -q ': CONF_OK' "$OFFER_LOG"; then
			pass "$name: accepted by a slave on loopback"
		else
			fail "$name: not accepted (exit $OFFER_RC):"
			cat "$OFFER_LOG"
		fi
	else
		# Not installed here: the refusal names it, and only it.
		want="$cmd: No such file or directory"
		if [ $OFFER_RC = 2 ] && grep -qF "CONF_NO $want" "$OFFER_LOG"; then
			pass "$name: $cmd is not installed here; the slave refuses with '$want'"
		else
			fail "$name: expected a refusal '$want' (exit 2), got exit $OFFER_RC:"
			cat "$OFFER_LOG"
		fi
		stub=$TMP/bin/$(basename "$cmd")
		printf '#!/bin/sh\nexit 0\n' >"$stub"
		chmod 755 "$stub"
		{ head -n 1 "$s" | sed "s|^$cmd|$stub|"; tail -n +2 "$s"; } \
		    >"$TMP/$name.stub.session"
		cmp -s <(tail -n +2 "$s") <(tail -n +2 "$TMP/$name.stub.session") ||
		    fail "$name: the stand-in session's payload differs"
		offer "$TMP/$name.stub.session" "$name.stub"
		if [ $OFFER_RC = 0 ] && grep -q ': CONF_OK' "$OFFER_LOG"; then
			pass "$name: accepted once $cmd exists: only the executable was missing"
		else
			fail "$name with a stand-in for $cmd: not accepted (exit $OFFER_RC):"
			cat "$OFFER_LOG"
		fi
	fi
done
# The slave hung up on by each offer killed the armed task: nothing ran.
assert_eq 0 "$(stat -c %s "$TMP/acceptor.out" 2>/dev/null || echo 0)" \
    "bytes the offered tasks wrote"
stop_slave acceptor

# ---- fio checks its own job file, when it is here
if command -v fio >/dev/null; then
	tail -n +2 "$ex/fio-randread.session" >"$TMP/job.fio"
	if SYNEXEC_SLAVE_NAME=check fio --parse-only "$TMP/job.fio" \
	    >"$TMP/fio.log" 2>&1; then
		pass "fio --parse-only accepts the job file of fio-randread.session"
	else
		fail "fio --parse-only rejects fio-randread.session's job file:"
		cat "$TMP/fio.log"
	fi
else
	echo "note: fio is not installed: its job file was not parsed by fio"
fi

# ---- end to end: sleep and script, two slaves, our master
start_slave one
start_slave two
wait_slaves_ready

run_master -w 10 2 "$ex/sleep.session"
assert_exit 0 "sleep.session: master exit code"
assert_summary "$MASTER_OUT" one two

run_master -w 10 2 "$ex/script.session"
assert_exit 0 "script.session: master exit code"
assert_summary "$MASTER_OUT" one two
for s in one two; do
	assert_matches "$TMP/$s.out" "^slave $s \([01] of 2\), session 0, master 127\.0\.0\.1" \
	    "script.session output of $s"
	assert_contains "$TMP/$s.out" "step 5/5 done" "script.session output of $s"
done

# dd-write.session, shrunk: 4 MiB in $TMP (direct I/O may be refused by
# $TMP's file system: then the write half must still work).
sed -e 's|^mb=1024|mb=4|' -e "s|^dir=/var/tmp|dir=$TMP|" \
    "$ex/dd-write.session" >"$TMP/dd-small.session"
grep -q '^mb=4' "$TMP/dd-small.session" && grep -q "^dir=$TMP" "$TMP/dd-small.session" ||
    fail "dd-write.session no longer has the mb= and dir= lines this test shrinks"
run_master -w 10 2 "$TMP/dd-small.session"
assert_summary "$MASTER_OUT" one two
for s in one two; do
	assert_contains "$TMP/$s.out" "4194304 bytes" "dd-write.session output of $s"
done
if [ "$MASTER_RC" = 0 ]; then
	pass "dd-write.session: master exit code 0"
elif grep -q 'Invalid argument' "$TMP/one.out"; then
	echo "note: $TMP's file system refuses direct I/O; the read half failed"
else
	fail "dd-write.session: master exit code $MASTER_RC"
fi
ls "$TMP"/synexec-dd.* >/dev/null 2>&1 &&
    fail "dd-write.session left its file behind: $(ls "$TMP"/synexec-dd.*)"

finish
