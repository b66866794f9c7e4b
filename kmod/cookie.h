/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SYNGATE's SYN cookie. Pure logic: no skb, so that KUnit drives it.
 *
 * The cookie is the sequence number of our SYN-ACK. It lets the third ACK
 * prove that the client received that SYN-ACK without any state kept per
 * SYN. It has two layouts; the client's ACK says which one applies, since
 * it carries a timestamp option exactly when our SYN-ACK did.
 *
 * With timestamps (the client's options ride in our TSval, tcpopt.h):
 *
 *   31                            5 4      2 1    0
 *  +-------------------------------+--------+------+
 *  |          MAC (27 bits)        | MSS ix | slot |
 *  +-------------------------------+--------+------+
 *
 * Without timestamps (Windows' default, many embedded stacks), the
 * cookie itself carries the client's window scale and SACK-permitted:
 *
 *   31                    10 9      6   5   4      2 1    0
 *  +-----------------------+--------+----+--------+------+
 *  |     MAC (22 bits)     |   WS   |SACK| MSS ix | slot |
 *  +-----------------------+--------+----+--------+------+
 *
 * slot:   low 2 bits of the time slot (16.384 s each: our millisecond clock
 *         >> 14) in which the cookie was made. The validator rebuilds the
 *         full slot from its own clock and accepts ages 0, 1 and 2 slots,
 *         so a cookie lives at least 32.8 s and at most 49.2 s: longer
 *         than any handshake, with the client's ACK retransmissions and
 *         zero-window probes, takes. Short because a valid cookie ACK
 *         opens a server connection whenever it arrives: once the entry
 *         it opened is gone (conntrack's CLOSE lasts 10 s, a flush, an
 *         early drop), a replayed copy that carries data would deliver
 *         that data to the server again (an application-level replay,
 *         e.g. a POST); Linux's own syncookies accept one for 2 to 3
 *         minutes.
 * MSS ix: index into a per-family table of 8 MSS values (cookie.c), the
 *         largest not above what the client announced. 3 bits where Linux
 *         uses 2: jumbo frames and the common tunnel MTUs get their own
 *         entry instead of falling back to a much smaller segment size.
 * SACK:   the client offered SACK and the rule allows it.
 * WS:     the client's window scale plus one (0 to 14: 1 to 15), or 0 for
 *         "no window scaling" (the client offered none, or the rule has no
 *         --wscale). Exact, not a table rounded down: a server told a
 *         smaller scale reads every client window as a half or less of
 *         what it is, and clients with small buffers use scales 1 to 4
 *         (seen in the e2e long-path scenario: 0.8 of the direct
 *         throughput for a client at scale 3 told 2). Our SYN-ACK
 *         announces the same scale to the client: there is no room for a
 *         second one, and the hook re-expresses every server window into
 *         it (xlate.h).
 * MAC:    top bits of SipHash-2-4, keyed with a per-network-namespace
 *         secret, over both addresses, both ports, the client's ISN, the
 *         full slot, the layout, the MSS index, the WS index, the SACK bit
 *         and the TSval we sent (when timestamps are on). The TSval being
 *         covered means the options hidden in its low bits cannot be
 *         altered either; the WS and SACK fields are covered the same way.
 *
 * Forgery odds per attempt. A blind guess needs a valid slot value (3 in
 * 4) and the MAC; an attacker who somehow knows the slot needs the MAC
 * alone. Every MSS, WS and SACK value is valid with its MAC, so they add
 * nothing. With timestamps: 1 in 2^27 * 4/3 (179 million) blind, 1 in
 * 2^27 (134 million) knowing the slot: unchanged. Without timestamps:
 * 1 in 2^22 * 4/3 (5.6 million) blind, 1 in 2^22 (4.2 million) knowing
 * the slot, where it used to be the same as with timestamps. The trade:
 * five MAC bits buy a client without timestamps its exact window scale
 * and SACK, i.e. most of its throughput on any long path (without scaling
 * at most 64 KiB is in flight: 5 Mbit/s on a 100 ms path). The odds are
 * those of Linux's own syncookies once their time counter is right (4
 * accepted values in 2^24: 1 in 4.2 million), and a forgery that wins
 * costs the server one connection: at a million forged ACKs a second,
 * one every 4 to 6 seconds. A data-less ACK is checked against two client
 * ISNs (proxy.c: syngate_check_client_ack()), which doubles each figure
 * for such an ACK; so does a previous key (keys.h), while there is one.
 */
#ifndef _SYNGATE_COOKIE_H
#define _SYNGATE_COOKIE_H

#ifdef __KERNEL__
#include <linux/limits.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <uapi/linux/netfilter.h>
#else
#include "syngate_nokernel.h"	/* the XDP program, host tests */
#endif

#define SYNGATE_MSS_ENTRIES	8
#define SYNGATE_SLOT_SHIFT	14	/* slot = ms >> 14: 16.384 s */
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

#define SYNGATE_WS_ENTRIES	16	/* 0: no window scaling; 15 unused */
#define SYNGATE_WS_NONE		0

/* What else the cookie authenticates besides the flow. */
struct syngate_cookie_data {
	u32	client_isn;
	u32	tsval;		/* the TSval we sent; 0 without timestamps */
	bool	has_ts;
};

/*
 * What the cookie carries in clear beside its MAC. @ws_idx and @sack exist
 * only in the layout without timestamps: they must be 0 and false with
 * timestamps, where the TSval carries them.
 */
struct syngate_cookie_fields {
	u8	mss_idx;
	u8	ws_idx;
	bool	sack;
};

u16 syngate_mss_default(u8 family);
u16 syngate_mss_value(u8 family, unsigned int idx);
unsigned int syngate_mss_index(u8 family, u16 client_mss);
int syngate_ws_value(unsigned int idx);
unsigned int syngate_ws_index(int wscale);

static inline u32 syngate_slot(u32 now_ms)
{
	return now_ms >> SYNGATE_SLOT_SHIFT;
}

u32 syngate_cookie_make(const siphash_key_t *key,
			const struct syngate_flow *flow,
			const struct syngate_cookie_data *data,
			u32 slot, const struct syngate_cookie_fields *fields);
int syngate_cookie_check(const siphash_key_t *key,
			 const struct syngate_flow *flow,
			 const struct syngate_cookie_data *data,
			 u32 now_slot, u32 cookie,
			 struct syngate_cookie_fields *fields);
int syngate_cookie_check_keys(const siphash_key_t *cur,
			      const siphash_key_t *prev,
			      const struct syngate_flow *flow,
			      const struct syngate_cookie_data *data,
			      u32 now_slot, u32 cookie,
			      struct syngate_cookie_fields *fields);

#endif /* _SYNGATE_COOKIE_H */
