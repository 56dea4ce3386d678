#!/bin/bash
# conf_payload: the payload reaches every slave byte for byte (binary with
# NUL bytes and no final newline, empty, 5 MiB, ~100 MiB), every :CONF:
# (inside words too) becomes its path, the payload file is mode 0600 in
# the -T dir under a new unpredictable name each session and removed after
# the session, and planted symlinks (at the payload file's old predictable
# name, at the output file) are never followed.
. "$(dirname "$0")/../lib.sh"
require_bins

for s in one two; do
	start_slave $s
done
wait_slaves_ready

# (a) Binary payload: NUL bytes, every byte value, no final newline.  cmp
# exits 0 only if the slave's payload file equals the original, so the
# master's exit code is the verdict; a /bin/cp copy is compared here too.
note "binary payload with NUL bytes, no final newline"
{
	printf 'head\0\0\0tail\n\0'
	for i in $(seq 0 255); do printf "\\$(printf %03o "$i")"; done
	printf '\r\n\n\0last-no-newline'
} >"$TMP/bin.payload"
{ printf '/usr/bin/cmp :CONF: %s\n' "$TMP/bin.payload"; cat "$TMP/bin.payload"; } >"$TMP/bin.session"
run_master 2 "$TMP/bin.session"
assert_exit 0 "cmp on both slaves (master exit code)"
for s in one two; do
	if [ -e "$TMP/$s.out" ] && [ ! -s "$TMP/$s.out" ]; then
		pass "$s: cmp printed nothing"
	else
		fail "$s: expected cmp to print nothing, got:"
		show_file "$TMP/$s.out"
	fi
done

stop_slave two
note "binary payload copied out with /bin/cp (one slave)"
{ printf '/bin/cp :CONF: %s\n' "$TMP/copy.bin"; cat "$TMP/bin.payload"; } >"$TMP/cp.session"
run_master 1 "$TMP/cp.session"
assert_exit 0
if cmp "$TMP/bin.payload" "$TMP/copy.bin"; then
	pass "copied payload is byte-exact ($(stat -c %s "$TMP/bin.payload") bytes)"
else
	fail "copied payload differs from the original"
fi

# A file without a newline is a command with an empty payload.
note "empty payload"
printf '/usr/bin/stat -c %%s:%%a:%%F :CONF:' >"$TMP/empty.session"
run_master 1 "$TMP/empty.session"
assert_exit 0
assert_contains "$TMP/one.out" "0:600:regular empty file" "empty payload file (size:mode:type)"

# Every :CONF: is replaced, also inside a word ("--config=:CONF:").
note ":CONF: inside words, several times"
printf '/usr/bin/printf [%%s] --config=:CONF: x:CONF:y:CONF: :conf: ::CONF:\npayload' \
    >"$TMP/words.session"
run_master 1 "$TMP/words.session"
assert_exit 0
cf=$(sed -n 's/^\[--config=\([^]]*\)\].*/\1/p' "$TMP/one.out")
case $cf in
"$TMP/conf/synexec_slave_conf.${SLAVE_PID[one]}".????????????) pass "payload path $cf" ;;
*)	fail "payload path: expected $TMP/conf/synexec_slave_conf.${SLAVE_PID[one]}.<12 random>, got '$cf'" ;;
esac
assert_eq "[--config=$cf][x${cf}y$cf][:conf:][:$cf]" "$(cat "$TMP/one.out")" \
    "the task's words after substitution"

# Mode and place of the payload file while the task runs.
note "payload file: mode 0600, in the -T dir, removed afterwards"
printf '/usr/bin/stat -c %%n:%%a:%%s :CONF:\n12345' >"$TMP/stat.session"
run_master 1 "$TMP/stat.session"
assert_exit 0
conf_file=$(cut -d: -f1 "$TMP/one.out")
assert_matches "$TMP/one.out" \
    "^$TMP/conf/synexec_slave_conf\.${SLAVE_PID[one]}\.[A-Za-z0-9]{12}:600:5\$" \
    "payload file (path:mode:size)"
if [ "$conf_file" != "$cf" ]; then
	pass "a new payload file name for each session"
else
	fail "the same payload file name twice: $cf"
fi
wait_until 20 no_payload_file one
assert_no_file "$conf_file" "payload file after the session"

# (b) 5 MiB of random bytes, on two slaves again.
start_slave two
wait_slaves_ready
note "5 MiB random payload"
head -c $((5 << 20)) /dev/urandom >"$TMP/5m.payload"
{ printf '/usr/bin/cmp :CONF: %s\n' "$TMP/5m.payload"; cat "$TMP/5m.payload"; } >"$TMP/5m.session"
run_master 2 "$TMP/5m.session"
assert_exit 0 "cmp of 5 MiB on both slaves (master exit code)"
rm -f "$TMP/5m.payload" "$TMP/5m.session"

# (c) ~100 MiB: both slaves hash what they got.
note "100 MiB payload"
printf '/usr/bin/sha256sum :CONF:\n' >"$TMP/big.session"
head -c $((100 << 20)) /dev/urandom >>"$TMP/big.session"
skip_bytes=$(printf '/usr/bin/sha256sum :CONF:\n' | wc -c)
want=$(tail -c +$((skip_bytes + 1)) "$TMP/big.session" | sha256sum | cut -d' ' -f1)
t0=$(date +%s)
run_master 2 "$TMP/big.session"
assert_exit 0
echo "100 MiB session took $(($(date +%s) - t0)) s"
for s in one two; do
	got=$(cut -d' ' -f1 "$TMP/$s.out" 2>/dev/null)
	assert_eq "$want" "$got" "$s: sha256 of the 100 MiB payload"
done
rm -f "$TMP/big.session"

# A symlink planted at the payload file's name of before (slave pid
# only: predictable) is neither followed nor in the way: the name is new.
note "planted symlink at the payload file's predictable name"
echo precious >"$TMP/target"
ln -s "$TMP/target" "$TMP/conf/synexec_slave_conf.${SLAVE_PID[one]}"
make_conf "$TMP/sym.session" '/bin/cat :CONF:' 'overwritten'
run_master 2 "$TMP/sym.session"
assert_exit 0 "a planted link at the old name changes nothing"
assert_eq precious "$(cat "$TMP/target")" "symlink target content"
assert_contains "$TMP/one.out" overwritten
if [ -L "$TMP/conf/synexec_slave_conf.${SLAVE_PID[one]}" ]; then
	pass "the planted link is left alone"
else
	fail "the planted link was removed or replaced"
fi

# The same for the output file (-o): opened with O_NOFOLLOW.
note "planted symlink at the output file's path"
stop_slave two
echo precious >"$TMP/target2"
rm -f "$TMP/one.out"
ln -s "$TMP/target2" "$TMP/one.out"
make_conf "$TMP/echo.session" '/bin/echo overwritten'
run_master 1 "$TMP/echo.session"
assert_eq precious "$(cat "$TMP/target2")" "output symlink target content"
if [ "$MASTER_RC" = 0 ]; then
	[ -L "$TMP/one.out" ] && fail "master exit 0 but the output is still a link"
else
	pass "master reports the failure (exit $MASTER_RC)"
	cat "$MASTER_OUT" "$MASTER_ERR"
fi

finish
