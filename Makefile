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
#   make install         module into /lib/modules/<kver>/updates (+ depmod),
#                        plugin and syngatestat; honours DESTDIR
#   make uninstall | clean
#
# KDIR: kernel build dir (default: scripts/kdir.sh, the running kernel's
# headers else the newest installed Debian linux-headers-*-amd64).

KDIR ?= $(shell $(CURDIR)/scripts/kdir.sh)
KVER_OF_KDIR = $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
DEPMOD ?= /sbin/depmod

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

install: all
ifeq ($(HAVE_KMOD),y)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR))
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KVER_OF_KDIR)
else
	@echo "note: DESTDIR set: run 'depmod -a $(KVER_OF_KDIR)' on the target system"
endif
endif
ifeq ($(HAVE_XTU),y)
	$(MAKE) -C xt_userspace install
endif

uninstall:
ifeq ($(HAVE_KMOD),y)
	rm -f $(DESTDIR)/lib/modules/$(KVER_OF_KDIR)/updates/kmod/xt_SYNGATE.ko* \
		$(DESTDIR)/lib/modules/$(KVER_OF_KDIR)/updates/xt_SYNGATE.ko*
	-rmdir $(DESTDIR)/lib/modules/$(KVER_OF_KDIR)/updates/kmod 2>/dev/null
ifeq ($(DESTDIR),)
	$(DEPMOD) -a $(KVER_OF_KDIR)
endif
endif
ifeq ($(HAVE_XTU),y)
	$(MAKE) -C xt_userspace uninstall
endif

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
	rm -rf build

.PHONY: all module userspace progs check demo bench install uninstall clean
