/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One pass over a segment of a proxied connection past the handshake:
 * sequence and acknowledgment numbers, SACK blocks, timestamps and the
 * window, rewritten together under one checksum update.
 */
#ifndef _SYNGATE_REWRITE_H
#define _SYNGATE_REWRITE_H

#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/types.h>
#include <net/checksum.h>

#include "tcpopt.h"
#include "xlate.h"

/**
 * struct syngate_rewrite - what one pass does to a segment
 * @seq: added to SEG.SEQ: this direction's seqadj offset
 * @ack: taken from SEG.ACK and from SACK block edges: the other's
 * @tsoff: timestamp offset (xlate.h); 0 leaves timestamps alone
 * @seq_ours: do @seq, @ack and SACK here; when false, seqadj does them
 *	in conntrack's confirm hook and this pass leaves them alone
 * @reply: server -> client
 * @win: re-express the window (xlate.h), with @srv_ws and @cli_ws
 * @srv_ws: the server's window scale
 * @cli_ws: the client's (server -> client: the one it was told)
 */
struct syngate_rewrite {
	s32	seq;
	s32	ack;
	u32	tsoff;
	bool	seq_ours;
	bool	reply;
	bool	win;
	u8	srv_ws;
	u8	cli_ws;
};

int syngate_rewrite_walk(const struct sk_buff *skb, struct tcphdr *th,
			 s32 ack, u32 tsoff, bool reply, __wsum diff);

/*
 * What follows is the path of every segment, inline in the hook: a call
 * would cost each segment a prologue and an epilogue, and the hook, which
 * would hand its @rw over by address, a stack canary. The walk of an
 * unusual option list stays out of line (rewrite.c), and takes the
 * fields it needs, not @rw, for the same reason.
 */

/*
 * Store @val in the 32-bit field @p, adding the change to @diff. A few
 * instructions, for every field of every segment: inlined on purpose.
 */
static __always_inline void syngate_rw32(u8 *p, u32 val, __wsum *diff)
{
	__be32 old, new = htonl(val);

	memcpy(&old, p, sizeof(old));
	*diff = csum_add(*diff, csum_sub((__force __wsum)new,
					 (__force __wsum)old));
	memcpy(p, &new, sizeof(new));
}

static __always_inline void
syngate_rw_ts(u8 *ts, const struct syngate_rewrite *rw, __wsum *diff)
{
	/* Server -> client: its TSval; client -> server: the echo of it. */
	if (rw->reply)
		syngate_rw32(ts, syngate_ts_to_client(syngate_get_be32(ts),
						      rw->tsoff), diff);
	else
		syngate_rw32(ts + 4, syngate_ts_to_server(syngate_get_be32(ts + 4),
							  rw->tsoff), diff);
}

/*
 * Add the fields' change @diff to the checksum:
 * inet_proto_csum_replace_by_diff() for fields outside the pseudo-header.
 * A checksum the output path has yet to complete (CHECKSUM_PARTIAL)
 * covers only the pseudo-header so far.
 */
static __always_inline void syngate_rw_csum(const struct sk_buff *skb,
					    struct tcphdr *th, __wsum diff)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		csum_replace_by_diff(&th->check, diff);
}

/*
 * Rewrite a TCP header of @skb, writable for its full doff * 4 bytes,
 * checksum included. Return: 0, or -EBADMSG for an option list seqadj
 * would refuse (a partial option in a segment that acks, when
 * @rw->seq_ours): the header is then left half rewritten, for a segment
 * the caller drops.
 */
static __always_inline int
syngate_rewrite_hdr(const struct sk_buff *skb, struct tcphdr *th,
		    const struct syngate_rewrite *rw)
{
	unsigned int len = th->doff * 4 - sizeof(*th);
	u8 *opt = (u8 *)(th + 1);
	__wsum diff = 0;
	__be16 win;
	int ts;

	if (rw->win && !th->syn) {
		win = th->window;
		th->window = htons(rw->reply ?
			syngate_win_to_client(ntohs(win), rw->srv_ws,
					      rw->cli_ws) :
			syngate_win_to_server(ntohs(win), rw->cli_ws));
		diff = csum_sub((__force __wsum)(__force u32)th->window,
				(__force __wsum)(__force u32)win);
	}
	if (rw->seq_ours) {
		syngate_rw32((u8 *)&th->seq, ntohl(th->seq) + rw->seq, &diff);
		if (th->ack) {
			syngate_rw32((u8 *)&th->ack_seq,
				     ntohl(th->ack_seq) - rw->ack, &diff);
			/* most segments: timestamps alone, as Linux lays them */
			if (len != TCPOLEN_TSTAMP_ALIGNED ||
			    syngate_get_be32(opt) != SYNGATE_TS_ALIGNED)
				return syngate_rewrite_walk(skb, th, rw->ack,
							    rw->tsoff,
							    rw->reply, diff);
			if (rw->tsoff)
				syngate_rw_ts(opt + 4, rw, &diff);
			syngate_rw_csum(skb, th, diff);
			return 0;
		}
	}
	/* Otherwise as tolerant as before: an odd list is left untouched. */
	if (rw->tsoff) {
		ts = syngate_opts_find_ts(opt, len);
		if (ts >= 0)
			syngate_rw_ts(opt + ts, rw, &diff);
	}
	syngate_rw_csum(skb, th, diff);
	return 0;
}

/**
 * syngate_rewrite_skb - rewrite the TCP segment at @thoff of @skb
 * @skb: a segment conntrack has accepted
 * @thoff: offset of its TCP header
 * @rw: what to do
 *
 * Return: 0 once rewritten; -EINVAL for a header conntrack could not
 * have accepted, left untouched; -ENOMEM when it could not be made
 * writable; -EBADMSG as syngate_rewrite_hdr().
 */
static __always_inline int
syngate_rewrite_skb(struct sk_buff *skb, unsigned int thoff,
		    const struct syngate_rewrite *rw)
{
	struct tcphdr *th;
	unsigned int end;

	if (!pskb_may_pull(skb, thoff + sizeof(*th)))
		return -EINVAL;
	th = (struct tcphdr *)(skb->data + thoff);
	end = thoff + th->doff * 4;
	if (th->doff * 4 < sizeof(*th) || end > skb->len)
		return -EINVAL;
	/* skb_ensure_writable()'s own first test, without the call */
	if (skb_cloned(skb) || end > skb_headlen(skb)) {
		if (skb_ensure_writable(skb, end))
			return -ENOMEM;
		th = (struct tcphdr *)(skb->data + thoff);
	}
	return syngate_rewrite_hdr(skb, th, rw);
}

#endif /* _SYNGATE_REWRITE_H */
