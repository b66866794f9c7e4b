#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make bench` (scripts/bench.sh boots the VM and runs
# this, then turns its BENCH lines into tables, CSV, ratios and a plot).
#
# Topology (four network namespaces, names bn-*):
#
#   client bn-c  c0 198.18.1.2 ---- gc  198.18.1.1 \
#   flood  bn-f  f0 198.18.3.2 ---- gcf 198.18.3.1  [gateway bn-g]  gs 198.18.2.1 ---- s0 198.18.2.2  server bn-s
#                              sink (dummy): 198.19.0.0/16 via 198.18.9.2
#
# The flood (tests/bench/floodgen: AF_PACKET frames, spoofed sources in
# 198.19.0.0/16) comes from its own namespace and veth.  SYN-ACKs to the
# spoofed sources are routed to a dummy device and counted by its tx
# counter: the same counter for every configuration, no rule to pay for.
#
# CPUs: the generator, the client and the server processes run on CPU 0;
# RPS steers every packet the gateway receives (gc, gcf, gs) to CPU 1, and
# every packet the client and server receive to CPU 0.  So CPU 1 does the
# gateway's work and nothing else, and its busy time in /proc/stat is the
# gateway's cost.  In configuration (c) the server's own SYN-cookie work is
# the defence, so there the server's receive path is steered to CPU 1 too.
#
# Configurations:
#   a  SYNGATE  on FORWARD (SYNPROXY man page ruleset)
#   b  SYNPROXY on FORWARD, same ruleset and options
#   c  no proxy: plain router, server listener with tcp_syncookies=2
#   d  no target: stateful router (conntrack, INVALID dropped), for the
#      established-path figures
#
# Env (all optional): BENCH_CONFIGS (abc), BENCH_BULK_CONFIGS (abd),
# BENCH_RATES ("2000 5000 0"; 0 = as fast as the generator can),
# BENCH_REPS (3), BENCH_SECONDS (flood seconds per run, 5),
# BENCH_BULK_BYTES (each way, 33554432), BENCH_MEM_SYNS (1000000; 0 skips),
# BENCH_PROFILE (1 if perf exists), BENCH_PROFILE_SECONDS (6),
# BENCH_BACKEND (nft|legacy, nft), BENCH_BATCH (floodgen batch, 256),
# BENCH_LEGIT_GAP (seconds between legitimate connections, 0.2).
# Output: "BENCH ..." key=value lines, "PROFILE ..." blocks.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLOODGEN=$HERE/floodgen
CONFIGS=${BENCH_CONFIGS-abc}	# set but empty: none
BULK_CONFIGS=${BENCH_BULK_CONFIGS-abd}
RATES=${BENCH_RATES:-2000 5000 0}
REPS=${BENCH_REPS:-3}
SECS=${BENCH_SECONDS:-5}
BULK=${BENCH_BULK_BYTES:-33554432}
MEMSYNS=${BENCH_MEM_SYNS:-1000000}
BACKEND=${BENCH_BACKEND:-nft}
BATCH=${BENCH_BATCH:-256}
PSECS=${BENCH_PROFILE_SECONDS:-6}
LEGIT_GAP=${BENCH_LEGIT_GAP:-0.2}
PERF=$(command -v perf 2>/dev/null || true)
PROFILE=${BENCH_PROFILE:-$([ -n "$PERF" ] && echo 1 || echo 0)}
OPTS="--sack-perm --timestamp --wscale 7 --mss 1460"
PORT=8080
IPT=iptables-$BACKEND
TMPD=$(mktemp -d /tmp/bench.XXXXXX)
NS_C=bn-c NS_G=bn-g NS_S=bn-s NS_F=bn-f
SRV_PID=""

log() { echo "bench: $*" >&2; }
in_c() { ip netns exec $NS_C "$@"; }
in_g() { ip netns exec $NS_G "$@"; }
in_s() { ip netns exec $NS_S "$@"; }
in_f() { ip netns exec $NS_F "$@"; }
nsys() { ip netns exec "$1" sysctl -q -w "$2" >/dev/null 2>&1; }

