#!/bin/bash
# install: `make install DESTDIR=...` puts the binaries, the manual pages,
# the systemd unit (with this PREFIX's paths) and the configuration where
# they belong; it never overwrites an existing configuration file; `make
# uninstall` removes what install put, except that file.
# The binaries under test are installed as they are (make -o: not rebuilt),
# with the build's own PREFIX and SYSCONFDIR (they are compiled in).
. "$(dirname "$0")/../lib.sh"
require_bins

top=$SYNEXEC_TOP
case $SYNEXEC_BINDIR in
*/build/san) mk=(SAN=1); out=build/san ;;
*) mk=(); out=. ;;
esac
[ "$(cd "$top/$out" && pwd)" = "$(cd "$SYNEXEC_BINDIR" && pwd)" ] ||
    skip "binaries in $SYNEXEC_BINDIR are not the Makefile's ($out)"

root=$TMP/root
# install_tree TARGET [VAR=VALUE...]
install_tree() {
	local target=$1
	shift
	make -C "$top" --no-print-directory -o "$out/synexec_master" \
	    -o "$out/synexec_slave" "${mk[@]}" "$target" DESTDIR="$root" "$@" \
	    >"$TMP/make-$target.log" 2>&1
}

install_tree install || { fail "make install failed:"; cat "$TMP/make-install.log"; finish; }
pass "make install DESTDIR=\$TMP/root"

# The build's paths: PREFIX /usr/local unless the build said otherwise.
sysconf=$("$SLAVE_BIN" -h | sed -n 's/.*configuration file (default \(.*\)\/synexec\/synexec.conf.*/\1/p')
[ -n "$sysconf" ] || { fail "cannot read SYSCONFDIR from synexec_slave -h"; finish; }
prefix=/usr/local
# mode FILE MODE: exists with that mode.
mode() {
	if [ "$(stat -c %a "$root$1" 2>/dev/null)" = "$2" ]; then
		pass "$1 installed, mode $2"
	else
		fail "$1: expected mode $2, got '$(stat -c %a "$root$1" 2>&1)'"
	fi
}
mode $prefix/bin/synexec_master 755
mode $prefix/bin/synexec_slave 755
mode $prefix/bin/synexec_plot 755
mode $prefix/share/man/man1/synexec_master.1 644
mode $prefix/share/man/man1/synexec_plot.1 644
mode $prefix/share/man/man5/synexec.conf.5 644
mode $prefix/share/man/man8/synexec_slave.8 644
mode $prefix/lib/systemd/system/synexec-slave.service 644
mode "$sysconf/synexec/synexec.conf" 644
mode "$sysconf/synexec/synexec.conf.example" 644
cmp -s "$top/man/synexec_slave.8" "$root$prefix/share/man/man8/synexec_slave.8" ||
    fail "installed synexec_slave.8 differs from man/synexec_slave.8"
cmp -s "$top/tools/synexec_plot" "$root$prefix/bin/synexec_plot" ||
    fail "installed synexec_plot differs from tools/synexec_plot"
out=$("$root$prefix/bin/synexec_plot" --help 2>&1)
case $out in
"usage: synexec_plot RESULTS.json -o OUT"*) pass "the installed synexec_plot runs (--help)" ;;
*) fail "the installed synexec_plot --help: $out" ;;
esac

unit=$root$prefix/lib/systemd/system/synexec-slave.service
assert_contains "$unit" \
    "ExecStart=$prefix/bin/synexec_slave -c $sysconf/synexec/synexec.conf" \
    "installed unit"
if diff <(grep -v '^ExecStart=' "$top/contrib/systemd/synexec-slave.service") \
    <(grep -v '^ExecStart=' "$unit"); then
	pass "the installed unit differs from contrib/'s in ExecStart only"
else
	fail "the installed unit differs from contrib/'s beyond ExecStart (above)"
fi
out=$("$SLAVE_BIN" -n -c "$root$sysconf/synexec/synexec.conf" 2>&1)
assert_eq "configuration OK" "$out" "the slave on the installed configuration"

# An edited configuration survives a second install; the example does not
# keep stale content.
echo "# edited" >>"$root$sysconf/synexec/synexec.conf"
echo "# stale" >>"$root$sysconf/synexec/synexec.conf.example"
install_tree install || fail "second make install failed"
assert_contains "$root$sysconf/synexec/synexec.conf" "# edited" \
    "configuration after a second install"
cmp -s "$top/conf.examples/synexec.conf" "$root$sysconf/synexec/synexec.conf.example" &&
    pass "the example is the current one after a second install" ||
    fail "synexec.conf.example was not replaced"

install_tree uninstall || fail "make uninstall failed"
left=$(cd "$root" && find . -type f | sort | tr '\n' ' ')
assert_eq "./${sysconf#/}/synexec/synexec.conf " "$left" \
    "files left by make uninstall (the configuration only)"

# Debian's layout, through the variables.
rm -rf "$root"
install_tree install MANDIR=/usr/share/man SYSTEMDUNITDIR=/lib/systemd/system ||
    fail "make install MANDIR= SYSTEMDUNITDIR= failed"
assert_file "$root/usr/share/man/man8/synexec_slave.8" "MANDIR=/usr/share/man"
assert_file "$root/lib/systemd/system/synexec-slave.service" \
    "SYSTEMDUNITDIR=/lib/systemd/system"

finish
