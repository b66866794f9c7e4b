#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh [OUTDIR]: build syngate's Debian packages the way a packager would:
# `make dist` (scripts/dist.sh) into OUTDIR (default build/deb), unpack the
# tarball there and run `dpkg-buildpackage -us -uc -b` in it. The .deb files
# (syngate-dkms_<v>_all.deb, syngate-iptables_<v>_<arch>.deb) and the
# .changes/.buildinfo end up in OUTDIR; their paths are printed last.
# Needs the build dependencies of debian/control (scripts/deps.sh installs
# them). The work tree itself is not touched.
set -uo pipefail

die() { echo "deb.sh: $*" >&2; exit 1; }

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
version=$(head -n 1 "$top/VERSION" | tr -d '[:space:]')
src=$out/syngate-$version

tarball=$("$top/scripts/dist.sh" "$out") || die "make dist failed"
rm -rf "$src" "$out"/syngate*_"$version"_*.deb "$out"/syngate*_"$version"_*.changes \
	"$out"/syngate*_"$version"_*.buildinfo "$out"/syngate*_"$version"_*.ddeb
tar -xzf "$tarball" -C "$out" || die "cannot unpack $tarball"
[ -d "$src/debian" ] || die "$tarball has no debian/"

echo "deb.sh: dpkg-buildpackage -us -uc -b in $src" >&2
(cd "$src" && dpkg-buildpackage -us -uc -b) >&2 || die "dpkg-buildpackage failed"
ls "$out"/syngate-dkms_"$version"_all.deb "$out"/syngate-iptables_"$version"_*.deb 2>/dev/null ||
	die "no .deb produced in $out"
