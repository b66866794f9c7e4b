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

from report import NAMES, PAIRS, agg, parse

# run kind -> (its BENCH key counting events, what one event is)
EVENTS = {"flood": ("synacks", "SYN-ACK"), "est": ("fwd", "est segment"),
          "bulk": ("pkts", "bulk segment")}
TOP = 25

# Work a vCPU does per wakeup or batch, not per packet: leaving idle (the clock
# reads, the tick), entering the interrupt and softirq that RPS's IPI
# raises, and the scheduler around them. Its count per event depends on
# how often the gateway went idle during the run, i.e. on how fast it
# drained its backlog against the replay: the faster configuration idles
# more and pays more of it per segment. Set apart, the rest (the packet
# path) repeats far closer from run to run. The NAPI loops (net_rx_action,
# process_backlog) go with the wakeup: most of theirs is per batch, and
# what is per packet in them is the same in every configuration.
WAKEUP = ("do_idle", "default_idle", "arch_cpu_idle", "cpu_idle",
          "cpuidle_", "native_safe_halt", "pv_native_safe_halt", "tick_",
          "read_hpet", "read_tsc", "ktime_get", "native_sched_clock",
          "sched_clock", "local_clock", "__schedule", "schedule_idle",
          "psi_", "handle_softirqs", "__do_softirq", "__irq_exit_rcu",
          "irq_exit_rcu", "irq_enter_rcu", "error_entry", "error_return",
          "sysvec_", "asm_sysvec_", "__sysvec_", "common_interrupt",
          "asm_common_interrupt", "__flush_smp_call_function_queue",
          "generic_smp_call_function", "flush_smp_call_function",
          "timekeeping_", "update_wall_time", "hrtimer_", "__hrtimer_",
          "clockevents_", "lapic_next", "nohz_", "rcu_", "__rcu_irq",
          "irqtime_account", "account_", "update_rq_clock", "idle_cpu",
          "menu_", "poll_idle", "finish_task_switch", "pick_next_task",
          "put_prev_task", "enqueue_task", "dequeue_task", "enqueue_entity",
          "dequeue_entity", "ttwu_", "try_to_wake_up", "net_rx_action",
          "process_backlog", "__napi_poll", "rps_trigger_softirq", "smp_call_function_single_async",
          "kvm_", "x2apic_", "native_apic", "native_write_msr",
          "native_read_msr", "restore_regs_and_return", "irqentry_",
          "common_startup_64", "cpu_startup_entry", "start_secondary",
          # entering and leaving idle and interrupts: context tracking,
          # the nohz checks, the idle routine itself
          "ct_kernel_", "ct_nmi_", "ct_idle_", "local_touch_nmi",
          "tsc_verify_tsc_adjust", "amd_e400_idle", "timer_clear_idle",
          "can_stop_idle_tick", "get_next_timer_interrupt",
          "irq_work_needs_cpu", "nr_iowait_cpu",
          # the scheduler: the switch and its load tracking
          "__switch_to", "update_load_avg", "__update_load_avg",
          "update_blocked_averages", "update_dl_rq_load_avg",
          "update_rt_rq_load_avg", "sched_balance_newidle", "record_times",
          "place_entity", "set_next_entity", "update_curr",
          "smpboot_thread_fn",
          # raising the softirq and running its queue: per batch
          "raise_softirq_irqoff", "llist_reverse_order", "__usecs_to_jiffies",
          # batches: the page allocator returning a per-CPU list to its
          # zone (and the lock that then contends), conntrack's garbage
          # collector when it happens to run on the gateway's CPU
          "free_pcppages_bulk", "__free_one_page",
          "native_queued_spin_lock_slowpath", "gc_worker")


# The kernel's string functions: a rep movsb/stosb loop each. TCG runs a
# rep-prefixed string instruction one element at a time, and the plugin
# counts each as an instruction: zeroing a 4 KiB page counts 4096 where a
# CPU with fast strings does it in about 64 cycles. Their share is shown
# apart, and the packet path is compared with and without it. Most of it
# is the page allocator zeroing every page it hands out (Debian's
# kernels have CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y): skb heads, and a NIC
# driver's receive buffers.
STRING = ("clear_page_erms", "clear_page_rep", "memset_erms", "memcpy_erms",
          "memmove_erms", "copy_user_enhanced_fast_string",
          "rep_movs_alternative", "rep_stos_alternative")


# Whole names, where a prefix would take in a function of the packet path
# (_raw_spin_lock_irqsave: enqueue_to_backlog's lock, per segment): the
# lock process_backlog takes per batch, and the scheduler's.
WAKEUP_EXACT = {"_raw_spin_lock_irq", "_raw_spin_unlock_irq"}


def is_wakeup(fn):
    """A function whose instructions come per wakeup (see WAKEUP)."""
    name = fn.split(" ", 1)[0]
    return name.startswith(WAKEUP) or name in WAKEUP_EXACT


def is_string(fn):
    """A rep-string function (see STRING)."""
    return fn.split(" ", 1)[0] in STRING


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
    insns, events, reps = {}, {}, {}
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
        dump = read_dump(path, name)
        for fn, x in dump.items():
            fns[fn] = fns.get(fn, 0) + x
        events[key] = events.get(key, 0.0) + n
        wake = sum(x for fn, x in dump.items() if is_wakeup(fn))
        string = sum(x for fn, x in dump.items() if is_string(fn))
        reps.setdefault(key, {})[r.get("rep", "?")] = (
            sum(dump.values()) / n, wake / n, string / n)
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

    spread(reps)


def packet_path(rep, no_string):
    """A repetition's packet path per event: all minus the wakeup part,
    and minus the string functions too if no_string."""
    all_, wake, string = rep
    return all_ - wake - (string if no_string else 0)


def spread(reps):
    """Per repetition: all instructions per event, the wakeup part, and
    the packet path (all minus wakeup), of which the string functions;
    then the packet path of each pair of configurations (report.PAIRS:
    SYNGATE against each other, its XDP front end against SYNPROXY and
    the kernel's XDP sample), paired within each repetition, with and
    without the string functions."""
    print("\n== Spread: instructions per event in each repetition:"
          " all = wakeup (idle, IPI, softirq entry, scheduler, batches) + packet path"
          " (of which rep-string functions)")
    for (kind, cfg), by_rep in sorted(reps.items()):
        cells = "  ".join(f"{all_:.0f}={wake:.0f}+{all_ - wake:.0f}({string:.0f})"
                          for _, (all_, wake, string) in sorted(by_rep.items()))
        paths = [a - w for a, w, _ in by_rep.values()]
        lo, hi = min(paths), max(paths)
        print(f"   {kind:5s} {NAMES[cfg]:11s} {cells}   packet path"
              f" spread {100 * (hi - lo) / lo:.1f}%")
    for kind in EVENTS:
        for base, cfg, tag in PAIRS:
            mine, other = reps.get((kind, base)), reps.get((kind, cfg))
            if not mine or not other:
                continue
            for name, drop in (("pathratio", 0), ("pathratio_nostring", 1)):
                paired = agg([packet_path(mine[r], drop) / packet_path(o, drop)
                              for r, o in other.items() if r in mine])
                if paired:
                    mid, lo, hi, n = paired
                    print(f"{name}.{kind}.{tag}="
                          f"{mid:.3f} [{lo:.3f}-{hi:.3f}] n={n}")


if __name__ == "__main__":
    main()
