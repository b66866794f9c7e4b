// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the stash of client data (kmod/stash.c). Its bounds (in all, per
 * flow, in age), that a flow gets back only its own segments in arrival
 * order, that a reset flow's data is forgotten, and that a segment whose
 * TCP header is not in the linear area is pulled before it is held: the
 * stash matches held segments by their headers.
 */
#include <kunit/test.h>

#include "../stash.c"

#define DATA_LEN	5

static void flow_init(struct syngate_flow *f, u8 family, u16 sport)
{
	memset(f, 0, sizeof(*f));
	f->family = family;
	f->sport = htons(sport);
	f->dport = htons(80);
	if (family == NFPROTO_IPV6) {
		f->saddr.in6.s6_addr32[0] = htonl(0x20010db8);
		f->saddr.in6.s6_addr32[3] = htonl(2);
		f->daddr.in6.s6_addr32[0] = htonl(0x20010db8);
		f->daddr.in6.s6_addr32[1] = htonl(1);
		f->daddr.in6.s6_addr32[3] = htonl(2);
	} else {
		f->saddr.ip = htonl(0xc6120102);	/* 198.18.1.2 */
		f->daddr.ip = htonl(0xc6120202);	/* 198.18.2.2 */
	}
}

static unsigned int nhlen(u8 family)
{
	return family == NFPROTO_IPV6 ? sizeof(struct ipv6hdr) :
					sizeof(struct iphdr);
}

static void put_nh(struct sk_buff *skb, const struct syngate_flow *f)
{
	unsigned int len = nhlen(f->family) + sizeof(struct tcphdr) + DATA_LEN;

	skb_reset_network_header(skb);
	if (f->family == NFPROTO_IPV6) {
		struct ipv6hdr *ip6h = skb_put_zero(skb, sizeof(*ip6h));

		ip6h->version = 6;
		ip6h->payload_len = htons(len - sizeof(*ip6h));
		ip6h->nexthdr = IPPROTO_TCP;
		ip6h->saddr = f->saddr.in6;
		ip6h->daddr = f->daddr.in6;
		skb->protocol = htons(ETH_P_IPV6);
	} else {
		struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));

		iph->version = 4;
		iph->ihl = 5;
		iph->tot_len = htons(len);
		iph->protocol = IPPROTO_TCP;
		iph->saddr = f->saddr.ip;
		iph->daddr = f->daddr.ip;
		skb->protocol = htons(ETH_P_IP);
	}
}

static void fill_th(struct tcphdr *th, const struct syngate_flow *f, u32 seq)
{
	memset(th, 0, sizeof(*th));
	th->source = f->sport;
	th->dest = f->dport;
	th->seq = htonl(seq);
	th->doff = sizeof(*th) / 4;
	th->ack = 1;
	th->psh = 1;
}

/* A client's data segment of @f, all in the linear area. */
static struct sk_buff *seg(struct kunit *test, const struct syngate_flow *f,
			   u32 seq)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	put_nh(skb, f);
	fill_th(skb_put(skb, sizeof(struct tcphdr)), f, seq);
	skb_put_data(skb, "hello", DATA_LEN);
	return skb;
}

/*
 * The same segment with only its network header in the linear area: TCP
 * header and data in a page fragment, as a driver that splits headers
 * may deliver it.
 */
static struct sk_buff *seg_paged(struct kunit *test,
				 const struct syngate_flow *f, u32 seq)
{
	struct sk_buff *skb = alloc_skb(128, GFP_KERNEL);
	struct page *page;
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	put_nh(skb, f);
	p = page_address(page);
	fill_th((struct tcphdr *)p, f, seq);
	memcpy(p + sizeof(struct tcphdr), "hello", DATA_LEN);
	skb_add_rx_frag(skb, 0, page, 0, sizeof(struct tcphdr) + DATA_LEN,
			PAGE_SIZE);
	return skb;
}

/* Hold @skb; free it when the stash refuses, as the caller does. */
static bool add(struct syngate_stash *st, struct sk_buff *skb,
		const struct syngate_flow *f)
{
	if (syngate_stash_add(st, skb, nhlen(f->family), f))
		return true;
	kfree_skb(skb);
	return false;
}

/* Take one segment of @f and return its sequence number, or 0 for none. */
static u32 take_seq(struct syngate_stash *st, const struct syngate_flow *f)
{
	struct sk_buff *skb = syngate_stash_take(st, f);
	u32 seq;

	if (!skb)
		return 0;
	seq = ntohl(tcp_hdr(skb)->seq);
	kfree_skb(skb);
	return seq;
}

static const u8 families[] = { NFPROTO_IPV4, NFPROTO_IPV6 };

