#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/cluster.sh: two SYNGATE gateways in front of one server, as
# behind ECMP or anycast, sharing cookie keys (/proc/net/syngate_key,
# syngatectl(8)). Run as root in the test VM (scripts/vm/guest-check.sh).
#
#   client cl-c  c0 198.18.1.2 ---- ga 198.18.1.1  [gateway A] as 198.18.2.1 -- sa 198.18.2.2 \
#                c1 (no address) -- gb 198.18.11.1 [gateway B] bs 198.18.12.1 - sb 198.18.12.2 [server cl-s]
#
# The client's SYN goes to A (route via c0), which answers with a cookie;
# then the client's route moves to B (via c1, same source address) and its
# ACK, with data, goes to B, which must check A's cookie and open the
# server connection. The server answers through B. pktcraft plays the
# client, so the route can change between the SYN and the ACK.
#
# Cases: the same key on both gateways (the handshake completes through B,
# the data arrives, the server's answer reaches the client); different
# keys (B counts the ACK invalid, nothing reaches the server); both
# gateways rotate between the SYN and the ACK (accepted with the previous
# key, counted); two rotations between them (refused); and root of a user
# namespace of its own cannot set a key (EPERM, nothing changed). Last,
# failover: a transfer moved from A to B midway stalls without
# replication and completes with conntrackd replicating A's entries to B
# (and the same with the in-kernel SYNPROXY, the reference).
# IPv4 and FORWARD only: the key is per namespace and family-blind, and
# the cookie itself is proven for both families and hooks by KUnit and
# by run.sh.
# Prints PASS/FAIL lines and "N passed, N failed" last; exit 0 iff none
# failed.

set -u
export LC_ALL=C
# shellcheck source=tests/e2e/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

CL_C=cl-$$-c CL_A=cl-$$-a CL_B=cl-$$-b CL_S=cl-$$-s
CL_SRV=198.18.2.2
CL_PORT=8080
CL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sg-cluster.XXXXXX")
CL_IPT=iptables-${E2E_BACKEND:-nft}
SEQ=0

at() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cl_teardown() {
	local ns
	for ns in "$CL_C" "$CL_A" "$CL_B" "$CL_S"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$CL_TMP"
}

# cl_link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth between two namespaces
cl_link() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
	offload_off "$1" "$2"
	offload_off "$4" "$5"
	[ -n "$3" ] && at "$1" ip addr add "$3" dev "$2"
	[ -n "$6" ] && at "$4" ip addr add "$6" dev "$5"
	at "$1" ip link set "$2" up
	at "$4" ip link set "$5" up
}

# cl_gateway NS: forwarding, strict tracking, the rules of the man page
cl_gateway() {
	local ns=$1
	nsys "$ns" net.ipv4.ip_forward=1
	at "$ns" "$CL_IPT" -t raw -A PREROUTING -p tcp --dport "$CL_PORT" \
		--syn -j CT --notrack || return 1
	at "$ns" conntrack -C >/dev/null 2>&1
	nsys "$ns" net.netfilter.nf_conntrack_tcp_loose=0 || return 1
	at "$ns" "$CL_IPT" -A FORWARD -p tcp --dport "$CL_PORT" \
		-m state --state UNTRACKED,INVALID -j SYNGATE \
		--sack-perm --timestamp --wscale 7 --mss 1460 || return 1
	at "$ns" "$CL_IPT" -A FORWARD -m state --state INVALID -j DROP
}

cl_setup() {
	local ns
	for ns in "$CL_C" "$CL_A" "$CL_B" "$CL_S"; do
		ip netns add "$ns" || return 1
		at "$ns" ip link set lo up
	done
	cl_link "$CL_C" c0 198.18.1.2/24 "$CL_A" ga 198.18.1.1/24 || return 1
	cl_link "$CL_C" c1 "" "$CL_B" gb 198.18.11.1/24 || return 1
	cl_link "$CL_S" sa "$CL_SRV"/24 "$CL_A" as 198.18.2.1/24 || return 1
	cl_link "$CL_S" sb 198.18.12.2/24 "$CL_B" bs 198.18.12.1/24 || return 1
	at "$CL_B" ip route add 198.18.1.2/32 dev gb
	at "$CL_B" ip route add "$CL_SRV"/32 via 198.18.12.2 dev bs
	# the server answers through B, which holds the connection
	at "$CL_S" ip route add 198.18.1.2/32 via 198.18.12.1 dev sb
	cl_gateway "$CL_A" || return 1
	cl_gateway "$CL_B" || return 1
	# pktcraft is the client: its kernel must not reset the flows
	at "$CL_C" "$CL_IPT" -A OUTPUT -p tcp --tcp-flags RST RST -j DROP
}

