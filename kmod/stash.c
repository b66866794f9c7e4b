// SPDX-License-Identifier: GPL-2.0
/*
 * Data held from a client's cookie-carrying ACK until the server answers.
 *
 * Stateless SYN cookies cost a client the payload of the segment that
 * proves its cookie: the server side is not open yet. Real stacks rarely
 * send one (our SYN-ACK offers a zero window), but a lost third ACK
 * followed by data, or a client that ignores the window, does. Holding
 * the segment for the few milliseconds the server needs saves the client
 * a retransmission timeout. State exists only for genuine cookies, is
 * bounded in count and age, and is per network namespace.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/xfrm.h>

#include "stash.h"

struct syngate_stash_cb {
	unsigned long	since;
};

static struct syngate_stash_cb *syngate_stash_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct syngate_stash_cb) > sizeof(skb->cb));
	return (struct syngate_stash_cb *)skb->cb;
}

void syngate_stash_init(struct syngate_stash *st)
{
	spin_lock_init(&st->lock);
	__skb_queue_head_init(&st->queue);
}

void syngate_stash_purge(struct syngate_stash *st)
{
	spin_lock_bh(&st->lock);
	__skb_queue_purge(&st->queue);
	spin_unlock_bh(&st->lock);
}

/* Drop what has waited too long; the queue is in arrival order. */
static void syngate_stash_expire(struct syngate_stash *st)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&st->queue)) &&
	       time_after(jiffies, syngate_stash_cb(skb)->since +
				   SYNGATE_STASH_AGE)) {
		__skb_unlink(skb, &st->queue);
		kfree_skb(skb);
	}
}

static bool syngate_stash_match(const struct sk_buff *skb,
				const struct syngate_flow *f)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (th->source != f->sport || th->dest != f->dport)
		return false;
	if (f->family == NFPROTO_IPV6)
		return skb->protocol == htons(ETH_P_IPV6) &&
		       ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &f->saddr.in6) &&
		       ipv6_addr_equal(&ipv6_hdr(skb)->daddr, &f->daddr.in6);
	return skb->protocol == htons(ETH_P_IP) &&
	       ip_hdr(skb)->saddr == f->saddr.ip &&
	       ip_hdr(skb)->daddr == f->daddr.ip;
}

/* How many segments of @flow are held; under the lock. */
static unsigned int syngate_stash_count(struct syngate_stash *st,
					const struct syngate_flow *flow)
{
	unsigned int n = 0;
	struct sk_buff *skb;

	skb_queue_walk(&st->queue, skb)
		n += syngate_stash_match(skb, flow);
	return n;
}

/**
 * syngate_stash_add - hold a client segment until its server answers
 * @st: the namespace's stash
 * @skb: the segment, owned by the caller; its network header is set
 * @thoff: offset of its TCP header
 * @flow: its flow, client -> server
 *
 * The segment is detached from where it came from (route, conntrack,
 * device, socket) so that it can wait safely and leave again through the
 * local output path. Its headers are pulled into the linear area first:
 * the caller only read them through skb_header_pointer(), and held
 * segments are matched by them.
 *
 * Return: true when held (the stash owns @skb), false when full, when
 * @flow already holds its share, or when the headers cannot be pulled.
 */
bool syngate_stash_add(struct syngate_stash *st, struct sk_buff *skb,
		       unsigned int thoff, const struct syngate_flow *flow)
{
	bool held = false;

	if (skb_is_gso(skb) ||
	    !pskb_may_pull(skb, thoff + sizeof(struct tcphdr)))
		return false;

	spin_lock_bh(&st->lock);
	syngate_stash_expire(st);
	if (skb_queue_len(&st->queue) < SYNGATE_STASH_MAX &&
	    syngate_stash_count(st, flow) < SYNGATE_STASH_PER_FLOW) {
		skb_dst_drop(skb);
		nf_reset_ct(skb);
		secpath_reset(skb);
		skb_orphan(skb);
		skb->dev = NULL;
		skb->skb_iif = 0;
		skb->tstamp = 0;
		skb_set_transport_header(skb, thoff);
		syngate_stash_cb(skb)->since = jiffies;
		__skb_queue_tail(&st->queue, skb);
		held = true;
	}
	spin_unlock_bh(&st->lock);
	return held;
}

/**
 * syngate_stash_take - the oldest held segment of a flow
 * @st: the namespace's stash
 * @flow: client -> server
 *
 * Return: the segment, now owned by the caller, with its control block
 * cleared for the output path; NULL when none is held.
 */
struct sk_buff *syngate_stash_take(struct syngate_stash *st,
				   const struct syngate_flow *flow)
{
	struct sk_buff *skb, *found = NULL;

	spin_lock_bh(&st->lock);
	syngate_stash_expire(st);
	skb_queue_walk(&st->queue, skb) {
		if (syngate_stash_match(skb, flow)) {
			__skb_unlink(skb, &st->queue);
			found = skb;
			break;
		}
	}
	spin_unlock_bh(&st->lock);
	if (found)
		memset(found->cb, 0, sizeof(found->cb));
	return found;
}

/**
 * syngate_stash_drop - forget what a flow holds
 * @st: the namespace's stash
 * @flow: client -> server
 *
 * For a flow reset before its server answered: its data has nowhere to go.
 *
 * Return: how many segments were dropped.
 */
unsigned int syngate_stash_drop(struct syngate_stash *st,
				const struct syngate_flow *flow)
{
	struct sk_buff *skb;
	unsigned int n = 0;

	while ((skb = syngate_stash_take(st, flow))) {
		kfree_skb(skb);
		n++;
	}
	return n;
}
