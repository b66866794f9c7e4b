/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each backend's SYN-ACKs showed it does (the rule option --learn):
 * MSS, window scale, SACK-permitted, timestamps. Per network namespace,
 * per server address and port, never per client: the SYN path only reads
 * it, so a cookie stays stateless and a flood of SYNs writes nothing.
 *
 * Written only from a server SYN-ACK the hook consumes, i.e. for a server
 * that completed a handshake with a client whose cookie was genuine.
 * Bounded: a fixed table allocated when the first --learn rule is added,
 * SYNGATE_LEARN_SETS sets of SYNGATE_LEARN_WAYS entries, hashed with a
 * random seed; a new backend takes an empty or expired way of its set, or
 * the oldest one. Nothing is allocated after that.
 *
 * A fact about an option is known only when our SYN asked for it: a server
 * answers window scale, SACK and timestamps only when offered them, so a
 * SYN-ACK without SACK to a SYN without SACK says nothing. An entry lives
 * SYNGATE_LEARN_TTL from when it was first learned, however often it is
 * refreshed: a server that loses an option is followed at its next SYN-ACK,
 * but one that gains an option can show it only when offered it again, and
 * it is offered again (the rule's options) only once the entry has expired.
 */
#ifndef _SYNGATE_LEARN_H
#define _SYNGATE_LEARN_H

#include <linux/jiffies.h>
#include <linux/seqlock.h>
#include <linux/types.h>

#include "cookie.h"
#include "tcpopt.h"
#include "xt_SYNGATE.h"

#define SYNGATE_LEARN_SETS	64
#define SYNGATE_LEARN_WAYS	4
#define SYNGATE_LEARN_MAX	(SYNGATE_LEARN_SETS * SYNGATE_LEARN_WAYS)
#define SYNGATE_LEARN_TTL	(300 * HZ)

/* The options a server can be asked about and answer. */
#define SYNGATE_LEARN_OPTS	(XT_SYNGATE_OPT_WSCALE | \
				 XT_SYNGATE_OPT_SACK_PERM | \
				 XT_SYNGATE_OPT_TIMESTAMP)

/* What one backend's SYN-ACKs showed. */
struct syngate_learned {
	u8	known;	/* SYNGATE_LEARN_OPTS bits the server was asked */
	u8	has;	/* of those, the ones it does */
	u8	wscale;	/* valid with has & XT_SYNGATE_OPT_WSCALE */
	u16	mss;	/* announced MSS; 0: none seen */
};

struct syngate_backend {
	union nf_inet_addr	addr;
	__be16			port;
	u8			family;	/* 0: empty way */
	struct syngate_learned	facts;
	unsigned long		born;	/* jiffies when first learned */
};

struct syngate_learn_set {
	seqlock_t		lock;	/* writers from softirq: _bh */
	struct syngate_backend	way[SYNGATE_LEARN_WAYS];
};

struct syngate_learn {
	u32			seed;	/* of the set hash */
	struct syngate_learn_set set[SYNGATE_LEARN_SETS];
};

void syngate_learn_merge(struct syngate_learned *l, u8 family, u8 asked,
			 const struct syngate_opts *srv);
void syngate_learn_apply(const struct syngate_learned *l,
			 struct xt_syngate_info *info);

struct syngate_learn *syngate_learn_alloc(void);
void syngate_learn_free(struct syngate_learn *t);
bool syngate_learn_lookup(struct syngate_learn *t,
			  const struct syngate_flow *flow, unsigned long now,
			  struct syngate_learned *out);
void syngate_learn_update(struct syngate_learn *t,
			  const struct syngate_flow *flow, unsigned long now,
			  u8 asked, const struct syngate_opts *srv);
bool syngate_learn_read(struct syngate_learn *t, unsigned int i,
			unsigned long now, struct syngate_backend *out);

#endif /* _SYNGATE_LEARN_H */
