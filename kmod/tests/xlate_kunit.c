// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the sequence, timestamp and window arithmetic of a proxied
 * connection (kmod/xlate.h), across the 2^32 wrap.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <net/tcp.h>

#include "../xlate.h"
#include "../tcpopt.h"

/* Values next to every wrap and sign boundary of a u32. */
static const u32 edges[] = {
	0, 1, 2, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001,
	0xfffffffe, 0xffffffff, 0x12345678, 0xedcba987,
};

/*
 * tsoff = server_tsval - our_tsval (proxy.c: syngate_finish_server()):
 * the server's clock, shifted by it, continues from the TSval the client
 * saw in our SYN-ACK, and the client's echoes map back to the server's
 * own values, whatever the two clocks are and wherever they wrap.
 */
static void xlate_tsoff(struct kunit *test)
{
	unsigned int i, j, k;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		for (j = 0; j < ARRAY_SIZE(edges); j++) {
			u32 srv = edges[i], ours = edges[j];
			u32 off = syngate_tsoff(srv, ours);

			KUNIT_EXPECT_EQ(test, syngate_ts_to_client(srv, off), ours);
			KUNIT_EXPECT_EQ(test, syngate_ts_to_server(ours, off), srv);
			for (k = 0; k < ARRAY_SIZE(edges); k++) {
				u32 later = srv + edges[k];
				u32 cli = syngate_ts_to_client(later, off);

				/* elapsed time is preserved... */
				KUNIT_EXPECT_EQ(test, cli - ours, edges[k]);
				/* ...and the echo maps back exactly */
				KUNIT_EXPECT_EQ(test,
						syngate_ts_to_server(cli, off),
						later);
			}
		}
	}
}

/*
 * seqadj offset of the reply direction, cookie - server_isn: the server's
 * sequence numbers plus the offset are the ones the client expects (our
 * cookie space), across the wrap, for all of a 4 GiB connection.
 */
static void xlate_seq_offset(struct kunit *test)
{
	unsigned int i, j, k;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		for (j = 0; j < ARRAY_SIZE(edges); j++) {
			u32 cookie = edges[i], isn = edges[j];
			s32 off = syngate_seq_offset(cookie, isn);

			/* seqadj adds the offset as a signed 32-bit value */
			KUNIT_EXPECT_EQ(test, isn + (u32)off, cookie);
			KUNIT_EXPECT_EQ(test, (u32)(isn + 1 + off), cookie + 1);
			for (k = 0; k < ARRAY_SIZE(edges); k++) {
				u32 seq = isn + edges[k];

				KUNIT_EXPECT_EQ(test, seq + off, cookie + edges[k]);
				/* and the client's acks map back */
				KUNIT_EXPECT_EQ(test, cookie + edges[k] - off, seq);
			}
		}
	}
}

/*
 * A server RST answering our SYN (seq rst_seq, 0 from Linux, anything
 * from others) moved to cookie + 1, the sequence number the client's
 * stack accepts a reset at after our SYN-ACK.
 */
static void xlate_rst_offset(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		for (j = 0; j < ARRAY_SIZE(edges); j++) {
			u32 cookie = edges[i], rst = edges[j];
			s32 off = syngate_rst_offset(cookie, rst);

			KUNIT_EXPECT_EQ(test, rst + (u32)off, cookie + 1);
		}
	}
	KUNIT_EXPECT_EQ(test, syngate_rst_offset(0xffffffff, 0), 0);
	KUNIT_EXPECT_EQ(test, syngate_rst_offset(0, 0), 1);
	KUNIT_EXPECT_EQ(test, syngate_rst_offset(0x7fffffff, 0), S32_MIN);
}

