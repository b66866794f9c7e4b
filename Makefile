# SPDX-License-Identifier: GPL-2.0
#
# syngate top-level Makefile.
#
#   make                 kernel module (against KDIR) + iptables plugin,
#                        syngatestat + test programs
#   make W=1 / C=2       kbuild's extra warnings / sparse, for the module
#   make check           install build/test dependencies (scripts/deps.sh,
#                        root), then every test: host-side, and in qemu VMs
#                        on Debian's 6.1 and 6.12 kernels (tests/check.sh)
#   make demo            SYN flood demo in a VM (scripts/demo.sh)
#   make bench           SYNGATE vs SYNPROXY vs syncookies benchmark in a VM
#                        (scripts/bench.sh; results in build/bench/)
#   make install         module into /lib/modules/<kver>/updates through the
#                        kernel's modules_install, then depmod; plugin into
#                        pkg-config's xtlibdir; syngatestat; man pages (man8)
#   make uninstall       removes what install installed
#   make dist            release tarball syngate-<VERSION>.tar.gz
#   make deb             Debian packages syngate-dkms, syngate-iptables
#                        (from the dist tarball; in build/deb/)
#   make clean
#
# KDIR: kernel build dir (default: scripts/kdir.sh, the running kernel's
# headers else the newest installed Debian linux-headers-*-amd64).
# DESTDIR: staging root for install/uninstall (no depmod then: run
# 'depmod -a <kver>' on the target). VERSION: the file VERSION, the one
# version string (module, plugin, man page, packages).

KDIR ?= $(shell $(CURDIR)/scripts/kdir.sh)
VERSION := $(shell cat $(CURDIR)/VERSION)
# The kernel release KDIR was built for (Debian's 6.1 headers answer
# 'make kernelrelease' with the upstream 6.1.x, not 6.1.0-N-amd64).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
DEPMOD ?= /sbin/depmod
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates

# Parts that exist yet: the tree builds at every step of the parallel work.
HAVE_KMOD  := $(if $(wildcard kmod/Kbuild kmod/Makefile),y)
HAVE_XTU   := $(if $(wildcard xt_userspace/Makefile),y)
HAVE_PROGS := $(if $(wildcard tests/progs/Makefile),y)

KBUILD_ARGS = -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) $(if $(C),C=$(C))

all: module userspace progs

module:
ifeq ($(HAVE_KMOD),y)
	@test -d "$(KDIR)" || { echo "no kernel build dir (KDIR='$(KDIR)'): run scripts/deps.sh or set KDIR" >&2; exit 1; }
	$(MAKE) $(KBUILD_ARGS) modules
else
	@echo "note: kmod/ has no Kbuild yet: skipping the kernel module"
endif

userspace:
ifeq ($(HAVE_XTU),y)
	$(MAKE) -C xt_userspace
else
	@echo "note: xt_userspace/ has no Makefile yet: skipping plugin and syngatestat"
endif

progs:
ifeq ($(HAVE_PROGS),y)
	$(MAKE) -C tests/progs
else
	@echo "note: tests/progs/ has no Makefile yet: skipping test programs"
endif

check:
	scripts/deps.sh
	tests/check.sh

demo:
	scripts/deps.sh
	scripts/demo.sh

bench:
	scripts/deps.sh --bench
	scripts/bench.sh

# The module goes through the kernel's own modules_install (signing and
# compression as the kernel's config says): updates/kmod/xt_SYNGATE.ko[.xz].
install: module userspace
ifeq ($(HAVE_KMOD),y)
	@test -n "$(KVER)" || { echo "cannot tell the kernel release of KDIR='$(KDIR)'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install INSTALL_MOD_DIR=updates \
		KERNELRELEASE=$(KVER) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR))
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KVER)
else
	@echo "note: DESTDIR set: run 'depmod -a $(KVER)' on the target system"
endif
endif
ifeq ($(HAVE_XTU),y)
	$(MAKE) -C xt_userspace install
endif

uninstall:
ifeq ($(HAVE_KMOD),y)
	@test -n "$(KVER)" || { echo "cannot tell the kernel release of KDIR='$(KDIR)'" >&2; exit 1; }
	rm -f $(MODDIR)/kmod/xt_SYNGATE.ko $(MODDIR)/kmod/xt_SYNGATE.ko.*
	-rmdir $(MODDIR)/kmod 2>/dev/null
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KVER)
endif
endif
ifeq ($(HAVE_XTU),y)
	$(MAKE) -C xt_userspace uninstall
endif

# Release tarball: the files git tracks, as they are in the work tree.
dist:
	scripts/dist.sh

# Debian packages (dpkg-buildpackage -us -uc -b on the unpacked tarball).
deb:
	scripts/deb.sh

clean:
ifeq ($(HAVE_KMOD),y)
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
endif
ifeq ($(HAVE_XTU),y)
	$(MAKE) -C xt_userspace clean
endif
ifeq ($(HAVE_PROGS),y)
	$(MAKE) -C tests/progs clean
endif
	rm -rf build syngate-$(VERSION).tar.gz

.PHONY: all module userspace progs check demo bench install uninstall dist deb clean
