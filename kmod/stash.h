/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Data that arrived with the cookie-carrying ACK, held until the server
 * has answered our SYN, so that the client need not retransmit it.
 */
#ifndef _SYNGATE_STASH_H
#define _SYNGATE_STASH_H

#include <linux/skbuff.h>
#include <linux/spinlock.h>

#include "cookie.h"

/*
 * Bounds: only ACKs with a genuine cookie get here, so an attacker must
 * complete handshakes from real addresses to fill it; when full, or for a
 * segment older than a server handshake can take, we fall back to what
 * SYN cookies always do: drop the data and let the client retransmit.
 * A flow holds a few slots at most: a client replaying its own cookie ACK
 * must not take the slots of every other client. Two cover a client
 * whose third ACK and first retransmission both arrive before the server
 * answers.
 */
#define SYNGATE_STASH_MAX	64
#define SYNGATE_STASH_PER_FLOW	2
#define SYNGATE_STASH_AGE	(3 * HZ)

struct syngate_stash {
	spinlock_t		lock;	/* guards queue; taken from softirq */
	struct sk_buff_head	queue;
};

void syngate_stash_init(struct syngate_stash *st);
void syngate_stash_purge(struct syngate_stash *st);
bool syngate_stash_add(struct syngate_stash *st, struct sk_buff *skb,
		       unsigned int thoff, const struct syngate_flow *flow);
struct sk_buff *syngate_stash_take(struct syngate_stash *st,
				   const struct syngate_flow *flow);
unsigned int syngate_stash_drop(struct syngate_stash *st,
				const struct syngate_flow *flow);

#endif /* _SYNGATE_STASH_H */
