#!/bin/bash
# checks: what both programs refuse before they do anything (issue 20),
# with the real binaries, each refusal one line naming what is wrong, exit 1:
#   - an option that has no effect without another (--output-max without -O
#     or --follow, -b without -i), on the command line and as a key of the
#     file (named by file and line); with its companion from either, fine;
#   - a session file whose first line the slaves would refuse or run wrong:
#     CRLF line endings, a #! line, an empty or a relative command; with -n
#     and on a start, before discovery (nothing sent), with what to write;
#   - -n checks what a start would check here: the master's -i (exists, has
#     an IPv4 address), the places of -r, -O (may be made), --log,
#     --pidfile, the key file; the slave's -o, -T, --log, --pidfile, the
#     --run-as user, each --allow path an executable regular file; every
#     fault said (not only the first), named by option or file and line.
. "$(dirname "$0")/../lib.sh"
require_bins

: >"$TMP/empty.conf"
n=0

# refused WHAT TEXT CMD...: exit 1, TEXT on stderr, no "configuration OK".
refused() {
	local what=$1 text=$2 rc
	shift 2
	n=$((n + 1))
	timeout 20 "$@" >"$TMP/r$n.out" 2>"$TMP/r$n.err" </dev/null
	rc=$?
	if [ $rc = 1 ] && grep -qF -- "$text" "$TMP/r$n.err" &&
	    ! grep -q "configuration OK" "$TMP/r$n.out"; then
		pass "$what: $(grep -F -m1 -- "$text" "$TMP/r$n.err")"
	else
		fail "$what: expected exit 1 and '$text'; got exit $rc:"
		show_file "$TMP/r$n.out"
		show_file "$TMP/r$n.err"
	fi
}

# accepted WHAT CMD...: -n says "configuration OK", exit 0.
accepted() {
	local what=$1 rc
	shift
	n=$((n + 1))
	timeout 20 "$@" >"$TMP/r$n.out" 2>"$TMP/r$n.err" </dev/null
	rc=$?
	if [ $rc = 0 ] && [ "$(cat "$TMP/r$n.out")" = "configuration OK" ]; then
		pass "$what: configuration OK"
	else
		fail "$what: expected exit 0 and configuration OK; got exit $rc:"
		show_file "$TMP/r$n.out"
		show_file "$TMP/r$n.err"
	fi
}

M=("$MASTER_BIN" -c "$TMP/empty.conf")

note "options that have no effect without another are refused"
refused "--output-max without -O or --follow" \
    "synexec_master: --output-max has no effect without -O or --follow" \
    "${M[@]}" -n --output-max 1M
refused "-b without -i" "synexec_master: -b has no effect without -i" \
    "${M[@]}" -n -b
accepted "--output-max with --follow" "${M[@]}" -n --output-max 1M --follow
accepted "--output-max with -O" "${M[@]}" -n --output-max 1M -O "$TMP/out"
accepted "--output-max 0 (no cap: changes nothing)" "${M[@]}" -n \
    --output-max 0
accepted "-b with -i" "${M[@]}" -n -b -i lo
# Not only -n: a start refuses it before discovery.
make_conf "$TMP/ok.session" /bin/true
t0=$(date +%s)
run_master --output-max 1M 1 "$TMP/ok.session"
assert_exit 1 "a start with --output-max alone"
assert_contains "$MASTER_ERR" "--output-max has no effect without -O or --follow" \
    "a start with --output-max alone: the reason"
assert_not_contains "$MASTER_OUT" "phase discovery" \
    "a start with --output-max alone: no discovery"
[ $(($(date +%s) - t0)) -le 5 ] && pass "refused at once" ||
    fail "refused after $(($(date +%s) - t0)) s"

note "the same as keys of the file, named by file and line"
printf 'master {\n\tport = 7000\n\toutput_max = 10MB\n\tbroadcast_all = on\n}\n' \
    >"$TMP/req.conf"
