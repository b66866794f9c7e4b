#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of syngatectl: its key files, messages and exit
# statuses, against a stand-in for /proc/net/syngate_key
# (SYNGATE_KEY_PROC). What the kernel does with a key is tested in the VM
# (tests/e2e/cluster.sh). Prints PASS/FAIL lines and "N passed, N failed";
# exit 0 iff none failed.
set -u
cd "$(dirname "$0")" || exit 2
CTL=$PWD/syngatectl
[ -x "$CTL" ] || { echo "FAIL syngatectl: not built"; echo "0 passed, 1 failed"; exit 1; }

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
export SYNGATE_KEY_PROC=$T/proc
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS syngatectl $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL syngatectl $*"; }

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

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
