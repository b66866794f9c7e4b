// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: where an ICMP error quotes a TCP sequence number
 * (syngate_icmp_quoted_seq(), kmod/icmp.c), for the errors path MTU
 * discovery sends and for what must be left alone.
 */
#include <kunit/test.h>

#include "../icmp.c"

#define MSG_MAX	(SYNGATE_ICMP_HLEN + 60 + 8)

/* An error of @type quoting an IPv4 header of @ihl words and 8 TCP bytes. */
static unsigned int msg4(u8 *m, u8 type, unsigned int ihl)
{
	memset(m, 0, MSG_MAX);
	m[0] = type;
	m[8] = 0x40 | ihl;
	m[8 + 9] = IPPROTO_TCP;
	return SYNGATE_ICMP_HLEN + ihl * 4 + 8;
}

static unsigned int msg6(u8 *m, u8 type, u8 nexthdr)
{
	memset(m, 0, MSG_MAX);
	m[0] = type;
	m[8] = 0x60;
	m[8 + 6] = nexthdr;
	return SYNGATE_ICMP_HLEN + sizeof(struct ipv6hdr) + 8;
}

static void icmp_quoted_ipv4(struct kunit *test)
{
	u8 m[MSG_MAX];
	unsigned int len;

	len = msg4(m, ICMP_DEST_UNREACH, 5);	/* fragmentation needed */
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			8 + 20 + 4);
	len = msg4(m, ICMP_TIME_EXCEEDED, 15);	/* 40 bytes of IP options */
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			8 + 60 + 4);
	/* cut short: the sequence number's last byte missing */
	len = msg4(m, ICMP_DEST_UNREACH, 5);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len - 1,
						      NFPROTO_IPV4), -1);
	/* not an error: an echo reply carries no quote */
	len = msg4(m, ICMP_ECHOREPLY, 5);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			-1);
	/* a UDP quote, a bad IHL, an IPv6 header, a later fragment */
	len = msg4(m, ICMP_DEST_UNREACH, 5);
	m[8 + 9] = IPPROTO_UDP;
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			-1);
	len = msg4(m, ICMP_DEST_UNREACH, 4);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			-1);
	len = msg4(m, ICMP_DEST_UNREACH, 5);
	m[8] = 0x65;
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			-1);
	len = msg4(m, ICMP_DEST_UNREACH, 5);
	m[8 + 7] = 1;	/* fragment offset 8 bytes */
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			-1);
	m[8 + 7] = 0;
	m[8 + 6] = 0x20;	/* more fragments, offset 0: the first one */
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV4),
			8 + 20 + 4);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, 7, NFPROTO_IPV4), -1);
}

static void icmp_quoted_ipv6(struct kunit *test)
{
	u8 m[MSG_MAX];
	unsigned int len;

	len = msg6(m, ICMPV6_PKT_TOOBIG, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV6),
			8 + 40 + 4);
	len = msg6(m, ICMPV6_DEST_UNREACH, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV6),
			8 + 40 + 4);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len - 1,
						      NFPROTO_IPV6), -1);
	/* extension headers before TCP: not followed */
	len = msg6(m, ICMPV6_PKT_TOOBIG, NEXTHDR_HOP);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV6),
			-1);
	/* informational messages quote nothing */
	len = msg6(m, ICMPV6_ECHO_REPLY, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV6),
			-1);
	/* an IPv4 header where IPv6 is due */
	len = msg6(m, ICMPV6_PKT_TOOBIG, IPPROTO_TCP);
	m[8] = 0x45;
	KUNIT_EXPECT_EQ(test, syngate_icmp_quoted_seq(m, len, NFPROTO_IPV6),
			-1);
}

static struct kunit_case syngate_icmp_cases[] = {
	KUNIT_CASE(icmp_quoted_ipv4),
	KUNIT_CASE(icmp_quoted_ipv6),
	{}
};

static struct kunit_suite syngate_icmp_suite = {
	.name = "syngate_icmp",
	.test_cases = syngate_icmp_cases,
};

kunit_test_suites(&syngate_icmp_suite);
