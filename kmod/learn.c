// SPDX-License-Identifier: GPL-2.0
/*
 * The table of what backends' SYN-ACKs showed (learn.h), and what it makes
 * of a rule's options. Kernel glue only for the lock and the allocation:
 * the caller passes the clock, so KUnit drives expiry and replacement.
 */
#include <linux/jhash.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "learn.h"

/**
 * syngate_learn_merge - add what a server SYN-ACK showed to a backend's facts
 * @l: the backend's facts, updated
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @asked: SYNGATE_LEARN_OPTS bits our SYN offered the server
 * @srv: the options of the server's SYN-ACK
 *
 * An option not asked about keeps what was known of it; one asked about
 * is now known, present or not. The MSS is always known: a SYN-ACK without
 * one means the family's default (RFC 9293 3.7.1).
 */
void syngate_learn_merge(struct syngate_learned *l, u8 family, u8 asked,
			 const struct syngate_opts *srv)
{
	asked &= SYNGATE_LEARN_OPTS;
	l->known |= asked;
	l->has = (l->has & ~asked) | (srv->options & asked);
	if (asked & srv->options & XT_SYNGATE_OPT_WSCALE)
		l->wscale = srv->wscale;
	l->mss = srv->options & XT_SYNGATE_OPT_MSS ? srv->mss :
		 syngate_mss_default(family);
}

/**
 * syngate_learn_apply - bound a rule's options by a backend's facts
 * @l: the backend's facts
 * @info: a copy of the rule, updated
 *
 * Only ever removes or lowers: an option the server refused is not
 * offered, the window scale and MSS are those of the server when below
 * the rule's. What the rule does not offer stays unoffered; an option the
 * server was never asked about is offered as the rule says.
 */
void syngate_learn_apply(const struct syngate_learned *l,
			 struct xt_syngate_info *info)
{
	info->options &= ~(l->known & ~l->has);
	if ((info->options & XT_SYNGATE_OPT_WSCALE) &&
	    (l->has & XT_SYNGATE_OPT_WSCALE))
		info->wscale = min(info->wscale, l->wscale);
	if ((info->options & XT_SYNGATE_OPT_MSS) && l->mss)
		info->mss = min(info->mss, l->mss);
}

struct syngate_learn *syngate_learn_alloc(void)
{
	struct syngate_learn *t;
	unsigned int i;

	/* about 11 KiB: no need for contiguous pages */
	t = kvzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->seed = get_random_u32();
	for (i = 0; i < SYNGATE_LEARN_SETS; i++)
		seqlock_init(&t->set[i].lock);
	return t;
}

void syngate_learn_free(struct syngate_learn *t)
{
	kvfree(t);
}

/*
 * jhash, not siphash: every SYN pays for this lookup, and only servers
 * that completed a handshake with a genuine cookie are ever inserted, so
 * nobody can aim collisions at a set; the random seed spreads them anyway.
 */
static struct syngate_learn_set *syngate_learn_set(struct syngate_learn *t,
						   const struct syngate_flow *f)
{
	u32 h = jhash2(f->daddr.all, ARRAY_SIZE(f->daddr.all),
		       t->seed ^ ((u32)f->family << 16 | (__force u16)f->dport));

	return &t->set[h % SYNGATE_LEARN_SETS];
}

static bool syngate_backend_is(const struct syngate_backend *b,
			       const struct syngate_flow *f)
{
	return b->port == f->dport && b->family == f->family &&
	       nf_inet_addr_cmp(&b->addr, &f->daddr);
}

static bool syngate_backend_live(const struct syngate_backend *b,
				 unsigned long now)
{
	return b->family && time_before(now, b->born + SYNGATE_LEARN_TTL);
}

/* The way that holds @f's backend, live or not, or NULL. */
static struct syngate_backend *syngate_learn_find(struct syngate_learn_set *set,
						  const struct syngate_flow *f)
{
	unsigned int i;

	for (i = 0; i < SYNGATE_LEARN_WAYS; i++)
		if (syngate_backend_is(&set->way[i], f))
			return &set->way[i];
	return NULL;
}

/**
 * syngate_learn_lookup - the facts about a SYN's server, if still live
 * @t: the table
 * @flow: the SYN's flow; its destination is the backend
 * @now: jiffies
 * @out: the facts, when found
 *
 * Lock-free: a writer on another CPU makes the read retry.
 *
 * Return: true when @out holds live facts about the backend.
 */
bool syngate_learn_lookup(struct syngate_learn *t,
			  const struct syngate_flow *flow, unsigned long now,
			  struct syngate_learned *out)
{
	struct syngate_learn_set *set = syngate_learn_set(t, flow);
	const struct syngate_backend *b;
	unsigned int seq;
	bool found;

	do {
		seq = read_seqbegin(&set->lock);
		b = syngate_learn_find(set, flow);
		found = b && syngate_backend_live(b, now);
		if (found)
			*out = b->facts;
	} while (read_seqretry(&set->lock, seq));
	return found;
}

/* The way a backend's facts go to: its own, else an empty or expired
 * one, else the one learned longest ago.
 */
static struct syngate_backend *syngate_learn_way(struct syngate_learn_set *set,
						 const struct syngate_flow *f,
						 unsigned long now)
{
	struct syngate_backend *oldest = &set->way[0];
	struct syngate_backend *own = syngate_learn_find(set, f);
	unsigned int i;

	if (own)
		return own;
	for (i = 0; i < SYNGATE_LEARN_WAYS; i++) {
		struct syngate_backend *b = &set->way[i];

		if (!syngate_backend_live(b, now))
			return b;
		if (time_before(b->born, oldest->born))
			oldest = b;
	}
	return oldest;
}

/**
 * syngate_learn_update - record what a server's SYN-ACK showed
 * @t: the table
 * @flow: the connection's flow, client -> server as the client sent it
 * @now: jiffies
 * @asked: SYNGATE_LEARN_OPTS bits our SYN offered
 * @srv: the server SYN-ACK's options
 */
void syngate_learn_update(struct syngate_learn *t,
			  const struct syngate_flow *flow, unsigned long now,
			  u8 asked, const struct syngate_opts *srv)
{
	struct syngate_learn_set *set = syngate_learn_set(t, flow);
	struct syngate_backend *b;

	write_seqlock_bh(&set->lock);
	b = syngate_learn_way(set, flow, now);
	if (!syngate_backend_is(b, flow) || !syngate_backend_live(b, now)) {
		memset(b, 0, sizeof(*b));
		b->addr = flow->daddr;
		b->port = flow->dport;
		b->family = flow->family;
		b->born = now;
	}
	syngate_learn_merge(&b->facts, flow->family, asked, srv);
	write_sequnlock_bh(&set->lock);
}

/**
 * syngate_learn_read - one way of the table, for listing
 * @t: the table
 * @i: 0 to SYNGATE_LEARN_MAX - 1
 * @now: jiffies
 * @out: a copy of the way
 *
 * Return: true when the way holds a live backend.
 */
bool syngate_learn_read(struct syngate_learn *t, unsigned int i,
			unsigned long now, struct syngate_backend *out)
{
	struct syngate_learn_set *set = &t->set[i / SYNGATE_LEARN_WAYS];
	unsigned int seq;

	do {
		seq = read_seqbegin(&set->lock);
		*out = set->way[i % SYNGATE_LEARN_WAYS];
	} while (read_seqretry(&set->lock, seq));
	return syngate_backend_live(out, now);
}