cl_route() {
	if [ "$1" = A ]; then
		at "$CL_C" ip route replace "$CL_SRV"/32 via 198.18.1.1 dev c0
	else
		at "$CL_C" ip route replace "$CL_SRV"/32 via 198.18.11.1 dev c1 \
			onlink src 198.18.1.2
	fi
}

# key NS CMD HEX: set a gateway's keys with syngatectl, which checks that
# the kernel then shows the key's fingerprint
key() {
	local ns=$1 cmd=$2 f=$CL_TMP/key.$SEQ
	SEQ=$((SEQ + 1))
	(umask 077 && echo "$3" > "$f")
	at "$ns" "$SYNGATECTL" key "$cmd" "$f" >/dev/null
}

# counter NS NAME: a gateway's SYNGATE counter, summed over CPUs
counter() {
	local snap
	snap=$(NS_G=$1 STAT_FILE=/proc/net/stat/syngate target_stats_all)
	stats_field "$snap" "$2"
}

# handshake SPORT: SYN through A, then ACK with "hello" and a FIN through
# B; HS_SYNACK = A's SYN-ACK line, HS_OUT = pktcraft's and the server's
# output, HS_SRV = the server's data line.
handshake() {
	local sport=$1 so=$CL_TMP/srv.$1 out=$CL_TMP/cli.$1 seq=1000 tsv=5000
	local cookie tsecr ts
	# not through at(): $! must be the server itself, to stop it
	ip netns exec "$CL_S" "$TCPXFER" server -l "$CL_SRV" -p "$CL_PORT" -e -k 1 \
		-T 4000 > "$so" 2>&1 &
	local spid=$!
	sleep 0.3
	cl_route A
	at "$CL_C" "$PKTCRAFT" send --src 198.18.1.2 --dst "$CL_SRV" --sport "$sport" \
		--dport "$CL_PORT" --flags S --seq "$seq" \
		--opts "mss=1460,sackok,ts=$tsv:0,nop,ws=7" --listen 500 > "$out" 2>&1
	HS_SYNACK=$(grep -m 1 '^rx: flags=SA' "$out")
	cookie=$(echo "$HS_SYNACK" | sed -n 's/.* seq=\([0-9]*\) .*/\1/p')
	tsecr=$(echo "$HS_SYNACK" | sed -n 's/.*ts:\([0-9]*\):.*/\1/p')
	[ -n "$HOOK_BETWEEN" ] && $HOOK_BETWEEN
	cl_route B
	if [ -n "$cookie" ] && [ -n "$tsecr" ]; then
		ts="nop,nop,ts=$((tsv + 1)):$tsecr"
		at "$CL_C" "$PKTCRAFT" send --src 198.18.1.2 --dst "$CL_SRV" \
			--sport "$sport" --dport "$CL_PORT" --flags PA \
			--seq $((seq + 1)) --ack $(((cookie + 1) % 4294967296)) \
			--opts "$ts" --data hello --listen 500 >> "$out" 2>&1
		ts="nop,nop,ts=$((tsv + 2)):$tsecr"
		at "$CL_C" "$PKTCRAFT" send --src 198.18.1.2 --dst "$CL_SRV" \
			--sport "$sport" --dport "$CL_PORT" --flags FA \
			--seq $((seq + 6)) --ack $(((cookie + 1) % 4294967296)) \
			--opts "$ts" --listen 1000 >> "$out" 2>&1
	fi
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	HS_SRV=$(grep -m 1 '^server: data' "$so")
	HS_OUT="$(tail -n 3 "$out" | tr '\n' ' ') | $(tr '\n' ' ' < "$so")"
	# the server's "ok" reached the client through B
	HS_ANSWER=$(grep -c '^rx-data: len=3 hex=6f6b0a' "$out")
}

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS cluster $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL cluster $*"; }

