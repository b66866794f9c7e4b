#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the BENCH lines of tests/bench/guest.sh into the `make bench` report.

usage: report.py GUEST_OUTPUT OUTDIR [MARKS]

Writes OUTDIR/bench.csv (every figure per configuration: median, min, max,
reps), OUTDIR/runs.csv (every run), OUTDIR/sweep.dat + OUTDIR/bench.png
(gnuplot, when installed), OUTDIR/profile.txt, and prints a readable table
plus machine-readable lines
    ratio.<figure>.syngate_vs_synproxy=<x>
    ratio.<figure>.syngate_vs_syncookies=<x>
    ratio.<figure>.syngate_vs_none=<x>         (established-path figures)
CPU figures are the gateway's CPU (vCPU 1). With MARKS (scripts/vm/
cpumarks.py output: "<label> <vCPU0 ns> <vCPU1 ns>" at the guest's marks)
they are the host CPU time of vCPU 1's emulation thread over each run,
which a loaded host does not inflate; the guest's own /proc/stat figure
(window minus idle) is kept beside them as *_guest. Under qemu TCG only
ratios mean anything.
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys

NAMES = {"a": "SYNGATE", "b": "SYNPROXY", "c": "syncookies", "d": "none", "e": "rules-only",
         "l": "SYNGATE-learn", "x": "SYNGATE-XDP", "n": "SYNGATE-XDP-native",
         "y": "XDP-sample+SYNPROXY"}
# what SYNGATE (a) is compared with, and the tag of each ratio line
OTHERS = (("b", "synproxy"), ("c", "syncookies"), ("d", "none"), ("e", "rulesonly"),
          ("l", "learn"), ("x", "xdp"), ("n", "xdpnative"), ("y", "xdpsample"))
# (base, other, tag) of each ratio line "<figure>.<tag>": SYNGATE (a)
# against every other configuration, and its XDP front end (n native, x
# generic) against SYNPROXY and against the kernel's XDP sample in front
# of SYNPROXY (y)
PAIRS = tuple(("a", o, "syngate_vs_" + t) for o, t in OTHERS) + (
    ("n", "b", "xdpnative_vs_synproxy"), ("n", "y", "xdpnative_vs_xdpsample"),
    ("x", "b", "xdp_vs_synproxy"), ("x", "y", "xdp_vs_xdpsample"))
HZ = 100.0
IDLE = {"native_safe_halt", "default_idle", "amd_e400_idle", "default_idle_call",
        "cpuidle_idle_call", "do_idle", "acpi_idle_do_entry", "mwait_idle"}


def parse(path):
    runs, info, profiles, cur = [], {}, [], None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if cur is not None:
                if line.startswith("PROFILE-END"):
                    profiles.append(cur)
                    cur = None
                else:
                    cur[1].append(line)
                continue
            if line.startswith("PROFILE-BEGIN"):
                cur = (line[len("PROFILE-BEGIN "):], [])
                continue
            if not line.startswith("BENCH "):
                continue
            words = line.split()
            kind = words[1]
            kv = dict(w.split("=", 1) for w in words[2:] if "=" in w)
            if kind == "info":
                info = kv
            elif kind in ("flood", "bulk", "est", "mem", "error"):
                kv["kind"] = kind
                runs.append(kv)
    return info, runs, profiles


def read_marks(path):
    """{(id, "start"|"end"): (ns per vCPU, instructions per vCPU or None)}"""
    marks = {}
    if not path or not os.path.exists(path):
        return marks
    with open(path, errors="replace") as f:
        for line in f:
            p = line.split()
            # "<id> start|end <ns>... [insn <count>...]"
            if len(p) < 4 or p[1] not in ("start", "end"):
                continue
            vals, insns = p[2:], None
            if "insn" in vals:
                i = vals.index("insn")
                vals, insns = vals[:i], [int(x) for x in vals[i + 1:]]
            marks[(p[0], p[1])] = ([int(x) for x in vals], insns)
    return marks


