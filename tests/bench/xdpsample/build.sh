#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh OUTDIR: build the Linux kernel's own XDP SYN-proxy sample (BPF
# selftests: progs/xdp_synproxy_kern.c + xdp_synproxy.c, Debian's
# linux-source-6.12) as a reference configuration for the bench:
#   OUTDIR/xdp_synproxy              the loader (dynamically linked, libbpf.so.1)
#   OUTDIR/xdp_synproxy_kern.bpf.o   the BPF object (clang-16, CO-RE)
#   OUTDIR/src/                      the kernel sources it was built from,
#                                    vmlinux.h and the libbpf compat header
# The loader opens "<argv[0]>_kern.bpf.o": run it by its path
# (OUTDIR/xdp_synproxy ...), never through $PATH. See README.md.
#
# Where the sample comes from (nothing of the kernel's is in our repo):
#   1. $XDPSAMPLE_KSRC, a kernel source tree, if set;
#   2. the debug kernel's unpacked tree, found the way
#      scripts/debug-kernel/build.sh lays it out:
#      $SYNGATE_CACHE/debug-kernel/src/linux-source-6.12_<pkgver>/
#      (SYNGATE_CACHE default /var/cache/syngate, else ~/.cache/syngate);
#   3. else the 2-3 files are extracted from /usr/src/linux-source-6.12.tar.xz
#      ($XDPSAMPLE_TARBALL; package linux-source-6.12) into
#      build/xdpsample-src/linux-source-6.12_<pkgver>/ (cached; ~10 s).
#
# vmlinux.h: `bpftool btf dump file /sys/kernel/btf/vmlinux format c` of the
# running kernel ($VMLINUX_BTF to use another file). The program needs
# struct nf_conn; on Debian kernels conntrack is a module, so when vmlinux's
# BTF lacks it the split BTF /sys/kernel/btf/nf_conntrack (vmlinux + module
# types) is dumped instead (`modprobe nf_conntrack` first; $NF_CONNTRACK_BTF
# to use another file, e.g. an uncompressed nf_conntrack.ko). CO-RE makes the
# object load on other kernels (Debian 6.1 and 6.12: libbpf 1.1 resolves the
# conntrack kfuncs and nf_conn's fields in nf_conntrack's module BTF).
#
# Installs nothing: it lists the missing Debian packages and stops.
# Env: CLANG (clang-16), BPFTOOL, CC (cc), XDPSAMPLE_KSRC, XDPSAMPLE_TARBALL,
#      SYNGATE_CACHE, VMLINUX_BTF, NF_CONNTRACK_BTF.
set -euo pipefail

die() { echo "xdpsample: $*" >&2; exit 1; }
say() { echo "xdpsample: $*" >&2; }

if [ $# != 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
	sed -n '3,36p' "$0" >&2
	exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)

