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
SG_REPORT_RE+='Object already free|invalid opcode|stack segment|double fault|'
SG_REPORT_RE+='unregister_netdevice: waiting for|kmemleak: .*(disabled|[Cc]annot)'

# Taint bits that mean the kernel saw a bug (W, D, B, L, ...): see
# Documentation/admin-guide/tainted-kernels.rst. O (out-of-tree, 4096) and
# E (unsigned) are expected for our module.
SG_BAD_TAINT=$(( (1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14) ))

# Marks in the kernel log are printk timestamps (CONFIG_PRINTK_TIME), not
# line numbers: the ring buffer drops its oldest lines when it is full.
sg_log_mark=0
sg_part_mark=0

# sg_log_ts: the timestamp of the kernel log's last line.
sg_log_ts() {
	dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\].*/\1/p' | grep . || echo 0
}

# sg_log_since MARK: the kernel log's lines after timestamp MARK (a line
# without a timestamp goes with the one before it).
sg_log_since() {
	dmesg | awk -v m="$1" '
		match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
			t = substr($0, 2, RLENGTH - 2) + 0
		}
		t > m + 0 { print }'
}

# sg_log_start: what dmesg holds now is not ours to judge (boot), and let
# kmemleak forget what it suspects already (boot-time false positives).
sg_log_start() {
	sg_log_mark=$(sg_log_ts)
	sg_part_mark=$sg_log_mark
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan > /sys/kernel/debug/kmemleak 2>/dev/null
		echo clear > /sys/kernel/debug/kmemleak 2>/dev/null
	fi
	# Warnings and worse on the console too: if a report panics the VM
	# (panic_on_warn), the host sees it in the console tail.
	echo 5 > /proc/sys/kernel/printk
}

# sg_part_reports WHAT: report lines the kernel logged since the last call
# (or sg_log_start), printed under WHAT so that a report can be told apart
# by phase; the verdict itself is sg_kernel_verdict's. Returns 1 if any.
sg_part_reports() {
	local what=$1 n lines
	n=$(sg_log_ts)
	lines=$(sg_log_since "$sg_part_mark" | grep -E "$SG_REPORT_RE")
	sg_part_mark=$n
	if [ -n "$lines" ]; then
		echo "stress: $what: $(echo "$lines" | wc -l) kernel report line(s) during it:"
		echo "$lines" | head -n 20 | sed 's/^/  | /'
		return 1
	fi
	echo "stress: $what: no kernel report during it"
	return 0
}

# sg_kmemleak: two scans (objects must be unreferenced and older than 5 s),
# then print what kmemleak suspects; returns 1 if anything, or if kmemleak
# turned itself off (it does on an internal error: then it finds nothing).
sg_kmemleak() {
	local f=/sys/kernel/debug/kmemleak
	[ -e "$f" ] || { echo "SKIP kernel: kmemleak (no $f: not in this kernel)"; return 0; }
	sleep 6
	if ! { echo scan > "$f"; } 2>/dev/null; then
		echo "FAIL kernel: kmemleak is off (a scan was refused): it cannot vouch for the run"
		dmesg | grep -i kmemleak | tail -n 5 | sed 's/^/  | /'
		return 1
	fi
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
	lines=$(sg_log_since "$sg_log_mark" | grep -E "$SG_REPORT_RE")
	if [ -n "$lines" ] || [ $((taint & SG_BAD_TAINT)) != 0 ]; then
		echo "FAIL kernel: $what: kernel reports in dmesg (tainted=$taint):"
		sg_log_since "$sg_log_mark" |
			grep -E -B 2 -A 40 "$SG_REPORT_RE" | head -n 200 | sed 's/^/  | /'
		rc=1
	else
		echo "PASS kernel: $what: no KASAN/UBSAN/lockdep/WARN/BUG report in dmesg (tainted=$taint)"
	fi
	sg_kmemleak || rc=1
	return $rc
}