K1=000102030405060708090a0b0c0d0e0f
K2=f0e1d2c3b4a5968778695a4b3c2d1e0f
K3=00112233445566778899aabbccddeeff

# attempt KEY_A KEY_B BETWEEN SPORT COUNTER: the gateways' keys, then a
# handshake with BETWEEN run between its SYN and its ACK; GAIN = what B's
# COUNTER gained meanwhile.
attempt() {
	local c0
	key "$CL_A" set "$1" && key "$CL_B" set "$2"
	c0=$(counter "$CL_B" "$5")
	HOOK_BETWEEN=$3 handshake "$4"
	GAIN=$(($(counter "$CL_B" "$5") - c0))
}

# delivered NAME WHAT: after attempt, hello reached the server through B
# and its answer the client; GAIN must be 1.
delivered() {
	if [ "$HS_SRV" != "server: data len=5 hex=68656c6c6f" ] || [ "$HS_ANSWER" -lt 1 ] ||
			[ "$GAIN" != 1 ]; then
		fail "$1: expected hello at the server, its answer at the client and B $2 +1, saw server '$HS_SRV' answer=$HS_ANSWER $2 +$GAIN: $HS_OUT"
	else
		pass "$1: SYN-ACK from A ($HS_SYNACK), hello delivered and answered through B, B $2 +1"
	fi
}

# refused NAME: after attempt on cookie_invalid, B refused the ACK and the
# server saw nothing.
refused() {
	if [ -n "$HS_SRV" ] && [ "$HS_SRV" != "server: data len=0 hex=" ] || [ "$GAIN" -lt 1 ]; then
		fail "$1: expected B to count the ACK invalid and no data at the server, saw server '$HS_SRV' cookie_invalid +$GAIN: $HS_OUT"
	else
		pass "$1: B cookie_invalid +$GAIN, nothing reached the server"
	fi
}

rotate_both() {
	key "$CL_A" rotate "$1" && key "$CL_B" rotate "$1"
}

rotate_once() { rotate_both $K2; }
rotate_twice() { rotate_both $K2; rotate_both $K3; }

# same-key: K1 on both; the handshake completes through B.
# other-key: A K1, B K2: B refuses the ACK.
# rotated: both rotate to K2 between the SYN and the ACK: accepted with
# the previous key. two-rotations: the cookie's key is two rotations old.
cluster_cases() {
	attempt $K1 $K1 "" 40001 cookie_valid
	delivered same-key cookie_valid
	attempt $K1 $K2 "" 40002 cookie_invalid
	refused other-key
	attempt $K1 $K1 rotate_once 40003 cookie_prev_key
	delivered rotated cookie_prev_key
	attempt $K1 $K1 rotate_twice 40004 cookie_invalid
	refused two-rotations
}

# key-file: the key never reads back; both gateways show one fingerprint,
# syngatectl's own (their set_at may differ by a second); a bad write
# changes nothing.
case_key_file() {
	local a b fp
	if ! key "$CL_A" set $K1 || ! key "$CL_B" set $K1; then
		fail "key-file: expected syngatectl key set to succeed on both gateways"
		return
	fi
	a=$(at "$CL_A" cat /proc/net/syngate_key)
	b=$(at "$CL_B" cat /proc/net/syngate_key)
	fp=$(echo $K1 | "$SYNGATECTL" key fingerprint -)
	if echo "$a" | grep -qi "$K1"; then
		fail "key-file: expected the key never to read back, saw '$a'"
	elif ! echo "$a" | grep -q "^current fingerprint=$fp set_at=[0-9]*$" ||
			! echo "$b" | grep -q "^current fingerprint=$fp set_at=[0-9]*$"; then
		fail "key-file: expected fingerprint $fp on both gateways, saw A '$a' B '$b'"
	elif at "$CL_A" sh -c "echo 'set 1234' > /proc/net/syngate_key" 2>/dev/null ||
			[ "$(at "$CL_A" cat /proc/net/syngate_key)" != "$a" ]; then
		fail "key-file: expected a short key refused and nothing changed"
	elif ! at "$CL_A" "$SYNGATECTL" key show | grep -q "^current: fingerprint $fp, set "; then
		fail "key-file: expected syngatectl key show to print $fp, saw $(at "$CL_A" "$SYNGATECTL" key show | tr '\n' ' ')"
	else
		pass "key-file: $(echo "$a" | head -n 1) on both (syngatectl's fingerprint), never the key; a bad write refused"
	fi
}

