#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make bench` (scripts/bench.sh boots the VM and runs
# this, then turns its BENCH lines into tables, CSV, ratios and a plot).
#
# Topology (six network namespaces, names bn-*):
#
#   client bn-c  c0 198.18.4.2 -- rc0 198.18.4.1 [relay bn-rc] rcg 198.18.1.2 -- gc 198.18.1.1 \
#   flood  bn-f  f0 198.18.3.2 ------------------------------------------------ gcf 198.18.3.1  [gateway bn-g]
#   server bn-s  s0 198.18.5.2 -- rs0 198.18.5.1 [relay bn-rs] rsg 198.18.2.2 -- gs 198.18.2.1 /
#                              sink (dummy, in bn-g): 198.19.0.0/16 via 198.18.9.2
#
# The flood (tests/bench/floodgen: AF_PACKET frames, spoofed sources in
# 198.19.0.0/16) comes from its own namespace and veth.  SYN-ACKs to the
# spoofed sources are routed to a dummy device and counted by its tx
# counter: the same counter for every configuration, no rule to pay for.
# The relays are plain routers with no netfilter: the endpoints' segments
# are orphaned by the relay's ip_rcv(), so their TCP small-queue work
# (tcp_wfree, the TSQ tasklet) runs on CPU 0 and not on the gateway's.
#
# CPUs: the generator, the client and the server processes run on CPU 0;
# RPS steers every packet the gateway receives (gc, gcf, gs) to CPU 1, and
# every packet the client, server and relays receive to CPU 0; every IRQ
# goes to CPU 0.  So CPU 1 does the gateway's work and nothing else.  In
# configuration (c) the server's own SYN-cookie work is the defence, so
# there the server's receive path is steered to CPU 1 too.
#
# Gateway CPU is measured twice: by the host (scripts/bench.sh runs the VM
# with --cpu-marks: a "MARK" line on /dev/ttyS2 makes the host record the
# CPU time of each vCPU thread, and report.py pairs them with the BENCH
# lines' mark=) and by the guest (/proc/stat). The host's figure is the
# one the ratios use: the guest's own accounting counts as busy the time
# its vCPU thread spent descheduled on a loaded host.
#
# Configurations:
#   a  SYNGATE  on FORWARD (SYNPROXY man page ruleset, after an
#      ESTABLISHED,RELATED accept as every stateful configuration here)
#   b  SYNPROXY on FORWARD, same ruleset and options
#   c  no proxy: plain router, server listener with tcp_syncookies=2
#   d  no target: stateful router (conntrack, ESTABLISHED,RELATED
#      accepted, INVALID dropped), for the established-path figures
#   e  rules only: (a)'s raw and filter rules, the target never reached
#      (established path: (a)/(e) is the target's own per-segment cost,
#      (e)/(d) the cost of the rules any SYN-proxy deployment adds)
#   l  (a) with --learn (not in the defaults: BENCH_CONFIGS=abl compares
#      a SYN-ACK bounded by what the server showed with a plain one)
#   x  (a) with the XDP front end (syngatectl xdp) on the gateway's client
#      and flood interfaces, generic mode (XDP after the skb is built)
#   n  (x) in native mode, the veths' NAPI threaded and pinned to the
#      gateway's CPU (xdp_front says why)
#      (not in the defaults: BENCH_CONFIGS=abx); its SYN-ACKs leave by
#      the interface they came in by, so they are counted there too
#   y  (b) with the kernel's own XDP SYN proxy (the BPF selftests'
#      xdp_synproxy) in front, native mode on the flood's interface
#      (xdp_sample; not in the defaults)
#
# Env (all optional): BENCH_CONFIGS (abc), BENCH_BULK_CONFIGS (abde),
# BENCH_RATES ("2000 5000 0"; 0 = as fast as the generator can),
# BENCH_REPS (3), BENCH_SECONDS (flood seconds per run, 5),
# BENCH_BULK_BYTES (each way, 33554432), BENCH_BULK (0: the established
# path by the est replay only, no bulk transfer),
# BENCH_MEM_SYNS (1000000; 0 skips),
# BENCH_PROFILE (1 if perf exists), BENCH_PROFILE_SECONDS (6),
# BENCH_PROFILE_PATHS ("syn est"; "bulk" profiles a bulk transfer too),
# BENCH_PROFILE_LIMIT (perf report --percent-limit, default 0.5 self and
# 1.5 with children),
# BENCH_BACKEND (nft|legacy, nft), BENCH_RULES (established|manpage:
# with or without the ESTABLISHED,RELATED accept first, established),
# BENCH_BATCH (floodgen batch, 256),
# BENCH_LEGIT_GAP (seconds between legitimate connections, 0.2),
# BENCH_EST_DEBUG (1: log the gateway's counters and conntrack table
# around each established-path replay), BENCH_INSN_PROFILE (1: print the
# kernel's function addresses at the end, for scripts/bench.sh's
# instruction profile).
# Output: "BENCH ..." key=value lines, "PROFILE ..." blocks.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLOODGEN=$HERE/floodgen
CONFIGS=${BENCH_CONFIGS-abc}	# set but empty: none
RULES=${BENCH_RULES:-established}
case $RULES in
established|manpage) ;;
*) echo "BENCH_RULES: expected established or manpage, saw '$RULES'" >&2; exit 2 ;;
esac
BULK_RUN=${BENCH_BULK:-1}
BULK_CONFIGS=${BENCH_BULK_CONFIGS-abde}
RATES=${BENCH_RATES:-2000 5000 0}
REPS=${BENCH_REPS:-3}
SECS=${BENCH_SECONDS:-5}
BULK=${BENCH_BULK_BYTES:-33554432}
MEMSYNS=${BENCH_MEM_SYNS:-1000000}
BACKEND=${BENCH_BACKEND:-nft}
LINK=${BENCH_LINK:-veth}
case $LINK in
veth|virtio) ;;
*) echo "BENCH_LINK: expected veth or virtio, saw '$LINK'" >&2; exit 2 ;;
esac
BATCH=${BENCH_BATCH:-256}
PSECS=${BENCH_PROFILE_SECONDS:-6}
LEGIT_GAP=${BENCH_LEGIT_GAP:-0.2}
PERF=$(command -v perf 2>/dev/null || true)
PROFILE=${BENCH_PROFILE:-$([ -n "$PERF" ] && echo 1 || echo 0)}
PROFILE_PATHS=${BENCH_PROFILE_PATHS:-syn est}
OPTS="--sack-perm --timestamp --wscale 7 --mss 1460"
PORT=8080
IPT=iptables-$BACKEND
TMPD=$(mktemp -d /tmp/bench.XXXXXX)
NS_C=bn-c NS_G=bn-g NS_S=bn-s NS_F=bn-f NS_RC=bn-rc NS_RS=bn-rs
ALL_NS="$NS_C $NS_G $NS_S $NS_F $NS_RC $NS_RS"
SRV=198.18.5.2
SRV_PID="" EST_PIDS=""
MARKS=/dev/ttyS2

