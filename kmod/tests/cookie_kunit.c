// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the SYN cookie (kmod/cookie.c, layout in kmod/cookie.h).
 *
 * The source under test is compiled into this file, so that the test
 * module needs nothing exported from xt_SYNGATE.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>

#include "../cookie.c"

static const siphash_key_t key_a = {{ 0x0706050403020100ULL,
				      0x0f0e0d0c0b0a0908ULL }};

static const siphash_key_t key_b = {{ 0x0706050403020100ULL,
				      0x0f0e0d0c0b0a0909ULL }};

static const siphash_key_t key_c = {{ 0x1706050403020100ULL,
				      0x0f0e0d0c0b0a0908ULL }};

#define FAMILIES 2
static const u8 families[FAMILIES] = { NFPROTO_IPV4, NFPROTO_IPV6 };

static void flow_init(struct syngate_flow *f, u8 family)
{
	memset(f, 0, sizeof(*f));
	f->family = family;
	if (family == NFPROTO_IPV6) {
		f->saddr.in6.s6_addr32[0] = htonl(0x20010db8);
		f->saddr.in6.s6_addr32[1] = htonl(0x00010000);
		f->saddr.in6.s6_addr32[3] = htonl(2);
		f->daddr.in6.s6_addr32[0] = htonl(0x20010db8);
		f->daddr.in6.s6_addr32[1] = htonl(0x00020000);
		f->daddr.in6.s6_addr32[3] = htonl(2);
	} else {
		f->saddr.ip = htonl(0xc6120102);	/* 198.18.1.2 */
		f->daddr.ip = htonl(0xc6120202);	/* 198.18.2.2 */
	}
	f->sport = htons(40000);
	f->dport = htons(8080);
}

static const struct syngate_cookie_data data_ts = {
	.client_isn = 0x89abcdef, .tsval = 0x12345a7f, .has_ts = true,
};

static const struct syngate_cookie_data data_nots = {
	.client_isn = 0xfffffffe,
};

/* A slot well away from 0 so that "now - age" never wraps here. */
#define SLOT 0x1234

static u32 make(const siphash_key_t *key, const struct syngate_flow *flow,
		const struct syngate_cookie_data *d, u32 slot,
		unsigned int mss_idx)
{
	struct syngate_cookie_fields fields = { .mss_idx = mss_idx };

	return syngate_cookie_make(key, flow, d, slot, &fields);
}

/* The MSS index of a genuine cookie, or the negative errno. */
static int check(const siphash_key_t *key, const struct syngate_flow *flow,
		 const struct syngate_cookie_data *d, u32 slot, u32 c)
{
	struct syngate_cookie_fields fields;
	int r = syngate_cookie_check(key, flow, d, slot, c, &fields);

	return r ? r : fields.mss_idx;
}

static void cookie_mss_table(struct kunit *test)
{
	unsigned int f, i;

	for (f = 0; f < FAMILIES; f++) {
		u8 fam = families[f];

		for (i = 0; i < SYNGATE_MSS_ENTRIES; i++) {
			u16 v = syngate_mss_value(fam, i);

			KUNIT_EXPECT_EQ(test, syngate_mss_index(fam, v), i);
			if (i > 0)
				KUNIT_EXPECT_GT(test, v,
						syngate_mss_value(fam, i - 1));
		}
		/* A 1280-byte IPv6 path and the 576-byte IPv4 minimum fit. */
		KUNIT_EXPECT_LE(test, syngate_mss_value(fam, 0),
				fam == NFPROTO_IPV6 ? 1220 : 536);
	}
}

/* Every table entry survives make -> check, with and without timestamps. */
static void cookie_roundtrip_every_mss(struct kunit *test)
{
	struct syngate_flow flow;
	unsigned int f, i;
	u32 c;
	int r;

	for (f = 0; f < FAMILIES; f++) {
		flow_init(&flow, families[f]);
		for (i = 0; i < SYNGATE_MSS_ENTRIES; i++) {
			c = make(&key_a, &flow, &data_ts, SLOT, i);
			r = check(&key_a, &flow, &data_ts, SLOT, c);
			KUNIT_EXPECT_EQ(test, r, (int)i);
			c = make(&key_a, &flow, &data_nots, SLOT, i);
			r = check(&key_a, &flow, &data_nots, SLOT, c);
			KUNIT_EXPECT_EQ(test, r, (int)i);
		}
	}
}

