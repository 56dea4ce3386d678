#!/bin/bash
# exit_codes: the master's exit codes (NOTES section 9) and what it says.
#   2  a task exited non-zero (named with "exit 3") or was killed by a signal
#   3  the command is not executable: every slave's reason is printed;
#      the command cannot be executed (exec fails): "not started"
#   5  -w timed out: "1 of 3"
#   1  usage errors ("out of range"), a missing session file, a relative
#      command (the master checks the first line before discovery)
#   0  -h (usage on stdout), -V (the version)
. "$(dirname "$0")/../lib.sh"
require_bins

slaves="alpha bravo charlie"
for s in $slaves; do
	start_slave $s
done
wait_slaves_ready

# The slave that got index N, from the index its task printed.
slave_with_index() {
	local s
	for s in $slaves; do
		grep -qx "index=$1" "$TMP/$s.out" 2>/dev/null && { echo $s; return; }
	done
}

note "one task exits 3 -> exit 2"
make_conf "$TMP/fail1.session" '/bin/sh :CONF:' \
    'echo "index=$SYNEXEC_SLAVE_INDEX"' \
    '[ "$SYNEXEC_SLAVE_INDEX" = 1 ] && exit 3' \
    'exit 0'
run_master 3 "$TMP/fail1.session"
assert_exit 2
bad=$(slave_with_index 1)
if [ -n "$bad" ]; then
	assert_line_has "$MASTER_OUT" "$bad" "exit 3" "master output about $bad"
	row=$(summary_row "$MASTER_OUT" "$bad")
	case $row in
	*"exit 3"*) pass "$bad's summary row says exit 3" ;;
	*) fail "$bad's summary row: expected 'exit 3', got '$row'" ;;
	esac
	for s in $slaves; do
		[ $s = "$bad" ] && continue
		row=$(summary_row "$MASTER_OUT" $s)
		case $row in
		*"exit 3"*) fail "$s's row: expected no 'exit 3', got '$row'" ;;
		"") fail "$s: no summary row" ;;
		*) pass "$s's row does not say exit 3" ;;
		esac
	done
else
	fail "no slave printed index=1"
fi

note "a task killed by SIGKILL -> exit 2"
make_conf "$TMP/kill.session" '/bin/sh :CONF:' \
    '[ "$SYNEXEC_SLAVE_INDEX" = 0 ] && kill -KILL $$' \
    'exit 0'
run_master 3 "$TMP/kill.session"
assert_exit 2
assert_matches "$MASTER_OUT" '[Ss]ignal|SIG|KILL|killed' "master output about the killed task"

note "command not executable -> exit 3, every slave's reason printed"
printf '#!/bin/sh\necho should not run\n' >"$TMP/notexec"
chmod 0644 "$TMP/notexec"
rm -f "$TMP"/{alpha,bravo,charlie}.out
make_conf "$TMP/noexec.session" "$TMP/notexec :CONF:" 'payload'
run_master 3 "$TMP/noexec.session"
assert_exit 3
cat "$MASTER_OUT" "$MASTER_ERR" >"$TMP/noexec.all"
for s in $slaves; do
	assert_line_has "$TMP/noexec.all" "$s" "$TMP/notexec" "reason of $s"
	assert_no_file "$TMP/$s.out" "$s output file (nothing armed)"
done
n=$(grep -F "$TMP/notexec" "$TMP/noexec.all" | grep -cE 'alpha|bravo|charlie')
if [ "$n" -ge 3 ]; then
	pass "$n lines name a slave and its reason"
else
	fail "expected a reason line per slave (3), got $n"
fi

note "executable but exec fails (no interpreter) -> exit 3, the reason shown"
printf '\177ELF junk, not a program\n' >"$TMP/badexec"
chmod 0755 "$TMP/badexec"
make_conf "$TMP/badexec.session" "$TMP/badexec"
run_master 3 "$TMP/badexec.session"
assert_exit 3 "exec failure on every slave"
cat "$MASTER_OUT" "$MASTER_ERR" >"$TMP/badexec.all"
assert_contains "$TMP/badexec.all" "Exec format error" "exec failure reason"
for s in $slaves; do
	row=$(summary_row "$MASTER_OUT" $s)
	case $row in
	*"not started"*) pass "$s's row says not started" ;;
	*) fail "$s's row: expected 'not started', got '$row'" ;;
	esac
done

note "relative command path -> exit 1, refused by the master before discovery"
make_conf "$TMP/relative.session" 'sh :CONF:' 'exit 0'
run_master 3 "$TMP/relative.session"
assert_exit 1
assert_contains "$MASTER_ERR" "the command 'sh' is not an absolute path" \
    "relative command: the reason"
