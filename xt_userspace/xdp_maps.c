// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_maps: where syngatectl and syngatestat find SYNGATE's XDP program
 * and its maps in the network namespace they run in.
 *
 * The maps are those of the program a device of the namespace runs: the
 * program holds them as long as it is attached. The loader also pins them
 * at SYNGATE_XDP_PIN/<netns inode>/<map name>, for other tools and so that
 * the next attach reuses them, but pins are not proof: a namespace that
 * is gone may have left its pins under an inode number a new one now has,
 * and a command run by `ip netns exec` cannot see them (that remounts
 * /sys, and /sys/fs/bpf with it). Found through the program, the maps are
 * the same under nsenter and ip netns exec.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_maps.h"

/* The program has four maps; room for what a later version may add. */
#define MAX_MAP_IDS	8

const char *const xdp_map_names[XDP_MAPS] = {
	[XDP_MAP_KEY] = "syngate_key",
	[XDP_MAP_SCOPE] = "syngate_scope",
	[XDP_MAP_PORTS] = "syngate_ports",
	[XDP_MAP_STATS] = "syngate_stats",
};

const char *const xdp_stat_names[SYNGATE_XDP_STATS] = {
	[SYNGATE_XDP_SYNACK_SENT] = "synack_sent",
	[SYNGATE_XDP_PASS_SCOPE] = "pass_scope",
	[SYNGATE_XDP_PASS_UNUSUAL] = "pass_unusual",
	[SYNGATE_XDP_NO_KEY] = "no_key",
};

/* What include/syngate_xdp.h says the maps are: read nothing else. */
static const struct {
	__u32 type, key_size, value_size;
} xdp_layout[XDP_MAPS] = {
	[XDP_MAP_KEY] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32),
			  sizeof(struct syngate_xdp_key) },
	[XDP_MAP_SCOPE] = { BPF_MAP_TYPE_HASH, sizeof(struct syngate_xdp_scope),
			    sizeof(struct xt_syngate_info) },
	[XDP_MAP_PORTS] = { BPF_MAP_TYPE_ARRAY, sizeof(__u32),
			    sizeof(struct syngate_xdp_port) },
	[XDP_MAP_STATS] = { BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			    sizeof(__u64) },
};

/* SYNGATE_XDP_PIN/<inode of this network namespace> */
int xdp_pin_dir(char *buf, size_t cap)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	snprintf(buf, cap, "%s/%lu", SYNGATE_XDP_PIN, (unsigned long)st.st_ino);
	return 0;
}

bool xdp_bpffs_mounted(void)
{
	struct statfs sf;

	return statfs(XDP_BPFFS, &sf) == 0 && sf.f_type == BPF_FS_MAGIC;
}

/*
 * Whether /sys is the one `ip netns exec` mounts in the mount namespace it
 * makes for its command: a sysfs named after the network namespace. A
 * bpffs mounted there would vanish with the command, and its pins too.
 */
bool xdp_netns_exec(void)
{
	char mnt[PATH_MAX], type[32], src[NAME_MAX + 1], path[NAME_MAX + 16];
	char *line = NULL;
	bool found = false;
	const char *sep;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	/* the last mount on /sys is the one on top */
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    strcmp(mnt, "/sys"))
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%31s %255s", type, src) != 2)
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", src);
		found = !strcmp(type, "sysfs") && strcmp(src, "sysfs") &&
			!strchr(src, '/') && access(path, F_OK) == 0;
	}
	free(line);
	fclose(f);
	return found;
}

/* A program's name and whether it is SYNGATE's. */
static void xdp_prog_name(struct xdp_dev *d)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd;

	snprintf(d->prog, sizeof(d->prog), "?");
	fd = bpf_prog_get_fd_by_id(d->id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(d->prog, sizeof(d->prog), "%s", info.name);
		d->ours = info.type == BPF_PROG_TYPE_XDP &&
			  !strcmp(info.name, XDP_PROG_NAME);
	}
	close(fd);
}

/* The program @ifindex runs in native or generic mode (offload: never ours). */
int xdp_dev_query(unsigned int ifindex, struct xdp_dev *d)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	if (!if_indextoname(ifindex, d->name))
		return -errno;
	err = bpf_xdp_query((int)ifindex, 0, &q);
	if (err)
		return err;
	d->id = q.drv_prog_id ? q.drv_prog_id :
		q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
	d->generic = !q.drv_prog_id && q.skb_prog_id;
	if (d->id)
		xdp_prog_name(d);
	return 0;
}

