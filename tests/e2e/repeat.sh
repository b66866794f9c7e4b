#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/e2e/repeat.sh RUNS: tests/e2e/run.sh RUNS times in a row on the same
# machine, with run.sh's E2E_* filters, counting what fails. A failure that
# shows once in a few hundred runs fails CI about once a week; this is how
# the suite proves it does not have one (issue 18). Run it in the VM:
#
#   scripts/stability.sh [--kernel 6.1|6.12] [--runs N] [--loop]
#
# REPEAT_STOP=1 stops at the first failing run. Prints one line per run,
# every FAIL line with its run number and the failing run's whole output
# (the scenario's own diagnosis: sockets, conntrack, counters), a tally of
# the FAIL lines by scenario, and last "N passed, N failed" where each run
# counts once (passed: a run with no FAIL line and exit 0).
set -u
export LC_ALL=C

runs=${1:-}
case $runs in
'' | *[!0-9]*)
	echo "usage: tests/e2e/repeat.sh RUNS" >&2
	exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
fails=$(mktemp)
trap 'rm -f "$log" "$fails"' EXIT

good=0 bad=0 t0=$(date +%s)
for i in $(seq 1 "$runs"); do
	s=$(date +%s)
	bash "$here/run.sh" > "$log" 2>&1 < /dev/null
	rc=$?
	last=$(tail -n 1 "$log")
	echo "run $i/$runs: $last (exit $rc, $(( $(date +%s) - s ))s)"
	if [ $rc -eq 0 ] && ! grep -q '^FAIL' "$log"; then
		good=$((good + 1))
		continue
	fi
	bad=$((bad + 1))
	grep '^FAIL' "$log" | sed "s/^/run $i: /" | tee -a "$fails"
	echo "--- run $i: whole output"
	sed 's/^/  | /' "$log"
	echo "--- end of run $i"
	[ "${REPEAT_STOP:-0}" = 1 ] && break
done
echo "repeat: $((good + bad)) runs in $(( $(date +%s) - t0 ))s;" \
	"failing runs: $bad"
if [ -s "$fails" ]; then
	echo "repeat: FAIL lines by scenario and combination:"
	sed 's/^run [0-9]*: FAIL \(.*\) : .*/\1/' "$fails" | sort | uniq -c
fi
echo "$good passed, $bad failed"
[ "$bad" -eq 0 ]
