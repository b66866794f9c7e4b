// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: what --learn makes of a server's SYN-ACKs (kmod/learn.c). A fact
 * is learned only about what our SYN asked; the rule is only ever lowered;
 * the table keeps an entry SYNGATE_LEARN_TTL from when it was first
 * learned, forgets what it knew when it learns afresh, and holds no more
 * than SYNGATE_LEARN_MAX backends however many it is fed.
 */
#include <kunit/test.h>

#include "../learn.c"

#define WS	XT_SYNGATE_OPT_WSCALE
#define SACK	XT_SYNGATE_OPT_SACK_PERM
#define TS	XT_SYNGATE_OPT_TIMESTAMP
#define MSS	XT_SYNGATE_OPT_MSS

/* Near the jiffies wrap: expiry must hold across it. */
#define T0	((unsigned long)-(30 * HZ))

static void backend(struct syngate_flow *f, u8 family, u32 host, u16 port)
{
	memset(f, 0, sizeof(*f));
	f->family = family;
	f->dport = htons(port);
	if (family == NFPROTO_IPV6) {
		f->daddr.in6.s6_addr32[0] = htonl(0x20010db8);
		f->daddr.in6.s6_addr32[3] = htonl(host);
	} else {
		f->daddr.ip = htonl(0xc6120000 | host);	/* 198.18.x.x */
	}
}

static void learn_merge_only_what_was_asked(struct kunit *test)
{
	struct syngate_opts srv = { .options = MSS | WS, .mss = 1200,
				    .wscale = 9 };
	struct syngate_learned l = {};

	/* asked for scaling and SACK: the server does the one, not the other */
	syngate_learn_merge(&l, NFPROTO_IPV4, WS | SACK, &srv);
	KUNIT_EXPECT_EQ(test, l.known, WS | SACK);
	KUNIT_EXPECT_EQ(test, l.has, WS);
	KUNIT_EXPECT_EQ(test, l.wscale, 9);
	KUNIT_EXPECT_EQ(test, l.mss, 1200);

	/* not asked about SACK: what was known of it stays */
	srv.options = TS;
	syngate_learn_merge(&l, NFPROTO_IPV4, TS, &srv);
	KUNIT_EXPECT_EQ(test, l.known, WS | SACK | TS);
	KUNIT_EXPECT_EQ(test, l.has, WS | TS);
	/* no MSS option: the family's default */
	KUNIT_EXPECT_EQ(test, l.mss, 536);
	syngate_learn_merge(&l, NFPROTO_IPV6, 0, &srv);
	KUNIT_EXPECT_EQ(test, l.mss, 1220);
	KUNIT_EXPECT_EQ(test, l.has, WS | TS);

	/* asked again, now it does SACK and no longer scales */
	srv.options = SACK;
	syngate_learn_merge(&l, NFPROTO_IPV4, WS | SACK, &srv);
	KUNIT_EXPECT_EQ(test, l.has, SACK | TS);

	/* bits that are not options the server answers are never learned */
	syngate_learn_merge(&l, NFPROTO_IPV4, XT_SYNGATE_OPT_ECN | MSS, &srv);
	KUNIT_EXPECT_EQ(test, l.known, WS | SACK | TS);
}

static void learn_apply_only_lowers(struct kunit *test)
{
	const struct xt_syngate_info rule = {
		.options = MSS | WS | SACK | TS | XT_SYNGATE_OPT_ECN |
			   XT_SYNGATE_OPT_LEARN,
		.wscale = 7, .mss = 1460,
	};
	struct syngate_learned l = { .known = TS | SACK, .has = SACK,
				     .mss = 1200 };
	struct xt_syngate_info info = rule;

	syngate_learn_apply(&l, &info);
	/* timestamps refused; scaling never asked: offered as the rule says */
	KUNIT_EXPECT_EQ(test, info.options, rule.options & ~TS);
	KUNIT_EXPECT_EQ(test, info.wscale, 7);
	KUNIT_EXPECT_EQ(test, info.mss, 1200);

	/* a larger scale and MSS than the rule's do not raise it */
	l = (struct syngate_learned){ .known = WS, .has = WS, .wscale = 10,
				      .mss = 9000 };
	info = rule;
	syngate_learn_apply(&l, &info);
	KUNIT_EXPECT_EQ(test, info.options, rule.options);
	KUNIT_EXPECT_EQ(test, info.wscale, 7);
	KUNIT_EXPECT_EQ(test, info.mss, 1460);

	/* a smaller scale lowers it */
	l.wscale = 2;
	syngate_learn_apply(&l, &info);
	KUNIT_EXPECT_EQ(test, info.wscale, 2);

	/* what the rule does not offer stays unoffered */
	info = (struct xt_syngate_info){ .options = SACK | XT_SYNGATE_OPT_LEARN };
	l = (struct syngate_learned){ .known = WS | SACK | TS,
				      .has = WS | SACK | TS, .wscale = 7,
				      .mss = 1200 };
	syngate_learn_apply(&l, &info);
	KUNIT_EXPECT_EQ(test, info.options, SACK | XT_SYNGATE_OPT_LEARN);
	KUNIT_EXPECT_EQ(test, info.mss, 0);
}

