#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of libxt_SYNGATE.so and syngatestat.  They need root
# (network namespaces) but no SYNGATE in the kernel: where the kernel does
# not know the target, a rule that parses is refused at commit, and the
# tests only check that it got past parsing.  Where the kernel knows it (in
# the test VM), the rule goes in and save/restore are checked too.
#
# Every case prints "PASS name" or "FAIL name: expected X, got Y"; the last
# line is "N passed, N failed" (and skips).  Exit status 1 if any failed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SO=$HERE/libxt_SYNGATE.so
STAT=$HERE/syngatestat
XTRT=$HERE/xtrt

npass=0
nfail=0
nskip=0
NS=sgt$$
TMP=$(mktemp -d /tmp/syngate-test.XXXXXX)

cleanup() {
	ip netns del "$NS" 2>/dev/null
	ip netns del "${NS}c" 2>/dev/null
	ip netns del "${NS}s" 2>/dev/null
	ip netns del "${NS}g" 2>/dev/null
	ip link del "sg$$c" 2>/dev/null
	ip link del "sg$$s" 2>/dev/null
	[ -n "${SRV_PID:-}" ] && kill "$SRV_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: expected $2, got $3"; nfail=$((nfail + 1)); }
skip() { echo "SKIP $1: $2"; nskip=$((nskip + 1)); }

# expect_eq NAME EXPECTED GOT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "'$2'" "'$3'"; fi
}

# expect_has NAME NEEDLE HAYSTACK
expect_has() {
	case "$3" in
	*"$2"*) pass "$1" ;;
	*) fail "$1" "text containing '$2'" "'$(echo "$3" | tr '\n' ' ')'" ;;
	esac
}

# expect_lacks NAME NEEDLE HAYSTACK
expect_lacks() {
	case "$3" in
	*"$2"*) fail "$1" "no '$2'" "'$(echo "$3" | tr '\n' ' ')'" ;;
	*) pass "$1" ;;
	esac
}

if [ "$(id -u)" != 0 ]; then
	echo "test-plugin.sh: needs root (network namespaces)" >&2
	exit 1
fi
if [ ! -e "$SO" ] || [ ! -e "$STAT" ] || [ ! -e "$XTRT" ]; then
	make -s -C "$HERE" libxt_SYNGATE.so syngatestat xtrt || exit 1
fi

VERSION=$(head -n 1 "$HERE/../VERSION" 2>/dev/null | tr -d '[:space:]')
[ -n "$VERSION" ] || VERSION=0.1.0

