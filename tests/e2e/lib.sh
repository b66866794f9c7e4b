#!/bin/bash
# shellcheck shell=bash
# Variables set here are used by run.sh, which sources this file:
# shellcheck disable=SC2034
# End-to-end topology and helpers for the SYNGATE / SYNPROXY scenario suite.
# Sourced by tests/e2e/run.sh; usable on its own for manual poking:
#   . tests/e2e/lib.sh; e2e_setup SYNPROXY nft 4 FORWARD; ...; e2e_teardown
#
# Topology (three network namespaces, names prefixed sg-<runid>-):
#   client c0 --- gc [gateway] gs --- s0 server
#   client  198.18.1.2/24  2001:db8:1::2/64
#   gateway 198.18.1.1/24  2001:db8:1::1/64  (gc, client side)
#           198.18.2.1/24  2001:db8:2::1/64  (gs, server side)
#   server  198.18.2.2/24  2001:db8:2::2/64
# Flood sources 198.19.0.0/16 and 2001:db8:f::/48 are routed by the gateway
# toward the client side, where nobody owns them: SYN-ACKs to them die there.
#
# Hook FORWARD: the server runs in the server namespace.
# Hook INPUT ("local" variant): the server runs in the gateway namespace and
# listens on the gateway's client-side address (198.18.1.1 / 2001:db8:1::1):
# the SYNPROXY man page protects a local service with
# "-A INPUT -i eth0 ... -j SYNPROXY", i.e. the service is reached on the
# interface the clients come in on.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_DIR/../.." && pwd)
E2E_RUNID=${E2E_RUNID:-$$}
NS_C="sg-${E2E_RUNID}-c"
NS_G="sg-${E2E_RUNID}-g"
NS_S="sg-${E2E_RUNID}-s"
E2E_PORT=8080
# Source ports of the flows that scenarios pin (hand-made or -s): below the
# client's ephemeral range, which e2e_setup fixes at 32768-60999, so that a
# client that lets its kernel pick a port never lands on a 4-tuple such a
# flow left behind on the server (issue 18). Offsets are per scenario.
E2E_FIXED_PORT=20000
E2E_TMP=""

# Current combination (set by e2e_setup).
T_TARGET=""
T_BACKEND=""
T_FAMILY=""
T_HOOK=""
IPT=""        # iptables command for the current backend and family
IPT_SAVE=""
IPT_RESTORE=""
IPT4=""       # IPv4 iptables for the current backend (client RST drop etc.)
SRV_NS=""     # namespace the server runs in
SRV_ADDR=""   # address clients connect to
CLI_ADDR=""   # client address
FLOOD_NET=""  # spoofed source net
FAM_OPT=""    # "-6" for IPv6 programs, "" for IPv4
STAT_FILE=""  # /proc/net/stat/<target>

E2E_PASSED=0
E2E_FAILED=0
E2E_SKIPPED=0

# ---------------------------------------------------------------- binaries

