// SPDX-License-Identifier: GPL-2.0
/*
 * TCP option parsing and building for SYNGATE handshake segments.
 *
 * The parser is strict on purpose: it only ever sees segments that
 * conntrack could not place (a SYN or the third ACK of a proxied
 * handshake). A malformed option list there is an attack or a broken
 * stack, and the segment is dropped and counted rather than guessed at.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#endif

#include "tcpopt.h"

static int syngate_opt_set(struct syngate_opts *opts, u8 bit)
{
	/* A repeated option is ambiguous: which one would the server see? */
	if (opts->options & bit)
		return -EINVAL;
	opts->options |= bit;
	return 0;
}

static int syngate_opt_one(u8 kind, const u8 *val, unsigned int vlen,
			   struct syngate_opts *opts)
{
	switch (kind) {
	case TCPOPT_MSS:
		if (vlen != TCPOLEN_MSS - 2)
			return -EINVAL;
		opts->mss = syngate_get_be16(val);
		return syngate_opt_set(opts, XT_SYNGATE_OPT_MSS);
	case TCPOPT_WINDOW:
		if (vlen != TCPOLEN_WINDOW - 2)
			return -EINVAL;
		/* RFC 7323 2.3: use 14 when a larger shift is offered. */
		opts->wscale = min_t(u8, *val, TCP_MAX_WSCALE);
		return syngate_opt_set(opts, XT_SYNGATE_OPT_WSCALE);
	case TCPOPT_SACK_PERM:
		if (vlen != TCPOLEN_SACK_PERM - 2)
			return -EINVAL;
		return syngate_opt_set(opts, XT_SYNGATE_OPT_SACK_PERM);
	case TCPOPT_TIMESTAMP:
		if (vlen != TCPOLEN_TIMESTAMP - 2)
			return -EINVAL;
		opts->tsval = syngate_get_be32(val);
		opts->tsecr = syngate_get_be32(val + 4);
		return syngate_opt_set(opts, XT_SYNGATE_OPT_TIMESTAMP);
	default:
		/* SACK blocks, MD5, TFO, MPTCP...: length-checked, ignored. */
		return 0;
	}
}

/**
 * syngate_opts_next - parse the option at @p[@i]
 * @p: first option byte
 * @len: bytes of options, at most SYNGATE_TCPOPT_MAX
 * @i: where the option starts
 * @opts: what the option says is added
 *
 * One step of syngate_opts_parse(), on its own so that the XDP program,
 * which must drive its loops with bpf_loop(), runs the same parser.
 *
 * Return: where the next option starts, @len at the end of the list, or
 * -EINVAL when the option overruns the list, has a length below 2, has
 * the wrong length for its kind, or is repeated.
 */
int syngate_opts_next(const u8 *p, unsigned int len, unsigned int i,
		      struct syngate_opts *opts)
{
	u8 kind, olen;
	int err;

	/* Never true after the caller's checks; bounds the BPF verifier. */
	if (i >= SYNGATE_TCPOPT_MAX)
		return -EINVAL;
	kind = p[i];
	if (kind == TCPOPT_EOL)
		return len;
	if (kind == TCPOPT_NOP)
		return i + 1;
	if (len - i < 2)
		return -EINVAL;
	olen = p[i + 1];
	if (olen < 2 || olen > len - i)
		return -EINVAL;
	err = syngate_opt_one(kind, p + i + 2, olen - 2, opts);
	return err ? err : i + olen;
}

/**
 * syngate_opts_parse - parse a TCP option list
 * @p: first option byte
 * @len: bytes of options (doff * 4 - 20), at most SYNGATE_TCPOPT_MAX
 * @opts: filled with what was found; cleared first
 *
 * Return: 0, or -EINVAL as syngate_opts_next(), or for @len too long.
 */
int syngate_opts_parse(const u8 *p, unsigned int len,
		       struct syngate_opts *opts)
{
	int i = 0;

	memset(opts, 0, sizeof(*opts));
	if (len > SYNGATE_TCPOPT_MAX)
		return -EINVAL;
	while (i < len) {
		i = syngate_opts_next(p, len, i, opts);
		if (i < 0)
			return i;
	}
	return 0;
}

/**
 * syngate_opts_len - bytes syngate_opts_build() writes for @opts
 * @opts: options to build
 *
 * Return: a multiple of 4, at most SYNGATE_TCPOPT_BUILD_MAX.
 */
unsigned int syngate_opts_len(const struct syngate_opts *opts)
{
	unsigned int len = 0;

	if (opts->options & XT_SYNGATE_OPT_MSS)
		len += TCPOLEN_MSS_ALIGNED;
	if (opts->options & XT_SYNGATE_OPT_TIMESTAMP)
		len += TCPOLEN_TSTAMP_ALIGNED;
	else if (opts->options & XT_SYNGATE_OPT_SACK_PERM)
		len += TCPOLEN_SACKPERM_ALIGNED;
	if (opts->options & XT_SYNGATE_OPT_WSCALE)
		len += TCPOLEN_WSCALE_ALIGNED;
	return len;
}

static u8 *syngate_put4(u8 *p, u8 a, u8 b, u8 c, u8 d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p + 4;
}

/**
 * syngate_opts_build - write @opts as a TCP option list
 * @p: destination, syngate_opts_len(@opts) bytes
 * @opts: options; ECN is not an option and is ignored here
 *
 * The layout is the one Linux itself uses (MSS, SACK-perm folded into the
 * timestamp's padding, NOP+WS), so each option is 4-byte aligned and the
 * block is no longer than it must be.
 */
