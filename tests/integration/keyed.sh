#!/bin/bash
# keyed: keyed sessions end to end (NOTES section 10), real binaries on
# loopback, tests/mitm.py in the middle where the wire is looked at.
#   - --genkey writes a 0600 key and never overwrites; a key file readable by
#     group or others, owned by another user than the one running the
#     program or root, or that is a FIFO (no hang) is refused by both;
#   - without a key both print the one "unauthenticated" warning line; with
#     one, neither does;
#   - the same key: the session runs, and on the wire there is nothing but
#     AUTH_HELLO, AUTH_PROOF and SEALED frames (the payload is not visible);
#   - another key, a keyed master with an unkeyed slave, an unkeyed master
#     with a keyed slave: "key mismatch" on both sides within a second,
#     nothing runs;
#   - a 2014 master (tests/v1peer.py) gets nothing from a keyed slave, which
#     says why;
#   - a recorded session replayed to a slave or to a master achieves
#     nothing; a sealed frame altered, replayed, reordered or dropped on the
#     way ends the connection and nothing runs.
. "$(dirname "$0")/../lib.sh"
require_bins
"$PYTHON" -c 'import struct, select' 2>/dev/null || skip "no python3 for tests/mitm.py"
MITM=$SYNEXEC_TOP/tests/mitm.py

MARK=keyed-payload-marker-$RANDOM$RANDOM
make_conf "$TMP/ok.session" '/bin/sh :CONF:' "echo ran $MARK"

# ------------------------------------------------------------------ key files
note "--genkey: mode 0600, never over an existing file"
"$MASTER_BIN" --genkey "$TMP/key" >"$TMP/genkey.out" 2>&1
assert_eq 0 $? "--genkey exit code"
assert_eq 600 "$(stat -c %a "$TMP/key" 2>/dev/null)" "key file mode"
assert_matches "$TMP/key" '^[0-9a-f]{64}$' "key file (64 hex digits)"
cp "$TMP/key" "$TMP/key.before"
"$MASTER_BIN" --genkey "$TMP/key" >"$TMP/genkey2.out" 2>&1
assert_eq 1 $? "--genkey over an existing file: exit code"
assert_contains "$TMP/genkey2.out" "not overwritten"
cmp -s "$TMP/key" "$TMP/key.before" && pass "the existing key is unchanged" ||
    fail "--genkey changed an existing key file"
"$MASTER_BIN" --genkey "$TMP/key2" >/dev/null 2>&1
"$MASTER_BIN" --genkey "$TMP/nokey" >/dev/null 2>&1	# never given to anyone

note "a key file readable by group or others is refused by both"
cp -p "$TMP/key" "$TMP/key.open"
chmod 640 "$TMP/key.open"
"$MASTER_BIN" -i lo -p "$PORT" -k "$TMP/key.open" 1 "$TMP/ok.session" \
    >"$TMP/open.master" 2>&1
assert_eq 1 $? "master with a 0640 key: exit code"
assert_contains "$TMP/open.master" "readable or writable by group or others"
chmod 604 "$TMP/key.open"
"$SLAVE_BIN" -i lo -p "$PORT" -k "$TMP/key.open" -1 >"$TMP/open.slave" 2>&1
assert_eq 1 $? "slave with a 0604 key: exit code"
assert_contains "$TMP/open.slave" "readable or writable by group or others"
# The configuration file's key_file is the same check.
printf 'slave {\n key_file = "%s"\n}\n' "$TMP/key.open" >"$TMP/keyopen.conf"
"$SLAVE_BIN" -n -c "$TMP/keyopen.conf" >"$TMP/open.slave2" 2>&1
assert_eq 1 $? "slave -n with key_file of mode 0604: exit code"
assert_contains "$TMP/open.slave2" "group or others"
printf 'slave {\n key_file = "%s"\n}\n' "$TMP/key" >"$TMP/keyok.conf"
"$SLAVE_BIN" -n -c "$TMP/keyok.conf" >"$TMP/ok.slave" 2>&1
assert_eq 0 $? "slave -n with key_file of mode 0600: exit code"