/*
 * Boundary MSS values: each table entry -1, +0, +1, the extremes and "no
 * MSS option" (0). The MSS the server is told never exceeds what the
 * client announced, except below the first entry (the floor, by design).
 */
static void cookie_roundtrip_boundary_mss(struct kunit *test)
{
	struct syngate_flow flow;
	unsigned int f, i, j;

	for (f = 0; f < FAMILIES; f++) {
		u8 fam = families[f];
		u16 vals[3 * SYNGATE_MSS_ENTRIES + 4];
		unsigned int n = 0;

		for (i = 0; i < SYNGATE_MSS_ENTRIES; i++) {
			vals[n++] = syngate_mss_value(fam, i) - 1;
			vals[n++] = syngate_mss_value(fam, i);
			vals[n++] = syngate_mss_value(fam, i) + 1;
		}
		vals[n++] = 0;
		vals[n++] = 1;
		vals[n++] = 65534;
		vals[n++] = 65535;

		flow_init(&flow, fam);
		for (j = 0; j < n; j++) {
			unsigned int idx = syngate_mss_index(fam, vals[j]);
			u16 got = syngate_mss_value(fam, idx);
			u32 c = make(&key_a, &flow, &data_ts,
						    SLOT, idx);
			int r = check(&key_a, &flow, &data_ts,
						     SLOT, c);

			KUNIT_EXPECT_EQ_MSG(test, r, (int)idx, "mss %u", vals[j]);
			if (vals[j] >= syngate_mss_value(fam, 0)) {
				KUNIT_EXPECT_LE_MSG(test, got, vals[j],
						    "mss %u", vals[j]);
				/* and no larger entry would have fitted */
				if (idx + 1 < SYNGATE_MSS_ENTRIES) {
					u16 next = syngate_mss_value(fam, idx + 1);

					KUNIT_EXPECT_GT_MSG(test, next, vals[j],
							    "mss %u", vals[j]);
				}
			} else {
				KUNIT_EXPECT_EQ_MSG(test, idx, 0U, "mss %u",
						    vals[j]);
			}
		}
	}
}

/* Ages 0..2 slots are accepted; 3 and any slot from the future are not. */
static void cookie_age(struct kunit *test)
{
	struct syngate_flow flow;
	unsigned int f;
	int age;

	for (f = 0; f < FAMILIES; f++) {
		u32 c;

		flow_init(&flow, families[f]);
		c = make(&key_a, &flow, &data_ts, SLOT, 5);
		for (age = -8; age <= 8; age++) {
			int r = check(&key_a, &flow, &data_ts,
						     SLOT + age, c);

			if (age >= 0 && age <= SYNGATE_COOKIE_MAX_AGE)
				KUNIT_EXPECT_EQ_MSG(test, r, 5, "age %d", age);
			else
				KUNIT_EXPECT_LT_MSG(test, r, 0, "age %d", age);
			if (age == 3 || age == -1)
				KUNIT_EXPECT_EQ_MSG(test, r, -ETIMEDOUT,
						    "age %d", age);
		}
	}
}

/*
 * The millisecond clock is a u32 (jiffies_to_msecs()), so the slot,
 * ms >> 14, runs 0..0x3ffff and wraps to 0. On 64-bit kernels jiffies start
 * 5 minutes before that u32 wraps (INITIAL_JIFFIES), so the first wrap
 * comes 5 minutes after every boot, then every 49.7 days. A cookie made
 * just before the wrap must still be accepted just after it.
 */
