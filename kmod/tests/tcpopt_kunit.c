// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: TCP option parsing and building, and the timestamp cookie
 * (kmod/tcpopt.c).
 *
 * Every option list is handed to the code under test in a buffer
 * kmalloc'ed to exactly its length, so that on a KASAN kernel a read one
 * byte past the list is reported. Random lists are also checked against
 * an independent reference parser written from the rules tcpopt.c states.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../tcpopt.c"

#define O_MSS	XT_SYNGATE_OPT_MSS
#define O_WS	XT_SYNGATE_OPT_WSCALE
#define O_SACK	XT_SYNGATE_OPT_SACK_PERM
#define O_TS	XT_SYNGATE_OPT_TIMESTAMP
#define O_ECN	XT_SYNGATE_OPT_ECN
/* Every bit a segment's options can carry: the rule's --learn cannot. */
#define O_ALL	(O_MSS | O_WS | O_SACK | O_TS | O_ECN)

/* A copy of @len bytes of @src in a buffer of exactly @len bytes. */
static u8 *exact_copy(struct kunit *test, const u8 *src, unsigned int len)
{
	u8 *p = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	if (len)
		memcpy(p, src, len);
	return p;
}

/* ------------------------------------------------------------ reference */

static u32 ref_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/*
 * Reference parser, written from the contract in tcpopt.c rather than
 * from its code: EOL ends the list, NOP is one byte, every other option
 * is kind, length (>= 2, within the list), value; MSS/WS/SACK-perm/TS
 * must have their RFC lengths and appear once; unknown kinds are skipped;
 * more than 40 bytes is an error; a window scale above 14 reads as 14.
 */
static int ref_parse(const u8 *p, unsigned int len, struct syngate_opts *o,
		     int *ts_at)
{
	static const u8 rfc_len[9] = { [2] = 4, [3] = 3, [4] = 2, [8] = 10 };
	static const u8 bit[9] = { [2] = O_MSS, [3] = O_WS, [4] = O_SACK,
				   [8] = O_TS };
	unsigned int pos;

	memset(o, 0, sizeof(*o));
	*ts_at = -1;
	if (len > 40)
		return -EINVAL;
	for (pos = 0; pos < len;) {
		unsigned int kind = p[pos], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			pos += 1;
			continue;
		}
		if (pos + 1 >= len)
			return -EINVAL;
		olen = p[pos + 1];
		if (olen < 2 || pos + olen > len)
			return -EINVAL;
		if (kind < ARRAY_SIZE(bit) && bit[kind]) {
			if (olen != rfc_len[kind] || (o->options & bit[kind]))
				return -EINVAL;
			o->options |= bit[kind];
			if (kind == 2)
				o->mss = p[pos + 2] << 8 | p[pos + 3];
			if (kind == 3)
				o->wscale = p[pos + 2] > 14 ? 14 : p[pos + 2];
			if (kind == 8) {
				o->tsval = ref_be32(p + pos + 2);
				o->tsecr = ref_be32(p + pos + 6);
				*ts_at = pos + 2;
			}
		}
		pos += olen;
	}
	return 0;
}

/*
 * What syngate_opts_find_ts() promises: the offset of the first TS
 * option's value when the list is well formed up to it, else -1. It is
 * tolerant (no duplicate or per-kind length checks) where the parser is
 * strict, so it gets its own reference.
 */
static int ref_find_ts(const u8 *p, unsigned int len)
{
	unsigned int pos = 0;

	while (pos < len) {
		if (p[pos] == 0)
			return -1;
		if (p[pos] == 1) {
			pos++;
			continue;
		}
		if (pos + 1 >= len || p[pos + 1] < 2 || pos + p[pos + 1] > len)
			return -1;
		if (p[pos] == 8 && p[pos + 1] == 10)
			return pos + 2;
		pos += p[pos + 1];
	}
	return -1;
}

static void expect_same_opts(struct kunit *test, const struct syngate_opts *a,
			     const struct syngate_opts *b, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, a->options, b->options, "%s", what);
	if (a->options & O_MSS)
		KUNIT_EXPECT_EQ_MSG(test, a->mss, b->mss, "%s", what);
	if (a->options & O_WS)
		KUNIT_EXPECT_EQ_MSG(test, a->wscale, b->wscale, "%s", what);
	if (a->options & O_TS) {
		KUNIT_EXPECT_EQ_MSG(test, a->tsval, b->tsval, "%s", what);
		KUNIT_EXPECT_EQ_MSG(test, a->tsecr, b->tsecr, "%s", what);
	}
}

