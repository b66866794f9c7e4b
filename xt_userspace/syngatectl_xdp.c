// SPDX-License-Identifier: GPL-2.0
/*
 * syngatectl xdp: SYNGATE's XDP front end (include/syngate_xdp.h).
 *
 *   xdp attach DEV [--generic] [--key FILE]   load, pin the maps, attach
 *   xdp detach DEV                            detach; unpin after the last
 *   xdp status                                devices, scope, key, counters
 *   xdp scope ...                             syngatectl_scope.c
 *
 * The program is built into syngatectl (syngate_xdp.skel.h). Its maps are
 * the namespace's, shared by every device that runs it. Its key must be
 * one the module holds, or the module refuses the cookies it makes: every
 * key goes to the module first, then to the map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "syngatectl.h"
#include "syngate_xdp.skel.h"

struct attach {
	const char *dev;
	const char *keyfile;	/* --key */
	bool generic;		/* --generic */
	unsigned int ifindex;
	struct xdp_dev cur;	/* what DEV runs now */
	char hex[KEY_HEX + 1];	/* the key for the module */
	char pin[PATH_MAX];	/* the pin directory; "" for none */
	bool reused;		/* the namespace's maps existed already */
	struct syngate_xdp *skel;
	int old_fd;		/* our program DEV ran, now replaced */
	__u32 mode;		/* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
};

/* Where libbpf's warnings go while held (libbpf_hold()); stderr else. */
static FILE *libbpf_log;
static char *libbpf_held;
static size_t libbpf_held_len;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* its info and debug lines are not for operators */
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(libbpf_log ? libbpf_log : stderr, fmt, ap);
}

void xdp_libbpf_quiet(void)
{
	libbpf_set_print(libbpf_print);
}

static void libbpf_hold(void)
{
	libbpf_log = open_memstream(&libbpf_held, &libbpf_held_len);
}

/* The warnings held since libbpf_hold(), shown or dropped. */
static void libbpf_release(bool show)
{
	if (libbpf_log)
		fclose(libbpf_log);
	libbpf_log = NULL;
	if (show && libbpf_held)
		fputs(libbpf_held, stderr);
	free(libbpf_held);
	libbpf_held = NULL;
}

int xdp_maps_error(int err)
{
	if (err == -ENOENT)
		return fail("no XDP program attached in this namespace: "
			    "syngatectl xdp attach DEV first");
	if (err == -EPROTO)
		return fail("the namespace's XDP maps are not laid out as this "
			    "syngatectl expects: detach and attach again");
	return fail("the namespace's XDP maps: %s", strerror(-err));
}

/* ---- attach ------------------------------------------------------------- */

static void attach_args(int argc, char **argv, struct attach *a)
{
	int i;

	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--generic")) {
			a->generic = true;
		} else if (!strcmp(argv[i], "--key")) {
			if (a->keyfile)
				usage("xdp attach: --key given twice");
			if (++i == argc)
				usage("xdp attach: --key needs a FILE");
			a->keyfile = argv[i];
		} else if (argv[i][0] == '-') {
			usagef("xdp attach: unknown option '%s'", argv[i]);
		} else if (a->dev) {
			usagef("xdp attach: one DEV only, not '%s' and '%s'",
			       a->dev, argv[i]);
		} else {
			a->dev = argv[i];
		}
	}
	if (!a->dev)
		usage("xdp attach: missing DEV");
}

/* The refusals: each leaves everything as it was. */
static int attach_check(struct attach *a)
{
	struct stat st;
	int err;

	a->ifindex = if_nametoindex(a->dev);
	if (!a->ifindex)
		return fail("%s: no such device", a->dev);
	/* the program's cookies are checked there, with the same key */
	if (stat(proc_path(), &st) < 0)
		return proc_error(errno);
	if (a->keyfile) {
		err = read_key(a->keyfile, a->hex);
		if (err)
			return err;
	}
	err = xdp_dev_query(a->ifindex, &a->cur);
	if (err)
		return fail("%s: cannot query its XDP program: %s", a->dev,
			    strerror(-err));
	if (a->cur.id && !a->cur.ours)
		return fail("%s: has another XDP program (id %u, %s): not "
			    "replaced; detach it first", a->dev, a->cur.id,
			    a->cur.prog);
	if (a->cur.ours && a->generic && !a->cur.generic)
		return fail("%s: runs syngate's XDP program in native mode: "
			    "syngatectl xdp detach %s first to attach it in "
			    "generic mode", a->dev, a->dev);
	return EXIT_OK;
}

