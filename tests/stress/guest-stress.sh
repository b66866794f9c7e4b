#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/guest-stress.sh [PART...]: the debug-kernel tests that are
# not KUnit, in one VM (tests/stress/run.sh boots it with panic_on_warn=1,
# so a WARN, KASAN or UBSAN report ends the run at once). Parts, in the
# order given (default: e2e fuzz modcycle netns):
#   e2e       the end-to-end suite (tests/e2e/run.sh), SYNGATE, backend
#             E2E_BACKENDS (default nft), both families and hooks, or the
#             FAMILY/HOOK pairs of STRESS_E2E_COMBOS (e.g. "4/FORWARD
#             6/INPUT"), with the volumes below (the debug kernel under
#             emulation is some 30-50 times slower than Debian's).
#   fuzz      STRESS_FUZZ hostile segments (default 1000000, half IPv4,
#             half IPv6, the two sent at once, one sender pinned to each
#             vCPU) from tests/stress/tcpfuzz
#             flood: whole Ethernet frames written on the client's veth
#             (AF_PACKET), i.e. straight into the gateway; random flags,
#             malformed options, bad data offsets, truncated headers, bad
#             checksums, IPv4 options and fragments, IPv6 extension headers
#             and fragments. At most STRESS_FUZZ_SECONDS (default 7200);
#             fewer than STRESS_FUZZ_MIN segments (default STRESS_FUZZ) by
#             then is a FAIL. Meanwhile: tcpfuzz sessions (hand-made
#             proxied connections hit with hostile in-window segments,
#             STRESS_SESSION_SEGS each; STRESS_SESSIONS per family every
#             STRESS_SESSION_PAUSE seconds) and legitimate clients of both
#             families (tcpxfer, every byte verified; STRESS_LEGIT_BATCH
#             connections per process, STRESS_LEGIT_PAUSE seconds between
#             batches): some of each family must have run and all must
#             succeed. Both are batched because a process costs this
#             kernel more than a connection: one tcpxfer or tcpfuzz per
#             connection left the flood a quarter of the CPU (56
#             segments/s against 205/s batched, the same 120 s window).
#             The gateway's counters
#             must show the segments arrived: its veth took every frame
#             the sender counted, and the rule in front of the target saw
#             >= 90% of the segments that are whole IP packets.
#             STRESS_SAMPLE: seconds between "sample" lines (packets per
#             link, CPU split, busiest processes). STRESS_PERF=SECONDS: a
#             perf profile of the flood (see perf_start below).
#   modcycle  STRESS_MODCYCLES rounds (default 10) of: rules present, so
#             rmmod xt_SYNGATE must fail and the module's refcount be > 0;
#             rules removed, rmmod, modprobe (or autoload by the first
#             rule), rules back (backends alternate), one verified
#             connection per family; all under a hostile flood
#             (STRESS_FLOOD_RATE segments/s per family) with a proxied
#             transfer in flight across each removal.
#   netns     STRESS_NETNS rounds (default 8) of: a fresh client/gateway/
#             server topology with rules of both families (backends
#             alternate), a verified connection per family, then proxied
#             transfers, hand-made sessions and a flood in flight while
#             the three namespaces are destroyed. Afterwards nothing may be
#             left: namespaces, conntrack entries, module references (the
#             module must unload).
# After the parts: any KASAN/UBSAN/lockdep/WARN/BUG report in the kernel
# log since the start fails the run and is printed, then kmemleak scans
# (twice); anything it reports fails the run too (tests/stress/lib.sh).
# Each part prints "stress: <part>: ..." counts and one or more
# PASS/FAIL lines; last "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
. tests/stress/lib.sh
. tests/e2e/lib.sh

STRESS_FUZZ=${STRESS_FUZZ:-1000000}
STRESS_FUZZ_SECONDS=${STRESS_FUZZ_SECONDS:-7200}	# time box for the flood
STRESS_FUZZ_MIN=${STRESS_FUZZ_MIN:-$STRESS_FUZZ}	# fewer segments: FAIL
STRESS_E2E_COMBOS=${STRESS_E2E_COMBOS:-all}	# "FAMILY/HOOK ..." or all
STRESS_SESSION_SEGS=${STRESS_SESSION_SEGS:-100}	# per hand-made session
STRESS_MODCYCLES=${STRESS_MODCYCLES:-10}
STRESS_NETNS=${STRESS_NETNS:-8}
STRESS_FLOOD_RATE=${STRESS_FLOOD_RATE:-50}	# per family, modcycle/netns
STRESS_LEGIT_PAUSE=${STRESS_LEGIT_PAUSE:-2}	# seconds between legit batches
STRESS_LEGIT_BATCH=${STRESS_LEGIT_BATCH:-3}	# connections per tcpxfer process
STRESS_SESSIONS=${STRESS_SESSIONS:-10}	# sessions per tcpfuzz process
STRESS_SESSION_PAUSE=${STRESS_SESSION_PAUSE:-15}	# seconds between rounds
FUZZ=$(pwd)/tests/stress/tcpfuzz
PASSED=0
FAILED=0
SKIPPED=0
WORK=$(mktemp -d /tmp/stress.XXXXXX)

spass() { PASSED=$((PASSED + 1)); echo "PASS stress $*"; }
sfail() { FAILED=$((FAILED + 1)); echo "FAIL stress $*"; }
now() { date +%s; }
say() { echo "stress: $*"; }