refused "output_max in the file without output_dir or follow" \
    "$TMP/req.conf:3: output_max: has no effect without output_dir or follow (-O, --follow)" \
    "$MASTER_BIN" -n -c "$TMP/req.conf" -i lo
refused "broadcast_all in the file without interface" \
    "$TMP/req.conf:4: broadcast_all: has no effect without interface (-i)" \
    "$MASTER_BIN" -n -c "$TMP/req.conf" --follow
# Both said, not only the first.
n=$((n + 1))
"$MASTER_BIN" -n -c "$TMP/req.conf" >"$TMP/both.out" 2>"$TMP/both.err"
assert_eq 2 "$(grep -c "has no effect without" "$TMP/both.err")" \
    "both keys without their companion are said"
# The companion may come from the command line, or from the file.
accepted "output_max in the file, -O on the command line" \
    "$MASTER_BIN" -n -c "$TMP/req.conf" -O "$TMP/out" -i lo
printf 'master {\n\toutput_max = 10MB\n\tfollow = yes\n\tbroadcast_all = on\n\tinterface = lo\n}\n' \
    >"$TMP/req2.conf"
accepted "output_max and follow, broadcast_all and interface in the file" \
    "$MASTER_BIN" -n -c "$TMP/req2.conf"
printf 'master {\n\toutput_max = 0\n\tbroadcast_all = false\n}\n' \
    >"$TMP/req3.conf"
accepted "output_max = 0 and broadcast_all = false (change nothing)" \
    "$MASTER_BIN" -n -c "$TMP/req3.conf"
# Given on the command line, it is named as typed even if the file has it.
refused "--output-max on the command line over the file's" \
    "synexec_master: --output-max has no effect without -O or --follow" \
    "$MASTER_BIN" -n -c "$TMP/req.conf" -i lo --output-max 5

note "the session file, checked before discovery"
# session WHAT EXPECTED FILE: refused by -n and by a start (exit 1 at once,
# no discovery), the message naming the file.
session() {
	local what=$1 text=$2 file=$3
	refused "-n: $what" "$text" "${M[@]}" -n 1 "$file"
	run_master 1 "$file"
	assert_exit 1 "a start: $what"
	assert_contains "$MASTER_ERR" "$text" "a start: $what: the reason"
	assert_contains "$MASTER_ERR" "$file: " "a start: $what: names the file"
	assert_not_contains "$MASTER_OUT" "phase discovery" \
	    "a start: $what: no discovery"
	[ "$(wc -l <"$MASTER_ERR")" = 1 ] &&
	    pass "a start: $what: one line" ||
	    fail "a start: $what: expected one line on stderr, got $(wc -l <"$MASTER_ERR")"
}
printf '/bin/sh :CONF:\r\nsleep 1\r\n' >"$TMP/crlf.session"
session "a CRLF file" "the first line ends with a carriage return (CR): a file with CRLF (DOS, Windows) line endings, which the task would see; convert it with sed -i 's/\r\$//' $TMP/crlf.session, or dos2unix $TMP/crlf.session" \
    "$TMP/crlf.session"
printf 'sleep 1\r\n' >"$TMP/crlf2.session"
session "a CRLF file with a relative command: CRLF said" "CRLF" \
    "$TMP/crlf2.session"
printf '/bin/sleep\r1\n' >"$TMP/cr.session"
session "a CR inside the first line" \
    "the first line (the command) holds a carriage return (CR) at byte 11" \
    "$TMP/cr.session"
printf '#!/bin/sh\necho hello\n' >"$TMP/shebang.session"
session "a #! line" \
    "the first line starts with #!, but the first line is the command: write \`/bin/sh :CONF:\` as the first line, and the script below it" \
    "$TMP/shebang.session"