/*
 * Where the maps are pinned ("" for nowhere), mounting bpffs if it is not.
 * Not under ip netns exec: a bpffs mounted there, and its pins, would
 * vanish with this command.
 */
static int attach_pin_dir(struct attach *a)
{
	int err;

	a->pin[0] = '\0';
	if (!xdp_bpffs_mounted()) {
		if (xdp_netns_exec()) {
			fprintf(stderr, "syngatectl: note: ip netns exec hides "
				"%s: the maps are not pinned (syngatectl and "
				"syngatestat find them through the program)\n",
				XDP_BPFFS);
			return EXIT_OK;
		}
		if (mount("bpffs", XDP_BPFFS, "bpf", 0, "mode=0700") < 0)
			return fail("cannot mount bpffs on %s: %s", XDP_BPFFS,
				    strerror(errno));
		fprintf(stderr, "syngatectl: mounted bpffs on %s\n", XDP_BPFFS);
	}
	if (mkdir(SYNGATE_XDP_PIN, 0700) < 0 && errno != EEXIST)
		return fail("%s: %s", SYNGATE_XDP_PIN, strerror(errno));
	err = xdp_pin_dir(a->pin, sizeof(a->pin));
	return err ? fail("/proc/self/ns/net: %s", strerror(-err)) : EXIT_OK;
}

/*
 * The program holds its maps, whether its code uses them all or not: they
 * are found through it when their pins are not visible (xdp_maps.c), and
 * live as long as it is attached. Before Linux 5.10 only its code's do.
 */
static void attach_bind(struct attach *a)
{
	int prog = bpf_program__fd(a->skel->progs.syngate_xdp);

	bpf_prog_bind_map(prog, bpf_map__fd(a->skel->maps.syngate_key), NULL);
	bpf_prog_bind_map(prog, bpf_map__fd(a->skel->maps.syngate_scope), NULL);
	bpf_prog_bind_map(prog, bpf_map__fd(a->skel->maps.syngate_ports), NULL);
	bpf_prog_bind_map(prog, bpf_map__fd(a->skel->maps.syngate_stats), NULL);
}

/* The namespace's maps if it has them (pinned or not), else new ones. */
static int attach_maps(struct attach *a, const struct xdp_maps *m)
{
	struct bpf_map *map[XDP_MAPS] = {
		[XDP_MAP_KEY] = a->skel->maps.syngate_key,
		[XDP_MAP_SCOPE] = a->skel->maps.syngate_scope,
		[XDP_MAP_PORTS] = a->skel->maps.syngate_ports,
		[XDP_MAP_STATS] = a->skel->maps.syngate_stats,
	};
	char path[PATH_MAX + 32];
	int i, err = 0;

	for (i = 0; i < XDP_MAPS && !err; i++) {
		if (a->reused)
			err = bpf_map__reuse_fd(map[i], m->fd[i]);
		if (!err && a->pin[0]) {
			snprintf(path, sizeof(path), "%s/%s", a->pin,
				 xdp_map_names[i]);
			err = bpf_map__set_pin_path(map[i], path);
		}
	}
	return err ? fail("map %s: %s", xdp_map_names[i - 1], strerror(-err)) :
		     EXIT_OK;
}

/*
 * The TTL and hop limit the target gives its answers (kmod/xmit.c) are
 * the namespace's sysctls: the program's must be the same, or its
 * SYN-ACKs would tell the XDP path from the target's. Read in the
 * namespace syngatectl runs in, at each attach: a change afterwards
 * needs an attach again.
 */
static int attach_sysctl_u8(const char *path, bool optional,
			    volatile __u8 *val)
{
	unsigned int v;
	FILE *f;
	int n;

	f = fopen(path, "r");
	if (!f && errno == ENOENT && optional)
		return EXIT_OK;
	if (!f)
		return fail("%s: %s", path, strerror(errno));
	n = fscanf(f, "%u", &v);
	fclose(f);
	if (n != 1 || v < 1 || v > 255)
		return fail("%s: not a TTL (1-255)", path);
	*val = v;
	return EXIT_OK;
}

