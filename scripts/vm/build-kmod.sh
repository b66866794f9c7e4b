#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kmod.sh KVER: build the syngate kernel module(s) against the headers
# of kernel KVER, in a private copy of the sources so that several kernels
# can be built side by side without touching the work tree:
#   build/KVER/src/{Kbuild,VERSION,kmod/,include/} -> build/KVER/src/kmod/*.ko
# rsync keeps unchanged files' timestamps, so kbuild rebuilds only what
# changed. Headers: $KERNEL_BUILD, else /usr/src/linux-headers-KVER, else
# /lib/modules/KVER/build. W= and C= in the environment are passed to kbuild;
# BUILD_KMOD_OUT (relative to the repo) replaces build/KVER/src, e.g. for a
# W=1 C=2 build that must not disturb the one the VM uses.
#
# While kmod/ has no Kbuild/Makefile yet this prints a note and exits 0
# with no output. On a build failure no stale .ko is left behind.
set -euo pipefail

die() { echo "build-kmod.sh: $*" >&2; exit 1; }

kver=${1:-}
[ -n "$kver" ] || die "usage: build-kmod.sh KVER"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

out=${BUILD_KMOD_OUT:-build/$kver/src}
if [ ! -f kmod/Kbuild ] && [ ! -f kmod/Makefile ]; then
	echo "build-kmod.sh: note: kmod/ has no Kbuild yet; no module for $kver"
	rm -f "$out"/kmod/*.ko
	exit 0
fi

kbuild=${KERNEL_BUILD:-}
if [ -z "$kbuild" ]; then
	for d in "/usr/src/linux-headers-$kver" "/lib/modules/$kver/build"; do
		[ -d "$d" ] && { kbuild=$d; break; }
	done
fi
[ -n "$kbuild" ] && [ -d "$kbuild" ] || die "no headers for $kver (run scripts/deps.sh)"

mkdir -p "$out"
exec 9>"$out/.kmod.lock"
flock 9

# Generated files are excluded both from the copy and (so they survive)
# from --delete.
gen=(--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c'
	--exclude='.*.cmd' --exclude='*.order' --exclude='Module.symvers'
	--exclude='.*.d' --exclude='*.a' --exclude='.tmp_versions/'
	--exclude='*.dwo' --exclude='.cache.mk')
# VERSION: kmod/Kbuild reads ../VERSION into MODULE_VERSION.
rsync -a --delete "${gen[@]}" Kbuild VERSION "$out"/
rsync -a --delete "${gen[@]}" kmod/ "$out"/kmod/
rsync -a --delete "${gen[@]}" include/ "$out"/include/

args=()
[ -n "${W:-}" ] && args+=("W=$W")
[ -n "${C:-}" ] && args+=("C=$C")
echo "build-kmod.sh: building for $kver against $kbuild"
if ! make -C "$kbuild" M="$top/$out" "${args[@]}" modules; then
	rm -f "$out"/kmod/*.ko
	die "module build FAILED for $kver"
fi
ls "$out"/kmod/*.ko >/dev/null 2>&1 || die "build produced no .ko for $kver"
