#!/bin/bash
# checks: what both programs refuse before they do anything (issue 20),
# with the real binaries, each refusal one line naming what is wrong, exit 1:
#   - an option that has no effect without another (--output-max without -O
#     or --follow, -b without -i), on the command line and as a key of the
#     file (named by file and line); with its companion from either, fine;
#   - a session file whose first line the slaves would refuse or run wrong:
#     CRLF line endings, a #! line, an empty or a relative command; with -n
#     and on a start, before discovery (nothing sent), with what to write.
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

finish