[ -x "$FLOODGEN" ] || { echo "bench: no $FLOODGEN (scripts/bench.sh builds it)" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs" >&2; exit 2; }

# rps NS DEV MASK
rps() { in_"$1" sh -c "echo $3 > /sys/class/net/$2/queues/rx-0/rps_cpus"; }

teardown() {
	local ns pids
	stop_server
	for ns in $NS_C $NS_G $NS_S $NS_F; do
		[ -e /run/netns/$ns ] || continue
		pids=$(ip netns pids $ns 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del $ns 2>/dev/null
	done
	sleep 0.3
}

# setup CONFIG
setup() {
	local cfg=$1 ns dev
	teardown
	for ns in $NS_C $NS_G $NS_S $NS_F; do
		ip netns add $ns
		ip netns exec $ns ip link set lo up
	done
	ip link add c0 netns $NS_C type veth peer name gc netns $NS_G
	ip link add f0 netns $NS_F type veth peer name gcf netns $NS_G
	ip link add gs netns $NS_G type veth peer name s0 netns $NS_S
	in_g ip link add sink type dummy
	# No offloads: the gateway sees wire-sized segments, as a router
	# does. With GSO on, the endpoints' superpackets were segmented on
	# the gateway's CPU and freed there, so their senders' TSQ tasklets
	# ran there too: the bulk figures then charged the endpoints' TCP
	# work to the gateway.
	for dev in c:c0 g:gc g:gcf g:gs s:s0 f:f0; do
		in_"${dev%%:*}" ethtool -K "${dev#*:}" tx off rx off gso off tso off gro off \
			>/dev/null 2>&1
	done
	in_c ip addr add 198.18.1.2/24 dev c0
	in_g ip addr add 198.18.1.1/24 dev gc
	in_g ip addr add 198.18.3.1/24 dev gcf
	in_g ip addr add 198.18.2.1/24 dev gs
	in_s ip addr add 198.18.2.2/24 dev s0
	in_f ip addr add 198.18.3.2/24 dev f0
	in_c ip link set c0 up
	in_f ip link set f0 up
	in_s ip link set s0 up
	for dev in gc gcf gs sink; do in_g ip link set $dev up; done
	in_c ip route add default via 198.18.1.1
	in_s ip route add default via 198.18.2.1
	in_f ip route add default via 198.18.3.1
	# Through a next hop, as on a real router: a device route would make
	# one neighbour entry (and a netlink event) per spoofed address.
	in_g ip addr add 198.18.9.1/24 dev sink
	in_g ip route add 198.19.0.0/16 via 198.18.9.2 dev sink
	# Known bias of the bulk figures: the gateway's ip_rcv() orphans the
	# endpoints' segments, so their TCP small-queue completions run on the
	# gateway CPU, and a throttled socket's tasklet transmits from there
	# (~8% of its samples). tcp_limit_output_bytes does not prevent it
	# (the pacing-rate term of the limit is smaller); a relay namespace
	# on each side would.
	nsys $NS_G net.ipv4.ip_forward=1
	nsys $NS_G net.ipv4.conf.all.rp_filter=0
	nsys $NS_G net.ipv4.conf.default.rp_filter=0
	for dev in gc gcf gs; do rps g $dev 2; done
	rps c c0 1
	if [ "$cfg" = c ]; then rps s s0 2; else rps s s0 1; fi
	# Resolve neighbours now, not during the first measurement.
	in_c ping -c 1 -W 2 198.18.1.1 >/dev/null 2>&1
	in_s ping -c 1 -W 2 198.18.2.1 >/dev/null 2>&1
	in_f ping -c 1 -W 2 198.18.3.1 >/dev/null 2>&1
	GW_MAC=$(in_g cat /sys/class/net/gcf/address)

	case $cfg in
	a|b)
		local tgt=SYNGATE
		[ "$cfg" = b ] && tgt=SYNPROXY
		in_g $IPT -t raw -A PREROUTING -i gc+ -p tcp --syn --dport $PORT -j CT --notrack || return 1
		# shellcheck disable=SC2086
		in_g $IPT -A FORWARD -i gc+ -p tcp --dport $PORT -m state --state UNTRACKED,INVALID \
			-j $tgt $OPTS || return 1
		in_g $IPT -A FORWARD -i gc+ -m state --state INVALID -j DROP || return 1
		;;
	c)
		nsys $NS_S net.ipv4.tcp_syncookies=2
		;;
	d)
		in_g $IPT -A FORWARD -m state --state INVALID -j DROP || return 1
		;;
	esac
	if [ "$cfg" != c ]; then
		in_g conntrack -C >/dev/null 2>&1
		nsys $NS_G net.netfilter.nf_conntrack_tcp_loose=0 ||
			log "cannot set nf_conntrack_tcp_loose=0"
	fi
	return 0
}

