#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of syngatectl: its key files, messages and exit
# statuses, against a stand-in for /proc/net/syngate_key
# (SYNGATE_KEY_PROC). What the kernel does with a key is tested in the VM
# (tests/e2e/cluster.sh). The XDP loader (syngatectl xdp) is tested on
# this host's kernel, as root: in a network namespace of its own with a
# veth pair, in a mount namespace of its own so that the bpffs it mounts
# and pins in is never the host's; not what the program does with packets.
# Prints PASS/FAIL/SKIP lines and "N passed, N failed"; exit 0 iff none
# failed.
set -u
# the mount namespace first: everything below runs in it
if [ "$(id -u)" = 0 ] && [ -z "${SYNGATECTL_TEST_MNTNS:-}" ] &&
		unshare -m --propagation private true 2>/dev/null; then
	SYNGATECTL_TEST_MNTNS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
cd "$(dirname "$0")" || exit 2
CTL=$PWD/syngatectl
STAT=$PWD/syngatestat
[ -x "$CTL" ] || { echo "FAIL syngatectl: not built"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d)
NS=sgctl-test-$$
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP
cd "$T" || exit 2
export SYNGATE_KEY_PROC=$T/proc
PASSED=0 FAILED=0 SKIPPED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS syngatectl $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL syngatectl $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP syngatectl $*"; }

# expect NAME STATUS TEXT CMD...: CMD exits STATUS and its stderr has TEXT
expect() {
	local name=$1 want=$2 text=$3 rc
	shift 3
	"$@" > out 2> err
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -q -F -- "$text" err; then
		fail "$name: expected exit $want and '$text', saw exit $rc: $(head -n 2 err | tr '\n' ' ')"
	else
		pass "$name: exit $rc, $(head -n 1 err)"
	fi
}

keyfile() { # keyfile NAME CONTENT [MODE]
	printf '%s' "$2" > "$1"
	chmod "${3:-600}" "$1"
}

# the key whose bytes are 00..0f, and its fingerprint: SipHash-2-4 of
# "syngate1" under it (tests/cookie/model.py and KUnit agree)
K=000102030405060708090a0b0c0d0e0f
FP=eb43cec7517462ec

umask 022
"$CTL" genkey > k1 && "$CTL" genkey > k2
if grep -q -x '[0-9a-f]\{32\}' k1 && grep -q -x '[0-9a-f]\{32\}' k2 && ! cmp -s k1 k2; then
	pass "genkey: 32 hex digits, two keys differ"
else
	fail "genkey: expected two different lines of 32 hex digits, saw '$(cat k1)' '$(cat k2)'"
fi
if [ "$(stat -c %a k1)" = 600 ]; then
	pass "genkey > file: the 0644 file made 0600"
else
	fail "genkey > file: expected mode 600, saw $(stat -c %a k1)"
fi
if [ "$("$CTL" genkey | wc -c)" = 33 ]; then
	pass "genkey to a pipe: 33 bytes"
else
	fail "genkey to a pipe: expected 33 bytes"
fi

keyfile good "$K
"
if [ "$("$CTL" key fingerprint good)" = "$FP" ]; then
	pass "fingerprint of the key 00..0f is $FP"
else
	fail "fingerprint: expected $FP, saw $("$CTL" key fingerprint good 2>&1)"
fi
keyfile upper "000102030405060708090A0B0C0D0E0F"
if [ "$("$CTL" key fingerprint upper)" = "$FP" ]; then
	pass "fingerprint: capital hex digits and no newline read alike"
else
	fail "fingerprint of capital hex: expected $FP"
fi
if [ "$(printf '%s\n' "$K" | "$CTL" key fingerprint -)" = "$FP" ]; then
	pass "fingerprint: a key on standard input"
else
	fail "fingerprint: expected $FP from standard input"
fi

# Refused key files: the stand-in kernel file stays untouched.
printf 'untouched\n' > proc
keyfile open "$K" 644
keyfile short "0001020304"
keyfile long "${K}0"
keyfile nothex "00010203040506070809xa0b0c0d0e0f"
keyfile empty ""
keyfile twolines "$K