log() { echo "bench: $*" >&2; }
in_c() { ip netns exec $NS_C "$@"; }
in_g() { ip netns exec $NS_G "$@"; }
in_s() { ip netns exec $NS_S "$@"; }
in_f() { ip netns exec $NS_F "$@"; }
in_rc() { ip netns exec $NS_RC "$@"; }
in_rs() { ip netns exec $NS_RS "$@"; }

# mark LABEL: the host notes each vCPU thread's CPU time now (see above).
mark() { echo "MARK $*" > "$MARKS" 2>/dev/null; }
nsys() { ip netns exec "$1" sysctl -q -w "$2" >/dev/null 2>&1; }

[ -x "$FLOODGEN" ] || { echo "bench: no $FLOODGEN (scripts/bench.sh builds it)" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs" >&2; exit 2; }

# rps NS DEV MASK
rps() { in_"$1" sh -c "echo $3 > /sys/class/net/$2/queues/rx-0/rps_cpus"; }

teardown() {
	local ns pids
	stop_server
	# A NIC keeps its XDP program when its namespace goes: take it off
	# (a veth goes with the namespace).
	if [ "$LINK" = virtio ] && [ -e /run/netns/$NS_G ]; then
		in_g syngatectl xdp detach gcf >/dev/null 2>&1
		in_g ip link set dev gcf xdp off 2>/dev/null
		in_g ip link set dev gcf xdpgeneric off 2>/dev/null
	fi
	for ns in $ALL_NS; do
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
	for ns in $ALL_NS; do
		ip netns add $ns
		ip netns exec $ns ip link set lo up
	done
	ip link add c0 netns $NS_C type veth peer name rc0 netns $NS_RC
	ip link add rcg netns $NS_RC type veth peer name gc netns $NS_G
	if [ "$LINK" = virtio ]; then
		virtio_link || return 1
	else
		ip link add f0 netns $NS_F type veth peer name gcf netns $NS_G
	fi
	ip link add gs netns $NS_G type veth peer name rsg netns $NS_RS
	ip link add rs0 netns $NS_RS type veth peer name s0 netns $NS_S
	in_g ip link add sink type dummy
	# No segmentation offloads: the gateway sees wire-sized segments, as
	# a router does (with GSO on, the endpoints' superpackets were
	# segmented on the gateway's CPU). Checksum offload stays on, as on
	# a router's NICs: the gateway gets segments whose checksum needs no
	# software check (a veth passes CHECKSUM_PARTIAL), so its CPU figure
	# is forwarding and netfilter work, not checksumming that hardware
	# does on a real router.
	for dev in c:c0 rc:rc0 rc:rcg g:gc g:gcf g:gs rs:rsg rs:rs0 s:s0 f:f0; do
		in_"${dev%%:*}" ethtool -K "${dev#*:}" gso off tso off gro off \
			>/dev/null 2>&1
	done
	in_c ip addr add 198.18.4.2/24 dev c0
	in_rc ip addr add 198.18.4.1/24 dev rc0
	in_rc ip addr add 198.18.1.2/24 dev rcg
	in_g ip addr add 198.18.1.1/24 dev gc
	in_g ip addr add 198.18.3.1/24 dev gcf
	in_g ip addr add 198.18.2.1/24 dev gs
	in_rs ip addr add 198.18.2.2/24 dev rsg
	in_rs ip addr add 198.18.5.1/24 dev rs0
	in_s ip addr add $SRV/24 dev s0
	in_f ip addr add 198.18.3.2/24 dev f0
	in_c ip link set c0 up
	in_f ip link set f0 up
	in_s ip link set s0 up
	for dev in rc0 rcg; do in_rc ip link set $dev up; done
	for dev in rsg rs0; do in_rs ip link set $dev up; done
	for dev in gc gcf gs sink; do in_g ip link set $dev up; done
	# The endpoints' data segments are clones (TCP keeps the original
	# for retransmission) and a veth hands them on as they are, whereas a
	# router's NIC gives its stack private buffers. Each relay makes the
	# head of what it receives private (act_csum rewrites the IP checksum
	# in place, which unclones the head), so a target that edits
	# segments on the gateway does not pay a copy that no router pays.
	for dev in rc:rc0 rs:rs0; do
		in_"${dev%%:*}" tc qdisc add dev "${dev#*:}" clsact &&
			in_"${dev%%:*}" tc filter add dev "${dev#*:}" ingress matchall action csum ip ||
			return 1
	done
	in_c ip route add default via 198.18.4.1
	in_rc ip route add default via 198.18.1.1
	in_rs ip route add default via 198.18.2.1
	in_s ip route add default via 198.18.5.1
	in_f ip route add default via 198.18.3.1
	in_g ip route add 198.18.4.0/24 via 198.18.1.2
	in_g ip route add 198.18.5.0/24 via 198.18.2.2
	# Through a next hop, as on a real router: a device route would make
	# one neighbour entry (and a netlink event) per spoofed address.
	in_g ip addr add 198.18.9.1/24 dev sink
	in_g ip route add 198.19.0.0/16 via 198.18.9.2 dev sink
	for ns in $NS_G $NS_RC $NS_RS; do
		nsys $ns net.ipv4.ip_forward=1
		nsys $ns net.ipv4.conf.all.rp_filter=0
		nsys $ns net.ipv4.conf.default.rp_filter=0
	done
	for dev in gc gcf gs; do rps g $dev 2; done
	[ "$LINK" = virtio ] && { virtio_irqs gcf 1 || return 1; }
	rps c c0 1
	for dev in rc0 rcg; do rps rc $dev 1; done
	for dev in rsg rs0; do rps rs $dev 1; done
	if [ "$cfg" = c ]; then rps s s0 2; else rps s s0 1; fi
	# Resolve neighbours now, not during the first measurement.
	in_c ping -c 1 -W 2 $SRV >/dev/null 2>&1
	in_f ping -c 1 -W 2 198.18.3.1 >/dev/null 2>&1
	GW_MAC=$(in_g cat /sys/class/net/gcf/address)

	# Every stateful configuration starts FORWARD as a stateful firewall
	# does: segments of known connections are accepted by the first rule
	# and never walk the rest (README: accept established connections
	# first). BENCH_RULES=manpage leaves that rule out: the man page's
	# rules alone.
	case $RULES:$cfg in
	established:[abdelnxy])
		in_g $IPT -A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT || return 1
		;;
	esac
	case $cfg in
	a|b|l|n|x|y)
		local tgt=SYNGATE extra=""
		case $cfg in b|y) tgt=SYNPROXY ;; esac
		[ "$cfg" = l ] && extra=--learn
		in_g $IPT -t raw -A PREROUTING -i gc+ -p tcp --syn --dport $PORT -j CT --notrack || return 1
		# shellcheck disable=SC2086
		in_g $IPT -A FORWARD -i gc+ -p tcp --dport $PORT -m state --state UNTRACKED,INVALID \
			-j $tgt $OPTS $extra || return 1
		in_g $IPT -A FORWARD -i gc+ -m state --state INVALID -j DROP || return 1
		case $cfg in
		x) xdp_front --generic || return 1 ;;
		n) xdp_front || return 1 ;;
		y) xdp_sample || return 1 ;;
		esac
		;;
	c)
		nsys $NS_S net.ipv4.tcp_syncookies=2
		;;
	d)
		in_g $IPT -A FORWARD -m state --state INVALID -j DROP || return 1
		;;
	e)
		# (a)'s rules, the target never reached: the raw rule looks at
		# every segment as in (a) but its port is another, and the
		# target's rule accepts instead. (a) against (e) is the
		# target's own per-segment cost; (e) against (d) the ruleset's.
		in_g $IPT -t raw -A PREROUTING -i gc+ -p tcp --syn --dport $((PORT + 1)) -j CT --notrack ||
			return 1
		in_g $IPT -A FORWARD -i gc+ -p tcp --dport $PORT -m state --state UNTRACKED,INVALID \
			-j ACCEPT || return 1
		in_g $IPT -A FORWARD -i gc+ -m state --state INVALID -j DROP || return 1
		;;
	esac
	if [ "$cfg" != c ]; then
		in_g conntrack -C >/dev/null 2>&1
		nsys $NS_G net.netfilter.nf_conntrack_tcp_loose=0 ||
			log "cannot set nf_conntrack_tcp_loose=0"
	fi
	return 0
}

