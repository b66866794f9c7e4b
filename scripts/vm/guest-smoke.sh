#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-smoke.sh: quick checks of the test VM itself and of xt_SYNGATE.ko's
# basics, run inside the guest (scripts/vm/run.sh) by tests/check.sh.
# Prints PASS/FAIL/SKIP lines ("smoke: ..."); exit 0 iff nothing failed.
# Every check works in its own network namespace(s), removed afterwards.
set -u

failed=0
pass() { echo "PASS smoke: $*"; }
fail() { echo "FAIL smoke: $*"; failed=1; }
skip() { echo "SKIP smoke: $*"; }

NS=sgsmoke
cleanup() {
	local n
	for n in $NS-a $NS-b $NS-c; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	return 0
}
trap cleanup EXIT

# synproxy_rule BACKEND FAMILY TARGET: the SYNPROXY-style rule loads and
# reads back.
OPTS="--sack-perm --timestamp --wscale 7 --mss 1460"
rule_loads() {
	local be=$1 fam=$2 tgt=$3 ipt out
	if [ "$fam" = 6 ]; then ipt=ip6tables-$be; else ipt=iptables-$be; fi
	cleanup
	ip netns add $NS-a
	if ! out=$(ip netns exec $NS-a $ipt -t raw -A PREROUTING -p tcp -m tcp --syn -j CT --notrack 2>&1 &&
		ip netns exec $NS-a $ipt -A FORWARD -p tcp -m state --state UNTRACKED,INVALID -j "$tgt" $OPTS 2>&1); then
		fail "$tgt rule loads ($ipt): $out"
		return
	fi
	out=$(ip netns exec $NS-a $ipt -S FORWARD 2>&1)
	if echo "$out" | grep -q -- "-j $tgt $OPTS\$"; then
		pass "$tgt rule loads and reads back ($ipt, $OPTS)"
	else
		fail "$tgt rule reads back ($ipt): got: $(echo "$out" | tr '\n' '|')"
	fi
	ip netns exec $NS-a $ipt -F
	ip netns exec $NS-a $ipt -t raw -F
	cleanup
}

# zone_range BACKEND FAMILY: --zone takes 0-65535 (revision 1 of the
# target, which the plugin picks where the kernel has it): above that,
# iptables says so and inserts nothing.
zone_range() {
	local be=$1 fam=$2 ipt out rc
	if [ "$fam" = 6 ]; then ipt=ip6tables-$be; else ipt=iptables-$be; fi
	cleanup
	ip netns add $NS-a
	out=$(ip netns exec $NS-a $ipt -A FORWARD -p tcp -j SYNGATE --zone 65536 2>&1)
	rc=$?
	if [ $rc = 2 ] && echo "$out" | grep -q 'bad value for option "--zone"' &&
		[ -z "$(ip netns exec $NS-a $ipt -S FORWARD | grep SYNGATE)" ]; then
		pass "--zone 65536 refused by $ipt (exit 2, nothing inserted)"
	else
		fail "--zone 65536 refused by $ipt: exit $rc: $out"
	fi
	cleanup
}

# 1. The guest itself.
for t in ip tc bash modprobe iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft conntrack nft; do
	command -v $t >/dev/null || fail "tool $t in the guest PATH"
done
if ip netns add $NS-a 2>/dev/null && ip netns exec $NS-a ip link show lo >/dev/null; then
	pass "iproute2 ip netns works in the guest ($(uname -r))"
else
	fail "iproute2 ip netns works in the guest"
fi
cleanup

# 2. The reference target, both backends, both families.
for be in legacy nft; do
	for fam in 4 6; do
		rule_loads $be $fam SYNPROXY
	done
done
if command -v nft >/dev/null; then
	ip netns add $NS-a
	if out=$(ip netns exec $NS-a nft -f - 2>&1 <<'NFT'
table inet sg {
	chain sgforward {
		type filter hook forward priority filter; policy accept;
		tcp dport 8080 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
	}
}
NFT
	); then
		pass "nft native synproxy rule loads"
	else
		fail "nft native synproxy rule loads: $out"
	fi
	cleanup
fi

