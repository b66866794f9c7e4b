// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: what operators write to /proc/net/syngate_key (kmod/keycmd.c).
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "../keycmd.c"

/* The key whose bytes are 00..0f, as a key file holds it. */
#define HEX_00_0F	"000102030405060708090a0b0c0d0e0f"

static void expect_key_00_0f(struct kunit *test, const siphash_key_t *k)
{
	KUNIT_EXPECT_EQ(test, k->key[0], 0x0706050403020100ULL);
	KUNIT_EXPECT_EQ(test, k->key[1], 0x0f0e0d0c0b0a0908ULL);
}

static void key_parse_good(struct kunit *test)
{
	static const struct {
		const char *in;
		enum syngate_key_cmd cmd;
	} good[] = {
		{ "set " HEX_00_0F, SYNGATE_KEY_SET },
		{ "set " HEX_00_0F "\n", SYNGATE_KEY_SET },
		{ "rotate " HEX_00_0F "\n", SYNGATE_KEY_ROTATE },
		{ "set 000102030405060708090A0B0C0D0E0F", SYNGATE_KEY_SET },
	};
	enum syngate_key_cmd cmd;
	siphash_key_t k;
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		const char *in = good[i].in;

		memset(&k, 0xa5, sizeof(k));
		err = syngate_key_parse(in, strlen(in), &cmd, &k);
		KUNIT_ASSERT_EQ_MSG(test, err, 0, "'%s'", in);
		KUNIT_EXPECT_EQ(test, cmd, good[i].cmd);
		expect_key_00_0f(test, &k);
	}
	KUNIT_EXPECT_EQ(test, syngate_key_parse("clear\n", 6, &cmd, &k), 0);
	KUNIT_EXPECT_EQ(test, cmd, SYNGATE_KEY_CLEAR);
}

static void key_parse_bad(struct kunit *test)
{
	static const char *const bad[] = {
		"",
		"\n",
		"set",
		"set ",
		"set " HEX_00_0F "0",			/* 33 digits */
		"set 000102030405060708090a0b0c0d0e0",	/* 31 digits */
		"set 000102030405060708090a0b0c0d0e0g",	/* not hex */
		"set  000102030405060708090a0b0c0d0e0f",	/* two spaces */
		"set " HEX_00_0F "\n\n",
		"Set " HEX_00_0F,
		"rotate" HEX_00_0F,
		"clear " HEX_00_0F,
		"clearx",
		"get " HEX_00_0F,
	};
	enum syngate_key_cmd cmd;
	siphash_key_t k;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = syngate_key_parse(bad[i], strlen(bad[i]), &cmd, &k);

		KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL, "'%s'", bad[i]);
	}
	/* a length that stops short of the buffer's end is what counts */
	KUNIT_EXPECT_EQ(test, syngate_key_parse("set " HEX_00_0F, 35, &cmd, &k),
			-EINVAL);
}

/* The fingerprint is the documented SipHash, checked by an outside model. */
static void key_fingerprint(struct kunit *test)
{
	siphash_key_t k = {{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL }};
	siphash_key_t k2 = k;

	/* tests/cookie/model.py: siphash24(key 00..0f, b"syngate1") */
	KUNIT_EXPECT_EQ(test, syngate_key_fingerprint(&k),
			0xeb43cec7517462ecULL);
	k2.key[1] ^= 1;
	KUNIT_EXPECT_NE(test, syngate_key_fingerprint(&k2),
			syngate_key_fingerprint(&k));
}

static void key_apply(struct kunit *test)
{
	siphash_key_t k1 = {{ 1, 1 }}, k2 = {{ 2, 2 }}, k3 = {{ 3, 3 }};
	struct syngate_keys random = { .cur = k1 }, a, b, c;

	/* rotate away from the random secret: it still checks its cookies */
	syngate_keys_apply(&random, &a, SYNGATE_KEY_ROTATE, &k2, 100);
	KUNIT_EXPECT_TRUE(test, a.cur_set && a.has_prev && !a.prev_set);
	KUNIT_EXPECT_EQ(test, a.cur.key[0], 2ULL);
	KUNIT_EXPECT_EQ(test, a.prev.key[0], 1ULL);
	KUNIT_EXPECT_EQ(test, a.cur_set_at, (time64_t)100);
	/* rotate again: the key two rotations old is gone */
	syngate_keys_apply(&a, &b, SYNGATE_KEY_ROTATE, &k3, 200);
	KUNIT_EXPECT_EQ(test, b.cur.key[0], 3ULL);
	KUNIT_EXPECT_EQ(test, b.prev.key[0], 2ULL);
	KUNIT_EXPECT_TRUE(test, b.prev_set);
	KUNIT_EXPECT_EQ(test, b.prev_set_at, (time64_t)100);
	/* set: no previous key */
	syngate_keys_apply(&b, &c, SYNGATE_KEY_SET, &k1, 300);
	KUNIT_EXPECT_TRUE(test, c.cur_set && !c.has_prev);
	/* clear: a random current key, no previous */
	syngate_keys_apply(&b, &c, SYNGATE_KEY_CLEAR, &k2, 400);
	KUNIT_EXPECT_FALSE(test, c.cur_set || c.has_prev);
	KUNIT_EXPECT_EQ(test, c.cur_set_at, (time64_t)0);
}

static struct kunit_case syngate_keys_cases[] = {
	KUNIT_CASE(key_parse_good),
	KUNIT_CASE(key_parse_bad),
	KUNIT_CASE(key_fingerprint),
	KUNIT_CASE(key_apply),
	{}
};

static struct kunit_suite syngate_keys_suite = {
	.name = "syngate_keys",
	.test_cases = syngate_keys_cases,
};

kunit_test_suites(&syngate_keys_suite);
