#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: SYN flood demo (what `make demo` runs after scripts/deps.sh).
# Builds the tree, boots a qemu VM on Debian's 6.1 kernel and runs
# scripts/vm/guest-demo.sh in it: client/gateway/server namespaces, the
# gateway protecting the server with SYNGATE (or, while xt_SYNGATE.ko does
# not build, the in-kernel SYNPROXY), a spoofed SYN flood, a legitimate
# client connecting during it, the counters and a verdict.
# Env: DEMO_KERNEL (default 6.1), SYNGATE_DEMO_SECONDS, SYNGATE_DEMO_RATE,
#      SYNGATE_DEMO_TARGET (SYNGATE|SYNPROXY) (passed into the VM).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s userspace progs
exec scripts/vm/run.sh --kernel "${DEMO_KERNEL:-6.1}" --timeout 600 -- scripts/vm/guest-demo.sh
