#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-check.sh: what tests/check.sh runs in each test VM: the harness
# smoke test, then the end-to-end suite (tests/e2e/run.sh, which reads the
# E2E_* filters forwarded by scripts/vm/run.sh). Exit 0 iff both passed.
cd "$(dirname "$0")/../.." || exit 2
rc=0
bash scripts/vm/guest-smoke.sh || rc=1
if [ -f tests/e2e/run.sh ]; then
	bash tests/e2e/run.sh || rc=1
else
	echo "SKIP e2e: tests/e2e/run.sh does not exist yet"
fi
exit $rc
