#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/run.sh [--smoke|--check] [PART...]: the debug-kernel tests that are
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
# segments, 10 module cycles, 8 namespace rounds; see README.md for how
# long that takes). --smoke: what `make check` runs (tests/check.sh), about
# 8 minutes of VM: a short fuzz window with legitimate connections, 2
# module cycles, 1 namespace round, no e2e (SMOKE_PRESET below). --check:
# a larger reduced run, about 20 minutes (CHECK_PRESET). An explicit
# STRESS_* or E2E_* variable wins over the presets.
#
# Prints the guest's PASS/FAIL/SKIP lines, its "stress: ..." counts, any
# kernel report, and last "N passed, N failed[, N skipped]". Exit 0 iff
# nothing failed. Logs: build/stress/ (guest.out, console.log).
# Env: STRESS_TIMEOUT (VM seconds; default 14400, --check 2700, --smoke 1200),
#      STRESS_MEM (MB, default 2048), STRESS_SMP (vCPUs, default 2),
#      STRESS_E2E_COMBOS, STRESS_FUZZ, STRESS_FUZZ_SECONDS, STRESS_FUZZ_MIN,
#      STRESS_FUZZ_BATCH, STRESS_SESSIONS, STRESS_SESSION_SEGS,
#      STRESS_SESSION_PAUSE, STRESS_LEGIT_BATCH, STRESS_LEGIT_PAUSE,
#      STRESS_MODCYCLES, STRESS_NETNS, STRESS_FLOOD_RATE, STRESS_SAMPLE,
#      STRESS_PERF, STRESS_PERF_DELAY (tests/stress/guest-stress.sh), E2E_*
#      (tests/e2e/run.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
# shellcheck source=tests/lib/debugvm.sh
. tests/lib/debugvm.sh
debugvm_init stress

# Where a hostile segment's time goes on the debug kernel under TCG
# (perf in the guest during a flood, STRESS_PERF=40): in the sanitizers'
# bookkeeping of every sk_buff and conntrack entry allocated and freed on
# its way: KASAN's alloc/free/call_rcu stack traces (ORC unwinding, ~27%
# of the guest's CPU), kmemleak's object per allocation (~17%), lockdep
# (~14%); the netfilter and TCP work proper is a small part. None of them
# is turned down here, and no boot option would do it without giving up
# detection: generic KASAN on 6.12 has no switch for its stack traces
# (kasan.stacktrace= is for the tag-based modes only), kmemleak and lockdep
# have only "off". What was cheap already: kmemleak's scan thread is not in
# the kernel (CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN unset: the harness scans once
# at the end, tests/stress/lib.sh), and the console gets warnings only
# (none come during a clean run). What the harness controls is what else
# the guest does meanwhile: before the legitimate clients and hand-made
# sessions were batched (a process costs this kernel more than a
# connection), process creation took more of the CPU than the flood; see
# tests/stress/guest-stress.sh. Same command (120 s flood, a 40 s profile
# in it, another VM on the host part of the time): 56 segments/s before,
# 205/s after.
#
# --check: a reduced run of every part, about 20 minutes: two of the e2e
# suite's four combinations (IPv4 FORWARD, IPv6 INPUT: both families, both
# hooks), a 300 s flood, 4 module cycles, 3 namespace rounds.
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

# What `make check` runs by default (tests/check.sh), on a budget of about
# 8 minutes of VM wall on a 2-core machine: the debug kernel with
# panic_on_warn, a 90 s hostile flood of both families with legitimate
# connections and hand-made sessions throughout, 2 module remove/insert
# cycles under a flood, 1 namespace destroy round with traffic in flight,
# then dmesg and kmemleak judged. STRESS_FUZZ_MIN is a floor that only a
# broken path misses (about 200 segments/s come through here, 60/s with a
# second VM on the host), not a timing test.
SMOKE_PRESET=(
	STRESS_FUZZ=1000000
	STRESS_FUZZ_SECONDS=90
	STRESS_FUZZ_MIN=2000
	STRESS_MODCYCLES=2
	STRESS_NETNS=1
)
SMOKE_PARTS=(fuzz modcycle netns)

preset="" parts=()
for a in "$@"; do
	case $a in
	--check) preset=check ;;
	--smoke) preset=smoke ;;
	e2e|fuzz|modcycle|netns) parts+=("$a") ;;
	-h|--help) sed -n '3,36p' "$0"; exit 0 ;;
	*) echo "usage: tests/stress/run.sh [--smoke|--check] [e2e|fuzz|modcycle|netns]..." >&2; exit 2 ;;
	esac
done
if [ ${#parts[@]} = 0 ]; then
	parts=(e2e fuzz modcycle netns)
	[ "$preset" = smoke ] && parts=("${SMOKE_PARTS[@]}")
fi
case $preset in
check) presetvars=("${CHECK_PRESET[@]}") ;;
smoke) presetvars=("${SMOKE_PRESET[@]}") ;;
*) presetvars=() ;;
esac
for kv in "${presetvars[@]}"; do
	name=${kv%%=*}
	[ -n "${!name+x}" ] || export "${kv?}"
done
case $preset in
check) timeout=${STRESS_TIMEOUT:-2700} ;;
smoke) timeout=${STRESS_TIMEOUT:-1200} ;;
*) timeout=${STRESS_TIMEOUT:-14400} ;;
esac

t0=$(date +%s)
debugvm_kernel
t1=$(date +%s)

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

# STRESS_PERF (a profile of the fuzz flood, tests/stress/guest-stress.sh)
# needs perf in the guest: the host's, as make bench does.
if [ "${STRESS_PERF:-0}" != 0 ]; then
	export EXTRA_BINS="${EXTRA_BINS:+$EXTRA_BINS }perf"
fi

envs=()
for v in $(compgen -e | grep -E '^STRESS_' || true); do
	envs+=(--env "$v")
done

out=$logdir/guest.out
con=$logdir/console.log
say "booting the debug kernel: tests/stress/guest-stress.sh ${parts[*]} (timeout ${timeout}s)"
scripts/vm/run.sh --kernel custom --timeout "$timeout" --mem "${STRESS_MEM:-2048}" \
	--smp "${STRESS_SMP:-2}" \
	--append "panic_on_warn=1 slab_nomerge log_buf_len=16M" \
	--out "$out" "${envs[@]}" -- tests/stress/guest-stress.sh "${parts[@]}" \
	> "$con" 2>&1 < /dev/null
rc=$?
t2=$(date +%s)
say "VM exit $rc after $((t2 - t1))s (console: $con)"
debugvm_boot_notice "$con"
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