def attach_host_cpu(runs, marks):
    """Host CPU seconds of each vCPU thread over each marked run, and the
    guest instructions each vCPU executed in it when counted."""
    n = 0
    for r in runs:
        a, b = marks.get((r.get("mark"), "start")), marks.get((r.get("mark"), "end"))
        if not a or not b:
            continue
        (na, ia), (nb, ib) = a, b
        if ia and ib and len(ia) >= 2 and len(ib) >= 2 and min(ia + ib) >= 0:
            r["insn0"] = str(ib[0] - ia[0])
            r["insn1"] = str(ib[1] - ia[1])
        if len(na) < 2 or len(nb) < 2 or min(na + nb) < 0:
            continue
        r["hcpu0"] = f"{(nb[0] - na[0]) / 1e9:.6f}"
        r["hcpu1"] = f"{(nb[1] - na[1]) / 1e9:.6f}"
        n += 1
    return n


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def flood_figures(r):
    win = num(r["win"])
    fgs = num(r["fg_secs"])
    syn = num(r["synacks"])
    cpu = busy(r, win)
    gcpu = guest_busy(r, win)
    ok, fail = num(r["ok"]), num(r["fail"])
    return {
        "offered_pps": num(r["sent"]) / fgs if fgs > 0 else float("nan"),
        "synack_per_s": syn / win if win > 0 else float("nan"),
        "gw_cpu_util_pct": 100.0 * cpu / win if win > 0 else float("nan"),
        "gw_cpu_s_per_msyn": cpu / (syn / 1e6) if syn > 0 else float("nan"),
        "synack_per_cpu_s": syn / cpu if cpu > 0 else float("nan"),
        "synack_per_cpu_s_guest": syn / gcpu if gcpu > 0 else float("nan"),
        "gw_softirq_share_pct": 100.0 * num(r["cpu1_sirq"]) / num(r["cpu1"])
        if num(r["cpu1"]) > 0 else float("nan"),
        "backlog_drops": num(r["drops"]),
        "legit_success_pct": 100.0 * ok / (ok + fail) if ok + fail > 0 else float("nan"),
        "legit_conns": ok + fail,
        "legit_p50_ms": num(r["p50_us"]) / 1000.0 if ok > 0 else float("nan"),
        "legit_p99_ms": num(r["p99_us"]) / 1000.0 if ok > 0 else float("nan"),
        "gw_insn_per_synack": per(r.get("insn1"), syn),
    }


def per(insns, n):
    """Gateway (vCPU 1) guest instructions per event, when counted."""
    x = num(insns)
    return x / n if x == x and n > 0 else float("nan")


def busy(r, win):
    """Gateway CPU seconds: the host's count for vCPU 1 when marked, else
    the guest's."""
    if "hcpu1" in r:
        return num(r["hcpu1"])
    return guest_busy(r, win)


def guest_busy(r, win):
    """Gateway CPU seconds as the guest sees them: window minus
    nohz-timestamped idle when known (tick-sampled busy time is unreliable
    under TCG), else the tick count."""
    if "cpu1_idle" in r and win == win and win > 0:
        return max(win - num(r["cpu1_idle"]) / HZ, 0.0)
    return num(r["cpu1"]) / HZ


def bulk_figures(r):
    by, us = num(r["bytes"]), num(r["us"])
    cpu = busy(r, num(r.get("win")))
    gcpu = guest_busy(r, num(r.get("win")))
    pk = num(r.get("pkts"))
    if us <= 0:
        return None
    return {
        "bulk_mb_per_s": by / us,
        "gw_cpu_s_per_gb": cpu / (by / 1e9) if by > 0 else float("nan"),
        "bulk_mb_per_cpu_s": by / 1e6 / cpu if cpu > 0 else float("nan"),
        "bulk_mb_per_cpu_s_guest": by / 1e6 / gcpu if gcpu > 0 else float("nan"),
        "gw_cpu_us_per_pkt": 1e6 * cpu / pk if pk > 0 else float("nan"),
        "gw_insn_per_pkt": per(r.get("insn1"), pk),
    }