# 3. Traffic: tcpxfer over a veth pair, then through a gateway that runs the
#    in-kernel SYNPROXY on FORWARD (the e2e suite's basic case).
if ! command -v tcpxfer >/dev/null; then
	skip "tcpxfer transfers (tcpxfer not built)"
else
	cleanup
	ip netns add $NS-a; ip netns add $NS-b
	ip link add va netns $NS-a type veth peer name vb netns $NS-b
	ip -n $NS-a addr add 10.99.0.1/24 dev va; ip -n $NS-a link set va up; ip -n $NS-a link set lo up
	ip -n $NS-b addr add 10.99.0.2/24 dev vb; ip -n $NS-b link set vb up; ip -n $NS-b link set lo up
	ip netns exec $NS-b tcpxfer server -l 10.99.0.2 -p 8080 -k 1 -T 20000 > /tmp/smoke-srv.log 2>&1 &
	sleep 0.5
	if out=$(ip netns exec $NS-a tcpxfer client -c 10.99.0.2 -p 8080 -n 1048576 -T 20000 2>&1); then
		pass "tcpxfer 1 MiB each way over veth"
	else
		fail "tcpxfer over veth: $out $(cat /tmp/smoke-srv.log)"
	fi
	wait
	cleanup

	# client a --- gateway b (SYNPROXY) --- server c
	for n in a b c; do ip netns add $NS-$n; ip -n $NS-$n link set lo up; done
	ip link add ca netns $NS-a type veth peer name gb1 netns $NS-b
	ip link add gb2 netns $NS-b type veth peer name sc netns $NS-c
	for d in "a ca" "b gb1" "b gb2" "c sc"; do
		set -- $d
		command -v ethtool >/dev/null && ip netns exec $NS-$1 ethtool -K "$2" tx off rx off >/dev/null 2>&1
		ip -n $NS-$1 link set "$2" up
	done
	ip -n $NS-a addr add 10.98.1.2/24 dev ca; ip -n $NS-a route add default via 10.98.1.1
	ip -n $NS-b addr add 10.98.1.1/24 dev gb1; ip -n $NS-b addr add 10.98.2.1/24 dev gb2
	ip -n $NS-c addr add 10.98.2.2/24 dev sc; ip -n $NS-c route add default via 10.98.2.1
	ip netns exec $NS-b sysctl -q -w net.ipv4.ip_forward=1
	ip netns exec $NS-b iptables-legacy -t raw -A PREROUTING -i gb1 -p tcp --syn -j CT --notrack
	ip netns exec $NS-b iptables-legacy -A FORWARD -i gb1 -p tcp -m state --state UNTRACKED,INVALID -j SYNPROXY $OPTS
	ip netns exec $NS-b iptables-legacy -A FORWARD -i gb1 -m state --state INVALID -j DROP
	ip netns exec $NS-b sysctl -q -w net.netfilter.nf_conntrack_tcp_loose=0
	ip netns exec $NS-c tcpxfer server -l 10.98.2.2 -p 8080 -k 1 -n 262144 -T 20000 > /tmp/smoke-srv.log 2>&1 &
	sleep 0.5
	if out=$(ip netns exec $NS-a tcpxfer client -c 10.98.2.2 -p 8080 -n 262144 -T 20000 2>&1); then
		cookies=$(ip netns exec $NS-b cat /proc/net/stat/synproxy | awk '
			NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cookie_valid") c = i; next }
			c { s += ("0x" $c) + 0 } END { print s + 0 }')
		if [ "${cookies:-0}" -ge 1 ]; then
			pass "tcpxfer through in-kernel SYNPROXY gateway (cookie_valid=$cookies)"
		else
			fail "tcpxfer through SYNPROXY: transfer ok but cookie_valid=$cookies (the proxy was bypassed)"
		fi
	else
		fail "tcpxfer through SYNPROXY gateway: $out $(cat /tmp/smoke-srv.log)"
	fi
	wait
	cleanup
fi

# 4. xt_SYNGATE.ko, when this tree built one for this kernel.
rmmod_retry() { # the netns teardown drops its references asynchronously
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q '^xt_SYNGATE ' /proc/modules || return 0
		rmmod xt_SYNGATE 2>/dev/null && return 0
		sleep 0.5
	done
	return 1
}
# refused BACKEND FAMILY REASON ARGS...: the kernel refuses the rule ARGS:
# iptables exits non-zero, the ruleset is unchanged, and REASON (if any)
# is in the kernel log.
refused() {
	local be=$1 fam=$2 why=$3 ipt before after out mark log
	shift 3
	ipt=iptables-$be
	[ "$fam" = 6 ] && ipt=ip6tables-$be
	ip netns add $NS-r
	ip netns exec $NS-r $ipt -A INPUT -p tcp --dport 22 -j ACCEPT
	before=$(ip netns exec $NS-r $ipt -S; ip netns exec $NS-r $ipt -t mangle -S)
	mark=$(dmesg | wc -l)
	if out=$(ip netns exec $NS-r $ipt "$@" 2>&1); then
		fail "kernel refuses '$*' ($ipt): the rule was accepted"
	else
		after=$(ip netns exec $NS-r $ipt -S; ip netns exec $NS-r $ipt -t mangle -S)
		log=$(dmesg | tail -n +$((mark + 1)))
		if [ "$before" != "$after" ]; then
			fail "kernel refuses '$*' ($ipt): ruleset changed: $after"
		elif [ -n "$why" ] && ! echo "$log" | grep -q "$why"; then
			fail "kernel refuses '$*' ($ipt): no '$why' in the log: $log"
		else
			pass "kernel refuses '$*' ($ipt): exit non-zero, ruleset unchanged${why:+, logged '$why'}"
		fi
	fi
	ip netns del $NS-r
}
xtdir=$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)
if ! modinfo -n xt_SYNGATE >/dev/null 2>&1; then
	skip "xt_SYNGATE module checks (no xt_SYNGATE.ko built for $(uname -r))"
