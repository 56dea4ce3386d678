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
#     refused with the reason (no hang, the other file untouched).
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
wait_until 20 test ! -e "$TMP/conf/synexec_slave_conf.${SLAVE_PID[guarded]}"
dir_before=$(stat -c %.9Y "$TMP/conf")
make_conf "$TMP/sh.session" '/bin/sh :CONF:' 'echo should-not-run'
run_master 1 "$TMP/sh.session"
assert_exit 3 "refused /bin/sh (master exit code)"
assert_line_has "$MASTER_OUT" guarded "/bin/sh: not in the --allow list"
assert_contains "$TMP/guarded.log" "not in the --allow list"
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
wait_until 20 test ! -e "$TMP/conf/synexec_slave_conf.${SLAVE_PID[small]}"
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

note "a slave that is not root refuses --run-as of another user at start"
setpriv --reuid nobody --regid nogroup --clear-groups -- \
    "$SLAVE_BIN" -n --run-as root >"$TMP/notroot.txt" 2>&1
assert_eq 1 $? "exit code"
assert_contains "$TMP/notroot.txt" "needs the slave to run as root"

finish