# find_bin NAME: print the path of NAME: on PATH first, else in the repo.
find_bin() {
    local name=$1 p
    if p=$(command -v "$name" 2>/dev/null); then
        echo "$p"
        return 0
    fi
    for p in "$E2E_REPO/tests/progs/$name" "$E2E_REPO/xt_userspace/$name" \
             "$E2E_REPO/tests/progs/build/$name" "$E2E_REPO/xt_userspace/build/$name"; do
        if [ -x "$p" ]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

TCPXFER=$(find_bin tcpxfer || echo tcpxfer)
PKTCRAFT=$(find_bin pktcraft || echo pktcraft)
SYNGATECTL=$(find_bin syngatectl || echo syngatectl)

# If the SYNGATE iptables plugin was built in the repo and iptables does not
# already know it, point XTABLES_LIBDIR at it (plus the system directory).
setup_xtables_libdir() {
    local sysdir d
    sysdir=""
    for d in /usr/lib/x86_64-linux-gnu/xtables /usr/lib/*/xtables /usr/lib/xtables /usr/lib64/xtables /lib/xtables; do
        if [ -e "$d/libxt_SYNPROXY.so" ] || [ -e "$d/libxt_CT.so" ]; then
            sysdir=$d
            break
        fi
    done
    if [ -n "$sysdir" ] && [ -e "$sysdir/libxt_SYNGATE.so" ]; then
        return 0
    fi
    for d in "$E2E_REPO/xt_userspace" "$E2E_REPO/xt_userspace/build"; do
        if [ -e "$d/libxt_SYNGATE.so" ]; then
            export XTABLES_LIBDIR="$d${sysdir:+:$sysdir}${XTABLES_LIBDIR:+:$XTABLES_LIBDIR}"
            return 0
        fi
    done
    return 0
}
setup_xtables_libdir

have_cmd() {
    command -v "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------- namespaces

in_client() { ip netns exec "$NS_C" "$@"; }
in_gw()     { ip netns exec "$NS_G" "$@"; }
in_server() { ip netns exec "$NS_S" "$@"; }
in_srvns()  { ip netns exec "$SRV_NS" "$@"; }

# ipt_cmd BACKEND FAMILY [save|restore]: print the iptables binary name.
ipt_cmd() {
    local backend=$1 family=$2 suffix=${3:-} base
    if [ "$family" = 6 ]; then base=ip6tables; else base=iptables; fi
    if [ -n "$suffix" ]; then
        echo "$base-$backend-$suffix"
    else
        echo "$base-$backend"
    fi
}

# Turn off checksum offloads on a veth (in namespace NS).  Needed because a
# locally generated segment with CHECKSUM_PARTIAL that is forwarded/mangled
# defeats SYNPROXY-style targets on some kernels (platform.md).  Best effort:
# without ethtool the setup still goes on (E2E_OFFLOAD says what happened).
E2E_OFFLOAD="unknown"
# Set while the XDP front end is attached for the whole suite (E2E_XDP).
XDP_FRONT=""
offload_off() {
    local ns=$1 dev=$2
    if have_cmd ethtool; then
        if ip netns exec "$ns" ethtool -K "$dev" tx off rx off >/dev/null 2>&1; then
            E2E_OFFLOAD="off(ethtool)"
            return 0
        fi
    fi
    E2E_OFFLOAD="left-on(no ethtool)"
    return 0
}

nsys() {
    # nsys NS KEY=VALUE: sysctl in a namespace, quiet
    ip netns exec "$1" sysctl -q -w "$2" >/dev/null 2>&1
}

# e2e_setup TARGET BACKEND FAMILY HOOK
e2e_setup() {
    T_TARGET=$1
    T_BACKEND=$2
    T_FAMILY=$3
    T_HOOK=$4
    IPT=$(ipt_cmd "$T_BACKEND" "$T_FAMILY")
    IPT_SAVE=$(ipt_cmd "$T_BACKEND" "$T_FAMILY" save)
    IPT_RESTORE=$(ipt_cmd "$T_BACKEND" "$T_FAMILY" restore)
    IPT4=$(ipt_cmd "$T_BACKEND" 4)
    STAT_FILE=/proc/net/stat/$(echo "$T_TARGET" | tr '[:upper:]' '[:lower:]')
    if [ "$T_FAMILY" = 6 ]; then
        FAM_OPT="-6"
        CLI_ADDR=2001:db8:1::2
        FLOOD_NET=2001:db8:f::/48
    else
        FAM_OPT=""
        CLI_ADDR=198.18.1.2
        FLOOD_NET=198.19.0.0/16
    fi
    if [ "$T_HOOK" = INPUT ]; then
        SRV_NS=$NS_G
        if [ "$T_FAMILY" = 6 ]; then SRV_ADDR=2001:db8:1::1; else SRV_ADDR=198.18.1.1; fi
    else
        SRV_NS=$NS_S
        if [ "$T_FAMILY" = 6 ]; then SRV_ADDR=2001:db8:2::2; else SRV_ADDR=198.18.2.2; fi
    fi
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sg-e2e.XXXXXX")

    e2e_teardown_ns
    local ns
    for ns in "$NS_C" "$NS_G" "$NS_S"; do
        ip netns add "$ns" || return 1
        ip netns exec "$ns" ip link set lo up
        # DAD off everywhere (also for links created later)
        nsys "$ns" net.ipv6.conf.all.accept_dad=0
        nsys "$ns" net.ipv6.conf.default.accept_dad=0
    done
    ip link add c0 netns "$NS_C" type veth peer name gc netns "$NS_G" || return 1
    ip link add gs netns "$NS_G" type veth peer name s0 netns "$NS_S" || return 1
    offload_off "$NS_C" c0
    offload_off "$NS_G" gc
    offload_off "$NS_G" gs
    offload_off "$NS_S" s0

    in_client ip addr add 198.18.1.2/24 dev c0
    in_client ip -6 addr add 2001:db8:1::2/64 dev c0 nodad
    in_gw ip addr add 198.18.1.1/24 dev gc
    in_gw ip -6 addr add 2001:db8:1::1/64 dev gc nodad
    in_gw ip addr add 198.18.2.1/24 dev gs
    in_gw ip -6 addr add 2001:db8:2::1/64 dev gs nodad
    in_server ip addr add 198.18.2.2/24 dev s0
    in_server ip -6 addr add 2001:db8:2::2/64 dev s0 nodad
    in_client ip link set c0 up
    in_gw ip link set gc up
    in_gw ip link set gs up
    in_server ip link set s0 up
    in_client ip route add default via 198.18.1.1
    in_client ip -6 route add default via 2001:db8:1::1
    in_server ip route add default via 198.18.2.1
    in_server ip -6 route add default via 2001:db8:2::1
    # Flood nets: toward the client side; the client does not own them.
    in_gw ip route add 198.19.0.0/16 via 198.18.1.2
    in_gw ip -6 route add 2001:db8:f::/48 via 2001:db8:1::2

    nsys "$NS_C" net.ipv4.ip_local_port_range="32768 60999"
    nsys "$NS_G" net.ipv4.ip_forward=1
    nsys "$NS_G" net.ipv6.conf.all.forwarding=1
    # Make sure conntrack is instantiated in the gateway ns before the sysctl.
    in_gw "$IPT" -t raw -L -n >/dev/null 2>&1
    in_gw "$IPT" -m state --state INVALID -L -n >/dev/null 2>&1
    in_gw conntrack -C >/dev/null 2>&1
    if ! nsys "$NS_G" net.netfilter.nf_conntrack_tcp_loose=0; then
        echo "e2e_setup: cannot set nf_conntrack_tcp_loose=0 in the gateway" >&2
    fi
    # A spoofed SYN-ACK must not be answered by the client (it is not for
    # it); the client ns does not own the flood nets anyway, and forwarding
    # is off there, so they are dropped.
    e2e_rules
    return $?
}

# Install the ruleset for the current combination; returns 3 when the target
# rule cannot be inserted (module or plugin missing).
e2e_rules() {
    local hook=$T_HOOK
    in_gw "$IPT" -t raw -A PREROUTING -i gc -p tcp -m tcp --syn -j CT --notrack || return 1
    # E2E_RULES=established: the stateful firewall's usual first rule
    # (README: accept established connections first) before the target's.
    if [ "${E2E_RULES:-manpage}" = established ]; then
        in_gw "$IPT" -A "$hook" -m state --state ESTABLISHED,RELATED -j ACCEPT || return 1
    fi
    if ! in_gw "$IPT" -A "$hook" -i gc -p tcp -m tcp --dport "$E2E_PORT" \
            -m state --state UNTRACKED,INVALID -j "$T_TARGET" \
            --sack-perm --timestamp --wscale 7 --mss 1460 2>"$E2E_TMP/target.err"; then
        return 3
    fi
    in_gw "$IPT" -A "$hook" -i gc -m state --state INVALID -j DROP || return 1
    # Counters: what reaches the server from the flood nets.  Appended after
    # the target rules: on INPUT (server in the gateway) they count only what
    # got past the target.
    in_srvns "$IPT" -A INPUT -s "$FLOOD_NET" -p tcp -m comment --comment e2e-flood-in || return 1
    in_srvns "$IPT" -A INPUT -s "$FLOOD_NET" -p tcp --syn -m comment --comment e2e-flood-syn || return 1
    return 0
}

e2e_teardown_ns() {
    local ns
    for ns in "$NS_C" "$NS_G" "$NS_S"; do
        if [ -e "/run/netns/$ns" ]; then
            # kill anything still running in it (started by us)
            local pids
            pids=$(ip netns pids "$ns" 2>/dev/null)
            if [ -n "$pids" ]; then
                # shellcheck disable=SC2086
                kill $pids 2>/dev/null
                sleep 0.2
                pids=$(ip netns pids "$ns" 2>/dev/null)
                # shellcheck disable=SC2086
                [ -n "$pids" ] && kill -9 $pids 2>/dev/null
            fi
            ip netns del "$ns" 2>/dev/null
        fi
    done
}

e2e_teardown() {
    e2e_teardown_ns
    if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ] && [ -z "${E2E_KEEP:-}" ]; then
        rm -rf "$E2E_TMP"
    fi
    E2E_TMP=""
}

# ---------------------------------------------------------------- counters

# ct_count: number of conntrack entries in the gateway namespace.
ct_count() {
    local n
    n=$(in_gw conntrack -C 2>/dev/null)
    if [ -z "$n" ]; then
        n=$(in_gw cat /proc/net/nf_conntrack 2>/dev/null | wc -l)
    fi
    echo "$n"
}

# target_stats COLUMN: sum of the per-CPU hex rows of /proc/net/stat/<target>
# in the gateway namespace for the named column (entries syn_received
# cookie_invalid cookie_valid cookie_retrans conn_reopened).
target_stats() {
    stats_field "$(target_stats_all)" "$1"
}

# stats_field SNAPSHOT COLUMN: COLUMN's value in a target_stats_all
# snapshot, -1 when it has none.
stats_field() {
    awk -v s="$1" -v col="$2" 'BEGIN {
        n = split(s, w, " ")
        for (i = 1; i <= n; i++) if (index(w[i], col "=") == 1) v = substr(w[i], length(col) + 2)
        print (v == "" ? -1 : v)
    }'
}

# target_stats_all: every column of /proc/net/stat/<target> in the gateway
# namespace, summed over CPUs, as "name=value" words.
target_stats_all() {
    in_gw cat "$STAT_FILE" 2>/dev/null | awk '
        function hex(s,    i, n, d) {
            n = 0
            s = tolower(s)
            for (i = 1; i <= length(s); i++) {
                d = index("0123456789abcdef", substr(s, i, 1))
                if (d == 0) break
                n = n * 16 + d - 1
            }
            return n
        }
        NR == 1 { n = NF; for (i = 1; i <= NF; i++) name[i] = $i; next }
        { for (i = 1; i <= NF; i++) sum[i] += hex($i) }
        END { for (i = 1; i <= n; i++) printf "%s=%.0f ", name[i], sum[i]; print "" }'
    [ -z "$XDP_FRONT" ] || xdp_stats_all
}

# xdp_stats_all: the XDP front end's counters (E2E_XDP) as "xdp_name=value"
# words, from syngatectl xdp status in the gateway namespace.
xdp_stats_all() {
    in_gw "$SYNGATECTL" xdp status 2>/dev/null |
        awk '$1 ~ /^[a-z_]+:?$/ && $2 ~ /^[0-9]+$/ && NF == 2 {
            sub(/:$/, "", $1); printf "xdp_%s=%s ", $1, $2 }
            END { print "" }'
}

# stats_gains BEFORE AFTER COLUMN...: what each COLUMN gained between two
# target_stats_all snapshots, space separated (0 for a column neither has).
stats_gains() {
    local a=$1 b=$2
    shift 2
    awk -v a="$a" -v b="$b" -v cols="$*" 'BEGIN {
        n = split(a, w, " "); for (i = 1; i <= n; i++) { split(w[i], p, "="); before[p[1]] = p[2] }
        n = split(b, w, " "); for (i = 1; i <= n; i++) { split(w[i], p, "="); after[p[1]] = p[2] }
        n = split(cols, c, " ")
        for (i = 1; i <= n; i++) printf "%s%.0f", (i > 1 ? " " : ""), after[c[i]] - before[c[i]]
        print ""
    }'
}

# target_stats_diff BEFORE AFTER: the columns of two target_stats_all
# snapshots that changed, as "name=+delta" words.
target_stats_diff() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        for (i = 1; i <= n; i++) {
            split(x[i], p, "="); split(y[i], q, "=")
            if (q[2] != p[2]) printf "%s=%+d ", p[1], q[2] - p[2]
        }
        print ""
    }'
}

# ipt_counter NS PATTERN: packet count of the first rule in the namespace's
# filter table whose -S/-L line contains PATTERN (comment).
ipt_counter() {
    local ns=$1 pat=$2
    ip netns exec "$ns" "$IPT" -L INPUT -v -n -x 2>/dev/null |
        awk -v pat="$pat" 'index($0, pat) { print $1; found = 1; exit } END { if (!found) print -1 }'
}

# ---------------------------------------------------------------- expectations
# Target-specific expected outcomes.  Where the reference (SYNPROXY) does
# something an operator would call a bug, the operator's expectation is the
# SYNGATE entry and SYNPROXY's observed behaviour is recorded here as a
# "reference deviation" (the PASS line then says deviation=...).
#
# no-timestamps: what a client without TCP timestamps ends up with.
# SYNPROXY carries wscale/SACK only in the timestamp cookie, so such a
# client loses them (as with the kernel's own syncookies). SYNGATE carries
# them in the cookie itself (kmod/cookie.h): the client keeps SACK and its
# window scale ("R", filled in with the client's own rcv_wscale), which our
# SYN-ACK also announces to it.
#   (a) format: "client_ts client_sack client_snd_wscale server_snd_wscale server_sack"
expect_nots_SYNPROXY="0 0 -1 -1 0"
expect_nots_SYNGATE="0 1 R R 1"
#   (b) Windows' SYN (MSS, NOP, WS=8, NOP, NOP, SACK-permitted), format:
#   "server_snd_wscale server_sack server_ts"
expect_nots_win_SYNPROXY="-1 0 0"
expect_nots_win_SYNGATE="8 1 0"
# long-path: a client without timestamps over a 100 ms, 10 Mbit/s path.
# SYNGATE must keep E2E_LONG_MIN of the direct throughput ("ratio");
# SYNPROXY's figure is printed only: without window scaling it is bound to
# 64 KiB per round trip (about half the path here).
expect_long_SYNPROXY="print"
expect_long_SYNGATE="ratio"
# third-ack data: payload carried by the cookie-validating ACK (--third data
# and --third none).  SYNPROXY consumes that segment and only the client's
# retransmission delivers the payload (reference deviation: "retrans").
# SYNGATE holds it until the server has answered (kmod/stash.c) and must
# deliver it without a client retransmission ("direct").
# Intermittently (about 1 run in 10 on the host) SYNPROXY also loses the
# connection altogether in that case: the server never completes its
# handshake (it retransmits its SYN-ACK, which leaks to the client) and the
# payload never arrives ("lost").  A list means any of these outcomes.
expect_thirdack_data_SYNPROXY="retrans lost"
expect_thirdack_data_SYNGATE="direct"
# reuse: same 4-tuple again while the gateway's conntrack entry of the
# previous connection is still in TIME_WAIT.  SYNPROXY answers the SYN with a
# cookie, then rejects every ACK of the new connection (cookie_invalid grows),
# the client's connect() succeeds and the transfer stalls until the conntrack
# entry expires (120 s): reference deviation "stall".  Expected: "ok".
expect_reuse_SYNPROXY="stall"
expect_reuse_SYNGATE="ok"
# late-ack: a delayed duplicate of the third ACK after the connection
# closed (gateway entry in TIME_WAIT) must not reopen it: no SYN to the
# server. SYNPROXY ignores ACKs in TIME_WAIT.
expect_late_ack_SYNPROXY="closed"
expect_late_ack_SYNGATE="closed"
# replay: a copy of a third ACK carrying data, replayed 50 s later with
# the gateway's entry gone. SYNGATE's cookie has expired (at most 49.2 s):
# "refused". SYNPROXY's (Linux syncookies, 60 to 180 s) has not: it opens
# a server connection ("opened"; it drops the data of a third ACK).
expect_replay_SYNPROXY="opened"
# odd-rst: a client RST with a repeated option, during the server
# handshake, reaches the server ("passed"): neither parser needs a RST's
# options.
expect_odd_rst_SYNPROXY="passed"
# retrans-ack: zero-window probes (SEG.SEQ = ISN) while the server's SYNs
# are dropped, then once more when they are not (masquerading toward the
# server in FORWARD): SYNGATE resends its SYN and the data arrives
# ("delivered", with its counters checked). SYNPROXY checks the probe's
# cookie against the translated addresses under masquerade: its outcome
# is reported, not required.
expect_retrans_ack_SYNPROXY="delivered lost"
expect_retrans_ack_SYNGATE="delivered"
# pmtu: a router beyond the gateway sends Fragmentation Needed / Packet Too
# Big about the server's segments, quoting the client's view of their
# sequence numbers. SYNGATE gives the server its own ("ok"); SYNPROXY (and
# seqadj) leave them, the server drops the error as out of window, and
# the download stalls: reference deviation "stall".
expect_pmtu_SYNPROXY="stall"
expect_pmtu_SYNGATE="ok"
# link-local: a client of the gateway's link-local address. SYNGATE routes
# its answers out of the interface the client's segments came in on
# ("ok"); SYNPROXY routes its SYN-ACK without an interface, the lookup
# finds none for fe80::/10, and the client's connect times out: reference
# deviation "timeout".
expect_link_local_SYNPROXY="timeout"
# zone: with --zone 5, then without (SYNPROXY: only without, it has no
# such option): the entry must be in the zone the raw table gives the
# connection's other segments.
expect_zone_SYNGATE="ok stall"
expect_zone_SYNPROXY="stall"
expect_link_local_SYNGATE="ok"
expect_odd_rst_SYNGATE="passed"
expect_replay_SYNGATE="refused"

# stale-server: the server answers our SYN with an ACK from a socket still
# open on the 4-tuple (issue 17 item 3); the client of a closed port must
# get its reset. SYNPROXY passes that ACK to the client untranslated and
# the client, connected as far as it knows, answers it; every answer makes
# a new SYN, which the server answers with the same ACK, until the
# server's socket ends: reference deviation "loop".
expect_stale_server_SYNPROXY="loop"
expect_stale_server_SYNGATE="reset"
# rst-reopen: the 4-tuple opened again within the 10 s conntrack keeps an
# entry in CLOSE after the server reset an established connection (issue
# 17 item 1). SYNPROXY rejects the new connection's ACKs as invalid
# cookies (seen on a 6.18 host; cause not analysed): reference deviation
# "stall".
expect_rst_reopen_SYNPROXY="stall"
expect_rst_reopen_SYNGATE="ok"
# dnat-reopen: the same through dnat's port forward. SYNGATE stalled there
# (the client was reset) until it sent its SYN again from the entry's
# original tuple rather than the NATed one. SYNPROXY opens it, unlike
# rst-reopen; why the port forward makes the difference is not analysed.
expect_dnat_reopen_SYNPROXY="ok"
expect_dnat_reopen_SYNGATE="ok"
# blind-rst: a RST that acknowledges nothing, while our SYN to the server
# is unanswered (issue 17 item 5). SYNPROXY moves it onto the sequence
# number the client expects and the client is reset: reference deviation
# "reset".
expect_blind_rst_SYNPROXY="reset"
expect_blind_rst_SYNGATE="ok"
# rst-race (SYNGATE only): the client's data on an entry in CLOSE that
# the server never answered is held back.
expect_rst_race_SYNGATE="held"

# lossy, TSecr: every TSecr the server receives must be one of its own TSvals.
# SYNPROXY's own ACK that completes the server's handshake carries the
# server's TSval shifted by the timestamp offset a second time
# (2*server_tsval - cookie_tsval): reference deviation "bad"; expected "ok".
# Seen on the FORWARD hook only; on INPUT the ACK is correct.
expect_lossy_firstack_SYNPROXY_FORWARD="bad"
expect_lossy_firstack_SYNPROXY_INPUT="ok"
expect_lossy_firstack_SYNGATE="ok"

# lossy, stall: once in CI (6.1, IPv6, FORWARD, 2026-11) the in-kernel
# SYNPROXY's transfer made no progress for 20 s and failed; 33 runs of the
# same combination in the VM afterwards all passed, and SYNGATE has not
# stalled in this scenario in any run on record. Cause not known yet: the
# reference gets one more attempt, after lossy_diag has printed both
# ends' TCP state and the segments each saw, and a pass says so. SYNGATE
# gets none.
expect_lossy_stall_SYNPROXY="once"

# lossy, stray TSecr: on INPUT the in-kernel SYNPROXY intermittently lets a
# server segment reach the client with its TSval untranslated, and the
# client echoes it (seen in the VM on 6.1: 1-2 of ~6500 segments, ecr in the
# server's raw clock). Tolerated for it ("few"); SYNGATE must have none.
expect_lossy_strays_SYNPROXY_INPUT="few"

# expect SCENARIO: print the expectation for the current target (a
# target+hook specific entry wins over the target entry).
expect() {
    local var="expect_${1}_${T_TARGET}_${T_HOOK}"
    if [ -z "${!var:-}" ]; then
        var="expect_${1}_${T_TARGET}"
    fi
    echo "${!var:-}"
}

# ---------------------------------------------------------------- results

dmesg_tail() {
    if dmesg >/dev/null 2>&1; then
        echo "  --- dmesg | tail -n 30"
        dmesg | tail -n 30 | sed 's/^/  | /'
    fi
}

combo_str() {
    echo "target=$T_TARGET backend=$T_BACKEND family=$T_FAMILY hook=$T_HOOK${XDP_FRONT:+ xdp=$E2E_XDP}"
}

# pass NAME [figures...]
pass() {
    local name=$1
    shift
    E2E_PASSED=$((E2E_PASSED + 1))
    echo "PASS $name $(combo_str)${*:+ $*}"
}

# fail NAME "expected X, saw Y"
fail() {
    local name=$1 msg=$2
    E2E_FAILED=$((E2E_FAILED + 1))
    echo "FAIL $name $(combo_str) : $msg"
    dmesg_tail
}

# skip NAME REASON
skip() {
    local name=$1 msg=$2
    E2E_SKIPPED=$((E2E_SKIPPED + 1))
    echo "SKIP $name $(combo_str): $msg"
}
