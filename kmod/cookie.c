// SPDX-License-Identifier: GPL-2.0
/*
 * SYNGATE's SYN cookie: make and check. The layout and its reasons are in
 * cookie.h. Built three times from this one source: into the module, into
 * the XDP program (xt_userspace/syngate_xdp.bpf.c) and into host tests.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <net/tcp.h>
#endif

#include "cookie.h"

#define SYNGATE_COOKIE_SLOT_MASK	0x3
#define SYNGATE_COOKIE_MSS_SHIFT	2
#define SYNGATE_COOKIE_MSS_MASK		0x7
#define SYNGATE_COOKIE_MAC_MASK		0xffffffe0
/* The layout without timestamps (cookie.h) */
#define SYNGATE_COOKIE_SACK		0x20
#define SYNGATE_COOKIE_WS_SHIFT		6
#define SYNGATE_COOKIE_WS_MASK		0xf
#define SYNGATE_COOKIE_NOTS_MAC_MASK	0xfffffc00

/*
 * MSS values a cookie can carry, ascending. Each is the segment size of a
 * path MTU met in practice, so the MSS given to the server is rarely much
 * below what the client announced:
 *  IPv4: 536 (RFC 1122 floor), 1300 (conservative mobile stacks), 1380
 *        (WireGuard, MTU 1420), 1400 (IPsec/VPN), 1440 (GRE, 6in4 paths),
 *        1452 (PPPoE), 1460 (Ethernet), 8960 (9000-byte jumbo frames).
 *  IPv6: 1220 (IPv6 minimum MTU 1280), 1280, 1360 (WireGuard), 1400,
 *        1420, 1432 (PPPoE), 1440 (Ethernet), 8940 (jumbo frames).
 * A client announcing less than the first entry gets the first entry: a
 * tiny MSS is a known way to make a server burn CPU (CVE-2019-11478).
 */
static const u16 syngate_msstab4[SYNGATE_MSS_ENTRIES] = {
	536, 1300, 1380, 1400, 1440, 1452, 1460, 8960,
};

static const u16 syngate_msstab6[SYNGATE_MSS_ENTRIES] = {
	1220, 1280, 1360, 1400, 1420, 1432, 1440, 8940,
};

/**
 * syngate_ws_value - the window scale a cookie's WS field stands for
 * @idx: the field: SYNGATE_WS_NONE, or the scale plus one
 *
 * Every scale a client may use (0 to 14) has its own value, so the server
 * is told the client's scale exactly: rounding it down would make the
 * server read every client window as a half or less of what it is.
 *
 * Return: the scale, or -1 for SYNGATE_WS_NONE.
 */
int syngate_ws_value(unsigned int idx)
{
	idx &= SYNGATE_COOKIE_WS_MASK;
	if (idx == SYNGATE_WS_NONE)
		return -1;
	/* 15 is never made; it can only come with a MAC that fails */
	return min_t(int, idx - 1, TCP_MAX_WSCALE);
}

/**
 * syngate_ws_index - the cookie's WS field for a client's window scale
 * @wscale: the scale the client offered (0 to 14), -1 when it offered none
 *
 * Return: @wscale plus one, or SYNGATE_WS_NONE for -1.
 */
unsigned int syngate_ws_index(int wscale)
{
	if (wscale < 0)
		return SYNGATE_WS_NONE;
	return min_t(int, wscale, TCP_MAX_WSCALE) + 1;
}

static const u16 *syngate_msstab(u8 family)
{
	return family == NFPROTO_IPV6 ? syngate_msstab6 : syngate_msstab4;
}

/* What a peer assumes of an end whose SYN has no MSS option. */
u16 syngate_mss_default(u8 family)
{
	return family == NFPROTO_IPV6 ? IPV6_MIN_MTU - 60 : TCP_MSS_DEFAULT;
}

u16 syngate_mss_value(u8 family, unsigned int idx)
{
	return syngate_msstab(family)[idx & SYNGATE_COOKIE_MSS_MASK];
}

