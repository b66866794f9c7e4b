#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh NAME: resolve a test kernel name and print, as shell
# assignments (eval-able):
#   KVER=<version>  KIMAGE=<bootable image>  KMODDIR=<its /lib/modules dir>
#   KBUILD=<headers/build dir for out-of-tree modules, may be empty>
#   KCPU=<qemu -cpu model to boot it with>
#
# NAME is one of:
#   6.1      newest installed Debian 6.1.0-*-amd64
#   6.12     newest installed Debian 6.12.*-amd64
#   <KVER>   an exact installed version, e.g. 6.1.0-56-amd64
#   custom   (or any NAME when KERNEL_IMAGE is set) a kernel given by env:
#              KERNEL_IMAGE   bzImage/vmlinuz to boot            (required)
#              KERNEL_MODDIR  its modules dir (…/lib/modules/KVER) (required)
#              KERNEL_BUILD   its build dir (default KERNEL_MODDIR/build)
#              KERNEL_QEMU_CPU  qemu -cpu model (default max)
#            KVER is the last component of KERNEL_MODDIR.
set -euo pipefail

die() { echo "kernels.sh: $*" >&2; exit 1; }

name=${1:-}
[ -n "$name" ] || die "usage: kernels.sh 6.1|6.12|KVER|custom"

if [ -n "${KERNEL_IMAGE:-}" ] || [ "$name" = custom ]; then
	[ -n "${KERNEL_IMAGE:-}" ] || die "custom kernel: set KERNEL_IMAGE"
	[ -n "${KERNEL_MODDIR:-}" ] || die "custom kernel: set KERNEL_MODDIR"
	[ -f "$KERNEL_IMAGE" ] || die "no such image: $KERNEL_IMAGE"
	[ -d "$KERNEL_MODDIR" ] || die "no such modules dir: $KERNEL_MODDIR"
	moddir=$(cd "$KERNEL_MODDIR" && pwd)
	kver=$(basename "$moddir")
	image=$KERNEL_IMAGE
	kbuild=${KERNEL_BUILD:-$moddir/build}
	qcpu=${KERNEL_QEMU_CPU:-max}
else
	case $name in
	6.1)  pat='6.1.0-*-amd64' ;;
	6.12) pat='6.12.*-amd64' ;;
	*)    pat=$name ;;
	esac
	kver=$(cd /lib/modules && ls -d $pat 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$kver" ] || die "no installed kernel matches '$name' in /lib/modules (run scripts/deps.sh)"
	image=/boot/vmlinuz-$kver
	[ -f "$image" ] || die "no image $image for $kver"
	moddir=/lib/modules/$kver
	kbuild=/usr/src/linux-headers-$kver
	[ -d "$kbuild" ] || kbuild=$moddir/build
	qcpu=max
fi
[ -d "$kbuild" ] || kbuild=""

printf 'KVER=%q\nKIMAGE=%q\nKMODDIR=%q\nKBUILD=%q\nKCPU=%q\n' \
	"$kver" "$image" "$moddir" "$kbuild" "$qcpu"