/* Random pairs too, from a fixed seed. */
static void xlate_random(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, 0x0ff5e7ULL);
	for (i = 0; i < 100000; i++) {
		u32 a = prandom_u32_state(&rnd), b = prandom_u32_state(&rnd);
		u32 d = prandom_u32_state(&rnd);
		u32 off = syngate_tsoff(a, b);

		KUNIT_EXPECT_EQ(test, syngate_ts_to_client(a + d, off), b + d);
		KUNIT_EXPECT_EQ(test, syngate_ts_to_server(b + d, off), a + d);
		KUNIT_EXPECT_EQ(test, b + d + syngate_seq_offset(a, b), a + d);
		KUNIT_EXPECT_EQ(test, b + (u32)syngate_rst_offset(a, b), a + 1);
	}
}

/*
 * Windows re-expressed from the server's scale to the client's: never
 * more than the server offers, at most one client unit less, and capped
 * at 65535 units.
 */
static void xlate_window(struct kunit *test)
{
	static const u16 wins[] = { 0, 1, 2, 127, 128, 255, 1024, 29200,
				    32767, 32768, 65534, 65535 };
	unsigned int s, c, i;

	for (s = 0; s <= TCP_MAX_WSCALE; s++) {
		for (c = 0; c <= TCP_MAX_WSCALE; c++) {
			for (i = 0; i < ARRAY_SIZE(wins); i++) {
				u64 bytes = (u64)wins[i] << s;
				u16 w = syngate_win_to_client(wins[i], s, c);
				u64 got = (u64)w << c;

				KUNIT_EXPECT_LE(test, got, bytes);
				if (w < U16_MAX)
					KUNIT_EXPECT_GT(test, got + (1ULL << c),
							bytes);
				else
					KUNIT_EXPECT_GE(test, bytes,
							(u64)U16_MAX << c);
			}
			KUNIT_EXPECT_EQ(test, syngate_win_to_client(0, s, c), 0);
		}
		KUNIT_EXPECT_EQ(test, syngate_win_to_client(12345, s, s), 12345);
	}
}

/*
 * The "its" field: before the server answers it holds our TSval (bit 31
 * always clear, tcpopt.h); after, the packed scales (bit 31 set) or 0
 * when no translation is needed. The two must never be confused.
 */
static void xlate_its_pack(struct kunit *test)
{
	unsigned int s, c;
	u8 srv, cli;

	for (s = 0; s <= TCP_MAX_WSCALE; s++) {
		for (c = 0; c <= TCP_MAX_WSCALE; c++) {
			u32 its = syngate_its_pack(s, c, 0);

			srv = 0xaa;
			cli = 0xbb;
			KUNIT_EXPECT_EQ(test, syngate_its_to_server(its), 0);
			if (s == c) {
				KUNIT_EXPECT_EQ(test, its, 0U);
				KUNIT_EXPECT_FALSE(test, syngate_its_unpack(its, &srv,
									    &cli));
				continue;
			}
			KUNIT_EXPECT_TRUE(test, its & SYNGATE_ITS_WIN_XLATE);
			KUNIT_ASSERT_TRUE(test,
					  syngate_its_unpack(its, &srv, &cli));
			KUNIT_EXPECT_EQ(test, srv, s);
			KUNIT_EXPECT_EQ(test, cli, c);
		}
	}
	/* A TSval of ours never reads as packed scales. */
	KUNIT_EXPECT_EQ(test, SYNGATE_ITS_WIN_XLATE & ~SYNGATE_TS_BITS, 0U);
	KUNIT_EXPECT_FALSE(test, syngate_its_unpack(0x7fffffff, &srv, &cli));
	KUNIT_EXPECT_EQ(test, syngate_its_to_server(0x7fffffff), 0);
}

/*
 * A server that refused scaling, a client that scales by c: the client's
 * windows go to the server unscaled (c in "its"), the server's to the
 * client in the scale it was told; a server window needs nothing when
 * that scale is 0.
 */
