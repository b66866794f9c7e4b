#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dist.sh [OUTDIR]: make the release tarball syngate-<VERSION>.tar.gz in
# OUTDIR (default: the top of the tree) and print its path. It holds every
# file git tracks, as it is in the work tree (so a tree with local changes
# packs those changes; release from a clean checkout), under
# syngate-<VERSION>/. Reproducible: sorted, owner root, modes normalised,
# every mtime that of the last commit. Refuses to pack when the version
# strings disagree: VERSION, dkms.conf's PACKAGE_VERSION and the top entry
# of debian/changelog (scripts/set-version.sh changes all three).
set -uo pipefail

die() { echo "dist.sh: $*" >&2; exit 1; }

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
outdir=${1:-$top}
mkdir -p "$outdir" || die "cannot create $outdir"
outdir=$(cd "$outdir" && pwd)

version=$(head -n 1 VERSION 2>/dev/null | tr -d '[:space:]')
[ -n "$version" ] || die "no VERSION file"
dkmsv=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf 2>/dev/null)
[ "$dkmsv" = "$version" ] || die "dkms.conf PACKAGE_VERSION '$dkmsv' != VERSION '$version'"
debv=$(sed -n '1s/^syngate (\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
[ "$debv" = "$version" ] || die "debian/changelog version '$debv' != VERSION '$version'"

command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 ||
	die "not a git checkout: the file list comes from git ls-files"

name=syngate-$version
tarball=$outdir/$name.tar.gz
list=$(mktemp) || exit 2
trap 'rm -f "$list" "$tarball.tmp"' EXIT
# Tracked files that still exist (a file deleted in the work tree is out).
git ls-files -z | while IFS= read -r -d '' f; do
	[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
done > "$list"
for f in VERSION dkms.conf Kbuild Makefile kmod/Kbuild include/xt_SYNGATE.h \
		debian/control debian/rules xt_userspace/Makefile; do
	grep -q -z -x -F "$f" "$list" || die "$f is not tracked by git (git add it)"
done

mtime=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar --null -T "$list" --sort=name --owner=0 --group=0 --numeric-owner \
	--mode='u+rw,go=rX' --mtime="@$mtime" \
	--transform="s,^,$name/," -cf - | gzip -9 -n > "$tarball.tmp" ||
	die "tar failed"
mv "$tarball.tmp" "$tarball"
echo "$tarball"