assert_not_contains "$MASTER_OUT" "phase configuration" \
    "relative command: nothing sent to the slaves"

# The slaves are still there after refusals: a good session works.
note "slaves still serve after the refusals"
make_conf "$TMP/ok.session" '/bin/true'
run_master 3 "$TMP/ok.session"
assert_exit 0

note "-w 1 with 3 SLAVES and 1 slave -> exit 5, '1 of 3'"
stop_slave bravo
stop_slave charlie
t0=$(date +%s)
run_master -w 1 3 "$TMP/ok.session"
t1=$(date +%s)
assert_exit 5
cat "$MASTER_OUT" "$MASTER_ERR" >"$TMP/wait.all"
assert_contains "$TMP/wait.all" "1 of 3" "-w message"
assert_contains "$TMP/wait.all" "alpha" "-w message names the joined slave"
if [ $((t1 - t0)) -le 4 ]; then
	pass "-w 1 gave up after $((t1 - t0)) s"
else
	fail "-w 1: expected to give up within ~1 s, took $((t1 - t0)) s"
fi
# It was released (BYE): it joins the next session at once.
run_master -w 5 1 "$TMP/ok.session"
assert_exit 0 "alpha joins the next session after -w gave up"

note "usage errors -> exit 1"
run_master -p 70000 1 "$TMP/ok.session"
assert_exit 1 "-p 70000"
assert_contains "$MASTER_ERR" "out of range" "-p 70000 message"
run_master 1 "$TMP/does-not-exist"
assert_exit 1 "missing session file"
assert_contains "$MASTER_ERR" "$TMP/does-not-exist" "missing file message"
run_master 0 "$TMP/ok.session"
assert_exit 1 "SLAVES = 0"
run_master 1
assert_exit 1 "no session file argument"
run_master -s notanumber 1 "$TMP/ok.session"
assert_exit 1 "-s notanumber"

# usage_error WHAT PROG ARGS...: exit 1, nothing on stdout, on stderr
# exactly two lines: "PROG: ..." saying what is wrong, then "Try 'PROG
# --help' for more information." (never the whole help).
usage_error() {
	local what=$1 prog=$2 rc p
	shift 2
	p=$(basename "$prog")
	timeout 5 "$prog" "$@" >"$TMP/ue.out" 2>"$TMP/ue.err"
	rc=$?
	if [ $rc = 1 ] && [ ! -s "$TMP/ue.out" ] &&
	    [ "$(wc -l <"$TMP/ue.err")" = 2 ] &&
	    sed -n 1p "$TMP/ue.err" | grep -q "^$p: ." &&
	    [ "$(sed -n 2p "$TMP/ue.err")" = "Try '$p --help' for more information." ]; then
		pass "usage error: $what: $(sed -n 1p "$TMP/ue.err")"
	else
		fail "usage error: $what: expected exit 1, stdout empty, stderr a" \
		    "line then the Try line; got exit $rc, stdout:"
		show_file "$TMP/ue.out"
		show_file "$TMP/ue.err"
	fi
	# The first line names what is wrong.
	sed -n 1p "$TMP/ue.err" >"$TMP/ue.first"
	[ -n "${UE_EXPECT:-}" ] &&
	    assert_contains "$TMP/ue.first" "$UE_EXPECT" "$what: first line"
	UE_EXPECT=
}
note "usage errors: one line, then the Try line, on stderr"
UE_EXPECT="SLAVES all with a host list waits for one slave per listed host" \
    usage_error "SLAVES all, -H and --slaves" "$MASTER_BIN" -p "$PORT" \
    -H 127.0.0.1 --slaves 'vm*' all "$TMP/ok.session"
UE_EXPECT="--preflight checks one session file once" usage_error \
    "--preflight --repeat 2" "$MASTER_BIN" -i lo -p "$PORT" --preflight \
    --repeat 2 1 "$TMP/ok.session"
for prog in "$MASTER_BIN" "$SLAVE_BIN"; do
	p=$(basename "$prog")
	UE_EXPECT=-x usage_error "$p -x" "$prog" -x
	UE_EXPECT="unknown option --bogus" usage_error "$p --bogus" "$prog" --bogus
	UE_EXPECT="--port: missing argument" usage_error "$p --port (no value)" "$prog" --port
	UE_EXPECT=70000 usage_error "$p --port=70000" "$prog" --port=70000
	UE_EXPECT=12x usage_error "$p -p 12x" "$prog" -p 12x
	UE_EXPECT=4294967296 usage_error "$p -s 4294967296" "$prog" \
	    -s 4294967296
	# Near misses of long options: a typo, one dash, a key's spelling.
	UE_EXPECT="unknown option --prot; did you mean --port?" \
	    usage_error "$p --prot" "$prog" --prot 5165
	UE_EXPECT="did you mean --heartbeat-timeout?" \
	    usage_error "$p --heartbeat_timeout" "$prog" --heartbeat_timeout 5
	UE_EXPECT="--daemon takes no argument" \
	    usage_error "$p --daemon=yes" "$prog" --daemon=yes
	UE_EXPECT="-k: missing argument" usage_error "$p -k (no value)" \
	    "$prog" -k