static int attach_ttl(struct attach *a)
{
	int err;

	err = attach_sysctl_u8("/proc/sys/net/ipv4/ip_default_ttl", false,
			       &a->skel->rodata->syngate_ttl);
	/* a kernel without IPv6: the default stays, nothing to match */
	if (!err)
		err = attach_sysctl_u8("/proc/sys/net/ipv6/conf/all/hop_limit",
				       true, &a->skel->rodata->syngate_hops);
	return err;
}

/*
 * libbpf warns of what it works around (a kernel that refuses the
 * program's BTF, say): show its log, the verifier's with it, only when
 * the program does not load.
 */
static int attach_verify(struct attach *a)
{
	int err;

	libbpf_hold();
	err = -syngate_xdp__load(a->skel);
	libbpf_release(err);
	return err ? fail("cannot load the XDP program: %s", strerror(err)) :
		     EXIT_OK;
}

/*
 * Pins that are not the maps of the program the namespace's devices run
 * (none runs it) were left by a namespace that is gone, whose inode
 * number this one has now, or by a detach behind syngatectl's back. Their
 * scope is not this namespace's: libbpf would reuse them, so they go.
 */
static int attach_unpin_stale(struct attach *a, const struct xdp_maps *m)
{
	int err;

	if (!a->pin[0] || xdp_pins_match(m) >= 0)
		return EXIT_OK;
	err = xdp_unpin(a->pin);
	if (err)
		return fail("%s: left over, and cannot be removed: %s", a->pin,
			    strerror(-err));
	fprintf(stderr, "syngatectl: note: removed the maps left pinned in %s "
		"that no device runs\n", a->pin);
	return EXIT_OK;
}

static int attach_load(struct attach *a)
{
	struct xdp_maps m;
	int err;

	err = xdp_maps_open(&m);
	if (err && err != -ENOENT)
		return xdp_maps_error(err);
	a->reused = !err;
	err = attach_unpin_stale(a, &m);
	if (err) {
		xdp_maps_close(&m);
		return err;
	}
	a->skel = syngate_xdp__open();
	if (!a->skel) {
		err = fail("cannot open the XDP program: %s", strerror(errno));
	} else {
		err = attach_maps(a, &m);
		if (!err)
			err = attach_ttl(a);
		if (!err)
			err = attach_verify(a);
		if (!err)
			attach_bind(a);
	}
	xdp_maps_close(&m);
	return err;
}

/* Native first unless --generic; replace our own in the mode it runs in. */
static int attach_link(struct attach *a)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int fd = bpf_program__fd(a->skel->progs.syngate_xdp), err;

	if (a->cur.ours) {
		a->old_fd = bpf_prog_get_fd_by_id(a->cur.id);
		if (a->old_fd < 0)
			return fail("%s: its XDP program: %s", a->dev,
				    strerror(errno));
		opts.old_prog_fd = a->old_fd;
		a->mode = a->cur.generic ? XDP_FLAGS_SKB_MODE :
					   XDP_FLAGS_DRV_MODE;
		err = bpf_xdp_attach(a->ifindex, fd, a->mode, &opts);
		return err ? fail("%s: cannot replace its XDP program: %s",
				  a->dev, strerror(-err)) : EXIT_OK;
	}
	a->mode = a->generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	/* the kernel's reason for no native mode: the warning below says it */
	libbpf_hold();
	err = bpf_xdp_attach(a->ifindex, fd,
			     a->mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	libbpf_release(a->generic);
	if (err && !a->generic && err != -EBUSY && err != -EEXIST) {
		fprintf(stderr, "syngatectl: warning: %s: no native XDP (%s): "
			"attaching in generic mode, which runs after the "
			"kernel has built the packet's skb\n", a->dev,
			strerror(-err));
		a->mode = XDP_FLAGS_SKB_MODE;
		err = bpf_xdp_attach(a->ifindex, fd,
				     a->mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	}
	return err ? fail("%s: cannot attach the XDP program: %s", a->dev,
			  strerror(-err)) : EXIT_OK;
}

/* Put back what DEV ran before attach_link(). */
static void attach_undo(struct attach *a)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);

	opts.old_prog_fd = bpf_program__fd(a->skel->progs.syngate_xdp);
	if (a->old_fd >= 0)
		bpf_xdp_attach(a->ifindex, a->old_fd, a->mode, &opts);
	else
		bpf_xdp_detach(a->ifindex, a->mode, &opts);
}

