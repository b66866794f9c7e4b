#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT.cpio.gz: build the test VM's initramfs for kernel
# KVER. Two gzip'ed cpio archives, concatenated (the kernel unpacks both):
#   base     busybox-static, kmod, bash, iptables (legacy + nft), iproute2,
#            conntrack, nft, tcpdump, ethtool + their libraries, the xtables
#            extensions, the kernel modules of scripts/vm/modules.list with
#            their dependencies. Cached in build/KVER/initramfs/ and rebuilt
#            only when one of its inputs changes.
#   overlay  /init, the repo's tests/ and scripts/ (as /syngate/...), the
#            test programs, syngatestat, syngatectl, libxt_SYNGATE.so, xt_SYNGATE.ko
#            (lib/modules/KVER/updates/) and the modules.* files depmod
#            made for the whole set; and, when build/KVER/install-stage/
#            exists (tests/install/host.sh makes it: the files the
#            packages install), that directory as /syngate-install/ for
#            scripts/vm/guest-install.sh. Rebuilt when any of those changes.
# Env: KMODDIR (default /lib/modules/KVER), EXTRA_MODULES, EXTRA_BINS
# (space-separated), MKINITRAMFS_QUIET=1.
# Missing optional pieces (today's parallel work) are skipped with a note.
set -euo pipefail

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }
note() { [ -n "${MKINITRAMFS_QUIET:-}" ] || echo "mkinitramfs.sh: $*" >&2; }

