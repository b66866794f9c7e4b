// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: our answer to a client's SYN (kmod/synack.c), the code the target
 * and the XDP program share: options limited by the rule, the timestamp
 * cookie or the cookie's own fields, ECE, and a cookie that checks with
 * what the client's ACK will return.
 */
#include <kunit/test.h>

#include "../synack.c"

#define O_MSS	XT_SYNGATE_OPT_MSS
#define O_WS	XT_SYNGATE_OPT_WSCALE
#define O_SACK	XT_SYNGATE_OPT_SACK_PERM
#define O_TS	XT_SYNGATE_OPT_TIMESTAMP
#define O_ECN	XT_SYNGATE_OPT_ECN

#define NOW_MS	0x12345678

static const siphash_key_t key = { { 0x0706050403020100ULL,
				     0x0f0e0d0c0b0a0908ULL } };

static const struct xt_syngate_info rule_all = {
	.options = O_MSS | O_WS | O_SACK | O_TS | O_ECN, .wscale = 7,
	.mss = 1460,
};

/* A SYN from 198.18.1.2:40000 to 198.18.2.2:80 with @opts. */
static void syn_init(struct syngate_syn *syn, const struct syngate_opts *opts,
		     bool ecn)
{
	memset(syn, 0, sizeof(*syn));
	syn->flow.family = NFPROTO_IPV4;
	syn->flow.saddr.ip = htonl(0xc6120102);
	syn->flow.daddr.ip = htonl(0xc6120202);
	syn->flow.sport = htons(40000);
	syn->flow.dport = htons(80);
	syn->isn = 0xfffffff0;
	syn->ecn = ecn;
	syn->opts = *opts;
}

static const struct syngate_opts linux_syn = {
	.options = O_MSS | O_WS | O_SACK | O_TS, .mss = 1460, .wscale = 7,
	.tsval = 0xa1b2c3d4,
};

static const struct syngate_opts windows_syn = {
	.options = O_MSS | O_WS | O_SACK, .mss = 1460, .wscale = 8,
};

/* Check @sa's cookie as the target checks the client's ACK. */
static int check(const struct syngate_syn *syn,
		 const struct syngate_synack *sa,
		 struct syngate_cookie_fields *fields)
{
	struct syngate_cookie_data d = {
		.client_isn = syn->isn,
		.has_ts = sa->opts.options & O_TS,
		.tsval = sa->opts.options & O_TS ? sa->opts.tsval : 0,
	};

	return syngate_cookie_check(&key, &syn->flow, &d,
				    syngate_slot(NOW_MS) + 1, sa->seq, fields);
}

/* With timestamps: the rule's scale announced, the client's in TSval. */
static void synack_with_timestamps(struct kunit *test)
{
	struct syngate_cookie_fields f;
	struct syngate_opts dec = {};
	struct syngate_synack sa;
	struct syngate_syn syn;

	syn_init(&syn, &linux_syn, false);
	syngate_synack_make(&key, &syn, &rule_all, NOW_MS, &sa);
	KUNIT_EXPECT_EQ(test, sa.opts.options, O_MSS | O_WS | O_SACK | O_TS);
	KUNIT_EXPECT_EQ(test, sa.opts.mss, 1460);
	KUNIT_EXPECT_EQ(test, sa.opts.wscale, 7);
	KUNIT_EXPECT_EQ(test, sa.opts.tsecr, linux_syn.tsval);
	KUNIT_EXPECT_EQ(test, sa.opts.tsval & ~SYNGATE_TS_BITS,
			NOW_MS & ~SYNGATE_TS_BITS);
	KUNIT_EXPECT_FALSE(test, sa.ece);
	KUNIT_ASSERT_EQ(test, syngate_tscookie_decode(sa.opts.tsval, &dec), 0);
	KUNIT_EXPECT_EQ(test, dec.options, O_WS | O_SACK);
	KUNIT_EXPECT_EQ(test, dec.wscale, 7);
	KUNIT_EXPECT_EQ(test, syngate_tscookie_our_wscale(sa.opts.tsval), 7);
	KUNIT_ASSERT_EQ(test, check(&syn, &sa, &f), 0);
	KUNIT_EXPECT_EQ(test, syngate_mss_value(NFPROTO_IPV4, f.mss_idx), 1460);
	/* the ACK must return the very TSval: another one fails */
	sa.opts.tsval ^= SYNGATE_TS_SACK;
	KUNIT_EXPECT_EQ(test, check(&syn, &sa, &f), -EINVAL);
}

