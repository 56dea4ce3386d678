#!/bin/bash
# conf_syntax: what synexec.conf(5) says about the file's syntax, checked
# with the real programs (-n): comments, quoted numbers, decimals of seconds,
# byte suffixes, booleans, quoting, lists, unknown keys and sections, keys
# and sections given twice, the size limit, environment variables, and
# errors naming file, line and key.  An option on the command line takes what
# its key takes, with the same message (one parser per kind: common/opt.c).
. "$(dirname "$0")/../lib.sh"
require_bins

n=0
# conf_ok TEXT WHAT / conf_bad TEXT EXPECTED_MESSAGE WHAT: the slave's -n
# (and the master's, which checks the slave's section too) on a file.
conf_file() {
	n=$((n + 1))
	CF=$TMP/c$n.conf
	printf '%b' "$1" >"$CF"
}
conf_ok() {
	conf_file "$1"
	local o m
	o=$("$SLAVE_BIN" -n -c "$CF" 2>&1)
	m=$("$MASTER_BIN" -n -c "$CF" 2>&1)
	if [ "$o" = "configuration OK" ] && [ "$m" = "configuration OK" ]; then
		pass "$2"
	else
		fail "$2: expected configuration OK, got: slave '$o', master '$m'"
	fi
}
conf_bad() {
	conf_file "$1"
	local o rc
	o=$("$SLAVE_BIN" -n -c "$CF" 2>&1)
	rc=$?
	if [ $rc = 1 ] && [[ $o == *"$2"* ]]; then
		pass "$3: refused: $o"
	else
		fail "$3: expected exit 1 and '$2', got exit $rc: $o"
	fi
}

conf_ok 'slave {\n\t# hash\n\t// slashes\n\t/* a\n\t   block */ port = 5166\n}\n' \
    "comments: #, // and /* */"
conf_ok 'slave {\n\tport = "5166"\n}\n' "a quoted number"
conf_bad 'slave {\n\tport = 0x10\n}\n' "port" "a hex number"
conf_bad 'slave {\n\tport = +7\n}\n' "'+' outside quotes" "a sign"
conf_bad 'slave {\n\tport = "-7"\n}\n' "port" "a quoted sign"
conf_bad 'slave {\n\tname = node+1\n}\n' "must be quoted" "an unquoted '+'"
conf_ok 'slave {\n\tname = "node+1"\n}\n' "a quoted '+'"
conf_ok 'slave {\n\tkill_grace = 2.123456789\n}\n' "seconds with nine decimals"
conf_bad 'slave {\n\tkill_grace = 2.1234567891\n}\n' "finer than a nanosecond" \
    "seconds with ten decimals: finer than a nanosecond"
conf_ok 'slave {\n\tmax_conf_size = 512K\n}\nmaster {\n\toutput_max = 1G\n\tfollow = on\n}\n' \
    "byte suffixes K and G"
# Units (synexec.conf(5), SYNTAX), in the file and on the command line.
conf_ok 'master {\n\ttimeout = 5m\n\twait = .5\n\treport_interval = 500ms\n\theartbeat_timeout = 1.5m\n\toutput_max = 10MB\n\tfollow = yes\n}\nslave {\n\tkill_grace = 1h\n\tmax_conf_size = 2GiB\n\theartbeat_timeout = "30s"\n}\n' \
    "units in the file: timeout = 5m, wait = .5, 500ms, 1.5m, 10MB, 1h, 2GiB, 30s"
conf_ok 'master {\n\toutput_max = 10KB\n\tfollow = yes\n}\nslave {\n\tmax_conf_size = 1.5M\n}\n' \
    "units in the file: 10KB, 1.5M"
conf_bad 'slave {\n\tkill_grace = 5M\n}\n' "'5M' is not a duration" \
    "a duration in the file with an unknown unit (M)"
conf_bad 'slave {\n\tmax_conf_size = 1.1K\n}\n' "'1.1K' is not a whole number of bytes" \
    "a byte count in the file that is not whole"