static void cookie_clock_wrap(struct kunit *test)
{
	static const u32 pairs[][2] = {	/* made at ms, checked at ms */
		{ 0xffffc000, 0x00000000 },	/* age 1 across the wrap */
		{ 0xffffffff, 0x00004000 },	/* age 2 across the wrap */
		{ 0xffff8000, 0x00000100 },	/* age 2 across the wrap */
		{ 0x7fffc000, 0x80000000 },	/* age 1, no wrap */
	};
	struct syngate_flow flow;
	unsigned int f, i;

	for (f = 0; f < FAMILIES; f++) {
		flow_init(&flow, families[f]);
		for (i = 0; i < ARRAY_SIZE(pairs); i++) {
			u32 c = make(&key_a, &flow, &data_ts,
						    syngate_slot(pairs[i][0]), 3);
			int r = check(&key_a, &flow, &data_ts,
						     syngate_slot(pairs[i][1]), c);

			KUNIT_EXPECT_EQ_MSG(test, r, 3,
					    "made at %#x ms, checked at %#x ms",
					    pairs[i][0], pairs[i][1]);
		}
	}
}

static void expect_reject(struct kunit *test, const struct syngate_flow *flow,
			  const struct syngate_cookie_data *d, u32 c,
			  const char *what)
{
	KUNIT_EXPECT_LT_MSG(test, check(&key_a, flow, d, SLOT, c),
			    0, "%s", what);
}

/* Each field of the 4-tuple changed (one bit, or swapped ends). */
static void cookie_other_flow(struct kunit *test)
{
	struct syngate_flow flow, f2;
	unsigned int f, bit;

	for (f = 0; f < FAMILIES; f++) {
		u32 c;
		unsigned int abits = families[f] == NFPROTO_IPV6 ? 128 : 32;

		flow_init(&flow, families[f]);
		c = make(&key_a, &flow, &data_ts, SLOT, 6);
		for (bit = 0; bit < abits; bit++) {
			f2 = flow;
			f2.saddr.all[bit / 32] ^= (__force u32)htonl(BIT(bit % 32));
			expect_reject(test, &f2, &data_ts, c, "saddr bit");
			f2 = flow;
			f2.daddr.all[bit / 32] ^= (__force u32)htonl(BIT(bit % 32));
			expect_reject(test, &f2, &data_ts, c, "daddr bit");
		}
		for (bit = 0; bit < 16; bit++) {
			f2 = flow;
			f2.sport ^= htons(1u << bit);
			expect_reject(test, &f2, &data_ts, c, "sport bit");
			f2 = flow;
			f2.dport ^= htons(1u << bit);
			expect_reject(test, &f2, &data_ts, c, "dport bit");
		}
		f2 = flow;
		f2.saddr = flow.daddr;
		f2.daddr = flow.saddr;
		expect_reject(test, &f2, &data_ts, c, "addresses swapped");
		f2 = flow;
		f2.sport = flow.dport;
		f2.dport = flow.sport;
		expect_reject(test, &f2, &data_ts, c, "ports swapped");
	}
	/* The same addresses read as the other family. */
	flow_init(&flow, NFPROTO_IPV4);
	f2 = flow;
	f2.family = NFPROTO_IPV6;
	expect_reject(test, &f2, &data_ts,
		      make(&key_a, &flow, &data_ts, SLOT, 6),
		      "family");
}

/* A cookie from one network namespace is worthless in another. */
static void cookie_other_secret(struct kunit *test)
{
	struct syngate_flow flow;
	unsigned int f, i;

	for (f = 0; f < FAMILIES; f++) {
		flow_init(&flow, families[f]);
		for (i = 0; i < SYNGATE_MSS_ENTRIES; i++) {
			u32 c = make(&key_b, &flow, &data_ts,
						    SLOT, i);
			int ra = check(&key_a, &flow, &data_ts,
						      SLOT, c);
			int rb = check(&key_b, &flow, &data_ts,
						      SLOT, c);

			KUNIT_EXPECT_LT(test, ra, 0);
			KUNIT_EXPECT_EQ(test, rb, (int)i);
		}
	}
}

