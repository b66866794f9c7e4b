#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/run.sh [--check] [PART...]: the debug-kernel tests that are
# not KUnit (that is tests/kunit.sh), in ONE VM booted on the kernel of
# scripts/debug-kernel/ (KASAN, lockdep, kmemleak, UBSAN) with
# panic_on_warn=1, slab_nomerge (namespaces and conntrack entries are
# counted in their own slab caches) and a 16 MB kernel log. PARTs (default
# all, in this order; see tests/stress/guest-stress.sh):
#   e2e       the end-to-end suite, SYNGATE, one backend, both families and
#             hooks, smaller volumes
#   fuzz      >= STRESS_FUZZ hostile segments (AF_PACKET, tests/stress/
#             tcpfuzz.c) with legitimate IPv4 and IPv6 connections throughout
#   modcycle  module remove/insert cycles under a flood
#   netns     namespace create/destroy cycles with traffic in flight
# then the kernel log and kmemleak are judged.
#
# Volumes: by default the issue's (all four e2e combinations, 1M fuzz
# segments, 10 module cycles, 8 namespace rounds; about two hours on 2
# emulated CPUs). --check: what `make check` runs in about 20 minutes
# (tests/check.sh): see CHECK_PRESET below. An explicit STRESS_* or E2E_*
# variable wins over both.
#
# Prints the guest's PASS/FAIL/SKIP lines, its "stress: ..." counts, any
# kernel report, and last "N passed, N failed[, N skipped]". Exit 0 iff
# nothing failed. Logs: build/stress/ (guest.out, console.log).
# Env: STRESS_TIMEOUT (VM seconds; default 14400, --check 2700),
#      STRESS_MEM (MB, default 2048), STRESS_E2E_COMBOS, STRESS_FUZZ,
#      STRESS_FUZZ_SECONDS, STRESS_FUZZ_MIN, STRESS_SESSION_SEGS,
#      STRESS_MODCYCLES, STRESS_NETNS, STRESS_FLOOD_RATE, STRESS_LEGIT_PAUSE,
#      STRESS_SAMPLE (tests/stress/guest-stress.sh), E2E_* (tests/e2e/run.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
logdir=$top/build/stress
mkdir -p "$logdir"
results=$logdir/results.txt
: > "$results"
say() { echo "stress: $*" >&2; }
rec() { echo "$1"; echo "$1" >> "$results"; }
finish() {
	local p f s
	p=$(grep -c '^PASS' "$results")
	f=$(grep -c '^FAIL' "$results")
	s=$(grep -c '^SKIP' "$results")
	echo "$p passed, $f failed$([ "$s" != 0 ] && echo ", $s skipped")"
	[ "$f" = 0 ]
	exit $?
}

# What `make check` runs. Measured on this project's 2-core machines (qemu
# TCG, no KVM): a hostile segment costs the debug kernel 2-4 ms of emulated
# CPU (1 ms of it only to move a frame from the sender into the gateway:
# KASAN and kmemleak track every sk_buff), i.e. some 250-350 segments/s on
# the two vCPUs with the legitimate clients and sessions running. A million
# takes an hour or more: that is the full run's; make check's flood is
# time-boxed (STRESS_FUZZ_SECONDS) and passes from STRESS_FUZZ_MIN
# segments. The e2e suite runs two of its four combinations (IPv4 FORWARD,
# IPv6 INPUT: both families, both hooks), about 5 minutes each here.
CHECK_PRESET=(
	"STRESS_E2E_COMBOS=4/FORWARD 6/INPUT"
	STRESS_FUZZ=1000000
	STRESS_FUZZ_SECONDS=300
	STRESS_FUZZ_MIN=30000
	STRESS_MODCYCLES=4
	STRESS_NETNS=3
	E2E_FLOOD_SYNS=3000
	E2E_ACKFLOOD=1000
	E2E_LOSSY_BYTES=524288
)

