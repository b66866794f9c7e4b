#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise make bench's long-path runs (tests/bench/longpath.sh).

Input: the guest's output with "LONG rep=N loss=L target=T ratio=R
direct_us=D target_us=U" lines. Output: per loss rate and target, the
median share of the direct path's throughput over the repetitions, its
range, and SYNGATE's throughput over SYNPROXY's (medians of the pairs
from the same repetition), as ratio.* lines like report.py's.
"""
import statistics
import sys
from collections import defaultdict


def parse(path):
    runs = []
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("LONG "):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            if "error" in kv or not kv.get("ratio"):
                print("long-path: failed run: " + line.strip(), file=sys.stderr)
                continue
            runs.append(kv)
    return runs


def main():
    runs = parse(sys.argv[1])
    if not runs:
        print("long-path: no runs")
        return 1
    share = defaultdict(list)          # (loss, target) -> [ratio]
    pairs = defaultdict(dict)          # (loss, rep) -> {target: target_us}
    for r in runs:
        share[(r["loss"], r["target"])].append(float(r["ratio"]))
        pairs[(r["loss"], r["rep"])][r["target"]] = float(r["target_us"])
    print("long path, client without timestamps (50 ms each way, 10 Mbit/s):")
    print("%-6s %-9s %6s %17s %5s" % ("loss", "target", "median", "range", "runs"))
    for (loss, target), v in sorted(share.items()):
        print("%-6s %-9s %6.3f %8.3f-%-8.3f %5d"
              % (loss, target, statistics.median(v), min(v), max(v), len(v)))
    for loss in sorted({k[0] for k in share}):
        for target in ("SYNGATE", "SYNPROXY"):
            v = share.get((loss, target))
            if v:
                print("ratio.long_path_%s.%s_vs_direct=%.3f"
                      % (loss.rstrip("%") + "pct", target.lower(),
                         statistics.median(v)))
        # throughput ratio = SYNPROXY's time over SYNGATE's, per repetition
        paired = [p["SYNPROXY"] / p["SYNGATE"] for (l, _), p in pairs.items()
                  if l == loss and "SYNGATE" in p and "SYNPROXY" in p]
        if paired:
            print("ratio.long_path_%s.syngate_vs_synproxy=%.3f [%.3f-%.3f]"
                  % (loss.rstrip("%") + "pct", statistics.median(paired),
                     min(paired), max(paired)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
