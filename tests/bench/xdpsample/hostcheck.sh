#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hostcheck.sh [OUTDIR]: prove the kernel's XDP SYN-proxy sample, as built
# by build.sh (run first, into OUTDIR, default build/xdpsample), works on
# this host's kernel, without a VM: two network namespaces joined by a veth
# pair,
#   client ns: cli0 10.77.0.1/24 fd77::1/64
#   gateway ns: gw0 10.77.0.2/24 fd77::2/64, a web server on port 8080,
#               the sample on gw0 and the SYNPROXY rules it expects (INPUT),
# once per mode ($HOSTCHECK_MODES, default "native generic tc routed"):
#   native   the loader attaches XDP itself (driver mode on veth; XDP_TX on
#            veth needs an XDP program on the peer too: cli0 gets XDP_PASS)
#   generic  `ip link set gw0 xdpgeneric obj ...`, then the loader finds it
#            and fills its maps
#   tc       the loader's --tc (tc ingress, bpf_redirect instead of XDP_TX)
#   routed   as native, but the server is behind the gateway (server ns:
#            srv0 10.78.0.2/24 fd78::2/64, gateway gw1 10.78.0.1 fd78::1)
#            and SYNPROXY is on FORWARD, as in the bench's topology
# and checks: (a) the client's SYNs are answered by the BPF program (its
# counter; tcpdump on cli0 sees SYN-ACKs with TTL/hop limit 42, the
# loader's --ttl here, where the stack and SYNPROXY use 64; the raw-table
# rule that sees SYNs reaching the stack stays at 0), (b) IPv4 and IPv6 HTTP fetches from the client complete through
# SYNPROXY (its rule counters move), then that the program detaches.
# Needs root, a kernel with BTF, conntrack, SYNPROXY, veth (built in or
# loadable), and ip, iptables, ip6tables, tc, ethtool, tcpdump, curl,
# python3, clang-16. Prints PASS/FAIL lines, last "N passed, N failed";
# exit status 0 iff nothing failed. The namespaces are removed on exit.
# shellcheck disable=SC2317 # functions run through check() and trap
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${1:-$repo/build/xdpsample}
[ -d "$out" ] && out=$(cd "$out" && pwd)
modes=${HOSTCHECK_MODES:-native generic tc routed}
CLANG=${CLANG:-clang-16}
PY=$(command -v /usr/bin/python3 || command -v python3)

npass=0 nfail=0
pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
check() { # check NAME CMD...: PASS if CMD succeeds
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
atleast1() { # atleast1 N...: every N is a number >= 1
	local n
	for n; do [ "${n:-0}" -ge 1 ] 2>/dev/null || return 1; done
}
finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" = 0 ]
	exit
}

cli=xsc-cli-$$ gw=xsc-gw-$$ srv=xsc-srv-$$
C="ip netns exec $cli"
G="ip netns exec $gw"
S="ip netns exec $srv"
pids=
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$cli" 2>/dev/null
	ip netns del "$gw" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ prerequisites
missing=
for c in ip iptables ip6tables tc ethtool tcpdump curl "$CLANG"; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
[ -n "$PY" ] || missing="$missing python3"
[ "$(id -u)" = 0 ] || missing="$missing root"
if [ -n "$missing" ]; then
	fail "prerequisites: missing$missing"
	finish
fi
if [ ! -x "$out/xdp_synproxy" ] || [ ! -f "$out/xdp_synproxy_kern.bpf.o" ]; then
	fail "no $out/xdp_synproxy or $out/xdp_synproxy_kern.bpf.o: run $here/build.sh $out"
	finish
fi
echo "kernel $(uname -r); sample in $out"

work=$out/hostcheck
rm -rf "$work"
mkdir -p "$work/www"
echo "syngate-xdpsample-ok" >"$work/www/index.html"

# XDP_PASS for the client's veth (the sample's selftest attaches its
# xdp_dummy there: veth delivers XDP_TX frames only to a peer whose NAPI
# runs, which an XDP program turns on; GRO on the peer did not on 6.18).
printf '%s\n' '#include <linux/bpf.h>' '#include <bpf/bpf_helpers.h>' \
	'SEC("xdp") int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }' \
	'char _license[] SEC("license") = "GPL";' >"$work/xdp_pass.c"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
if ! "$CLANG" -O2 -g -target bpf -I"/usr/include/$multiarch" \
	-c "$work/xdp_pass.c" -o "$work/xdp_pass.bpf.o" 2>"$work/xdp_pass.log"; then
	fail "build xdp_pass.bpf.o ($work/xdp_pass.log)"
	finish
fi