def est_figures(r):
    win, rx, fwd = num(r.get("win")), num(r.get("rx")), num(r.get("fwd"))
    cpu = busy(r, win)
    gcpu = guest_busy(r, win)
    return {
        "est_fwd_per_s": fwd / win if win > 0 else float("nan"),
        "est_fwd_per_cpu_s": fwd / cpu if cpu > 0 else float("nan"),
        "est_fwd_per_cpu_s_guest": fwd / gcpu if gcpu > 0 else float("nan"),
        "est_fwd_pct": 100.0 * fwd / rx if rx > 0 else float("nan"),
        "gw_insn_per_est_fwd": per(r.get("insn1"), fwd),
    }


def agg(vals):
    vals = [v for v in vals if v == v]
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals), len(vals)


def fmt(x, nd=None):
    if x is None or x != x:
        return "-"
    if nd is None:
        nd = 0 if abs(x) >= 1000 else 1 if abs(x) >= 10 else 2 if abs(x) >= 1 else 3
    return f"{x:,.{nd}f}".replace(",", "")


def cell(a):
    if a is None:
        return "-"
    med, lo, hi, _ = a
    return f"{fmt(med)} [{fmt(lo)}-{fmt(hi)}]"


def write_profiles(outdir, profiles):
    """profile.txt, and each configuration's top functions on stdout."""
    if not profiles:
        return
    with open(os.path.join(outdir, "profile.txt"), "w") as f:
        for head, lines in profiles:
            f.write(f"== {head}\n" + "\n".join(lines) + "\n\n")
    print("\n== Profiles: perf cpu-clock on the gateway CPU; top self-time functions"
          " as a share of its busy (non-idle) samples")
    for head, lines in profiles:
        if "kind=self" not in head:
            continue
        ents = []
        for ln in lines:
            p = ln.split()
            if len(p) >= 3 and p[0].endswith("%"):
                ents.append((float(p[0][:-1]), p[-1]))
        idle = sum(v for v, n in ents if n in IDLE)
        busy_pct = 100.0 - idle
        print(f"-- {head.replace(' kind=self', '')}: gateway CPU busy {busy_pct:.0f}% of samples")
        top = [(v, n) for v, n in ents if n not in IDLE][:15]
        for v, n in top:
            print(f"   {100.0 * v / busy_pct if busy_pct > 0 else 0:5.1f}%  {n}")
    print(f"full profiles (self and children): {os.path.join(outdir, 'profile.txt')}")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: report.py GUEST_OUTPUT OUTDIR [MARKS]")
    src, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    info, runs, profiles = parse(src)
    if not runs and profiles:
        write_profiles(outdir, profiles)    # a profile-only run
        return
    if not runs:
        sys.exit("report.py: no BENCH lines in " + src)
    marked = attach_host_cpu(runs, read_marks(sys.argv[3] if len(sys.argv) == 4 else None))
    cpu_src = ("host CPU time of the gateway's vCPU thread" if marked
               else "the guest's /proc/stat (no host marks)")

    # every run, flattened
    with open(os.path.join(outdir, "runs.csv"), "w", newline="") as f:
        keys = sorted({k for r in runs for k in r})
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in runs:
            w.writerow(r)

    floods = [r for r in runs if r["kind"] == "flood"]
    bulks = [r for r in runs if r["kind"] == "bulk"]
    ests = [r for r in runs if r["kind"] == "est"]
    mems = [r for r in runs if r["kind"] == "mem"]
    rates = []
    for r in floods:
        if r["rate"] not in rates:
            rates.append(r["rate"])
    cfgs_f = sorted({r["cfg"] for r in floods})
    cfgs_b = sorted({r["cfg"] for r in bulks})
    cfgs_e = sorted({r["cfg"] for r in ests})

    # figures[(cfg, rate)][name] = agg
    fl = {}
    for c in cfgs_f:
        for rt in rates:
            figs = [flood_figures(r) for r in floods if r["cfg"] == c and r["rate"] == rt]
            if figs:
                fl[(c, rt)] = {k: agg([g[k] for g in figs]) for k in figs[0]}
    bk = {}
    for c in cfgs_b:
        figs = [g for g in (bulk_figures(r) for r in bulks if r["cfg"] == c) if g]
        if figs:
            bk[c] = {k: agg([g[k] for g in figs]) for k in figs[0]}
    es = {}
    for c in cfgs_e:
        figs = [est_figures(r) for r in ests if r["cfg"] == c]
        es[c] = {k: agg([g[k] for g in figs]) for k in figs[0]}
    sat = "0" if "0" in rates else (rates[-1] if rates else None)

    print(f"\nsyngate benchmark  kernel={info.get('kernel', '?')} link={info.get('link', 'veth')}"
          f" backend={info.get('backend', '?')}"
          f" rules={info.get('rules', 'manpage')}"
          f" reps={info.get('reps', '?')} flood_secs={info.get('secs', '?')}"
          f" (median [min-max] over reps; gateway = vCPU 1; qemu TCG: compare ratios only)")
    print(f"gateway CPU figures: {cpu_src} ({marked} of {len(runs)} runs marked);"
          f" *_guest: the guest's own accounting")
    counted = sum(1 for r in runs if "insn1" in r)
    if counted:
        print(f"gateway instructions: guest instructions vCPU 1 executed (tests/bench/insncount.so,"
              f" {counted} of {len(runs)} runs): the work done, whatever the host's load")

    # sweep table
    print("\n== SYN flood sweep (offered rate: target pps, 0 = generator's maximum)")
    hdr = ["config", "rate", "offered pps", "SYN-ACK/s", "gw CPU %", "gw CPU s/M SYN-ACK",
           "legit ok %", "legit p50 ms", "legit p99 ms"]
    rows = []
    for c in cfgs_f:
        for rt in rates:
            a = fl.get((c, rt))
            if not a:
                continue
            rows.append([NAMES[c], rt, cell(a["offered_pps"]), cell(a["synack_per_s"]),
                         cell(a["gw_cpu_util_pct"]), cell(a["gw_cpu_s_per_msyn"]),
                         cell(a["legit_success_pct"]), cell(a["legit_p50_ms"]),
                         cell(a["legit_p99_ms"])])
    table(hdr, rows)

    # summary figures per configuration
    summary = {}   # figure -> cfg -> agg
    order = []

    def put(fig, c, a):
        if a is None:
            return
        if fig not in summary:
            summary[fig] = {}
            order.append(fig)
        summary[fig][c] = a

    if sat is not None:
        for c in cfgs_f:
            a = fl.get((c, sat))
            if not a:
                continue
            put("synack_rate_max", c, a["synack_per_s"])
            put("gw_cpu_util_at_max", c, a["gw_cpu_util_pct"])
            put("synack_per_gw_cpu_s", c, a["synack_per_cpu_s"])
            put("synack_per_gw_cpu_s_guest", c, a["synack_per_cpu_s_guest"])
            put("gw_cpu_s_per_msyn", c, a["gw_cpu_s_per_msyn"])
            put("legit_success_pct", c, a["legit_success_pct"])
            put("legit_p50_ms", c, a["legit_p50_ms"])
            put("legit_p99_ms", c, a["legit_p99_ms"])
            put("gw_insn_per_synack", c, a["gw_insn_per_synack"])
    for c in cfgs_b:
        for k, a in bk[c].items() if c in bk else []:
            put(k, c, a)
    for c in cfgs_e:
        for k, a in es[c].items():
            put(k, c, a)
    for r in mems:
        c = r["cfg"]
        put("mem_ct_entries_growth", c, agg([num(r["ct_after"]) - num(r["ct_before"])]))
        put("mem_ct_slab_objs_growth", c, agg([num(r["ct_slab_after"]) - num(r["ct_slab_before"])]))
        put("mem_slab_kb_growth", c, agg([num(r["slab_kb_after"]) - num(r["slab_kb_before"])]))

    desc = {
        "synack_rate_max": "SYN-ACK/s at the generator's max rate",
        "gw_cpu_util_at_max": "gateway CPU % at that rate",
        "synack_per_gw_cpu_s": "SYN-ACKs per gateway CPU-second (1-CPU saturation rate)",
        "synack_per_gw_cpu_s_guest": "  the same, CPU as the guest counts it",
        "gw_cpu_s_per_msyn": "gateway CPU s per million SYN-ACKs",
        "legit_success_pct": "legit connections ok % during max flood",
        "legit_p50_ms": "legit connect p50 ms during max flood",
        "legit_p99_ms": "legit connect p99 ms during max flood",
        "gw_insn_per_synack": "gateway guest instructions per SYN-ACK",
        "bulk_mb_per_s": "bulk MB/s, one connection (both directions)",
        "gw_cpu_s_per_gb": "gateway CPU s per GB forwarded",
        "bulk_mb_per_cpu_s": "bulk MB per gateway CPU-second",
        "bulk_mb_per_cpu_s_guest": "  the same, CPU as the guest counts it",
        "gw_cpu_us_per_pkt": "gateway CPU us per forwarded segment (bulk)",
        "gw_insn_per_pkt": "gateway guest instructions per segment (bulk)",
        "est_fwd_per_s": "established segments forwarded/s, gateway saturated",
        "est_fwd_per_cpu_s": "established segments per gateway CPU-second",
        "est_fwd_per_cpu_s_guest": "  the same, CPU as the guest counts it",
        "est_fwd_pct": "replayed segments forwarded % (must be ~100)",
        "gw_insn_per_est_fwd": "gateway guest instructions per est segment",
        "mem_ct_entries_growth": "conntrack entries growth, 1M spoofed SYNs",
        "mem_ct_slab_objs_growth": "nf_conntrack slab objects growth",
        "mem_slab_kb_growth": "Slab kB growth (whole guest)",
    }
    cfgs = [c for c in "abcdelxny" if any(c in summary[f] for f in summary)]
    print("\n== Summary per configuration (median [min-max])")
    hdr = ["figure"] + [NAMES[c] for c in cfgs]
    rows = [[desc.get(f, f)] + [cell(summary[f].get(c)) for c in cfgs] for f in order]
    table(hdr, rows)

    # ratios
    ratios = []
    for f in order:
        s = summary[f]
        if f.startswith("mem_"):
            continue
        for b, o, tag in PAIRS:
            if b in s and o in s and s[o][0] not in (0, None) and s[o][0] == s[o][0]:
                ratios.append((f, tag, s[b][0] / s[o][0]))
    print("\n== Ratios (SYNGATE / other, medians; >1 is better for rates, worse for CPU cost/latency)")
    for f, tag, x in ratios:
        print(f"ratio.{f}.{tag}={x:.3f}")

    # Paired ratios: SYNGATE's run against the other's run of the same
    # repetition (run back to back), then the median over repetitions:
    # the host's load drifts less within a repetition than across them.
    per_rep = {}    # (figure, cfg) -> {rep: value}
    for r in floods:
        if r["rate"] == sat:
            for k, v in flood_figures(r).items():
                per_rep.setdefault((k, r["cfg"]), {})[r["rep"]] = v
    for r in bulks:
        for k, v in (bulk_figures(r) or {}).items():
            per_rep.setdefault((k, r["cfg"]), {})[r["rep"]] = v
    for r in ests:
        for k, v in est_figures(r).items():
            per_rep.setdefault((k, r["cfg"]), {})[r["rep"]] = v
    fig_of = {"synack_per_s": "synack_rate_max", "gw_cpu_util_pct": "gw_cpu_util_at_max",
              "synack_per_cpu_s": "synack_per_gw_cpu_s",
              "synack_per_cpu_s_guest": "synack_per_gw_cpu_s_guest"}
    print("\n== Paired ratios (SYNGATE / other within each repetition: median [min-max], n)")
    for (k, c), vals in sorted(per_rep.items()):
        for b, o, tag in PAIRS:
            if c != b:
                continue
            other = per_rep.get((k, o), {})
            xs = [vals[rp] / other[rp] for rp in vals
                  if rp in other and other[rp] not in (0, None) and other[rp] == other[rp]
                  and vals[rp] == vals[rp]]
            if xs:
                print(f"pairedratio.{fig_of.get(k, k)}.{tag}="
                      f"{statistics.median(xs):.3f} [{min(xs):.3f}-{max(xs):.3f}] n={len(xs)}")

    # CSV of the summary
    with open(os.path.join(outdir, "bench.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["figure", "config", "median", "min", "max", "reps"])
        for fig in order:
            for c in cfgs:
                a = summary[fig].get(c)
                if a:
                    w.writerow([fig, NAMES[c], *[f"{v:.6g}" for v in a[:3]], a[3]])
        for c in cfgs_f:
            for rt in rates:
                a = fl.get((c, rt))
                if not a:
                    continue
                for k, v in a.items():
                    if v:
                        w.writerow([f"sweep.rate{rt}.{k}", NAMES[c], *[f"{x:.6g}" for x in v[:3]], v[3]])
        for fig, tag, x in ratios:
            w.writerow([f"ratio.{fig}.syngate_vs_{tag}", "", f"{x:.6g}", "", "", ""])

    write_profiles(outdir, profiles)

    plot(outdir, fl, cfgs_f, rates)
    print(f"CSV: {os.path.join(outdir, 'bench.csv')} (summary), {os.path.join(outdir, 'runs.csv')} (every run)")


def table(hdr, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)] if rows else [len(h) for h in hdr]
    line = "  ".join(h.ljust(w) for h, w in zip(hdr, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))


def plot(outdir, fl, cfgs, rates):
    if not cfgs:
        return
    dat = os.path.join(outdir, "sweep.dat")
    with open(dat, "w") as f:
        for c in cfgs:
            f.write(f"# {NAMES[c]}: offered_pps synack_per_s legit_success_pct\n")
            pts = []
            for rt in rates:
                a = fl.get((c, rt))
                if a and a["offered_pps"]:
                    pts.append((a["offered_pps"][0], a["synack_per_s"][0],
                                a["legit_success_pct"][0] if a["legit_success_pct"] else float("nan")))
            for p in sorted(pts):
                f.write("%.1f %.1f %.2f\n" % p)
            f.write("\n\n")
    gp = shutil.which("gnuplot")
    if not gp:
        print("plot: gnuplot not installed (scripts/deps.sh --bench); data in " + dat)
        return
    png = os.path.join(outdir, "bench.png")
    plots1 = ", ".join(f"'{dat}' index {i} using 1:2 with linespoints title '{NAMES[c]}'"
                       for i, c in enumerate(cfgs))
    plots2 = ", ".join(f"'{dat}' index {i} using 1:3 with linespoints title '{NAMES[c]}'"
                       for i, c in enumerate(cfgs))
    script = f"""
set terminal pngcairo size 900,900 noenhanced
set output '{png}'
set multiplot layout 2,1 title 'syngate bench (qemu TCG: compare shapes and ratios, not absolute rates)'
set grid
set key top left
set xlabel 'offered flood rate (SYN/s)'
set ylabel 'SYN-ACKs emitted /s'
plot {plots1}
set ylabel 'legitimate connections ok (%)'
set yrange [0:105]
set key bottom left
plot {plots2}
unset multiplot
"""
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    if r.returncode != 0 and "pngcairo" in r.stderr:
        r = subprocess.run([gp], input=script.replace("pngcairo", "png"), text=True,
                           capture_output=True)
    if r.returncode == 0:
        print(f"plot: {png}")
    else:
        print("plot: gnuplot failed: " + r.stderr.strip()[:300])


if __name__ == "__main__":
    main()
