#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/debugvm.sh: what the two debug-kernel test drivers,
# tests/kunit.sh and tests/stress/run.sh, share. Sourced from the repo's
# top directory.
#
#   debugvm_init NAME     logs in build/NAME/ ($logdir), results in
#                         $logdir/results.txt ($results), emptied
#   say MSG...            "NAME: MSG" on stderr
#   rec LINE              print LINE and record it as a result
#   finish                "N passed, N failed[, N skipped]" and exit,
#                         0 iff nothing failed
#   debugvm_kernel        build or reuse the debug kernel
#                         (scripts/debug-kernel/build.sh) and export what
#                         scripts/vm/run.sh --kernel custom needs; if it
#                         does not build, a FAIL result and finish
#   debugvm_boot_notice CONSOLE
#                         what run.sh printed when a kernel died before
#                         /init and it booted a second time, if it did

debugvm_init() {
	DEBUGVM_NAME=$1
	logdir=$PWD/build/$1
	mkdir -p "$logdir"
	results=$logdir/results.txt
	: > "$results"
}

say() { echo "$DEBUGVM_NAME: $*" >&2; }
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

debugvm_kernel() {
	local vars t0

	t0=$(date +%s)
	if ! vars=$(scripts/debug-kernel/build.sh 2> >(tee "$logdir/debug-kernel.log" >&2)); then
		rec "FAIL $DEBUGVM_NAME: the debug kernel did not build (see $logdir/debug-kernel.log)"
		finish
	fi
	eval "$vars"
	export KERNEL_IMAGE KERNEL_MODDIR KERNEL_BUILD KERNEL_QEMU_CPU
	say "debug kernel ready in $(( $(date +%s) - t0 ))s: $KERNEL_IMAGE"
}

debugvm_boot_notice() {
	sed -n '/^run.sh: the kernel died before/,/^run.sh: booting again/p' "$1"
}
