/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SYNGATE's SYN cookie. Pure logic: no skb, so that KUnit drives it.
 *
 * The cookie is the sequence number of our SYN-ACK. It lets the third ACK
 * prove that the client received that SYN-ACK without any state kept per
 * SYN. Layout of the 32 bits:
 *
 *   31                            5 4      2 1    0
 *  +-------------------------------+--------+------+
 *  |          MAC (27 bits)        | MSS ix | slot |
 *  +-------------------------------+--------+------+
 *
 * slot:   low 2 bits of the time slot (65.536 s each: our millisecond clock
 *         >> 16) in which the cookie was made. The validator rebuilds the
 *         full slot from its own clock and accepts ages 0, 1 and 2 slots,
 *         so a cookie lives at least 131 s and at most 196 s: longer than
 *         any handshake, with the client's ACK retransmissions, takes;
 *         short enough that a captured cookie is soon worthless.
 * MSS ix: index into a per-family table of 8 MSS values (cookie.c), the
 *         largest not above what the client announced. 3 bits where Linux
 *         uses 2: jumbo frames and the common tunnel MTUs get their own
 *         entry instead of falling back to a much smaller segment size.
 * MAC:    top 27 bits of SipHash-2-4, keyed with a per-network-namespace
 *         secret, over both addresses, both ports, the client's ISN, the
 *         full slot, the MSS index and the TSval we sent (when timestamps
 *         are on). A forged ACK needs a valid slot (3 in 4) and the MAC
 *         (1 in 2^27): about 1 in 179 million per attempt. The TSval being
 *         covered means the options hidden in its low bits cannot be
 *         altered either.
 */
#ifndef _SYNGATE_COOKIE_H
#define _SYNGATE_COOKIE_H

#include <linux/limits.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <uapi/linux/netfilter.h>

#define SYNGATE_MSS_ENTRIES	8
#define SYNGATE_SLOT_SHIFT	16	/* slot = ms >> 16: 65.536 s */
/* The ms clock is a u32, so slots run 0..0xffff and wrap to 0. */
#define SYNGATE_SLOT_MASK	(U32_MAX >> SYNGATE_SLOT_SHIFT)
#define SYNGATE_COOKIE_MAX_AGE	2	/* slots */

/* The flow as the client sends it: client -> server. */
struct syngate_flow {
	union nf_inet_addr	saddr;
	union nf_inet_addr	daddr;
	__be16			sport;
	__be16			dport;
	u8			family;	/* NFPROTO_IPV4 or NFPROTO_IPV6 */
};

/* What else the cookie authenticates besides the flow. */
struct syngate_cookie_data {
	u32	client_isn;
	u32	tsval;		/* the TSval we sent; 0 without timestamps */
	bool	has_ts;
};

u16 syngate_mss_value(u8 family, unsigned int idx);
unsigned int syngate_mss_index(u8 family, u16 client_mss);

static inline u32 syngate_slot(u32 now_ms)
{
	return now_ms >> SYNGATE_SLOT_SHIFT;
}

u32 syngate_cookie_make(const siphash_key_t *key,
			const struct syngate_flow *flow,
			const struct syngate_cookie_data *data,
			u32 slot, unsigned int mss_idx);
int syngate_cookie_check(const siphash_key_t *key,
			 const struct syngate_flow *flow,
			 const struct syngate_cookie_data *data,
			 u32 now_slot, u32 cookie);

#endif /* _SYNGATE_COOKIE_H */