# start_server BYTES [COUNT]
start_server() {
	stop_server
	ip netns exec $NS_S taskset -c 0 tcpxfer server -l 198.18.2.2 -p $PORT -n "$1" ${2:+-k $2} \
		> "$TMPD/server.out" 2>&1 &
	SRV_PID=$!
	sleep 0.3
}

stop_server() {
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=""
	fi
}

# cpu_snap N: busy ticks of CPU N (user nice system irq softirq steal:
# sampled at the timer tick), then its system, softirq and idle+iowait
# ticks (idle is time-stamped by nohz, so window - idle is the better
# busy figure under emulation).
cpu_snap() {
	awk -v c="cpu$1" '$1 == c { print $2+$3+$4+$7+$8+$9, $4, $8, $5+$6 }' /proc/stat
}

dev_stat() { in_"$1" cat "/sys/class/net/$2/statistics/$3"; }

# Packets dropped at the input backlog (all CPUs: the generator's enqueue
# onto CPU 1's backlog counts on CPU 1's line).
backlog_drops() {
	local sum=0 x
	for x in $(awk '{ print $2 }' /proc/net/softnet_stat); do
		sum=$((sum + 16#$x))
	done
	echo $sum
}

# wall clock with centiseconds (busybox date has no %N)
now() { cut -d" " -f1 /proc/uptime; }

# legit_loop: in the client namespace, on CPU 0, one verified connection
# (1 KiB each way) every LEGIT_GAP seconds until $TMPD/stop exists; each
# prints "client: ok connect_us=N ..." or "client: FAIL ...".
legit_start() {
	rm -f "$TMPD/stop"
	ip netns exec $NS_C taskset -c 0 bash -c "
		while [ ! -e $TMPD/stop ]; do
			tcpxfer client -c 198.18.2.2 -p $PORT -n 1024 -T 3000 2>&1 | grep '^client:'
			sleep $LEGIT_GAP
		done" > "$TMPD/cl.out" 2>&1 &
	LEGIT_PID=$!
}

legit_stop() {
	touch "$TMPD/stop"
	wait "$LEGIT_PID" 2>/dev/null
}

# legit_summary: ok=N fail=N p50_us=N p99_us=N (nearest rank)
legit_summary() {
	local ok fail
	ok=$(grep -c '^client: ok' "$TMPD/cl.out")
	fail=$(grep -c '^client: FAIL' "$TMPD/cl.out")
	sed -n 's/^client: ok connect_us=\([0-9]*\).*/\1/p' "$TMPD/cl.out" | sort -n |
		awk -v ok="$ok" -v fail="$fail" '
		{ v[NR] = $1 }
		function pct(p,   r) { r = int((NR * p + 99) / 100); if (r < 1) r = 1; return v[r] }
		END { printf "ok=%d fail=%d p50_us=%d p99_us=%d", ok, fail, NR ? pct(50) : 0, NR ? pct(99) : 0 }'
}

# flood_run CFG RATE REP
flood_run() {
	local cfg=$1 rate=$2 rep=$3 c1a c1b c0a c0b sa sb ra rb da db t0 t1 fg
	legit_start
	sleep 0.5
	c1a=$(cpu_snap 1); c0a=$(cpu_snap 0)
	sa=$(dev_stat g sink tx_packets); ra=$(dev_stat g gcf rx_packets)
	da=$(backlog_drops)
	t0=$(now)
	ip netns exec $NS_F taskset -c 0 "$FLOODGEN" -i f0 --dmac "$GW_MAC" --dst 198.18.2.2 \
		--dport $PORT --src-net 198.19.0.0/16 --rate "$rate" --seconds "$SECS" \
		--batch "$BATCH" > "$TMPD/fg.out" 2>&1
	t1=$(now)
	c1b=$(cpu_snap 1); c0b=$(cpu_snap 0)
	sb=$(dev_stat g sink tx_packets); rb=$(dev_stat g gcf rx_packets)
	db=$(backlog_drops)
	legit_stop
	fg=$(grep '^floodgen:' "$TMPD/fg.out" | tail -n 1)
	# shellcheck disable=SC2086
	set -- $c1a $c1b $c0a $c0b
	local idle1=$((${8} - ${4})) idle0=$((${16} - ${12}))
	echo "BENCH flood cfg=$cfg rate=$rate rep=$rep" \
		"sent=$(echo "$fg" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')" \
		"fg_secs=$(echo "$fg" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')" \
		"win=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
		"rx=$((rb - ra)) synacks=$((sb - sa)) drops=$((db - da))" \
		"cpu1=$(($5 - $1)) cpu1_sys=$(($6 - $2)) cpu1_sirq=$(($7 - $3)) cpu1_idle=$idle1" \
		"cpu0=$((${13} - ${9})) cpu0_idle=$idle0 $(legit_summary)"
	sleep 0.5
}

# bulk_run CFG REP
bulk_run() {
	local cfg=$1 rep=$2 c1a c1b out us t0 t1
	start_server "$BULK" 1
	c1a=$(cpu_snap 1)
	t0=$(now)
	out=$(in_c taskset -c 0 tcpxfer client -c 198.18.2.2 -p $PORT -n "$BULK" -T 20000 2>&1)
	c1b=$(cpu_snap 1)
	t1=$(now)
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
	us=$(echo "$out" | sed -n 's/^client: ok .*total_us=\([0-9]*\).*/\1/p')
	[ -n "$us" ] || { log "bulk $cfg rep $rep failed: $out"; us=0; }
	# shellcheck disable=SC2086
	set -- $c1a $c1b
	echo "BENCH bulk cfg=$cfg rep=$rep bytes=$((2 * BULK)) us=$us" \
		"win=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
		"cpu1=$(($5 - $1)) cpu1_sys=$(($6 - $2)) cpu1_sirq=$(($7 - $3)) cpu1_idle=$(($8 - $4))"
}

slab_kb() { awk '$1 == "Slab:" { print $2 }' /proc/meminfo; }
# active objects of the conntrack slab caches
ct_slab() { awk '$1 ~ /^nf_conntrack/ { n += $2 } END { print n + 0 }' /proc/slabinfo 2>/dev/null; }
ct_count() {
	local n
	n=$(in_g conntrack -C 2>/dev/null)
	echo "${n:-0}"
}

# mem_run CFG
mem_run() {
	local cfg=$1 cta ctb sla slb csa csb out
	sync; echo 2 > /proc/sys/vm/drop_caches 2>/dev/null
	sleep 1
	cta=$(ct_count); sla=$(slab_kb); csa=$(ct_slab)
	out=$(in_f taskset -c 0 "$FLOODGEN" -i f0 --dmac "$GW_MAC" --dst 198.18.2.2 --dport $PORT \
		--src-net 198.19.0.0/16 --count "$MEMSYNS" --seconds 600 --batch "$BATCH" 2>&1)
	sleep 2
	echo 2 > /proc/sys/vm/drop_caches 2>/dev/null
	sleep 1
	ctb=$(ct_count); slb=$(slab_kb); csb=$(ct_slab)
	echo "BENCH mem cfg=$cfg sent=$(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')" \
		"ct_before=$cta ct_after=$ctb slab_kb_before=$sla slab_kb_after=$slb" \
		"ct_slab_before=$csa ct_slab_after=$csb"
}

# profile CFG WHAT(syn|est): perf on CPU 1 only, while flooding at full
# speed or moving bulk data.
profile_run() {
	local cfg=$1 what=$2 pp
	echo 0 > /proc/sys/kernel/kptr_restrict 2>/dev/null
	echo -1 > /proc/sys/kernel/perf_event_paranoid 2>/dev/null
	if [ "$what" = syn ]; then
		start_server 1024
		ip netns exec $NS_F taskset -c 0 "$FLOODGEN" -i f0 --dmac "$GW_MAC" --dst 198.18.2.2 --dport $PORT \
			--src-net 198.19.0.0/16 --seconds $((PSECS + 60)) --batch "$BATCH" \
			> "$TMPD/pfg.out" 2>&1 &
	else
		start_server 1073741824 1
		ip netns exec $NS_C taskset -c 0 tcpxfer client -c 198.18.2.2 -p $PORT \
			-n 1073741824 -T 20000 >/dev/null 2>&1 &
	fi
	pp=$!	# runs until killed: perf can take seconds to start under TCG
	sleep 1
	taskset -c 0 "$PERF" record -q -o "$TMPD/perf.data" -C 1 -g -F 499 -e cpu-clock \
		-- sleep "$PSECS" >/dev/null 2>&1
	kill $pp 2>/dev/null
	wait $pp 2>/dev/null
	stop_server
	[ "$what" = syn ] && log "profile flood: $(cat "$TMPD/pfg.out")"
	# reports into files first: perf report does not like a closed pipe
	taskset -c 0 "$PERF" report -i "$TMPD/perf.data" --stdio --no-children -g none \
		--sort sym --percent-limit 0.5 > "$TMPD/rep.self" 2>/dev/null
	taskset -c 0 "$PERF" report -i "$TMPD/perf.data" --stdio --children -g none \
		--sort sym --percent-limit 1.5 > "$TMPD/rep.children" 2>/dev/null
	echo "PROFILE-BEGIN cfg=$cfg path=$what kind=self"
	grep -v '^#' "$TMPD/rep.self" | grep -v '^$' | head -n 45
	echo "PROFILE-END"
	echo "PROFILE-BEGIN cfg=$cfg path=$what kind=children"
	grep -v '^#' "$TMPD/rep.children" | grep -v '^$' | head -n 80
	echo "PROFILE-END"
	rm -f "$TMPD/perf.data"
}

modprobe xt_SYNGATE 2>/dev/null || log "modprobe xt_SYNGATE failed"
modprobe dummy 2>/dev/null
echo "BENCH info kernel=$(uname -r) backend=$BACKEND secs=$SECS reps=$REPS rates=${RATES// /,}" \
	"bulk_bytes=$BULK mem_syns=$MEMSYNS batch=$BATCH cpus=$(nproc)"

names() { case $1 in a) echo SYNGATE ;; b) echo SYNPROXY ;; c) echo syncookies ;; d) echo none ;; esac; }

