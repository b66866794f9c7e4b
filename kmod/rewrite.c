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
#include <net/tcp.h>

#include "rewrite.h"

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

/**
 * syngate_rewrite_walk - finish a segment whose options are not the usual
 * @skb: the segment
 * @th: its TCP header, writable
 * @ack: the offset of its acknowledgment number and SACK edges
 * @tsoff: timestamp offset; 0 leaves timestamps alone
 * @reply: server -> client
 * @diff: the checksum change of the fields rewritten so far
 *
 * Return: 0 once rewritten, or -EBADMSG for an option list seqadj would
 * refuse (see syngate_rewrite_hdr()).
 */
int syngate_rewrite_walk(const struct sk_buff *skb, struct tcphdr *th,
			 s32 ack, u32 tsoff, bool reply, __wsum diff)
{
	const struct syngate_rewrite rw = {
		.ack	= ack,
		.tsoff	= tsoff,
		.reply	= reply,
	};
	int err;

	err = syngate_rw_opts((u8 *)(th + 1), th->doff * 4 - sizeof(*th), &rw,
			      &diff);
	if (err)
		return err;
	syngate_rw_csum(skb, th, diff);
	return 0;
}
