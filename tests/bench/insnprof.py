#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""insnprof.py GUEST_OUTPUT PROFILE_DIR: instructions per function, per event.

`BENCH_INSN_PROFILE=1 make bench` (scripts/bench.sh) has the TCG plugin
(tests/bench/insncount.so) count, for every measured run, the guest
instructions the gateway's vCPU executed in each code block, and the guest
print its function addresses (/proc/kallsyms, gzip+base64, between
KALLSYMS-BEGIN and KALLSYMS-END). This names each block by the function it
starts in and divides by the run's events (SYN-ACKs of a flood run,
forwarded segments of an est or bulk run): the gateway's instructions per
event, function by function, summed over the repetitions of a
configuration. Then, for SYNGATE against each other configuration of the
same kind of run, the functions whose count differs most.

Unlike a sampling profile it counts every instruction, so two
configurations' figures can be subtracted function by function.
"""
import base64
import bisect
import gzip
import os
import sys

from report import NAMES, parse

# run kind -> (its BENCH key counting events, what one event is)
EVENTS = {"flood": ("synacks", "SYN-ACK"), "est": ("fwd", "est segment"),
          "bulk": ("pkts", "bulk segment")}
TOP = 25


def read_kallsyms(path):
    """The kernel's text symbols the guest printed: sorted (address, name)."""
    b64, in_syms = [], False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "KALLSYMS-BEGIN":
                in_syms = True
            elif line == "KALLSYMS-END":
                in_syms = False
            elif in_syms:
                b64.append(line)
    syms = []
    if b64:
        text = gzip.decompress(base64.b64decode("".join(b64))).decode(errors="replace")
        for ln in text.splitlines():
            p = ln.split()
            if len(p) >= 3:
                name = p[2] + (f" {p[3]}" if len(p) > 3 else "")
                syms.append((int(p[0], 16), name))
    syms.sort()
    return syms


def symbolize(syms):
    addrs = [a for a, _ in syms]

    def name(pc):
        i = bisect.bisect_right(addrs, pc) - 1
        # past the last symbol of a region (user space, trampolines)
        if i < 0 or pc - addrs[i] > (1 << 20):
            return "?"
        return syms[i][1]
    return name


def read_dump(path, name):
    per_fn = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) != 2:
                continue
            fn = name(int(p[0], 16))
            per_fn[fn] = per_fn.get(fn, 0) + int(p[1])
    return per_fn


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: insnprof.py GUEST_OUTPUT PROFILE_DIR")
    guest, dumps = sys.argv[1:]
    syms = read_kallsyms(guest)
    if not syms:
        sys.exit("insnprof.py: no KALLSYMS block in " + guest)
    name = symbolize(syms)
    # (kind, cfg) -> instructions per function and events, over repetitions
    insns, events = {}, {}
    for r in parse(guest)[1]:
        if r["kind"] not in EVENTS or "mark" not in r:
            continue
        path = os.path.join(dumps, r["mark"])
        if not os.path.isfile(path):
            continue
        n = float(r.get(EVENTS[r["kind"]][0], "nan"))
        if not n > 0:
            continue
        key = (r["kind"], r["cfg"])
        fns = insns.setdefault(key, {})
        for fn, x in read_dump(path, name).items():
            fns[fn] = fns.get(fn, 0) + x
        events[key] = events.get(key, 0.0) + n
    if not insns:
        sys.exit("insnprof.py: no dump matches a run in " + guest)

    print("== Instruction profile: gateway (vCPU 1) guest instructions per event,"
          " by function (every instruction counted, repetitions summed)")
    per = {}
    for (kind, cfg), fns in sorted(insns.items()):
        ev = events[(kind, cfg)]
        per[(kind, cfg)] = {fn: n / ev for fn, n in fns.items()}
        total = sum(per[(kind, cfg)].values())
        print(f"\n-- {NAMES[cfg]}, {kind}: {total:.0f} instructions per"
              f" {EVENTS[kind][1]} ({ev:.0f} events)")
        for fn, x in sorted(per[(kind, cfg)].items(), key=lambda kv: -kv[1])[:TOP]:
            print(f"   {x:8.1f}  {100 * x / total:5.1f}%  {fn}")

    for kind in ("flood", "est", "bulk"):
        if (kind, "a") not in per:
            continue
        mine = per[(kind, "a")]
        for cfg in "bcde":
            other = per.get((kind, cfg))
            if other is None:
                continue
            diff = {fn: mine.get(fn, 0) - other.get(fn, 0) for fn in set(mine) | set(other)}
            print(f"\n-- SYNGATE minus {NAMES[cfg]}, {kind}:"
                  f" {sum(diff.values()):+.0f} instructions per {EVENTS[kind][1]};"
                  f" largest differences")
            for fn, x in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:TOP]:
                if abs(x) >= 0.5:
                    print(f"   {x:+8.1f}  {fn}")


if __name__ == "__main__":
    main()