# BENCH_LINK=virtio: the flood's link is a pair of virtio-net NICs, which
# scripts/bench.sh joins back to back through qemu (MACs VIRTIO_F0 and
# VIRTIO_GCF), in place of the f0/gcf veth pair. A NIC's driver builds
# the skb of each frame it receives on the CPU its interrupt goes to,
# and native XDP runs there before any skb exists: the gateway's cost of
# a SYN-ACK as on a router's NIC, for every configuration of the run.
VIRTIO_F0=52:54:00:5e:00:01
VIRTIO_GCF=52:54:00:5e:00:02

# virtio_dev MAC: the name, in the initial namespace, of the NIC with
# MAC; a namespace being deleted gives its NICs back a moment later.
virtio_dev() {
	local i d
	for i in $(seq 1 50); do
		for d in /sys/class/net/*; do
			[ "$(cat "$d/address" 2>/dev/null)" = "$1" ] &&
				{ basename "$d"; return 0; }
		done
		sleep 0.1
	done
	log "no NIC with MAC $1 (BENCH_LINK=virtio: scripts/bench.sh adds them)"
	return 1
}

virtio_link() {
	local f g
	f=$(virtio_dev $VIRTIO_F0) && g=$(virtio_dev $VIRTIO_GCF) || return 1
	ip link set "$f" down && ip link set "$f" name f0 && ip link set f0 netns $NS_F &&
		ip link set "$g" down && ip link set "$g" name gcf && ip link set gcf netns $NS_G
}

# virtio_irqs DEV CPU: DEV's queue interrupts (virtioN-input.0 and
# -output.0) to CPU, where its NAPI then runs.
virtio_irqs() {
	local v irq n=0
	v=$(basename "$(in_g readlink -f "/sys/class/net/$1/device")")
	for irq in $(awk -v v="$v" '$NF ~ "^" v "-(input|output)" { sub(":", "", $1); print $1 }' /proc/interrupts); do
		echo "$2" > "/proc/irq/$irq/smp_affinity_list" || return 1
		n=$((n + 1))
	done
	[ "$n" -ge 1 ] || { log "virtio_irqs: no queue interrupt of $1 ($v)"; return 1; }
}

# xdp_front [--generic]: configurations x and n's XDP front end. Generic
# XDP runs after RPS, on the gateway's CPU, once the veth has built an skb.
# Native XDP on a veth runs in its NAPI poll, which would be the sender's
# CPU (the flood generator's), where the gateway's cost goes unmeasured:
# the NAPI is threaded and its thread pinned to the gateway's CPU. A veth
# hands XDP_TX frames only to a peer that runs XDP too: the program goes
# on the peers as well, with an empty scope (it passes everything).
xdp_front() {
	local mode=${1:-} dev t
	in_g syngatectl xdp attach gcf $mode >/dev/null || return 1
	in_g syngatectl xdp attach gc $mode >/dev/null || return 1
	# shellcheck disable=SC2086
	in_g syngatectl xdp scope add -4 --dport $PORT $OPTS >/dev/null || return 1
	[ -z "$mode" ] || return 0
	# gc's peer is the client relay's rcg
	in_rc syngatectl xdp attach rcg >/dev/null || return 1
	napi_on_gateway gc || return 1
	[ "$LINK" = virtio ] && return 0
	in_f syngatectl xdp attach f0 >/dev/null || return 1
	napi_on_gateway gcf
}

# napi_on_gateway DEV: DEV's (a veth's) NAPI threaded, its thread pinned
# to the gateway's CPU, where native XDP on it then runs. (A virtio NIC's
# NAPI runs where its interrupt goes: virtio_irqs.)
napi_on_gateway() {
	local t n=0
	in_g sh -c "echo 1 > /sys/class/net/$1/threaded" || return 1
	for t in $(ps -o pid,comm 2>/dev/null | awk -v d="napi/$1-" 'index($2, d) == 1 { print $1 }'); do
		taskset -p 2 "$t" >/dev/null || return 1
		n=$((n + 1))
	done
	# a thread at least, else the cost would go unmeasured
	[ "$n" -ge 1 ] || { log "napi_on_gateway: no NAPI thread of $1 found"; return 1; }
}

# xdp_sample: configuration y, the kernel's own XDP SYN proxy (the BPF
# selftests' xdp_synproxy, built by tests/bench/xdpsample/build.sh) in
# front of (b)'s SYNPROXY, native mode on the flood's interface: it
# answers SYNs with the kernel's syncookie helpers and leaves valid ACKs
# to SYNPROXY. Legitimate clients (gc) go through SYNPROXY alone. The
# loader finds its object as "<its path>_kern.bpf.o", which scripts/bench.sh
# hands over without the ".o".
XSAMPLE=$TMPD/xdp_synproxy
xdp_sample() {
	local bin=$HERE/xdpsample/bin
	if [ ! -x "$XSAMPLE" ]; then
		cp "$bin/xdp_synproxy" "$XSAMPLE" &&
			cp "$bin/xdp_synproxy_kern.bpf" "${XSAMPLE}_kern.bpf.o" ||
			{ log "no $bin/xdp_synproxy (scripts/bench.sh builds it for configuration y)"; return 1; }
	fi
	nsys $NS_G net.ipv4.tcp_syncookies=2
	if [ "$LINK" = veth ]; then
		in_f syngatectl xdp attach f0 >/dev/null || return 1
		napi_on_gateway gcf || return 1
	fi
	in_g "$XSAMPLE" --iface gcf --mss4 1460 --mss6 1440 --wscale 7 --ttl 64 \
		--ports $PORT --single >"$TMPD/xs.out" 2>&1 ||
		{ log "xdp_synproxy: $(tail -n 3 "$TMPD/xs.out" | tr '\n' ' ')"; return 1; }
}

# start_server BYTES [COUNT]
start_server() {
	stop_server
	ip netns exec $NS_S taskset -c 0 tcpxfer server -l $SRV -p $PORT -n "$1" ${2:+-k $2} \
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
# SYN-ACKs to the flood: routed to the sink, or (XDP_TX) back out of gcf,
# whose own traffic is nothing else during a flood
synacks_out() {
	echo $(( $(dev_stat g sink tx_packets) + $(dev_stat g gcf tx_packets) ))
}
# packets the gateway has received from the client and server sides
gw_rx() { echo $(( $(dev_stat g gc rx_packets) + $(dev_stat g gs rx_packets) )); }

# win_cpu T0 T1 "CPU1 BEFORE" "CPU1 AFTER" (cpu_snap): the window and
# gateway CPU fields of a bulk or est BENCH line.
win_cpu() {
	# shellcheck disable=SC2086
	set -- "$1" "$2" $3 $4
	echo "win=$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }')" \
		"cpu1=$(($7 - $3)) cpu1_sys=$(($8 - $4)) cpu1_sirq=$(($9 - $5)) cpu1_idle=$((${10} - $6))"
}

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
			tcpxfer client -c $SRV -p $PORT -n 1024 -T 3000 2>&1 | grep '^client:'
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
	sa=$(synacks_out); ra=$(dev_stat g gcf rx_packets)
	da=$(backlog_drops)
	mark "f-$cfg-$rate-$rep start"
	t0=$(now)
	ip netns exec $NS_F taskset -c 0 "$FLOODGEN" -i f0 --dmac "$GW_MAC" --dst $SRV \
		--dport $PORT --src-net 198.19.0.0/16 --rate "$rate" --seconds "$SECS" \
		--batch "$BATCH" > "$TMPD/fg.out" 2>&1
	t1=$(now)
	mark "f-$cfg-$rate-$rep end"
	c1b=$(cpu_snap 1); c0b=$(cpu_snap 0)
	sb=$(synacks_out); rb=$(dev_stat g gcf rx_packets)
	db=$(backlog_drops)
	legit_stop
	fg=$(grep '^floodgen:' "$TMPD/fg.out" | tail -n 1)
	# shellcheck disable=SC2086
	set -- $c1a $c1b $c0a $c0b
	local idle1=$((${8} - ${4})) idle0=$((${16} - ${12}))
	echo "BENCH flood cfg=$cfg rate=$rate rep=$rep mark=f-$cfg-$rate-$rep" \
		"sent=$(echo "$fg" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')" \
		"fg_secs=$(echo "$fg" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')" \
		"win=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
		"rx=$((rb - ra)) synacks=$((sb - sa)) drops=$((db - da))" \
		"cpu1=$(($5 - $1)) cpu1_sys=$(($6 - $2)) cpu1_sirq=$(($7 - $3)) cpu1_idle=$idle1" \
		"cpu0=$((${13} - ${9})) cpu0_idle=$idle0 $(legit_summary)"
	sleep 0.5
}

# bulk_client BYTES: one bulk transfer from the client, BYTES each way.
bulk_client() {
	in_c taskset -c 0 tcpxfer client -c $SRV -p $PORT -n "$1" -T 20000
}

# bulk_run CFG REP
bulk_run() {
	local cfg=$1 rep=$2 c1a c1b pa pb out us t0 t1
	start_server "$BULK" 1
	c1a=$(cpu_snap 1)
	pa=$(gw_rx)
	mark "b-$cfg-$rep start"
	t0=$(now)
	out=$(bulk_client "$BULK" 2>&1)
	t1=$(now)
	mark "b-$cfg-$rep end"
	c1b=$(cpu_snap 1)
	pb=$(gw_rx)
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
	us=$(echo "$out" | sed -n 's/^client: ok .*total_us=\([0-9]*\).*/\1/p')
	[ -n "$us" ] || { log "bulk $cfg rep $rep failed: $out"; us=0; }
	echo "BENCH bulk cfg=$cfg rep=$rep mark=b-$cfg-$rep bytes=$((2 * BULK)) us=$us pkts=$((pb - pa))" \
		"$(win_cpu "$t0" "$t1" "$c1a" "$c1b")"
}

