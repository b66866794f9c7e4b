#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side check of tcpxfer and pktcraft against the in-kernel SYNPROXY,
# in three throw-away network namespaces:
#
#   client (198.18.1.2, 2001:db8:1::2)
#     -- gateway (198.18.1.1|198.18.2.1, 2001:db8:1::1|2001:db8:2::1)
#     -- server (198.18.2.2, 2001:db8:2::2)
#
# The gateway routes the flood sources 198.19.0.0/16 and 2001:db8:f::/48
# back toward the client.  Run as root: tests/progs/selftest.sh
# SGST_KEEP=1 keeps the programs' outputs in /tmp/sgst.*.
# Prints PASS/FAIL per check and "N passed, N failed"; exit 0 iff none failed.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TCPXFER=$HERE/tcpxfer
PKTCRAFT=$HERE/pktcraft
NS_C=sgst-c-$$
NS_G=sgst-g-$$
NS_S=sgst-s-$$
TMP=$(mktemp -d /tmp/sgst.XXXXXX)
PIDS=()
npass=0
nfail=0

C4=198.18.1.2; G4C=198.18.1.1; G4S=198.18.2.1; S4=198.18.2.2
C6=2001:db8:1::2; G6C=2001:db8:1::1; G6S=2001:db8:2::1; S6=2001:db8:2::2

