#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# set-version.sh NEW_VERSION [CHANGELOG LINE...]: change the version of
# syngate everywhere it is written down: the file VERSION (which the module's
# MODULE_VERSION, the plugin's help and the man page read at build time),
# dkms.conf's PACKAGE_VERSION, and a new top entry in debian/changelog
# (native package: the Debian version is the upstream version). Commit the
# three files together. Env: DEBFULLNAME/DEBEMAIL (default: git's user).
set -uo pipefail

die() { echo "set-version.sh: $*" >&2; exit 1; }

new=${1:-}
[ -n "$new" ] || die "usage: set-version.sh NEW_VERSION [CHANGELOG LINE...]"
shift
[[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+.][0-9A-Za-z.~+]+)?$ ]] ||
	die "'$new' is not a version like 1.2.3"
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

old=$(head -n 1 VERSION | tr -d '[:space:]')
[ "$new" != "$old" ] || die "already at $new"
dpkg --compare-versions "$new" gt "$old" 2>/dev/null ||
	die "$new is not greater than $old"

name=${DEBFULLNAME:-$(git config user.name 2>/dev/null || echo "syngate maintainers")}
mail=${DEBEMAIL:-$(git config user.email 2>/dev/null || echo "root@localhost")}
[ $# -gt 0 ] || set -- "New upstream version $new."

echo "$new" > VERSION
sed -i "s/^PACKAGE_VERSION=\".*\"$/PACKAGE_VERSION=\"$new\"/" dkms.conf
{
	echo "syngate ($new) unstable; urgency=medium"
	echo
	for l in "$@"; do echo "  * $l"; done
	echo
	echo " -- $name <$mail>  $(date -R)"
	echo
	cat debian/changelog
} > debian/changelog.new && mv debian/changelog.new debian/changelog
echo "set-version.sh: $old -> $new in VERSION, dkms.conf, debian/changelog"