# Like OpenSSH: a key file is the running user's or root's.  A FIFO there
# must not hold either program (it is not a regular file).
note "a key file of another user (or a FIFO) is refused by both, naming it"
mkfifo "$TMP/key.fifo"
timeout -k 2 10 "$MASTER_BIN" -i lo -p "$PORT" -w 2 -k "$TMP/key.fifo" 1 \
    "$TMP/ok.session" >"$TMP/fifo.master" 2>&1
assert_eq 1 $? "master with a FIFO as key file: exit code (124: it hung)"
assert_contains "$TMP/fifo.master" "key file $TMP/key.fifo: not a regular file"
timeout -k 2 10 "$SLAVE_BIN" -n -k "$TMP/key.fifo" >"$TMP/fifo.slave" 2>&1
assert_eq 1 $? "slave -n with a FIFO as key file: exit code (124: it hung)"
assert_contains "$TMP/fifo.slave" "not a regular file"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	cp -p "$TMP/key" "$TMP/key.theirs"
	chown nobody "$TMP/key.theirs"
	timeout -k 2 10 "$MASTER_BIN" -i lo -p "$PORT" -w 2 \
	    -k "$TMP/key.theirs" 1 "$TMP/ok.session" >"$TMP/theirs.master" 2>&1
	assert_eq 1 $? "master (root) with nobody's key file: exit code"
	assert_contains "$TMP/theirs.master" \
	    "key file $TMP/key.theirs is owned by uid $(id -u nobody) (nobody), not by uid 0 (root)"
	"$SLAVE_BIN" -n -k "$TMP/key.theirs" >"$TMP/theirs.slave" 2>&1
	assert_eq 1 $? "slave -n (root) with nobody's key file: exit code"
	assert_contains "$TMP/theirs.slave" "is owned by uid $(id -u nobody) (nobody)"
	# A user who is not root, with a key file of his own: taken.
	chmod 711 "$TMP"
	mkdir -m 755 "$TMP/nb"
	cp "$TMP/key" "$TMP/nb/key.own"
	chown nobody "$TMP/nb/key.own"
	chmod 600 "$TMP/nb/key.own"
	slave_bin_for_all
	setpriv --reuid nobody --regid nogroup --clear-groups -- \
	    "$SLAVE_BIN_ALL" -n -k "$TMP/nb/key.own" >"$TMP/own.slave" 2>&1
	assert_eq 0 $? "slave -n (nobody) with its own key file: exit code"
	chmod 700 "$TMP"
else
	echo "SKIP: (part) another user's key file: needs root, nobody, setpriv"
fi

# ------------------------------------------------------------------ sessions
note "the same key: the session runs; no unauthenticated warning"
start_slave good -k "$TMP/key"
wait_slaves_ready
run_master -k "$TMP/key" 1 "$TMP/ok.session"
assert_exit 0
assert_contains "$TMP/good.out" "ran $MARK"
assert_not_contains "$MASTER_ERR" "unauthenticated"
assert_not_contains "$TMP/good.log" "unauthenticated"
assert_contains "$TMP/good.log" "keyed sessions"
stop_slave good

note "no key: one warning line on each side"
start_slave plain
wait_slaves_ready
run_master 1 "$TMP/ok.session"
assert_exit 0
for f in "$MASTER_ERR" "$TMP/plain.log"; do
	n=$(grep -c "unauthenticated" "$f")
	assert_eq 1 "$n" "warning lines in ${f#$TMP/}"
	assert_line_has "$f" "unauthenticated" "anyone who can reach the port can run commands as"
done
# The issue's words, unbroken: "anyone who can reach the port can run
# commands as <user>".
assert_contains "$TMP/plain.log" \
    "anyone who can reach the port can run commands as $(id -un)"
assert_contains "$MASTER_ERR" \
    "anyone who can reach the port can run commands as the slaves' user"
stop_slave plain