/* Without: the client's own scale announced, WS and SACK in the cookie. */
static void synack_without_timestamps(struct kunit *test)
{
	struct syngate_cookie_fields f;
	struct syngate_synack sa;
	struct syngate_syn syn;

	syn_init(&syn, &windows_syn, true);
	syngate_synack_make(&key, &syn, &rule_all, NOW_MS, &sa);
	KUNIT_EXPECT_EQ(test, sa.opts.options, O_MSS | O_WS | O_SACK);
	KUNIT_EXPECT_EQ(test, sa.opts.wscale, 8);
	/* ECN needs the timestamp cookie to reach the server */
	KUNIT_EXPECT_FALSE(test, sa.ece);
	KUNIT_ASSERT_EQ(test, check(&syn, &sa, &f), 0);
	KUNIT_EXPECT_EQ(test, syngate_ws_value(f.ws_idx), 8);
	KUNIT_EXPECT_TRUE(test, f.sack);
	KUNIT_EXPECT_EQ(test, syngate_mss_value(NFPROTO_IPV4, f.mss_idx), 1460);
}

/* ECN: offered back with timestamps only, and recorded in TSval. */
static void synack_ecn(struct kunit *test)
{
	struct syngate_opts dec = {};
	struct syngate_synack sa;
	struct syngate_syn syn;

	syn_init(&syn, &linux_syn, true);
	syngate_synack_make(&key, &syn, &rule_all, NOW_MS, &sa);
	KUNIT_EXPECT_TRUE(test, sa.ece);
	KUNIT_ASSERT_EQ(test, syngate_tscookie_decode(sa.opts.tsval, &dec), 0);
	KUNIT_EXPECT_TRUE(test, dec.options & O_ECN);
}

/* The rule limits what is offered, in the options and in the cookie. */
static void synack_rule_limits(struct kunit *test)
{
	struct xt_syngate_info rule = { .options = O_TS };
	struct syngate_cookie_fields f;
	struct syngate_opts dec = {};
	struct syngate_synack sa;
	struct syngate_syn syn;

	syn_init(&syn, &linux_syn, true);
	syngate_synack_make(&key, &syn, &rule, NOW_MS, &sa);
	KUNIT_EXPECT_EQ(test, sa.opts.options, O_TS);
	KUNIT_EXPECT_FALSE(test, sa.ece);
	KUNIT_ASSERT_EQ(test, syngate_tscookie_decode(sa.opts.tsval, &dec), 0);
	KUNIT_EXPECT_EQ(test, dec.options, 0);
	KUNIT_EXPECT_EQ(test, check(&syn, &sa, &f), 0);

	rule.options = O_SACK;
	syngate_synack_make(&key, &syn, &rule, NOW_MS, &sa);
	KUNIT_EXPECT_EQ(test, sa.opts.options, O_SACK);
	KUNIT_ASSERT_EQ(test, check(&syn, &sa, &f), 0);
	KUNIT_EXPECT_EQ(test, f.ws_idx, SYNGATE_WS_NONE);
	KUNIT_EXPECT_TRUE(test, f.sack);
}

static struct kunit_case syngate_synack_cases[] = {
	KUNIT_CASE(synack_with_timestamps),
	KUNIT_CASE(synack_without_timestamps),
	KUNIT_CASE(synack_ecn),
	KUNIT_CASE(synack_rule_limits),
	{}
};

static struct kunit_suite syngate_synack_suite = {
	.name = "syngate_synack",
	.test_cases = syngate_synack_cases,
};

kunit_test_suites(&syngate_synack_suite);