srv4=198.18.2.2
srv6=2001:db8:2::2
cli4=198.18.1.2
cli6=2001:db8:1::2
srvaddr() { if [ "$1" = 6 ]; then echo $srv6; else echo $srv4; fi; }
cliaddr() { if [ "$1" = 6 ]; then echo $cli6; else echo $cli4; fi; }
floodnet() { if [ "$1" = 6 ]; then echo 2001:db8:f::/48; else echo 198.19.0.0/16; fi; }
famopt() { if [ "$1" = 6 ]; then echo -6; fi; }
# pin CPU: "taskset -c CPU" if there is such a CPU and taskset
pin() {
	[ "$(nproc)" -gt "$1" ] && command -v taskset > /dev/null && echo "taskset -c $1"
}

# rules FAMILY BACKEND add|del: in one iptables-restore transaction, the
# recommended ruleset: SYNs untracked, then on FORWARD the target for what
# conntrack could not place: port 8081 with --wscale 3 (the server's is 7:
# its windows are translated), then a counting rule and the target for
# every other port (no -m tcp: a header too short for it still reaches the
# target), then the INVALID drop.
rules() {
	local fam=$1 backend=$2 a=-A
	[ "$3" = del ] && a=-D
	in_gw "$(ipt_cmd "$backend" "$fam" restore)" --noflush <<-EOF
	*raw
	$a PREROUTING -i gc -p tcp -m tcp --syn -j CT --notrack
	COMMIT
	*filter
	$a FORWARD -i gc -p tcp -m tcp --dport 8081 -m state --state UNTRACKED,INVALID -j SYNGATE --sack-perm --timestamp --wscale 3 --mss 1400
	$a FORWARD -i gc -p tcp -m state --state UNTRACKED,INVALID -m comment --comment sg-target-in
	$a FORWARD -i gc -p tcp -m state --state UNTRACKED,INVALID -j SYNGATE --sack-perm --timestamp --wscale 7 --mss 1460
	$a FORWARD -i gc -m state --state INVALID -j DROP
	COMMIT
	EOF
}

# rule_hits FAMILY BACKEND: packets counted by the rule in front of the
# catch-all target.
rule_hits() {
	in_gw "$(ipt_cmd "$2" "$1")" -L FORWARD -v -n -x 2>/dev/null |
		awk 'index($0, "sg-target-in") { print $1; f = 1; exit } END { if (!f) print 0 }'
}

# topo: the topology of tests/e2e/lib.sh (namespaces NS_C, NS_G, NS_S,
# the same links, addresses and routes, offloads off, forwarding on,
# nf_conntrack_tcp_loose=0 in the gateway), no rules. Made here with a
# few batched commands: e2e_setup's fifty-odd take close to a minute on
# this kernel. TOPO_TIMES: where its time went.
topo() {
	local ns t0 t1 t2
	t0=$EPOCHREALTIME
	e2e_teardown_ns
	E2E_TMP=$(mktemp -d /tmp/sg-stress.XXXXXX)
	modprobe nf_conntrack 2>/dev/null
	for ns in "$NS_C" "$NS_G" "$NS_S"; do
		ip netns add "$ns" || return 1
	done
	ip link add c0 netns "$NS_C" type veth peer name gc netns "$NS_G" || return 1
	ip link add gs netns "$NS_G" type veth peer name s0 netns "$NS_S" || return 1
	t1=$EPOCHREALTIME
	ip -n "$NS_C" -b - <<-EOF || return 1
	link set lo up
	addr add 198.18.1.2/24 dev c0
	addr add 2001:db8:1::2/64 dev c0 nodad
	link set c0 up
	route add default via 198.18.1.1
	route add ::/0 via 2001:db8:1::1
	EOF
	ip -n "$NS_G" -b - <<-EOF || return 1
	link set lo up
	addr add 198.18.1.1/24 dev gc
	addr add 2001:db8:1::1/64 dev gc nodad
	addr add 198.18.2.1/24 dev gs
	addr add 2001:db8:2::1/64 dev gs nodad
	link set gc up
	link set gs up
	route add 198.19.0.0/16 via 198.18.1.2
	route add 2001:db8:f::/48 via 2001:db8:1::2
	EOF
	ip -n "$NS_S" -b - <<-EOF || return 1
	link set lo up
	addr add 198.18.2.2/24 dev s0
	addr add 2001:db8:2::2/64 dev s0 nodad
	link set s0 up
	route add default via 198.18.2.1
	route add ::/0 via 2001:db8:2::1
	EOF
	# shellcheck disable=SC2016 # expanded in the namespace's shell
	ip netns exec "$NS_G" sh -c '
		for k in ipv4/ip_forward ipv6/conf/all/forwarding; do echo 1 > /proc/sys/net/$k; done
		echo 0 > /proc/sys/net/netfilter/nf_conntrack_tcp_loose
		ethtool -K gc tx off rx off && ethtool -K gs tx off rx off' > /dev/null || return 1
	ip netns exec "$NS_C" ethtool -K c0 tx off rx off > /dev/null || return 1
	ip netns exec "$NS_S" ethtool -K s0 tx off rx off > /dev/null || return 1
	# tcpfuzz sessions are flows the client's kernel has no socket for:
	# it must not reset them
	in_client iptables-nft-restore <<-EOF || return 1
	*filter
	-A OUTPUT -p tcp --sport 20000:29999 --tcp-flags RST RST -j DROP
	COMMIT
	EOF
	in_client ip6tables-nft-restore <<-EOF || return 1
	*filter
	-A OUTPUT -p tcp --sport 20000:29999 --tcp-flags RST RST -j DROP
	COMMIT
	EOF
	t2=$EPOCHREALTIME
	TOPO_TIMES=$(awk -v a="$t0" -v b="$t1" -v c="$t2" \
		'BEGIN { printf "namespaces+links %.0fs, addresses/routes/sysctls/rules %.0fs", b - a, c - b }')
}