# est_run CFG REP: the established path at saturation. One idle
# connection (busybox nc) is opened through the gateway; one segment of it
# each way is captured on the relays (the client's data, the server's
# ACK of it), and floodgen replays both from the relays as fast as the
# gateway takes them, for BENCH_SECONDS. To conntrack each copy is a
# retransmission inside the window: it is tracked, adjusted (sequence
# numbers and timestamps, when a proxy made the handshake) and forwarded
# like any segment of the connection, to the sink (est_prepare), so the
# endpoints spend nothing on them. Figure: segments forwarded per
# gateway CPU-second, with the gateway CPU busy all the time (the bulk
# run's figure depends on how the endpoints batch their segments).
#
# est_prepare CFG REP: the idle connection and its two captured
# segments; the gateway routes the connection to the sink. Sets EST_PIDS.
est_prepare() {
	local cfg=$1 rep=$2 d1 d2 f
	rm -f "$TMPD/c2s.pcap" "$TMPD/s2c.pcap"
	# nc ends the connection at the end of its input: give it none
	in_s taskset -c 0 sh -c "sleep 3600 | nc -l -p $PORT" > /dev/null 2>&1 &
	EST_PIDS=$!
	in_rc taskset -c 0 tcpdump -Z root -q -U -i rcg -w "$TMPD/c2s.pcap" -c 1 \
		"tcp and src host 198.18.4.2 and tcp[tcpflags] & tcp-push != 0" \
		> /dev/null 2> "$TMPD/d1.err" &
	d1=$!
	in_rs taskset -c 0 tcpdump -Z root -q -U -i rsg -w "$TMPD/s2c.pcap" -c 1 \
		"tcp and src host $SRV and tcp[tcpflags] == tcp-ack" > /dev/null 2> "$TMPD/d2.err" &
	d2=$!
	# tcpdump is slow to start under TCG: wait until both listen
	for _ in $(seq 1 200); do
		[ "$(cat "$TMPD/d1.err" "$TMPD/d2.err" 2>/dev/null | grep -c "listening on")" = 2 ] &&
			break
		sleep 0.1
	done
	in_c taskset -c 0 sh -c "{ echo hello; sleep 3600; } | nc $SRV $PORT" > /dev/null 2>&1 &
	EST_PIDS="$EST_PIDS $!"
	for _ in $(seq 1 100); do
		kill -0 $d1 2>/dev/null || kill -0 $d2 2>/dev/null || break
		sleep 0.1
	done
	kill $d1 $d2 2>/dev/null
	wait $d1 $d2 2>/dev/null
	for f in c2s s2c; do
		if [ "$(stat -c %s "$TMPD/$f.pcap" 2>/dev/null || echo 0)" -le 24 ]; then
			log "est $cfg rep $rep: no $f segment captured;" \
				"tcpdump: $(tr '\n' ' ' < "$TMPD/d1.err") / $(tr '\n' ' ' < "$TMPD/d2.err");" \
				"client: $(in_c ss -tn 2>&1 | tr '\n' ' ')"
			echo "BENCH error cfg=$cfg est: no $f segment captured"
			est_cleanup
			return 1
		fi
	done
	# Until est_cleanup the gateway sends both directions of the
	# connection to the sink, as it sends the SYN-ACKs to spoofed
	# sources: the copies cost a transmit and nothing after it, and CPU 0
	# only generates (the relays dropping them kept it from saturating
	# the gateway).
	in_g ip route replace 198.18.4.0/24 via 198.18.9.2 dev sink
	in_g ip route replace 198.18.5.0/24 via 198.18.9.2 dev sink
}