# Our plugin next to symlinks to the system's extensions.
XTDIR=$TMP/xtlib
mkdir -p "$XTDIR"
SYSXT=$(pkg-config --variable=xtlibdir xtables 2>/dev/null)
[ -n "$SYSXT" ] || SYSXT=/usr/lib/x86_64-linux-gnu/xtables
for f in "$SYSXT"/*.so; do
	[ "$(basename "$f")" = libxt_SYNGATE.so ] || ln -s "$f" "$XTDIR/"
done
ln -s "$SO" "$XTDIR/libxt_SYNGATE.so"
export XTABLES_LIBDIR=$XTDIR

ip netns add "$NS" || exit 1
inns() { ip netns exec "$NS" "$@"; }

# The filter table as the given tool's save shows it, minus date comments.
ruleset() {
	inns "$1-save" -t filter 2>/dev/null | grep -v '^#'
}

# Errors only the parse phase prints.
PARSE_ERRS='bad value for option|can only be used once|unknown option|requires an argument|Try `'

# ---------------------------------------------------------------- plugin

VARIANTS=()
for b in iptables-legacy iptables-nft ip6tables-legacy ip6tables-nft; do
	if command -v "$b" >/dev/null; then
		VARIANTS+=("$b")
	else
		skip "$b" "not installed"
	fi
done

test_help() {
	local b=$1 out rc opt

	out=$(inns "$b" -j SYNGATE --help 2>&1)
	rc=$?
	expect_eq "$b help exit status" 0 "$rc"
	for opt in --mss --wscale --sack-perm --timestamp --ecn --learn 536-65535 \
		   0-14 "syngate $VERSION"; do
		expect_has "$b help mentions $opt" "$opt" "$out"
	done
}

# bad_input TOOL NAME EXPECTED-ERROR ARGS...
bad_input() {
	local b=$1 name=$2 want=$3 before after err rc
	shift 3

	before=$(ruleset "$b")
	err=$(inns "$b" -A INPUT -p tcp -j SYNGATE "$@" 2>&1 >/dev/null)
	rc=$?
	after=$(ruleset "$b")
	expect_eq "$b $name exit status" 2 "$rc"
	expect_has "$b $name error" "$want" "$err"
	expect_eq "$b $name ruleset unchanged" "$before" "$after"
}

# good_input TOOL NAME CANONICAL-SAVE ARGS...: parses; in the kernel if
# the kernel has SYNGATE (then -S must show CANONICAL-SAVE), else refused
# by the kernel with no parse-phase error and no change.
good_input() {
	local b=$1 name=$2 canon=$3 before after err rc got
	shift 3

	before=$(ruleset "$b")
	err=$(inns "$b" -A INPUT -p tcp -j SYNGATE "$@" 2>&1 >/dev/null)
	rc=$?
	if echo "$err" | grep -Eq "$PARSE_ERRS"; then
		fail "$b $name parses" "no parse error" "'$err'"
		return
	fi
	if [ "$rc" = 0 ]; then
		got=$(inns "$b" -S INPUT | grep -- '-j SYNGATE' |
		      sed 's/.*-j SYNGATE//')
		expect_eq "$b $name in kernel, -S canonical" "$canon" "$got"
		inns "$b" -F INPUT
		return
	fi
	after=$(ruleset "$b")
	if [ "$before" = "$after" ]; then
		pass "$b $name parses (kernel refused: $(echo "$err" |
			grep -v '^Warning' | head -n 1))"
	else
		fail "$b $name ruleset unchanged" "'$before'" "'$after'"
	fi
}

RANGE_MSS='SYNGATE: bad value for option "--mss", or out of range (536-65535)'
RANGE_WS='SYNGATE: bad value for option "--wscale", or out of range (0-14)'

for b in "${VARIANTS[@]}"; do
	test_help "$b"
	bad_input "$b" "--mss 100" "$RANGE_MSS" --mss 100
	bad_input "$b" "--mss 535" "$RANGE_MSS" --mss 535
	bad_input "$b" "--mss 70000" "$RANGE_MSS" --mss 70000
	bad_input "$b" "--mss abc" "$RANGE_MSS" --mss abc
	bad_input "$b" "--mss 14x" "$RANGE_MSS" --mss 1460x
	bad_input "$b" "--wscale 15" "$RANGE_WS" --wscale 15
	bad_input "$b" "--wscale -1" "$RANGE_WS" --wscale -1
	bad_input "$b" "--mss missing value" 'option "--mss" requires an argument' --mss
	bad_input "$b" "duplicate --mss" 'SYNGATE: option "--mss" can only be used once' \
		--mss 1460 --mss 1400
	bad_input "$b" "duplicate --timestamp" \
		'SYNGATE: option "--timestamp" can only be used once' \
		--timestamp --sack-perm --timestamp
	bad_input "$b" "unknown option" 'unknown option "--foo"' --foo
	bad_input "$b" "SYNPROXY-only spelling --timestamps" \
		'unknown option "--timestamps"' --timestamps
	bad_input "$b" "--learn alone" \
		'SYNGATE: --learn needs at least one of --mss, --wscale, --sack-perm, --timestamp' \
		--learn
	bad_input "$b" "--learn with --ecn only" \
		'SYNGATE: --learn needs at least one of' --learn --ecn

	good_input "$b" "all options" \
		" --sack-perm --timestamp --wscale 7 --mss 1460 --ecn" \
		--ecn --mss 1460 --wscale 7 --sack-perm --timestamp
	good_input "$b" "--mss 536" " --mss 536" --mss 536
	good_input "$b" "--mss 65535" " --mss 65535" --mss 65535
	good_input "$b" "--wscale 0" " --timestamp --wscale 0" --wscale 0 --timestamp
	good_input "$b" "--wscale 14" " --timestamp --wscale 14" --timestamp --wscale 14
	good_input "$b" "no options" "" 
	good_input "$b" "--learn" " --sack-perm --timestamp --wscale 7 --mss 1460 --learn" \
		--learn --mss 1460 --wscale 7 --sack-perm --timestamp
	good_input "$b" "--learn --mss" " --mss 1400 --learn" --mss 1400 --learn

	# window scale and SACK ride in the cookie without timestamps
	err=$(inns "$b" -A INPUT -p tcp -j SYNGATE --wscale 7 --sack-perm 2>&1)
	expect_lacks "$b no warning: --sack-perm --wscale without --timestamp" \
		"SYNGATE: warning" "$err"
	inns "$b" -F INPUT 2>/dev/null
	err=$(inns "$b" -A INPUT -p tcp -j SYNGATE --wscale 7 --ecn 2>&1)
	expect_has "$b warns only of --ecn beside --wscale without --timestamp" \
		'SYNGATE: warning: --ecn has no effect without --timestamp' "$err"
	inns "$b" -F INPUT 2>/dev/null
	err=$(inns "$b" -A INPUT -p tcp -j SYNGATE --ecn 2>&1)
	expect_has "$b warns: --ecn without --timestamp" \
		'SYNGATE: warning: --ecn has no effect without --timestamp' "$err"
	inns "$b" -F INPUT 2>/dev/null
	err=$(inns "$b" -A INPUT -p tcp -j SYNGATE --wscale 7 --sack-perm \
		--ecn --timestamp 2>&1)
	expect_lacks "$b no warning with --timestamp" "SYNGATE: warning" "$err"
	inns "$b" -F INPUT 2>/dev/null
done

# ------------------------------------------------------- save round trip
# iptables-save cannot show a rule the kernel refused, so xtrt drives the
# plugin through libxtables (as iptables does) and prints save and print.

# roundtrip NAME EXPECTED-SAVE ARGS...
roundtrip() {
	local name=$1 canon=$2 fam out save print again
	shift 2

	for fam in -4 -6; do
		if [ "$fam" = -6 ]; then
			out=$("$XTRT" -6 "$@" 2>/dev/null)
		else
			out=$("$XTRT" "$@" 2>/dev/null)
		fi
		save=$(echo "$out" | sed -n 1p)
		print=$(echo "$out" | sed -n 2p)
		expect_eq "save $fam $name" "$canon" "$save"
		expect_eq "print $fam $name" " SYNGATE$(echo "$canon" |
			sed 's/ --/ /g')" "$print"
		# shellcheck disable=SC2086
		if [ "$fam" = -6 ]; then
			again=$("$XTRT" -6 $save 2>/dev/null | sed -n 1p)
		else
			again=$("$XTRT" $save 2>/dev/null | sed -n 1p)
		fi
		expect_eq "save $fam $name round trip" "$save" "$again"
	done
}

roundtrip "no options" ""
roundtrip "all options" " --sack-perm --timestamp --wscale 7 --mss 1460 --ecn" \
	--ecn --mss 1460 --wscale 7 --sack-perm --timestamp
roundtrip "mss 536" " --mss 536" --mss 536
roundtrip "mss 65535" " --mss 65535" --mss 65535
roundtrip "wscale 0" " --timestamp --wscale 0" --wscale 0 --timestamp
roundtrip "wscale 14" " --sack-perm --timestamp --wscale 14" \
	--wscale 14 --timestamp --sack-perm
roundtrip "ecn mss" " --mss 1400 --ecn" --ecn --mss 1400
roundtrip "learn" " --sack-perm --timestamp --wscale 7 --mss 1460 --ecn --learn" \
	--learn --ecn --mss 1460 --wscale 7 --sack-perm --timestamp
roundtrip "learn sack" " --sack-perm --learn" --learn --sack-perm

out=$("$XTRT" --learn 2>&1)
expect_eq "xtrt rejects --learn alone" 2 "$?"

out=$("$XTRT" --mss 100 2>&1)
expect_eq "xtrt rejects --mss 100" 2 "$?"

# The canonical save form must load through iptables-restore.
CANON="--sack-perm --timestamp --wscale 7 --mss 1460 --ecn"
for b in "${VARIANTS[@]}"; do
	printf '*filter\n-A INPUT -p tcp -j SYNGATE %s\nCOMMIT\n' "$CANON" \
		>"$TMP/rules"
	err=$(inns "$b-restore" --test <"$TMP/rules" 2>&1)
	expect_eq "$b-restore --test accepts canonical save" 0 "$?"
	printf '*filter\n-A INPUT -p tcp -j SYNGATE --mss 100\nCOMMIT\n' \
		>"$TMP/rules"
	err=$(inns "$b-restore" --test <"$TMP/rules" 2>&1)
	expect_eq "$b-restore --test rejects --mss 100" 2 "$?"
	expect_has "$b-restore --mss 100 error" "$RANGE_MSS" "$err"
done

# -------------------------------------------------------------- translate

XL_OPTS=(--ecn --mss 1460 --wscale 7 --sack-perm --timestamp)
XL_MSG="SYNGATE: not translated: nft has no SYNGATE, and its synproxy statement is the in-kernel SYNPROXY; keep the rule in iptables-nft syntax"

# xlate TOOL: nft has no SYNGATE, and nft's synproxy is the other
# implementation: the rule stays a comment, with the reason on stderr.
xlate() {
	local t=$1 out err rc

	if ! command -v "$t" >/dev/null; then
		skip "$t" "not installed"
		return
	fi
	out=$("$t" -A INPUT -p tcp -j SYNGATE "${XL_OPTS[@]}" 2>"$TMP/err")
	rc=$?
	err=$(cat "$TMP/err")
	expect_eq "$t exit status" 0 "$rc"
	expect_eq "$t leaves the rule a comment" \
		"nft # -A INPUT -p tcp -j SYNGATE ${XL_OPTS[*]}" \
		"$(echo "$out" | sed 's/ *$//')"
	expect_has "$t says why" "$XL_MSG" "$err"
	expect_eq "$t writes no synproxy statement" "" \
		"$(echo "$out" | grep synproxy)"
}

# xlate_restore TOOL: a ruleset keeps its other rules, SYNGATE's commented.
xlate_restore() {
	local t=$1 out

	if ! command -v "$t" >/dev/null; then
		skip "$t" "not installed"
		return
	fi
	printf '*filter\n-A INPUT -p tcp -j SYNGATE --mss 1460\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n' \
		>"$TMP/rules"
	out=$("$t" -f "$TMP/rules" 2>"$TMP/err")
	expect_eq "$t exit status" 0 "$?"
	expect_has "$t comments the SYNGATE rule" \
		"# -t filter -A INPUT -p tcp -j SYNGATE --mss 1460" "$out"
	expect_has "$t translates the others" \
		"add rule ip filter INPUT ip protocol tcp counter accept" "$out"
	expect_has "$t says why" "$XL_MSG" "$(cat "$TMP/err")"
}

xlate iptables-translate
xlate ip6tables-translate
xlate_restore iptables-restore-translate

# ------------------------------------------------------------ syngatestat

FIX=$TMP/stat
{
	echo "entries syn_received synack_sent cookie_valid cookie_invalid cookie_retrans conn_reopened drop_bad_flags"
	echo "00000005 0000000a 0000000b 00000001 ffffffff 00000000 00000010 00000002"
	printf '00000005\t00000014\t00000015\t00000002\t00000001\t00000000\t00000020\t00000003\t\n'
	echo "00000005 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
} >"$FIX"
WANT="entries 5
syn_received 30
synack_sent 32
cookie_valid 3
cookie_invalid 4294967296
cookie_retrans 0
conn_reopened 48
drop_bad_flags 5"
out=$("$STAT" -f "$FIX" 2>&1)
rc=$?
expect_eq "syngatestat sums fixture (exit status)" 0 "$rc"
expect_eq "syngatestat sums fixture" "$WANT" "$out"

# The kernel's synproxy layout: double tab after "entries", tab-separated.
printf 'entries\t\tsyn_received\tcookie_invalid\tcookie_valid\tcookie_retrans\tconn_reopened\n' >"$TMP/sp"
printf '00000000\t00000003\t00000001\t00000002\t00000000\t00000000\n' >>"$TMP/sp"
printf '00000000\t0000000c\t00000000\t00000009\t00000001\t00000000\n' >>"$TMP/sp"
out=$("$STAT" -f "$TMP/sp" | tr '\n' ' ')
expect_eq "syngatestat reads synproxy layout" \
	"entries 0 syn_received 15 cookie_invalid 1 cookie_valid 11 cookie_retrans 1 conn_reopened 0 " \
	"$out"

out=$("$STAT" -f "$FIX" -i 0.1 -c 2 2>&1)
expect_eq "syngatestat -i -c rows" 3 "$(echo "$out" | wc -l)"
expect_eq "syngatestat -i header" \
	"entries syn_received synack_sent cookie_valid cookie_invalid cookie_retrans conn_reopened drop_bad_flags" \
	"$(echo "$out" | sed -n 1p | tr -s ' ' | sed 's/^ //')"
expect_eq "syngatestat -i rates of a still file" "5 0 0 0 0 0 0 0" \
	"$(echo "$out" | sed -n 3p | tr -s ' ' | sed 's/^ //')"

err=$("$STAT" -f "$TMP/nonexistent" 2>&1)
expect_eq "syngatestat missing -f file exit status" 1 "$?"
expect_has "syngatestat missing -f file message" "No such file" "$err"

if inns test -e /proc/net/stat/syngate; then
	skip "syngatestat without module" "/proc/net/stat/syngate exists"
else
	err=$(inns "$STAT" 2>&1)
	expect_eq "syngatestat without module exit status" 1 "$?"
	expect_has "syngatestat without module message" \
		"syngate module not loaded or no SYNGATE rule in this namespace" "$err"
fi

printf 'a b\n00000001 zz\n' >"$TMP/bad1"
err=$("$STAT" -f "$TMP/bad1" 2>&1)
expect_eq "syngatestat bad hex exit status" 1 "$?"
expect_has "syngatestat bad hex message" "bad hex value 'zz'" "$err"
printf 'a b\n00000001\n' >"$TMP/bad2"
err=$("$STAT" -f "$TMP/bad2" 2>&1)
expect_eq "syngatestat short row exit status" 1 "$?"
printf 'a b\n' >"$TMP/bad3"
err=$("$STAT" -f "$TMP/bad3" 2>&1)
expect_eq "syngatestat no rows exit status" 1 "$?"
err=$("$STAT" -f "$FIX" -c 3 2>&1)
expect_eq "syngatestat -c without -i exit status" 1 "$?"
err=$("$STAT" -f "$FIX" -i 0 2>&1)
expect_eq "syngatestat -i 0 exit status" 1 "$?"

out=$(inns "$STAT" -C 2>&1)
expect_eq "syngatestat -C in a fresh namespace" 0 "$out"
out=$(inns "$STAT" -l 2>&1)
expect_eq "syngatestat -l in a fresh namespace" "proxied: 0" "$out"

# ------------------------------------- syngatestat -l on a real proxy
# The host kernel's own SYNPROXY fills the same conntrack data (seqadj and
# the synproxy extension) that SYNGATE does; use it, alone in its own
# namespaces, to check -l and -C against a proxied connection.

live_synproxy() {
	local c=${NS}c g=${NS}g s=${NS}s out n
	# veth names are global until moved: make them unique per run.
	local vc=sg$$c vgc=sg$$gc vs=sg$$s vgs=sg$$gs

	if ! command -v python3 >/dev/null; then
		skip "syngatestat -l live" "python3 not installed"
		return
	fi
	ip netns add "$c" && ip netns add "$g" && ip netns add "$s" || return
	ip link add $vc type veth peer name $vgc || return
	ip link add $vs type veth peer name $vgs || return
	ip link set $vc netns "$c"; ip link set $vgc netns "$g"
	ip link set $vs netns "$s"; ip link set $vgs netns "$g"
	ip -n "$c" addr add 10.77.1.2/24 dev $vc
	ip -n "$s" addr add 10.77.2.2/24 dev $vs
	ip -n "$g" addr add 10.77.1.1/24 dev $vgc
	ip -n "$g" addr add 10.77.2.1/24 dev $vgs
	for x in "$c $vc" "$s $vs" "$g $vgc" "$g $vgs"; do
		set -- $x
		ip -n "$1" link set "$2" up
		ip -n "$1" link set lo up
	done
	ip -n "$c" route add default via 10.77.1.1
	ip -n "$s" route add default via 10.77.2.1
	ip netns exec "$g" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$g" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 ||
		{ skip "syngatestat -l live" "no conntrack sysctl"; return; }
	ip netns exec "$g" iptables-legacy -t raw -A PREROUTING -i "$vgc" \
		-p tcp -m tcp --syn --dport 8080 -j CT --notrack &&
	ip netns exec "$g" iptables-legacy -A FORWARD -i "$vgc" -p tcp \
		-m tcp --dport 8080 -m state --state UNTRACKED,INVALID \
		-j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460 \
		2>/dev/null &&
	ip netns exec "$g" iptables-legacy -A FORWARD -i "$vgc" -p tcp \
		-m tcp --dport 8080 -m state --state INVALID -j DROP ||
		{ skip "syngatestat -l live" "no SYNPROXY target"; return; }

	ip netns exec "$s" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(1)
c, _ = s.accept(); c.sendall(c.recv(100)); time.sleep(4)' &
	SRV_PID=$!
	sleep 0.5
	ip netns exec "$c" python3 -c '
import socket, sys, time
s = socket.create_connection(("10.77.2.2", 8080), timeout=3)
s.sendall(b"ping"); sys.exit(s.recv(100) != b"ping")' &
	local cli=$!
	sleep 1
	out=$(ip netns exec "$g" "$STAT" -l 2>&1)
	n=$(ip netns exec "$g" "$STAT" -C 2>&1)
	wait "$cli"
	expect_eq "live SYNPROXY connection echoes" 0 "$?"
	expect_has "syngatestat -l lists the proxied connection" \
		"tcp src=10.77.1.2 dst=10.77.2.2 sport=" "$out"
	if echo "$out" | grep -Eq 'dport=8080 state=(ESTABLISHED|FIN_WAIT|CLOSE_WAIT|LAST_ACK|TIME_WAIT|CLOSE) seq_off=-?[0-9]+ isn=[0-9]+ its=[0-9]+ tsoff=[0-9]+$'; then
		pass "syngatestat -l fields"
	else
		fail "syngatestat -l fields" "state/seq_off/isn/its/tsoff" "'$out'"
	fi
	expect_eq "syngatestat -l count" "proxied: 1" "$(echo "$out" | tail -n 1)"
	if [ "$n" -ge 1 ] 2>/dev/null; then
		pass "syngatestat -C counts the entry ($n)"
	else
		fail "syngatestat -C counts the entry" ">= 1" "'$n'"
	fi
	out=$(ip netns exec "$g" "$STAT" -f /proc/net/stat/synproxy)
	expect_has "syngatestat -f /proc/net/stat/synproxy" "cookie_valid 1" "$out"
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}
live_synproxy

# syngatestat -b: the kernel's listing of learned backends, aligned, ages
# with their unit; a file in another format is refused.
printf 'backend port mss wscale sack timestamp age\n198.18.2.2 8080 1200 7 yes no 12\n2001:db8:2::2 8081 1440 - no - 3\n' \
	>"$TMP/backends"
out=$("$STAT" -b -f "$TMP/backends")
expect_eq "syngatestat -b table" "backend        port  mss   wscale  sack  timestamp  age
198.18.2.2     8080  1200  7       yes   no         12s
2001:db8:2::2  8081  1440  -       no    -          3s
learned: 2" "$out"
printf 'backend port mss wscale sack timestamp age\n1.2.3.4 80 1460\n' >"$TMP/backends"
out=$("$STAT" -b -f "$TMP/backends" 2>&1)
expect_eq "syngatestat -b refuses a short line" 1 "$?"
expect_has "syngatestat -b says which line" "unexpected line: 1.2.3.4 80 1460" "$out"

echo "$nskip skipped"
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]