"
for verb in set rotate; do
	expect "key $verb: group/world-readable file" 1 "is accessible by group/others (mode 0644); chmod 600" "$CTL" key $verb open
	expect "key $verb: short key" 1 "too short: 10 hex digits, need 32" "$CTL" key $verb short
	expect "key $verb: long key" 1 "too long: 33 hex digits, need 32" "$CTL" key $verb long
	expect "key $verb: not hex" 1 "not hex at offset 20" "$CTL" key $verb nothex
	expect "key $verb: empty file" 1 "empty: need 32 hex digits" "$CTL" key $verb empty
	expect "key $verb: a second newline" 1 "not hex at offset 32" "$CTL" key $verb twolines
	expect "key $verb: missing file" 1 "nofile: No such file or directory" "$CTL" key $verb nofile
done
if [ "$(cat proc)" = untouched ]; then
	pass "refused keys: nothing written to the kernel file"
else
	fail "refused keys: expected the kernel file untouched, saw '$(cat proc)'"
fi

# A good key is written as one command; the stand-in does not answer as
# the kernel would, so the check that follows the write must fail (the
# VM's cluster test sees it pass against the kernel).
: > proc
expect "key set: written, then the kernel's fingerprint checked" 1 "the kernel does not show the key written" "$CTL" key set good
if [ "$(cat proc)" = "set $K" ]; then
	pass "key set: wrote 'set $K'"
else
	fail "key set: expected 'set $K' written, saw '$(cat proc)'"
fi
: > proc
"$CTL" key rotate good > /dev/null 2>&1
if [ "$(cat proc)" = "rotate $K" ]; then
	pass "key rotate: wrote 'rotate $K'"
else
	fail "key rotate: expected 'rotate $K' written, saw '$(cat proc)'"
fi
: > proc
"$CTL" key clear
if [ "$(cat proc)" = clear ]; then
	pass "key clear: wrote 'clear'"
else
	fail "key clear: expected 'clear', saw '$(cat proc)'"
fi

printf 'current fingerprint=%s set_at=1764892800\nprevious random\n' "$FP" > proc
out=$("$CTL" key show)
if grep -q "^current: fingerprint $FP, set 2025-12-05 00:00:00 UTC (" <<< "$out" &&
		grep -q '^previous: random per-namespace secret' <<< "$out" && ! grep -q -i "$K" <<< "$out"; then
	pass "key show: fingerprint, time, no key"
else
	fail "key show: expected the fingerprint and time, saw: $out"