# key-eperm: root of a user namespace of its own holds its capabilities
# there, not over the gateway's network namespace: it may open the key
# file (same uid) but not set a key, through the file or syngatectl, and
# the key stays as it was.
case_key_eperm() {
	local a f=$CL_TMP/key.eperm out rc1 rc2
	if ! key "$CL_A" set $K1; then
		fail "key-eperm: expected syngatectl key set to succeed as root"
		return
	fi
	a=$(at "$CL_A" cat /proc/net/syngate_key)
	(umask 077 && echo $K2 > "$f")
	at "$CL_A" busybox unshare -r sh -c "echo 'set $K2' > /proc/net/syngate_key" 2>/dev/null
	rc1=$?
	out=$(at "$CL_A" busybox unshare -r "$SYNGATECTL" key set "$f" 2>&1)
	rc2=$?
	if [ $rc1 = 0 ]; then
		fail "key-eperm: expected the write from a user namespace refused, it succeeded"
	elif [ $rc2 != 1 ] || ! echo "$out" | grep -q "permission denied: needs CAP_NET_ADMIN"; then
		fail "key-eperm: expected syngatectl to exit 1 with 'permission denied: needs CAP_NET_ADMIN', saw exit $rc2: $out"
	elif [ "$(at "$CL_A" cat /proc/net/syngate_key)" != "$a" ]; then
		fail "key-eperm: expected the key unchanged, saw $(at "$CL_A" cat /proc/net/syngate_key)"
	else
		pass "key-eperm: refused from a user namespace's root (write exit $rc1; syngatectl: $out); key unchanged"
	fi
}

# ------------------------------------------------------------- failover
# After the handshake the connection lives in one gateway's conntrack
# entry: its sequence offsets (seqadj) and its timestamp offset and cookie
# (the synproxy extension). failover: does a proxied connection survive
# its gateway's loss, without and with conntrackd (conntrack-tools)
# replicating the table between the gateways? A 4 MB each way transfer,
# paced to 8 Mbit/s so that it takes about 4 s, starts through A; after
# 1.5 s the client's and the server's routes move to B. The same with the
# in-kernel SYNPROXY on both gateways, the reference.

FO_PACE=8mbit
FO_BYTES=4000000

# fo_pace: every link of the client and the server paced (tbf)
fo_pace() {
	local d
	for d in "$CL_C c0" "$CL_C c1" "$CL_S sa" "$CL_S sb"; do
		# shellcheck disable=SC2086
		set -- $d
		at "$1" tc qdisc replace dev "$2" root tbf rate $FO_PACE \
			burst 32k latency 100ms || return 1
	done
}

# fo_conntrackd NS NAME SELF PEER DEV: conntrackd in NS, FTFW over UDP
# to PEER on DEV, writing what it receives straight into NS's table (no
# external cache to commit at failover)
fo_conntrackd() {
	local cfg=$CL_TMP/$2.conf
	cat > "$cfg" <<-EOC
	Sync {
		Mode FTFW {
			DisableExternalCache On
		}
		UDP {
			IPv4_address $3
			IPv4_Destination_Address $4
			Port 3780
			Interface $5
			Checksum on
		}
	}
	General {
		HashSize 1024
		HashLimit 8192
		LogFile $CL_TMP/$2.log
		Syslog off
		LockFile $CL_TMP/$2.lock
		UNIX {
			Path $CL_TMP/$2.sock
		}
		NetlinkBufferSize 2097152
		NetlinkBufferSizeMaxGrowth 8388608
		Filter From Userspace {
			Protocol Accept {
				TCP
			}
		}
	}
	EOC
	at "$1" conntrackd -d -C "$cfg"
}

# fo_sync: a link between the gateways and conntrackd on both
fo_sync() {
	if ! command -v conntrackd >/dev/null; then
		echo "cluster: conntrackd not found (scripts/deps.sh installs it)"
		return 1
	fi
	cl_link "$CL_A" sync0 198.18.99.1/24 "$CL_B" sync1 198.18.99.2/24 &&
		fo_conntrackd "$CL_A" a 198.18.99.1 198.18.99.2 sync0 &&
		fo_conntrackd "$CL_B" b 198.18.99.2 198.18.99.1 sync1
}