printf '#! /bin/bash -e\necho hello\n' >"$TMP/bash.session"
session "a #!/bin/bash line" \
    "write \`/bin/sh :CONF:\` (for this one: \`/bin/bash -e :CONF:\`) as the first line" \
    "$TMP/bash.session"
printf '\necho hello\n' >"$TMP/empty.session"
session "an empty first line" \
    "the first line (the command) is empty: write the command there, e.g. \`/bin/sh :CONF:\`, and the payload below it" \
    "$TMP/empty.session"
printf ' \t \n' >"$TMP/blank.session"
session "a first line of blanks" "the first line (the command) is empty" \
    "$TMP/blank.session"
: >"$TMP/nothing.session"
session "an empty file" "the first line (the command) is empty" \
    "$TMP/nothing.session"
printf 'sleep 1\n' >"$TMP/relative.session"
where=$(PATH=/usr/bin:/bin command -v sleep)
refused "-n: a relative command, found here" \
    "the command 'sleep' is not an absolute path (the slaves search no PATH): write \`$where 1\` (where it is on this host)" \
    env PATH=/usr/bin:/bin "${M[@]}" -n 1 "$TMP/relative.session"
printf 'no-such-command-here :CONF:\n' >"$TMP/relative2.session"
session "a relative command, found nowhere" \
    "the command 'no-such-command-here' is not an absolute path (the slaves search no PATH): write its absolute path, e.g. \`/bin/sh :CONF:\`" \
    "$TMP/relative2.session"
printf 'bin/run :CONF:\n' >"$TMP/relative3.session"
session "a relative path with a slash" \
    "the command 'bin/run' is not an absolute path" "$TMP/relative3.session"
# What is fine: blanks before the command, CRs in the payload, a command
# that does not exist here (each slave's host decides).
printf '  /bin/sh :CONF:\necho a\r\n' >"$TMP/fine.session"
accepted "leading blanks, a CR in the payload" "${M[@]}" -n 1 \
    "$TMP/fine.session"
printf '/no/such/program :CONF:\n' >"$TMP/elsewhere.session"
accepted "a command that is not on this host" "${M[@]}" -n 1 \
    "$TMP/elsewhere.session"

note "-n: the master's local mistakes, each said"
make_conf "$TMP/good.session" '/bin/sh :CONF:' 'exit 0'
G=("${M[@]}" -n)
refused "-n -i eth9" "synexec_master: -i: interface eth9 does not exist" \
    "${G[@]}" -i eth9 1 "$TMP/good.session"
refused "-n -r /nonexistent/dir/r.json" \
    "synexec_master: -r /nonexistent/dir/r.json: directory /nonexistent/dir: No such file or directory" \
    "${G[@]}" -r /nonexistent/dir/r.json 1 "$TMP/good.session"
mkdir -p "$TMP/adir"
refused "-n -r DIR" "synexec_master: -r $TMP/adir: is a directory: name a file" \
    "${G[@]}" -r "$TMP/adir" 1 "$TMP/good.session"
refused "-n -r under a file" \
    "-r $TMP/good.session/r.json: directory $TMP/good.session is not a directory" \
    "${G[@]}" -r "$TMP/good.session/r.json"
refused "-n -O in a missing parent" \
    "synexec_master: -O $TMP/no/out: parent directory $TMP/no: No such file or directory" \
    "${G[@]}" -O "$TMP/no/out"
refused "-n -O on a file" "synexec_master: -O $TMP/good.session: not a directory" \
    "${G[@]}" -O "$TMP/good.session"
refused "-n --log in a missing directory" \
    "synexec_master: --log $TMP/no/m.log: directory $TMP/no: No such file or directory" \
    "${G[@]}" --log "$TMP/no/m.log"
refused "-n --pidfile in a missing directory" \
    "synexec_master: --pidfile $TMP/no/m.pid: directory $TMP/no: No such file or directory" \
    "${G[@]}" --pidfile "$TMP/no/m.pid"