CLANG=${CLANG:-clang-16}
BPFTOOL=${BPFTOOL:-$(command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)}
CC=${CC:-cc}
tarball=${XDPSAMPLE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
vmlinux_btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

# The files the build takes from the kernel tree (selftests/bpf); the
# sample includes bpf_compiler.h since 6.8 (not in 6.1's, which also builds:
# XDPSAMPLE_TARBALL=/usr/src/linux-source-6.1.tar.xz).
rel=tools/testing/selftests/bpf
files="$rel/xdp_synproxy.c $rel/progs/xdp_synproxy_kern.c"
optional="$rel/progs/bpf_compiler.h"

# ------------------------------------------------------------ dependencies
# package:file-or-command that shows it is there
missing=
need() { # need PKG TEST...
	local pkg=$1; shift
	"$@" >/dev/null 2>&1 || missing="$missing $pkg"
}
need clang-16 command -v "$CLANG"
need bpftool test -x "$BPFTOOL"
need libbpf-dev test -f /usr/include/bpf/libbpf.h
need libbpf-dev test -e "/usr/lib/$multiarch/libbpf.so"
need gcc command -v "$CC"
need libc6-dev test -f /usr/include/stdio.h
need linux-libc-dev test -f "/usr/include/$multiarch/asm/errno.h"
# libbpf.so.1 pulls in libelf.so.1 and libz.so.1 (libelf1, zlib1g, both
# dependencies of libbpf1); the -dev packages are only for static linking.

# ------------------------------------------------------------ the source
src=
if [ -n "${XDPSAMPLE_KSRC:-}" ]; then
	src=$XDPSAMPLE_KSRC
	for f in $files; do [ -f "$src/$f" ] || die "no $src/$f"; done
else
	pkg=$(dpkg-query -S "$tarball" 2>/dev/null | cut -d: -f1 | head -n 1 || true)
	if [ -n "$pkg" ]; then
		pkgver=$(dpkg-query -W -f='${Version}' "$pkg")
	elif [ -f "$tarball" ]; then
		pkg=$(basename "$tarball" .tar.xz)
		pkgver=$(stat -c %s-%Y "$tarball")
	else
		pkg='' pkgver=''
	fi
	# Same name and cache as scripts/debug-kernel/build.sh.
	srcname=$(echo "${pkg}_$pkgver" | tr -c 'A-Za-z0-9.\n-' '_')
	for cache in "${SYNGATE_CACHE:-/var/cache/syngate}" "${XDG_CACHE_HOME:-$HOME/.cache}/syngate"; do
		t=$cache/debug-kernel/src/$srcname
		if [ -n "$pkg" ] && [ -f "$t/.unpacked" ]; then
			src=$t
			for f in $files; do [ -f "$src/$f" ] || src=; done
			[ -z "$src" ] || break
		fi
	done
	if [ -z "$src" ]; then
		if [ -z "$pkg" ]; then
			missing="$missing linux-source-6.12"
		else
			src=$repo/build/xdpsample-src/$srcname
			if [ ! -f "$src/.extracted" ]; then
				say "extracting the sample from $tarball into $src"
				rm -rf "$src.tmp" && mkdir -p "$src.tmp"
				# shellcheck disable=SC2046 # $files is a word list
				tar -C "$src.tmp" -xf "$tarball" --strip-components=1 \
					--wildcards $(for f in $files $optional; do echo "*/$f"; done) 2>/dev/null ||
					true	# $optional may be missing; $files are checked
				for f in $files; do
					[ -f "$src.tmp/$f" ] || die "no $f in $tarball"
				done
				rm -rf "$src" && mv "$src.tmp" "$src"
				touch "$src/.extracted"
			fi
		fi
	fi
fi

if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ')
	die "missing Debian packages: ${missing% } (apt-get install ${missing% })"
fi
say "sample source: $src"

# ------------------------------------------------------------ copy
mkdir -p "$out/src"
for f in $files $optional; do
	if [ -f "$src/$f" ]; then cp "$src/$f" "$out/src/"; else rm -f "$out/src/${f##*/}"; fi
done

# The 6.12 loader calls bpf_prog_get_info_by_fd()/bpf_map_get_info_by_fd(),
# new in libbpf 1.2; Debian 12 has libbpf 1.1, whose bpf_obj_get_info_by_fd()
# does the same for any fd (the 6.1 sample called that). Forced in with
# -include so the kernel's file stays as it is.
cat >"$out/src/libbpf_compat.h" <<'EOF'
/* Written by syngate tests/bench/xdpsample/build.sh: libbpf < 1.2 compat. */
#include <bpf/libbpf_version.h>
#if LIBBPF_MAJOR_VERSION == 1 && LIBBPF_MINOR_VERSION < 2
#define bpf_prog_get_info_by_fd(fd, info, len) bpf_obj_get_info_by_fd(fd, info, len)
#define bpf_map_get_info_by_fd(fd, info, len) bpf_obj_get_info_by_fd(fd, info, len)
#endif
EOF

# ------------------------------------------------------------ vmlinux.h
[ -r "$vmlinux_btf" ] || die "no $vmlinux_btf (a kernel with CONFIG_DEBUG_INFO_BTF, or set VMLINUX_BTF)"
"$BPFTOOL" btf dump file "$vmlinux_btf" format c >"$out/src/vmlinux.h.tmp"
if ! grep -q '^struct nf_conn {' "$out/src/vmlinux.h.tmp"; then
	ct=${NF_CONNTRACK_BTF:-$(dirname "$vmlinux_btf")/nf_conntrack}
	[ -r "$ct" ] || die "struct nf_conn is not in $vmlinux_btf and there is no $ct: modprobe nf_conntrack first"
	say "conntrack is a module: vmlinux.h from $ct on top of $vmlinux_btf"
	"$BPFTOOL" -B "$vmlinux_btf" btf dump file "$ct" format c >"$out/src/vmlinux.h.tmp"
	grep -q '^struct nf_conn {' "$out/src/vmlinux.h.tmp" || die "no struct nf_conn in $ct"
fi
mv "$out/src/vmlinux.h.tmp" "$out/src/vmlinux.h"

# ------------------------------------------------------------ build
# As the selftests build it (tools/testing/selftests/bpf/Makefile,
# CLANG_BPF_BUILD_RULE, BPF_CFLAGS): -O2 -g --target=bpf -mcpu=v3,
# -Wno-compare-distinct-pointer-types, __TARGET_ARCH_x86;
# the multiarch dir for <asm/errno.h>.
say "clang: $out/xdp_synproxy_kern.bpf.o"
"$CLANG" -g -O2 -target bpf -mcpu=v3 -Wall -Wno-compare-distinct-pointer-types \
	-D__TARGET_ARCH_x86 \
	-I"$out/src" -I"/usr/include/$multiarch" \
	-c "$out/src/xdp_synproxy_kern.c" -o "$out/xdp_synproxy_kern.bpf.o"

say "cc: $out/xdp_synproxy"
"$CC" -O2 -g -Wall -include "$out/src/libbpf_compat.h" \
	"$out/src/xdp_synproxy.c" -o "$out/xdp_synproxy" -lbpf

readelf -d "$out/xdp_synproxy" | grep -q 'NEEDED.*libbpf\.so\.1' ||
	die "$out/xdp_synproxy is not linked against libbpf.so.1"
say "built $out/xdp_synproxy and $out/xdp_synproxy_kern.bpf.o"