# mismatch CASE SLAVE_ARGS MASTER_ARGS: nothing runs, both say key mismatch
# once (the master once per slave address, the slave once per master,
# however often the probes bring it back), and the master, without -w,
# exits 3 within a second of it, by its own clock.
mismatch() {
	local label=$1 sargs=$2 margs=$3 after
	note "$label: key mismatch on both sides, nothing runs, exit 3 at once"
	rm -f "$TMP/$label.out"
	# shellcheck disable=SC2086
	start_slave "$label" $sargs
	wait_slaves_ready
	# shellcheck disable=SC2086
	start_master $margs 1 "$TMP/ok.session"
	wait_master 20
	assert_exit 3 "$label: master exit code (a key mismatch)"
	assert_contains "$MASTER_OUT" "phase done: wrong key after"
	after=$(sed -n 's/.*phase done: wrong key after \([0-9.]*\) s.*/\1/p' "$MASTER_OUT")
	if awk -v a="${after:-9}" 'BEGIN { exit !(a < 1.0) }'; then
		pass "$label: the master ended $after s after its start"
	else
		fail "$label: the master ended ${after:-?} s after its start, not within 1 s"
	fi
	assert_eq 1 "$(cat "$MASTER_OUT" "$MASTER_ERR" | grep -c 'key mismatch')" \
	    "$label: the master's key mismatch lines (once per address)"
	assert_contains "$MASTER_ERR" "refused for a wrong key: 1 slave address: 127.0.0.1"
	assert_contains "$MASTER_ERR" "hint (key):"
	wait_until 10 grep -q "key mismatch" "$TMP/$label.log" ||
	    fail "$label: the slave did not log the key mismatch"
	assert_eq 1 "$(grep -c 'key mismatch' "$TMP/$label.log")" \
	    "$label: the slave's key mismatch lines (once per master)"
	assert_no_file "$TMP/$label.out" "$label: task output (nothing ran)"
	stop_slave "$label"
}
mismatch otherkey "-k $TMP/key2" "-k $TMP/key"
# Both key ids, on both sides.
assert_contains "$TMP/otherkey.log" "ours is"
assert_matches "$MASTER_ERR" "127.0.0.1: key mismatch: the peer's key is [0-9a-f]{16}, ours is [0-9a-f]{16}"
mismatch unkeyedslave "" "-k $TMP/key"
assert_contains "$MASTER_ERR" "the peer has no key"
mismatch unkeyedmaster "-k $TMP/key" ""
assert_contains "$MASTER_ERR" "we have no key"

note "a 2014 master gets nothing from a keyed slave"
start_slave old -k "$TMP/key" -1
wait_slaves_ready
timeout -k 2 15 "$PYTHON" "$V1PEER" master --port "$PORT" --session 0 \
    --slaves 1 --conf "$TMP/ok.session" --timeout 5 >"$TMP/v1master.txt" 2>&1
rc=$?
cat "$TMP/v1master.txt"
[ $rc != 0 ] && pass "the 2014 master did not complete a session (exit $rc)" ||
    fail "the 2014 master completed a session with a keyed slave"
assert_not_contains "$TMP/v1master.txt" "CONF_OK"
assert_no_file "$TMP/old.out" "task output of the keyed slave"
assert_matches "$TMP/old.log" "key handshake|key mismatch" "keyed slave's log (why it refused)"
stop_slave old

# ------------------------------------------------------------------ the wire
# A slave that connects through the proxy (-m) to a master on $PORT.
pick_port PPORT || exit 1
proxy_session() {	# proxy_session LABEL MITM_ARGS...: slave, proxy, master
	local label=$1
	shift
	timeout -k 2 30 "$PYTHON" "$MITM" proxy --listen "$PPORT" --to "$PORT" \
	    --timeout 25 "$@" >"$TMP/$label.mitm" 2>&1 &
	MITM_PID=$!
	track $MITM_PID
	wait_until 20 grep -q listening "$TMP/$label.mitm"
	start_master -k "$TMP/key" -w "${PROXY_WAIT:-6}" 1 "$TMP/$label.session"
	wait_until 20 test -s "$MASTER_ERR"
	# Its UDP port is not the master's: it hears no probe, and comes
	# through the proxy only (a slave with -m answers probes too).
	start_slave "$label" -k "$TMP/key" -m "127.0.0.1:$PPORT" -p "$PPORT"
	wait_master 20
	stop_slave "$label"
	wait_pid "$MITM_PID" 20
}

