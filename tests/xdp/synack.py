#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The XDP program (xt_userspace/syngate_xdp.bpf.o), run by the kernel with
BPF_PROG_TEST_RUN through bpftool, on SYNs of many layouts and on what it
must leave to netfilter. Each SYN-ACK is checked field by field and its
cookie against the independent model (tests/cookie/model.py), with the
model's key: the program's build of the module's code must make the
module's cookie. Prints PASS/FAIL lines and "N passed, N failed".

  synack.py OBJ          (root; bpftool in PATH)
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cookie"))
import model  # noqa: E402

CLOCK_MONOTONIC_COARSE = 6
NFPROTO_IPV4, NFPROTO_IPV6 = 2, 10
OPT_MSS, OPT_WSCALE, OPT_SACK, OPT_TS, OPT_ECN, OPT_LEARN = 1, 2, 4, 8, 16, 32
XDP_DROP, XDP_PASS, XDP_TX = 1, 2, 3
STATS = ("synack_sent", "pass_scope", "pass_unusual", "no_key")
MSSTAB = {4: (536, 1300, 1380, 1400, 1440, 1452, 1460, 8960),
          6: (1220, 1280, 1360, 1400, 1420, 1432, 1440, 8940)}

CMAC = bytes.fromhex("020000000001")
GMAC = bytes.fromhex("020000000002")
C4, S4 = model.V4
C6, S6 = model.V6
OTHER6 = bytes.fromhex("20010db8000200000000000000000003")
OTHER4 = bytes([192, 0, 2, 99])

passed = failed = 0
sent = 0  # SYN-ACKs the program made


def rec(ok, name, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS xdp-synack: %s" % name)
    else:
        failed += 1
        print("FAIL xdp-synack: %s: %s" % (name, why))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp_sum(fam, src, dst, seg):
    if fam == 4:
        ph = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    else:
        ph = src + dst + struct.pack("!I3xB", len(seg), 6)
    return csum(ph + seg)


def tcp(sport, dport, seq, flags, opts=b"", ack=0, data=b""):
    """flags: a string of F S R P A U E C."""
    bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32, "E": 64,
            "C": 128}
    f = sum(bits[c] for c in flags)
    doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, f,
                       64240, 0, 0) + opts + data


def frame(fam, src, dst, seg, bad_sum=False, ip_opts=b"", frag=0,
          vlan=False, ext=False):
    s = tcp_sum(fam, src, dst, seg)
    seg = seg[:16] + struct.pack("!H", (~s & 0xFFFF) ^ bad_sum) + seg[18:]
    if fam == 4:
        ihl = 5 + len(ip_opts) // 4
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(seg),
                          1, frag, 64, 6, 0, src, dst) + ip_opts
        hdr = hdr[:10] + struct.pack("!H", ~csum(hdr) & 0xFFFF) + hdr[12:]
        proto = 0x0800
    else:
        nxt = 0 if ext else 6
        body = seg
        if ext:  # hop-by-hop, PadN only, then TCP
            body = bytes([6, 0, 1, 4, 0, 0, 0, 0]) + seg
        hdr = struct.pack("!IHBB16s16s", 0x60000000, len(body), nxt, 64,
                          src, dst)
        seg = body
        proto = 0x86DD
    eth = GMAC + CMAC
    if vlan:
        eth += struct.pack("!HH", 0x8100, 5)
    pkt = eth + struct.pack("!H", proto) + hdr + seg
    return pkt + b"\0" * max(0, 60 - len(pkt))


# Option lists of real stacks
def linux_opts(tsval, mss=1460, ws=7):
    return (struct.pack("!BBH", 2, 4, mss) + bytes([4, 2, 8, 10]) +
            struct.pack("!II", tsval, 0) + bytes([1, 3, 3, ws]))


def windows_opts(mss=1460, ws=8):
    return (struct.pack("!BBH", 2, 4, mss) + bytes([1, 3, 3, ws, 1, 1, 4, 2]))


