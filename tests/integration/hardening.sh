#!/bin/bash
# hardening: the slave's hardening options and its files, end to end.
#   - --allow PATH (repeatable, or the file's allow list): other commands are
#     refused at configuration with the reason, from our master and from a
#     2014 master, before the payload file is created;
#   - --max-conf-size: a payload one byte over is refused with the reason
#     before a byte is written (the -T directory is not even touched); one
#     of exactly the size is taken;
#   - --run-as USER (needs root: skipped visibly otherwise): the task runs
#     with the user's uid, gid and groups, and can read its payload file; a
#     slave that is not root refuses --run-as of another user at start;
#   - the output file and the payload file are mode 0600 even under umask
#     000; an old output file of mode 0644 comes back 0600; an output path
#     that is a symlink, a FIFO, a hard link or another user's file is
#     refused with the reason (no hang, the other file untouched);
#   - -T writable by group or others without the sticky bit, or owned by
#     another user, is refused at start;
#   - --pidfile that is a FIFO, a symlink or a hard link is refused at start
#     by both programs, without hanging or writing through;
#   - so is --log FILE, and a FIFO with a reader, and (root) another user's
#     file, each with exit 1 at once and the reason naming the file;
#   - a task has no controlling terminal, even when the slave runs in one
#     (a pty): it cannot open /dev/tty nor push input into it (TIOCSTI);
#   - a FIFO the --run-as user renames over the output file (while strace
#     holds back a second open of that name, where the slave used to read
#     the output back) does not hang the slave: the output is read through
#     the slave's own descriptor;
#   - a slave that is not root, with the default -T and -o in a /tmp where
#     another user made the payload file's old name and /tmp/synexec.out
#     first, still runs its sessions (payload under a random name, output
#     in /tmp/synexec.out.XXXXXX, said in the log);
#   - a slave that is not root, --run-as its own user, runs its tasks.
. "$(dirname "$0")/../lib.sh"
require_bins

V1=0
"$PYTHON" -c 'import struct, selectors' 2>/dev/null && V1=1

# ------------------------------------------------------------------ --allow
note "--allow: only the listed executables run; the rest is refused with the reason"
start_slave guarded --allow /bin/echo --allow /usr/bin/env
wait_slaves_ready
make_conf "$TMP/echo.session" '/bin/echo allowed-ran'
run_master 1 "$TMP/echo.session"
assert_exit 0 "allowed /bin/echo"
assert_contains "$TMP/guarded.out" "allowed-ran"
# The last session's payload file goes when the slave sees the end.
wait_until 20 no_payload_file guarded
dir_before=$(stat -c %.9Y "$TMP/conf")
make_conf "$TMP/sh.session" '/bin/sh :CONF:' 'echo should-not-run'
run_master 1 "$TMP/sh.session"
assert_exit 3 "refused /bin/sh (master exit code)"
assert_line_has "$MASTER_OUT" guarded "/bin/sh: not in the --allow list"
assert_contains "$TMP/guarded.log" "not in the --allow list"
# Said once, on the master's standard output ("refused: NAME: why").
assert_eq 1 "$(cat "$MASTER_OUT" "$MASTER_ERR" | grep -c "not in the --allow list")" \
    "the master says the refusal once (stdout and stderr together)"
assert_matches "$MASTER_OUT" '^refused: guarded \(127\.0\.0\.1:[0-9]+\): /bin/sh: not in the --allow list$' \
    "the refusal's line"
assert_not_contains "$TMP/guarded.out" "should-not-run"
assert_eq "$dir_before" "$(stat -c %.9Y "$TMP/conf")" \
    "-T dir untouched (no payload file was created for a refused command)"
# A path that leads to an allowed file by another spelling is not allowed.
make_conf "$TMP/dotdot.session" '/bin/../bin/echo sneaky'
run_master 1 "$TMP/dotdot.session"
assert_exit 3 "/bin/../bin/echo is not /bin/echo"
if [ $V1 = 1 ]; then
	note "--allow against a 2014 master"
	timeout -k 2 15 "$PYTHON" "$V1PEER" master --port "$PORT" --session 0 \
	    --slaves 1 --conf "$TMP/sh.session" --timeout 8 >"$TMP/v1.txt" 2>&1
	cat "$TMP/v1.txt"
	assert_contains "$TMP/v1.txt" "CONF_NO"
	assert_not_contains "$TMP/guarded.out" "should-not-run"