/* Any single flipped bit of the cookie, the client ISN or the TSval. */
static void cookie_bit_flips(struct kunit *test)
{
	struct syngate_cookie_data d;
	struct syngate_flow flow;
	unsigned int f, bit;

	for (f = 0; f < FAMILIES; f++) {
		u32 c;

		flow_init(&flow, families[f]);
		c = make(&key_a, &flow, &data_ts, SLOT, 2);
		KUNIT_ASSERT_EQ(test, 2, check(&key_a, &flow, &data_ts, SLOT,
					       c));
		for (bit = 0; bit < 32; bit++) {
			expect_reject(test, &flow, &data_ts, c ^ BIT(bit),
				      "cookie bit");
			d = data_ts;
			d.client_isn ^= BIT(bit);
			expect_reject(test, &flow, &d, c, "client ISN bit");
			d = data_ts;
			d.tsval ^= BIT(bit);
			expect_reject(test, &flow, &d, c, "TSval bit");
		}
		d = data_ts;
		d.has_ts = false;
		expect_reject(test, &flow, &d, c, "timestamps dropped");
		c = make(&key_a, &flow, &data_nots, SLOT, 2);
		d = data_nots;
		d.has_ts = true;
		expect_reject(test, &flow, &d, c, "timestamps added");
	}
}

/*
 * Forged ACKs at scale, from a fixed PRNG seed: half entirely random
 * (flow, ISN, TSval, cookie), half the best blind attack (a real flow and
 * ISN, the current slot and valid fields in the low bits, a random MAC).
 * @has_ts picks the layout. Expected accepts for 2^20 tries: about 0.008
 * with timestamps (2^27 MAC values), 0.2 without (2^22); zero allowed.
 */
#define FORGERIES	1048576U	/* 2^20 */

static void forge(struct kunit *test, bool has_ts, u64 seed)
{
	u32 low = has_ts ? 0x1c : 0x3fc;	/* the fields, cookie.h */
	struct syngate_cookie_fields fields;
	struct syngate_cookie_data d;
	struct syngate_flow flow;
	struct rnd_state rnd;
	unsigned int i, accepted = 0, expired = 0;

	prandom_seed_state(&rnd, seed);
	for (i = 0; i < FORGERIES; i++) {
		u32 c;
		int r;

		flow_init(&flow, families[i & 1]);
		d.client_isn = prandom_u32_state(&rnd);
		d.has_ts = has_ts;
		d.tsval = d.has_ts ? prandom_u32_state(&rnd) : 0;
		c = prandom_u32_state(&rnd);
		if (i < FORGERIES / 2) {
			prandom_bytes_state(&rnd, &flow.saddr, sizeof(flow.saddr));
			prandom_bytes_state(&rnd, &flow.daddr, sizeof(flow.daddr));
			flow.sport = (__force __be16)prandom_u32_state(&rnd);
			flow.dport = (__force __be16)prandom_u32_state(&rnd);
		} else {
			c = (c & ~SYNGATE_COOKIE_SLOT_MASK) |
			    (SLOT & SYNGATE_COOKIE_SLOT_MASK);
		}
		r = syngate_cookie_check(&key_a, &flow, &d, SLOT, c, &fields);
		if (r >= 0)
			accepted++;
		else if (r == -ETIMEDOUT)
			expired++;
		if (!(i & 0xffff))
			cond_resched();
	}
	kunit_info(test, "%s: %u forged ACKs (fields 0x%x): %u accepted, %u rejected as expired, %u as forged\n",
		   has_ts ? "timestamps" : "no timestamps", FORGERIES, low,
		   accepted, expired, FORGERIES - accepted - expired);
	KUNIT_EXPECT_EQ(test, accepted, 0U);
	/* The random half hits an expired slot value 1 time in 4. */
	KUNIT_EXPECT_GT(test, expired, FORGERIES / 16);
}

static void cookie_forgeries(struct kunit *test)
{
	forge(test, true, 0x5e6a7e5eedULL);
}

static void cookie_forgeries_nots(struct kunit *test)
{
	forge(test, false, 0x5e6a7e5eeeULL);
}