class Prog:
    def __init__(self, obj):
        # bpffs takes no dot in a name
        self.dir = tempfile.mkdtemp(prefix="syngate_xdp_test_",
                                    dir="/sys/fs/bpf")
        self.tmp = tempfile.mkdtemp()
        self.slots = {}
        self.bpftool("prog", "load", obj, self.dir + "/prog",
                     "pinmaps", self.dir)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def bpftool(self, *args):
        r = subprocess.run(["bpftool"] + list(args), capture_output=True,
                           text=True)
        if r.returncode:
            raise RuntimeError("bpftool %s: %s" % (" ".join(args),
                                                    r.stderr.strip()))
        return r.stdout

    def update(self, name, key, value):
        self.bpftool("map", "update", "pinned", "%s/%s" % (self.dir, name),
                     "key", "hex", *["%02x" % b for b in key],
                     "value", "hex", *["%02x" % b for b in value])

    def delete(self, name, key):
        self.bpftool("map", "delete", "pinned", "%s/%s" % (self.dir, name),
                     "key", "hex", *["%02x" % b for b in key])

    def key(self, raw):
        self.update("syngate_key", struct.pack("<I", 0), raw)

    def scope(self, fam, addr, port, options, wscale=0, mss=0):
        """An entry, and its port's slot as syngatectl writes it."""
        k = struct.pack("!BBH", NFPROTO_IPV4 if fam == 4 else NFPROTO_IPV6,
                        0, port) + (addr or b"").ljust(16, b"\0")
        info = struct.pack("=BBH", options, wscale, mss)
        self.update("syngate_scope", k, info)
        slot = self.slots.setdefault((fam, port), [None, set()])
        if addr:
            slot[1].add(addr)
        else:
            slot[0] = info
        # the slot's index: the port as the header has it, read in host
        # order (include/syngate_xdp.h, syngate_xdp_port_slot())
        idx = (65536 if fam == 6 else 0) + \
            struct.unpack("=H", struct.pack("!H", port))[0]
        self.update("syngate_ports", struct.pack("=I", idx),
                    (slot[0] or bytes(4)) +
                    struct.pack("=BBH", slot[0] is not None, 0, len(slot[1])))

    def stats(self):
        out = json.loads(self.bpftool("-j", "map", "dump", "pinned",
                                      self.dir + "/syngate_stats"))
        tot = {}
        for e in out:
            idx = struct.unpack("<I", bytes(int(x, 16) for x in e["key"]))[0]
            tot[STATS[idx]] = sum(
                struct.unpack("<Q", bytes(int(x, 16) for x in c["value"]))[0]
                for c in e["values"])
        return tot

    def run(self, pkt):
        fin = os.path.join(self.tmp, "in")
        fout = os.path.join(self.tmp, "out")
        with open(fin, "wb") as f:
            f.write(pkt)
        out = self.bpftool("prog", "run", "pinned", self.dir + "/prog",
                           "data_in", fin, "data_out", fout)
        ret = int(out.split("Return value:")[1].split(",")[0])
        with open(fout, "rb") as f:
            return ret, f.read()


