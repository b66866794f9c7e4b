#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [options] -- COMMAND...: run COMMAND (bash, in /syngate = the repo's
# tests/ and scripts/) inside a throw-away qemu VM booted on a Debian kernel,
# with this tree's xt_SYNGATE.ko, libxt_SYNGATE.so and test programs in it.
# Exit status: COMMAND's status in the guest; 124 on timeout; 125 if the
# guest died without reporting one (panic, oops, hang ended by the kernel).
#
# Options:
#   --kernel 6.1|6.12|KVER|custom   (default 6.1; custom: KERNEL_IMAGE,
#                                    KERNEL_MODDIR[, KERNEL_BUILD] env)
#   --timeout SECONDS               whole run incl. boot (default 600)
#   --mem MB                        guest memory (default 1024)
#   --smp N                         guest CPUs (default 2; keep <= host cores)
#   --cpu MODEL                     qemu -cpu (default: the kernel's, see
#                                   scripts/vm/kernels.sh; max)
#   --append "ARGS"                 extra kernel command line
#   --out FILE                      also write the command's own output (no
#                                   kernel messages, no \r) to FILE
#   --env NAME                      pass host env var NAME into the guest
#                                   (E2E_* and SYNGATE_* always are)
#   --qemu ARG                      one more qemu argument (repeat it:
#                                   --qemu -device --qemu virtio-net-pci,...)
#   --no-build                      do not (re)build module/initramfs
#   --debug                         keep kernel console messages during the
#                                   command (default: only emergencies)
#   --cpu-marks FILE                the guest's "MARK <label>" lines on
#                                   /dev/ttyS2 append "<label> <ns>..." to
#                                   FILE: host CPU time of each vCPU thread
#                                   (scripts/vm/cpumarks.py)
#   --insn-plugin SO                with --cpu-marks: load the TCG plugin SO
#                                   (tests/bench/insncount.so); each mark
#                                   also records the guest instructions
#                                   each vCPU has executed
#   --insn-profile DIR              with --insn-plugin: between each mark
#                                   "<id> start" and "<id> end", the
#                                   instructions vCPU 1 executed per guest
#                                   code block, written to DIR/<id>
# Env: QEMU (default qemu-system-x86_64), QEMU_ACCEL (default tcg),
# RUN_BOOT_RETRIES (default 1; 0: no second boot after a kernel died before
# /init, see died_before_init below).
set -euo pipefail

die() { echo "run.sh: $*" >&2; exit 2; }

top=$(cd "$(dirname "$0")/../.." && pwd)
kname=6.1 tmo=600 mem=1024 smp=2 cpu="" append="" outfile="" build=1 debug=0 marks="" plugin="" profdir=""
envs=() qargs=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kname=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	--out) outfile=$2; shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--qemu) qargs+=("$2"); shift 2 ;;
	--no-build) build=0; shift ;;
	--debug) debug=1; shift ;;
	--cpu-marks) marks=$2; shift 2 ;;
	--insn-plugin) plugin=$(realpath "$2"); shift 2 ;;
	--insn-profile) profdir=$(realpath "$2"); shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,40p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "usage: run.sh [options] -- COMMAND..."

eval "$("$top/scripts/vm/kernels.sh" "$kname")"
cpu=${cpu:-$KCPU}
export KMODDIR KERNEL_BUILD=${KBUILD:-}

# The guest script: forwarded environment, then the command.
script=""
for v in $(compgen -e | grep -E '^(E2E_|SYNGATE_)' || true) "${envs[@]}"; do
	[ -n "${!v+x}" ] && script+="export $v=$(printf %q "${!v}")"$'\n'