/* A key the map has already stays: other devices' cookies use it. */
static int attach_key_kept(const struct syngate_xdp_key *k)
{
	uint64_t fp = xdp_key_fp(k);
	enum module_role role = module_role(fp);

	printf("key: kept the XDP key map's, fingerprint %016" PRIx64 "\n", fp);
	if (role == MODULE_PREVIOUS || role == MODULE_NEITHER)
		fprintf(stderr, "syngatectl: warning: the XDP key is %s: "
			"syngatectl key rotate FILE gives both the same key\n",
			xdp_key_role(role));
	return EXIT_OK;
}

/*
 * Rotated into the module, so that handshakes in flight still check with
 * the previous key; then into the map.
 */
static int attach_key(struct attach *a)
{
	int fd = bpf_map__fd(a->skel->maps.syngate_key), err;
	struct syngate_xdp_key k;
	uint8_t raw[KEY_BYTES];
	enum module_role role;
	uint64_t fp;

	if (!a->keyfile) {
		err = xdp_key_get(fd, &k);
		if (err || k.key[0] || k.key[1])
			return err ? err : attach_key_kept(&k);
		if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
			return fail("getrandom: %s", strerror(errno));
		key_hex(raw, a->hex);
	}
	err = module_key("rotate", a->hex);
	if (err)
		return err;
	key_raw(a->hex, raw);
	fp = fingerprint_raw(raw);
	err = xdp_key_put(fd, raw);
	explicit_bzero(raw, sizeof(raw));
	if (err)
		return err;
	printf("key: fingerprint %016" PRIx64 " (%s), rotated into the "
	       "module\n", fp, a->keyfile ? a->keyfile : "new random key");
	role = module_role(fp);
	if (role == MODULE_PREVIOUS || role == MODULE_NEITHER)
		fprintf(stderr, "syngatectl: warning: the module does not show "
			"the key written as its current one\n");
	return EXIT_OK;
}

static void attach_free(struct attach *a)
{
	syngate_xdp__destroy(a->skel);
	if (a->old_fd >= 0)
		close(a->old_fd);
	explicit_bzero(a->hex, sizeof(a->hex));
}

static int cmd_attach(int argc, char **argv)
{
	struct attach a = { .old_fd = -1 };
	int err;

	attach_args(argc, argv, &a);
	err = attach_check(&a);
	if (!err)
		err = attach_pin_dir(&a);
	if (!err)
		err = attach_load(&a);
	if (!err) {
		err = attach_link(&a);
		if (!err)
			printf("%s: syngate's XDP program %s (%s)\n", a.dev,
			       a.cur.ours ? "replaced" : "attached",
			       a.mode == XDP_FLAGS_SKB_MODE ? "generic" :
							      "native");
	}
	if (!err) {
		err = attach_key(&a);
		if (err) {
			attach_undo(&a);
			fprintf(stderr, "syngatectl: %s: back to what it ran "
				"before\n", a.dev);
		}
	}
	/* maps this command made go with it when it fails */
	if (err && !a.reused && a.pin[0])
		xdp_unpin(a.pin);
	attach_free(&a);
	return err;
}

/* ---- detach ------------------------------------------------------------- */

/* The maps live on, pinned, only while a device of the namespace runs it. */
static int unpin_unused(void)
{
	struct xdp_dev *devs;
	char dir[PATH_MAX];
	int n, err;

	n = xdp_ns_ours(&devs);
	free(devs);
	if (n)
		return n < 0 ? fail("cannot list devices: %s", strerror(-n)) :
			       EXIT_OK;
	err = xdp_pin_dir(dir, sizeof(dir));
	if (err)
		return fail("/proc/self/ns/net: %s", strerror(-err));
	if (!xdp_bpffs_mounted()) {
		if (xdp_netns_exec())
			fprintf(stderr, "syngatectl: note: ip netns exec hides "
				"%s: rm -r %s outside it, if it exists\n",
				XDP_BPFFS, dir);
		return EXIT_OK;
	}
	if (access(dir, F_OK))
		return EXIT_OK;
	err = xdp_unpin(dir);
	if (err)
		return fail("%s: %s", dir, strerror(-err));
	printf("no device of this namespace runs it any more: maps unpinned "
	       "(%s)\n", dir);
	return EXIT_OK;
}