static struct syngate_learn *table(struct kunit *test)
{
	struct syngate_learn *t = syngate_learn_alloc();

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void learn_table_lookup_and_expiry(struct kunit *test)
{
	struct syngate_opts srv = { .options = MSS | SACK, .mss = 1200 };
	unsigned long end = T0 + SYNGATE_LEARN_TTL;
	struct syngate_learn *t = table(test);
	struct syngate_flow f4, f6, other;
	struct syngate_learned l;

	backend(&f4, NFPROTO_IPV4, 0x0202, 80);
	backend(&f6, NFPROTO_IPV6, 0x0202, 80);
	backend(&other, NFPROTO_IPV4, 0x0202, 81);
	KUNIT_EXPECT_FALSE(test, syngate_learn_lookup(t, &f4, T0, &l));

	syngate_learn_update(t, &f4, T0, SACK | TS, &srv);
	KUNIT_ASSERT_TRUE(test, syngate_learn_lookup(t, &f4, T0 + HZ, &l));
	KUNIT_EXPECT_EQ(test, l.known, SACK | TS);
	KUNIT_EXPECT_EQ(test, l.has, SACK);
	KUNIT_EXPECT_EQ(test, l.mss, 1200);
	/* another port, another family: other backends */
	KUNIT_EXPECT_FALSE(test, syngate_learn_lookup(t, &other, T0, &l));
	KUNIT_EXPECT_FALSE(test, syngate_learn_lookup(t, &f6, T0, &l));

	/* refreshed often, it still expires TTL after it was first learned */
	syngate_learn_update(t, &f4, end - 1, SACK, &srv);
	KUNIT_EXPECT_TRUE(test, syngate_learn_lookup(t, &f4, end - 1, &l));
	KUNIT_EXPECT_FALSE(test, syngate_learn_lookup(t, &f4, end, &l));

	/* learned afresh: what was known of timestamps is forgotten */
	syngate_learn_update(t, &f4, end, SACK, &srv);
	KUNIT_ASSERT_TRUE(test, syngate_learn_lookup(t, &f4, end, &l));
	KUNIT_EXPECT_EQ(test, l.known, SACK);
	syngate_learn_free(t);
}

static unsigned int live(struct syngate_learn *t, unsigned long now)
{
	struct syngate_backend b;
	unsigned int i, n = 0;

	for (i = 0; i < SYNGATE_LEARN_MAX; i++)
		n += syngate_learn_read(t, i, now, &b);
	return n;
}

static void learn_table_bounded(struct kunit *test)
{
	struct syngate_opts srv = { .options = MSS, .mss = 1400 };
	struct syngate_learn *t = table(test);
	struct syngate_learned l;
	struct syngate_flow f;
	unsigned int i, found = 0;

	/* ten thousand backends, one jiffy apart: the table stays full */
	for (i = 0; i < 10000; i++) {
		backend(&f, i & 1 ? NFPROTO_IPV6 : NFPROTO_IPV4, i >> 4,
			1000 + (i & 15));
		syngate_learn_update(t, &f, T0 + i, 0, &srv);
	}
	KUNIT_EXPECT_EQ(test, live(t, T0 + i), SYNGATE_LEARN_MAX);

	/* the most recent backend of each set is kept: the newest found */
	backend(&f, (i - 1) & 1 ? NFPROTO_IPV6 : NFPROTO_IPV4, (i - 1) >> 4,
		1000 + ((i - 1) & 15));
	KUNIT_EXPECT_TRUE(test, syngate_learn_lookup(t, &f, T0 + i, &l));
	/* and most of the last SYNGATE_LEARN_MAX are there */
	for (i = 10000 - SYNGATE_LEARN_MAX; i < 10000; i++) {
		backend(&f, i & 1 ? NFPROTO_IPV6 : NFPROTO_IPV4, i >> 4,
			1000 + (i & 15));
		found += syngate_learn_lookup(t, &f, T0 + 10000, &l);
	}
	KUNIT_EXPECT_GE(test, found, SYNGATE_LEARN_MAX / 2);
	/* all of it expires */
	KUNIT_EXPECT_EQ(test, live(t, T0 + 10000 + SYNGATE_LEARN_TTL), 0);
	syngate_learn_free(t);
}

static struct kunit_case syngate_learn_cases[] = {
	KUNIT_CASE(learn_merge_only_what_was_asked),
	KUNIT_CASE(learn_apply_only_lowers),
	KUNIT_CASE(learn_table_lookup_and_expiry),
	KUNIT_CASE(learn_table_bounded),
	{}
};

static struct kunit_suite syngate_learn_suite = {
	.name = "syngate_learn",
	.test_cases = syngate_learn_cases,
};

kunit_test_suites(&syngate_learn_suite);
