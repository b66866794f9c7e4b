#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kunit-guest.sh: run in the debug-kernel VM by tests/kunit.sh. Loads
# syngate_kunit.ko (its KUnit suites run at load), prints the KUnit part of
# the kernel log between SYNGATE-KTAP-BEGIN / SYNGATE-KTAP-END for the host
# to parse, then unloads it and judges the kernel log and kmemleak.
cd "$(dirname "$0")/.." || exit 2
. tests/stress/lib.sh

rc=0
sg_log_start
mark=$(dmesg | wc -l)
t0=$(date +%s)
if ! modprobe syngate_kunit; then
	echo "FAIL kunit: modprobe syngate_kunit failed"
	rc=1
fi
t1=$(date +%s)
echo "kunit: suites ran in $((t1 - t0))s"
echo SYNGATE-KTAP-BEGIN
dmesg | tail -n +"$((mark + 1))"
echo SYNGATE-KTAP-END
for d in /sys/kernel/debug/kunit/syngate_*; do
	[ -e "$d/results" ] && echo "kunit: debugfs suite ${d##*/}"
done
# The module loads and unloads cleanly (its resources released).
modprobe -r syngate_kunit || { echo "FAIL kunit: rmmod syngate_kunit"; rc=1; }
sg_kernel_verdict "KUnit run" || rc=1
exit $rc