refused "-n -k a missing key file" \
    "synexec_master: -k: key file $TMP/no.key: No such file or directory" \
    "${G[@]}" -k "$TMP/no.key"
# -O may be made: -n says so, and makes nothing.
accepted "-n with every place fine (-O to be made)" "${G[@]}" -i lo \
    -r "$TMP/r.json" -O "$TMP/newout" --log "$TMP/m.log" \
    --pidfile "$TMP/m.pid" 1 "$TMP/good.session"
for f in newout r.json m.log m.pid; do
	assert_no_file "$TMP/$f" "-n made nothing: $f"
done
# Every fault said, not only the first.
n=$((n + 1))
"${G[@]}" -i eth9 -r /nonexistent/dir/r.json --log "$TMP/no/m.log" \
    --pidfile "$TMP/no/m.pid" -k "$TMP/no.key" --output-max 1M 1 \
    "$TMP/relative.session" >"$TMP/all.out" 2>"$TMP/all.err"
assert_eq 1 $? "-n with seven mistakes: exit 1"
assert_eq 7 "$(wc -l <"$TMP/all.err")" "-n with seven mistakes: seven lines"
for t in "-i: interface eth9" "-r /nonexistent" "--log $TMP/no" \
    "--pidfile $TMP/no" "-k: key file" "--output-max has" \
    "the command 'sleep' is not an absolute path"; do
	assert_contains "$TMP/all.err" "$t" "-n with seven mistakes"
done
# From the file: named by its file, line and key.
printf 'master {\n\tresults = "/nonexistent/dir/r.json"\n\tinterface = eth9\n}\n' \
    >"$TMP/places.conf"
refused "-n: results in the file" \
    "synexec_master: $TMP/places.conf:2: results: /nonexistent/dir/r.json: directory /nonexistent/dir: No such file or directory" \
    "$MASTER_BIN" -n -c "$TMP/places.conf"
refused "-n: interface in the file" \
    "synexec_master: $TMP/places.conf:3: interface: interface eth9 does not exist" \
    "$MASTER_BIN" -n -c "$TMP/places.conf"
# A start finds the same before discovery.
run_master -r /nonexistent/dir/r.json 1 "$TMP/good.session"
assert_exit 1 "a start with -r /nonexistent/dir/r.json"
assert_contains "$MASTER_ERR" "-r /nonexistent/dir/r.json: directory /nonexistent/dir" \
    "a start with -r /nonexistent/dir/r.json: the reason"
assert_not_contains "$MASTER_OUT" "phase discovery" "a start: no discovery"

# An interface without an address (its peer down: no IPv6 link-local
# either): in a namespace of our own.
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	ns=synexec-checks-$$
	# A veth pair (as netns.sh uses), or a dummy link, with no address.
	netns_add "$ns" && { ip netns exec "$ns" sysctl -qw \
	    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	    ip -n "$ns" link add d0 type veth peer name d1 ||
	    ip -n "$ns" link add d0 type dummy; } 2>/dev/null &&
	    ip -n "$ns" link set d0 up
	if [ $? = 0 ]; then
		refused "-n -i with no IPv4 or IPv6 address" \
		    "synexec_master: -i: interface d0 has no IPv4 or IPv6 address" \
		    ip netns exec "$ns" "${G[@]}" -i d0
	else
		echo "SKIP: (part) -i without an address: cannot make a dummy link"
	fi
else
	echo "SKIP: (part) -i without an address: needs root for a namespace"
fi

note "-n: the slave's local mistakes, each said"
S=("$SLAVE_BIN" -c "$TMP/empty.conf" -n -T "$TMP" -o "$TMP/s.out")
refused "slave -n -o /nonexistent/dir/x.out" \
    "synexec_slave: -o /nonexistent/dir/x.out: directory /nonexistent/dir: No such file or directory" \
    "${S[@]}" -o /nonexistent/dir/x.out