/**
 * syngate_mss_index - cookie index for the MSS a client announced
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @client_mss: the client's MSS option, 0 when it sent none
 *
 * Return: index of the largest table entry not above @client_mss (0 when
 * every entry is above it, or when the client sent no MSS: the RFC default
 * then applies, which is the first entry of each table).
 */
unsigned int syngate_mss_index(u8 family, u16 client_mss)
{
	const u16 *tab = syngate_msstab(family);
	unsigned int i;

	for (i = SYNGATE_MSS_ENTRIES - 1; i > 0; i--)
		if (tab[i] <= client_mss)
			return i;
	return 0;
}

static u32 syngate_mac4(const siphash_key_t *key,
			const struct syngate_flow *f,
			const struct syngate_cookie_data *d, u64 meta)
{
	u64 addrs = (u64)(__force u32)f->saddr.ip << 32 |
		    (__force u32)f->daddr.ip;
	u64 ports = (u64)(__force u16)f->sport << 48 |
		    (u64)(__force u16)f->dport << 32 | d->client_isn;

	return siphash_4u64(addrs, ports, meta, d->tsval, key) >> 32;
}

/*
 * IPv6 message: one fixed layout, so no padding byte is ever left unset.
 * Its u64 member aligns it as siphash() reads fastest (SIPHASH_ALIGNMENT
 * is a u64's alignment).
 */
struct syngate_mac6_msg {
	struct in6_addr	saddr;
	struct in6_addr	daddr;
	__be16		sport;
	__be16		dport;
	u32		client_isn;
	u64		meta;
	u32		tsval;
	u32		zero;
};

static u32 syngate_mac6(const siphash_key_t *key,
			const struct syngate_flow *f,
			const struct syngate_cookie_data *d, u64 meta)
{
	struct syngate_mac6_msg m = {
		.saddr		= f->saddr.in6,
		.daddr		= f->daddr.in6,
		.sport		= f->sport,
		.dport		= f->dport,
		.client_isn	= d->client_isn,
		.meta		= meta,
		.tsval		= d->tsval,
	};

	return siphash(&m, sizeof(m), key) >> 32;
}

/* The MAC's share of the 32 bits, by layout. */
static u32 syngate_mac_mask(const struct syngate_cookie_data *data)
{
	return data->has_ts ? SYNGATE_COOKIE_MAC_MASK :
			      SYNGATE_COOKIE_NOTS_MAC_MASK;
}

/* The fields' bits, by layout; the slot is added by the caller. */
static u32 syngate_fields_pack(const struct syngate_cookie_data *data,
			       const struct syngate_cookie_fields *fields)
{
	u32 bits = (fields->mss_idx & SYNGATE_COOKIE_MSS_MASK) <<
		   SYNGATE_COOKIE_MSS_SHIFT;

	if (!data->has_ts) {
		bits |= (fields->ws_idx & SYNGATE_COOKIE_WS_MASK) <<
			SYNGATE_COOKIE_WS_SHIFT;
		if (fields->sack)
			bits |= SYNGATE_COOKIE_SACK;
	}
	return bits;
}

/*
 * The MAC covers the slot, the layout and the fields: the fields' bits as
 * the cookie carries them, one place down, beside the layout bit. With
 * timestamps the WS and SACK fields do not exist, so such a cookie's MAC
 * is the one it always was.
 */
static u32 syngate_mac(const siphash_key_t *key,
		       const struct syngate_flow *flow,
		       const struct syngate_cookie_data *data,
		       u32 slot, const struct syngate_cookie_fields *fields)
{
	u64 meta = (u64)slot << 32 | syngate_fields_pack(data, fields) >> 1 |
		   data->has_ts;

	if (flow->family == NFPROTO_IPV6)
		return syngate_mac6(key, flow, data, meta);
	return syngate_mac4(key, flow, data, meta);
}

/**
 * syngate_cookie_make - the sequence number for our SYN-ACK
 * @key: the network namespace's secret
 * @flow: the client's SYN, client -> server
 * @data: client ISN and, with timestamps, the TSval we are sending
 * @slot: syngate_slot() of now
 * @fields: syngate_mss_index() of the client's MSS; without timestamps
 *	also syngate_ws_index() of its window scale and its SACK-permitted
 */
