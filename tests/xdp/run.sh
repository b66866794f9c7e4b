#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/xdp/run.sh: host-side tests of the XDP front end's BPF build, run by
# this machine's kernel with BPF_PROG_TEST_RUN (root; bpftool):
#   vectors  kmod/cookie.c built for BPF (tests/xdp/vectors.bpf.c) gives
#            every cookie of kmod/tests/cookie_vectors.h, the table KUnit
#            checks the module's build against: one cookie, two builds.
#   synack   the XDP program itself (tests/xdp/synack.py) on SYNs of many
#            layouts and on what it must leave to netfilter.
# The program's verifier verdict on Debian's 6.1 and 6.12 and its packets on
# the wire are the e2e scenario xdp's (tests/e2e/run.sh), in the VMs.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

BPF_CLANG=${BPF_CLANG:-clang-16}
pass=0 fail=0
rec() {
	echo "$1"
	case $1 in PASS*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

# A mount namespace of our own: the bpffs we may mount leaves with us.
if [ -z "${XDP_TEST_MNTNS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
	XDP_TEST_MNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

tmp=$(mktemp -d)
pin=""
cleanup() {
	rm -rf "$tmp"
	[ -z "$pin" ] || rm -rf "$pin"
}
trap cleanup EXIT

if ! make -s -C xt_userspace syngate_xdp.bpf.o > "$tmp/make.log" 2>&1; then
	rec "FAIL xdp-build: make -C xt_userspace syngate_xdp.bpf.o: $(tail -n 3 "$tmp/make.log" | tr '\n' ' ')"
	finish
fi
if ! "$BPF_CLANG" -O2 -g -Wall -Werror -target bpf -mcpu=v3 -Iinclude \
		-I/usr/include/x86_64-linux-gnu -c tests/xdp/vectors.bpf.c \
		-o "$tmp/vectors.bpf.o" > "$tmp/cc.log" 2>&1; then
	rec "FAIL xdp-vectors: $BPF_CLANG tests/xdp/vectors.bpf.c: $(head -n 3 "$tmp/cc.log" | tr '\n' ' ')"
	finish
fi
[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf

# bpffs takes no dot in a name
pin=/sys/fs/bpf/syngate_vectors_$$
mkdir "$pin"
head -c 64 /dev/zero > "$tmp/zero64"	# a frame to run the program on
if ! out=$(bpftool prog load "$tmp/vectors.bpf.o" "$pin/prog" pinmaps "$pin" 2>&1 &&
	   bpftool prog run pinned "$pin/prog" data_in "$tmp/zero64" 2>&1 &&
	   bpftool -j map dump pinned "$(echo "$pin"/*bss)" 2>&1 &&
	   bpftool -j map dump pinned "$(echo "$pin"/*_data)" 2>&1); then
	rec "FAIL xdp-vectors: load and run: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
else
	want=$(grep -c '^	{ NFPROTO' kmod/tests/cookie_vectors.h)
	res=$(echo "$out" | python3 -c '
import json, sys
vals = {}
for line in sys.stdin:
    if line.startswith("["):
        for sec in json.loads(line)[0]["formatted"]["value"].values():
            for kv in sec:
                vals.update(kv)
print(vals["vec_checked"], vals["vec_bad"], vals["vec_first_bad"], vals["vec_got"])')
	read -r checked bad first got <<< "$res"
	if [ "$checked" = "$want" ] && [ "$bad" = 0 ]; then
		rec "PASS xdp-vectors: the BPF build of kmod/cookie.c makes all $checked cookies of kmod/tests/cookie_vectors.h (the table KUnit checks the module's build with)"
	else
		rec "FAIL xdp-vectors: checked $checked of $want, $bad wrong (first: vector $first gave $(printf '%08x' "$got"))"
	fi
fi
rm -rf "$pin"
pin=""

out=$(python3 tests/xdp/synack.py xt_userspace/syngate_xdp.bpf.o 2>&1)
rc=$?
echo "$out" | grep -E '^(PASS|FAIL) '
pass=$((pass + $(echo "$out" | grep -c '^PASS ')))
fail=$((fail + $(echo "$out" | grep -c '^FAIL ')))
if [ "$rc" != 0 ] && ! echo "$out" | grep -q '^FAIL '; then
	rec "FAIL xdp-synack: tests/xdp/synack.py exited $rc: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
fi
finish
