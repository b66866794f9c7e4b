#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh: build (or find in the cache) syngate's debug kernel: Debian's
# linux-source-6.12, `make tinyconfig` + scripts/debug-kernel/debug.config
# (KUnit, KASAN, lockdep, kmemleak, UBSAN, ... and what the module and the
# test suite need), `make olddefconfig`, then a check that every option the
# fragment sets really ended up in .config (the build fails loudly if not).
#
# On success it prints, on stdout, shell assignments for scripts/vm/run.sh
# --kernel custom (eval them):
#   KERNEL_IMAGE=.../bzImage  KERNEL_MODDIR=.../lib/modules/KVER
#   KERNEL_BUILD=.../obj (KDIR for out-of-tree modules)
#   KERNEL_SRC=.../linux-source tree (kunit.py, checkpatch.pl)
#   KERNEL_QEMU_CPU=qemu -cpu model to boot it with (see emit() below)
# Everything else goes to stderr.
#
# Cache: $SYNGATE_CACHE/debug-kernel (default /var/cache/syngate, else
# ~/.cache/syngate when that is not writable), keyed by the fragment, the
# source package's version, the compiler and this recipe's version:
#   src/linux-source-6.12_<pkgver>/   the unpacked source (shared, kept clean)
#   <key>/obj/                        O= build dir, KDIR
#   <key>/bzImage  <key>/mod/lib/modules/<kver>/  <key>/build.log  <key>/done
# Only the first run on a machine pays for the build (~15-25 min on 2
# cores); later runs find <key>/done and return at once. A new key starts
# from a copy of the newest finished build dir of the same source (make
# then rebuilds only what the changed options touch).
#
# Options: --config-only  stop after the .config check (no compile)
#          --rebuild      ignore a finished cache entry
# Env: SYNGATE_CACHE, DEBUG_KERNEL_JOBS (default: nproc),
#      DEBUG_KERNEL_TARBALL (default /usr/src/linux-source-6.12.tar.xz).
set -euo pipefail

RECIPE=1	# bump when this script changes what it builds

die() { echo "debug-kernel: $*" >&2; exit 1; }
say() { echo "debug-kernel: $*" >&2; }

config_only=0 rebuild=0
for a in "$@"; do
	case $a in
	--config-only) config_only=1 ;;
	--rebuild) rebuild=1 ;;
	-h|--help) sed -n '3,32p' "$0"; exit 0 ;;
	*) die "unknown option $a" ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug.config