/* ------------------------------------------------------------ parser */

struct parse_case {
	const char	*name;
	u8		nops;		/* leading NOPs, then b[] */
	u8		b[24];
	u8		len;		/* in all */
	int		ret;
	u8		options;
	u16		mss;
	u8		ws;
	u32		tsval, tsecr;
	int		ts_at;		/* syngate_opts_find_ts() */
};

static const struct parse_case parse_cases[] = {
	/* valid */
	{ "empty", 0, {}, 0, 0, 0, .ts_at = -1 },
	{ "linux SYN", 0, { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0x80, 0, 0, 2,
	  1, 3, 3, 7 }, 20, 0, O_MSS | O_SACK | O_TS | O_WS, 1460, 7, 1,
	  0x80000002, 8 },
	{ "MSS only", 0, { 2, 4, 0xff, 0xff }, 4, 0, O_MSS, 65535, .ts_at = -1 },
	{ "TS after NOP NOP", 0, { 1, 1, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 },
	  12, 0, O_TS, .tsval = 0xffffffff, .ts_at = 4 },
	{ "SACK-perm in TS padding", 0, { 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 }, 12,
	  0, O_SACK | O_TS, .tsval = 0x01020304, .tsecr = 0x05060708,
	  .ts_at = 4 },
	{ "40 bytes, NOP padded", 36, { 2, 4, 2, 0x18 }, 40, 0, O_MSS, 536,
	  .ts_at = -1 },
	{ "40 NOPs", 40, {}, 40, 0, 0, .ts_at = -1 },
	{ "EOL ends the list", 0, { 2, 4, 5, 0xb4, 0, 2, 4, 0, 0, 8, 0xff },
	  11, 0, O_MSS, 1460, .ts_at = -1 },
	{ "EOL first", 0, { 0, 2, 4, 5, 0xb4 }, 5, 0, 0, .ts_at = -1 },
	{ "NOP NOP EOL", 0, { 1, 1, 0 }, 3, 0, 0, .ts_at = -1 },
	{ "EOL then a TS", 0, { 0, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0 }, 11, 0, 0,
	  .ts_at = -1 },
	{ "wscale 14", 0, { 3, 3, 14 }, 3, 0, O_WS, .ws = 14, .ts_at = -1 },
	{ "wscale 15 read as 14", 0, { 3, 3, 15 }, 3, 0, O_WS, .ws = 14,
	  .ts_at = -1 },
	{ "wscale 255 read as 14", 0, { 3, 3, 255 }, 3, 0, O_WS, .ws = 14,
	  .ts_at = -1 },
	{ "unknown kind skipped", 0, { 30, 8, 1, 2, 3, 4, 5, 6, 2, 4, 5, 0xb4 }, 12,
	  0, O_MSS, 1460, .ts_at = -1 },
	{ "SACK blocks skipped", 0, { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 }, 12, 0,
	  0, .ts_at = -1 },
	{ "MD5 skipped", 0, { 19, 18, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
	  14, 15, 2, 4, 5, 0x78 }, 22, 0, O_MSS, 1400, .ts_at = -1 },
	{ "unknown kind twice", 0, { 30, 2, 30, 2 }, 4, 0, 0, .ts_at = -1 },
	{ "kind 255 skipped", 0, { 255, 2, 3, 3, 0 }, 5, 0, O_WS, .ws = 0,
	  .ts_at = -1 },
	/* truncated */
	{ "MSS kind only", 0, { 2 }, 1, -EINVAL, .ts_at = -1 },
	{ "MSS without value", 0, { 2, 4 }, 2, -EINVAL, .ts_at = -1 },
	{ "MSS half a value", 0, { 2, 4, 5 }, 3, -EINVAL, .ts_at = -1 },
	{ "TS one byte short", 0, { 8, 10, 0, 0, 0, 1, 0, 0, 0 }, 9, -EINVAL,
	  .ts_at = -1 },
	{ "TS kind only", 0, { 1, 1, 8 }, 3, -EINVAL, .ts_at = -1 },
	{ "NOP NOP TS, one byte short", 0, { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0 },
	  11, -EINVAL, .ts_at = -1 },
	{ "trailing kind byte", 0, { 2, 4, 5, 0xb4, 3 }, 5, -EINVAL, .ts_at = -1 },
	{ "unknown kind truncated", 0, { 30, 8, 1, 2 }, 4, -EINVAL, .ts_at = -1 },
	{ "TS fine, then truncated", 0, { 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 3, 3 },
	  12, -EINVAL, .ts_at = 2 },
	/* overlong */
	{ "length past the end", 0, { 2, 40, 5, 0xb4 }, 4, -EINVAL, .ts_at = -1 },
	{ "length 255", 0, { 30, 255 }, 40, -EINVAL, .ts_at = -1 },
	{ "NOPs, then length past 40", 30, { 30, 11 }, 40, -EINVAL,
	  .ts_at = -1 },
	{ "41 bytes", 41, {}, 41, -EINVAL, .ts_at = -1 },
	{ "48 bytes", 48, {}, 48, -EINVAL, .ts_at = -1 },
	/* zero or one length: must not loop or step backwards */
	{ "length 0", 0, { 30, 0, 1, 1 }, 4, -EINVAL, .ts_at = -1 },
	{ "length 1", 0, { 30, 1, 1, 1 }, 4, -EINVAL, .ts_at = -1 },
	{ "MSS length 0", 0, { 2, 0, 5, 0xb4 }, 4, -EINVAL, .ts_at = -1 },
	{ "TS length 0", 0, { 8, 0, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0 }, 12, -EINVAL,
	  .ts_at = -1 },
	/* duplicated */
	{ "MSS twice", 0, { 2, 4, 5, 0xb4, 2, 4, 2, 0x18 }, 8, -EINVAL,
	  .ts_at = -1 },
	{ "WS twice", 0, { 3, 3, 7, 3, 3, 7 }, 6, -EINVAL, .ts_at = -1 },
	{ "SACK-perm twice", 0, { 4, 2, 4, 2 }, 4, -EINVAL, .ts_at = -1 },
	{ "TS twice", 0, { 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 8, 10, 0, 0, 0, 2, 0, 0,
	  0, 0 }, 20, -EINVAL, .ts_at = 2 },
	/* wrong length for the kind */
	{ "MSS length 3", 0, { 2, 3, 5, 1 }, 4, -EINVAL, .ts_at = -1 },
	{ "MSS length 5", 0, { 2, 5, 5, 0xb4, 0 }, 5, -EINVAL, .ts_at = -1 },
	{ "WS length 2", 0, { 3, 2, 1, 1 }, 4, -EINVAL, .ts_at = -1 },
	{ "WS length 4", 0, { 3, 4, 7, 0 }, 4, -EINVAL, .ts_at = -1 },
	{ "SACK-perm length 3", 0, { 4, 3, 0, 1 }, 4, -EINVAL, .ts_at = -1 },
	{ "TS length 8", 0, { 8, 8, 0, 0, 0, 1, 0, 0 }, 8, -EINVAL, .ts_at = -1 },
	{ "TS length 12", 0, { 8, 12, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1 }, 12, -EINVAL,
	  .ts_at = -1 },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(parse_cases, parse_cases, parse_case_desc);

static void tcpopt_parse(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct syngate_opts got, ref, want = {
		.options = c->options, .mss = c->mss, .wscale = c->ws,
		.tsval = c->tsval, .tsecr = c->tsecr,
	};
	u8 buf[64], *p;
	int ref_ts, r;

	memset(buf, TCPOPT_NOP, c->nops);
	memcpy(buf + c->nops, c->b,
	       min_t(unsigned int, sizeof(c->b), c->len - c->nops));
	p = exact_copy(test, buf, c->len);

	r = syngate_opts_parse(p, c->len, &got);
	KUNIT_EXPECT_EQ(test, r, c->ret);
	if (!r)
		expect_same_opts(test, &got, &want, c->name);
	KUNIT_EXPECT_EQ(test, syngate_opts_find_ts(p, c->len), c->ts_at);

	/* The reference agrees with the table, i.e. with the contract. */
	KUNIT_EXPECT_EQ(test, ref_parse(p, c->len, &ref, &ref_ts), c->ret);
	if (!c->ret)
		expect_same_opts(test, &ref, &want, "reference");
	KUNIT_EXPECT_EQ(test, ref_find_ts(p, c->len), c->ts_at);
}

/* Bytes for the exhaustive 3-byte lists: kinds and lengths. */
static const u8 interesting[16] = {
	0, 1, 2, 3, 4, 5, 8, 10, 19, 30, 0x7f, 0x80, 0xfe, 0xff, 6, 9,
};

struct ref_run {
	unsigned long	lists, accepted, mismatches;
};

/* Parse @src (@len bytes, copied to an exact-size buffer) both ways. */
static void check_against_ref(struct kunit *test, struct ref_run *run,
			      const u8 *src, unsigned int len)
{
	struct syngate_opts got, ref;
	int r, rr, ts, rts, ref_ts;
	bool same;
	u8 *p = kmalloc(len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	if (len)
		memcpy(p, src, len);
	r = syngate_opts_parse(p, len, &got);
	rr = ref_parse(p, len, &ref, &ref_ts);
	ts = syngate_opts_find_ts(p, len);
	rts = ref_find_ts(p, len);
	same = r == rr && ts == rts;
	if (same && !r) {
		same = got.options == ref.options &&
		       (!(got.options & O_MSS) || got.mss == ref.mss) &&
		       (!(got.options & O_WS) || got.wscale == ref.wscale) &&
		       (!(got.options & O_TS) || (got.tsval == ref.tsval &&
						  got.tsecr == ref.tsecr));
		run->accepted++;
	}
	if (!same && run->mismatches++ < 8)
		KUNIT_FAIL(test,
			   "len %u %*ph: parse %d/%#x, ref %d/%#x; ts %d, ref %d",
			   len, (int)len, p, r, got.options, rr, ref.options,
			   ts, rts);
	run->lists++;
	kfree(p);
}

/* Every list of up to 2 bytes, and every 3-byte list of interesting bytes. */
static void tcpopt_parse_exhaustive_short(struct kunit *test)
{
	struct ref_run run = {};
	unsigned int a, b;
	u8 buf[3];

	check_against_ref(test, &run, buf, 0);
	for (a = 0; a < 256; a++) {
		buf[0] = a;
		check_against_ref(test, &run, buf, 1);
		for (b = 0; b < 256; b++) {
			buf[1] = b;
			check_against_ref(test, &run, buf, 2);
		}
		cond_resched();
	}
	for (a = 0; a < 16 * 16 * 16; a++) {
		buf[0] = interesting[a % 16];
		buf[1] = interesting[a / 16 % 16];
		buf[2] = interesting[a / 256];
		check_against_ref(test, &run, buf, 3);
	}
	kunit_info(test, "%lu short lists, %lu parsed as valid, %lu mismatches\n",
		   run.lists, run.accepted, run.mismatches);
	KUNIT_EXPECT_EQ(test, run.mismatches, 0UL);
}

/*
 * Random option lists built from plausible and broken pieces, cut at a
 * random length 0..40 (so most end mid-option), plus some pure noise.
 */
#define RANDOM_LISTS	200000

static unsigned int random_piece(struct rnd_state *rnd, u8 *t)
{
	u32 r = prandom_u32_state(rnd);
	unsigned int k = 0, i;

	switch (r % 12) {
	case 0:
		t[k++] = TCPOPT_NOP;
		break;
	case 1:
		t[k++] = TCPOPT_EOL;
		break;
	case 2:
		t[k++] = TCPOPT_MSS;
		t[k++] = TCPOLEN_MSS;
		t[k++] = r >> 8;
		t[k++] = r >> 16;
		break;
	case 3:
		t[k++] = TCPOPT_WINDOW;
		t[k++] = TCPOLEN_WINDOW;
		t[k++] = (r >> 8) % 20;
		break;
	case 4:
		t[k++] = TCPOPT_SACK_PERM;
		t[k++] = TCPOLEN_SACK_PERM;
		break;
	case 5:
		t[k++] = TCPOPT_TIMESTAMP;
		t[k++] = TCPOLEN_TIMESTAMP;
		for (i = 0; i < 8; i++)
			t[k++] = prandom_u32_state(rnd);
		break;
	case 6:		/* SACK blocks */
		t[k++] = TCPOPT_SACK;
		t[k++] = 2 + 8 * ((r >> 8) % 4);
		for (i = 2; i < t[1]; i++)
			t[k++] = r >> i;
		break;
	case 7:		/* a known kind with a random length byte */
		t[k++] = "\x02\x03\x04\x08"[(r >> 8) % 4];
		t[k++] = (r >> 16) % 16;
		break;
	case 8:		/* unknown kind, random length and value */
		t[k++] = 9 + (r >> 8) % 200;
		t[k++] = (r >> 16) % 24;
		for (i = 0; i < (r >> 24) % 12; i++)
			t[k++] = prandom_u32_state(rnd);
		break;
	default:
		t[k++] = r >> 8;
		break;
	}
	return k;
}

static unsigned int random_list(struct rnd_state *rnd, u8 *b)
{
	unsigned int len = 0, want = prandom_u32_state(rnd) % 41;
	u8 piece[32];

	if (prandom_u32_state(rnd) % 8 == 0) {
		prandom_bytes_state(rnd, b, want);
		return want;
	}
	while (len < want) {
		unsigned int i, k = random_piece(rnd, piece);

		for (i = 0; i < k && len < want; i++)
			b[len++] = piece[i];
	}
	return len;
}

static void tcpopt_parse_random(struct kunit *test)
{
	struct ref_run run = {};
	struct rnd_state rnd;
	unsigned int i;
	u8 b[44];

	prandom_seed_state(&rnd, 0x7c9097ULL);
	for (i = 0; i < RANDOM_LISTS; i++) {
		check_against_ref(test, &run, b, random_list(&rnd, b));
		if (!(i & 0x3fff))
			cond_resched();
	}
	kunit_info(test, "%lu random lists, %lu parsed as valid, %lu mismatches\n",
		   run.lists, run.accepted, run.mismatches);
	KUNIT_EXPECT_EQ(test, run.mismatches, 0UL);
	KUNIT_EXPECT_GT(test, run.accepted, (unsigned long)RANDOM_LISTS / 20);
}

/* ------------------------------------------------------------ builder */

/*
 * Bytes a builder with options @o writes, as Linux lays them out
 * (tcp_options_write()): MSS; SACK-perm folded into the TS padding, or
 * NOP NOP SACK-perm alone; NOP + WS.
 */
static unsigned int expected_len(u8 o)
{
	return (o & O_MSS ? 4 : 0) + (o & O_TS ? 12 : o & O_SACK ? 4 : 0) +
	       (o & O_WS ? 4 : 0);
}

static void check_layout(struct kunit *test, const u8 *p, unsigned int len,
			 const struct syngate_opts *o)
{
	unsigned int pos = 0;

	KUNIT_EXPECT_EQ(test, len % 4, 0U);
	KUNIT_EXPECT_LE(test, len, (unsigned int)SYNGATE_TCPOPT_BUILD_MAX);
	while (pos < len) {
		switch (p[pos]) {
		case 1:
			pos++;
			continue;
		case 2:
			KUNIT_EXPECT_EQ_MSG(test, pos % 4, 0U, "MSS at %u", pos);
			break;
		case 3:
			KUNIT_EXPECT_EQ_MSG(test, pos % 4, 1U, "WS at %u", pos);
			break;
		case 4:
			KUNIT_EXPECT_EQ_MSG(test, pos % 2, 0U, "SACK at %u", pos);
			break;
		case 8:
			/* the 32-bit values themselves 4-byte aligned */
			KUNIT_EXPECT_EQ_MSG(test, pos % 4, 2U, "TS at %u", pos);
			break;
		default:
			KUNIT_FAIL(test, "unexpected byte %u at %u", p[pos], pos);
			return;
		}
		KUNIT_ASSERT_GE(test, p[pos + 1], 2);
		pos += p[pos + 1];
	}
	KUNIT_EXPECT_EQ(test, pos, len);
}

static void tcpopt_build_every_combination(struct kunit *test)
{
	static const u16 mss[] = { 0, 536, 1460, 8960, 65535 };
	static const u32 ts[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff };
	unsigned int o, ws, i, n = 0;

	for (o = 0; o <= O_ALL; o++) {
		for (ws = 0; ws <= TCP_MAX_WSCALE; ws++) {
			for (i = 0; i < ARRAY_SIZE(mss); i++) {
				struct syngate_opts in = {
					.options = o, .wscale = ws,
					.mss = mss[i], .tsval = ts[i],
					.tsecr = ts[(i + ws) % ARRAY_SIZE(ts)],
				}, out;
				unsigned int len = syngate_opts_len(&in);
				u8 *p;

				KUNIT_EXPECT_EQ(test, len, expected_len(o));
				/* exactly len bytes: KASAN sees any overrun */
				p = kunit_kmalloc(test, len, GFP_KERNEL);
				KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
				syngate_opts_build(p, &in);
				check_layout(test, p, len, &in);
				KUNIT_ASSERT_EQ(test,
						syngate_opts_parse(p, len, &out), 0);
				in.options &= ~O_ECN;	/* not a TCP option */
				expect_same_opts(test, &out, &in, "parse(build)");
				KUNIT_EXPECT_EQ(test, syngate_opts_find_ts(p, len),
						o & O_TS ? (int)(len - 8 -
						(o & O_WS ? 4 : 0)) : -1);
				kunit_kfree(test, p);
				n++;
			}
		}
	}
	kunit_info(test, "%u option sets built and parsed back\n", n);
}

/* The exact bytes of the common SYN-ACK option blocks. */
static void tcpopt_build_bytes(struct kunit *test)
{
	static const u8 full[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0x12, 0x34, 0x56,
				   0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 3, 3, 7 };
	static const u8 nosack[] = { 2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1,
				     0, 0, 0, 2 };
	static const u8 sackonly[] = { 1, 1, 4, 2 };
	struct syngate_opts o = {
		.options = O_MSS | O_TS | O_SACK | O_WS, .mss = 1460,
		.wscale = 7, .tsval = 0x12345678, .tsecr = 0x9abcdef0,
	};
	u8 buf[SYNGATE_TCPOPT_BUILD_MAX];

	KUNIT_ASSERT_EQ(test, syngate_opts_len(&o), (unsigned int)sizeof(full));
	syngate_opts_build(buf, &o);
	KUNIT_EXPECT_MEMEQ(test, buf, full, sizeof(full));

	o.options = O_MSS | O_TS;
	o.tsval = 1;
	o.tsecr = 2;
	KUNIT_ASSERT_EQ(test, syngate_opts_len(&o), (unsigned int)sizeof(nosack));
	syngate_opts_build(buf, &o);
	KUNIT_EXPECT_MEMEQ(test, buf, nosack, sizeof(nosack));

	o.options = O_SACK;
	KUNIT_ASSERT_EQ(test, syngate_opts_len(&o), (unsigned int)sizeof(sackonly));
	syngate_opts_build(buf, &o);
	KUNIT_EXPECT_MEMEQ(test, buf, sackonly, sizeof(sackonly));

	o.options = 0;
	KUNIT_EXPECT_EQ(test, syngate_opts_len(&o), 0U);
	o.options = O_ECN;
	KUNIT_EXPECT_EQ(test, syngate_opts_len(&o), 0U);
}

static struct kunit_case syngate_tcpopt_cases[] = {
	KUNIT_CASE_PARAM(tcpopt_parse, parse_cases_gen_params),
	KUNIT_CASE(tcpopt_parse_exhaustive_short),
	KUNIT_CASE_SLOW(tcpopt_parse_random),
	KUNIT_CASE(tcpopt_build_every_combination),
	KUNIT_CASE(tcpopt_build_bytes),
	{}
};

static struct kunit_suite syngate_tcpopt_suite = {
	.name = "syngate_tcpopt",
	.test_cases = syngate_tcpopt_cases,
};

/* ------------------------------------------------------------ TS cookie */

/*
 * Every client window scale (0..14 and none) x SACK x ECN, and a spread of
 * our own announced scales and clock values: decode(encode(x)) == x.
 */
static void tscookie_roundtrip(struct kunit *test)
{
	static const u32 clocks[] = { 0, 1, 0x3ff, 0x400, 0x12345678,
				      0x7fffffff, 0x80000000, 0xfffffc00,
				      0xffffffff };
	const unsigned int nclk = ARRAY_SIZE(clocks);
	const unsigned int total = 16 * 2 * 2 * (TCP_MAX_WSCALE + 1) * nclk;
	unsigned int n;

	for (n = 0; n < total; n++) {
		unsigned int ws = n % 16, sack = n / 16 % 2, ecn = n / 32 % 2;
		unsigned int ours = n / 64 % (TCP_MAX_WSCALE + 1);
		u32 clock = clocks[n / 64 / (TCP_MAX_WSCALE + 1)];
		bool has_ws = ws <= TCP_MAX_WSCALE;
		struct syngate_opts in = {
			.options = O_TS | (has_ws ? O_WS : 0) |
				   (sack ? O_SACK : 0) | (ecn ? O_ECN : 0),
			.wscale = has_ws ? ws : 0,
		}, out = { .options = O_TS | O_MSS, .mss = 1460 };
		u32 tsval = syngate_tscookie_encode(clock, &in, ours);

		KUNIT_EXPECT_NE(test, tsval, 0U);
		KUNIT_EXPECT_EQ(test, tsval & BIT(31), 0UL);
		/* the clock is in the bits the cookie does not use */
		if (clock & ~SYNGATE_TS_BITS)
			KUNIT_EXPECT_EQ(test, tsval & ~SYNGATE_TS_BITS,
					clock & ~SYNGATE_TS_BITS);
		KUNIT_ASSERT_EQ(test, syngate_tscookie_decode(tsval, &out), 0);
		/* decode touches only its own bits */
		KUNIT_EXPECT_EQ(test, out.options & (O_TS | O_MSS), O_TS | O_MSS);
		KUNIT_EXPECT_EQ(test, out.mss, 1460);
		KUNIT_EXPECT_EQ(test, out.options & (O_WS | O_SACK | O_ECN),
				in.options & (O_WS | O_SACK | O_ECN));
		if (has_ws) {
			KUNIT_EXPECT_EQ(test, out.wscale, ws);
			KUNIT_EXPECT_EQ(test, syngate_tscookie_our_wscale(tsval),
					(int)ours);
		} else {
			KUNIT_EXPECT_EQ(test, syngate_tscookie_our_wscale(tsval),
					-1);
		}
	}
	kunit_info(test, "%u timestamp cookies round-tripped\n", total);
}

/* Options a TSecr says are cleared when it says they are absent. */
static void tscookie_decode_clears(struct kunit *test)
{
	struct syngate_opts in = { .options = O_TS }, out = {
		.options = O_TS | O_WS | O_SACK | O_ECN, .wscale = 9,
	};
	u32 tsval = syngate_tscookie_encode(0x10000, &in, 7);

	KUNIT_ASSERT_EQ(test, syngate_tscookie_decode(tsval, &out), 0);
	KUNIT_EXPECT_EQ(test, out.options, (u8)O_TS);
}

/* Any TSecr at all decodes to something a SYN can carry. */
static void tscookie_decode_any(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, 42);
	for (i = 0; i < 65536; i++) {
		u32 v = i < 4096 ? i : prandom_u32_state(&rnd);
		struct syngate_opts out = {};
		int r = syngate_tscookie_decode(v, &out);

		if (r == 0 && (out.options & O_WS))
			KUNIT_EXPECT_LE(test, out.wscale, TCP_MAX_WSCALE);
		KUNIT_EXPECT_LE(test, syngate_tscookie_our_wscale(v),
				(int)TCP_MAX_WSCALE);
	}
}

static struct kunit_case syngate_tscookie_cases[] = {
	KUNIT_CASE(tscookie_roundtrip),
	KUNIT_CASE(tscookie_decode_clears),
	KUNIT_CASE(tscookie_decode_any),
	{}
};

static struct kunit_suite syngate_tscookie_suite = {
	.name = "syngate_tscookie",
	.test_cases = syngate_tscookie_cases,
};

kunit_test_suites(&syngate_tcpopt_suite, &syngate_tscookie_suite);