check=0 parts=()
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	e2e|fuzz|modcycle|netns) parts+=("$a") ;;
	-h|--help) sed -n '3,31p' "$0"; exit 0 ;;
	*) echo "usage: tests/stress/run.sh [--check] [e2e|fuzz|modcycle|netns]..." >&2; exit 2 ;;
	esac
done
[ ${#parts[@]} -gt 0 ] || parts=(e2e fuzz modcycle netns)
if [ "$check" = 1 ]; then
	for kv in "${CHECK_PRESET[@]}"; do
		name=${kv%%=*}
		[ -n "${!name+x}" ] || export "${kv?}"
	done
fi
timeout=${STRESS_TIMEOUT:-$([ "$check" = 1 ] && echo 2700 || echo 14400)}

t0=$(date +%s)
if ! vars=$(scripts/debug-kernel/build.sh 2> >(tee "$logdir/debug-kernel.log" >&2)); then
	rec "FAIL stress: the debug kernel did not build (see $logdir/debug-kernel.log)"
	finish
fi
eval "$vars"
export KERNEL_IMAGE KERNEL_MODDIR KERNEL_BUILD
t1=$(date +%s)
say "debug kernel ready in $((t1 - t0))s: $KERNEL_IMAGE"

# The guest programs: ours, and the test programs and plugin (make).
if ! gcc -O2 -Wall -Wextra -Werror -o tests/stress/tcpfuzz tests/stress/tcpfuzz.c \
		> "$logdir/tcpfuzz.log" 2>&1; then
	cat "$logdir/tcpfuzz.log"
	rec "FAIL stress: tests/stress/tcpfuzz.c does not build"
	finish
fi
if ! make -s userspace progs > "$logdir/make.log" 2>&1; then
	tail -n 20 "$logdir/make.log"
	rec "FAIL stress: make userspace progs failed (see $logdir/make.log)"
	finish
fi

envs=()
for v in $(compgen -e | grep -E '^STRESS_' || true); do
	envs+=(--env "$v")
done

out=$logdir/guest.out
con=$logdir/console.log
say "booting the debug kernel: tests/stress/guest-stress.sh ${parts[*]} (timeout ${timeout}s)"
scripts/vm/run.sh --kernel custom --timeout "$timeout" --mem "${STRESS_MEM:-2048}" \
	--append "panic_on_warn=1 slab_nomerge log_buf_len=16M" \
	--out "$out" "${envs[@]}" -- tests/stress/guest-stress.sh "${parts[@]}" \
	> "$con" 2>&1 < /dev/null
rc=$?
t2=$(date +%s)
say "VM exit $rc after $((t2 - t1))s (console: $con)"
[ -f "$out" ] || : > "$out"
# what the guest printed: counts, details, results
grep -a -E '^(stress|e2e|tcpfuzz|combo|  )' "$out" | head -n 400
while IFS= read -r l; do
	rec "$l"
done < <(grep -a -E '^(PASS|FAIL|SKIP)( |:)' "$out")
if [ "$rc" != 0 ] && ! grep -a -q '^FAIL' "$out"; then
	case $rc in
	124) rec "FAIL stress: debug VM timed out after ${timeout}s (console: $con)" ;;
	125) rec "FAIL stress: debug VM died (panic_on_warn: a WARN, KASAN or UBSAN report?) (console: $con)" ;;
	*) rec "FAIL stress: debug VM exit status $rc (console: $con)" ;;
	esac
fi
if [ "$rc" = 124 ] || [ "$rc" = 125 ]; then
	echo "stress: kernel reports on the console:"
	grep -a -E -B 2 -A 40 'BUG:|WARNING:|KASAN|UBSAN|Kernel panic|Oops|lockdep|unreferenced object' \
		"$con" | head -n 200 | sed 's/^/  | /'
fi
say "total $(( $(date +%s) - t0 ))s"
finish
