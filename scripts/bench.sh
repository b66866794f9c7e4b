#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: the `make bench` driver.  Boots one qemu VM on one kernel and
# runs tests/bench/guest.sh there: SYNGATE, the in-kernel SYNPROXY, the
# server's own syncookies and no target, under the same spoofed SYN flood
# (tests/bench/floodgen) and the same bulk transfer; then prints a table,
# ratio.<figure>.syngate_vs_<other>=<x> lines, and writes build/bench/
# (bench.csv, runs.csv, bench.png, profile.txt, guest.out, marks.txt: the
# host CPU time of each vCPU thread at the guest's marks).
# A benchmark, not a test: it fails only if the VM run itself fails.
#
# Env: BENCH_KERNEL (6.1 | 6.12 | KVER, default 6.1), BENCH_OUT (build/bench),
# BENCH_VM_TIMEOUT (seconds, 2400), BENCH_INSNS (1: count the guest
# instructions each vCPU executes with tests/bench/insncount.so; the report
# then gives the gateway's instructions per SYN-ACK and per segment, which
# do not move with the host's load as its CPU time does; the plugin slows
# the guest, so rates and latencies of such a run are not comparable with
# a run without it), BENCH_INSN_PROFILE (1: BENCH_INSNS and, per function,
# the gateway's instructions per event: insnprof.txt, tests/bench/insnprof.py),
# and for the guest (tests/bench/guest.sh):
# BENCH_CONFIGS BENCH_BULK_CONFIGS BENCH_RATES BENCH_REPS BENCH_SECONDS
# BENCH_BULK_BYTES BENCH_BULK BENCH_MEM_SYNS BENCH_PROFILE BENCH_PROFILE_SECONDS
# BENCH_BACKEND BENCH_RULES BENCH_BATCH BENCH_LEGIT_GAP BENCH_LINK (veth, or
# virtio: the flood comes in by a virtio-net NIC, see below).
# BENCH_LONG (1; 0 skips, "only" runs nothing else): a second VM run, the
# long-path figures: a client without timestamps downloading over a 100 ms,
# 10 Mbit/s path, direct and through SYNGATE and SYNPROXY
# (tests/bench/longpath.sh, BENCH_LONG_REPS, BENCH_LONG_LOSSES,
# BENCH_LONG_BYTES), summarised by tests/bench/longpath.py into
# build/bench/longpath.txt.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${BENCH_OUT:-$top/build/bench}
mkdir -p "$out"

make -s progs userspace >/dev/null
${CC:-gcc} -O2 -std=gnu11 -Wall -Wextra -o tests/bench/floodgen tests/bench/floodgen.c
# Configuration y: the kernel's own XDP SYN proxy (BPF selftests), built
# from Debian's linux-source-6.12; the guest takes the loader and its
# object from tests/bench/xdpsample/bin/ (tests/bench/xdpsample/README.md),
# the object without its ".o", which the initramfs leaves out.
case ${BENCH_CONFIGS-abc} in
*y*)
	tests/bench/xdpsample/build.sh build/xdpsample
	mkdir -p tests/bench/xdpsample/bin
	cp build/xdpsample/xdp_synproxy tests/bench/xdpsample/bin/
	cp build/xdpsample/xdp_synproxy_kern.bpf.o tests/bench/xdpsample/bin/xdp_synproxy_kern.bpf
	;;
esac
plugin=()
[ "${BENCH_INSN_PROFILE:-0}" != 0 ] && export BENCH_INSNS=1
if [ "${BENCH_INSNS:-0}" != 0 ]; then
	${CC:-gcc} -O2 -std=gnu11 -Wall -Wextra -shared -fPIC -pthread \
		-o tests/bench/insncount.so tests/bench/insncount.c
	plugin=(--insn-plugin tests/bench/insncount.so)
fi
if [ "${BENCH_INSN_PROFILE:-0}" != 0 ]; then
	rm -rf "$out/insnprof"
	plugin+=(--insn-profile "$out/insnprof")
fi

