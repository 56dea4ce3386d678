#!/bin/bash
# version: one version everywhere.  The VERSION file is the one place it is
# written; the Makefile compiles it into both binaries (-V, --version), and
# debian/changelog and the manual pages must say the same.
. "$(dirname "$0")/../lib.sh"
require_bins

top=$SYNEXEC_TOP
version=$(cat "$top/VERSION")
if [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+.-][A-Za-z0-9.~+-]+)?$ ]]; then
	pass "VERSION is '$version'"
else
	fail "VERSION: '$version' is not a version number"
fi
assert_eq 1 "$(wc -l <"$top/VERSION")" "lines in VERSION"

assert_eq "synexec_master $version" "$("$MASTER_BIN" -V)" "synexec_master -V"
assert_eq "synexec_master $version" "$("$MASTER_BIN" --version)" \
    "synexec_master --version"
assert_eq "synexec_slave $version" "$("$SLAVE_BIN" -V)" "synexec_slave -V"
assert_eq "synexec_slave $version" "$("$SLAVE_BIN" --version)" \
    "synexec_slave --version"

# debian/changelog: its first entry (dpkg-parsechangelog when there).
if command -v dpkg-parsechangelog >/dev/null; then
	deb=$(cd "$top" && dpkg-parsechangelog -S Version)
else
	deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")
fi
# A native package: the version itself, no Debian revision.
assert_eq "$version" "$deb" "debian/changelog version"

# The manual pages' header: .TH NAME SECTION DATE "synexec VERSION" ...
for page in "$top"/man/*.[1-8]; do
	th=$(grep -m1 '^\.TH ' "$page")
	case $th in
	*"\"synexec $version\""*) pass "$(basename "$page"): .TH says synexec $version" ;;
	*) fail "$(basename "$page"): .TH line does not say \"synexec $version\": $th" ;;
	esac
done

finish
