#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing syngate need.
# Idempotent and quiet when everything is present; run by the make
# targets that need it. Needs root (apt-get) only when something is missing.
# --bench: also what `make bench` needs (gnuplot for the plot, perf for
# the profiles in the guest).
set -euo pipefail

# Debian 12 ships 6.1; 6.12 comes from bookworm's security/backports suites
# as versioned packages only, so pick the newest one the archive lists.
newest_612() {
	apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1
}

PKGS=(
	build-essential bc flex bison libelf-dev libssl-dev cpio kmod xz-utils
	pkg-config sparse python3 rsync
	qemu-system-x86 busybox-static iproute2 iptables nftables conntrack
	# the cluster test's failover case replicates conntrack with it
	conntrackd
	libxtables-dev libnetfilter-conntrack-dev tcpdump ethtool
	# syngatectl's XDP program: built with clang-16 (xt_userspace/Makefile
	# says why not 14), embedded by bpftool's skeleton, loaded with libbpf
	clang-16 bpftool libbpf-dev
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 linux-source-6.12
	# packaging and its tests (tests/install/): DKMS, dpkg-buildpackage
	# with dh_dkms, lintian
	dkms dh-dkms debhelper dpkg-dev lintian
)

# Only for `make bench` (deps.sh --bench).
BENCH_PKGS=(gnuplot-nox linux-perf)
[ "${1:-}" = --bench ] && PKGS+=("${BENCH_PKGS[@]}")

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# 6.12: image and headers of one version, unless some 6.12 pair is present.
have612=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | head -n 1 || true)
if [ -z "$have612" ] || ! ls /boot/vmlinuz-6.12.*-amd64 >/dev/null 2>&1; then
	need612=1
else
	need612=0
fi

[ ${#missing[@]} -eq 0 ] && [ "$need612" = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: installing: ${missing[*]}" >&2
apt-get update -qq
if [ "$need612" = 1 ]; then
	v=$(newest_612)
	[ -n "$v" ] || { echo "deps.sh: no 6.12 kernel in the archive" >&2; exit 1; }
	missing+=("linux-image-$v" "linux-headers-$v")
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
