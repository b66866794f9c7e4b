#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-demo.sh: the SYN flood demo, run inside the test VM by
# scripts/demo.sh. Topology and helpers from tests/e2e/lib.sh:
#   client 198.18.1.2 --- gateway (target on FORWARD) --- server 198.18.2.2
# A spoofed SYN flood from 198.19.0.0/16 hits the server's port through the
# gateway while a legitimate client connects repeatedly. Exit 0 iff the
# server stayed reachable and the flood reached neither it nor conntrack.
# Env: SYNGATE_DEMO_SECONDS (flood length, default 15), SYNGATE_DEMO_RATE
# (SYN/s, default 3000; 0 = as fast as the VM can), SYNGATE_DEMO_TARGET
# (force SYNGATE|SYNPROXY).
set -u
cd "$(dirname "$0")/../.." || exit 2

SECS=${SYNGATE_DEMO_SECONDS:-15}
RATE=${SYNGATE_DEMO_RATE:-3000}
say() { printf '%s\n' "$*"; }
hr() { say "------------------------------------------------------------------"; }

. tests/e2e/lib.sh || { say "demo: cannot source tests/e2e/lib.sh"; exit 2; }

xtdir=$(pkg-config --variable=xtlibdir xtables 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/xtables)
target=${SYNGATE_DEMO_TARGET:-}
why="forced by SYNGATE_DEMO_TARGET"
if [ -z "$target" ]; then
	if modprobe xt_SYNGATE 2>/dev/null && [ -f "$xtdir/libxt_SYNGATE.so" ]; then
		target=SYNGATE
		why="xt_SYNGATE.ko and libxt_SYNGATE.so are built"
	else
		target=SYNPROXY
		why="xt_SYNGATE.ko or libxt_SYNGATE.so is not available: showing the in-kernel reference target instead"
	fi
fi
stat_name=$(echo "$target" | tr '[:upper:]' '[:lower:]')

# sum of a column of /proc/net/stat/<target> in the gateway (hex per-CPU rows)
stat_col() {
	in_gw cat "/proc/net/stat/$stat_name" 2>/dev/null | awk -v col="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c { s += ("0x" $c) + 0 } END { if (!c) print "n/a"; else print s + 0 }'
}

hr
say " syngate demo: $target protects a TCP server from a spoofed SYN flood"
say " kernel $(uname -r); target: $target ($why)"
hr
if ! e2e_setup "$target" nft 4 FORWARD; then
	say "demo: setting up the topology / rules failed:"
	cat "$E2E_TMP/target.err" 2>/dev/null
	exit 1
fi
trap e2e_teardown EXIT
say "gateway rules (iptables-nft):"
in_gw iptables-nft -t raw -S PREROUTING | grep -- '-A' | sed 's/^/  raw:    /'
in_gw iptables-nft -S FORWARD | grep -- '-A' | sed 's/^/  filter: /'

in_server "$TCPXFER" server -l 198.18.2.2 -p 8080 -n 65536 -T 20000 > "$E2E_TMP/server.log" 2>&1 &
sleep 0.5
ct_before=$(ct_count)
say ""
say "conntrack entries on the gateway before the flood: $ct_before"
say "starting the flood: pktcraft synflood, ${RATE} SYN/s (0 = max) for ${SECS}s from 198.19.0.0/16"
in_client "$PKTCRAFT" synflood --dst 198.18.2.2 --dport 8080 --src-net 198.19.0.0/16 \
	--count 100000000 --rate "$RATE" --seconds "$SECS" > "$E2E_TMP/flood.log" 2>&1 &
flood=$!
sleep 3
ct_during=$(ct_count)
say "conntrack entries on the gateway during the flood: $ct_during"
say "legitimate client: 20 connections, 64 KiB each way, during the flood:"
in_client "$TCPXFER" client -c 198.18.2.2 -p 8080 -n 65536 -k 20 -T 5000 > "$E2E_TMP/client.log" 2>&1
crc=$?
grep -E 'summary|FAIL' "$E2E_TMP/client.log" | sed 's/^/  /'
wait "$flood"
ct_after=$(ct_count)
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$E2E_TMP/flood.log")
say ""
say "flood: $(cat "$E2E_TMP/flood.log")"
say "conntrack entries on the gateway after the flood: $ct_after"
srv_syn=$(ipt_counter "$NS_S" e2e-flood-syn)
say "flood SYNs that reached the server: $srv_syn"
say "/proc/net/stat/$stat_name on the gateway (summed over CPUs):"
for c in syn_received cookie_invalid cookie_valid cookie_retrans conn_reopened; do
	printf '  %-15s %s\n' "$c" "$(stat_col $c)"
done
if command -v syngatestat >/dev/null && [ "$target" = SYNGATE ]; then
	say "syngatestat (gateway):"
	in_gw syngatestat 2>&1 | sed 's/^/  /'
fi

ok_conns=$(sed -n 's/.*summary ok=\([0-9]*\).*/\1/p' "$E2E_TMP/client.log")
verdict=PROTECTED
reasons=()
[ "$crc" = 0 ] && [ "${ok_conns:-0}" = 20 ] || { verdict="NOT PROTECTED"; reasons+=("legitimate client: ${ok_conns:-0}/20 connections"); }
[ "$srv_syn" = 0 ] || { verdict="NOT PROTECTED"; reasons+=("$srv_syn flood SYNs reached the server"); }
[ "$((ct_after - ct_before))" -lt 100 ] || { verdict="NOT PROTECTED"; reasons+=("conntrack grew by $((ct_after - ct_before))"); }
[ "${sent:-0}" -gt 1000 ] || { verdict="INCONCLUSIVE"; reasons+=("the flood sent only ${sent:-0} SYNs"); }
hr
if [ "$verdict" = PROTECTED ]; then
	say " VERDICT: PROTECTED by $target: ${sent} spoofed SYNs, 0 reached the server,"
	say " conntrack $ct_before -> $ct_during -> $ct_after, client ${ok_conns}/20 connections ok"
	hr
	exit 0
fi
say " VERDICT: $verdict ($target): ${reasons[*]}"
hr
exit 1