ALL=$(echo "$CONFIGS$BULK_CONFIGS" | fold -w1 | awk '!s[$0]++' | tr -d '\n')
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; }

# The measured runs: repetition is the outer loop and the order of the
# configurations rotates from one repetition to the next, so that a
# drift in the host's load (qemu shares it) spreads over all of them
# instead of biasing the ratios.
for rep in $(seq 1 "$REPS"); do
	shift_by=$(( (rep - 1) % ${#ALL} ))
	order=${ALL:$shift_by}${ALL:0:$shift_by}
	for cfg in $(echo "$order" | fold -w1); do
		log "repetition $rep: configuration $cfg ($(names $cfg))"
		if ! setup "$cfg"; then
			echo "BENCH error cfg=$cfg setup failed"
			continue
		fi
		if has "$CONFIGS" "$cfg"; then
			start_server 1024
			for rate in $RATES; do
				flood_run "$cfg" "$rate" "$rep"
			done
			stop_server
		fi
		has "$BULK_CONFIGS" "$cfg" && bulk_run "$cfg" "$rep"
	done
done

# Once per configuration: memory growth over a million SYNs, profiles.
for cfg in $(echo "$ALL" | fold -w1); do
	[ "$MEMSYNS" -gt 0 ] || [ "$PROFILE" = 1 ] || break
	setup "$cfg" || continue
	if has "$CONFIGS" "$cfg"; then
		[ "$MEMSYNS" -gt 0 ] && { start_server 1024; mem_run "$cfg"; stop_server; }
		[ "$PROFILE" = 1 ] && [ "$cfg" != c ] && profile_run "$cfg" syn
	fi
	if has "$BULK_CONFIGS" "$cfg" && [ "$PROFILE" = 1 ]; then
		profile_run "$cfg" est
	fi
done
teardown
rm -rf "$TMPD"
echo "BENCH done"