# perf in the guest for the profiles (adds it to the initramfs base).
if [ "${BENCH_PROFILE:-1}" != 0 ] && command -v perf >/dev/null 2>&1; then
	export EXTRA_BINS="${EXTRA_BINS:+$EXTRA_BINS }perf"
else
	export BENCH_PROFILE=0
fi

# The relays' tc action (tests/bench/guest.sh setup).
export EXTRA_MODULES="${EXTRA_MODULES:+$EXTRA_MODULES }sch_ingress act_csum"

# BENCH_LINK=virtio: the flood's link is two virtio-net NICs joined back to
# back by two UDP sockets on the host's loopback (qemu's dgram netdev), so
# that the gateway receives the flood as a NIC driver does and native XDP
# runs before any skb exists (tests/bench/guest.sh, virtio_link).
link=()
if [ "${BENCH_LINK:-veth}" = virtio ]; then
	export EXTRA_MODULES="$EXTRA_MODULES virtio_pci virtio_net"
	p1=$((20000 + RANDOM % 20000))
	p2=$((p1 + 1))
	for nic in "f0 $p1 $p2 52:54:00:5e:00:01" "gcf $p2 $p1 52:54:00:5e:00:02"; do
		read -r id lp rp mac <<< "$nic"
		link+=(--qemu -netdev
			--qemu "dgram,id=$id,local.type=inet,local.host=127.0.0.1,local.port=$lp,remote.type=inet,remote.host=127.0.0.1,remote.port=$rp"
			--qemu -device --qemu "virtio-net-pci,netdev=$id,mac=$mac")
	done
fi

envs=()
for v in $(compgen -e | grep '^BENCH_' || true); do
	envs+=(--env "$v")
done
echo "bench.sh: kernel ${BENCH_KERNEL:-6.1}; results in $out" >&2
start=$(date +%s)

# long_path: the second VM run (BENCH_LONG).
long_path() {
	local lrc=0
	scripts/vm/run.sh --kernel "${BENCH_KERNEL:-6.1}" --timeout "${BENCH_VM_TIMEOUT:-2400}" \
		"${envs[@]}" --out "$out/longpath.out" -- tests/bench/longpath.sh \
		> "$out/longpath-console.log" 2>&1 || lrc=$?
	if [ "$lrc" != 0 ]; then
		echo "bench.sh: the long-path VM run failed (exit $lrc); console: $out/longpath-console.log" >&2
		return "$lrc"
	fi
	python3 tests/bench/longpath.py "$out/longpath.out" | tee "$out/longpath.txt"
}

if [ "${BENCH_LONG:-1}" = only ]; then
	long_path
	echo "bench.sh: $(( $(date +%s) - start ))s wall; report: $out/longpath.txt" >&2
	exit 0
fi
rc=0
scripts/vm/run.sh --kernel "${BENCH_KERNEL:-6.1}" --timeout "${BENCH_VM_TIMEOUT:-2400}" \
	--mem 1536 "${envs[@]}" --out "$out/guest.out" --cpu-marks "$out/marks.txt" "${plugin[@]}" \
	"${link[@]}" \
	-- tests/bench/guest.sh \
	> "$out/console.log" 2>&1 || rc=$?
grep -E '^(bench:|BENCH (info|error))' "$out/guest.out" >&2 || true
if [ "$rc" != 0 ]; then
	echo "bench.sh: the VM run failed (exit $rc); console: $out/console.log" >&2
	tail -n 40 "$out/console.log" >&2
	exit "$rc"
fi
python3 tests/bench/report.py "$out/guest.out" "$out" "$out/marks.txt" | tee "$out/report.txt"
if [ "${BENCH_INSN_PROFILE:-0}" != 0 ]; then
	python3 tests/bench/insnprof.py "$out/guest.out" "$out/insnprof" > "$out/insnprof.txt" &&
		echo "bench.sh: instruction profile: $out/insnprof.txt" >&2
fi
[ "${BENCH_LONG:-1}" != 0 ] && long_path
echo "bench.sh: $(( $(date +%s) - start ))s wall; report: $out/report.txt" >&2
