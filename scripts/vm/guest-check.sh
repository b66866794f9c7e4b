#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-check.sh: what tests/check.sh runs in each test VM: the installed
# packages' files on their own (guest-install.sh, when tests/install/host.sh
# staged them), the harness smoke test, then the end-to-end suite
# (tests/e2e/run.sh, which reads the E2E_* filters forwarded by
# scripts/vm/run.sh), on one kernel the suite again behind the XDP front
# end (E2E_XDP_SUITE), the two-gateway cluster test (tests/e2e/cluster.sh)
# and the VRF test (tests/e2e/vrf.sh), then a look at the kernel
# log: a WARN, BUG, oops, lockdep or sanitizer report anywhere in the run is
# a failure even if every test passed. Exit 0 iff all passed.
cd "$(dirname "$0")/../.." || exit 2
rc=0
# First, while nothing has loaded the tree's module yet.
bash scripts/vm/guest-install.sh || rc=1
bash scripts/vm/guest-smoke.sh || rc=1
if [ -f tests/e2e/run.sh ]; then
	bash tests/e2e/run.sh || rc=1
else
	echo "SKIP e2e: tests/e2e/run.sh does not exist yet"
fi
# SYNGATE only: the suite again with the XDP front end answering the
# rule's SYNs (E2E_XDP_SUITE=generic or native, which tests/check.sh sets
# on one kernel: one backend, every family, hook and scenario); two
# gateways sharing cookie keys (the reference has no keys); a server in a
# VRF (SYNPROXY's hook lacks the VRF skip too, see tests/e2e/vrf.sh)
case " ${E2E_TARGETS:-SYNGATE} " in
*" SYNGATE "*)
	if [ -n "${E2E_XDP_SUITE:-}" ]; then
		E2E_XDP=$E2E_XDP_SUITE E2E_TARGETS=SYNGATE \
			E2E_BACKENDS=${E2E_XDP_BACKENDS:-nft} \
			bash tests/e2e/run.sh || rc=1
	fi
	bash tests/e2e/cluster.sh || rc=1
	bash tests/e2e/vrf.sh || rc=1
	;;
esac

pat='WARNING:|BUG:|Oops|general protection fault|Kernel panic|KASAN|UBSAN|kmemleak|'
pat+='possible recursive locking|possible circular locking|inconsistent lock state|'
pat+='suspicious RCU usage|rcu_sched detected stall|hung_task|refcount_t:|list_add corruption|list_del corruption'
taint=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo 0)
if dmesg | grep -E -q "$pat" || [ $((taint & 512)) != 0 ]; then
	echo "FAIL kernel: warnings in dmesg during the run (tainted=$taint):"
	dmesg | grep -E -A 25 "$pat" | head -n 80 | sed 's/^/  | /'
	rc=1
else
	echo "PASS kernel: no WARN/BUG/oops/lockdep/sanitizer report in dmesg (tainted=$taint)"
fi
exit $rc
