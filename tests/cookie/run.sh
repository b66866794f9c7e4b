#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/cookie/run.sh: host-side check of the cookie's test vectors. The
# KUnit suite (kmod/tests/cookie_kunit.c) checks the module's cookie
# against kmod/tests/cookie_vectors.h; this checks that the committed
# table is what the independent model (tests/cookie/model.py) computes,
# and that the model's SipHash-2-4 gives the reference outputs of the
# SipHash paper. Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

pass=0 fail=0
rec() {
	echo "$1"
	case $1 in PASS*) pass=$((pass + 1)) ;; *) fail=$((fail + 1)) ;; esac
}

if out=$(python3 - <<'PY' 2>&1
import sys
sys.path.insert(0, "tests/cookie")
import model
k0 = int.from_bytes(bytes(range(8)), "little")
k1 = int.from_bytes(bytes(range(8, 16)), "little")
# SipHash-2-4 reference vectors: key 00..0f, message 00..(n-1)
for n, want in ((0, 0x726FDB47DD0E0E31), (8, 0x93F5F5799A932462),
                (15, 0xA129CA6149BE45E5)):
    got = model.siphash24(k0, k1, bytes(range(n)))
    if got != want:
        sys.exit("len %d: 0x%016x, want 0x%016x" % (n, got, want))
PY
); then
	rec "PASS cookie-model: SipHash-2-4 reference vectors"
else
	rec "FAIL cookie-model: SipHash-2-4 reference vectors: $out"
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if python3 tests/cookie/model.py > "$tmp" 2>&1 &&
		cmp -s "$tmp" kmod/tests/cookie_vectors.h; then
	rec "PASS cookie-model: kmod/tests/cookie_vectors.h is the model's table ($(grep -c '^	{ NFPROTO' "$tmp") vectors)"
else
	rec "FAIL cookie-model: kmod/tests/cookie_vectors.h differs from tests/cookie/model.py's output: $(diff "$tmp" kmod/tests/cookie_vectors.h | head -n 4 | tr '\n' ' ')"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