fi
stop_slave guarded

note "the configuration file's allow list"
printf 'slave {\n allow = { "/bin/echo" }\n}\n' >"$TMP/allow.conf"
start_slave listed -c "$TMP/allow.conf"
wait_slaves_ready
run_master 1 "$TMP/sh.session"
assert_exit 3 "refused by the file's allow list"
assert_line_has "$MASTER_OUT" listed "not in the --allow list"
run_master 1 "$TMP/echo.session"
assert_exit 0 "allowed by the file's allow list"
stop_slave listed

# ------------------------------------------------------------------ --max-conf-size
note "--max-conf-size 1K: 1024 bytes taken, 1025 refused before writing"
start_slave small --max-conf-size 1K
wait_slaves_ready
{ echo '/usr/bin/stat -c size=%s :CONF:'; head -c 1024 /dev/zero; } >"$TMP/1024.session"
{ echo '/usr/bin/stat -c size=%s :CONF:'; head -c 1025 /dev/zero; } >"$TMP/1025.session"
run_master 1 "$TMP/1024.session"
assert_exit 0 "payload of exactly --max-conf-size"
assert_contains "$TMP/small.out" "size=1024"
wait_until 20 no_payload_file small
dir_before=$(stat -c %.9Y "$TMP/conf")
run_master 1 "$TMP/1025.session"
assert_exit 3 "payload one byte over"
assert_line_has "$MASTER_OUT" small "payload of 1025 bytes exceeds --max-conf-size 1024"
assert_eq "$dir_before" "$(stat -c %.9Y "$TMP/conf")" \
    "-T dir untouched (the refused payload was never written)"
if [ $V1 = 1 ]; then
	note "--max-conf-size against a 2014 master (CONF carries it all)"
	timeout -k 2 15 "$PYTHON" "$V1PEER" master --port "$PORT" --session 0 \
	    --slaves 1 --conf "$TMP/1025.session" --timeout 8 >"$TMP/v1big.txt" 2>&1
	assert_contains "$TMP/v1big.txt" "CONF_NO"
	assert_contains "$TMP/small.log" "exceeds --max-conf-size 1024"
	assert_eq "$dir_before" "$(stat -c %.9Y "$TMP/conf")" \
	    "-T dir untouched by the 2014 master's CONF"
fi
stop_slave small

# ------------------------------------------------------------------ files
note "output and payload file modes under umask 000"
old_umask=$(umask)
umask 000
start_slave loose
umask "$old_umask"
wait_slaves_ready
LOOSE_PID=${SLAVE_PID[loose]}
umask_of=$(awk '/^Umask/ { print $2 }' /proc/"$LOOSE_PID"/status 2>/dev/null)
assert_eq 0000 "$umask_of" "the slave's umask"
make_conf "$TMP/modes.session" '/usr/bin/stat -c conf=%a :CONF:' 'x'
run_master 1 "$TMP/modes.session"
assert_exit 0
assert_contains "$TMP/loose.out" "conf=600" "payload file mode (as the task saw it)"
assert_eq 600 "$(stat -c %a "$TMP/loose.out")" "output file mode"

note "an old output file of mode 0644 comes back 0600"
chmod 644 "$TMP/loose.out"
run_master 1 "$TMP/modes.session"
assert_exit 0
assert_eq 600 "$(stat -c %a "$TMP/loose.out")" "output file mode after a session"

# bad_output KIND: the slave refuses the output path, names it, no hang.
bad_output() {
	local what=$1
	note "output path is $what: refused with the reason"
	run_master 1 "$TMP/modes.session"
	assert_exit 3 "$what: master exit code"
	assert_line_has "$MASTER_OUT" loose "$TMP/loose.out"
}
echo precious >"$TMP/target"
rm -f "$TMP/loose.out"
ln -s "$TMP/target" "$TMP/loose.out"
bad_output "a symlink"
assert_contains "$MASTER_OUT" "symbolic link"
assert_eq precious "$(cat "$TMP/target")" "the symlink's target"
rm -f "$TMP/loose.out"
mkfifo "$TMP/loose.out"
bad_output "a FIFO"
assert_contains "$MASTER_OUT" "not a regular file"
rm -f "$TMP/loose.out"
ln "$TMP/target" "$TMP/loose.out"
bad_output "a hard link"
assert_contains "$MASTER_OUT" "hard links"
assert_eq precious "$(cat "$TMP/target")" "the hard link's other name"
rm -f "$TMP/loose.out"
if [ "$(id -u)" = 0 ]; then
	echo theirs >"$TMP/loose.out"
	chown nobody "$TMP/loose.out"
	bad_output "another user's file"
	assert_contains "$MASTER_OUT" "owned by uid"
	assert_eq theirs "$(cat "$TMP/loose.out")" "the other user's file"
	rm -f "$TMP/loose.out"