# est_replay SECONDS: both captured segments, as fast as they go in.
est_replay() {
	local g1 g2
	in_rc taskset -c 0 "$FLOODGEN" -i rcg --replay "$TMPD/c2s.pcap" --seconds "$1" \
		--batch "$BATCH" > "$TMPD/est1.out" 2>&1 &
	g1=$!
	in_rs taskset -c 0 "$FLOODGEN" -i rsg --replay "$TMPD/s2c.pcap" --seconds "$1" \
		--batch "$BATCH" > "$TMPD/est2.out" 2>&1 &
	g2=$!
	wait $g1 $g2
}

est_cleanup() {
	in_g ip route replace 198.18.4.0/24 via 198.18.1.2
	in_g ip route replace 198.18.5.0/24 via 198.18.2.2
	# shellcheck disable=SC2086
	kill $EST_PIDS 2>/dev/null
	# shellcheck disable=SC2086
	wait $EST_PIDS 2>/dev/null
	EST_PIDS=""
}

# est_debug WHAT: with BENCH_EST_DEBUG, log the gateway's counters and
# conntrack table.
est_debug() {
	[ -n "${BENCH_EST_DEBUG:-}" ] || return 0
	log "est $1: $(in_g cat /proc/net/stat/syngate 2>/dev/null | tr '\n\t' '  ')" \
		"ct: $(in_g conntrack -L 2>/dev/null | tr '\n' ' ')" \
		"stats: $(in_g conntrack -S 2>/dev/null | head -1)"
}