note "on the wire: handshake, then nothing but SEALED; payload invisible"
{ printf '/bin/sh :CONF:\n'; echo "echo ran $MARK"; echo ": $MARK"; } >"$TMP/wire.session"
proxy_session wire --record-m2s "$TMP/m2s.bin" --record-s2m "$TMP/s2m.bin"
assert_exit 0 "master exit code through the proxy"
assert_contains "$TMP/wire.out" "ran $MARK"
for d in m2s s2m; do
	first=$(grep "^$d " "$TMP/wire.mitm" | head -n 2 | awk '{print $2}' | tr '\n' ' ')
	assert_eq "AUTH_HELLO AUTH_PROOF " "$first" "$d: the first two frames"
	others=$(grep "^$d " "$TMP/wire.mitm" | tail -n +3 | awk '{print $2}' | sort -u | tr '\n' ' ')
	assert_eq "SEALED " "$others" "$d: every later frame"
done
if grep -qa "$MARK" "$TMP/m2s.bin"; then
	fail "the payload's text is visible on the wire (master to slave)"
else
	pass "the payload's text is not on the wire ($(stat -c %s "$TMP/m2s.bin") bytes recorded)"
fi

note "the recorded master replayed to the slave achieves nothing"
start_slave replayed -k "$TMP/key" -m "127.0.0.1:$PPORT" -p "$PPORT"
timeout -k 2 20 "$PYTHON" "$MITM" replay-to-slave --listen "$PPORT" \
    --file "$TMP/m2s.bin" --timeout 10 >"$TMP/replay-slave.txt" 2>&1
cat "$TMP/replay-slave.txt"
assert_contains "$TMP/replay-slave.txt" "peer closed: True"
assert_not_contains "$TMP/replay-slave.txt" "SEALED" "what the slave sent (no sealed frame)"
assert_contains "$TMP/replayed.log" "key mismatch"
assert_no_file "$TMP/replayed.out" "task output after the replay"
stop_slave replayed

note "the recorded slave replayed to the master achieves nothing"
start_master -k "$TMP/key" -w 4 1 "$TMP/ok.session"
wait_until 20 test -s "$MASTER_ERR"
timeout -k 2 20 "$PYTHON" "$MITM" replay-to-master --to "$PORT" \
    --file "$TMP/s2m.bin" --timeout 10 >"$TMP/replay-master.txt" 2>&1
cat "$TMP/replay-master.txt"
assert_contains "$TMP/replay-master.txt" "peer closed: True"
assert_not_contains "$TMP/replay-master.txt" "SEALED" "what the master sent (no sealed frame)"
wait_master 20
assert_exit 5 "master exit code (the replayed slave never joined; a forged proof does not end it)"
assert_contains "$MASTER_ERR" "key mismatch"

# A 200 KiB payload: CONF_DATA records follow each other, so there is a
# next frame to swap with.  Sealed frames master to slave: 0 WELCOME, 1-4
# PING, 5 CONF_BEGIN, 6... CONF_DATA.
head -c 200000 /dev/urandom | base64 -w 100 >"$TMP/big.payload"
{ printf '/bin/sh :CONF:\n'; echo "echo ran $MARK; exit 0"; cat "$TMP/big.payload"; } >"$TMP/big.session"
for t in "flip m2s 0" "hdr m2s 5" "dup m2s 6" "swap m2s 7" "drop m2s 6" \
    "flip s2m 1" "dup s2m 0"; do
	set -- $t
	label=tamper-$1-$2-$3
	note "sealed frame $3 ($2) on the wire: $1; the connection ends, nothing runs"
	cp "$TMP/big.session" "$TMP/$label.session"
	PROXY_WAIT=2 proxy_session "$label" --tamper "$1" --dir "$2" --index "$3"
	assert_contains "$TMP/$label.mitm" "tampering with sealed frame $3"
	if [ "$MASTER_RC" = 0 ]; then
		fail "$label: the session succeeded despite the tampering"
	else
		pass "$label: the session failed (master exit $MASTER_RC)"
	fi
	assert_no_file "$TMP/$label.out" "$label: task output"
	# An altered header fails its checks before the tag is even looked at.
	if [ "$2" = m2s ]; then
		assert_matches "$TMP/$label.log" "does not authenticate|session [0-9]+, ours"
	else
		assert_matches "$MASTER_ERR" "does not authenticate|session [0-9]+, ours"
	fi
done

finish