fi
printf 'current random\nprevious none\n' > proc
if [ "$("$CTL" key show)" = "current: random per-namespace secret (no key set)
previous: none" ]; then
	pass "key show: a namespace with no key set"
else
	fail "key show: expected the random and none lines, saw: $("$CTL" key show)"
fi

SYNGATE_KEY_PROC=$T/absent expect "key show: no module" 1 "the xt_SYNGATE module is not loaded" "$CTL" key show
chmod 000 proc
if [ "$(id -u)" != 0 ]; then
	expect "key set: no permission" 1 "permission denied" "$CTL" key set good
fi
chmod 600 proc

expect "usage: no command" 2 "missing command" "$CTL"
expect "usage: unknown command" 2 "unknown command" "$CTL" frob
expect "usage: key without a command" 2 "key: missing command" "$CTL" key
expect "usage: key set without a file" 2 "key: one FILE needed" "$CTL" key set
expect "usage: key show with an argument" 2 "key: unexpected argument" "$CTL" key show x
if "$CTL" --help | grep -q 'syngatectl genkey' && "$CTL" --version | grep -q '^syngatectl '; then
	pass "--help and --version on standard output, exit 0"
else
	fail "--help/--version: expected usage and version"
fi

# ------------------------------------------------------------------- xdp
# expect_line NAME TEXT CMD...: CMD exits 0 and a line of its stdout is TEXT
expect_line() {
	local name=$1 text=$2 rc
	shift 2
	"$@" > out 2> err
	rc=$?
	if [ "$rc" = 0 ] && grep -q -x -F -- "$text" out; then
		pass "$name: '$text'"
	else
		fail "$name: expected exit 0 and the line '$text', saw exit $rc: $(tr '\n' '|' < out) $(head -n 2 err | tr '\n' ' ')"
	fi
}

# check NAME CONDITION...: a test of what a command left behind
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
not() { ! "$@"; }

# Usage errors: exit 2, before anything is looked at.
X=("$CTL" xdp)
A=("$CTL" xdp scope add)
expect "xdp: no command" 2 "xdp: missing command" "${X[@]}"
expect "xdp: unknown command" 2 "xdp: unknown command 'frob'" "${X[@]}" frob
expect "xdp attach: no DEV" 2 "xdp attach: missing DEV" "${X[@]}" attach
expect "xdp attach: two DEVs" 2 "xdp attach: one DEV only, not 'a' and 'b'" "${X[@]}" attach a b
expect "xdp attach: unknown option" 2 "xdp attach: unknown option '--native'" "${X[@]}" attach a --native
expect "xdp attach: --key without FILE" 2 "xdp attach: --key needs a FILE" "${X[@]}" attach a --key
expect "xdp attach: --key twice" 2 "xdp attach: --key given twice" "${X[@]}" attach a --key good --key good
expect "xdp detach: no DEV" 2 "xdp detach: missing DEV" "${X[@]}" detach
expect "xdp detach: two DEVs" 2 "xdp detach: one DEV only, not 'a' and 'b'" "${X[@]}" detach a b
expect "xdp detach: an option" 2 "xdp detach: unknown option '--generic'" "${X[@]}" detach --generic
expect "xdp status: an argument" 2 "xdp status: unexpected argument" "${X[@]}" status x
expect "xdp scope: no command" 2 "xdp scope: missing command (add, del or list)" "${X[@]}" scope
expect "xdp scope: unknown command" 2 "xdp scope: unknown command 'show'" "${X[@]}" scope show
expect "xdp scope list: an argument" 2 "xdp scope list: unexpected argument" "${X[@]}" scope list x
expect "scope add: no --dport" 2 "xdp scope add: --dport PORT is needed" "${A[@]}" --mss 1460
expect "scope del: no --dport" 2 "xdp scope del: --dport PORT is needed" "${X[@]}" scope del -4
expect "scope add: --dport 0" 2 "xdp scope add: --dport 0: need a number from 1 to 65535" "${A[@]}" --dport 0
expect "scope add: --dport 65536" 2 "--dport 65536: need a number from 1 to 65535" "${A[@]}" --dport 65536
expect "scope add: --dport http" 2 "--dport http: need a number from 1 to 65535" "${A[@]}" --dport http
expect "scope add: --dport -1" 2 "--dport -1: need a number from 1 to 65535" "${A[@]}" --dport -1
expect "scope add: --mss 535" 2 "--mss 535: need a number from 536 to 65535" "${A[@]}" --dport 80 --mss 535
expect "scope add: --mss 65536" 2 "--mss 65536: need a number from 536 to 65535" "${A[@]}" --dport 80 --mss 65536
expect "scope add: --wscale 15" 2 "--wscale 15: need a number from 0 to 14" "${A[@]}" --dport 80 --wscale 15
expect "scope add: --mss without a value" 2 "xdp scope add: --mss needs a value" "${A[@]}" --dport 80 --mss
expect "scope add: --learn" 2 "--learn is not supported at XDP" "${A[@]}" --dport 80 --mss 1460 --learn
expect "scope add: -4 and -6" 2 "xdp scope add: -4 and -6 together" "${A[@]}" -4 -6 --dport 80
expect "scope add: -4 with an IPv6 address" 2 "xdp scope add: -4 with the IPv6 address 2001:db8::1" "${A[@]}" -4 -d 2001:db8::1 --dport 80
expect "scope add: -6 with an IPv4 address" 2 "xdp scope add: -6 with the IPv4 address 192.0.2.1" "${A[@]}" -6 -d 192.0.2.1 --dport 80
expect "scope add: a bad address" 2 "xdp scope add: -d 192.0.2.300: not an IPv4 or IPv6 address" "${A[@]}" -d 192.0.2.300 --dport 80
expect "scope add: a prefix" 2 "-d 192.0.2.0/24: not an IPv4 or IPv6 address" "${A[@]}" -d 192.0.2.0/24 --dport 80
expect "scope add: an option twice" 2 "xdp scope add: --sack-perm given twice" "${A[@]}" --dport 80 --sack-perm --sack-perm
expect "scope add: a stray argument" 2 "xdp scope add: unknown argument 'extra'" "${A[@]}" --dport 80 extra
expect "scope del: an option of add" 2 "xdp scope del: --mss is for add" "${X[@]}" scope del --dport 80 --mss 1460

# The rest runs on this host's kernel.
xdp_setup() {
	[ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
	[ -n "${SYNGATECTL_TEST_MNTNS:-}" ] || { echo "no mount namespace of its own (unshare -m)"; return 1; }
	command -v bpftool > /dev/null || { echo "no bpftool"; return 1; }
	ip netns add "$NS" 2> err || { echo "ip netns add: $(cat err)"; return 1; }
	ip -n "$NS" link add name va type veth peer name vb 2> err &&
		ip -n "$NS" link set va up && ip -n "$NS" link set vb up ||
		{ echo "veth: $(cat err)"; return 1; }
	# bpffs: the one syngatectl mounts here, never the host's (which may
	# be several, mounted one over the other)
	while [ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ]; do
		umount -l /sys/fs/bpf || { echo "cannot umount the host's bpffs here"; return 1; }
	done
}

pinned() { [ -e "$PIN/syngate_key" ] && [ -e "$PIN/syngate_scope" ] && [ -e "$PIN/syngate_ports" ] && [ -e "$PIN/syngate_stats" ]; }
# port_slot_is "K0 K1 K2 K3" VALUE: the syngate_ports slot of that index
# holds the bytes VALUE ('"0x..",...' as bpftool -j prints them)
port_slot_is() {
	# shellcheck disable=SC2086 # the index's bytes, one word each
	bpftool -j map lookup pinned "$PIN/syngate_ports" key hex $1 > out 2> err &&
		grep -q "\"value\":\[$2\]" out
}

# possible CPUs, as libbpf counts them: per-CPU values come in that many
possible_cpus() {
	local n=0 p parts
	IFS=, read -r -a parts < /sys/devices/system/cpu/possible
	for p in "${parts[@]}"; do
		if [[ $p == *-* ]]; then n=$((n + ${p#*-} - ${p%-*} + 1)); else n=$((n + 1)); fi
	done
	echo "$n"
}

# fp_of HEX: the fingerprint syngatectl computes for that key
fp_of() {
	keyfile fpkey "$1"
	"$CTL" key fingerprint fpkey
}

# the program a device runs, as ip shows it
xdp_of() { ip -n "$NS" link show "$1" | grep -o -E 'xdp(generic)? |prog/xdp id [0-9]+ name [a-z_]+' | xargs; }

# What the loaded program's maps and devices show, from the first attach
# on (its out and err are there).
xdp_loaded() {
	# attach, generic: bpffs mounted, maps pinned, a random key rotated in
	check "xdp attach --generic: exit 0, bpffs mounted" grep -q "mounted bpffs on /sys/fs/bpf" err
	check "xdp attach --generic: 'va: ... attached (generic)'" grep -q -x "va: syngate's XDP program attached (generic)" out
	check "xdp attach: wrote 'rotate HEX' to the module" grep -q -x 'rotate [0-9a-f]\{32\}' proc
	hex=$(sed -n 's/^rotate //p' proc)
	FP1=$(fp_of "$hex")
	check "xdp attach: reported the key's fingerprint" grep -q -x "key: fingerprint $FP1 (new random key), rotated into the module" out
	check "xdp attach: the three maps pinned in $PIN" pinned
	check "xdp attach --generic: ip shows xdpgeneric" grep -q "xdpgeneric prog/xdp id [0-9]* name syngate_xdp" <<< "$(xdp_of va)"
	expect_line "xdp status: va generic" "device va: generic" "${C[@]}" xdp status
	check "xdp status: the fingerprint of the key written to the module" grep -q -x "key: fingerprint $FP1" out
	check "xdp status: maps pinned" grep -q -x "maps pinned in $PIN" out

	# attach, native, a second device: the same maps, the key kept
	: > proc
	expect_line "xdp attach vb: native" "vb: syngate's XDP program attached (native)" "${C[@]}" xdp attach vb
	check "xdp attach vb: the key kept" grep -q -x "key: kept the XDP key map's, fingerprint $FP1" out
	check "xdp attach vb: nothing written to the module" [ ! -s proc ]
	check "xdp attach vb: ip shows native xdp" grep -q "^xdp prog/xdp id [0-9]* name syngate_xdp" <<< "$(xdp_of vb)"
	expect_line "xdp status: va generic" "device va: generic" "${C[@]}" xdp status
	check "xdp status: vb native" grep -q -x "device vb: native" out
	# a device without native XDP: generic, with a warning naming it
	if ip -n "$NS" link add name vd type dummy 2> /dev/null ||
			ip -n "$NS" link add name vd type bridge 2> /dev/null; then
		expect "xdp attach: no native XDP: generic, warned" 0 "warning: vd: no native XDP" "${C[@]}" xdp attach vd
		check "xdp attach vd: 'attached (generic)'" grep -q -x "vd: syngate's XDP program attached (generic)" out
		expect_line "xdp detach vd" "vd: syngate's XDP program detached" "${C[@]}" xdp detach vd
		ip -n "$NS" link del vd
	else
		skip "xdp attach on a device without native XDP: cannot make a dummy or bridge device"
	fi
	expect_line "xdp attach va again: replaced" "va: syngate's XDP program replaced (generic)" "${C[@]}" xdp attach va
	expect "xdp attach --generic over native" 1 "vb: runs syngate's XDP program in native mode: syngatectl xdp detach vb first" "${C[@]}" xdp attach vb --generic
	check "xdp attach --generic over native: vb still native" grep -q "^xdp prog" <<< "$(xdp_of vb)"

	# attach --key: rotated into the module, then the map
	: > proc
	expect_line "xdp attach --key" "key: fingerprint $FP (good), rotated into the module" "${C[@]}" xdp attach va --key good
	check "xdp attach --key: wrote 'rotate $K'" [ "$(cat proc)" = "rotate $K" ]
	expect_line "xdp status after --key" "key: fingerprint $FP" "${C[@]}" xdp status

	# scope
	expect_line "scope add, both families (ipv4)" "scope added: ipv4 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460" \
		"${C[@]}" xdp scope add --dport 80 --mss 1460 --wscale 7 --sack-perm --timestamp
	check "scope add, both families (ipv6)" grep -q -x "scope added: ipv6 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460" out
	expect_line "scope add -d IPv4" "scope added: ipv4 192.0.2.1 port 443" "${C[@]}" xdp scope add -d 192.0.2.1 --dport 443
	expect_line "scope add -6 -d IPv6" "scope added: ipv6 2001:db8::1 port 443 --timestamp --ecn" \
		"${C[@]}" xdp scope add -6 -d 2001:db8::1 --dport 443 --ecn --timestamp
	expect "scope add --ecn without --timestamp: warned" 0 "warning: --ecn has no effect without --timestamp" \
		"${C[@]}" xdp scope add -d 192.0.2.1 --dport 443 --ecn --mss 1400
	check "scope add again: replaced" grep -q -x "scope replaced: ipv4 192.0.2.1 port 443 --mss 1400 --ecn" out
	"${C[@]}" xdp scope list > out 2>&1
	want="scope: ipv4 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460
scope: ipv4 192.0.2.1 port 443 --mss 1400 --ecn
scope: ipv6 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460
scope: ipv6 2001:db8::1 port 443 --timestamp --ecn"
	check "scope list: four entries, sorted" [ "$(cat out)" = "$want" ]
	expect_line "xdp status: the scope" "scope: ipv6 2001:db8::1 port 443 --timestamp --ecn" "${C[@]}" xdp status
	# the map's layout (include/syngate_xdp.h): family 2, pad, port and
	# address in network order; the value as the target holds it (mss in
	# host order: 1400 = 0x0578)
	bpftool -j map lookup pinned "$PIN/syngate_scope" key hex 02 00 01 bb c0 00 02 01 \
		00 00 00 00 00 00 00 00 00 00 00 00 > out 2> err
	check "scope map: the IPv4 key and its value, byte for byte" \
		grep -q '"value":\["0x11","0x00","0x78","0x05"\]' out
	bpftool -j map lookup pinned "$PIN/syngate_scope" key hex 0a 00 00 50 00 00 00 00 \
		00 00 00 00 00 00 00 00 00 00 00 00 > out 2> err
	check "scope map: the IPv6 any-address key" grep -q '"value":\["0x0f","0x07","0xb4","0x05"\]' out
	# its index by port: slot = the port's two bytes read in host order,
	# IPv6 65536 above; the any-address entry's options, has_any, pad,
	# entries with an address (host order)
	check "ports map: ipv4 port 80, the any-address entry" port_slot_is "00 50 00 00" \
		'"0x0f","0x07","0xb4","0x05","0x01","0x00","0x00","0x00"'
	check "ports map: ipv4 port 443, one address" port_slot_is "01 bb 00 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0x01","0x00"'
	check "ports map: ipv6 port 443, one address" port_slot_is "01 bb 01 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0x01","0x00"'
	expect_line "scope del, both families" "scope deleted: ipv4 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460" \
		"${C[@]}" xdp scope del --dport 80
	check "scope del, both families (ipv6)" grep -q -x "scope deleted: ipv6 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460" out
	check "ports map: ipv6 port 80 emptied by the del" port_slot_is "00 50 01 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00"'
	expect "scope del: gone already" 1 "no scope entry for any address port 80" "${C[@]}" xdp scope del --dport 80
	expect "scope del -4: not the any-address entry" 1 "no scope entry for ipv4 any address port 443" "${C[@]}" xdp scope del -4 --dport 443
	expect_line "scope del -d" "scope deleted: ipv4 192.0.2.1 port 443 --mss 1400 --ecn" "${C[@]}" xdp scope del -d 192.0.2.1 --dport 443
	check "ports map: ipv4 port 443 emptied by the del -d" port_slot_is "01 bb 00 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00"'
	check "ports map: ipv6 port 443 kept its address" port_slot_is "01 bb 01 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0x01","0x00"'
	expect_line "scope list: one left" "scope: ipv6 2001:db8::1 port 443 --timestamp --ecn" "${C[@]}" xdp scope list
	check "scope list: only one" [ "$(wc -l < out)" = 1 ]

	# a full map: both families or neither
	for i in $(seq 1 255); do
		"${C[@]}" xdp scope add -d "10.0.$((i / 256)).$((i % 256))" --dport 80 > /dev/null 2>&1 || break
	done
	expect "scope add: the map full" 1 "the scope map is full (256 entries): nothing added" "${C[@]}" xdp scope add -d 10.1.0.1 --dport 80
	"${C[@]}" xdp scope del -d 10.0.0.255 --dport 80 > /dev/null
	"${C[@]}" xdp scope add --dport 81 > out 2> err
	rc=$?
	if [ "$rc" = 1 ] && grep -q "the scope map is full" err && ! "${C[@]}" xdp scope list | grep -q "port 81"; then
		pass "scope add: one family's room: refused, the first family's entry taken back"
	else
		fail "scope add: one family's room: expected exit 1 and no port 81 entry, saw exit $rc: $(cat err)"
	fi
	check "scope: 255 entries after that" [ "$("${C[@]}" xdp scope list | wc -l)" = 255 ]
	check "ports map: ipv4 port 80 counts its 254 addresses" port_slot_is "00 50 00 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0xfe","0x00"'
	check "ports map: ipv4 port 81 taken back with its entry" port_slot_is "00 51 00 00" \
		'"0x00","0x00","0x00","0x00","0x00","0x00","0x00","0x00"'

	# key commands: the map follows the module (the stand-in cannot answer
	# the check that follows the write: exit 1, as above)
	keyfile k2 "$("$CTL" genkey)"
	FP2=$("$CTL" key fingerprint k2)
	: > proc
	expect "key rotate: the map follows" 1 "the kernel does not show the key written" "${C[@]}" key rotate k2
	check "key rotate: wrote 'rotate' to the module" grep -q -x "rotate $(cat k2)" proc
	expect_line "key rotate: status shows its fingerprint" "key: fingerprint $FP2" "${C[@]}" xdp status
	: > proc
	"${C[@]}" key set good > /dev/null 2>&1
	expect_line "key set: the map follows" "key: fingerprint $FP" "${C[@]}" xdp status
	expect "key set: a refused key file" 1 "is accessible by group/others" "${C[@]}" key set open
	SYNGATE_KEY_PROC=$T/absent expect "key rotate: no module" 1 "the xt_SYNGATE module is not loaded" "${C[@]}" key rotate k2
	expect_line "key set/rotate refused: the map unchanged" "key: fingerprint $FP" "${C[@]}" xdp status
	printf 'current fingerprint=%s set_at=1764892800\nprevious random\n' "$FP" > proc
	expect_line "xdp status: the module's current key" "key: fingerprint $FP, the module's current key" "${C[@]}" xdp status
	printf 'current fingerprint=%s set_at=1764892800\nprevious fingerprint=%s set_at=1764892700\n' "$FP2" "$FP" > proc
	expect_line "xdp status: the module's previous key" \
		"key: fingerprint $FP, the module's previous key: its cookies fail after the next rotation" "${C[@]}" xdp status
	printf 'current fingerprint=%s set_at=1764892800\nprevious none\n' "$FP2" > proc
	expect_line "xdp status: not a key of the module" \
		"key: fingerprint $FP, NOT a key of the module: the module refuses its cookies" "${C[@]}" xdp status
	: > proc
	expect "key clear: the program gets no key" 0 "the XDP program has no key now: it leaves SYNs to netfilter" "${C[@]}" key clear
	check "key clear: wrote 'clear'" [ "$(cat proc)" = clear ]
	expect_line "key clear: status" "key: no key: the program leaves SYNs to netfilter" "${C[@]}" xdp status
	: > proc
	"${C[@]}" xdp attach vb > out 2> err
	hex=$(sed -n 's/^rotate //p' proc)
	check "xdp attach with no key: a new one rotated in" grep -q -x "key: fingerprint $(fp_of "${hex:-none}") (new random key), rotated into the module" out

	# counters: per-CPU, summed
	n=$(possible_cpus)
	bpftool map update pinned "$PIN/syngate_stats" key 0 0 0 0 value 5 0 0 0 0 0 0 0 &&
		bpftool map update pinned "$PIN/syngate_stats" key 3 0 0 0 value 7 0 0 0 0 0 0 0
	expect_line "xdp status: synack_sent summed over $n CPUs" "synack_sent $((5 * n))" "${C[@]}" xdp status
	check "xdp status: no_key summed" grep -q -x "no_key $((7 * n))" out
	check "xdp status: pass_scope" grep -q -x "pass_scope 0" out
	check "xdp status: pass_unusual" grep -q -x "pass_unusual 0" out
	printf 'cpu_a entries\n00000001 00000003\n00000002 00000003\n' > stats
	if [ -x "$STAT" ]; then
		expect_line "syngatestat: the XDP counters after the module's" "xdp_synack_sent $((5 * n))" "${IN[@]}" "$STAT" -f stats
		check "syngatestat: xdp_no_key" grep -q -x "xdp_no_key $((7 * n))" out
		check "syngatestat: the module's counters first" [ "$(head -n 1 out)" = "cpu_a 3" ]
		"$STAT" -f stats > out 2>&1
		check "syngatestat: no XDP counters in a namespace without the program" not grep -q xdp_ out
	fi

	# ip netns exec hides /sys/fs/bpf: the maps are found through the program
	ip netns exec "$NS" "$CTL" xdp status > out 2> err
	check "ip netns exec: xdp status finds the maps" grep -q -x "synack_sent $((5 * n))" out
	expect_line "ip netns exec: scope add to the same map" "scope added: ipv4 any port 8080" ip netns exec "$NS" "$CTL" xdp scope add -4 --dport 8080
	expect_line "ip netns exec: nsenter sees that entry" "scope: ipv4 any port 8080" "${C[@]}" xdp scope list

	# detach: the maps go with the last device
	expect_line "xdp detach va" "va: syngate's XDP program detached" "${C[@]}" xdp detach va
	check "xdp detach va: pins kept (vb runs it)" [ -e "$PIN/syngate_key" ]
	check "xdp detach va: ip shows nothing" [ -z "$(xdp_of va)" ]
	expect_line "xdp detach vb: the last" "no device of this namespace runs it any more: maps unpinned ($PIN)" "${C[@]}" xdp detach vb
	check "xdp detach vb: the pin directory removed" [ ! -e "$PIN" ]
	expect_line "xdp status: none attached after detach" "no XDP program attached" "${C[@]}" xdp status

	# attach under ip netns exec: nothing pinned, found through the program
	expect "ip netns exec: xdp attach says it pins nothing" 0 "ip netns exec hides /sys/fs/bpf: the maps are not pinned" \
		ip netns exec "$NS" "$CTL" xdp attach va
	check "ip netns exec: nothing pinned" [ ! -e "$PIN" ]
	expect_line "ip netns exec: nsenter's status sees it" "device va: native" "${C[@]}" xdp status
	expect_line "ip netns exec: detach" "va: syngate's XDP program detached" ip netns exec "$NS" "$CTL" xdp detach va

	# pins left by a namespace that had this inode: not reused
	mkdir -p "$PIN" && bpftool map create "$PIN/syngate_key" type array key 4 value 16 entries 1 name syngate_key &&
		bpftool map update pinned "$PIN/syngate_key" key 0 0 0 0 value 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0
	expect_line "xdp status: left-over pins" "maps left pinned in $PIN: xdp attach replaces them" "${C[@]}" xdp status
	: > proc
	expect "xdp attach: left-over pins removed" 0 "removed the maps left pinned in $PIN that no device runs" "${C[@]}" xdp attach va
	check "xdp attach over left-over pins: a new key, not theirs" grep -q -x 'rotate [0-9a-f]\{32\}' proc
	"${C[@]}" xdp detach va > /dev/null
	check "xdp: the pin directory gone at the end" [ ! -e "$PIN" ]
}

if ! why=$(xdp_setup); then
	skip "xdp on this host's kernel: $why"
else
	IN=(nsenter "--net=/run/netns/$NS")
	C=("${IN[@]}" "$CTL")
	PIN=/sys/fs/bpf/syngate/$(stat -L -c %i "/run/netns/$NS")

	# Refusals: nothing changes.
	printf 'untouched\n' > proc
	expect_line "xdp status: none attached" "no XDP program attached" "${C[@]}" xdp status
	expect "xdp attach: no such device" 1 "nosuch: no such device" "${C[@]}" xdp attach nosuch
	SYNGATE_KEY_PROC=$T/absent expect "xdp attach: no module" 1 "the xt_SYNGATE module is not loaded (no $T/absent)" "${C[@]}" xdp attach va
	expect "xdp attach: group-readable key file" 1 "is accessible by group/others (mode 0644); chmod 600" "${C[@]}" xdp attach va --key open
	expect "xdp attach: short key" 1 "short: too short: 10 hex digits, need 32" "${C[@]}" xdp attach va --key short
	expect "xdp detach: no program" 1 "va: no XDP program attached" "${C[@]}" xdp detach va
	expect "xdp detach: no such device" 1 "nosuch: no such device" "${C[@]}" xdp detach nosuch
	expect "xdp scope add: nothing attached" 1 "no XDP program attached in this namespace: syngatectl xdp attach DEV first" "${C[@]}" xdp scope add --dport 80
	expect "xdp scope list: nothing attached" 1 "no XDP program attached in this namespace" "${C[@]}" xdp scope list
	check "xdp refusals: the module's file untouched" [ "$(cat proc)" = untouched ]
	check "xdp refusals: no program on va" [ -z "$(xdp_of va)" ]
	check "xdp refusals: no bpffs mounted, nothing pinned" [ "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs ]

	# Another program on vb: neither replaced nor detached.
	cat > other.c <<-'EOF'
	#include <linux/bpf.h>
	#include <bpf/bpf_helpers.h>
	SEC("xdp") int other_xdp(struct xdp_md *ctx) { return XDP_PASS; }
	char LICENSE[] SEC("license") = "GPL";
	EOF
	if clang -O2 -target bpf -I"/usr/include/$(gcc -print-multiarch)" -c other.c -o other.o 2> err &&
			ip -n "$NS" link set dev vb xdpgeneric obj other.o sec xdp 2> err; then
		expect "xdp attach: another program on the device" 1 "vb: has another XDP program (id" "${C[@]}" xdp attach vb
		check "xdp attach: another program: named" grep -q "other_xdp): not replaced; detach it first" err
		expect "xdp detach: another program" 1 "vb: its XDP program (id" "${C[@]}" xdp detach vb
		check "xdp detach: another program: named" grep -q "other_xdp) is not syngate's: not detached" err
		check "xdp: the other program still on vb" grep -q "name other_xdp" <<< "$(xdp_of vb)"
		ip -n "$NS" link set dev vb xdpgeneric off
	else
		fail "xdp: cannot attach another program to vb for the test: $(cat err)"
	fi

	# attach, generic: the program loads, or nothing below can run
	: > proc
	"${C[@]}" xdp attach va --generic > out 2> err
	if grep -q "cannot load the XDP program" err; then
		# the verifier's last word comes before its "processed N insns"
		fail "xdp: syngate_xdp.bpf.c does not load on this kernel ($(uname -r)): $(grep -B 1 '^processed [0-9]* insns' err | head -n 1): $(tail -n 1 err)"
	else
		xdp_loaded
	fi
fi

summary="$PASSED passed, $FAILED failed"
[ "$SKIPPED" = 0 ] || summary+=", $SKIPPED skipped"
echo "$summary"
[ "$FAILED" = 0 ]