else
	echo "SKIP: (part) another user's output file: needs root to chown"
fi
run_master 1 "$TMP/modes.session"
assert_exit 0 "a clean output path works again"
stop_slave loose

# ------------------------------------------------------------------ -T, --pidfile
note "-T: a directory others could replace the payload file in is refused at start"
mkdir "$TMP/open"
chmod 777 "$TMP/open"
"$SLAVE_BIN" -n -T "$TMP/open" >"$TMP/topen.txt" 2>&1
assert_eq 1 $? "-T of mode 0777: exit code"
assert_contains "$TMP/topen.txt" \
    "-T $TMP/open is writable by group or others without the sticky bit (mode 0777)"
chmod 1777 "$TMP/open"
"$SLAVE_BIN" -n -T "$TMP/open" >"$TMP/tsticky.txt" 2>&1
assert_eq 0 $? "-T of mode 1777 (like /tmp): exit code"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -m 700 "$TMP/theirs"
	chown nobody "$TMP/theirs"
	"$SLAVE_BIN" -n -T "$TMP/theirs" >"$TMP/ttheirs.txt" 2>&1
	assert_eq 1 $? "-T owned by nobody, slave root without --run-as: exit code"
	assert_contains "$TMP/ttheirs.txt" "-T $TMP/theirs is owned by uid $(id -u nobody)"
	"$SLAVE_BIN" -n -T "$TMP/theirs" --run-as nobody >"$TMP/trunas.txt" 2>&1
	assert_eq 0 $? "-T owned by the --run-as user: exit code"
fi

# At start, before anything: no hang on a FIFO, no write through a link or
# into another's file.  Bounded: a hang is exit 124.
note "--pidfile: a FIFO, a symlink, a hard link are refused at start, without hanging"
mkfifo "$TMP/fifo.pid"
echo precious >"$TMP/pid.target"
ln -s "$TMP/pid.target" "$TMP/link.pid"
ln "$TMP/pid.target" "$TMP/hard.pid"
for pf in fifo link hard; do
	timeout -k 2 10 "$SLAVE_BIN" -i lo -p "$PORT" -N pf -T "$TMP/conf" \
	    -o "$TMP/pf.out" --pidfile "$TMP/$pf.pid" >"$TMP/pf.$pf.txt" 2>&1
	assert_eq 1 $? "slave --pidfile $pf: exit code (124: it hung)"
	assert_contains "$TMP/pf.$pf.txt" "--pidfile $TMP/$pf.pid"
	timeout -k 2 10 "$MASTER_BIN" -i lo -p "$PORT" -w 1 \
	    --pidfile "$TMP/$pf.pid" 1 "$TMP/modes.session" >"$TMP/mpf.$pf.txt" 2>&1
	assert_eq 1 $? "master --pidfile $pf: exit code (124: it hung)"
	assert_contains "$TMP/mpf.$pf.txt" "$TMP/$pf.pid"
done
assert_eq precious "$(cat "$TMP/pid.target")" "the links' target"

note "--log: a FIFO (with or without a reader), a symlink, a hard link, another's file are refused at start, at once"
mkfifo "$TMP/log-fifo" "$TMP/log-rfifo"
# A reader on the second FIFO: the open itself then succeeds.
exec 7<>"$TMP/log-rfifo"
echo precious >"$TMP/log.target"
ln -s "$TMP/log.target" "$TMP/log-link"
ln "$TMP/log.target" "$TMP/log-hard"
logs=(fifo rfifo link hard)
whys=("a FIFO or socket" "not a regular file" "a symbolic link" "has 2 hard links")
if [ "$(id -u)" = 0 ]; then
	: >"$TMP/log-theirs"
	chown nobody "$TMP/log-theirs"
	logs+=(theirs)
	whys+=("is owned by uid 65534")