# servers: tcpxfer (verifies 20000 bytes each way) on 8080 and a sink on
# 8081, both families.
servers() {
	local f
	for f in 4 6; do
		# shellcheck disable=SC2046
		ip netns exec "$NS_S" "$TCPXFER" server $(famopt $f) -l "$(srvaddr $f)" \
			-p 8080 -n 20000 -T 30000 >> "$WORK/srv$f.out" 2>&1 &
		BG_PIDS+=" $!"
		# shellcheck disable=SC2046
		ip netns exec "$NS_S" "$FUZZ" sink $(famopt $f) --port 8081 > /dev/null 2>&1 &
		BG_PIDS+=" $!"
	done
	sleep 1
}

# reap SECONDS PID...: wait for the PIDs (children of this shell) to end,
# at most SECONDS; then kill what is left, say so, and reap it.
BG_PIDS=""
reap() {
	local limit=$1 p left i
	shift
	for i in $(seq 1 $((limit * 5))); do
		left=""
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && left+=" $p"
		done
		[ -z "$left" ] && break
		sleep 0.2
		: "$i"
	done
	if [ -n "$left" ]; then
		say "still running after ${limit}s, killed:$left"
		# shellcheck disable=SC2086
		kill -9 $left 2>/dev/null
	fi
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
}

# xfer FAMILY [LOG]: one legitimate connection, 20000 bytes each way,
# verified; its output appended to LOG.
xfer() {
	# shellcheck disable=SC2046
	in_client "$TCPXFER" client $(famopt "$1") -c "$(srvaddr "$1")" -p 8080 \
		-n 20000 -T 60000 >> "${2:-$WORK/xfer.out}" 2>&1
}

# legit_start: for each family, legitimate clients until legit_stop:
# batches of STRESS_LEGIT_BATCH connections (one tcpxfer process each:
# process creation is dear on this kernel, dearer than a connection),
# STRESS_LEGIT_PAUSE seconds apart; legit_stop sets LEGIT_OK4/6 and
# LEGIT_BAD4/6 (a connection that failed, or did not happen in a batch
# that was interrupted, is lost).
LEGIT_PIDS=""
legit_start() {
	local f
	rm -f "$WORK/legit.stop" "$WORK"/legit?.count
	LEGIT_PIDS=""
	for f in 4 6; do
		(
			ok=0 bad=0
			while [ ! -e "$WORK/legit.stop" ]; do
				# shellcheck disable=SC2046
				out=$(in_client "$TCPXFER" client $(famopt "$f") -c "$(srvaddr "$f")" \
					-p 8080 -n 20000 -T 60000 -k "$STRESS_LEGIT_BATCH" 2>&1)
				echo "$out" >> "$WORK/legit$f.out"
				if [[ $out =~ summary\ ok=([0-9]+)\ fail=([0-9]+) ]]; then
					ok=$((ok + BASH_REMATCH[1]))
					bad=$((bad + BASH_REMATCH[2]))
				else
					bad=$((bad + STRESS_LEGIT_BATCH))
				fi
				if [[ $out = *FAIL* ]] || [[ ! $out =~ summary ]]; then
					echo "legit IPv$f client failed at $(date +%T)" >> "$WORK/legit$f.out"
				fi
				echo "$ok $bad" > "$WORK/legit$f.count"
				sleep "$STRESS_LEGIT_PAUSE"
			done
		) &
		LEGIT_PIDS+=" $!"
	done
}
legit_stop() {
	local f
	touch "$WORK/legit.stop"
	# shellcheck disable=SC2086
	wait $LEGIT_PIDS
	for f in 4 6; do
		read -r ok bad < <(cat "$WORK/legit$f.count" 2>/dev/null || echo "0 0")
		eval "LEGIT_OK$f=\${ok:-0} LEGIT_BAD$f=\${bad:-0}"
	done
}

# sessions_start: tcpfuzz sessions, IPv4 then IPv6, STRESS_SESSIONS of
# each per tcpfuzz process, STRESS_SESSION_PAUSE seconds between rounds,
# until sessions_stop; output in $WORK/sessions.out.
SESS_PID=""
sessions_start() {
	rm -f "$WORK/sess.stop"
	(
		base=20000
		while [ ! -e "$WORK/sess.stop" ]; do
			for f in 4 6; do
				# shellcheck disable=SC2046
				in_client "$FUZZ" sessions $(famopt "$f") --src "$(cliaddr "$f")" \
					--dst "$(srvaddr "$f")" --dport 8081 --count "$STRESS_SESSIONS" \
					--per "$STRESS_SESSION_SEGS" --sport-base "$base" \
					--seed "$base$f" >> "$WORK/sessions.out" 2>&1
			done
			base=$(( base + STRESS_SESSIONS >= 30000 - STRESS_SESSIONS ? 20000 : base + STRESS_SESSIONS ))
			[ -e "$WORK/sess.stop" ] || sleep "$STRESS_SESSION_PAUSE"
		done
	) &
	SESS_PID=$!
}
sessions_stop() {
	touch "$WORK/sess.stop"
	wait "$SESS_PID"
}

# flood_bg FAMILY RATE SEED: a hostile flood at RATE segments/s until
# killed; the pid in FLOOD_PIDS.
FLOOD_PIDS=""
flood_bg() {
	local mac
	mac=$(in_gw cat /sys/class/net/gc/address)
	# shellcheck disable=SC2046
	ip netns exec "$NS_C" "$FUZZ" flood $(famopt "$1") -i c0 --dmac "$mac" \
		--dst "$(srvaddr "$1")" --dport 8080 --src-net "$(floodnet "$1")" \
		--count 1000000000 --seconds 100000 --rate "$2" --pool 2048 \
		--seed "$3" >> "$WORK/floodbg.out" 2>&1 &
	FLOOD_PIDS+=" $!"
}
flood_stop() {
	# shellcheck disable=SC2086
	[ -n "$FLOOD_PIDS" ] && kill $FLOOD_PIDS 2>/dev/null
	# shellcheck disable=SC2086
	[ -n "$FLOOD_PIDS" ] && wait $FLOOD_PIDS 2>/dev/null
	FLOOD_PIDS=""
}