/* The WS field: every scale a client may offer comes back exactly. */
static void cookie_ws_field(struct kunit *test)
{
	int ws;

	KUNIT_EXPECT_EQ(test, syngate_ws_value(SYNGATE_WS_NONE), -1);
	KUNIT_EXPECT_EQ(test, syngate_ws_index(-1), (unsigned int)SYNGATE_WS_NONE);
	for (ws = 0; ws <= TCP_MAX_WSCALE; ws++) {
		unsigned int idx = syngate_ws_index(ws);

		KUNIT_EXPECT_NE(test, idx, (unsigned int)SYNGATE_WS_NONE);
		KUNIT_EXPECT_LT(test, idx, (unsigned int)SYNGATE_WS_ENTRIES);
		KUNIT_EXPECT_EQ(test, syngate_ws_value(idx), ws);
	}
	/* never made, and never decoded above what TCP allows */
	KUNIT_EXPECT_LE(test, syngate_ws_value(SYNGATE_WS_ENTRIES - 1),
			TCP_MAX_WSCALE);
}

/*
 * Without timestamps: every WS field with both SACK values and every MSS
 * index comes back as made, and a cookie changed in any of those fields
 * (the bits are in clear) fails its MAC.
 */
static void roundtrip_nots(struct kunit *test, const struct syngate_flow *flow,
			   const struct syngate_cookie_fields *in)
{
	struct syngate_cookie_fields out;
	unsigned int bit;
	u32 c;

	c = syngate_cookie_make(&key_a, flow, &data_nots, SLOT, in);
	KUNIT_ASSERT_EQ(test, syngate_cookie_check(&key_a, flow, &data_nots,
						   SLOT, c, &out), 0);
	KUNIT_EXPECT_EQ(test, out.mss_idx, in->mss_idx);
	KUNIT_EXPECT_EQ(test, out.ws_idx, in->ws_idx);
	KUNIT_EXPECT_EQ(test, out.sack, in->sack);
	for (bit = 2; bit < 10; bit++)
		KUNIT_EXPECT_LT_MSG(test,
				    syngate_cookie_check(&key_a, flow,
							 &data_nots, SLOT,
							 c ^ BIT(bit), &out),
				    0, "ws %u sack %u mss %u bit %u",
				    in->ws_idx, in->sack, in->mss_idx, bit);
}

static void cookie_roundtrip_nots_fields(struct kunit *test)
{
	struct syngate_cookie_fields in;
	struct syngate_flow flow;
	unsigned int f, i;

	for (f = 0; f < FAMILIES; f++) {
		flow_init(&flow, families[f]);
		/* every (WS field, SACK, MSS index): 16 * 2 * 8 */
		for (i = 0; i < SYNGATE_WS_ENTRIES * 2 * SYNGATE_MSS_ENTRIES;
		     i++) {
			in.mss_idx = i % SYNGATE_MSS_ENTRIES;
			in.sack = (i / SYNGATE_MSS_ENTRIES) & 1;
			in.ws_idx = i / (2 * SYNGATE_MSS_ENTRIES);
			roundtrip_nots(test, &flow, &in);
		}
	}
}

/* With timestamps the WS and SACK fields do not exist: nothing decoded. */
static void cookie_ts_has_no_fields(struct kunit *test)
{
	struct syngate_cookie_fields in = { .mss_idx = 7, .ws_idx = 5,
					    .sack = true }, out;
	struct syngate_cookie_fields plain = { .mss_idx = 7 };
	struct syngate_flow flow;

	u32 c;

	flow_init(&flow, NFPROTO_IPV4);
	c = syngate_cookie_make(&key_a, &flow, &data_ts, SLOT, &in);
	KUNIT_EXPECT_EQ(test, c, syngate_cookie_make(&key_a, &flow, &data_ts,
						     SLOT, &plain));
	KUNIT_ASSERT_EQ(test, syngate_cookie_check(&key_a, &flow, &data_ts,
						   SLOT, c, &out), 0);
	KUNIT_EXPECT_EQ(test, out.ws_idx, (u8)SYNGATE_WS_NONE);
	KUNIT_EXPECT_FALSE(test, out.sack);
}

