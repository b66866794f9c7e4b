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

int syngate_rewrite_skb(struct sk_buff *skb, unsigned int thoff,
			const struct syngate_rewrite *rw);

#endif /* _SYNGATE_REWRITE_H */