kver=${1:-}
out=${2:-}
[ -n "$kver" ] && [ -n "$out" ] || die "usage: mkinitramfs.sh KVER OUT.cpio.gz"
case $out in /*) ;; *) out=$PWD/$out ;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/scripts/vm
cd "$top"
moddir=${KMODDIR:-/lib/modules/$kver}
[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep"
moddir=$(cd "$moddir" && pwd)

work=$top/build/$kver/initramfs
mkdir -p "$work"
exec 8>"$work/.lock"
flock 8

hashfiles() { # stable fingerprint of files: path, size, mtime (symlinks followed)
	local f
	for f in "$@"; do
		[ -e "$f" ] && stat -L -c '%n %s %Y' "$f"
	done | sha256sum | cut -d' ' -f1
}

XTLIBDIR=$(pkg-config xtables --variable=xtlibdir 2>/dev/null || true)
[ -d "${XTLIBDIR:-}" ] || XTLIBDIR=/usr/lib/x86_64-linux-gnu/xtables

# ----------------------------------------------------------------- base
REQUIRED_BINS="busybox kmod bash xtables-legacy-multi xtables-nft-multi ip tc"
OPTIONAL_BINS="conntrack conntrackd nft tcpdump ethtool ss ${EXTRA_BINS:-}"

# Inputs of the base archive, as files whose size/mtime we fingerprint.
base_inputs() {
	echo "$vm/mkinitramfs.sh" "$vm/modules.list" "$moddir/modules.dep" "$moddir/modules.builtin"
	local b
	for b in $REQUIRED_BINS $OPTIONAL_BINS; do
		command -v "$b" 2>/dev/null || true
	done
	ls "$XTLIBDIR"/*.so 2>/dev/null || true
	echo "${EXTRA_MODULES:-}" "${EXTRA_BINS:-}" | sha256sum >/dev/null
}
base_key=$( { hashfiles $(base_inputs); echo "$moddir ${EXTRA_MODULES:-} ${EXTRA_BINS:-}"; } | sha256sum | cut -d' ' -f1)

broot=$work/base-root
bcpio=$work/base.cpio.gz

# Copy FILE (following symlinks) into ROOT at its canonical host path.
# The guest uses the merged-/usr layout (/lib -> usr/lib etc.).
canon() { # canonical path of the directory + original basename
	local d
	d=$(realpath "$(dirname "$1")")
	echo "$d/$(basename "$1")"
}
put() { # put ROOT FILE
	local root=$1 f=$2 dst
	dst=$(canon "$f")
	[ -e "$root$dst" ] && return 0
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$f" "$root$dst"
}
put_with_libs() { # put ROOT FILE: the file and everything ldd lists for it
	local root=$1 f=$2 lib
	put "$root" "$f"
	while read -r lib; do
		put "$root" "$lib"
	done < <(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/.*\(0x/{print $1}')
}

build_base() {
	local b p name flag
	rm -rf "$broot"
	mkdir -p "$broot"/usr/{bin,sbin,lib,lib64,libexec/busybox} "$broot"/{dev,proc,sys,tmp,run,root,etc/syngate,syngate,var}
	ln -s usr/bin "$broot/bin"
	ln -s usr/sbin "$broot/sbin"
	ln -s usr/lib "$broot/lib"
	ln -s usr/lib64 "$broot/lib64"
	ln -s ../run "$broot/var/run"

	for b in $REQUIRED_BINS; do
		p=$(command -v "$b") || die "required binary '$b' not found (run scripts/deps.sh)"
		put_with_libs "$broot" "$p"
	done
	for b in $OPTIONAL_BINS; do
		if p=$(command -v "$b"); then
			put_with_libs "$broot" "$p"
		else
			note "note: optional binary '$b' not on this host; not in the VM"
		fi
	done
	# busybox applets in their own directory, last in the guest PATH, so
	# that the real tools (iproute2's ip, ...) win. Never over busybox.
	local bb
	bb=$(canon "$(command -v busybox)")
	for name in $("$bb" --list); do
		[ "$name" = busybox ] && continue
		ln -s "$bb" "$broot/usr/libexec/busybox/$name"
	done
	ln -sf busybox "$broot/usr/bin/sh"
	# kmod personalities, /sbin/modprobe for iptables' autoload.
	for name in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -sf kmod "$broot/usr/bin/$name"
		ln -sf ../bin/kmod "$broot/usr/sbin/$name"
	done
	# iptables front ends (Debian's default iptables is the nft one).
	for fam in iptables ip6tables; do
		for sfx in "" -save -restore; do
			ln -sf xtables-nft-multi "$broot/usr/sbin/$fam$sfx"
			ln -sf xtables-nft-multi "$broot/usr/sbin/$fam-nft$sfx"
			ln -sf xtables-legacy-multi "$broot/usr/sbin/$fam-legacy$sfx"
		done
		ln -sf xtables-nft-multi "$broot/usr/sbin/$fam-translate"
		ln -sf xtables-nft-multi "$broot/usr/sbin/$fam-restore-translate"
	done
	# xtables extensions (all: they are small) and their libraries.
	local xdir
	xdir=$(realpath "$XTLIBDIR")
	mkdir -p "$broot$xdir"
	for p in "$XTLIBDIR"/*.so; do
		[ -e "$p" ] || continue
		if [ -L "$p" ]; then
			cp -P "$p" "$broot$xdir/"
		else
			put_with_libs "$broot" "$p"
		fi
	done
	# Anything else the guest needs from /etc.
	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$broot/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$broot/etc/group"
	printf 'tcp\t6\tTCP\nudp\t17\tUDP\nicmp\t1\tICMP\nipv6-icmp\t58\tIPv6-ICMP\n' > "$broot/etc/protocols"
	: > "$broot/etc/services"
	printf '127.0.0.1 localhost\n::1 localhost\n' > "$broot/etc/hosts"
	[ -f /etc/ethertypes ] && cp /etc/ethertypes "$broot/etc/"
	[ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$broot/etc/"
	[ -d /usr/share/iproute2 ] && mkdir -p "$broot/usr/share" && cp -r /usr/share/iproute2 "$broot/usr/share/"
	[ -d /usr/lib/x86_64-linux-gnu/tc ] && put "$broot" /usr/lib/x86_64-linux-gnu/tc/pareto.dist 2>/dev/null &&
		cp /usr/lib/x86_64-linux-gnu/tc/*.dist "$broot/usr/lib/x86_64-linux-gnu/tc/" 2>/dev/null
	true

	# Kernel modules: the list plus their dependencies (incl. softdeps).
	local mroot=$work/modroot want=() preload=() line m
	rm -rf "$mroot"
	mkdir -p "$mroot/lib/modules"
	ln -s "$moddir" "$mroot/lib/modules/$kver"
	while read -r line; do
		line=${line%%#*}
		set -- $line
		[ $# -ge 1 ] || continue
		want+=("$1")
		[ "${2:-}" = load ] && preload+=("$1")
	done < "$vm/modules.list"
	want+=(${EXTRA_MODULES:-})
	local kdst=$broot/usr/lib/modules/$kver have=() missing=() builtin=()
	mkdir -p "$kdst"
	for m in "${want[@]}"; do
		local deps
		if ! deps=$(modprobe -C /dev/null -d "$mroot" -S "$kver" --show-depends "$m" 2>/dev/null); then
			missing+=("$m")
			continue
		fi
		have+=("$m")
		while read -r kind path _; do
			case $kind in
			insmod)
				local rel=${path#"$mroot/lib/modules/$kver/"}
				rel=${rel#"$moddir/"}
				[ -e "$kdst/$rel" ] && continue
				mkdir -p "$kdst/$(dirname "$rel")"
				cp "$moddir/$rel" "$kdst/$rel"
				;;
			builtin) builtin+=("$m") ;;
			esac
		done <<< "$deps"
	done
	[ ${#missing[@]} -eq 0 ] || note "note: $kver has no module(s): ${missing[*]} (skipped)"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$moddir/$f" ] && cp "$moddir/$f" "$kdst/"
	done
	: > "$broot/etc/syngate/preload"
	for m in "${preload[@]}"; do
		case " ${have[*]} " in *" $m "*) echo "$m" >> "$broot/etc/syngate/preload" ;; esac
	done
	depmod -b "$broot/usr" "$kver" 2>/dev/null || depmod -b "$broot" "$kver"
	rm -rf "$mroot"
	(cd "$broot" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 > "$bcpio.tmp"
	mv "$bcpio.tmp" "$bcpio"
	echo "$base_key" > "$work/base.key"
}

if [ -f "$bcpio" ] && [ -d "$broot" ] && [ "$(cat "$work/base.key" 2>/dev/null)" = "$base_key" ]; then
	:
else
	note "building base initramfs for $kver"
	build_base
fi

# ----------------------------------------------------------------- overlay
kbuilt=$top/build/$kver/src/kmod
stage=$top/build/$kver/install-stage
ov_inputs() {
	echo "$vm/init" "$vm/mkinitramfs.sh" "$bcpio"
	[ -d "$stage" ] && find "$stage" -type f 2>/dev/null
	find tests scripts -type f 2>/dev/null
	ls "$kbuilt"/*.ko "$kbuilt"/tests/*.ko 2>/dev/null || true
	echo xt_userspace/libxt_SYNGATE.so xt_userspace/syngatestat xt_userspace/syngatectl
	ls tests/progs 2>/dev/null | sed 's|^|tests/progs/|'
}
ov_key=$( { hashfiles $(ov_inputs | LC_ALL=C sort -u); echo "$base_key"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$work/overlay.key" 2>/dev/null)" = "$ov_key" ] &&
	[ "$(cat "$work/overlay.out" 2>/dev/null)" = "$out" ]; then
	note "initramfs for $kver unchanged: $out"
	exit 0
fi

oroot=$work/overlay-root
rm -rf "$oroot"
mkdir -p "$oroot"/syngate "$oroot"/usr/local/bin "$oroot"/usr/lib/modules/"$kver"
cp "$vm/init" "$oroot/init"
chmod 755 "$oroot/init"
rsync -a --exclude='*.o' tests scripts "$oroot/syngate/"
# Installed-package files, staged apart (the guest test installs them).
[ -d "$stage" ] && cp -a "$stage" "$oroot/syngate-install"

for p in tests/progs/tcpxfer tests/progs/pktcraft xt_userspace/syngatestat \
		xt_userspace/syngatectl; do
	if [ -x "$p" ]; then
		cp -L "$p" "$oroot/usr/local/bin/"
		# libraries the base does not have already
		while read -r lib; do
			[ -e "$broot$(canon "$lib")" ] || put "$oroot" "$lib"
		done < <(ldd "$p" 2>/dev/null | awk '/=> \//{print $3}')
	else
		note "note: $p not built; not in the VM"
	fi
done

xdir=$(realpath "$XTLIBDIR")
if [ -f xt_userspace/libxt_SYNGATE.so ]; then
	mkdir -p "$oroot$xdir"
	cp xt_userspace/libxt_SYNGATE.so "$oroot$xdir/"
	while read -r lib; do
		[ -e "$broot$(canon "$lib")" ] || put "$oroot" "$lib"
	done < <(ldd xt_userspace/libxt_SYNGATE.so 2>/dev/null | awk '/=> \//{print $3}')
else
	note "note: xt_userspace/libxt_SYNGATE.so not built; not in the VM"
fi

# Our module(s) into updates/, then depmod over base + ours; the overlay
# carries the regenerated modules.* (later cpio entries replace earlier).
# kmod/tests/*.ko: the KUnit module, built only for a CONFIG_KUNIT kernel.
kmods=$(ls "$kbuilt"/*.ko "$kbuilt"/tests/*.ko 2>/dev/null || true)
if [ -n "$kmods" ]; then
	scratch=$work/depmod-root
	rm -rf "$scratch"
	mkdir -p "$scratch/lib/modules"
	cp -al "$broot/usr/lib/modules/$kver" "$scratch/lib/modules/$kver"
	mkdir -p "$scratch/lib/modules/$kver/updates" "$oroot/usr/lib/modules/$kver/updates"
	for k in $kmods; do
		cp "$k" "$scratch/lib/modules/$kver/updates/"
		cp "$k" "$oroot/usr/lib/modules/$kver/updates/"
	done
	depmod -b "$scratch" "$kver"
	cp "$scratch/lib/modules/$kver"/modules.{dep,dep.bin,alias,alias.bin,symbols,symbols.bin,softdep,devname,builtin.bin,builtin.alias.bin} \
		"$oroot/usr/lib/modules/$kver/" 2>/dev/null || true
	rm -rf "$scratch"
else
	note "note: no xt_SYNGATE.ko built for $kver; not in the VM"
fi

ocpio=$work/overlay.cpio.gz
(cd "$oroot" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 > "$ocpio.tmp"
mv "$ocpio.tmp" "$ocpio"
mkdir -p "$(dirname "$out")"
cat "$bcpio" "$ocpio" > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$ov_key" > "$work/overlay.key"
echo "$out" > "$work/overlay.out"
note "initramfs for $kver: $out ($(du -h "$out" | cut -f1))"
