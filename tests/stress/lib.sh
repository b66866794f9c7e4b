#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/stress/lib.sh: helpers for the guest scripts that run on the debug
# kernel (scripts/debug-kernel/): kernel report scanning and kmemleak.
# Sourced; prints "PASS kernel: ..." / "FAIL kernel: ..." lines.

# Lines of a kernel log that are a report of a bug: sanitizers (KASAN,
# UBSAN, kmemleak), lockdep, WARN/BUG/oops, RCU and refcount checks, list
# debugging, net refcount trackers. Boot banners ("kasan: ...
# initialized", "kmemleak: Kernel memory leak detector initialized") do
# not match.
SG_REPORT_RE='BUG:|WARNING:|Oops|general protection fault|Kernel panic|'
SG_REPORT_RE+='KASAN:|UBSAN:|unreferenced object|suspected memory leak|'
SG_REPORT_RE+='possible recursive locking|possible circular locking|'
SG_REPORT_RE+='inconsistent lock state|INFO: lockdep|lockdep is turned off|'
SG_REPORT_RE+='suspicious RCU usage|detected stall|hung_task|blocked for more than|'
SG_REPORT_RE+='refcount_t:|list_add corruption|list_del corruption|'
SG_REPORT_RE+='leaked reference|ref_tracker|sleeping function called from invalid context|'
SG_REPORT_RE+='scheduling while atomic|BUG kmalloc|Redzone|Poison overwritten|'
SG_REPORT_RE+='Object already free|invalid opcode|stack segment|double fault'

# Taint bits that mean the kernel saw a bug (W, D, B, L, ...): see
# Documentation/admin-guide/tainted-kernels.rst. O (out-of-tree, 4096) and
# E (unsigned) are expected for our module.
SG_BAD_TAINT=$(( (1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14) ))

sg_log_mark=0

# sg_log_start: what dmesg holds now is not ours to judge (boot), and let
# kmemleak forget what it suspects already (boot-time false positives).
sg_log_start() {
	sg_log_mark=$(dmesg | wc -l)
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak 2>/dev/null
		echo clear > /sys/kernel/debug/kmemleak 2>/dev/null
	fi
	# Warnings and worse on the console too: if a report panics the VM
	# (panic_on_warn), the host sees it in the console tail.
	echo 5 > /proc/sys/kernel/printk
}

# sg_kmemleak: two scans (objects must be unreferenced and older than 5 s),
# then print what kmemleak suspects; returns 1 if anything.
sg_kmemleak() {
	local f=/sys/kernel/debug/kmemleak
	[ -w "$f" ] || { echo "SKIP kernel: kmemleak (no $f)"; return 0; }
	sleep 6
	echo scan > "$f"
	sleep 1
	echo scan > "$f"
	local n
	n=$(grep -c 'unreferenced object' "$f")
	if [ "$n" -gt 0 ]; then
		echo "FAIL kernel: kmemleak: $n unreferenced object(s):"
		head -n 120 "$f" | sed 's/^/  | /'
		return 1
	fi
	echo "PASS kernel: kmemleak: no unreferenced objects after the run"
	return 0
}

# sg_kernel_verdict WHAT: scan dmesg since sg_log_start and the taint
# flags; kmemleak; one PASS/FAIL line each; returns 1 on any report.
sg_kernel_verdict() {
	local what=$1 rc=0 taint lines
	taint=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo 0)
	lines=$(dmesg | tail -n +"$((sg_log_mark + 1))" | grep -E "$SG_REPORT_RE")
	if [ -n "$lines" ] || [ $((taint & SG_BAD_TAINT)) != 0 ]; then
		echo "FAIL kernel: $what: kernel reports in dmesg (tainted=$taint):"
		dmesg | tail -n +"$((sg_log_mark + 1))" |
			grep -E -B 2 -A 40 "$SG_REPORT_RE" | head -n 200 | sed 's/^/  | /'
		rc=1
	else
		echo "PASS kernel: $what: no KASAN/UBSAN/lockdep/WARN/BUG report in dmesg (tainted=$taint)"
	fi
	sg_kmemleak || rc=1
	return $rc
}