def now_ms():
    return (time.clock_gettime_ns(CLOCK_MONOTONIC_COARSE) // 1000000) & \
        0xFFFFFFFF


def parse_opts(b):
    out, i = {}, 0
    while i < len(b):
        k = b[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        ln = b[i + 1]
        v = b[i + 2:i + ln]
        if k == 2:
            out["mss"] = struct.unpack("!H", v)[0]
        elif k == 3:
            out["ws"] = v[0]
        elif k == 4:
            out["sack"] = 1
        elif k == 8:
            out["ts"] = struct.unpack("!II", v)
        i += ln
    return out


def check_synack(name, fam, src, dst, sport, dport, isn, syn_opts, ecn,
                 rule, out, t0, t1):
    """The SYN-ACK the target would send for this SYN and rule (kmod/synack.c,
    cookie.h, tcpopt.h, as the model reads them)."""
    ropt, rws, rmss = rule
    why = []
    eth, l3 = out[:14], out[14:]
    if eth[:6] != CMAC or eth[6:12] != GMAC:
        why.append("MACs not swapped")
    if fam == 4:
        ihl = (l3[0] & 15) * 4
        tot = struct.unpack("!H", l3[2:4])[0]
        if l3[0] != 0x45 or l3[1] != 0 or l3[8] != 64 or l3[9] != 6:
            why.append("IPv4 header %s" % l3[:12].hex())
        if struct.unpack("!H", l3[6:8])[0] != 0x4000 or l3[4:6] != b"\0\0":
            why.append("frag/id %s" % l3[4:8].hex())
        if csum(l3[:20]) != 0xFFFF:
            why.append("bad IPv4 checksum")
        if l3[12:16] != dst or l3[16:20] != src:
            why.append("addresses not swapped")
        seg = l3[ihl:tot]
        if len(out) < 14 + tot:
            why.append("frame shorter than tot_len")
    else:
        plen = struct.unpack("!H", l3[4:6])[0]
        if l3[:4] != b"\x60\0\0\0" or l3[6] != 6 or l3[7] != 64:
            why.append("IPv6 header %s" % l3[:8].hex())
        if l3[8:24] != dst or l3[24:40] != src:
            why.append("addresses not swapped")
        seg = l3[40:40 + plen]
    if tcp_sum(fam, dst, src, seg) != 0xFFFF:
        why.append("bad TCP checksum")
    sp, dp, seq, ack, doff, flags, win, _, urg = \
        struct.unpack("!HHIIBBHHH", seg[:20])
    if (sp, dp) != (dport, sport):
        why.append("ports %d %d" % (sp, dp))
    if ack != (isn + 1) & 0xFFFFFFFF:
        why.append("ack %08x" % ack)
    want_flags = 0x12
    # What the client offered, limited by the rule (synack.c)
    offered = 0
    if "mss" in syn_opts:
        offered |= OPT_MSS
    if "ws" in syn_opts:
        offered |= OPT_WSCALE
    if "sack" in syn_opts:
        offered |= OPT_SACK
    if "ts" in syn_opts:
        offered |= OPT_TS
    if ecn:
        offered |= OPT_ECN
    offered &= ropt
    if not offered & OPT_TS:
        offered &= ~OPT_ECN
    if offered & OPT_ECN:
        want_flags |= 0x40
    if flags != want_flags or win != 0 or urg != 0 or len(seg) != doff // 16 * 4:
        why.append("flags %02x win %d urg %d doff %d" %
                   (flags, win, urg, doff >> 4))
    opts = parse_opts(seg[20:doff // 16 * 4])
    want = {}
    if ropt & OPT_MSS:
        want["mss"] = rmss
    if offered & OPT_SACK:
        want["sack"] = 1
    if offered & OPT_WSCALE:
        want["ws"] = rws if offered & OPT_TS else syn_opts["ws"]
    cmss = syn_opts.get("mss", 536 if fam == 4 else 1220)
    mss_idx = max([0] + [i for i, m in enumerate(MSSTAB[fam]) if m <= cmss])
    tsval = 0
    if offered & OPT_TS:
        tsval, tsecr = opts.get("ts", (None, None))
        want["ts"] = (tsval, syn_opts["ts"][0])
        low = (syn_opts["ws"] | rws << 6) if offered & OPT_WSCALE else 0x3CF
        low |= 0x10 if offered & OPT_SACK else 0
        low |= 0x20 if offered & OPT_ECN else 0
        if tsval is None or tsval & 0x3FF != low:
            why.append("TSval low bits %s, want %03x" %
                       (tsval and hex(tsval & 0x3FF), low))
        elif not any((tsval ^ m) & 0x7FFFFC00 == 0 or
                     (tsval & 0x7FFFFC00, m & 0x7FFFFC00) == (0x400, 0)
                     for m in range(t0, t1 + 1)):
            why.append("TSval clock %08x not in [%08x, %08x]" %
                       (tsval, t0, t1))
    if opts != want:
        why.append("options %s, want %s" % (opts, want))
    ws_idx = sack = 0
    if not offered & OPT_TS:
        ws_idx = syn_opts["ws"] + 1 if offered & OPT_WSCALE else 0
        sack = 1 if offered & OPT_SACK else 0
    cookies = set()
    for slot in {t0 >> 14, t1 >> 14}:
        cookies.add(model.cookie(fam, src, dst, sport, dport, isn, tsval,
                                 1 if offered & OPT_TS else 0, slot, mss_idx,
                                 ws_idx, sack))
    if seq not in cookies:
        why.append("cookie %08x, model says %s" %
                   (seq, " or ".join("%08x" % c for c in cookies)))
    rec(not why, name, "; ".join(why))


def main():
    obj = sys.argv[1]
    p = Prog(obj)
    try:
        cases(p)
    finally:
        p.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


FULL = OPT_MSS | OPT_WSCALE | OPT_SACK | OPT_TS | OPT_ECN


def answered(p, name, fam, src, dst, sport, dport, isn, opts, rule,
             ecn=False, syn_opts=None):
    seg = tcp(sport, dport, isn, "SEC" if ecn else "S", opts)
    pkt = frame(fam, src, dst, seg)
    t0 = now_ms()
    ret, out = p.run(pkt)
    t1 = now_ms()
    global sent
    sent += ret == XDP_TX
    if ret != XDP_TX:
        rec(False, name, "verdict %d, want XDP_TX (%d)" % (ret, XDP_TX))
        return
    check_synack(name, fam, src, dst, sport, dport, isn,
                 parse_opts(opts) if syn_opts is None else syn_opts, ecn,
                 rule, out, t0, t1)


def passes(p, name, pkt, stat):
    before = p.stats()
    ret, out = p.run(pkt)
    after = p.stats()
    grew = [k for k in STATS if after.get(k, 0) != before.get(k, 0)]
    want = [stat] if stat else []
    ok = ret == XDP_PASS and out == pkt and grew == want
    rec(ok, name, "verdict %d, frame %s, counters grown %s (want %s)" %
        (ret, "unchanged" if out == pkt else "changed", grew, want))


def cases(p):
    full4 = (FULL, 7, 1460)
    p.key(bytes(range(16)))  # model.KEY: cookie_kunit.c's key_a
    p.scope(4, None, 8080, *full4)
    p.scope(6, S6, 8080, OPT_MSS | OPT_WSCALE | OPT_SACK | OPT_TS, 7, 1440)
    p.scope(4, None, 9090, OPT_WSCALE | OPT_SACK)
    p.scope(4, S4, 7070, OPT_MSS | OPT_TS, 0, 1400)
    # an address's entry and the any-address entry on one port
    p.scope(4, S4, 9090, OPT_MSS | OPT_TS | OPT_SACK, 0, 1300)

    answered(p, "Linux SYN, IPv4, every option", 4, C4, S4, 40000, 8080,
             0x89ABCDEF, linux_opts(0x01020304), full4)
    answered(p, "Windows SYN (no timestamps): WS and SACK in the cookie",
             4, C4, S4, 40001, 8080, 0xFFFFFFFF, windows_opts(), full4)
    answered(p, "ECN setup SYN: ECE, ECN bit in TSval", 4, C4, S4, 40002,
             8080, 12345, linux_opts(77), full4, ecn=True)
    answered(p, "ECN setup SYN without timestamps: no ECE", 4, C4, S4, 40003,
             8080, 12346, windows_opts(), full4, ecn=True)
    answered(p, "no options at all: RFC MSS, nothing else", 4, C4, S4,
             40004, 8080, 1, b"", full4)
    answered(p, "MSS below the table: index 0", 4, C4, S4, 40005, 8080, 2,
             linux_opts(5, mss=100), full4)
    answered(p, "jumbo MSS, window scale 14", 4, C4, S4, 40006, 8080, 3,
             linux_opts(6, mss=9000, ws=14), full4)
    for i, m in enumerate(MSSTAB[4]):
        answered(p, "MSS %d (index %d)" % (m, i), 4, C4, S4, 41000 + i,
                 8080, 1000 + i, linux_opts(9 + i, mss=m), full4)
    answered(p, "IPv6 SYN to a scoped address", 6, C6, S6, 40000, 8080,
             0x89ABCDEF, linux_opts(0x0A0B0C0D, mss=1440),
             (OPT_MSS | OPT_WSCALE | OPT_SACK | OPT_TS, 7, 1440))
    answered(p, "IPv6 Windows SYN", 6, C6, S6, 40007, 8080, 4,
             windows_opts(mss=1440),
             (OPT_MSS | OPT_WSCALE | OPT_SACK | OPT_TS, 7, 1440))
    answered(p, "rule without --timestamp, --mss: no TS, no MSS option", 4,
             C4, OTHER4, 40008, 9090, 5, linux_opts(11),
             (OPT_WSCALE | OPT_SACK, 0, 0))
    answered(p, "an address's entry wins over its port's any-address one",
             4, C4, S4, 40010, 9090, 7, linux_opts(13),
             (OPT_MSS | OPT_TS | OPT_SACK, 0, 1300))
    answered(p, "rule with an address: --mss 1400 --timestamp only", 4, C4,
             S4, 40009, 7070, 6, linux_opts(12), (OPT_MSS | OPT_TS, 0, 1400))

    syn = tcp(40100, 8080, 7, "S", linux_opts(1))
    passes(p, "a port outside the scope", frame(4, C4, S4,
           tcp(40100, 22, 7, "S", linux_opts(1))), "pass_scope")
    passes(p, "another address than the scoped one (IPv6)",
           frame(6, C6, OTHER6, syn), "pass_scope")
    passes(p, "another address than the scoped one (IPv4)",
           frame(4, C4, OTHER4, tcp(40100, 7070, 7, "S", linux_opts(1))),
           "pass_scope")
    passes(p, "a port scoped for the other family only", frame(6, C6, S6,
           tcp(40100, 9090, 7, "S", linux_opts(1))), "pass_scope")
    passes(p, "a bad TCP checksum", frame(4, C4, S4, syn, bad_sum=True),
           "pass_unusual")
    passes(p, "IPv4 options", frame(4, C4, S4, syn, ip_opts=b"\1\1\1\0"),
           "pass_unusual")
    passes(p, "an IPv4 fragment", frame(4, C4, S4, syn, frag=0x2000),
           "pass_unusual")
    passes(p, "an IPv6 extension header (uncounted)",
           frame(6, C6, S6, syn, ext=True), None)
    passes(p, "data on the SYN", frame(4, C4, S4, tcp(40100, 8080, 7, "S",
           linux_opts(1), data=b"GET / HTTP/1.0\r\n\r\n")), "pass_unusual")
    passes(p, "an option overrunning the list", frame(4, C4, S4,
           tcp(40100, 8080, 7, "S", bytes([2, 4, 5, 180, 8, 12, 0, 0]))),
           "pass_unusual")
    passes(p, "a repeated option", frame(4, C4, S4, tcp(40100, 8080, 7, "S",
           bytes([2, 4, 5, 180, 2, 4, 5, 180]))), "pass_unusual")
    passes(p, "a VLAN tag", frame(4, C4, S4, syn, vlan=True), None)
    for flags in ("A", "SA", "R", "SR", "SF", "PA"):
        passes(p, "flags %s" % flags, frame(4, C4, S4, tcp(40100, 8080, 7,
               flags, linux_opts(1), ack=5)), None)
    p.key(bytes(16))
    passes(p, "no key set yet", frame(4, C4, S4, syn), "no_key")
    st = p.stats()
    rec(st.get("synack_sent") == sent, "synack_sent counts every answer",
        "synack_sent %s, want %d" % (st.get("synack_sent"), sent))


if __name__ == "__main__":
    sys.exit(main())
