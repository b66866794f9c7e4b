/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per network namespace state: the cookie keys, the conntrack template
 * that gives proxied connections their extensions, counters, the
 * reference counts of the conntrack hooks, and what backends showed.
 */
#ifndef _SYNGATE_PERNET_H
#define _SYNGATE_PERNET_H

#include <linux/percpu.h>
#include <linux/siphash.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "stash.h"

/* Keep in step with syngate_stat_names[] in pernet.c. */
enum syngate_stat {
	SYNGATE_STAT_SYN_RECEIVED,	/* SYNs the target answered or tried to */
	SYNGATE_STAT_SYNACK_SENT,	/* cookie SYN-ACKs handed to routing */
	SYNGATE_STAT_COOKIE_VALID,	/* ACKs that opened a server handshake */
	SYNGATE_STAT_COOKIE_INVALID,	/* forged, altered or stale ACKs */
	SYNGATE_STAT_COOKIE_PREV_KEY,	/* valid ones made with the previous key */
	SYNGATE_STAT_COOKIE_RETRANS,	/* ACKs that re-sent the server SYN */
	SYNGATE_STAT_CONN_REOPENED,	/* 4-tuple reused over a closed entry */
	SYNGATE_STAT_CONN_ESTABLISHED,	/* server SYN-ACKs consumed, handshake done */
	SYNGATE_STAT_SERVER_RESET,	/* server refused our SYN with RST */
	SYNGATE_STAT_SERVER_STALE,	/* server ACKed our SYN from an old socket */
	SYNGATE_STAT_DROP_BLIND_RST,	/* RST not answering our SYN, dropped */
	SYNGATE_STAT_DATA_HELD,		/* ACK payloads held for the server */
	SYNGATE_STAT_ICMP_FIXED,	/* ICMP errors given the server's seq */
	SYNGATE_STAT_SYNACK_LEARNED,	/* --learn SYN-ACKs bounded by facts */
	SYNGATE_STAT_SYNACK_RULE,	/* --learn SYN-ACKs with none: the rule's */
	SYNGATE_STAT_DROP_CHECKSUM,	/* SYN/ACK with a bad TCP checksum */
	SYNGATE_STAT_DROP_MALFORMED,	/* truncated header, bad doff or options */
	SYNGATE_STAT_DROP_NOMEM,	/* could not allocate or write a packet */
	SYNGATE_STAT_DROP_NOROUTE,	/* no route for a packet we built */
	SYNGATE_STAT_MAX
};

struct syngate_stats {
	u64	cnt[SYNGATE_STAT_MAX];
};

struct nf_conn;
struct nf_conntrack_zone;

struct syngate_keys;
struct syngate_learn;

struct syngate_net {
	struct syngate_keys __rcu	*keys;	/* keys.h */
	struct nf_conn			*tmpl;	/* the default zone's */
	struct list_head		zones;	/* zones.c: the others' */
	struct syngate_stats __percpu	*stats;
	unsigned int			hook_users[2];	/* IPv4, IPv6 */
	struct syngate_stash		stash;
	/* learn.h; NULL until the first --learn rule, then set for good */
	struct syngate_learn		*learn;
};

extern unsigned int syngate_net_id;

static inline struct syngate_net *syngate_pernet(const struct net *net)
{
	return net_generic(net, syngate_net_id);
}

static inline void syngate_stat_inc(struct syngate_net *sn,
				    enum syngate_stat s)
{
	this_cpu_inc(sn->stats->cnt[s]);
}

struct nf_conn *syngate_tmpl_alloc(struct net *net,
				   const struct nf_conntrack_zone *zone);
int syngate_pernet_register(void);
void syngate_pernet_unregister(void);

#endif /* _SYNGATE_PERNET_H */
