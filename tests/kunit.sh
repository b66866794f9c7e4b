#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kunit.sh: the KUnit suites of kmod/tests/ on the debug kernel.
#   1. scripts/debug-kernel/build.sh: the debug kernel (KASAN, lockdep,
#      kmemleak, UBSAN, KUnit), built once per machine, then cached;
#   2. scripts/vm/run.sh --kernel custom --append panic_on_warn=1: builds
#      xt_SYNGATE.ko and syngate_kunit.ko against it, boots it, runs
#      tests/kunit-guest.sh (load the test module: the suites run at load);
#   3. the KTAP the guest printed is parsed on the host by the kernel's own
#      tools/testing/kunit/kunit.py parse (--json), one line per case:
#        PASS kunit <suite>.<case>      FAIL kunit <suite>.<case>: why
#      plus the guest's verdict on the kernel log (any KASAN, UBSAN,
#      lockdep, kmemleak, WARN or BUG report is a FAIL, and printed), and
#      last "N passed, N failed". Exit 0 iff nothing failed.
# Logs: build/kunit/ (console.log, guest.out, ktap.txt, parse.txt, results.json).
# Env: KUNIT_TIMEOUT (VM seconds, default 900).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
# shellcheck source=tests/lib/debugvm.sh
. tests/lib/debugvm.sh
debugvm_init kunit

SUITES="syngate_cookie syngate_tcpopt syngate_tscookie syngate_xlate syngate_xmit syngate_keys syngate_stash syngate_icmp syngate_learn syngate_synack syngate_rewrite"

t0=$(date +%s)
debugvm_kernel
t1=$(date +%s)

kver=$(basename "$KERNEL_MODDIR")
scripts/vm/run.sh --kernel custom --timeout "${KUNIT_TIMEOUT:-900}" \
	--append panic_on_warn=1 --out "$logdir/guest.out" \
	-- tests/kunit-guest.sh > "$logdir/console.log" 2>&1 < /dev/null
rc=$?
t2=$(date +%s)
say "VM run: exit $rc, $((t2 - t1))s (console: $logdir/console.log)"
debugvm_boot_notice "$logdir/console.log"
[ -f "$logdir/guest.out" ] || : > "$logdir/guest.out"
if [ ! -f "$top/build/$kver/src/kmod/tests/syngate_kunit.ko" ]; then
	rec "FAIL kunit: syngate_kunit.ko did not build for $kver (see $logdir/console.log)"
	grep -E 'error|warning' "$logdir/console.log" | head -n 20
fi

# The KTAP part of the kernel log, and the kernel's own parser.
sed -n '/^SYNGATE-KTAP-BEGIN$/,/^SYNGATE-KTAP-END$/p' "$logdir/guest.out" |
	sed '1d;$d' > "$logdir/ktap.txt"
kunitpy=$KERNEL_SRC/tools/testing/kunit/kunit.py
rm -f "$logdir/results.json"
if [ -s "$logdir/ktap.txt" ]; then
	python3 "$kunitpy" parse --json="$logdir/results.json" \
		< "$logdir/ktap.txt" > "$logdir/parse.txt" 2>&1
	say "kunit.py parse: $(grep -E 'Testing complete' "$logdir/parse.txt" | tail -n 1 |
		sed 's/^\[[^]]*\] //')"
fi
if [ -s "$logdir/results.json" ]; then
	python3 - "$logdir/results.json" "$SUITES" "$logdir/parse.txt" >> "$results" <<'EOF'
import json, sys

doc = json.load(open(sys.argv[1]))
want = sys.argv[2].split()
parse_log = open(sys.argv[3], errors="replace").read().splitlines()

def leaves(group, prefix):
    for c in group.get("test_cases", []):
        yield prefix + [c["name"]], c["status"]
    for g in group.get("sub_groups", []):
        yield from leaves(g, prefix + [g["name"]])

def why(name):
    # the kernel's failure lines for this case, from kunit.py's output
    out, grab = [], False
    for line in parse_log:
        if "# " + name + ":" in line or "[FAILED] " + name in line:
            grab = True
        if grab:
            out.append(line.split("] ", 1)[-1].strip())
            if len(out) >= 6:
                break
    return " | ".join(out)

seen = set()
for suite in doc.get("sub_groups", []):
    seen.add(suite["name"])
    cases = {}
    for path, status in leaves(suite, []):
        case = path[0]
        cases.setdefault(case, []).append((".".join(path[1:]), status))
    for case, runs in cases.items():
        bad = [p or case for p, s in runs if s not in ("PASS",)]
        skipped = all(s == "SKIP" for _, s in runs)
        n = f" ({len(runs)} params)" if len(runs) > 1 else ""
        if skipped:
            print(f"SKIP kunit {suite['name']}.{case}{n}")
        elif not bad or all(s in ("PASS", "SKIP") for _, s in runs):
            print(f"PASS kunit {suite['name']}.{case}{n}")
        else:
            print(f"FAIL kunit {suite['name']}.{case}{n}: failed: "
                  f"{', '.join(bad[:8])}; {why(case)}")
for s in want:
    if s not in seen:
        print(f"FAIL kunit {s}: suite did not run")
EOF
else
	rec "FAIL kunit: no KTAP results from the guest (VM exit $rc)"
fi
grep -E '^(PASS|FAIL|SKIP) kunit' "$results" | grep -v '^FAIL kunit: no KTAP'

# The guest's verdict on the kernel log, kmemleak, and the module unload.
grep -a -E '^(PASS|FAIL|SKIP) (kernel|kunit):' "$logdir/guest.out" | while IFS= read -r l; do
	rec "$l"
done
grep -a -E '^  \| ' "$logdir/guest.out" | head -n 200
if [ "$rc" != 0 ] && ! grep -q '^FAIL' "$results"; then
	rec "FAIL kunit: VM exit status $rc"
fi
if [ "$rc" = 125 ] || [ "$rc" = 124 ]; then
	# panic (panic_on_warn: any WARN, KASAN or UBSAN report) or hang
	echo "kunit: guest console, kernel reports:"
	grep -a -E -A 30 'BUG:|WARNING:|KASAN|UBSAN|Kernel panic|Oops|lockdep' \
		"$logdir/console.log" | head -n 120 | sed 's/^/  | /'
fi
say "total $(( $(date +%s) - t0 ))s"
finish