fi
for i in "${!logs[@]}"; do
	lf=${logs[$i]} why=${whys[$i]}
	start=$(date +%s)
	timeout -k 2 10 "$SLAVE_BIN" -i lo -p "$PORT" -N lg -T "$TMP/conf" \
	    -o "$TMP/lg.out" --log "$TMP/log-$lf" >"$TMP/lg.$lf.txt" 2>&1
	assert_eq 1 $? "slave --log $lf: exit code (124: it hung)"
	assert_contains "$TMP/lg.$lf.txt" "synexec_slave: --log $TMP/log-$lf"
	assert_contains "$TMP/lg.$lf.txt" "$why"
	timeout -k 2 10 "$MASTER_BIN" -i lo -p "$PORT" -w 1 \
	    --log "$TMP/log-$lf" 1 "$TMP/modes.session" >"$TMP/mlg.$lf.txt" 2>&1
	assert_eq 1 $? "master --log $lf: exit code (124: it hung)"
	assert_contains "$TMP/mlg.$lf.txt" "synexec_master: --log $TMP/log-$lf"
	assert_contains "$TMP/mlg.$lf.txt" "$why"
	[ $(($(date +%s) - start)) -le 5 ] ||
	    fail "--log $lf: refused only after $(($(date +%s) - start)) s"
done
exec 7<&-
assert_eq precious "$(cat "$TMP/log.target")" "the --log links' target"

# ------------------------------------------------------------------ --run-as
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: (part) --run-as: needs root"
	finish
fi
if ! id nobody >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
	echo "SKIP: (part) --run-as: no user 'nobody' or no setpriv"
	finish
fi
note "--run-as nobody: the task's uid, gid and groups are nobody's"
# The task (as nobody) must reach its payload file: a traversable -T dir.
chmod 711 "$TMP"
mkdir -m 711 "$TMP/rconf"
make_conf "$TMP/id.session" '/bin/sh :CONF:' \
    'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G | tr " " "\n" | sort -n | tr "\n" " ")"' \
    'echo "payload=$(stat -c %U:%a "$0")"'
start_slave runas --run-as nobody -T "$TMP/rconf"
wait_slaves_ready
run_master 1 "$TMP/id.session"
assert_exit 0
want="uid=$(id -u nobody) gid=$(id -g nobody) groups=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')"
assert_contains "$TMP/runas.out" "$want" "the task's identity"
assert_contains "$TMP/runas.out" "payload=nobody:600" "payload file (owner:mode)"
assert_eq nobody:600 "$(stat -c %U:%a "$TMP/runas.out")" "output file (owner:mode)"
stop_slave runas

# ------------------------------------------------------------------ no terminal
# The slave started from an interactive shell (a pty, its controlling
# terminal): the task must not reach that terminal, let alone type into it.
note "no controlling terminal: the task cannot open /dev/tty nor push input (TIOCSTI)"
cat >"$TMP/tiocsti.py" <<'EOF'
import fcntl, os, termios
try:
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
except OSError as e:
    print("tiocsti=no-terminal (%s)" % os.strerror(e.errno))
    raise SystemExit
try:
    for c in b"echo INJECTED-BY-THE-TASK\n":
        fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
    print("tiocsti=pushed")
except OSError as e:
    print("tiocsti=refused (%s)" % os.strerror(e.errno))
EOF
chmod 644 "$TMP/tiocsti.py"
make_conf "$TMP/tty.session" '/bin/sh :CONF:' 'exec 2>&1' \
    'if ( : <>/dev/tty ) 2>/dev/null; then echo devtty=opened; else echo devtty=refused; fi' \
    'set -- $(cut -d")" -f2 /proc/$$/stat)' \
    'echo "tty_nr=$5 session=$([ "$4" = $$ ] && echo own || echo shared)"' \
    "[ -x /usr/bin/python3 ] && /usr/bin/python3 $TMP/tiocsti.py"
"$PYTHON" "$SYNEXEC_TOP/tests/ptyrun.py" --out "$TMP/tty.term" \
    --pidfile "$TMP/tty.ptypid" --timeout 40 -- "$SLAVE_BIN" -i lo -p "$PORT" \
    -N tty -o "$TMP/tty.out" -T "$TMP/rconf" --run-as nobody -1 &