/*
 * The cookie against vectors from an independent model of the layout
 * (tests/cookie/model.py, its own SipHash): both layouts, both families,
 * every MSS, WS and SACK value, slots across the clock's wrap. The
 * timestamp rows are what the module made before the layout without
 * timestamps existed: that layout is unchanged.
 */
#include "cookie_vectors.h"

static void cookie_model_vectors(struct kunit *test)
{
	struct syngate_cookie_fields in, out;
	struct syngate_cookie_data d;
	struct syngate_flow flow;
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(cookie_vectors); i++) {
		const struct cookie_vector *v = &cookie_vectors[i];

		flow_init(&flow, v->family);
		d.client_isn = v->isn;
		d.tsval = v->tsval;
		d.has_ts = v->has_ts;
		in.mss_idx = v->mss_idx;
		in.ws_idx = v->ws_idx;
		in.sack = v->sack;
		KUNIT_EXPECT_EQ_MSG(test, syngate_cookie_make(&key_a, &flow, &d,
							      v->slot, &in),
				    v->cookie, "vector %u", i);
		/* checked one slot later, across the wrap for some */
		r = syngate_cookie_check(&key_a, &flow, &d,
					 (v->slot + 1) & SYNGATE_SLOT_MASK,
					 v->cookie, &out);
		KUNIT_EXPECT_EQ_MSG(test, r, 0, "vector %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out.mss_idx, v->mss_idx,
				    "vector %u", i);
	}
}

/*
 * Two keys (keys.h): a cookie made with K1 checks with (K2 current, K1
 * previous) and says so, not with (K3, K2), nor with K2 alone; an expired
 * cookie is expired with any key.
 */
static int check2(const siphash_key_t *cur, const siphash_key_t *prev,
		  const struct syngate_flow *flow, u32 slot, u32 c,
		  struct syngate_cookie_fields *out)
{
	return syngate_cookie_check_keys(cur, prev, flow, &data_ts, slot, c,
					 out);
}

static void cookie_two_keys(struct kunit *test)
{
	struct syngate_cookie_fields in = { .mss_idx = 4 }, out;
	struct syngate_flow flow;
	u32 c;

	flow_init(&flow, NFPROTO_IPV6);
	c = syngate_cookie_make(&key_a, &flow, &data_ts, SLOT, &in);
	KUNIT_EXPECT_EQ(test, check2(&key_a, &key_b, &flow, SLOT, c, &out), 0);
	KUNIT_EXPECT_EQ(test, check2(&key_b, &key_a, &flow, SLOT, c, &out), 1);
	KUNIT_EXPECT_EQ(test, out.mss_idx, 4);
	KUNIT_EXPECT_EQ(test, check2(&key_c, &key_b, &flow, SLOT, c, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check2(&key_b, NULL, &flow, SLOT, c, &out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check2(&key_b, &key_a, &flow, SLOT + 3, c, &out),
			-ETIMEDOUT);
}

static struct kunit_case syngate_cookie_cases[] = {
	KUNIT_CASE(cookie_mss_table),
	KUNIT_CASE(cookie_roundtrip_every_mss),
	KUNIT_CASE(cookie_roundtrip_boundary_mss),
	KUNIT_CASE(cookie_age),
	KUNIT_CASE(cookie_clock_wrap),
	KUNIT_CASE(cookie_other_flow),
	KUNIT_CASE(cookie_other_secret),
	KUNIT_CASE(cookie_bit_flips),
	KUNIT_CASE(cookie_ws_field),
	KUNIT_CASE(cookie_roundtrip_nots_fields),
	KUNIT_CASE(cookie_ts_has_no_fields),
	KUNIT_CASE(cookie_model_vectors),
	KUNIT_CASE(cookie_two_keys),
	KUNIT_CASE_SLOW(cookie_forgeries),
	KUNIT_CASE_SLOW(cookie_forgeries_nots),
	{}
};

static struct kunit_suite syngate_cookie_suite = {
	.name = "syngate_cookie",
	.test_cases = syngate_cookie_cases,
};

kunit_test_suites(&syngate_cookie_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for xt_SYNGATE's pure logic");