/* The devices of the namespace that run SYNGATE's program (malloc'd). */
int xdp_ns_ours(struct xdp_dev **devs)
{
	struct if_nameindex *ifs, *i;
	struct xdp_dev d;
	int n = 0, cap = 0;

	*devs = NULL;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++)
		cap++;
	*devs = calloc(cap ? cap : 1, sizeof(**devs));
	if (!*devs) {
		if_freenameindex(ifs);
		return -ENOMEM;
	}
	/* a device that went away meanwhile is not one of them */
	for (i = ifs; i->if_index; i++)
		if (!xdp_dev_query(i->if_index, &d) && d.ours)
			(*devs)[n++] = d;
	if_freenameindex(ifs);
	return n;
}

void xdp_maps_init(struct xdp_maps *m)
{
	int i;

	for (i = 0; i < XDP_MAPS; i++)
		m->fd[i] = -1;
	m->pinned = false;
}

void xdp_maps_close(struct xdp_maps *m)
{
	int i;

	for (i = 0; i < XDP_MAPS; i++)
		if (m->fd[i] >= 0)
			close(m->fd[i]);
	xdp_maps_init(m);
}

/* The map @id if it is one of ours, by name; closed otherwise. */
static void take_map(struct xdp_maps *m, __u32 id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, i;

	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		for (i = 0; i < XDP_MAPS; i++) {
			if (m->fd[i] < 0 && !strcmp(info.name, xdp_map_names[i])) {
				m->fd[i] = fd;
				return;
			}
		}
	}
	close(fd);
}

/* The maps of the program a device of the namespace runs. */
static int maps_from_prog(struct xdp_maps *m)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), ids[MAX_MAP_IDS], i;
	struct xdp_dev *devs;
	int n, fd;

	n = xdp_ns_ours(&devs);
	if (n <= 0) {
		free(devs);
		return n ? n : -ENOENT;
	}
	fd = bpf_prog_get_fd_by_id(devs[0].id);
	free(devs);
	if (fd < 0)
		return -errno;
	info.nr_map_ids = MAX_MAP_IDS;
	info.map_ids = (__u64)(uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	for (i = 0; i < info.nr_map_ids && i < MAX_MAP_IDS; i++)
		take_map(m, ids[i]);
	/* one missing: the program of an older syngatectl (no syngate_ports) */
	for (i = 0; i < XDP_MAPS; i++)
		if (m->fd[i] < 0)
			return -EPROTO;
	return 0;
}

/* A map of another layout would be read past its end: refuse it. */
static int maps_check(const struct xdp_maps *m)
{
	struct bpf_map_info info;
	__u32 len;
	int i;

	for (i = 0; i < XDP_MAPS; i++) {
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(m->fd[i], &info, &len))
			return -errno;
		if (info.type != xdp_layout[i].type ||
		    info.key_size != xdp_layout[i].key_size ||
		    info.value_size != xdp_layout[i].value_size ||
		    (i == XDP_MAP_STATS && info.max_entries < SYNGATE_XDP_STATS) ||
		    (i == XDP_MAP_PORTS &&
		     info.max_entries != SYNGATE_XDP_PORT_SLOTS))
			return -EPROTO;
	}
	return 0;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/*
 * Whether the namespace's pins are @m's maps: 1 yes, 0 nothing pinned
 * (or no bpffs to see), -1 other maps or some missing: left over.
 */
int xdp_pins_match(const struct xdp_maps *m)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int i, fd, same = 1;

	if (!xdp_bpffs_mounted() || xdp_pin_dir(dir, sizeof(dir)) ||
	    access(dir, F_OK))
		return 0;
	for (i = 0; i < XDP_MAPS && same; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, xdp_map_names[i]);
		fd = bpf_obj_get(path);
		same = fd >= 0 && map_id(fd) && map_id(fd) == map_id(m->fd[i]);
		if (fd >= 0)
			close(fd);
	}
	return same ? 1 : -1;
}

/*
 * The namespace's maps, those of the program its devices run.
 * Return: 0, -ENOENT when no device runs it, -EPROTO when a map is not
 * what include/syngate_xdp.h says, another -errno else.
 */
int xdp_maps_open(struct xdp_maps *m)
{
	int err;

	xdp_maps_init(m);
	err = maps_from_prog(m);
	if (!err)
		err = maps_check(m);
	if (err)
		xdp_maps_close(m);
	else
		m->pinned = xdp_pins_match(m) == 1;
	return err;
}

/* Remove a namespace's pins and their directory. */
int xdp_unpin(const char *dir)
{
	char path[PATH_MAX + 32];
	int i;

	for (i = 0; i < XDP_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, xdp_map_names[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* The counters of the per-CPU map, summed over CPUs. */
int xdp_stats_sum(int fd, __u64 sum[SYNGATE_XDP_STATS])
{
	int ncpu = libbpf_num_possible_cpus(), c, err = 0;
	__u32 i;
	__u64 *v;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < SYNGATE_XDP_STATS && !err; i++) {
		sum[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, v)) {
			err = -errno;
			break;
		}
		for (c = 0; c < ncpu; c++)
			sum[i] += v[c];
	}
	free(v);
	return err;
}