void syngate_opts_build(u8 *p, const struct syngate_opts *opts)
{
	u8 o = opts->options;

	if (o & XT_SYNGATE_OPT_MSS)
		p = syngate_put4(p, TCPOPT_MSS, TCPOLEN_MSS,
				 opts->mss >> 8, opts->mss & 0xff);
	if (o & XT_SYNGATE_OPT_TIMESTAMP) {
		if (o & XT_SYNGATE_OPT_SACK_PERM)
			p = syngate_put4(p, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM,
					 TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP);
		else
			p = syngate_put4(p, TCPOPT_NOP, TCPOPT_NOP,
					 TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP);
		syngate_put_be32(opts->tsval, p);
		syngate_put_be32(opts->tsecr, p + 4);
		p += 8;
	} else if (o & XT_SYNGATE_OPT_SACK_PERM) {
		p = syngate_put4(p, TCPOPT_NOP, TCPOPT_NOP,
				 TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM);
	}
	if (o & XT_SYNGATE_OPT_WSCALE)
		syngate_put4(p, TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW,
			     opts->wscale);
}

/**
 * syngate_opts_find_ts - locate the timestamp option in an option list
 * @p: first option byte
 * @len: bytes of options
 *
 * Tolerant where the parser is strict: this runs on established traffic
 * that conntrack already accepted, and an odd list is left untouched.
 *
 * Return: offset of the timestamp option's TSval within @p, or -1.
 */
int syngate_opts_find_ts(const u8 *p, unsigned int len)
{
	unsigned int i = 0;

	/* The layout Linux and most stacks send: NOP, NOP, timestamp. */
	if (len >= TCPOLEN_TSTAMP_ALIGNED &&
	    syngate_get_be32(p) == SYNGATE_TS_ALIGNED)
		return 4;
	while (i < len) {
		u8 kind = p[i];

		if (kind == TCPOPT_EOL)
			return -1;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || p[i + 1] < 2 || p[i + 1] > len - i)
			return -1;
		if (kind == TCPOPT_TIMESTAMP && p[i + 1] == TCPOLEN_TIMESTAMP)
			return i + 2;
		i += p[i + 1];
	}
	return -1;
}

/**
 * syngate_tscookie_encode - the TSval to send in our SYN-ACK
 * @now_ms: our millisecond clock
 * @client: options the client offered, already limited by the rule
 * @our_wscale: the window scale our SYN-ACK announces, when @client has
 *	XT_SYNGATE_OPT_WSCALE
 *
 * Return: TSval with the client's window scale, SACK-permitted and ECN,
 * and our own announced scale, in its low bits (layout in tcpopt.h).
 */
u32 syngate_tscookie_encode(u32 now_ms, const struct syngate_opts *client,
			    u8 our_wscale)
{
	u32 tsval = now_ms & ~SYNGATE_TS_BITS;

	/* Never 0: a zero "its" in the hook means "no timestamps". */
	if (!tsval)
		tsval = SYNGATE_TS_CLOCK_TICK;
	if (client->options & XT_SYNGATE_OPT_WSCALE) {
		tsval |= client->wscale & SYNGATE_TS_WSCALE_MASK;
		tsval |= (our_wscale & SYNGATE_TS_WSCALE_MASK) <<
			 SYNGATE_TS_OURWS_SHIFT;
	} else {
		tsval |= SYNGATE_TS_WSCALE_NONE;
		tsval |= SYNGATE_TS_WSCALE_NONE << SYNGATE_TS_OURWS_SHIFT;
	}
	if (client->options & XT_SYNGATE_OPT_SACK_PERM)
		tsval |= SYNGATE_TS_SACK;
	if (client->options & XT_SYNGATE_OPT_ECN)
		tsval |= SYNGATE_TS_ECN;
	return tsval;
}

/**
 * syngate_tscookie_our_wscale - the window scale our SYN-ACK announced
 * @tsval: a TSval made by syngate_tscookie_encode()
 *
 * Return: the scale, or -1 when window scaling was not negotiated.
 */
int syngate_tscookie_our_wscale(u32 tsval)
{
	u8 ws = (tsval >> SYNGATE_TS_OURWS_SHIFT) & SYNGATE_TS_WSCALE_MASK;

	return ws == SYNGATE_TS_WSCALE_NONE ? -1 : ws;
}

/**
 * syngate_tscookie_decode - recover the client's options from its TSecr
 * @tsecr: the TSecr of the client's ACK, i.e. the TSval we sent
 * @opts: WSCALE, SACK_PERM and ECN bits and @opts->wscale are set
 *
 * Return: 0, or -EINVAL for a window scale no SYN-ACK of ours carries.
 */
int syngate_tscookie_decode(u32 tsecr, struct syngate_opts *opts)
{
	u8 ws = tsecr & SYNGATE_TS_WSCALE_MASK;

	/* int: "none" is -1, and TCP_MAX_WSCALE is unsigned */
	if (syngate_tscookie_our_wscale(tsecr) > (int)TCP_MAX_WSCALE)
		return -EINVAL;
	opts->options &= ~(XT_SYNGATE_OPT_WSCALE | XT_SYNGATE_OPT_SACK_PERM |
			   XT_SYNGATE_OPT_ECN);
	if (ws != SYNGATE_TS_WSCALE_NONE) {
		if (ws > TCP_MAX_WSCALE)
			return -EINVAL;
		opts->wscale = ws;
		opts->options |= XT_SYNGATE_OPT_WSCALE;
	}
	if (tsecr & SYNGATE_TS_SACK)
		opts->options |= XT_SYNGATE_OPT_SACK_PERM;
	if (tsecr & SYNGATE_TS_ECN)
		opts->options |= XT_SYNGATE_OPT_ECN;
	return 0;
}
