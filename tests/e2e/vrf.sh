#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/vrf.sh: SYNGATE on INPUT in front of a local server whose
# interface is in a VRF (issue 17 item 8). Run as root in the test VM
# (scripts/vm/guest-check.sh), on a kernel with VRF (Debian's have vrf.ko).
#
#   client vr-c  c0 198.18.1.2 ---- s0 198.18.1.1 (VRF blue, table 10)  server vr-s
#
# The server listens on the wildcard address (an address of a VRF is not
# bindable outside it) with net.ipv4.tcp_l3mdev_accept=1, so
# its connections are bound to the VRF and every segment it sends passes
# POST_ROUTING twice: on the VRF device, then on s0. Conntrack and seqadj
# act on the second pass only; SYNGATE's hook must as well, or the
# server's windows are re-expressed twice (and its TSvals shifted twice
# where both passes carry the entry). Without the skip, on 6.1, the
# transfer below failed and the TSval case passed.
#
# Cases: pktcraft as the client, whose SYN-ACK TSval and the TSval of the
# server's answer must be a few seconds apart at most (the same clock);
# and a kernel client moving 1 MiB each way, verified, through the rule's
# --wscale 5 (the server's windows are re-expressed for the client).
# IPv4 only: the VRF path is the same code for IPv6.
# Prints PASS/FAIL lines and "N passed, N failed" last; exit 0 iff none
# failed.

set -u
export LC_ALL=C
# shellcheck source=tests/e2e/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

VR_C=vr-$$-c VR_S=vr-$$-s
VR_SRV=198.18.1.1
VR_PORT=8080
VR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sg-vrf.XXXXXX")
VR_IPT=iptables-${E2E_BACKEND:-nft}
VR_TARGET=${VR_TARGET:-SYNGATE}

at() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

vr_teardown() {
	local ns
	for ns in "$VR_C" "$VR_S"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$VR_TMP"
}

vr_setup() {
	ip netns add "$VR_C" && ip netns add "$VR_S" || return 1
	at "$VR_C" ip link set lo up
	at "$VR_S" ip link set lo up
	ip link add c0 netns "$VR_C" type veth peer name s0 netns "$VR_S" || return 1
	offload_off "$VR_C" c0
	offload_off "$VR_S" s0
	at "$VR_S" ip link add blue type vrf table 10 || return 1
	at "$VR_S" ip link set blue up
	at "$VR_S" ip link set s0 master blue || return 1
	at "$VR_C" ip addr add 198.18.1.2/24 dev c0
	at "$VR_S" ip addr add "$VR_SRV"/24 dev s0
	at "$VR_C" ip link set c0 up
	at "$VR_S" ip link set s0 up
	nsys "$VR_S" net.ipv4.tcp_l3mdev_accept=1 || return 1
	at "$VR_S" "$VR_IPT" -t raw -A PREROUTING -p tcp --dport "$VR_PORT" \
		--syn -j CT --notrack || return 1
	at "$VR_S" conntrack -C >/dev/null 2>&1
	nsys "$VR_S" net.netfilter.nf_conntrack_tcp_loose=0 || return 1
	at "$VR_S" "$VR_IPT" -A INPUT -p tcp --dport "$VR_PORT" \
		-m state --state UNTRACKED,INVALID -j "$VR_TARGET" \
		--sack-perm --timestamp --wscale 5 --mss 1460 || return 1
	at "$VR_S" "$VR_IPT" -A INPUT -m state --state INVALID -j DROP
	# pktcraft's flows: the client's kernel must not reset them
	at "$VR_C" "$VR_IPT" -A OUTPUT -p tcp --tcp-flags RST RST \
		--sport 20500 -j DROP
}

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS vrf $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL vrf $*"; }

# One clock: the server's TSval, as the client sees it, follows our
# SYN-ACK's by the time between them (ms), not by a shift applied twice.
vr_tsval() {
	local so=$VR_TMP/srv.ts out=$VR_TMP/hs.ts spid ts0 ts1 d
	ip netns exec "$VR_S" "$TCPXFER" server -l 0.0.0.0 -p "$VR_PORT" -e -k 1 \
		-T 4000 > "$so" 2>&1 &
	spid=$!
	sleep 0.3
	at "$VR_C" "$PKTCRAFT" handshake --src 198.18.1.2 --dst "$VR_SRV" --sport 20500 \
		--dport "$VR_PORT" --third ack --data hello --listen 2000 > "$out" 2>&1
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	ts0=$(grep -m 1 '^rx: flags=SA' "$out" | sed -n 's/.*ts:\([0-9]*\):.*/\1/p')
	ts1=$(grep '^rx: .* len=3 ' "$out" | head -n 1 | sed -n 's/.*ts:\([0-9]*\):.*/\1/p')
	if [ -z "$ts0" ] || [ -z "$ts1" ]; then
		fail "tsval: expected our SYN-ACK and the server's answer with timestamps, saw: $(tr '\n' ' ' < "$out") | $(tr '\n' ' ' < "$so")"
		return
	fi
	d=$(( (ts1 - ts0 + 4294967296) % 4294967296 ))
	if [ "$d" -gt 10000 ]; then
		fail "tsval: expected the server's answer within 10 s of our SYN-ACK on the client's clock, saw SYN-ACK TSval $ts0, answer TSval $ts1 (+$d ms)"
	else
		pass "tsval: SYN-ACK TSval $ts0, the server's answer $ts1 (+$d ms)"
	fi
}

# A kernel client's transfer, both ways, verified byte by byte.
vr_transfer() {
	local so=$VR_TMP/srv.x co=$VR_TMP/cli.x spid
	ip netns exec "$VR_S" "$TCPXFER" server -l 0.0.0.0 -p "$VR_PORT" -k 1 \
		-n 1048576 -T 10000 > "$so" 2>&1 &
	spid=$!
	sleep 0.3
	at "$VR_C" "$TCPXFER" client -c "$VR_SRV" -p "$VR_PORT" -n 1048576 -T 10000 \
		> "$co" 2>&1
	wait "$spid" 2>/dev/null
	if grep -q '^client: ok .*rx=1048576 tx=1048576' "$co" &&
			grep -q '^server: ok' "$so"; then
		pass "transfer: 1 MiB each way, verified: $(grep '^client: ok' "$co")"
	else
		fail "transfer: expected 1 MiB each way, saw: $(tr '\n' ' ' < "$co") | $(tr '\n' ' ' < "$so")"
	fi
}

trap vr_teardown EXIT
if ! vr_setup; then
	fail "setup: could not build the VRF gateway (vrf.ko, iptables $VR_TARGET)"
else
	vr_tsval
	vr_transfer
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
