/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP option parsing and building for the handshake segments SYNGATE
 * answers and sends, and the timestamp cookie. Pure logic: no skb, so
 * that KUnit can drive it with arbitrary byte strings.
 */
#ifndef _SYNGATE_TCPOPT_H
#define _SYNGATE_TCPOPT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "syngate_nokernel.h"	/* the XDP program, host tests */
#endif
#include "xt_SYNGATE.h"

/* A TCP header carries at most 40 bytes of options (doff 15). */
#define SYNGATE_TCPOPT_MAX	40

/* Largest option block we ever build: MSS, SACK-perm+TS, NOP+WS. */
#define SYNGATE_TCPOPT_BUILD_MAX	20

/* NOP, NOP, kind and length of a timestamp option, as one word. */
#define SYNGATE_TS_ALIGNED	(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 | \
				 TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP)

/*
 * The options of one segment. @options holds XT_SYNGATE_OPT_* bits, the
 * same bits as the rule, so that "what the client offered" and "what the
 * rule allows" combine with a plain AND.
 */
struct syngate_opts {
	u8	options;
	u8	wscale;
	u16	mss;
	u32	tsval;
	u32	tsecr;
};

/*
 * Big-endian accessors for option bytes, which have no alignment. Byte by
 * byte, so that the code reads the same on every kernel we build for (the
 * kernel's unaligned helpers moved header in 6.12).
 */
static inline u16 syngate_get_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static inline u32 syngate_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline void syngate_put_be32(u32 v, u8 *p)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int syngate_opts_next(const u8 *p, unsigned int len, unsigned int i,
		      struct syngate_opts *opts);
int syngate_opts_parse(const u8 *p, unsigned int len,
		       struct syngate_opts *opts);
unsigned int syngate_opts_len(const struct syngate_opts *opts);
void syngate_opts_build(u8 *p, const struct syngate_opts *opts);
int syngate_opts_find_ts(const u8 *p, unsigned int len);

/*
 * Timestamp cookie: the low bits of the TSval we send to the client carry
 * what the client offered and the server must be told about, because a
 * SYN cookie has no room for it, and the window scale we announced to the
 * client, which the hook needs once the server has answered:
 *
 *   bit  31      always 0: the hook reuses the field later (xlate.h)
 *   bits 30..10  our millisecond clock
 *   bits  9..6   window scale our SYN-ACK announced, 0xf when none
 *   bit   5      ECN requested
 *   bit   4      SACK permitted
 *   bits  3..0   client's window scale, 0xf when it sent none
 *
 * Bits 5..0 are laid out as the in-kernel SYNPROXY lays them out. Our
 * clock ticks in effect once a second in this one TSval: after the
 * handshake the client sees the server's clock, shifted to continue from
 * it. The cookie MAC (cookie.c) covers the whole TSval, so none of these
 * bits can be altered by the client without failing validation.
 */
#define SYNGATE_TS_WSCALE_MASK	0x0f
#define SYNGATE_TS_WSCALE_NONE	0x0f
#define SYNGATE_TS_SACK		0x10
#define SYNGATE_TS_ECN		0x20
#define SYNGATE_TS_OURWS_SHIFT	6
#define SYNGATE_TS_BITS		0x800003ffu
#define SYNGATE_TS_CLOCK_TICK	0x00000400u

u32 syngate_tscookie_encode(u32 now_ms, const struct syngate_opts *client,
			    u8 our_wscale);
int syngate_tscookie_decode(u32 tsecr, struct syngate_opts *opts);
int syngate_tscookie_our_wscale(u32 tsval);

#endif /* _SYNGATE_TCPOPT_H */
