#!/bin/bash
# debian: `dpkg-buildpackage -us -uc -b` builds synexec-master, synexec-slave
# and synexec-common from a copy of the tree (so the work tree and its parent
# get no build products), and the packages hold what they should:
#   - the binaries, built for /usr and /etc, print the tree's version;
#   - the slave package installs the systemd unit (not enabled, not started)
#     and /etc/synexec/synexec.conf as a conffile;
#   - the manual pages are in the right packages; synexec_plot is in the
#     master's, which recommends python3-matplotlib;
#   - lintian (when installed) reports no errors.
# Needs dpkg-dev and debhelper: skips visibly without them.  Not run under
# SAN=1 (the packages are a plain build; the plain make check covers them).
. "$(dirname "$0")/../lib.sh"

case $SYNEXEC_BINDIR in
*/build/san) skip "package build: checked by the plain make check, not SAN=1" ;;
esac
for t in dpkg-buildpackage dpkg-deb dh dpkg-checkbuilddeps; do
	command -v "$t" >/dev/null ||
	    skip "no $t here (apt-get install dpkg-dev debhelper)"
done

top=$SYNEXEC_TOP
version=$(cat "$top/VERSION")
arch=$(dpkg --print-architecture)

note "copying the tree"
src=$TMP/pkg/synexec-$version
mkdir -p "$src"
# The tree as checked out (plus work in progress), without build products.
tar -C "$top" --exclude=./.git --exclude=./build --exclude=./synexec_master \
    --exclude=./synexec_slave --exclude=./debian/tmp \
    --exclude=./debian/synexec-common --exclude=./debian/synexec-master \
    --exclude=./debian/synexec-slave --exclude=./debian/.debhelper \
    --exclude=./debian/files --exclude='./debian/*.substvars' \
    --exclude=./debian/debhelper-build-stamp \
    --exclude='*.o' --exclude=__pycache__ -cf - . | tar -C "$src" -xf - ||
    { fail "cannot copy the tree"; finish; }

if ! (cd "$src" && dpkg-checkbuilddeps) >"$TMP/builddeps.log" 2>&1; then
	fail "build dependencies missing:"
	cat "$TMP/builddeps.log"
	finish
fi

note "dpkg-buildpackage -us -uc -b"
start=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
    timeout 400 dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1
rc=$?
echo "build took $(( $(date +%s) - start )) s"
if [ $rc != 0 ]; then
	fail "dpkg-buildpackage exited $rc; its log ends with:"
	tail -n 40 "$TMP/build.log"
	finish
fi
pass "dpkg-buildpackage exited 0"

master_deb=$TMP/pkg/synexec-master_${version}_$arch.deb
slave_deb=$TMP/pkg/synexec-slave_${version}_$arch.deb
common_deb=$TMP/pkg/synexec-common_${version}_all.deb
for d in "$master_deb" "$slave_deb" "$common_deb"; do
	assert_file "$d"
done
ls -l "$TMP/pkg"

# has DEB PATH: the package holds that file (dpkg-deb -c lists ./PATH).
has() {
	if dpkg-deb -c "$1" | awk '{ print $NF }' | grep -qx -- ".$2"; then
		pass "$(basename "$1") has $2"
	else
		fail "$(basename "$1"): no $2; it holds:"
		dpkg-deb -c "$1" | awk '{ print "    " $NF }'
	fi
}
has "$master_deb" /usr/bin/synexec_master
has "$master_deb" /usr/share/man/man1/synexec_master.1.gz
has "$master_deb" /usr/bin/synexec_plot
has "$master_deb" /usr/share/man/man1/synexec_plot.1.gz
# synexec_plot needs Python 3 and matplotlib; the master does not.
mkdir -p "$TMP/mctl"
dpkg-deb -e "$master_deb" "$TMP/mctl"
assert_matches "$TMP/mctl/control" '^Recommends:.*python3-matplotlib' \
    "synexec-master's control: Recommends python3-matplotlib"
has "$slave_deb" /usr/bin/synexec_slave
has "$slave_deb" /usr/share/man/man8/synexec_slave.8.gz
has "$slave_deb" /lib/systemd/system/synexec-slave.service
has "$slave_deb" /etc/synexec/synexec.conf
has "$common_deb" /usr/share/man/man5/synexec.conf.5.gz
has "$common_deb" /usr/share/doc/synexec-common/examples/synexec.conf
has "$common_deb" /usr/share/doc/synexec-common/examples/fio-randread.session

# The slave package: the configuration is a conffile; the unit is neither
# enabled nor started by the package.
mkdir -p "$TMP/ctl" "$TMP/root"
dpkg-deb -e "$slave_deb" "$TMP/ctl"
assert_contains "$TMP/ctl/conffiles" /etc/synexec/synexec.conf \
    "synexec-slave conffiles"
# (dh_installsystemd --no-enable: the unit is enabled again on upgrade only
# if the administrator had enabled it, under "debian-installed"; --no-start:
# no deb-systemd-invoke at all.)
if grep -n 'deb-systemd-invoke' "$TMP/ctl/postinst"; then
	fail "synexec-slave's postinst starts the unit"
else
	pass "synexec-slave's postinst does not start the unit"
fi
if grep -q 'deb-systemd-helper enable' "$TMP/ctl/postinst" &&
    ! grep -q 'deb-systemd-helper debian-installed' "$TMP/ctl/postinst"; then
	fail "synexec-slave's postinst enables the unit on a new installation:"
	cat "$TMP/ctl/postinst"
else
	pass "synexec-slave's postinst does not enable the unit on installation"
fi

# The binaries, unpacked: the tree's version, and /etc compiled in.
dpkg-deb -x "$master_deb" "$TMP/root"
dpkg-deb -x "$slave_deb" "$TMP/root"
assert_eq "synexec_master $version" "$("$TMP/root/usr/bin/synexec_master" -V)" \
    "packaged synexec_master -V"
assert_eq "synexec_slave $version" "$("$TMP/root/usr/bin/synexec_slave" -V)" \
    "packaged synexec_slave -V"
"$TMP/root/usr/bin/synexec_slave" -h >"$TMP/slave-help.txt"
assert_contains "$TMP/slave-help.txt" /etc/synexec/synexec.conf \
    "packaged synexec_slave -h (default configuration file)"
assert_contains "$TMP/root/lib/systemd/system/synexec-slave.service" \
    "ExecStart=/usr/bin/synexec_slave -c /etc/synexec/synexec.conf" \
    "packaged unit"
# The packaged slave accepts the packaged configuration.
out=$("$TMP/root/usr/bin/synexec_slave" -n -c "$TMP/root/etc/synexec/synexec.conf" 2>&1)
assert_eq "configuration OK" "$out" "packaged slave -n on the packaged configuration"

if command -v lintian >/dev/null; then
	note "lintian"
	changes=$TMP/pkg/synexec_${version}_$arch.changes
	timeout 300 lintian --fail-on error "$changes" >"$TMP/lintian.log" 2>&1
	rc=$?
	cat "$TMP/lintian.log"
	if [ $rc = 0 ] && ! grep -q '^E: ' "$TMP/lintian.log"; then
		pass "lintian: no errors ($(grep -c '^W: ' "$TMP/lintian.log") warnings)"
	else
		fail "lintian exited $rc or reported errors (E: lines above)"
	fi
else
	echo "note: lintian is not installed: package not linted (apt-get install lintian)"
fi

finish