/* A flow holds at most its share; other flows are not affected. */
static void stash_per_flow_cap(struct kunit *test)
{
	struct syngate_flow a, b;
	struct syngate_stash st;
	unsigned int f, i;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		flow_init(&a, families[f], 40000);
		flow_init(&b, families[f], 40001);
		syngate_stash_init(&st);
		for (i = 0; i < SYNGATE_STASH_PER_FLOW; i++)
			KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &a, 100 + i),
						    &a));
		KUNIT_EXPECT_FALSE(test, add(&st, seg(test, &a, 200), &a));
		KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &b, 300), &b));
		/* a's segments come back in arrival order, b's stays */
		for (i = 0; i < SYNGATE_STASH_PER_FLOW; i++)
			KUNIT_EXPECT_EQ(test, take_seq(&st, &a), 100 + i);
		KUNIT_EXPECT_EQ(test, take_seq(&st, &a), 0);
		KUNIT_EXPECT_EQ(test, take_seq(&st, &b), 300);
		KUNIT_EXPECT_EQ(test, skb_queue_len(&st.queue), 0);
		syngate_stash_purge(&st);
	}
}

/* SYNGATE_STASH_MAX segments in all, whatever the flows. */
static void stash_total_cap(struct kunit *test)
{
	struct syngate_flow f;
	struct syngate_stash st;
	unsigned int i;

	syngate_stash_init(&st);
	for (i = 0; i < SYNGATE_STASH_MAX; i++) {
		flow_init(&f, NFPROTO_IPV4, 20000 + i);
		KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &f, i + 1), &f));
	}
	flow_init(&f, NFPROTO_IPV4, 30000);
	KUNIT_EXPECT_FALSE(test, add(&st, seg(test, &f, 1), &f));
	KUNIT_EXPECT_EQ(test, skb_queue_len(&st.queue), SYNGATE_STASH_MAX);
	syngate_stash_purge(&st);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&st.queue), 0);
}

/* A reset flow's data goes; another flow's stays. */
static void stash_drop_flow(struct kunit *test)
{
	struct syngate_flow a, b;
	struct syngate_stash st;
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		flow_init(&a, families[f], 40000);
		flow_init(&b, families[f], 40001);
		syngate_stash_init(&st);
		KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &a, 1), &a));
		KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &b, 2), &b));
		KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &a, 3), &a));
		KUNIT_EXPECT_EQ(test, syngate_stash_drop(&st, &a), 2);
		KUNIT_EXPECT_EQ(test, syngate_stash_drop(&st, &a), 0);
		KUNIT_EXPECT_EQ(test, take_seq(&st, &b), 2);
		KUNIT_EXPECT_EQ(test, skb_queue_len(&st.queue), 0);
	}
}

/* Nothing waits longer than a server handshake may take. */
static void stash_expires(struct kunit *test)
{
	struct syngate_flow a, b;
	struct syngate_stash st;
	struct sk_buff *skb;

	flow_init(&a, NFPROTO_IPV4, 40000);
	flow_init(&b, NFPROTO_IPV4, 40001);
	syngate_stash_init(&st);
	skb = seg(test, &a, 1);
	KUNIT_ASSERT_TRUE(test, add(&st, skb, &a));
	KUNIT_EXPECT_TRUE(test, add(&st, seg(test, &b, 2), &b));
	/* a's arrived longer ago than the limit: the next call drops it */
	syngate_stash_cb(skb)->since = jiffies - SYNGATE_STASH_AGE - 1;
	KUNIT_EXPECT_EQ(test, take_seq(&st, &b), 2);
	KUNIT_EXPECT_EQ(test, skb_queue_len(&st.queue), 0);
	KUNIT_EXPECT_EQ(test, take_seq(&st, &a), 0);
}

/* A TCP header in a fragment is pulled in and the segment matched. */
static void stash_pulls_headers(struct kunit *test)
{
	struct syngate_flow a;
	struct syngate_stash st;
	struct sk_buff *skb;
	unsigned int f, thoff;

	for (f = 0; f < ARRAY_SIZE(families); f++) {
		flow_init(&a, families[f], 40000);
		thoff = nhlen(families[f]);
		syngate_stash_init(&st);
		skb = seg_paged(test, &a, 7);
		KUNIT_ASSERT_EQ(test, skb_headlen(skb), thoff);
		KUNIT_ASSERT_TRUE(test, add(&st, skb, &a));
		skb = syngate_stash_take(&st, &a);
		KUNIT_ASSERT_NOT_NULL(test, skb);
		KUNIT_EXPECT_GE(test, skb_headlen(skb),
				thoff + sizeof(struct tcphdr));
		KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), (int)thoff);
		KUNIT_EXPECT_EQ(test, ntohl(tcp_hdr(skb)->seq), 7);
		KUNIT_EXPECT_EQ(test, skb->len,
				thoff + sizeof(struct tcphdr) + DATA_LEN);
		kfree_skb(skb);
	}
}

static struct kunit_case syngate_stash_cases[] = {
	KUNIT_CASE(stash_per_flow_cap),
	KUNIT_CASE(stash_total_cap),
	KUNIT_CASE(stash_drop_flow),
	KUNIT_CASE(stash_expires),
	KUNIT_CASE(stash_pulls_headers),
	{}
};

static struct kunit_suite syngate_stash_suite = {
	.name = "syngate_stash",
	.test_cases = syngate_stash_cases,
};

kunit_test_suites(&syngate_stash_suite);