# sum_field PREFIX KEY FILE...: sum of KEY=value over the lines that start
# with PREFIX (0 if none, or no file)
sum_field() {
	local p=$1 k=$2
	shift 2
	cat "$@" 2>/dev/null | awk -v p="$p" -v k="$k=" 'index($0, p) == 1 {
		for (i = 1; i <= NF; i++)
			if (index($i, k) == 1) s += substr($i, length(k) + 1) }
		END { print s + 0 }'
}

stat_sum() { STAT_FILE=/proc/net/stat/syngate target_stats "$1"; }
gw_stats() {
	local c out=""
	for c in syn_received synack_sent cookie_valid cookie_invalid cookie_retrans \
			conn_established data_held drop_checksum drop_malformed drop_nomem drop_noroute; do
		out+=" $c=$(stat_sum $c)"
	done
	echo "${out# }"
}
netstat_if() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null || echo 0; }

# sampler_start SECONDS: every SECONDS, one "  sample" line (printed as it
# comes: the progress of a long flood can be followed on the host) with
# the packets each of the topology's links carried since the last line,
# the CPU time split (user, system, softirq, idle, from /proc/stat) and the
# processes that used the most CPU: where a part's time goes.
SAMPLER_PID=""
sampler_start() {
	(
		prev="" pcpu="" pproc=""
		while :; do
			cur="$(netstat_if "$NS_C" c0 tx_packets) $(netstat_if "$NS_G" gc tx_packets)"
			cur+=" $(netstat_if "$NS_G" gs tx_packets) $(netstat_if "$NS_S" s0 tx_packets)"
			cpu=$(awk '/^cpu / { print $2 + $3, $4, $7 + $8, $5 + $6 }' /proc/stat)
			procs=$(awk '{ f = FILENAME; sub(/^\/proc\//, "", f); sub(/\/stat$/, "", f)
				sub(/.*\) /, ""); print f, $12 + $13 }' /proc/[0-9]*/stat 2>/dev/null)
			if [ -n "$prev" ]; then
				pk=$(echo "$prev $cur" | awk '{ print $5 - $1, $6 - $2, $7 - $3, $8 - $4 }')
				cp=$(echo "$pcpu $cpu" | awk '{ print $5 - $1, $6 - $2, $7 - $3, $8 - $4 }')
				top=$( { echo "$pproc" | awk '{ print "old", $0 }'; echo "$procs"; } |
					awk '$1 == "old" { o[$2] = $3; next }
						{ d = $2 - o[$1]; if (d > 20) print d, $1 }' |
					sort -rn | head -n 4 | while read -r d pid; do
						printf '%s=%s ' "$(tr -d '\0' < "/proc/$pid/comm" 2>/dev/null)" "$d"
					done)
				echo "  sample $(date +%T) pkts c0>gc gc>c0 gs>s0 s0>gs: $pk; cpu ticks usr sys softirq idle: $cp; top: $top"
			fi
			prev=$cur pcpu=$cpu pproc=$procs
			sleep "$1"
		done
	) 2>/dev/null &
	SAMPLER_PID=$!
}
sampler_stop() {
	[ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
	SAMPLER_PID=""
}

# perf_start / perf_report: with STRESS_PERF=SECONDS (and perf in the
# guest: tests/stress/run.sh adds it then), a system-wide profile of that
# many seconds of the fuzz flood, STRESS_PERF_DELAY (default 20) seconds
# after it starts; perf_report prints where the kernel's time went, by
# symbol, self and with children. A diagnostic: it slows the flood down.
PERF_PID=""
perf_start() {
	[ "${STRESS_PERF:-0}" -gt 0 ] || return 0
	if ! command -v perf > /dev/null; then
		say "perf: STRESS_PERF set but no perf in the guest"
		return 0
	fi
	echo 0 > /proc/sys/kernel/kptr_restrict 2>/dev/null
	echo -1 > /proc/sys/kernel/perf_event_paranoid 2>/dev/null
	(
		sleep "${STRESS_PERF_DELAY:-20}"
		perf record -q -a -g -F 199 -e cpu-clock -o "$WORK/perf.data" \
			-- sleep "$STRESS_PERF"
	) > "$WORK/perf.log" 2>&1 &
	PERF_PID=$!
}
perf_report() {
	[ -n "$PERF_PID" ] || return 0
	wait "$PERF_PID"
	PERF_PID=""
	# into files first: perf report does not like a closed pipe
	perf report -i "$WORK/perf.data" --stdio --no-children -g none \
		--sort sym --percent-limit 0.4 > "$WORK/perf.self" 2>/dev/null
	perf report -i "$WORK/perf.data" --stdio --children -g none \
		--sort sym --percent-limit 1 > "$WORK/perf.children" 2>/dev/null
	say "perf: ${STRESS_PERF}s of the flood, self:"
	grep -v -e '^#' -e '^$' "$WORK/perf.self" | head -n 60 | sed 's/^/  perf self /'
	perf report -i "$WORK/perf.data" --stdio --no-children --sort sym \
		-g graph,2,callee --percent-limit 4 --max-stack 12 > "$WORK/perf.callers" 2>/dev/null
	say "perf: callers of the top symbols:"
	grep -v -e '^#' -e '^$' "$WORK/perf.callers" | head -n 200 | sed 's/^/  perf callers /'
	say "perf: with children:"
	grep -v -e '^#' -e '^$' "$WORK/perf.children" | head -n 100 | sed 's/^/  perf children /'
	tail -n 5 "$WORK/perf.log" | sed 's/^/  perf log /'
	rm -f "$WORK/perf.data"
}

# ---------------------------------------------------------------- e2e
part_e2e() {
	local t0 rc c
	# Same scenarios, smaller volumes: see the head of this file.
	export E2E_BACKENDS=${E2E_BACKENDS:-nft}
	export E2E_TARGETS=${E2E_TARGETS:-SYNGATE}
	export E2E_FLOOD_SYNS=${E2E_FLOOD_SYNS:-5000}
	export E2E_FLOOD_SECONDS=${E2E_FLOOD_SECONDS:-240}
	export E2E_ACKFLOOD=${E2E_ACKFLOOD:-2000}
	export E2E_LOSSY_BYTES=${E2E_LOSSY_BYTES:-1048576}
	export E2E_LOSSY_TIMEOUT=${E2E_LOSSY_TIMEOUT:-300}
	t0=$(now)
	if [ "$STRESS_E2E_COMBOS" = all ]; then
		bash tests/e2e/run.sh > "$WORK/e2e.out" 2>&1
		rc=$?
	else
		# chosen family/hook pairs, one run of the suite each
		rc=0
		: > "$WORK/e2e.out"
		for c in $STRESS_E2E_COMBOS; do
			E2E_FAMILIES=${c%/*} E2E_HOOKS=${c#*/} bash tests/e2e/run.sh \
				>> "$WORK/e2e.out" 2>&1 || rc=$?
		done
	fi
	cat "$WORK/e2e.out"
	# its PASS/FAIL lines are the results; count them here too
	PASSED=$((PASSED + $(grep -c '^PASS' "$WORK/e2e.out")))
	FAILED=$((FAILED + $(grep -c '^FAIL' "$WORK/e2e.out")))
	SKIPPED=$((SKIPPED + $(grep -c '^SKIP' "$WORK/e2e.out")))
	if [ "$rc" != 0 ] && ! grep -q '^FAIL' "$WORK/e2e.out"; then
		sfail "e2e: tests/e2e/run.sh exited $rc without a FAIL line"
	fi
	if ! grep -q '^PASS' "$WORK/e2e.out"; then
		sfail "e2e: the suite passed nothing"
	fi
	say "e2e: suite took $(( $(now) - t0 ))s"
}

# ---------------------------------------------------------------- fuzz
part_fuzz() {
	local f t0 secs mac r=0 pids="" rx0 rx1 dr0 dr1 h0_4 h0_6 h1_4 h1_6
	local segs frames dropped whole hits acc so ss sess_tried ok4 ok6 bad4 bad6
	if ! topo || ! rules 4 nft add || ! rules 6 nft add; then
		sfail "fuzz: cannot set up the topology and rules"
		return
	fi
	say "fuzz: topology: $TOPO_TIMES"
	servers
	# The SYN-ACKs to 7/8 of the spoofed sources die at the gateway's
	# routing (blackhole routes, more specific than the flood nets' route
	# to the client side): built in full, not sent, counted in
	# drop_noroute. That halves the cost of a SYN on this kernel; the
	# other 1/8 and the sessions' and legitimate ones go all the way.
	in_gw ip route add blackhole 198.19.0.0/17
	in_gw ip route add blackhole 198.19.128.0/18
	in_gw ip route add blackhole 198.19.192.0/19
	in_gw ip -6 route add blackhole 2001:db8:f::/49
	in_gw ip -6 route add blackhole 2001:db8:f:8000::/50
	in_gw ip -6 route add blackhole 2001:db8:f:c000::/51
	mac=$(in_gw cat /sys/class/net/gc/address)
	rx0=$(netstat_if "$NS_G" gc rx_packets)
	dr0=$(netstat_if "$NS_C" c0 tx_dropped)
	h0_4=$(rule_hits 4 nft)
	h0_6=$(rule_hits 6 nft)
	sampler_start "${STRESS_SAMPLE:-60}"
	[ "${STRESS_FUZZ_LEGIT:-1}" = 1 ] && legit_start
	[ "${STRESS_FUZZ_SESSIONS:-1}" = 1 ] && sessions_start
	t0=$(now)
	# One sender per vCPU: the gateway does a frame's work in the
	# sender's softirq, on the sender's CPU.
	for f in 4 6; do
		# shellcheck disable=SC2046
		ip netns exec "$NS_C" $(pin $((f == 4 ? 0 : 1))) "$FUZZ" flood $(famopt $f) \
			-i c0 --dmac "$mac" --dst "$(srvaddr $f)" --dport 8080 \
			--src-net "$(floodnet $f)" --count $(( (STRESS_FUZZ + 1) / 2 )) \
			--seconds "$STRESS_FUZZ_SECONDS" --batch "${STRESS_FUZZ_BATCH:-64}" \
			--seed $((f * 7919)) > "$WORK/fuzz$f.out" 2>&1 &
		pids+=" $!"
	done
	perf_start
	for f in $pids; do
		wait "$f" || r=$?
	done
	secs=$(( $(now) - t0 ))
	perf_report
	[ "${STRESS_FUZZ_SESSIONS:-1}" = 1 ] && sessions_stop
	[ "${STRESS_FUZZ_LEGIT:-1}" = 1 ] && legit_stop
	sampler_stop
	sleep 2		# let the gateway's backlog drain into the counters
	rx1=$(netstat_if "$NS_G" gc rx_packets)
	dr1=$(netstat_if "$NS_C" c0 tx_dropped)
	h1_4=$(rule_hits 4 nft)
	h1_6=$(rule_hits 6 nft)
	cat "$WORK"/fuzz?.out | sed 's/^/  /'
	segs=$(sum_field "tcpfuzz flood" segments "$WORK"/fuzz?.out)
	frames=$(sum_field "tcpfuzz flood" frames "$WORK"/fuzz?.out)
	dropped=$(sum_field "tcpfuzz flood" dropped "$WORK"/fuzz?.out)
	whole=$(sum_field "tcpfuzz flood" whole "$WORK"/fuzz?.out)
	hits=$(( h1_4 - h0_4 + h1_6 - h0_6 ))
	acc=$(( rx1 - rx0 ))
	sess_tried=$(sum_field "tcpfuzz sessions" tried "$WORK/sessions.out")
	so=$(sum_field "tcpfuzz sessions" opened "$WORK/sessions.out")
	ss=$(sum_field "tcpfuzz sessions" segments "$WORK/sessions.out")
	ok4=$LEGIT_OK4 ok6=$LEGIT_OK6 bad4=$LEGIT_BAD4 bad6=$LEGIT_BAD6
	say "fuzz: flood ${secs}s: segments=$segs (IPv4 $(sum_field "tcpfuzz flood" segments "$WORK/fuzz4.out"), IPv6 $(sum_field "tcpfuzz flood" segments "$WORK/fuzz6.out")) frames=$frames refused_by_veth=$dropped ($((dr1 - dr0)) by its counter) whole=$whole"
	say "fuzz: gateway: gc took $acc frames; the rule in front of the target saw $hits segments (IPv4 $((h1_4 - h0_4)), IPv6 $((h1_6 - h0_6))) = $(( whole ? hits * 100 / whole : 0 ))% of the whole ones"
	say "fuzz: gateway /proc/net/stat/syngate: $(gw_stats)"
	say "fuzz: gateway conntrack entries now: $(ct_count)"
	say "fuzz: sessions: $so of $sess_tried opened, $ss hostile in-window segments on them"
	say "fuzz: hostile segments in all: $((segs + ss)) ($segs flood, $ss on proxied sessions)"
	say "fuzz: legitimate connections: IPv4 ok=$ok4 lost=$bad4, IPv6 ok=$ok6 lost=$bad6"
	if [ "$r" != 0 ] || [ "$segs" = 0 ]; then
		sfail "fuzz: tcpfuzz flood failed (exit $r)"
	elif [ "$segs" -lt "$STRESS_FUZZ_MIN" ]; then
		sfail "fuzz: only $segs hostile segments in the ${STRESS_FUZZ_SECONDS}s allowed, $STRESS_FUZZ_MIN wanted"
	elif [ "$segs" -lt "$STRESS_FUZZ" ]; then
		spass "fuzz: flood: $segs hostile segments in ${secs}s ($(( segs / (secs ? secs : 1) ))/s; the ${STRESS_FUZZ_SECONDS}s time box ended it before $STRESS_FUZZ, >= $STRESS_FUZZ_MIN wanted)"
	else
		spass "fuzz: flood: $segs hostile segments in ${secs}s ($(( segs / (secs ? secs : 1) ))/s)"
	fi
	if [ "$acc" -lt $(( (frames - dropped) * 99 / 100 )) ]; then
		sfail "fuzz: delivery: the gateway's veth took $acc frames, the sender counted $((frames - dropped)) delivered"
	elif [ "$whole" = 0 ] || [ "$hits" -lt $(( whole * 9 / 10 )) ]; then
		sfail "fuzz: delivery: the rule in front of SYNGATE saw $hits segments, < 90% of the $whole whole ones sent"
	else
		spass "fuzz: delivery: gateway took $acc frames (sender: $((frames - dropped))); $hits segments reached the target's rule (>= 90% of $whole whole)"
	fi
	if [ "${so:-0}" = 0 ]; then
		sfail "fuzz: sessions: none of $sess_tried hand-made sessions opened"
		tail -n 5 "$WORK/sessions.out" | sed 's/^/  | /'
	else
		spass "fuzz: sessions: $so proxied sessions opened (of $sess_tried), $ss hostile in-window segments on them"
	fi
	if [ "$ok4" = 0 ] || [ "$ok6" = 0 ] || [ "$bad4" != 0 ] || [ "$bad6" != 0 ]; then
		sfail "fuzz: legitimate connections: IPv4 ok=$ok4 lost=$bad4, IPv6 ok=$ok6 lost=$bad6 (each family needs > 0 and none lost)"
		grep -h -B 3 'legit IPv. client failed' "$WORK"/legit?.out 2>/dev/null | head -n 20 | sed 's/^/  | /'
		tail -n 5 "$WORK"/srv?.out | sed 's/^/  | /'
	else
		spass "fuzz: legitimate connections during the flood: $((ok4 + ok6)) (IPv4 $ok4, IPv6 $ok6), 0 lost, every byte verified"
	fi
	e2e_teardown
	# shellcheck disable=SC2086
	reap 30 $BG_PIDS
	BG_PIDS=""
}

# ---------------------------------------------------------------- modcycle
mod_loaded() { [ -d /sys/module/xt_SYNGATE ]; }
mod_refcnt() { cat /sys/module/xt_SYNGATE/refcnt 2>/dev/null || echo -1; }

# rmmod_retry SECONDS: rule removal releases the module asynchronously
# (nft frees its rules after the transaction): retry for a while.
rmmod_retry() {
	local i
	for i in $(seq 1 $(($1 * 10))); do
		rmmod xt_SYNGATE 2>/dev/null && return 0
		sleep 0.1
		: "$i"
	done
	rmmod xt_SYNGATE
}

part_modcycle() {
	local i f backend prev=nft rounds=0 held=0 removed=0 conn=0 connbad=0 inflight=0
	local t0 fails="" refc
	if ! topo || ! rules 4 nft add || ! rules 6 nft add; then
		sfail "modcycle: cannot set up the topology and rules"
		return
	fi
	servers
	FLOOD_PIDS=""
	flood_bg 4 "$STRESS_FLOOD_RATE" 11
	flood_bg 6 "$STRESS_FLOOD_RATE" 13
	t0=$(now)
	for i in $(seq 1 "$STRESS_MODCYCLES"); do
		# a rule in use holds the module
		refc=$(mod_refcnt)
		if rmmod xt_SYNGATE 2>/dev/null || ! mod_loaded; then
			fails+=" round $i: rmmod succeeded with rules present;"
			break
		fi
		if [ "$refc" -le 0 ]; then
			fails+=" round $i: refcount $refc with rules present;"
			break
		fi
		held=$((held + 1))
		# a proxied transfer in flight across the removal (not judged:
		# its proxy goes away under it)
		# shellcheck disable=SC2046
		in_client "$TCPXFER" client $(famopt $((i % 2 ? 4 : 6))) \
			-c "$(srvaddr $((i % 2 ? 4 : 6)))" -p 8081 -n 5000000 -T 5000 \
			> /dev/null 2>&1 &
		BG_PIDS+=" $!"
		inflight=$((inflight + 1))
		sleep 1
		if ! rules 4 "$prev" del || ! rules 6 "$prev" del; then
			fails+=" round $i: cannot delete the $prev rules;"
			break
		fi
		if ! rmmod_retry 20 || mod_loaded; then
			fails+=" round $i: rmmod failed with no rule left (refcount $(mod_refcnt));"
			break
		fi
		removed=$((removed + 1))
		backend=$([ $((i % 2)) = 0 ] && echo nft || echo legacy)
		# every other pair of rounds: explicit modprobe; else the
		# first rule autoloads it
		if [ $((i % 4)) -lt 2 ] && ! modprobe xt_SYNGATE; then
			fails+=" round $i: modprobe failed;"
			break
		fi
		if ! rules 4 "$backend" add || ! rules 6 "$backend" add || ! mod_loaded; then
			fails+=" round $i: the $backend rules did not come back;"
			break
		fi
		prev=$backend
		for f in 4 6; do
			if xfer "$f" "$WORK/modcli.out"; then
				conn=$((conn + 1))
			else
				connbad=$((connbad + 1))
				echo "modcycle round $i: IPv$f connection failed" >> "$WORK/modcli.out"
			fi
		done
		rounds=$((rounds + 1))
		say "modcycle: round $i ($backend, $([ $((i % 4)) -lt 2 ] && echo modprobe || echo autoload)) done at $(( $(now) - t0 ))s"
	done
	flood_stop
	say "modcycle: $rounds rounds in $(( $(now) - t0 ))s; flood during them: $(sum_field "tcpfuzz flood" segments "$WORK/floodbg.out") hostile segments"
	say "modcycle: gateway /proc/net/stat/syngate (since the last load): $(gw_stats)"
	e2e_teardown
	# shellcheck disable=SC2086
	reap 30 $BG_PIDS
	BG_PIDS=""
	# the module goes cleanly at the end, as in an upgrade
	if ! rmmod_retry 30 || mod_loaded; then
		fails+=" at the end: rmmod failed with every rule gone (refcount $(mod_refcnt));"
	fi
	if [ -n "$fails" ]; then
		sfail "modcycle:$fails ($rounds rounds done)"
	elif [ "$connbad" != 0 ] || [ "$conn" = 0 ]; then
		sfail "modcycle: $connbad of $((conn + connbad)) connections after a reload failed"
		grep -B 3 'connection failed' "$WORK/modcli.out" | head -n 20 | sed 's/^/  | /'
	else
		spass "modcycle: $rounds rounds under a hostile flood: rmmod refused with rules present $held times (refcount > 0), rmmod + reload $removed times (backends alternating, modprobe and autoload), $inflight proxied transfers in flight across a removal, $conn connections after reloads ok, 0 lost"
	fi
}

# ---------------------------------------------------------------- netns
slab_objs() { # live objects of a slab cache (slab_nomerge keeps it apart)
	# flush the per-CPU slabs first, or their free objects count as used
	echo 1 > "/sys/kernel/slab/$1/shrink" 2>/dev/null
	awk -v c="$1" '$1 == c { print $2; f = 1 } END { if (!f) print -1 }' /proc/slabinfo
}

# ns_destroy NS...: delete the namespaces' names while their traffic
# flows, then kill every process still in them (found by the namespace's
# inode, /proc/PID/ns/net -> net:[INODE]: the names are gone by then).
ns_destroy() {
	local ns inodes="" i
	for ns in "$@"; do
		inodes+=" $(stat -L -c %i "/run/netns/$ns" 2>/dev/null)"
	done
	for ns in "$@"; do
		ip netns del "$ns"
	done
	for i in 1 2 3; do
		# ls -l, not find -printf: busybox's find has no -printf
		# shellcheck disable=SC2046,SC2012
		kill -9 $(ls -l /proc/[0-9]*/ns/net 2>/dev/null |
			awk -v want=" $inodes " '{ t = $NF; gsub(/[^0-9]/, "", t)
				if (t != "" && index(want, " " t " ")) {
					split($(NF - 2), a, "/"); print a[3] } }') 2>/dev/null
		sleep 0.2
		: "$i"
	done
}

part_netns() {
	local i f backend ns0 ct0 ns1 ct1 live=0 conns=0 bad=0 t0 t1 left sess=0 waited r0 r1 n
	local saved_c=$NS_C saved_g=$NS_G saved_s=$NS_S
	# the baseline: namespaces of earlier parts may still be on their
	# way out (cleanup_net is slow here): wait until the count settles
	ns0=$(slab_objs net_namespace)
	n=0	# seconds the count has not changed
	for i in $(seq 1 180); do
		[ "$ns0" = 0 ] || [ "$n" -ge 10 ] && break
		sleep 1
		if [ "$(slab_objs net_namespace)" = "$ns0" ]; then
			n=$((n + 1))
		else
			ns0=$(slab_objs net_namespace) n=0
		fi
		: "$i"
	done
	ct0=$(slab_objs nf_conntrack)
	t0=$(now)
	for i in $(seq 1 "$STRESS_NETNS"); do
		NS_C="sg-n$i-c" NS_G="sg-n$i-g" NS_S="sg-n$i-s"
		backend=$([ $((i % 2)) = 0 ] && echo nft || echo legacy)
		r0=$(now)
		if ! topo || ! rules 4 "$backend" add || ! rules 6 "$backend" add; then
			echo "netns round $i: topology or $backend rules failed" >> "$WORK/nscli.out"
			bad=$((bad + 1))
			ns_destroy "$NS_C" "$NS_G" "$NS_S"
			continue
		fi
		servers
		FLOOD_PIDS=""
		for f in 4 6; do
			if xfer "$f" "$WORK/nscli.out"; then
				conns=$((conns + 1))
			else
				bad=$((bad + 1))
				echo "netns round $i: IPv$f connection failed" >> "$WORK/nscli.out"
			fi
			# hand-made sessions left open, proxied transfers and a
			# flood in flight when the namespaces go
			# shellcheck disable=SC2046
			in_client "$FUZZ" sessions $(famopt $f) --src "$(cliaddr $f)" \
				--dst "$(srvaddr $f)" --dport 8081 --count 3 --per 20 \
				--seed "$i$f" >> "$WORK/nssess.out" 2>&1
			# shellcheck disable=SC2046
			in_client "$TCPXFER" client $(famopt $f) -c "$(srvaddr $f)" -p 8081 \
				-n 200000000 -T 60000 > /dev/null 2>&1 &
			BG_PIDS+=" $!"
			flood_bg "$f" "$STRESS_FLOOD_RATE" "$i$f"
			BG_PIDS+=" $!"
		done
		sleep 3
		n=$(ct_count)
		live=$((live + n))
		r1=$(now)
		ns_destroy "$NS_C" "$NS_G" "$NS_S"
		# shellcheck disable=SC2086
		reap 30 $BG_PIDS
		BG_PIDS=""
		FLOOD_PIDS=""
		rm -rf "$E2E_TMP"
		E2E_TMP=""
		say "netns: round $i ($backend): $((r1 - r0))s up (topology: $TOPO_TIMES), $n conntrack entries live, destroyed in $(( $(now) - r1 ))s"
	done
	NS_C=$saved_c NS_G=$saved_g NS_S=$saved_s
	sess=$(sum_field "tcpfuzz sessions" opened "$WORK/nssess.out")
	t1=$(now)
	# namespaces are freed by a workqueue, slowly on this kernel
	for waited in $(seq 0 300); do
		ns1=$(slab_objs net_namespace)
		ct1=$(slab_objs nf_conntrack)
		[ "$ns1" -le "$ns0" ] && [ "$ct1" -le "$ct0" ] && break
		sleep 1
	done
	left=$(ip netns list | grep -c '^sg-n')
	say "netns: $STRESS_NETNS rounds in $((t1 - t0))s; net_namespace objects: before $ns0, after $ns1; nf_conntrack objects: before $ct0, after $ct1 (after ${waited}s)"
	say "netns: module refcount now $(mod_refcnt); $sess hand-made sessions open at destruction; $live conntrack entries live at destruction"
	if [ "$bad" != 0 ]; then
		sfail "netns: $bad failures in $STRESS_NETNS rounds"
		grep 'failed' "$WORK/nscli.out" | head -n 10 | sed 's/^/  | /'
	elif [ "$left" != 0 ] || [ "$ns1" -gt "$ns0" ]; then
		sfail "netns: $((ns1 - ns0)) network namespaces not freed ${waited}s after $STRESS_NETNS rounds ($left still named)"
	elif [ "$ct1" -gt "$ct0" ]; then
		sfail "netns: $((ct1 - ct0)) conntrack entries left ${waited}s after $STRESS_NETNS rounds"
	elif mod_loaded && [ "$(mod_refcnt)" != 0 ]; then
		sfail "netns: the module's refcount is $(mod_refcnt) with every namespace gone"
	elif mod_loaded && ! rmmod_retry 10; then
		sfail "netns: rmmod failed with every namespace gone"
	else
		spass "netns: $STRESS_NETNS rounds: 3 namespaces each destroyed with rules of both families, proxied transfers, $sess hand-made sessions and floods in flight ($live conntrack entries live), $conns connections ok, 0 lost; all freed (${waited}s), module unloaded"
	fi
}

# ---------------------------------------------------------------- main
[ -x "$FUZZ" ] || { echo "FAIL stress: $FUZZ not built"; echo "0 passed, 1 failed"; exit 1; }
sg_log_start
parts=${*:-e2e fuzz modcycle netns}
for p in $parts; do
	ts=$(now)
	say "part $p"
	"part_$p"
	say "part $p took $(( $(now) - ts ))s"
	sg_part_reports "part $p"
done
sg_kernel_verdict "$parts" > "$WORK/verdict" 2>&1
cat "$WORK/verdict"
PASSED=$((PASSED + $(grep -c '^PASS' "$WORK/verdict")))
FAILED=$((FAILED + $(grep -c '^FAIL' "$WORK/verdict")))
SKIPPED=$((SKIPPED + $(grep -c '^SKIP' "$WORK/verdict")))
rm -rf "$WORK"
summary="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && summary+=", $SKIPPED skipped"
echo "$summary"
[ "$FAILED" = 0 ]