# fo_txpkts NS DEV: packets DEV has sent
fo_txpkts() {
	at "$1" cat /proc/net/dev | awk -v d="$2:" '$1 == d { print $11 }'
}

# fo_target TARGET: both gateways' proxy rule uses TARGET
fo_target() {
	local ns
	for ns in "$CL_A" "$CL_B"; do
		at "$ns" "$CL_IPT" -R FORWARD 1 -p tcp --dport "$CL_PORT" \
			-m state --state UNTRACKED,INVALID -j "$1" \
			--sack-perm --timestamp --wscale 7 --mss 1460 || return 1
	done
}

# fo_transfer: the transfer, moved from A to B after 1.5 s. FO_RC = the
# client's exit status, FO_CLI/FO_SRV its and the server's last lines,
# FO_A/FO_B = data packets A and B forwarded to the server.
fo_transfer() {
	local so=$CL_TMP/fo-srv.out co=$CL_TMP/fo-cli.out a0 b0 spid cpid
	at "$CL_C" ip route replace "$CL_SRV"/32 via 198.18.1.1 dev c0
	at "$CL_S" ip route replace 198.18.1.2/32 via 198.18.2.1 dev sa
	a0=$(fo_txpkts "$CL_A" as) b0=$(fo_txpkts "$CL_B" bs)
	ip netns exec "$CL_S" "$TCPXFER" server -l "$CL_SRV" -p "$CL_PORT" \
		-k 1 -n $FO_BYTES -T 12000 > "$so" 2>&1 &
	spid=$!
	sleep 0.3
	ip netns exec "$CL_C" "$TCPXFER" client -c "$CL_SRV" -p "$CL_PORT" \
		-n $FO_BYTES -T 8000 > "$co" 2>&1 &
	cpid=$!
	sleep 1.5
	cl_route B
	at "$CL_S" ip route replace 198.18.1.2/32 via 198.18.12.1 dev sb
	wait "$cpid"
	FO_RC=$?
	# the server ends by itself: its last bytes in, or 12 s without any
	wait "$spid"
	FO_CLI=$(grep '^client:' "$co" | tail -n 1)
	FO_SRV=$(grep '^server: \(ok\|FAIL\)' "$so" | tail -n 1)
	FO_A=$(($(fo_txpkts "$CL_A" as) - a0))
	FO_B=$(($(fo_txpkts "$CL_B" bs) - b0))
}

# fo_expect NAME SURVIVES: SURVIVES=1 wants every byte through B after
# the move, 0 wants the connection to stall (the client's inactivity
# timeout) once its gateway is gone
fo_expect() {
	local what
	fo_transfer
	what="client '$FO_CLI' (exit $FO_RC), server '$FO_SRV', packets to the server via A $FO_A, via B $FO_B"
	if [ "$FO_A" -lt 50 ]; then
		fail "$1: expected the transfer to start through A, saw $what"
	elif [ "$2" = 1 ] && { [ "$FO_RC" != 0 ] || [ "$FO_B" -lt 50 ] ||
			! echo "$FO_SRV" | grep -q "^server: ok .* rx=$FO_BYTES tx=$FO_BYTES$"; }; then
		fail "$1: expected every byte verified, the rest through B, saw $what"
	elif [ "$2" = 0 ] && [ "$FO_RC" = 0 ]; then
		fail "$1: expected the connection to stall at B without replication, saw $what"
	else
		pass "$1: $what"
	fi
}

case_failover() {
	at "$CL_C" "$CL_IPT" -D OUTPUT -p tcp --tcp-flags RST RST -j DROP
	if ! fo_pace; then
		fail "failover: expected tbf pacing on the client's and the server's links"
		return
	fi
	fo_expect failover-unsynced 0
	if ! fo_sync; then
		fail "failover: expected conntrackd running on both gateways"
		return
	fi
	fo_expect failover-conntrackd 1
	if ! fo_target SYNPROXY; then
		fail "failover: expected SYNPROXY rules on both gateways"
		return
	fi
	fo_expect failover-conntrackd-synproxy 1
}

trap cl_teardown EXIT
if ! cl_setup; then
	fail "setup: the two-gateway topology or its rules could not be made"
else
	case_key_file
	case_key_eperm
	cluster_cases
	case_failover
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