: >"$TMP/empty.conf"
o=$("$MASTER_BIN" -n -c "$TMP/empty.conf" -t 5m -w .5 -R 500ms \
    --heartbeat-timeout 1.5m --output-max 10MB --follow 2>&1)
assert_eq "configuration OK" "$o" "units on the master's command line: -t 5m -w .5 -R 500ms --output-max 10MB"
o=$("$MASTER_BIN" -n -c "$TMP/empty.conf" -t 1h -w 30s --output-max 1GiB \
    --follow 2>&1)
assert_eq "configuration OK" "$o" "units on the master's command line: -t 1h -w 30s --output-max 1GiB"
o=$("$SLAVE_BIN" -n -c "$TMP/empty.conf" --kill-grace 1.5m \
    --max-conf-size 512KiB --heartbeat-timeout 2m -T "$TMP" -o "$TMP/x.out" 2>&1)
assert_eq "configuration OK" "$o" "units on the slave's command line: --kill-grace 1.5m --max-conf-size 512KiB"
conf_ok 'slave {\n\tonce = true\n\tkeep_task = no\n}\nmaster {\n\tfollow = on\n\tfail_fast = off\n\tbroadcast_all = yes\n\tinterface = lo\n\tdaemon = false\n}\n' \
    "booleans true/false, yes/no, on/off"
conf_bad 'slave {\n\tonce = maybe\n}\n' "once" "a boolean that is not one"
conf_ok 'slave {\n\toutput = "/tmp/a #b"\n}\n' "a quoted string holding a blank and #"
conf_bad 'slave {\n\toutput = ""\n}\n' "empty value" "an empty string"
conf_ok 'slave {\n\tallow = { "/bin/sh", "/bin/dd" }\n}\n' "a list"
conf_bad 'slave {\n\tallow = { "bin/dd" }\n}\n' "absolute" "a relative path in allow"
conf_bad 'slave {\n\tportt = 1\n}\n' "portt" "an unknown key"
conf_bad 'slaves {\n\tport = 1\n}\n' "slaves" "an unknown section"
conf_bad 'slave {\n\tport = 1\n}\nslave {\n\tport = 2\n}\n' "more than once" \
    "a section given twice"
conf_bad 'slave {\n\tport = 1\n\n\tport = 2\n}\n' \
    "c$((n + 1)).conf:4: port: given twice in section slave (first on line 2)" \
    "a key given twice"
conf_bad 'master {\n\tfollow = yes\n\tfollow = no\n}\n' "follow: given twice" \
    "a boolean given twice"
conf_ok 'slave {\n\tallow = { "/bin/dd" }\n\tallow += { "/bin/cp" }\n}\n' \
    "a list that grows with +="
conf_ok 'master {\n\tport = 1\n}\nslave {\n\tport = 2\n}\n' \
    "the same key in both sections"
conf_bad 'master {\n\twait = -1\n}\n' "wait" \
    "a bad key in the master section, read by the slave"
# The error format of synexec.conf(5): FILE:LINE: KEY: MESSAGE.
conf_bad '# one\n# two\nslave {\n\tport = 70000\n}\n' \
    "c$((n + 1)).conf:4: port: 70000 is out of range 1..65535" \
    "the error names the file, the line and the key"
# At most 1 MiB.
n=$((n + 1))
CF=$TMP/c$n.conf
{ echo 'slave {'; head -c 1100000 /dev/zero | tr '\0' '#'; echo; echo '}'; } >"$CF"
o=$("$SLAVE_BIN" -n -c "$CF" 2>&1)
[ $? = 1 ] && [[ $o == *"larger than"* ]] && pass "a file over 1 MiB is refused: $o" ||
    fail "a file over 1 MiB: expected a refusal, got: $o"