tarball=${DEBUG_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
jobs=${DEBUG_KERNEL_JOBS:-$(nproc)}
[ -f "$frag" ] || die "no $frag"
[ -f "$tarball" ] || die "no $tarball (run scripts/deps.sh: package linux-source-6.12)"

pkg=$(dpkg-query -S "$tarball" 2>/dev/null | cut -d: -f1 | head -n 1 || true)
if [ -n "$pkg" ]; then
	pkgver=$(dpkg-query -W -f='${Version}' "$pkg")
else
	pkg=$(basename "$tarball" .tar.xz)
	pkgver=$(stat -c %s-%Y "$tarball")
fi
srcname=$(echo "${pkg}_$pkgver" | tr -c 'A-Za-z0-9.\n-' '_')

cache=${SYNGATE_CACHE:-/var/cache/syngate}
if ! mkdir -p "$cache/debug-kernel" 2>/dev/null || [ ! -w "$cache/debug-kernel" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/syngate
	mkdir -p "$cache/debug-kernel"
fi
base=$cache/debug-kernel
cc=${CC:-gcc}
key=$( { cat "$frag"; echo "recipe=$RECIPE src=$srcname"; "$cc" --version | head -n 1; } |
	sha256sum | cut -c1-16)
dir=$base/$key
obj=$dir/obj
src=$base/src/$srcname

# KERNEL_QEMU_CPU: no 5-level paging. identify_cpu() clears the boot CPU's
# feature words before it reads them back; an interrupt in that window sees
# LA57 off, and KASAN's check then takes a direct-map address of the 5-level
# layout for one outside the kernel (a "wild-memory-access" in
# handle_edge_irq, then panic_on_warn). Under TCG the timer hits the window
# in one of four boots here (and once in CI); with 4-level paging the
# answer is the same either way.
emit() {
	local kver
	kver=$(cat "$dir/kver")
	printf 'KERNEL_IMAGE=%q\nKERNEL_MODDIR=%q\nKERNEL_BUILD=%q\nKERNEL_SRC=%q\n' \
		"$dir/bzImage" "$dir/mod/lib/modules/$kver" "$obj" "$src"
	printf 'KERNEL_QEMU_CPU=%q\n' "max,la57=off"
}

# Fast path without the lock: a finished build.
if [ "$rebuild" = 0 ] && [ "$config_only" = 0 ] && [ -f "$dir/done" ]; then
	say "cache hit: $dir"
	emit
	exit 0
fi

exec 9>"$base/.lock"
if ! flock -n 9; then
	say "waiting for another debug-kernel build (lock $base/.lock)"
	flock 9
fi
if [ "$rebuild" = 0 ] && [ "$config_only" = 0 ] && [ -f "$dir/done" ]; then
	say "cache hit: $dir"
	emit
	exit 0
fi
rm -f "$dir/done"

# ------------------------------------------------------------- source
if [ ! -f "$src/.unpacked" ]; then
	say "unpacking $tarball into $src"
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" -xf "$tarball"
	top=$(ls "$src.tmp")
	[ "$(echo "$top" | wc -l)" = 1 ] || die "unexpected tarball layout"
	rm -rf "$src"
	mv "$src.tmp/$top" "$src"
	rmdir "$src.tmp"
	touch "$src/.unpacked"
fi

# ------------------------------------------------------------- config
mkdir -p "$dir"
if [ ! -f "$obj/Makefile" ]; then
	# shellcheck disable=SC2012 # cache dirs are hex names
	seed=$(ls -td "$base"/*/done 2>/dev/null | while read -r d; do
		d=$(dirname "$d")
		[ "$(cat "$d/src" 2>/dev/null)" = "$srcname" ] && [ -d "$d/obj" ] && { echo "$d"; break; }
	done || true)
	if [ -n "$seed" ] && [ "$seed" != "$dir" ]; then
		say "seeding the build dir from $seed/obj"
		rm -rf "$obj.tmp"
		cp -a "$seed/obj" "$obj.tmp"
		mv "$obj.tmp" "$obj"
	fi
fi
mkdir -p "$obj"
echo "$srcname" > "$dir/src"
cp "$frag" "$dir/debug.config"
log=$dir/build.log
: > "$log"
k() { make -C "$src" O="$obj" "$@" >> "$log" 2>&1 || { tail -n 40 "$log" >&2; die "make $* failed (log: $log)"; }; }

say "configuring (tinyconfig + $(basename "$frag")) in $obj"
k tinyconfig
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >> "$log" 2>&1 ||
	die "merge_config.sh failed (log: $log)"
k olddefconfig

# Every option the fragment sets must be in .config with that value; every
# "is not set" must be unset.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		opt=${line%%=*}
		if ! grep -qxF -- "$line" "$obj/.config"; then
			got=$(grep -E "^(# )?${opt}[= ]" "$obj/.config" || echo "(absent)")
			say "MISSING: wanted '$line', .config has '$got'"
			bad=$((bad + 1))
		fi
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -qE "^$opt=" "$obj/.config"; then
			say "UNWANTED: '$line', but .config has '$(grep -E "^$opt=" "$obj/.config")'"
			bad=$((bad + 1))
		fi
		;;
	esac
done < "$frag"
[ "$bad" = 0 ] || die "$bad option(s) of $(basename "$frag") did not end up in .config (dependencies?): see above"
n=$(grep -cE '^CONFIG_' "$frag")
say "config check: all $n options of $(basename "$frag") are set as asked"
cp "$obj/.config" "$dir/config"
[ "$config_only" = 0 ] || exit 0

# ------------------------------------------------------------- build
t0=$(date +%s)
say "building bzImage + modules with -j$jobs (log: $log); the first build takes ~15-25 min"
k -j"$jobs" bzImage modules
kver=$(make -s -C "$src" O="$obj" kernelrelease 2>/dev/null)
[ -n "$kver" ] || die "no kernelrelease"
rm -rf "$dir/mod"
k INSTALL_MOD_PATH="$dir/mod" INSTALL_MOD_STRIP=1 modules_install
[ -f "$dir/mod/lib/modules/$kver/modules.dep" ] ||
	depmod -b "$dir/mod" "$kver" || die "depmod failed"
rm -f "$dir/mod/lib/modules/$kver/build" "$dir/mod/lib/modules/$kver/source"
cp "$obj/arch/x86/boot/bzImage" "$dir/bzImage"
echo "$kver" > "$dir/kver"
t1=$(date +%s)
# CPU time of everything this script ran (make and the compilers): a
# figure that does not depend on what else the machine was doing.
times > "$dir/times"	# no pipe: times must run in this shell
cpu=$(tail -n 1 "$dir/times" | awk '{ print $1 " user, " $2 " system" }')
echo "$((t1 - t0)) s wall; children CPU: $cpu" > "$dir/build-seconds"
touch "$dir/done"
say "built $kver in $((t1 - t0))s wall (CPU: $cpu): $dir"
emit
