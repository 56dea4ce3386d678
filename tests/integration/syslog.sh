#!/bin/bash
# syslog: with -d and no --log, both programs log to syslog (NOTES section
# 11): datagrams to /dev/log, facility daemon, "NAME[PID]: " before each
# message, warnings at LOG_WARNING, the rest at LOG_INFO; the master's
# summary goes there too.  The command (an executable whose name holds
# terminal controls, C1 bytes and bytes that are not UTF-8), which the
# slave logs with -v, and the task's output with the same and a CR (the
# master's --follow lines) reach syslog escaped (\xNN), never raw.  (Our
# master refuses a CR in the command, a CRLF file's mark: a peer's CR in
# the command is bad_input.sh's evil master's.)
#
# The test gives them a /dev/log of its own, in a mount namespace of their
# own: a tmpfs on /dev holding null, zero, random and urandom (bound from the
# real /dev) and the test's socket.  No syslog daemon is used or touched.
# Root only (mount namespaces); SKIP otherwise.
. "$(dirname "$0")/../lib.sh"
require_bins
[ "$(id -u)" = 0 ] || skip "needs root for a mount namespace with its own /dev/log"
command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) not installed"

# The syslog receiver: one line per datagram, for 60 s at most.
python3 - "$TMP/log.sock" "$TMP/syslog.txt" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.monotonic() + 60
with open(sys.argv[2], "ab", buffering=0) as f:
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        f.write(d.rstrip(b"\0\n") + b"\n")
EOF
track $!
wait_until 20 test -S "$TMP/log.sock" || fail "the syslog receiver did not start"

EVIL=$(printf '\033]0;EVILTITLE\007\033[2J\rsynexec:FORGED\23331mC1RAW\302\23332mC1UTF8\377BADUTF8')
EVIL_ESC='\x1b]0;EVILTITLE\x07\x1b[2J\x0dsynexec:FORGED\x9b31mC1RAW\xc2\x9b32mC1UTF8\xffBADUTF8'
# The same without the CR, for the command.
EVIL_CMD=$(printf '\033]0;EVILTITLE\007\033[2Jsynexec:FORGED\23331mC1RAW\302\23332mC1UTF8\377BADUTF8')
EVIL_CMD_ESC='\x1b]0;EVILTITLE\x07\x1b[2Jsynexec:FORGED\x9b31mC1RAW\xc2\x9b32mC1UTF8\xffBADUTF8'
mkdir -p "$TMP/bin"
ln -s /bin/sh "$TMP/bin/sh$EVIL_CMD"
make_conf "$TMP/ok.session" "$TMP/bin/sh$EVIL_CMD :CONF:" \
    'echo "ok $SYNEXEC_SLAVE_NAME"' \
    "printf 'out:\\033]0;EVILTITLE\\007\\033[2J\\rsynexec:FORGED\\23331mC1RAW\\302\\23332mC1UTF8\\377BADUTF8\\n'"

# In the namespace: our /dev, then both daemons; their pids are copied out
# (they remove their pidfiles at exit) for the teardown to find strays.
cat >"$TMP/inner.sh" <<EOF
set -e
mkdir -p "$TMP/realdev"
mount --bind /dev "$TMP/realdev"
mount -t tmpfs -o mode=0755 synexec-test-dev /dev
for n in null zero random urandom; do
	: >/dev/\$n
	mount --bind "$TMP/realdev/\$n" /dev/\$n
done
: >/dev/log
mount --bind "$TMP/log.sock" /dev/log
"$SLAVE_BIN" -d -1 -v -N syslogged -i lo -p $PORT -o "$TMP/task.out" -T "$TMP" \
    --pidfile "$TMP/slave.pid"
cp "$TMP/slave.pid" "$TMP/slave.pid.copy"
"$MASTER_BIN" -d -i lo -p $PORT -w 20 --pidfile "$TMP/master.pid" --follow \
    1 "$TMP/ok.session" >"$TMP/master.pid.copy"
EOF
note "master -d and slave -d -1 without --log, one session"
timeout 20 unshare -m --propagation private bash "$TMP/inner.sh" \
    >"$TMP/inner.txt" 2>&1
assert_eq 0 $? "setting up the namespace and starting both daemons"
show_file "$TMP/inner.txt"
spid=$(cat "$TMP/slave.pid.copy" 2>/dev/null)
mpid=$(cat "$TMP/master.pid.copy" 2>/dev/null)
[ -n "$spid" ] && track "$spid"
[ -n "$mpid" ] && track "$mpid"
if wait_until 20 pid_gone "$mpid" && wait_until 10 pid_gone "$spid"; then
	pass "both daemons ran the session and exited"
else
	fail "a daemon still runs (master '$mpid', slave '$spid')"
fi
assert_contains "$TMP/task.out" "ok syslogged" "the task ran"
# The receiver writes what the daemons sent before they exited: until the
# last line of each is there.
last_lines() {
	grep -q "synexec_slave\[$spid\]: .*exiting with status 0" "$TMP/syslog.txt" &&
	    grep -q "synexec_master\[$mpid\]: .*syslogged .*exit 0" "$TMP/syslog.txt"
} 2>/dev/null
wait_until 20 last_lines
show_file "$TMP/syslog.txt"

# <30> is daemon.info, <28> daemon.warning (RFC 3164: facility 3 x 8 + level).
assert_matches "$TMP/syslog.txt" "^<30>.*synexec_slave\\[$spid\\]: .*connected to master 127\\.0\\.0\\.1" \
    "the slave's info lines"
assert_matches "$TMP/syslog.txt" "^<30>.*synexec_slave\\[$spid\\]: .*exiting with status 0" \
    "the slave's last line"
assert_matches "$TMP/syslog.txt" "^<28>.*synexec_slave\\[$spid\\]: .*unauthenticated" \
    "the slave's warning"
assert_matches "$TMP/syslog.txt" "^<30>.*synexec_master\\[$mpid\\]: .*all 1 slaves joined" \
    "the master's info lines"
assert_matches "$TMP/syslog.txt" "^<28>.*synexec_master\\[$mpid\\]: .*unauthenticated" \
    "the master's warning"
assert_matches "$TMP/syslog.txt" "^<30>.*synexec_master\\[$mpid\\]: .*syslogged .*exit 0" \
    "the master's summary row"
assert_not_contains "$TMP/syslog.txt" $'\e[' "escape codes in syslog"
assert_inert "$TMP/syslog.txt" "syslog"
assert_line_has "$TMP/syslog.txt" "synexec_slave[$spid]: task armed: " \
    "/bin/sh$EVIL_CMD_ESC" "the slave's -v line naming the command, escaped"
assert_line_has "$TMP/syslog.txt" "synexec_master[$mpid]: syslogged: out:" \
    "$EVIL_ESC" "the master's --follow line, escaped"
finish