est_run() {
	local cfg=$1 rep=$2 fa fb ra rb c1a c1b t0 t1
	est_prepare "$cfg" "$rep" || return 1
	est_debug "$cfg before"
	c1a=$(cpu_snap 1)
	ra=$(gw_rx)
	fa=$(dev_stat g sink tx_packets)
	mark "e-$cfg-$rep start"
	t0=$(now)
	est_replay "$SECS"
	t1=$(now)
	mark "e-$cfg-$rep end"
	rb=$(gw_rx)
	fb=$(dev_stat g sink tx_packets)
	c1b=$(cpu_snap 1)
	est_debug "$cfg after"
	est_cleanup
	echo "BENCH est cfg=$cfg rep=$rep mark=e-$cfg-$rep rx=$((rb - ra)) fwd=$((fb - fa))" \
		"$(win_cpu "$t0" "$t1" "$c1a" "$c1b")"
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
	out=$(in_f taskset -c 0 "$FLOODGEN" -i f0 --dmac "$GW_MAC" --dst $SRV --dport $PORT \
		--src-net 198.19.0.0/16 --count "$MEMSYNS" --seconds 600 --batch "$BATCH" 2>&1)
	sleep 2
	echo 2 > /proc/sys/vm/drop_caches 2>/dev/null
	sleep 1
	ctb=$(ct_count); slb=$(slab_kb); csb=$(ct_slab)
	echo "BENCH mem cfg=$cfg sent=$(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')" \
		"ct_before=$cta ct_after=$ctb slab_kb_before=$sla slab_kb_after=$slb" \
		"ct_slab_before=$csa ct_slab_after=$csb"
}