# --ttl 42: the sample's SYN-ACKs carry it, nothing else here does (the
# kernel's SYNPROXY sends its own SYN-ACKs, also with window 0, at TTL 64).
LOADER_OPTS=(--ports 8080 --mss4 1460 --mss6 1440 --wscale 7 --ttl 42)

# end NS DEV HOST NET: DEV's addresses in NS, .HOST of 10.NET.0.0/24 and
# ::HOST of fdNET::/64, and DEV up
end() {
	ip -n "$1" addr add "10.$4.0.$3/24" dev "$2" &&
		ip -n "$1" addr add "fd$4::$3/64" dev "$2" nodad &&
		ip -n "$1" link set lo up && ip -n "$1" link set "$2" up
}

setup() { # setup MODE
	local chain=INPUT SV=$G
	srv4=10.77.0.2 srv6=fd77::2
	ip netns add "$cli" && ip netns add "$gw" &&
	ip link add cli0 netns "$cli" type veth peer name gw0 netns "$gw" &&
	end "$cli" cli0 1 77 && end "$gw" gw0 2 77 &&
	ip -n "$cli" route add default via 10.77.0.2 &&
	ip -n "$cli" -6 route add default via fd77::2 || return 1
	if [ "$1" = routed ]; then
		chain=FORWARD SV=$S srv4=10.78.0.2 srv6=fd78::2
		ip netns add "$srv" &&
		ip link add srv0 netns "$srv" type veth peer name gw1 netns "$gw" &&
		end "$srv" srv0 2 78 && end "$gw" gw1 1 78 &&
		$G sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
		ip -n "$srv" route add default via 10.78.0.1 &&
		ip -n "$srv" -6 route add default via fd78::1 || return 1
	fi
	# The sample checks TCP checksums: with tx offload the client's veth
	# hands it partial ones, and it drops the SYN (as its selftest says).
	$C ethtool -K cli0 tx off >/dev/null || return 1
	# What the sample expects in front of SYNPROXY (its selftest,
	# prog_tests/xdp_synproxy.c): syncookies, timestamps (the sample
	# encodes the options in the timestamp), strict conntrack so that a
	# cookie ACK is INVALID, SYNs untracked, INVALID/UNTRACKED to
	# SYNPROXY, the other INVALID dropped.
	$G sysctl -q -w net.ipv4.tcp_syncookies=2 net.ipv4.tcp_timestamps=1 \
		net.netfilter.nf_conntrack_tcp_loose=0 || return 1
	local t
	for t in iptables ip6tables; do
		local mss=1460
		[ $t = ip6tables ] && mss=1440
		$G $t -t raw -I PREROUTING -i gw0 -p tcp -m tcp --syn --dport 8080 \
			-j CT --notrack &&
		$G $t -t filter -A $chain -i gw0 -p tcp -m tcp --dport 8080 \
			-m state --state INVALID,UNTRACKED \
			-j SYNPROXY --sack-perm --timestamp --wscale 7 --mss $mss &&
		$G $t -t filter -A $chain -i gw0 -m state --state INVALID -j DROP ||
			return 1
	done
	(cd "$work/www" && exec $SV "$PY" -m http.server --bind :: 8080 \
		>"$work/server.log" 2>&1) &
	pids="$pids $!"
	local _
	for _ in $(seq 50); do
		$SV ss -Hltn 'sport = :8080' | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}

teardown() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=
	ip netns del "$cli" 2>/dev/null
	ip netns del "$gw" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
}

# count MODE: the sample's SYN-ACK counter (values[1]), via the loader
count() {
	local o
	if [ "$1" = tc ]; then
		o=$($G "$out/xdp_synproxy" --prog "$tcprog" --single 2>>"$work/loader.log")
	else
		o=$($G "$out/xdp_synproxy" --iface gw0 --single 2>>"$work/loader.log")
	fi
	echo "$o" >>"$work/loader.log"
	echo "$o" | sed -n 's/^Total SYNACKs generated: \([0-9]*\)$/\1/p'
}

# rule_pkts TOOL TABLE TARGET: packet counter of the gw0 rule jumping to TARGET
rule_pkts() {
	$G "$1" -t "$2" -L -v -n -x | awk -v t="$3" '$3 == t { print $1; exit }'
}

