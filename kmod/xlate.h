/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arithmetic of translating a proxied connection between the client's
 * view (sequence numbers from our cookie, timestamps from our clock, the
 * window scale our SYN-ACK announced) and the server's. Pure: KUnit tests
 * it directly, including across the 2^32 wrap, which u32 arithmetic
 * handles by construction.
 */
#ifndef _SYNGATE_XLATE_H
#define _SYNGATE_XLATE_H

#include <linux/minmax.h>
#include <linux/types.h>

#include "tcpopt.h"

/* tsoff: server clock minus the client's view of it. */
static inline u32 syngate_tsoff(u32 server_tsval, u32 our_tsval)
{
	return server_tsval - our_tsval;
}

/* Server -> client: the server's TSval in the client's view. */
static inline u32 syngate_ts_to_client(u32 tsval, u32 tsoff)
{
	return tsval - tsoff;
}

/* Client -> server: the client's echo back on the server's clock. */
static inline u32 syngate_ts_to_server(u32 tsecr, u32 tsoff)
{
	return tsecr + tsoff;
}

/* seqadj offset of the reply direction: server ISN onto our cookie. */
static inline s32 syngate_seq_offset(u32 cookie, u32 server_isn)
{
	return (s32)(cookie - server_isn);
}

/*
 * Offset that puts a server RST answering our SYN (seq @rst_seq, 0 from
 * Linux) at the sequence number the client expects: cookie + 1.
 */
static inline s32 syngate_rst_offset(u32 cookie, u32 rst_seq)
{
	return (s32)(cookie + 1 - rst_seq);
}

/*
 * RFC 1122 4.2.2.13: a connection in TIME-WAIT may be reopened by a new
 * incarnation whose initial sequence number is above every sequence
 * number of the old one. @old_end is one past the old connection's last
 * (conntrack's td_end), @isn the new one's initial sequence number.
 */
static inline bool syngate_isn_reopens(u32 old_end, u32 isn)
{
	return (s32)(isn - old_end) >= 0;
}

/*
 * A server window, scaled by the server's @srv_ws, re-expressed for a
 * client that scales by @cli_ws. Rounds down: never promise the client
 * more room than the server has.
 */
static inline u16 syngate_win_to_client(u16 win, u8 srv_ws, u8 cli_ws)
{
	return min_t(u32, U16_MAX, ((u32)win << srv_ws) >> cli_ws);
}

/*
 * A client window, scaled by the client's @cli_ws, for a server that
 * refused window scaling and so reads it unscaled. Capped at the largest
 * unscaled window: never more room than the client has.
 */
static inline u16 syngate_win_to_server(u16 win, u8 cli_ws)
{
	return min_t(u32, U16_MAX, (u32)win << cli_ws);
}

/*
 * The synproxy extension's "its" field, as SYNGATE uses it. ctnetlink
 * exports it (CTA_SYNPROXY_ITS) as if it were the client's initial TSval;
 * here it never is. Its states:
 *
 *  - From our SYN to the server until the server's SYN-ACK is consumed
 *    (hook.c: syngate_record_syn()): with timestamps, the TSval our
 *    SYN-ACK sent the client (tcpopt.h: bit 31 clear, the clock bits 30..10
 *    never all zero), needed to compute tsoff; without timestamps, the
 *    same low bits with no clock (syngate_its_nots()). Either way bits
 *    9..6 hold the window scale our SYN-ACK announced and bits 3..0 the
 *    client's own (0xf: none), and it is never 0.
 *  - Once the server's SYN-ACK has been consumed: how windows are
 *    re-expressed, 0 when they need not be. Server windows, when the
 *    client was told another scale than the server's (the rule's
 *    --wscale, or the client's own without timestamps): bit 31, the
 *    server's scale in bits 11..8 and the client's view in bits 3..0.
 *    Client windows, when the client scales them (our SYN-ACK offered
 *    scaling) but the server refused scaling and reads them unscaled:
 *    bit 31 and the client's scale in bits 19..16.
 */
#define SYNGATE_ITS_WIN_XLATE	0x80000000u
#define SYNGATE_ITS_CLOCK	0x7ffffc00u

/* Without timestamps the client was told its own scale: both fields. */
static inline u32 syngate_its_nots(int wscale)
{
	u32 ws = wscale < 0 ? SYNGATE_TS_WSCALE_NONE : wscale;

	return ws | ws << SYNGATE_TS_OURWS_SHIFT;
}

/* Before the server answers: the client's own window scale, or -1. */
static inline int syngate_its_client_wscale(u32 its)
{
	u32 ws = its & SYNGATE_TS_WSCALE_MASK;

	return ws == SYNGATE_TS_WSCALE_NONE ? -1 : ws;
}

/* The server's SYN-ACK has been consumed: a repeat of it changes nothing. */
static inline bool syngate_its_done(u32 its)
{
	return !its || (its & SYNGATE_ITS_WIN_XLATE);
}

/* Before the server answers: is "its" our TSval (timestamps on)? */
static inline bool syngate_its_is_tsval(u32 its)
{
	return !syngate_its_done(its) && (its & SYNGATE_ITS_CLOCK);
}

static inline u32 syngate_its_pack(u8 srv_ws, u8 cli_ws, u8 to_srv_ws)
{
	if (srv_ws == cli_ws && !to_srv_ws)
		return 0;
	return SYNGATE_ITS_WIN_XLATE | (u32)to_srv_ws << 16 |
	       (u32)srv_ws << 8 | cli_ws;
}

/* Server -> client: true, and the two scales, when windows need it. */
static inline bool syngate_its_unpack(u32 its, u8 *srv_ws, u8 *cli_ws)
{
	if (!(its & SYNGATE_ITS_WIN_XLATE))
		return false;
	*srv_ws = (its >> 8) & 0xf;
	*cli_ws = its & 0xf;
	return *srv_ws != *cli_ws;
}

/* Client -> server: the client's scale when windows need it, else 0. */
static inline u8 syngate_its_to_server(u32 its)
{
	if (!(its & SYNGATE_ITS_WIN_XLATE))
		return 0;
	return (its >> 16) & 0xf;
}

#endif /* _SYNGATE_XLATE_H */
