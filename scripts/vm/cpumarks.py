#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""cpumarks.py PIDFILE FIFO OUT [INSNS [PROFCTL]]: host CPU time of each
emulated vCPU, on cue.

scripts/vm/run.sh --cpu-marks starts this beside qemu. The guest writes
"MARK <label>" lines to its third serial port (/dev/ttyS2), which qemu
passes to FIFO; for each one this appends to OUT

    <label> <ns> <ns> ...

the CPU time the host has spent so far running each vCPU thread ("CPU
0/TCG", "CPU 1/TCG", ... in vCPU order; /proc/PID/task/TID/schedstat).

Why: under TCG a guest's own CPU accounting is wall time seen from inside.
When the host deschedules a vCPU thread in the middle of guest work, the
guest counts the lost time as busy, so its /proc/stat grows with the
host's load. The host's count of the thread's CPU time does not: it is the
emulation work the guest's code needed, whatever else the host runs.

With INSNS (the counter file of tests/bench/insncount.so, run.sh
--insn-plugin) each line also carries the guest instructions each vCPU
has executed so far:

    <label> <ns> <ns> ... insn <count> <count> ...

The host's CPU time still moves with what else the host runs (caches,
frequency, its other threads); the instruction count does not.

With PROFCTL (the plugin's control FIFO, run.sh --insn-profile) a mark
"<id> start" also tells the plugin to start counting per block afresh,
and "<id> end" to write what it counted to its profile directory as <id>.
"""
import os
import struct
import sys
import time


def vcpu_threads(pid):
    """TIDs of qemu's TCG vCPU threads, in vCPU order."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        # qemu -name ...,debug-threads=on names them "CPU <n>/TCG"
        if name.startswith("CPU ") and name.endswith("/TCG"):
            found[int(name[4:-4])] = tid
    return [found[k] for k in sorted(found)]


def oncpu_ns(pid, tid):
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            return f.read().split()[0]
    except OSError:
        return "-1"


def insn_counts(path, n):
    """The first n u64 counters of the plugin's file (vCPU order)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(8 * n)
    except OSError:
        return ["-1"] * n
    if len(raw) < 8 * n:
        return ["-1"] * n
    return [str(c) for c in struct.unpack(f"<{n}Q", raw)]


def profile_order(label):
    """The plugin's order for a mark: "<id> start" resets, "<id> end"
    dumps as <id>; any other mark, none."""
    words = label.split()
    if len(words) != 2:
        return None
    return {"start": "reset\n", "end": f"dump {words[0]}\n"}.get(words[1])


def main():
    if len(sys.argv) not in (4, 5, 6):
        sys.exit("usage: cpumarks.py PIDFILE FIFO OUT [INSNS [PROFCTL]]")
    pidfile, fifo, out = sys.argv[1:4]
    insns = sys.argv[4] if len(sys.argv) >= 5 else None
    profctl = sys.argv[5] if len(sys.argv) == 6 else None
    ctl = None
    # qemu writes its pid file once it is up, before the guest runs.
    for _ in range(600):
        try:
            with open(pidfile) as f:
                pid = int(f.read().split()[0])
            break
        except (OSError, ValueError, IndexError):
            time.sleep(0.1)
    else:
        sys.exit("cpumarks.py: no qemu pid file")
    tids = []
    with open(fifo, "rb", buffering=0) as src, open(out, "a") as dst:
        pending = b""
        while True:
            chunk = src.read(4096)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace").strip("\r ")
                if not line.startswith("MARK "):
                    continue
                if not tids:
                    tids = vcpu_threads(pid)
                ns = [oncpu_ns(pid, t) for t in tids]
                if insns:
                    ns += ["insn"] + insn_counts(insns, len(tids))
                label = line[5:].strip()
                dst.write(" ".join([label] + ns) + "\n")
                dst.flush()
                order = profile_order(label) if profctl else None
                if order:
                    if ctl is None:
                        ctl = open(profctl, "w", buffering=1)
                    ctl.write(order)


if __name__ == "__main__":
    main()
