// SPDX-License-Identifier: GPL-2.0
/*
 * insncount.so: a QEMU TCG plugin that counts the guest instructions each
 * vCPU executes, for `make bench` with BENCH_INSNS=1.
 *
 *   qemu-system-x86_64 ... -plugin /path/insncount.so,out=FILE
 *	[,prof=DIR,ctl=FIFO[,vcpu=N]]
 *
 * FILE holds one little-endian u64 per vCPU (vCPU 0 first, up to
 * INSNCOUNT_MAX_VCPUS), updated as the guest runs; scripts/vm/cpumarks.py
 * reads it at each of the guest's marks.
 *
 * With prof= and ctl= it also keeps, for each translated block, how many
 * instructions vCPU N (default 1, the bench's gateway) executed in it, and
 * takes orders on the FIFO, one per line, from cpumarks.py:
 *   reset        forget what was counted so far
 *   dump NAME    write DIR/NAME: "<guest pc> <instructions>" per block that
 *                ran since the last reset or dump, then reset
 * tests/bench/insnprof.py turns the dumps into instructions per function.
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
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t *counts;

/* One translated block, for the profile. */
struct block {
	uint64_t pc;
	uint64_t n_insns;
	uint64_t runs;		/* written by the profiled vCPU only */
	uint64_t runs_seen;	/* runs at the last reset or dump */
};

static struct {
	const char *dir;
	const char *ctl;
	unsigned int vcpu;
	pthread_mutex_t lock;	/* blocks and n_blocks */
	struct block **blocks;
	size_t n_blocks, cap;
} prof = { .vcpu = 1, .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * Each vCPU thread writes only its own slot: no lock, no lost update. The
 * store is atomic, so cpumarks.py reads an old or a new count, never a
 * torn one.
 */
static void count(unsigned int vcpu, uint64_t n_insns)
{
	if (vcpu < INSNCOUNT_MAX_VCPUS)
		__atomic_store_n(&counts[vcpu], counts[vcpu] + n_insns,
				 __ATOMIC_RELAXED);
}

static void tb_exec(unsigned int vcpu, void *n_insns)
{
	count(vcpu, (uintptr_t)n_insns);
}

static void tb_exec_prof(unsigned int vcpu, void *data)
{
	struct block *b = data;

	count(vcpu, b->n_insns);
	if (vcpu == prof.vcpu)
		__atomic_store_n(&b->runs, b->runs + 1, __ATOMIC_RELAXED);
}

static struct block *block_new(uint64_t pc, uint64_t n_insns)
{
	struct block *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->pc = pc;
	b->n_insns = n_insns;
	pthread_mutex_lock(&prof.lock);
	if (prof.n_blocks == prof.cap) {
		size_t cap = prof.cap ? 2 * prof.cap : 4096;
		struct block **nb = realloc(prof.blocks, cap * sizeof(*nb));

		if (!nb) {
			pthread_mutex_unlock(&prof.lock);
			free(b);
			return NULL;
		}
		prof.blocks = nb;
		prof.cap = cap;
	}
	prof.blocks[prof.n_blocks++] = b;
	pthread_mutex_unlock(&prof.lock);
	return b;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uintptr_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b = NULL;

	(void)id;
	if (prof.dir)
		b = block_new(qemu_plugin_tb_vaddr(tb), n);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_prof,
						     QEMU_PLUGIN_CB_NO_REGS, b);
	else
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)n);
}

/* Write the blocks that ran since the last order to @f (if any), reset. */
static void prof_take(FILE *f)
{
	size_t i;

	pthread_mutex_lock(&prof.lock);
	for (i = 0; i < prof.n_blocks; i++) {
		struct block *b = prof.blocks[i];
		uint64_t runs = __atomic_load_n(&b->runs, __ATOMIC_RELAXED);

		if (f && runs != b->runs_seen)
			fprintf(f, "%llx %llu\n", (unsigned long long)b->pc,
				(unsigned long long)((runs - b->runs_seen) *
						     b->n_insns));
		b->runs_seen = runs;
	}
	pthread_mutex_unlock(&prof.lock);
}

static void prof_dump(const char *name)
{
	char path[4096];
	FILE *f;

	if (strchr(name, '/') ||
	    snprintf(path, sizeof(path), "%s/%s", prof.dir, name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "insncount: bad dump name '%s'\n", name);
		return;
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return;
	}
	prof_take(f);
	fclose(f);
}

/* The control FIFO's reader: cpumarks.py's orders, until qemu exits. */
static void *prof_ctl(void *arg)
{
	char line[512];
	FILE *ctl;

	(void)arg;
	ctl = fopen(prof.ctl, "r");
	if (!ctl) {
		perror(prof.ctl);
		return NULL;
	}
	while (fgets(line, sizeof(line), ctl)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "reset"))
			prof_take(NULL);
		else if (!strncmp(line, "dump ", 5))
			prof_dump(line + 5);
	}
	fclose(ctl);
	return NULL;
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
	pthread_t t;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "prof=", 5))
			prof.dir = argv[i] + 5;
		else if (!strncmp(argv[i], "ctl=", 4))
			prof.ctl = argv[i] + 4;
		else if (!strncmp(argv[i], "vcpu=", 5))
			prof.vcpu = strtoul(argv[i] + 5, NULL, 10);
	}
	if (!out || !prof.dir != !prof.ctl) {
		fprintf(stderr, "insncount: usage: -plugin insncount.so,out=FILE[,prof=DIR,ctl=FIFO[,vcpu=N]]\n");
		return -1;
	}
	if (map_counts(out))
		return -1;
	if (prof.dir && pthread_create(&t, NULL, prof_ctl, NULL)) {
		fprintf(stderr, "insncount: no control thread\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