PTY_PID=$!
track $PTY_PID
wait_slaves_ready
run_master 1 "$TMP/tty.session"
assert_exit 0
wait_pid "$PTY_PID" 15
assert_eq 0 "$WAIT_RC" "the slave under a terminal, -1: exit code"
assert_contains "$TMP/tty.out" "devtty=refused" "the task's open of /dev/tty"
assert_contains "$TMP/tty.out" "tty_nr=0 session=own" "the task's terminal and session"
if [ -x /usr/bin/python3 ]; then
	assert_contains "$TMP/tty.out" "tiocsti=no-terminal" "the task's TIOCSTI"
fi
assert_not_contains "$TMP/tty.term" "INJECTED-BY-THE-TASK" "the slave's terminal"
if grep -q "synexec_slave .* started" "$TMP/tty.term"; then
	pass "the slave logged to its terminal (it had one)"
else
	fail "the slave's terminal shows no log: was it there?"
	show_file "$TMP/tty.term"
fi

# ------------------------------------------------------------------ a FIFO over the output
# The slave must never open the output file by name again once the task's
# user owns it.  strace holds a second open of that path by the slave (the
# read-back there used to be) for 3 s, time for nobody to rename a FIFO over
# it; the slave reads the output through the descriptor it holds instead.
if command -v strace >/dev/null; then
	note "a FIFO the --run-as user renames over the output file does not hang the slave"
	mkdir -m 1777 "$TMP/pub"
	OUTF=$TMP/pub/fifo.out
	strace -o /dev/null -P "$OUTF" -e trace=openat \
	    -e inject=openat:delay_enter=3000000:when=2 \
	    "$SLAVE_BIN" -i lo -p "$PORT" -N fifo -o "$OUTF" -T "$TMP/rconf" \
	    --run-as nobody >"$TMP/fifo.log" 2>&1 &
	STRACE_PID=$!
	track $STRACE_PID
	wait_slaves_ready
	SLAVE_PID[fifo]=$(pgrep -P "$STRACE_PID" | head -n 1)
	make_conf "$TMP/fifo.session" '/bin/sh :CONF:' 'echo task-output-kept'
	start_master -O "$TMP/fifocol" 1 "$TMP/fifo.session"
	nobodys() { [ "$(stat -c %U "$OUTF" 2>/dev/null)" = nobody ]; }
	if wait_until 10 nobodys; then
		setpriv --reuid nobody --regid nogroup --clear-groups -- \
		    sh -c 'mkfifo "$1.new" && mv -f "$1.new" "$1"' sh "$OUTF"
		if [ -p "$OUTF" ]; then
			pass "nobody renamed a FIFO over the output file"
		else
			fail "the FIFO is not there: $(ls -l "$OUTF")"
		fi
	else
		fail "the output file never became nobody's"
	fi
	wait_master 30
	assert_exit 0 "the session with a FIFO over the output (slave not hung)"
	assert_contains "$TMP/fifocol/fifo.out" task-output-kept \
	    "the output, read through the slave's own descriptor"
	run_master -w 10 1 "$TMP/fifo.session"
	assert_exit 3 "the next session, a FIFO at -o: refused"
	assert_line_has "$MASTER_OUT" fifo "not a regular file"
	stop_slave fifo
	wait_pid "$STRACE_PID" 5
else
	echo "SKIP: (part) a FIFO renamed over the output file: no strace"
fi