done
UE_EXPECT="unknown option --folow; did you mean --follow?" \
    usage_error "master --folow" "$MASTER_BIN" --folow 1 "$TMP/ok.session"
UE_EXPECT="unknown option -f in '-follow'; did you mean --follow?" \
    usage_error "master -follow" "$MASTER_BIN" -follow 1 "$TMP/ok.session"
UE_EXPECT="did you mean --timeout?" \
    usage_error "master -timeout 5" "$MASTER_BIN" -timeout 5 1 "$TMP/ok.session"
UE_EXPECT="option --output is ambiguous: --output-dir, --output-max" \
    usage_error "master --output (ambiguous)" "$MASTER_BIN" --output x 1 \
    "$TMP/ok.session"
UE_EXPECT="-t: '5x' is not a duration" \
    usage_error "master -t 5x" "$MASTER_BIN" -t 5x 1 "$TMP/ok.session"
UE_EXPECT="did you mean --keep-task?" \
    usage_error "slave --keep-tasks" "$SLAVE_BIN" --keep-tasks
UE_EXPECT="unknown option -a in '-allow'; did you mean --allow?" \
    usage_error "slave -allow" "$SLAVE_BIN" -allow /bin/true
UE_EXPECT="missing SLAVES and CONF" \
    usage_error "master with no argument" "$MASTER_BIN"
# A third argument is another session file (a campaign): checked as one.
run_master_cmd "$MASTER_BIN" -n 1 "$TMP/ok.session" extra
assert_exit 1 "master with a third argument that is no file"
assert_contains "$MASTER_ERR" "extra: No such file or directory" \
    "master with a third argument that is no file"
UE_EXPECT="--repeat: 0 is out of range 1..1000000" \
    usage_error "master --repeat 0" "$MASTER_BIN" --repeat 0 1 "$TMP/ok.session"
UE_EXPECT="SLAVES all takes whoever has joined when -w expires" \
    usage_error "master all without -w" "$MASTER_BIN" all "$TMP/ok.session"
UE_EXPECT="--slaves vm[1-: pattern 'vm[1-': '[' without ']'" \
    usage_error "master --slaves vm[1-" "$MASTER_BIN" --slaves 'vm[1-' 1 \
    "$TMP/ok.session"
UE_EXPECT=extra usage_error "slave with an argument" "$SLAVE_BIN" extra

note "-h and -V"
for prog in "$MASTER_BIN" "$SLAVE_BIN"; do
	for h in -h --help; do
		"$prog" $h >"$TMP/h.out" 2>"$TMP/h.err"
		assert_eq 0 $? "$(basename "$prog") $h exit code"
		assert_matches "$TMP/h.out" "^usage: $(basename "$prog")" \
		    "$(basename "$prog") $h: usage on stdout"
		assert_eq "" "$(cat "$TMP/h.err")" \
		    "$(basename "$prog") $h: nothing on stderr"
	done
	"$prog" --version >"$TMP/v.out" 2>&1
	assert_eq 0 $? "$(basename "$prog") --version exit code"
	assert_contains "$TMP/v.out" "$(cat "$SYNEXEC_TOP/VERSION")" \
	    "$(basename "$prog") --version"
done
run_master -h
assert_exit 0 "-h"
assert_matches "$MASTER_OUT" '[Uu]sage' "-h on stdout"
version=$(cat "$SYNEXEC_TOP/VERSION")
run_master -V
assert_exit 0 "-V"
assert_contains "$MASTER_OUT" "$version" "-V on stdout"

note "slave: -h, -V, -p 70000"
"$SLAVE_BIN" -h >"$TMP/sh.out" 2>&1
assert_eq 0 $? "slave -h exit code"
assert_matches "$TMP/sh.out" '[Uu]sage' "slave -h"
"$SLAVE_BIN" -V >"$TMP/sv.out" 2>&1
assert_eq 0 $? "slave -V exit code"
assert_contains "$TMP/sv.out" "$version" "slave -V"
timeout 5 "$SLAVE_BIN" -i lo -p 70000 >"$TMP/sp.out" 2>&1
assert_eq 1 $? "slave -p 70000 exit code"
assert_contains "$TMP/sp.out" "out of range" "slave -p 70000"

finish
