#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of make bench's long-path figures (scripts/bench.sh): a
# client without timestamps downloading over a slow, long path (netem:
# 50 ms each way, 10 Mbit/s), direct and through each target, by the
# end-to-end suite's long-path scenario (tests/e2e/run.sh), with and
# without loss, BENCH_LONG_REPS times. Prints one line per run:
#   LONG rep=N loss=L target=T ratio=R direct_us=D target_us=U
# where R is the direct time over the target's (its share of the direct
# throughput). tests/bench/longpath.py summarises them.
#
# Env: BENCH_LONG_REPS (3), BENCH_LONG_LOSSES ("0% 1%"), BENCH_LONG_BYTES
# (4194304 without loss, 1048576 with: a lossy path is slower),
# BENCH_BACKEND (nft).
set -u
cd "$(dirname "$0")/../.." || exit 2

reps=${BENCH_LONG_REPS:-3}
for rep in $(seq 1 "$reps"); do
	for loss in ${BENCH_LONG_LOSSES:-0% 1%}; do
		bytes=4194304
		[ "$loss" != 0% ] && bytes=1048576
		# a benchmark: no pass mark, the figures are the result
		E2E_TARGETS="SYNPROXY SYNGATE" E2E_BACKENDS=${BENCH_BACKEND:-nft} \
		E2E_FAMILIES=4 E2E_HOOKS=FORWARD E2E_SCENARIOS=long-path \
		E2E_LONG_LOSS=$loss E2E_LONG_BYTES=${BENCH_LONG_BYTES:-$bytes} \
		E2E_LONG_MIN=0 E2E_LONG_NOSCALE_MIN=0 bash tests/e2e/run.sh 2>/dev/null |
		awk -v rep="$rep" -v loss="$loss" '
			$1 == "FAIL" { print "LONG rep=" rep " loss=" loss " error=" $0; next }
			$1 != "PASS" { next }
			{
				t = d = u = r = ""
				for (i = 2; i <= NF; i++) {
					split($i, kv, "=")
					# the first of each: the server that scales
					if (kv[1] == "target" && t == "") t = kv[2]
					if (kv[1] == "direct_us" && d == "") d = kv[2]
					if (kv[1] == "target_us" && u == "") u = kv[2]
					if (kv[1] == "ratio" && r == "") r = kv[2]
				}
				print "LONG rep=" rep " loss=" loss " target=" t " ratio=" r \
				      " direct_us=" d " target_us=" u
			}'
	done
done
