// SPDX-License-Identifier: GPL-2.0
/*
 * insncount.so: a QEMU TCG plugin that counts the guest instructions each
 * vCPU executes, for `make bench` with BENCH_INSNS=1.
 *
 *   qemu-system-x86_64 ... -plugin /path/insncount.so,out=/dev/shm/FILE
 *
 * FILE holds one little-endian u64 per vCPU (vCPU 0 first, up to
 * INSNCOUNT_MAX_VCPUS), updated as the guest runs; scripts/vm/cpumarks.py
 * reads it at each of the guest's marks.
 *
 * Why: the bench's gateway CPU figures are host CPU time of the gateway's
 * vCPU thread, which moves 15-25% from run to run with what the host
 * does beside it. The number of guest instructions the gateway executes
 * per forwarded segment does not: it is the work the kernel's code did.
 *
 * Written against QEMU's plugin API version 1 (QEMU 7.2, Debian 12): the
 * few declarations it needs are below, since Debian ships no
 * qemu-plugin.h. The plugin's symbols resolve against qemu's at load.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define INSNCOUNT_MAX_VCPUS 64

/* QEMU plugin API, version 1 */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t *counts;

/*
 * Each vCPU thread writes only its own slot: no lock, no lost update. The
 * store is atomic, so cpumarks.py reads an old or a new count, never a
 * torn one.
 */
static void tb_exec(unsigned int vcpu, void *n_insns)
{
	if (vcpu < INSNCOUNT_MAX_VCPUS)
		__atomic_store_n(&counts[vcpu], counts[vcpu] + (uintptr_t)n_insns,
				 __ATOMIC_RELAXED);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uintptr_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)n);
}

static int map_counts(const char *path)
{
	size_t len = INSNCOUNT_MAX_VCPUS * sizeof(uint64_t);
	void *p;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, len) < 0) {
		perror(path);
		return -1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("insncount: mmap");
		return -1;
	}
	counts = p;
	return 0;
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
	const char *out = NULL;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
	}
	if (!out) {
		fprintf(stderr, "insncount: usage: -plugin insncount.so,out=FILE\n");
		return -1;
	}
	if (map_counts(out))
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