refused "slave -n -o DIR" "synexec_slave: -o $TMP/adir: is a directory: name a file" \
    "${S[@]}" -o "$TMP/adir"
refused "slave -n -T /nonexistent" \
    "synexec_slave: -T /nonexistent: No such file or directory" \
    "${S[@]}" -T /nonexistent
refused "slave -n -T FILE" "synexec_slave: -T $TMP/good.session: not a directory" \
    "${S[@]}" -T "$TMP/good.session"
refused "slave -n --run-as nosuchuser" \
    "synexec_slave: --run-as nosuchuser: no such user" \
    "${S[@]}" --run-as nosuchuser
refused "slave -n --allow /nonexistent" \
    "synexec_slave: --allow /nonexistent: No such file or directory" \
    "${S[@]}" --allow /bin/true --allow /nonexistent
refused "slave -n --allow DIR" "synexec_slave: --allow $TMP/adir: not a regular file" \
    "${S[@]}" --allow "$TMP/adir"
printf 'not a program\n' >"$TMP/plain"
chmod 0644 "$TMP/plain"
# No x bit at all: not even root may run it.
refused "slave -n --allow a file without x" \
    "synexec_slave: --allow $TMP/plain: not executable" \
    "${S[@]}" --allow "$TMP/plain"
refused "slave -n --log in a missing directory" \
    "synexec_slave: --log $TMP/no/s.log: directory $TMP/no: No such file or directory" \
    "${S[@]}" --log "$TMP/no/s.log"
refused "slave -n --pidfile in a missing directory" \
    "synexec_slave: --pidfile $TMP/no/s.pid: directory $TMP/no: No such file or directory" \
    "${S[@]}" --pidfile "$TMP/no/s.pid"
refused "slave -n -i eth9" "synexec_slave: -i eth9: No such device" \
    "${S[@]}" -i eth9
accepted "slave -n with every place fine" "${S[@]}" --allow /bin/true \
    --allow /bin/sh --log "$TMP/s.log" --pidfile "$TMP/s.pid"
for f in s.out s.log s.pid; do
	assert_no_file "$TMP/$f" "slave -n made nothing: $f"
done
n=$((n + 1))
"${S[@]}" -o /nonexistent/dir/x.out -T /nonexistent --run-as nosuchuser \
    --allow /nonexistent --log "$TMP/no/s.log" >"$TMP/sall.out" 2>"$TMP/sall.err"
assert_eq 1 $? "slave -n with five mistakes: exit 1"
assert_eq 5 "$(wc -l <"$TMP/sall.err")" "slave -n with five mistakes: five lines"
printf 'slave {\n\toutput = "/nonexistent/dir/x.out"\n\tallow = { "/bin/true", "/nonexistent" }\n\trun_as = "nosuchuser"\n}\n' \
    >"$TMP/splaces.conf"
refused "slave -n: output in the file" \
    "synexec_slave: $TMP/splaces.conf:2: output: /nonexistent/dir/x.out: directory /nonexistent/dir: No such file or directory" \
    "$SLAVE_BIN" -n -c "$TMP/splaces.conf" -T "$TMP"
refused "slave -n: allow in the file" \
    "synexec_slave: $TMP/splaces.conf:3: allow: /nonexistent: No such file or directory" \
    "$SLAVE_BIN" -n -c "$TMP/splaces.conf" -T "$TMP"
refused "slave -n: run_as in the file" \
    "synexec_slave: $TMP/splaces.conf:4: run_as: nosuchuser: no such user" \
    "$SLAVE_BIN" -n -c "$TMP/splaces.conf" -T "$TMP"
# A start refuses the same, before it listens.
refused "a slave start with -o /nonexistent/dir/x.out" \
    "-o /nonexistent/dir/x.out: directory /nonexistent/dir" \
    "$SLAVE_BIN" -c "$TMP/empty.conf" -i lo -p "$PORT" -T "$TMP" \
    -o /nonexistent/dir/x.out

finish