# ------------------------------------------------------------------ names taken in /tmp
# A slave that is not root, with the default -T, -o and -e, in a /tmp of
# its own (a mount namespace, so that the real /tmp is untouched), where
# another user (root here) made the payload file's old name and the default
# /tmp/synexec.squat.out and .err before the slave started: none can be
# removed by the slave, and sessions must still run.
if command -v unshare >/dev/null; then
	note "a slave that is not root: payload and output names taken first in /tmp"
	# The new /tmp hides whatever path the binary had there (a checkout in
	# /tmp): it runs from the descriptor opened before the mount.  The
	# slave is the shell's process ($$), exec'd.
	slave_bin_for_all
	unshare -m --propagation private -- /bin/sh -c \
	    'mount -t tmpfs -o mode=1777 synexec-test /tmp &&
	    echo squatter >/tmp/synexec_slave_conf.$$ &&
	    echo squatter >/tmp/synexec.squat.out &&
	    echo squatter >/tmp/synexec.squat.out.err &&
	    exec setpriv --reuid nobody --regid nogroup --clear-groups -- \
	    /proc/self/fd/9 "$@"' \
	    sh -i lo -p "$PORT" -N squat 9<"$SLAVE_BIN_ALL" >"$TMP/squat.log" 2>&1 &
	SLAVE_PID[squat]=$!
	track $!
	wait_slaves_ready
	SQ=/proc/${SLAVE_PID[squat]}/root/tmp
	if [ "$(stat -f -c %T "$SQ" 2>/dev/null)" = tmpfs ]; then
		make_conf "$TMP/squat.session" '/bin/sh :CONF:' 'echo "conf=$0"' \
		    'echo squat-session-ran' 'echo squat-stderr >&2'
		run_master -O "$TMP/sqcol" 1 "$TMP/squat.session"
		assert_exit 0 "the session with every name taken"
		assert_contains "$TMP/sqcol/squat.out" squat-session-ran
		assert_contains "$TMP/sqcol/squat.err" squat-stderr
		assert_matches "$TMP/sqcol/squat.out" \
		    "^conf=/tmp/synexec_slave_conf\.${SLAVE_PID[squat]}\.[A-Za-z0-9]{12}\$" \
		    "the payload file's name"
		for f in synexec.squat.out synexec.squat.out.err \
		    "synexec_slave_conf.${SLAVE_PID[squat]}"; do
			assert_eq squatter "$(cat "$SQ/$f")" "the other user's $f"
		done
		assert_matches "$TMP/squat.log" \
		    "/tmp/synexec.squat.out.*owned by uid 0.*the task's output goes to /tmp/synexec.squat.out\.[A-Za-z0-9]{6} instead" \
		    "the slave's log"
		assert_matches "$TMP/squat.log" \
		    "/tmp/synexec.squat.out.err.*owned by uid 0.*the task's stderr goes to /tmp/synexec.squat.out.err\.[A-Za-z0-9]{6} instead" \
		    "the slave's log (stderr)"
		fb=$(ls "$SQ"/synexec.squat.out.?????? 2>/dev/null)
		fe=$(ls "$SQ"/synexec.squat.out.err.?????? 2>/dev/null)
		assert_eq nobody:600 "$(stat -c %U:%a "$fb" 2>/dev/null)" \
		    "the output file made instead (owner:mode)"
		assert_eq nobody:600 "$(stat -c %U:%a "$fe" 2>/dev/null)" \
		    "the stderr file made instead (owner:mode)"
		assert_contains "$fb" squat-session-ran "the output file made instead"
		assert_contains "$fe" squat-stderr "the stderr file made instead"
		run_master -O "$TMP/sqcol" 1 "$TMP/squat.session"
		assert_exit 0 "a second session"
		assert_eq "$fb" "$(ls "$SQ"/synexec.squat.out.?????? 2>/dev/null)" \
		    "the same output file serves the next session"
	else
		fail "the slave's /tmp is not its own tmpfs: $(stat -f -c %T "$SQ" 2>&1)"
	fi
	stop_slave squat
else
	echo "SKIP: (part) names taken in /tmp: no unshare"
fi

# ------------------------------------------------------------------ --run-as itself
note "a slave that is not root, --run-as its own user: the tasks run"
mkdir -m 700 "$TMP/nb"
chown nobody:nogroup "$TMP/nb"
slave_bin_for_all
setpriv --reuid nobody --regid nogroup --clear-groups -- "$SLAVE_BIN_ALL" \
    -i lo -p "$PORT" -N self -o "$TMP/nb/self.out" -T "$TMP/nb" \
    --run-as nobody -1 >"$TMP/self.log" 2>&1 &
SLAVE_PID[self]=$!
track $!
wait_slaves_ready
make_conf "$TMP/self.session" '/bin/sh :CONF:' 'echo "uid=$(id -u)"'
run_master 1 "$TMP/self.session"
assert_exit 0 "--run-as nobody on a slave run by nobody"
assert_contains "$TMP/nb/self.out" "uid=$(id -u nobody)"
assert_contains "$TMP/self.log" "the slave's own user"
wait_pid "${SLAVE_PID[self]}" 10

note "a slave that is not root refuses --run-as of another user at start"
setpriv --reuid nobody --regid nogroup --clear-groups -- \
    "$SLAVE_BIN_ALL" -n --run-as root >"$TMP/notroot.txt" 2>&1
assert_eq 1 $? "exit code"
assert_contains "$TMP/notroot.txt" "needs the slave to run as root"

finish