done
if [ $# -eq 1 ]; then
	script+="$1"$'\n'    # one word: a shell command line as is
else
	script+="$(printf '%q ' "$@")"$'\n'
fi
b64=$(printf '%s' "$script" | base64 -w0)
# x86 COMMAND_LINE_SIZE is 2048; leave room for the rest.
[ ${#b64} -le 1600 ] || die "command too long for the kernel command line (${#b64} > 1600 base64 chars): put it in a script under tests/ or scripts/"

bdir=$top/build/$KVER
mkdir -p "$bdir"
initrd=$bdir/initramfs.cpio.gz
if [ "$build" = 1 ]; then
	# the test programs and tools the initramfs copies: a binary older
	# than its source (another branch, an edit) must not go in
	if ! make -s -C "$top/tests/progs" >&2 || ! make -s -C "$top/xt_userspace" >&2; then
		echo "run.sh: WARNING: tests/progs or xt_userspace did not build: the guest gets what is there" >&2
	fi
	if ! "$top/scripts/vm/build-kmod.sh" "$KVER" >&2; then
		echo "run.sh: WARNING: xt_SYNGATE.ko did not build for $KVER: the guest has no module" >&2
	fi
	MKINITRAMFS_QUIET=${MKINITRAMFS_QUIET:-} "$top/scripts/vm/mkinitramfs.sh" "$KVER" "$initrd" >&2
fi
[ -f "$initrd" ] || die "no initramfs $initrd"
# Private copy: a concurrent run may rebuild $initrd while qemu starts.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syngate-vm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$initrd" "$tmp/initrd"

cmdline="console=ttyS0 quiet panic=-1 oops=panic rdinit=/init syngate.cmd=$b64"
[ "$debug" = 1 ] && cmdline+=" syngate.debug=1"
cmdline+="$append"

# One boot. A third serial port carries CPU marks, read on the host by
# cpumarks.py.
boot() {
	local qextra=() marks_pid=""
	: > "$tmp/out"
	if [ -n "$marks" ]; then
		rm -f "$tmp/marks.in" "$tmp/marks.out"
		mkfifo "$tmp/marks.in" "$tmp/marks.out"
		: > "$marks"
		local insns=() pargs
		if [ -n "$plugin" ]; then
			insns=("$tmp/insns")
			pargs="out=$tmp/insns"
			if [ -n "$profdir" ]; then
				rm -f "$tmp/profctl"
				mkfifo "$tmp/profctl"
				mkdir -p "$profdir"
				insns+=("$tmp/profctl")
				pargs+=",prof=$profdir,ctl=$tmp/profctl"
			fi
			qextra=(-plugin "$plugin,$pargs")
		fi
		python3 "$top/scripts/vm/cpumarks.py" "$tmp/qemu.pid" "$tmp/marks.out" \
			"$marks" "${insns[@]}" &
		marks_pid=$!
		qextra+=(-name "syngate,debug-threads=on" -pidfile "$tmp/qemu.pid"
			-chardev "pipe,id=marks,path=$tmp/marks" -serial chardev:marks)
	fi
	echo "run.sh: booting $KVER (timeout ${tmo}s, ${mem} MB, smp $smp)" >&2
	set +e
	timeout -k 10 "$tmo" "${QEMU:-qemu-system-x86_64}" \
		-accel "${QEMU_ACCEL:-tcg}" -cpu "$cpu" -m "$mem" -smp "$smp" \
		-display none -monitor none -no-reboot -nic none \
		-chardev stdio,id=con,signal=off -serial chardev:con \
		-serial "file:$tmp/out" \
		-kernel "$KIMAGE" -initrd "$tmp/initrd" -append "$cmdline" \
		"${qextra[@]}" "${qargs[@]}" < /dev/null 2>&1 | tr -d '\r' | tee "$tmp/console"
	st=("${PIPESTATUS[@]}")
	[ -n "$marks_pid" ] && wait "$marks_pid"	# it ends at qemu's exit (end of FIFO)
	set -e
}

# The kernel died in its own boot: /init never announced itself, so no
# module of ours was loaded and no test had run. Seen in CI (a false KASAN
# report 3 s into the debug kernel's boot, since avoided: see
# KERNEL_QEMU_CPU in scripts/debug-kernel/build.sh); any such death is the
# kernel's or qemu's, and one more boot tells a fluke from a kernel that
# cannot boot.
died_before_init() {
	[ "${st[0]}" != 124 ] && [ "${st[0]}" != 137 ] &&
		! grep -a -q -E '^SYNGATE-(INIT|EXIT=[0-9]+)$' "$tmp/console"
}

start=$(date +%s.%N)
boot
if died_before_init && [ "${RUN_BOOT_RETRIES:-1}" -gt 0 ]; then
	echo "run.sh: the kernel died before /init started (qemu status ${st[0]}), before any module of ours or any test; its last console lines:" >&2
	tail -n 40 "$tmp/console" | sed 's/^/run.sh:   | /' >&2
	echo "run.sh: booting again, once" >&2
	boot
fi
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

tr -d '\r' < "$tmp/out" > "$tmp/out.clean"
[ -n "$outfile" ] && cp "$tmp/out.clean" "$outfile"

rc=$(grep -a -E '^SYNGATE-EXIT=[0-9]+$' "$tmp/out.clean" | tail -n 1 | cut -d= -f2 || true)
[ -n "$rc" ] || rc=$(grep -a -E '^SYNGATE-EXIT=[0-9]+$' "$tmp/console" | tail -n 1 | cut -d= -f2 || true)
if [ "${st[0]}" = 124 ] || [ "${st[0]}" = 137 ]; then
	echo "run.sh: TIMEOUT after ${tmo}s ($KVER)" >&2
	rc=124
elif [ -z "$rc" ]; then
	echo "run.sh: the guest ended without an exit status (qemu status ${st[0]}); last 80 console lines:" >&2
	tail -n 80 "$tmp/console" >&2
	rc=125
fi
echo "run.sh: $KVER: exit $rc, ${secs}s wall" >&2
exit "$rc"