static int cmd_detach(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	const char *dev = argc > 3 ? argv[3] : NULL;
	unsigned int ifindex;
	struct xdp_dev d;
	int err;

	if (!dev)
		usage("xdp detach: missing DEV");
	if (dev[0] == '-')
		usagef("xdp detach: unknown option '%s'", dev);
	if (argc > 4)
		usagef("xdp detach: one DEV only, not '%s' and '%s'", dev,
		       argv[4]);
	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return fail("%s: no such device", dev);
	err = xdp_dev_query(ifindex, &d);
	if (err)
		return fail("%s: cannot query its XDP program: %s", dev,
			    strerror(-err));
	if (!d.id)
		return fail("%s: no XDP program attached", dev);
	if (!d.ours)
		return fail("%s: its XDP program (id %u, %s) is not syngate's: "
			    "not detached", dev, d.id, d.prog);
	opts.old_prog_fd = bpf_prog_get_fd_by_id(d.id);
	if (opts.old_prog_fd < 0)
		return fail("%s: its XDP program: %s", dev, strerror(errno));
	err = bpf_xdp_detach(ifindex, d.generic ? XDP_FLAGS_SKB_MODE :
				      XDP_FLAGS_DRV_MODE, &opts);
	close(opts.old_prog_fd);
	if (err)
		return fail("%s: cannot detach: %s", dev, strerror(-err));
	printf("%s: syngate's XDP program detached\n", dev);
	return unpin_unused();
}

/* ---- status ------------------------------------------------------------- */

static int status_stats(int fd)
{
	__u64 sum[SYNGATE_XDP_STATS];
	int i, err;

	err = xdp_stats_sum(fd, sum);
	if (err)
		return fail("the XDP counters: %s", strerror(-err));
	for (i = 0; i < SYNGATE_XDP_STATS; i++)
		printf("%s %llu\n", xdp_stat_names[i],
		       (unsigned long long)sum[i]);
	return EXIT_OK;
}

/* Pins no device's program holds: the next attach removes them. */
static void status_leftover(void)
{
	char dir[PATH_MAX];
	struct xdp_maps none;

	xdp_maps_init(&none);
	if (xdp_pins_match(&none) < 0 && !xdp_pin_dir(dir, sizeof(dir)))
		printf("maps left pinned in %s: xdp attach replaces them\n",
		       dir);
}

static int cmd_status(int argc)
{
	char dir[PATH_MAX];
	struct xdp_dev *devs;
	struct xdp_maps m;
	int n, i, err;

	if (argc > 3)
		usage("xdp status: unexpected argument");
	n = xdp_ns_ours(&devs);
	if (n <= 0) {
		free(devs);
		if (n < 0)
			return fail("cannot list devices: %s", strerror(-n));
		printf("no XDP program attached\n");
		status_leftover();
		return EXIT_OK;
	}
	for (i = 0; i < n; i++)
		printf("device %s: %s\n", devs[i].name,
		       devs[i].generic ? "generic" : "native");
	free(devs);
	err = xdp_maps_open(&m);
	if (err)
		return xdp_maps_error(err);
	if (m.pinned && !xdp_pin_dir(dir, sizeof(dir)))
		printf("maps pinned in %s\n", dir);
	err = scope_print(m.fd[XDP_MAP_SCOPE]);
	if (!err)
		err = xdp_key_status(m.fd[XDP_MAP_KEY]);
	if (!err)
		err = status_stats(m.fd[XDP_MAP_STATS]);
	xdp_maps_close(&m);
	return err;
}

int cmd_xdp(int argc, char **argv)
{
	const char *sub = argc > 2 ? argv[2] : NULL;

	if (!sub)
		usage("xdp: missing command (attach, detach, status or scope)");
	if (!strcmp(sub, "attach"))
		return cmd_attach(argc, argv);
	if (!strcmp(sub, "detach"))
		return cmd_detach(argc, argv);
	if (!strcmp(sub, "status"))
		return cmd_status(argc);
	if (!strcmp(sub, "scope"))
		return cmd_scope(argc, argv);
	usagef("xdp: unknown command '%s'", sub);
}
