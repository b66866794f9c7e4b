/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where syngatectl and syngatestat find SYNGATE's XDP program and its maps
 * (include/syngate_xdp.h) in the network namespace they run in.
 */
#ifndef XDP_MAPS_H
#define XDP_MAPS_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "syngate_xdp.h"

#define XDP_BPFFS	"/sys/fs/bpf"
#define XDP_PROG_NAME	"syngate_xdp"

enum { XDP_MAP_KEY, XDP_MAP_SCOPE, XDP_MAP_PORTS, XDP_MAP_STATS, XDP_MAPS };

extern const char *const xdp_map_names[XDP_MAPS];
extern const char *const xdp_stat_names[SYNGATE_XDP_STATS];

struct xdp_maps {
	int fd[XDP_MAPS];	/* -1: not open */
	bool pinned;		/* and pinned at the namespace's pins */
};

/* The XDP program a device has. */
struct xdp_dev {
	unsigned int ifindex;
	char name[IF_NAMESIZE];
	__u32 id;		/* 0: none */
	bool generic;		/* attached in generic (skb) mode */
	bool ours;		/* SYNGATE's */
	char prog[16];		/* its name (BPF_OBJ_NAME_LEN) */
};

int xdp_pin_dir(char *buf, size_t cap);
bool xdp_bpffs_mounted(void);
bool xdp_netns_exec(void);
int xdp_dev_query(unsigned int ifindex, struct xdp_dev *d);
int xdp_ns_ours(struct xdp_dev **devs);
void xdp_maps_init(struct xdp_maps *m);
int xdp_maps_open(struct xdp_maps *m);
int xdp_pins_match(const struct xdp_maps *m);
void xdp_maps_close(struct xdp_maps *m);
int xdp_unpin(const char *dir);
int xdp_stats_sum(int fd, __u64 sum[SYNGATE_XDP_STATS]);

#endif /* XDP_MAPS_H */