cleanup() {
	local p

	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_G" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	if [ -n "${SGST_KEEP:-}" ]; then
		echo "selftest: outputs kept in $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }

inc() { ip netns exec "$NS_C" "$@"; }
ing() { ip netns exec "$NS_G" "$@"; }
ins() { ip netns exec "$NS_S" "$@"; }

die() { echo "selftest: $*" >&2; exit 1; }

# ---- topology ---------------------------------------------------------------

setup_ns() {
	local ns

	for ns in "$NS_C" "$NS_G" "$NS_S"; do
		ip netns add "$ns" || die "cannot create netns $ns"
		# no DAD: tentative link-locals would stall neighbour discovery
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
		ip -n "$ns" link set lo up
	done
	ing sysctl -qw net.ipv4.ip_forward=1
	ing sysctl -qw net.ipv6.conf.all.forwarding=1
	ip link add sgc0 netns "$NS_C" type veth peer name sgg0 netns "$NS_G" ||
		die "cannot create veth"
	ip link add sgg1 netns "$NS_G" type veth peer name sgs0 netns "$NS_S" ||
		die "cannot create veth"

	ip -n "$NS_C" addr add $C4/24 dev sgc0
	ip -n "$NS_C" addr add $C6/64 dev sgc0 nodad
	ip -n "$NS_G" addr add $G4C/24 dev sgg0
	ip -n "$NS_G" addr add $G6C/64 dev sgg0 nodad
	ip -n "$NS_G" addr add $G4S/24 dev sgg1
	ip -n "$NS_G" addr add $G6S/64 dev sgg1 nodad
	ip -n "$NS_S" addr add $S4/24 dev sgs0
	ip -n "$NS_S" addr add $S6/64 dev sgs0 nodad
	ip -n "$NS_C" link set sgc0 up
	ip -n "$NS_G" link set sgg0 up
	ip -n "$NS_G" link set sgg1 up
	ip -n "$NS_S" link set sgs0 up
	ip -n "$NS_C" route add default via $G4C
	ip -n "$NS_C" -6 route add default via $G6C
	ip -n "$NS_S" route add default via $G4S
	ip -n "$NS_S" -6 route add default via $G6S
	ip -n "$NS_G" route add 198.19.0.0/16 via $C4
	ip -n "$NS_G" -6 route add 2001:db8:f::/48 via $C6
	static_neigh

	# the client's spoofed flood sources must not be dropped as martians
	ing sysctl -qw net.ipv4.conf.all.rp_filter=0
	ing sysctl -qw net.ipv4.conf.sgg0.rp_filter=0
	# pktcraft's user-space TCP: the kernel has no socket, drop its RSTs
	inc iptables -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
	inc ip6tables -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
	# the ACK must not create a conntrack entry of its own (SYNPROXY)
	ing iptables -t raw -A PREROUTING -p tcp -j ACCEPT >/dev/null # load ct
	ing sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
		die "cannot set nf_conntrack_tcp_loose"
	ing iptables -t raw -F PREROUTING
}

mac_of() {	# mac_of NS DEV
	ip -n "$1" -br link show dev "$2" | awk '{ print $3 }'
}

# Permanent neighbour entries on every link.  Right after the links come
# up the gateway ignored the first IPv6 neighbour solicitation for about
# a second, which showed up as a 1 s connect time; static entries keep
# address resolution out of every measurement.
static_neigh() {
	local mc mg0 mg1 ms

	mc=$(mac_of "$NS_C" sgc0)
	mg0=$(mac_of "$NS_G" sgg0)
	mg1=$(mac_of "$NS_G" sgg1)
	ms=$(mac_of "$NS_S" sgs0)
	ip -n "$NS_C" neigh replace $G4C lladdr "$mg0" dev sgc0 nud permanent
	ip -n "$NS_C" neigh replace $G6C lladdr "$mg0" dev sgc0 nud permanent
	ip -n "$NS_G" neigh replace $C4 lladdr "$mc" dev sgg0 nud permanent
	ip -n "$NS_G" neigh replace $C6 lladdr "$mc" dev sgg0 nud permanent
	ip -n "$NS_G" neigh replace $S4 lladdr "$ms" dev sgg1 nud permanent
	ip -n "$NS_G" neigh replace $S6 lladdr "$ms" dev sgg1 nud permanent
	ip -n "$NS_S" neigh replace $G4S lladdr "$mg1" dev sgs0 nud permanent
	ip -n "$NS_S" neigh replace $G6S lladdr "$mg1" dev sgs0 nud permanent
}

synproxy_on() {
	local ipt

	for ipt in iptables ip6tables; do
		ing $ipt -t raw -A PREROUTING -i sgg0 -p tcp --syn \
			-j CT --notrack
		ing $ipt -A FORWARD -p tcp -m state --state UNTRACKED,INVALID \
			-j SYNPROXY --sack-perm --timestamp --wscale 7 \
			--mss 1460
		ing $ipt -A FORWARD -m state --state INVALID -j DROP
	done
}

# ---- helpers -----------------------------------------------------------------

# start_server NAME ARGS...: tcpxfer server in the server netns, output in
# $TMP/NAME.srv; waits until it listens.
start_server() {
	local name=$1 i

	shift
	ins "$TCPXFER" server "$@" >"$TMP/$name.srv" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	for i in $(seq 50); do
		grep -q '^server: listening' "$TMP/$name.srv" && return 0
		sleep 0.05
	done
	return 1
}

# wait_server: wait (bounded) for the server to exit; returns its status.
wait_server() {
	local i

	for i in $(seq 100); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID"
}

# synproxy_stat COLUMN: sum of a column of /proc/net/stat/synproxy (hex,
# one row per CPU) in the gateway.
synproxy_stat() {
	local hdr row i col=-1 sum=0

	{
		read -r -a hdr
		for i in "${!hdr[@]}"; do
			[ "${hdr[$i]}" = "$1" ] && col=$i
		done
		while read -r -a row; do
			[ "$col" -ge 0 ] && sum=$((sum + 16#${row[$col]}))
		done
	} < <(ing cat /proc/net/stat/synproxy)
	echo "$sum"
}

ct_count() {
	if command -v conntrack >/dev/null; then
		ing conntrack -C 2>/dev/null
	else
		ing cat /proc/net/nf_conntrack | wc -l
	fi
}

kv() {	# kv KEY LINE: value of KEY=... in a key=value line
	sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" <<<"$2" | head -n1
}

# ---- checks --------------------------------------------------------------------

# xfer NAME V6FLAG SADDR: 1 MiB each way; leaves output in $TMP/NAME.*
xfer() {
	local name=$1 six=$2 addr=$3 port=$4 rc

	start_server "$name" $six -l "$addr" -p "$port" -k 1 ||
		{ fail "$name" "server did not start"; return 1; }
	inc "$TCPXFER" client $six -c "$addr" -p "$port" >"$TMP/$name.cli" 2>&1
	rc=$?
	wait_server
	if [ $rc -ne 0 ] || ! grep -q '^server: ok' "$TMP/$name.srv"; then
		fail "$name" "client rc=$rc: $(grep -h FAIL "$TMP/$name".* |
			head -n2 | tr '\n' ' ')"
		return 1
	fi
	return 0
}

check_direct() {
	xfer direct_v4 "" $S4 5001 && pass "direct_v4 ($(grep '^client: ok' \
		"$TMP/direct_v4.cli"))"
	xfer direct_v6 -6 $S6 5002 && pass "direct_v6 ($(grep '^client: ok' \
		"$TMP/direct_v6.cli"))"
}

check_synproxy_xfer() {
	local name=$1 six=$2 addr=$3 port=$4 before after ti

	before=$(synproxy_stat syn_received)
	xfer "$name" "$six" "$addr" "$port" || return
	after=$(synproxy_stat syn_received)
	ti=$(grep '^tcpinfo: side=client' "$TMP/$name.cli")
	if [ "$after" -le "$before" ]; then
		fail "$name" "SYNPROXY did not see the SYN ($before -> $after)"
	elif [ "$(kv ts "$ti")" != 1 ] || [ "$(kv sack "$ti")" != 1 ] ||
	     [ "$(kv snd_wscale "$ti")" != 7 ]; then
		fail "$name" "options not as SYNPROXY advertised: $ti"
	else
		pass "$name (client ts=1 sack=1 snd_wscale=7)"
	fi
}

check_flood() {
	local name=$1 six=$2 dst=$3 net=$4 before after rx0 rx1 out

	before=$(ct_count)
	rx0=$(synproxy_stat syn_received)
	out=$(inc "$PKTCRAFT" synflood $six --dst "$dst" --dport 5010 \
		--src-net "$net" --count 20000 --seconds 20 --seed 1)
	sleep 0.5
	after=$(ct_count)
	rx1=$(synproxy_stat syn_received)
	if [ "$(kv sent "$out")" != 20000 ]; then
		fail "$name" "$out"
	elif [ "$after" -gt $((before + 2)) ]; then
		fail "$name" "conntrack count grew $before -> $after"
	elif [ $((rx1 - rx0)) -lt 1000 ]; then
		fail "$name" "SYNPROXY saw only $((rx1 - rx0)) SYNs: $out"
	else
		out="$out; conntrack $before -> $after"
		pass "$name ($out; syn_received +$((rx1 - rx0)))"
	fi
}

check_ackflood() {
	local before after inv0 inv1 out

	before=$(ct_count)
	inv0=$(synproxy_stat cookie_invalid)
	out=$(inc "$PKTCRAFT" ackflood --dst $S4 --dport 5010 \
		--src-net 198.19.0.0/16 --count 5000 --seconds 20 --seed 2)
	sleep 0.3
	after=$(ct_count)
	inv1=$(synproxy_stat cookie_invalid)
	if [ "$after" -gt $((before + 2)) ] || [ $((inv1 - inv0)) -lt 100 ]; then
		out="$out; conntrack $before -> $after"
		fail ackflood_v4 "$out; cookie_invalid +$((inv1 - inv0))"
	else
		pass "ackflood_v4 ($out; cookie_invalid +$((inv1 - inv0)))"
	fi
}

# hs NAME V6 CLIENT SERVER PORT THIRD: pktcraft handshake against -e server
check_handshake() {
	local name=$1 six=$2 src=$3 dst=$4 port=$5 third=$6 out srv

	start_server "$name" $six -l "$dst" -p "$port" -k 1 -e -T 5000 ||
		{ fail "$name" "server did not start"; return; }
	inc "$PKTCRAFT" handshake $six --src "$src" --dst "$dst" \
		--sport $((port + 30000)) --dport "$port" --third "$third" \
		--data hello --listen 4000 >"$TMP/$name.hs" 2>&1
	wait_server
	out=$(grep '^handshake:' "$TMP/$name.hs")
	srv=$(grep '^server: data' "$TMP/$name.srv")
	if [ "$srv" = "server: data len=5 hex=68656c6c6f" ] &&
	   [ "$out" = "handshake: synack=1 acked=5 peer_data=3" ]; then
		pass "$name ($out)"
	else
		fail "$name" "[$out] [$srv]"
		sed 's/^/    /' "$TMP/$name.hs" "$TMP/$name.srv"
	fi
}

# check_send_syn NAME V6FLAG SRC DST: a hand-made SYN gets SYNPROXY's
# SYN-ACK, options echoed; --rx-max 1 returns with it alone, at once.
check_send_syn() {
	local name=$1 six=$2 src=$3 dst=$4 out t0 ms n syn

	start_server "$name" $six -l "$dst" -p 5030 -k 1 -T 6000 ||
		{ fail "$name" "server did not start"; return; }
	t0=$(date +%s%N)
	out=$(inc "$PKTCRAFT" send $six --src "$src" --dst "$dst" \
		--sport 41000 --dport 5030 --flags S \
		--opts mss=1400,sackok,ts=1000:0,nop,ws=5 --listen 5000 --rx-max 1)
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	kill "$SRV_PID" 2>/dev/null
	wait_server
	syn=$(grep '^rx: flags=SA' <<<"$out" | head -n1)
	n=$(grep -c '^rx: flags=SA' <<<"$out")
	case "$syn" in
	*ack=*opts=*mss:1460*ts:*:1000*) ;;
	*)
		fail "$name" "no SYN-ACK with mss: and ts: echoing 1000: [$syn]"
		return ;;
	esac
	# --rx-max 1 ends the listen at the SYN-ACK, well before its 5 s
	if [ "$n" = 1 ] && grep -q '^rx-ttl: ' <<<"$out" && [ "$ms" -lt 2500 ]; then
		pass "$name ($syn; alone, in ${ms} ms)"
	else
		fail "$name" "expected one SYN-ACK and its TTL within 2500 ms (--rx-max 1), saw $n in ${ms} ms: $out"
	fi
}