u32 syngate_cookie_make(const siphash_key_t *key,
			const struct syngate_flow *flow,
			const struct syngate_cookie_data *data,
			u32 slot, const struct syngate_cookie_fields *fields)
{
	u32 mac = syngate_mac(key, flow, data, slot, fields);

	return (mac & syngate_mac_mask(data)) |
	       syngate_fields_pack(data, fields) |
	       (slot & SYNGATE_COOKIE_SLOT_MASK);
}

/*
 * Checking is the target's job alone: the XDP program only makes cookies,
 * and BPF functions take at most five arguments.
 */
#ifndef __bpf__

static void syngate_fields_unpack(const struct syngate_cookie_data *data,
				  u32 cookie,
				  struct syngate_cookie_fields *fields)
{
	fields->mss_idx = (cookie >> SYNGATE_COOKIE_MSS_SHIFT) &
			  SYNGATE_COOKIE_MSS_MASK;
	fields->ws_idx = SYNGATE_WS_NONE;
	fields->sack = false;
	if (!data->has_ts) {
		fields->ws_idx = (cookie >> SYNGATE_COOKIE_WS_SHIFT) &
				 SYNGATE_COOKIE_WS_MASK;
		fields->sack = cookie & SYNGATE_COOKIE_SACK;
	}
}

/**
 * syngate_cookie_check - validate the cookie a client's ACK returns
 * @key: the network namespace's secret
 * @flow: the client's ACK, client -> server
 * @data: client ISN (ACK seq - 1) and the TSecr it echoes, if any
 * @now_slot: syngate_slot() of now
 * @cookie: ACK ack_seq - 1
 * @fields: on success, what the cookie carries
 *
 * Return: 0 for a genuine cookie, -ETIMEDOUT for one too old (or from the
 * future) to be checked, -EINVAL for a forgery.
 */
int syngate_cookie_check(const siphash_key_t *key,
			 const struct syngate_flow *flow,
			 const struct syngate_cookie_data *data,
			 u32 now_slot, u32 cookie,
			 struct syngate_cookie_fields *fields)
{
	u32 age = (now_slot - cookie) & SYNGATE_COOKIE_SLOT_MASK;
	u32 mac;

	if (age > SYNGATE_COOKIE_MAX_AGE)
		return -ETIMEDOUT;
	syngate_fields_unpack(data, cookie, fields);
	/* the slot it was made in, across the clock's wrap */
	mac = syngate_mac(key, flow, data, (now_slot - age) & SYNGATE_SLOT_MASK,
			  fields);
	if ((mac ^ cookie) & syngate_mac_mask(data))
		return -EINVAL;
	return 0;
}

/**
 * syngate_cookie_check_keys - syngate_cookie_check() with two keys
 * @cur: the current key, which makes cookies
 * @prev: the previous key, which still checks them after a rotation, or
 *	NULL when there is none
 * @flow: as syngate_cookie_check()
 * @data: as syngate_cookie_check()
 * @now_slot: as syngate_cookie_check()
 * @cookie: as syngate_cookie_check()
 * @fields: as syngate_cookie_check()
 *
 * Return: 0 for a cookie made with @cur, 1 for one made with @prev, else
 * syngate_cookie_check()'s error (the age does not depend on the key).
 */
int syngate_cookie_check_keys(const siphash_key_t *cur,
			      const siphash_key_t *prev,
			      const struct syngate_flow *flow,
			      const struct syngate_cookie_data *data,
			      u32 now_slot, u32 cookie,
			      struct syngate_cookie_fields *fields)
{
	int err;

	err = syngate_cookie_check(cur, flow, data, now_slot, cookie, fields);
	if (err != -EINVAL || !prev)
		return err;
	err = syngate_cookie_check(prev, flow, data, now_slot, cookie, fields);
	return err ? err : 1;
}
#endif /* !__bpf__ */