# profile CFG WHAT(syn|est|bulk): perf on CPU 1 only, while flooding at
# full speed, replaying established segments (est_prepare, est_replay) or
# moving one connection's bulk transfer.
profile_run() {
	local cfg=$1 what=$2 pp
	echo 0 > /proc/sys/kernel/kptr_restrict 2>/dev/null
	echo -1 > /proc/sys/kernel/perf_event_paranoid 2>/dev/null
	if [ "$what" = syn ]; then
		start_server 1024
		ip netns exec $NS_F taskset -c 0 "$FLOODGEN" -i f0 --dmac "$GW_MAC" --dst $SRV --dport $PORT \
			--src-net 198.19.0.0/16 --seconds $((PSECS + 60)) --batch "$BATCH" \
			> "$TMPD/pfg.out" 2>&1 &
	elif [ "$what" = bulk ]; then
		start_server $((BULK * 20)) 1
		bulk_client $((BULK * 20)) > /dev/null 2>&1 &
	else
		est_prepare "$cfg" 0 || return 1
		est_replay $((PSECS + 60)) &
	fi
	pp=$!	# runs until killed: perf can take seconds to start under TCG
	sleep 1
	taskset -c 0 "$PERF" record -q -o "$TMPD/perf.data" -C 1 -g -F 499 -e cpu-clock \
		-- sleep "$PSECS" >/dev/null 2>&1
	kill $pp 2>/dev/null
	wait $pp 2>/dev/null
	stop_server
	[ "$what" = bulk ] && pkill -f "tcpxfer client" 2>/dev/null
	if [ "$what" = est ]; then
		pkill -f "floodgen -i r[cs]g --replay" 2>/dev/null
		est_cleanup
	fi
	[ "$what" = syn ] && log "profile flood: $(cat "$TMPD/pfg.out")"
	# reports into files first: perf report does not like a closed pipe
	taskset -c 0 "$PERF" report -i "$TMPD/perf.data" --stdio --no-children -g none \
		--sort sym --percent-limit "${BENCH_PROFILE_LIMIT:-0.5}" > "$TMPD/rep.self" 2>/dev/null
	taskset -c 0 "$PERF" report -i "$TMPD/perf.data" --stdio --children -g none \
		--sort sym --percent-limit "${BENCH_PROFILE_LIMIT:-1.5}" > "$TMPD/rep.children" 2>/dev/null
	echo "PROFILE-BEGIN cfg=$cfg path=$what kind=self"
	grep -v '^#' "$TMPD/rep.self" | grep -v '^$' | head -n 80
	echo "PROFILE-END"
	echo "PROFILE-BEGIN cfg=$cfg path=$what kind=children"
	grep -v '^#' "$TMPD/rep.children" | grep -v '^$' | head -n 150
	echo "PROFILE-END"
	rm -f "$TMPD/perf.data"
}