# check_refused NAME V6FLAG ADDR: a closed port must give a reset
check_refused() {
	local out rc

	out=$(inc "$TCPXFER" client $2 -c "$3" -p 5099 -T 3000 -r 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$1 ($out)"
	else
		fail "$1" "rc=$rc $out"
	fi
}

check_many() {
	local out rc

	start_server many_v4 -l $S4 -p 5040 -n 1000 -k 50 ||
		{ fail many_v4 "server did not start"; return; }
	out=$(inc "$TCPXFER" client -c $S4 -p 5040 -n 1000 -k 50 2>&1)
	rc=$?
	wait_server
	if [ $rc -eq 0 ] && grep -q 'ok=50 fail=0' <<<"$out"; then
		pass "many_v4 ($out)"
	else
		fail many_v4 "rc=$rc $out"
	fi
}

# ---- main ----------------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "must run as root"
[ -x "$TCPXFER" ] && [ -x "$PKTCRAFT" ] ||
	make -s -C "$HERE" >/dev/null || die "build failed"
for t in ip iptables ip6tables; do
	command -v $t >/dev/null || die "$t missing (apt-get install -y iproute2 iptables conntrack)"
done

setup_ns
check_direct
check_handshake hs_direct_v4 "" $C4 $S4 5019 ack
synproxy_on
check_synproxy_xfer synproxy_v4 "" $S4 5003
check_synproxy_xfer synproxy_v6 -6 $S6 5004
check_flood synflood_v4 "" $S4 198.19.0.0/16
check_flood synflood_v6 -6 $S6 2001:db8:f::/48
check_ackflood
check_handshake hs_lost_ack_v4 "" $C4 $S4 5020 none
check_handshake hs_lost_ack_v6 -6 $C6 $S6 5021 none
check_handshake hs_twice_v4 "" $C4 $S4 5022 twice
check_handshake hs_data_v4 "" $C4 $S4 5023 data
check_send_syn send_syn_v4 "" $C4 $S4
check_send_syn send_syn_v6 -6 $C6 $S6
check_refused closed_port_v4 "" $S4
check_refused closed_port_v6 -6 $S6
check_many

echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