attach() { # attach MODE
	case $1 in
	native|routed)
		ip -n "$cli" link set dev cli0 xdp obj "$work/xdp_pass.bpf.o" sec xdp || return 1
		# No --single: the loader attaches, prints stats each second and
		# detaches on SIGTERM/SIGINT.
		$G "$out/xdp_synproxy" --iface gw0 "${LOADER_OPTS[@]}" >"$work/loader-$1.log" 2>&1 &
		loaderpid=$!
		pids="$pids $loaderpid"
		local _
		for _ in $(seq 50); do
			ip -n "$gw" link show gw0 | grep -q 'prog/xdp ' && return 0
			sleep 0.1
		done
		return 1 ;;
	generic)
		ip -n "$gw" link set dev gw0 xdpgeneric obj "$out/xdp_synproxy_kern.bpf.o" sec xdp &&
		ip -n "$gw" link show gw0 | grep -q 'prog/xdp ' &&
		$G "$out/xdp_synproxy" --iface gw0 "${LOADER_OPTS[@]}" --single >>"$work/loader.log" 2>&1 ;;
	tc)
		$G "$out/xdp_synproxy" --iface gw0 --tc "${LOADER_OPTS[@]}" --single >>"$work/loader.log" 2>&1 || return 1
		tcprog=$($G tc filter show dev gw0 ingress | sed -n 's/.* id \([0-9]*\) .*/\1/p' | head -n 1)
		[ -n "$tcprog" ] ;;
	*) echo "unknown mode $1"; return 1 ;;
	esac
}

detach() { # detach MODE: and check nothing is left on gw0
	case $1 in
	native|routed)
		kill -TERM "$loaderpid" && wait "$loaderpid"
		! ip -n "$gw" link show gw0 | grep -q 'prog/xdp' ;;
	generic)
		ip -n "$gw" link set dev gw0 xdpgeneric off &&
		! ip -n "$gw" link show gw0 | grep -q 'prog/xdp' ;;
	tc)
		$G tc qdisc del dev gw0 clsact &&
		[ -z "$($G tc filter show dev gw0 ingress)" ] ;;
	esac
}

fetch() { # fetch URL: the page through the proxy
	[ "$($C curl -sS -m 10 "$1" 2>>"$work/curl.log")" = syngate-xdpsample-ok ]
}

for m in $modes; do
	echo "--- $m"
	tcprog='' loaderpid=''
	if ! setup "$m" >"$work/setup-$m.log" 2>&1; then
		fail "[$m] namespaces, SYNPROXY rules, server ($work/setup-$m.log)"
		teardown
		continue
	fi
	if ! attach "$m" >>"$work/setup-$m.log" 2>&1; then
		fail "[$m] attach the sample ($work/setup-$m.log, $work/loader*.log)"
		teardown
		continue
	fi
	n0=$(count "$m")
	check "[$m] sample attached to gw0, SYN-ACK counter at 0 ($n0)" [ "$n0" = 0 ]

	$C tcpdump -i cli0 -nn -l -U \
		'tcp port 8080 and ((ip and ip[8] == 42) or (ip6 and ip6[7] == 42))' >"$work/tcpdump-$m.txt" 2>"$work/tcpdump-$m.err" &
	tdpid=$!
	pids="$pids $tdpid"
	for _ in $(seq 50); do
		grep -q 'listening on' "$work/tcpdump-$m.err" && break
		sleep 0.1
	done

	check "[$m] (b) IPv4 HTTP fetch from the client completes" fetch "http://$srv4:8080/index.html"
	check "[$m] (b) IPv6 HTTP fetch from the client completes" fetch "http://[$srv6]:8080/index.html"

	sleep 0.5
	kill -INT "$tdpid" 2>/dev/null; wait "$tdpid" 2>/dev/null
	n1=$(count "$m")
	check "[$m] (a) the BPF program generated the SYN-ACKs (counter $n0 -> $n1)" \
		[ "${n1:-0}" -ge 2 ]
	# SYN-ACKs at TTL 42 (the capture filter): the sample's.
	s4=$(grep -c "$srv4\.8080 > 10\.77\.0\.1\.[0-9]*: Flags \[S\.E*\]," "$work/tcpdump-$m.txt")
	s6=$(grep -c "$srv6\.8080 > fd77::1\.[0-9]*: Flags \[S\.E*\]," "$work/tcpdump-$m.txt")
	check "[$m] (a) tcpdump on the client sees the program's SYN-ACKs (TTL 42; IPv4 $s4, IPv6 $s6)" \
		atleast1 "$s4" "$s6"
	r4=$(rule_pkts iptables raw CT) r6=$(rule_pkts ip6tables raw CT)
	check "[$m] (a) no SYN reached the gateway's stack (raw notrack rule: IPv4 $r4, IPv6 $r6)" \
		[ "$r4/$r6" = 0/0 ]
	p4=$(rule_pkts iptables filter SYNPROXY) p6=$(rule_pkts ip6tables filter SYNPROXY)
	check "[$m] (b) the cookie ACKs went through SYNPROXY (rule: IPv4 $p4, IPv6 $p6)" \
		atleast1 "$p4" "$p6"
	check "[$m] detach" detach "$m"
	teardown
done

finish