NCPU=$(nproc)
# This script and what it starts run on CPU 0, and so does every IRQ
# that can move (the serial port that carries the marks among them).
taskset -pc 0 $$ >/dev/null
for f in /proc/irq/*/smp_affinity_list; do echo 0 > "$f" 2>/dev/null; done
modprobe xt_SYNGATE 2>/dev/null || log "modprobe xt_SYNGATE failed"
modprobe dummy 2>/dev/null
# Draw the flow hash's secret before any measured traffic. The first skb
# hash draws it (net_get_random_once()) and a work item then patches the
# static key that guards it; under TCG the other vCPU, running that code
# meanwhile, can meet the patch's int3 and oops (seen once on 6.12, at
# the first RPS-steered packet of a run: "Oops: int3" in
# __skb_get_hash_net). One ARP over a veth with RPS, and a second's wait,
# does it while nothing else runs.
hash_warmup() {
	ip link add bnw0 type veth peer name bnw1 || return
	ip link set bnw0 up && ip link set bnw1 up &&
		echo 1 > /sys/class/net/bnw1/queues/rx-0/rps_cpus &&
		ip addr add 198.51.100.1/30 dev bnw0 &&
		ping -c 1 -W 1 -I bnw0 198.51.100.2 >/dev/null 2>&1
	sleep 1
	ip link del bnw0
}
hash_warmup
# virtio_net does not pull in the PCI transport (a module on 6.1)
[ "$LINK" = virtio ] && { modprobe -a virtio_pci virtio_net 2>/dev/null ||
	log "modprobe virtio_pci virtio_net failed"; }
echo "BENCH info kernel=$(uname -r) link=$LINK backend=$BACKEND rules=$RULES secs=$SECS reps=$REPS rates=${RATES// /,}" \
	"bulk_bytes=$BULK mem_syns=$MEMSYNS batch=$BATCH cpus=$NCPU"

names() { case $1 in a) echo SYNGATE ;; b) echo SYNPROXY ;; c) echo syncookies ;; d) echo none ;; e) echo rules-only ;; l) echo SYNGATE-learn ;; x) echo SYNGATE-XDP ;; n) echo SYNGATE-XDP-native ;; y) echo XDP-sample+SYNPROXY ;; esac; }

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
		if has "$BULK_CONFIGS" "$cfg"; then
			[ "$BULK_RUN" = 1 ] && bulk_run "$cfg" "$rep"
			est_run "$cfg" "$rep"
		fi
	done
done

# Once per configuration: memory growth over a million SYNs, profiles.
for cfg in $(echo "$ALL" | fold -w1); do
	[ "$MEMSYNS" -gt 0 ] || [ "$PROFILE" = 1 ] || break
	setup "$cfg" || continue
	if has "$CONFIGS" "$cfg"; then
		[ "$MEMSYNS" -gt 0 ] && { start_server 1024; mem_run "$cfg"; stop_server; }
		[ "$PROFILE" = 1 ] && [ "$cfg" != c ] && has "$PROFILE_PATHS" syn &&
			profile_run "$cfg" syn
	fi
	if has "$BULK_CONFIGS" "$cfg" && [ "$PROFILE" = 1 ]; then
		has "$PROFILE_PATHS" est && profile_run "$cfg" est
		has "$PROFILE_PATHS" bulk && profile_run "$cfg" bulk
	fi
done
teardown
# BENCH_INSN_PROFILE: the guest's function addresses (modules still in
# place), for tests/bench/insnprof.py to name the plugin's code blocks.
if [ "${BENCH_INSN_PROFILE:-0}" != 0 ]; then
	echo 0 > /proc/sys/kernel/kptr_restrict 2>/dev/null
	echo "KALLSYMS-BEGIN"
	grep -E ' [tT] ' /proc/kallsyms | gzip -1 | base64 -w 76
	echo "KALLSYMS-END"
fi
rm -rf "$TMPD"
echo "BENCH done"