# Environment variables: ${NAME}, ${NAME:-default}; literal in single quotes.
mkdir -p "$TMP/envdir"
conf_file 'slave {\n\tconf_dir = "${SYNEXEC_TEST_DIR}"\n}\n'
o=$(SYNEXEC_TEST_DIR=$TMP/envdir "$SLAVE_BIN" -n -c "$CF" 2>&1)
assert_eq "configuration OK" "$o" '${NAME} set to an existing directory'
o=$(SYNEXEC_TEST_DIR=$TMP/nodir "$SLAVE_BIN" -n -c "$CF" 2>&1)
[[ $o == *"$TMP/nodir"* ]] && pass '${NAME} is replaced: '"$o" ||
    fail '${NAME}: expected the error to name '"$TMP/nodir, got: $o"
o=$(env -u SYNEXEC_TEST_DIR "$SLAVE_BIN" -n -c "$CF" 2>&1)
[[ $o == *"empty value"* ]] && pass '${NAME} unset: nothing (empty value)' ||
    fail '${NAME} unset: expected "empty value", got: '"$o"
conf_file 'slave {\n\tconf_dir = "${SYNEXEC_TEST_UNSET:-'"$TMP/envdir"'}"\n}\n'
o=$(env -u SYNEXEC_TEST_UNSET "$SLAVE_BIN" -n -c "$CF" 2>&1)
assert_eq "configuration OK" "$o" '${NAME:-default} with NAME unset'
conf_file "slave {\n\tconf_dir = '\${SYNEXEC_TEST_DIR}'\n}\n"
o=$(SYNEXEC_TEST_DIR=$TMP/envdir "$SLAVE_BIN" -n -c "$CF" 2>&1)
[[ $o == *'${SYNEXEC_TEST_DIR}'* ]] && pass "single quotes: \$ is literal: $o" ||
    fail "single quotes: expected the literal \${SYNEXEC_TEST_DIR}, got: $o"

# same_check PROG SECTION KEY OPTION VALUE: the command line's "OPTION: MSG"
# and the file's "FILE:LINE: KEY: MSG" give the same MSG, exit 1 both.
same_check() {
	local bin=$MASTER_BIN fo oo rc1 rc2
	[ "$1" = slave ] && bin=$SLAVE_BIN
	conf_file "$2 {\n\t$3 = \"$5\"\n}\n"
	"$bin" -n -c "$CF" >"$TMP/same.out" 2>&1
	rc1=$?
	fo=$(head -n 1 "$TMP/same.out")
	: >"$TMP/empty.conf"
	"$bin" -n -c "$TMP/empty.conf" "$4" "$5" >"$TMP/same.out" 2>&1
	rc2=$?
	oo=$(head -n 1 "$TMP/same.out")
	fo=${fo#*: $3: }
	oo=${oo#*: $4: }
	if [ "$rc1/$rc2" = 1/1 ] && [ -n "$fo" ] && [ "$fo" = "$oo" ]; then
		pass "$1 $4 '$5' as key $3: $oo"
	else
		fail "$1 $4 '$5': exit $rc2 '$oo'; key $3: exit $rc1 '$fo'"
	fi
}
same_check slave slave port -p 70000
same_check slave slave session -s -1
same_check slave slave name -N .hidden
same_check slave slave master -m a@b
same_check slave slave master -m host:70000
same_check slave slave interface -i eth0/1
same_check slave slave output -o ""
same_check slave slave kill_grace --kill-grace 3601
same_check slave slave max_conf_size --max-conf-size 10Mb
same_check slave slave max_conf_size --max-conf-size 1.1K
same_check slave slave max_conf_size --max-conf-size -1K
same_check slave slave kill_grace --kill-grace 1h30m
same_check slave slave kill_grace --kill-grace -5s
same_check master master timeout -t 5x
same_check master master wait -w 0.0000000001
same_check slave slave heartbeat_timeout --heartbeat-timeout 0
same_check slave slave allow --allow bin/dd
same_check master master interface -i 1234567890123456
same_check master master wait -w 2592001
same_check master master report_interval -R 0.05
same_check master master results -r ""
same_check master master output_max --output-max 16E

finish
