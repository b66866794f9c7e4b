// SPDX-License-Identifier: GPL-2.0
/*
 * One pass over a segment of a proxied connection past the handshake.
 *
 * Left to the kernel, a segment is rewritten twice: our hook shifts its
 * timestamps and window, then conntrack's confirm hook runs seqadj over
 * it for the sequence and acknowledgment numbers and the SACK blocks,
 * with a second writable check, a second walk of the options, the
 * conntrack lock and a checksum update per field. Here every field is
 * rewritten in one walk and the checksum is updated once, by the sum of
 * the differences. The arithmetic is seqadj's for an entry whose offsets
 * never moved (nf_ct_seq_adjust(), offset_before == offset_after), and a
 * segment seqadj would drop (a partial option in a segment that acks) is
 * refused here too: KUnit compares the two byte for byte.
 */
#include <linux/kernel.h>
#include <net/checksum.h>
#include <net/tcp.h>

#include "rewrite.h"
#include "tcpopt.h"
#include "xlate.h"

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

/* Each block's edges are numbers the other direction sent. */
static void syngate_rw_sack(u8 *p, unsigned int len, s32 ack, __wsum *diff)
{
	unsigned int i;

	for (i = 0; i < len; i += 4)
		syngate_rw32(p + i, syngate_get_be32(p + i) - ack, diff);
}

/*
 * The options of a segment that acks, when sequence numbers are ours:
 * seqadj's walk (nf_ct_sack_adjust()), timestamps found on the way.
 */
static int syngate_rw_opts(u8 *p, unsigned int len,
			   const struct syngate_rewrite *rw, __wsum *diff)
{
	bool ts = rw->tsoff;
	unsigned int i = 0;

	while (i < len) {
		u8 kind = p[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -EBADMSG;
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return -EBADMSG;
		if (kind == TCPOPT_SACK && olen >= 2 + TCPOLEN_SACK_PERBLOCK &&
		    (olen - 2) % TCPOLEN_SACK_PERBLOCK == 0) {
			syngate_rw_sack(p + i + 2, olen - 2, rw->ack, diff);
		} else if (ts && kind == TCPOPT_TIMESTAMP &&
			   olen == TCPOLEN_TIMESTAMP) {
			syngate_rw_ts(p + i + 2, rw, diff);
			ts = false;
		}
		i += olen;
	}
	return 0;
}

/*
 * Rewrite a TCP header, writable for its full doff * 4 bytes, and set
 * @diff to the checksum difference that made. Return: 0, or -EBADMSG
 * for an option list seqadj would refuse (a partial option in a segment
 * that acks, when @rw->seq_ours): the header is then left half
 * rewritten, for a segment the caller drops.
 */
static int syngate_rewrite_hdr(struct tcphdr *th,
			       const struct syngate_rewrite *rw, __wsum *diff)
{
	unsigned int len = th->doff * 4 - sizeof(*th);
	u8 *opt = (u8 *)(th + 1);
	__be16 win;
	int ts;

	*diff = 0;
	if (rw->win && !th->syn) {
		win = th->window;
		th->window = htons(rw->reply ?
			syngate_win_to_client(ntohs(win), rw->srv_ws,
					      rw->cli_ws) :
			syngate_win_to_server(ntohs(win), rw->cli_ws));
		*diff = csum_sub((__force __wsum)(__force u32)th->window,
				 (__force __wsum)(__force u32)win);
	}
	if (rw->seq_ours) {
		syngate_rw32((u8 *)&th->seq, ntohl(th->seq) + rw->seq, diff);
		if (th->ack) {
			syngate_rw32((u8 *)&th->ack_seq,
				     ntohl(th->ack_seq) - rw->ack, diff);
			/* most segments: timestamps alone, as Linux lays them */
			if (len == TCPOLEN_TSTAMP_ALIGNED &&
			    syngate_get_be32(opt) == SYNGATE_TS_ALIGNED) {
				if (rw->tsoff)
					syngate_rw_ts(opt + 4, rw, diff);
				return 0;
			}
			return syngate_rw_opts(opt, len, rw, diff);
		}
	}
	if (!rw->tsoff)
		return 0;
	/* Otherwise as tolerant as before: an odd list is left untouched. */
	ts = syngate_opts_find_ts(opt, len);
	if (ts >= 0)
		syngate_rw_ts(opt + ts, rw, diff);
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
int syngate_rewrite_skb(struct sk_buff *skb, unsigned int thoff,
			const struct syngate_rewrite *rw)
{
	struct tcphdr *th;
	unsigned int end;
	__wsum diff;
	int err;

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

	err = syngate_rewrite_hdr(th, rw, &diff);
	if (err)
		return err;
	/*
	 * inet_proto_csum_replace_by_diff() for fields outside the
	 * pseudo-header: a checksum the output path has yet to complete
	 * (CHECKSUM_PARTIAL) covers only the pseudo-header so far.
	 */
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		csum_replace_by_diff(&th->check, diff);
	return 0;
}