static void xlate_its_to_server(struct kunit *test)
{
	unsigned int c;
	u8 srv, cli;

	for (c = 1; c <= TCP_MAX_WSCALE; c++) {
		u32 its = syngate_its_pack(0, 7, c);

		KUNIT_EXPECT_TRUE(test, syngate_its_done(its));
		KUNIT_EXPECT_EQ(test, syngate_its_to_server(its), c);
		KUNIT_ASSERT_TRUE(test, syngate_its_unpack(its, &srv, &cli));
		KUNIT_EXPECT_EQ(test, srv, 0);
		KUNIT_EXPECT_EQ(test, cli, 7);
		its = syngate_its_pack(0, 0, c);
		KUNIT_EXPECT_FALSE(test, syngate_its_unpack(its, &srv, &cli));
		KUNIT_EXPECT_EQ(test, syngate_its_to_server(its), c);
	}
	/* 512 units of 2^7 bytes: 65536 bytes, capped at what fits */
	KUNIT_EXPECT_EQ(test, syngate_win_to_server(512, 7), U16_MAX);
	KUNIT_EXPECT_EQ(test, syngate_win_to_server(100, 7), 12800);
	KUNIT_EXPECT_EQ(test, syngate_win_to_server(0, 14), 0);
	KUNIT_EXPECT_EQ(test, syngate_win_to_server(65535, 0), 65535);
}

/* Without timestamps the client's own scale is also the one it was told. */
static void xlate_its_nots(struct kunit *test)
{
	int ws;

	for (ws = -1; ws <= TCP_MAX_WSCALE; ws++) {
		u32 its = syngate_its_nots(ws);

		KUNIT_EXPECT_NE(test, its, 0U);
		KUNIT_EXPECT_FALSE(test, syngate_its_done(its));
		KUNIT_EXPECT_FALSE(test, syngate_its_is_tsval(its));
		KUNIT_EXPECT_EQ(test, syngate_tscookie_our_wscale(its), ws);
		KUNIT_EXPECT_EQ(test, syngate_its_client_wscale(its), ws);
	}
}

/*
 * Reopening from TIME-WAIT: a new incarnation starts at or above the old
 * one's end, across the wrap too; the old handshake's own ACK (ISN below
 * the old end, however little data followed) never reopens.
 */
static void xlate_isn_reopens(struct kunit *test)
{
	static const u32 ends[] = { 1, 1000, 0x7fffffff, 0x80000000,
				    0xfffffff0, 0xffffffff, 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		u32 end = ends[i];

		KUNIT_EXPECT_TRUE(test, syngate_isn_reopens(end, end));
		KUNIT_EXPECT_TRUE(test, syngate_isn_reopens(end, end + 1));
		KUNIT_EXPECT_TRUE(test, syngate_isn_reopens(end, end + 65537));
		KUNIT_EXPECT_TRUE(test,
				  syngate_isn_reopens(end, end + 0x7fffffff));
		/* the old ISN: a FIN-only connection ends 2 above it */
		KUNIT_EXPECT_FALSE(test, syngate_isn_reopens(end, end - 2));
		KUNIT_EXPECT_FALSE(test, syngate_isn_reopens(end, end - 1));
		KUNIT_EXPECT_FALSE(test,
				   syngate_isn_reopens(end, end - 1000000));
		KUNIT_EXPECT_FALSE(test,
				   syngate_isn_reopens(end, end + 0x80000000));
	}
}

static struct kunit_case syngate_xlate_cases[] = {
	KUNIT_CASE(xlate_tsoff),
	KUNIT_CASE(xlate_seq_offset),
	KUNIT_CASE(xlate_rst_offset),
	KUNIT_CASE(xlate_random),
	KUNIT_CASE(xlate_window),
	KUNIT_CASE(xlate_its_pack),
	KUNIT_CASE(xlate_its_to_server),
	KUNIT_CASE(xlate_its_nots),
	KUNIT_CASE(xlate_isn_reopens),
	{}
};

static struct kunit_suite syngate_xlate_suite = {
	.name = "syngate_xlate",
	.test_cases = syngate_xlate_cases,
};

kunit_test_suites(&syngate_xlate_suite);