else
	deps=$(modinfo -F depends xt_SYNGATE)
	case ",$deps," in
	*,nf_synproxy_core,*|*,ipt_SYNPROXY,*|*,ip6t_SYNPROXY,*)
		fail "xt_SYNGATE depends on the in-kernel SYNPROXY (depends: $deps)" ;;
	*)	pass "xt_SYNGATE does not depend on SYNPROXY modules (depends: ${deps:-none})" ;;
	esac
	if [ -f "$xtdir/libxt_SYNGATE.so" ]; then
		# iptables' first SYNGATE rule makes the kernel load the module
		# (request_module -> /sbin/modprobe), as on a user's machine.
		rmmod_retry
		cleanup
		ip netns add $NS-a
		if out=$(ip netns exec $NS-a iptables-legacy -A FORWARD -p tcp -j SYNGATE $OPTS 2>&1) &&
			grep -q '^xt_SYNGATE ' /proc/modules; then
			pass "the first SYNGATE rule autoloads xt_SYNGATE"
		else
			fail "the first SYNGATE rule autoloads xt_SYNGATE: $out"
		fi
		cleanup
		for be in legacy nft; do
			for fam in 4 6; do
				rule_loads $be $fam SYNGATE
				OPTS="$OPTS --zone 5" rule_loads $be $fam SYNGATE
				zone_range $be $fam
				refused $be $fam "rule must match -p tcp" \
					-A INPUT -j SYNGATE $OPTS
				refused $be $fam "rule must match -p tcp" \
					-A INPUT ! -p tcp -j SYNGATE $OPTS
				refused $be $fam "only valid in filter table" \
					-t mangle -A INPUT -p tcp -j SYNGATE $OPTS
				refused $be $fam "" \
					-A OUTPUT -p tcp -j SYNGATE $OPTS
			done
		done
	else
		skip "SYNGATE rules (libxt_SYNGATE.so not built)"
	fi
	if rmmod_retry; then
		if out=$(modprobe xt_SYNGATE 2>&1) && grep -q '^xt_SYNGATE ' /proc/modules; then
			pass "modprobe xt_SYNGATE"
			if rmmod_retry; then
				pass "rmmod xt_SYNGATE"
			else
				fail "rmmod xt_SYNGATE: $(grep '^xt_SYNGATE ' /proc/modules)"
			fi
		else
			fail "modprobe xt_SYNGATE: $out"
		fi
	else
		fail "rmmod xt_SYNGATE after its rules were deleted: $(grep '^xt_SYNGATE ' /proc/modules)"
	fi
fi
exit $failed
