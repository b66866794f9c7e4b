/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * SYNGATE's XDP front end: the maps its BPF program (xt_userspace/
 * syngate_xdp.bpf.c) shares with its loader (syngatectl xdp) and with
 * syngatestat. The layout is ABI between a loaded program and the tools
 * that read its pinned maps.
 *
 * The program answers, at the driver, the SYNs the SYNGATE rule would
 * answer, with the SYN-ACK the module would send (same cookie code, same
 * key, same clock); everything else goes on to netfilter, where the
 * target checks the client's ACK and opens the server connection.
 */
#ifndef _SYNGATE_XDP_H
#define _SYNGATE_XDP_H

#include <linux/types.h>
#include "xt_SYNGATE.h"

/* Where the loader pins a namespace's maps: SYNGATE_XDP_PIN/<netns>/... */
#define SYNGATE_XDP_PIN		"/sys/fs/bpf/syngate"

/* Map "syngate_key": an array of one; the namespace's current key. */
struct syngate_xdp_key {
	__u64	key[2];		/* siphash_key_t, as the module holds it */
};

/*
 * Map "syngate_scope": a hash of what the program answers. A SYN's entry
 * is (family, its destination address, its destination port), else
 * (family, any address, port); the program finds them through
 * syngate_ports, below. @addr is an IPv4 address in its first word, an
 * IPv6 address in all four, or all zero for any address.
 */
#define SYNGATE_XDP_SCOPE_MAX	256

struct syngate_xdp_scope {
	__u8	family;		/* NFPROTO_IPV4 (2) or NFPROTO_IPV6 (10) */
	__u8	pad;		/* 0 */
	__be16	port;
	__be32	addr[4];
};

/* The value: the rule's options, as the SYNGATE target holds them. */

/*
 * Map "syngate_ports": an array with a slot per family and destination
 * port, an index of syngate_scope that the program reads first. A SYN to
 * a port scoped for any address then costs one array lookup, which the
 * verifier inlines, where two hash lookups cost it about 370 instructions
 * (jhash of the 20-byte key, twice). syngatectl rewrites a port's slot
 * from syngate_scope after each change to that port's entries: the hash
 * stays the list, the slot only says where to look. 131072 slots of 8
 * bytes: 1 MiB per namespace.
 */
#define SYNGATE_XDP_PORT_SLOTS	(2 * 65536)

struct syngate_xdp_port {
	struct xt_syngate_info any;	/* the any-address entry, if @has_any */
	__u8	has_any;		/* 1: syngate_scope has it */
	__u8	pad;			/* 0 */
	__u16	addrs;			/* entries with an address, this port */
};

/*
 * A slot's index: IPv6 in the upper half. @port is used as it is in the
 * header, in network order, by the program and by syngatectl alike.
 */
static inline __u32 syngate_xdp_port_slot(__u8 family, __be16 port)
{
	return (family == 10 /* NFPROTO_IPV6 */ ? 65536 : 0) + (__u32)(__u16)port;
}

/* Map "syngate_stats": a per-CPU array of __u64, one per counter. */
enum syngate_xdp_stat {
	SYNGATE_XDP_SYNACK_SENT,	/* SYNs answered at the driver */
	SYNGATE_XDP_PASS_SCOPE,		/* SYN outside the scope map */
	/*
	 * A SYN the program leaves to netfilter: IPv4 options, a fragment,
	 * data, a bad checksum, malformed TCP options. (IPv6 extension
	 * headers too, uncounted: the program does not walk them.)
	 */
	SYNGATE_XDP_PASS_UNUSUAL,
	SYNGATE_XDP_NO_KEY,		/* key map unset: left to netfilter */
	SYNGATE_XDP_STATS
};

#endif /* _SYNGATE_XDP_H */
