// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: SYN-ACK construction by syngate_build() (kmod/xmit.c) for IPv4
 * and IPv6: header fields, option bytes, and a TCP checksum that, once
 * completed the way the output path completes it (skb_checksum_help()),
 * verifies against the pseudo-header. And syngate_build_reply(): the SYN's
 * own buffer becomes the SYN-ACK when it is ours alone, wiped of what the
 * receive path left in it; a cloned, nonlinear or too small one is left
 * alone and a fresh buffer is used. And syngate_readdress(), which undoes
 * NAT on a SYN of ours, as a SYN built with the original tuple.
 */
#include <kunit/test.h>
#include <net/ip6_checksum.h>

#include "../xmit.c"

#define O_ALL	(XT_SYNGATE_OPT_MSS | XT_SYNGATE_OPT_WSCALE | \
		 XT_SYNGATE_OPT_SACK_PERM | XT_SYNGATE_OPT_TIMESTAMP)

static void addrs(u8 family, union nf_inet_addr *s, union nf_inet_addr *d)
{
	memset(s, 0, sizeof(*s));
	memset(d, 0, sizeof(*d));
	if (family == NFPROTO_IPV6) {
		/* 2001:db8:2::2 -> 2001:db8:1:0:ffff::fffe: sums that carry */
		s->in6.s6_addr32[0] = htonl(0x20010db8);
		s->in6.s6_addr32[1] = htonl(0x00020000);
		s->in6.s6_addr32[3] = htonl(2);
		d->in6.s6_addr32[0] = htonl(0x20010db8);
		d->in6.s6_addr32[1] = htonl(0x00010000);
		d->in6.s6_addr32[2] = htonl(0xffff0000);
		d->in6.s6_addr32[3] = htonl(0xfffe);
	} else {
		s->ip = htonl(0xc6120202);	/* 198.18.2.2 */
		d->ip = htonl(0xfffffffe);	/* carries too */
	}
}

/* A cookie SYN-ACK as syngate_answer_syn() makes it. */
static void synack(struct syngate_seg *seg, u8 options)
{
	memset(seg, 0, sizeof(*seg));
	seg->sport = htons(8080);
	seg->dport = htons(65535);
	seg->seq = 0xfedcba98;
	seg->ack_seq = 0;	/* client ISN 0xffffffff, plus 1 */
	seg->flags = TCPHDR_SYN | TCPHDR_ACK | TCPHDR_ECE;
	seg->window = 0;
	seg->opts.options = options;
	seg->opts.mss = 1460;
	seg->opts.wscale = 7;
	seg->opts.tsval = 0x80000001;
	seg->opts.tsecr = 0xffffffff;
}

/* Complete the checksum as the output path would, and verify it. */
static void check_csum(struct kunit *test, struct sk_buff *skb, u8 family,
		       const union nf_inet_addr *s, const union nf_inet_addr *d)
{
	unsigned int thlen = skb->len - skb_transport_offset(skb);
	const struct tcphdr *th;
	__sum16 res;
	__wsum sum;

	KUNIT_ASSERT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, (int)skb_checksum_start_offset(skb),
			skb_transport_offset(skb));
	KUNIT_EXPECT_EQ(test, skb->csum_offset,
			(u16)offsetof(struct tcphdr, check));
	KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);

	th = tcp_hdr(skb);
	sum = csum_partial(th, thlen, 0);
	if (family == NFPROTO_IPV6)
		res = csum_ipv6_magic(&s->in6, &d->in6, thlen, IPPROTO_TCP, sum);
	else
		res = csum_tcpudp_magic(s->ip, d->ip, thlen, IPPROTO_TCP, sum);
	/* the folded sum over pseudo-header and segment: all ones */
	KUNIT_EXPECT_EQ(test, (__force u16)res, 0);
}

static void check_ip(struct kunit *test, struct sk_buff *skb, u8 family,
		     const union nf_inet_addr *s, const union nf_inet_addr *d,
		     unsigned int headroom)
{
	if (family == NFPROTO_IPV6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		KUNIT_EXPECT_EQ(test, ntohs(skb->protocol), ETH_P_IPV6);
		KUNIT_EXPECT_EQ(test, skb_transport_offset(skb),
				(int)sizeof(*ip6h));
		KUNIT_EXPECT_EQ(test, (int)ip6h->version, 6);
		KUNIT_EXPECT_EQ(test, (int)ip6h->priority, 0);
		KUNIT_EXPECT_EQ(test, (__force u32)ip6_flowlabel(ip6h), 0U);
		KUNIT_EXPECT_EQ(test, ip6h->nexthdr, IPPROTO_TCP);
		KUNIT_EXPECT_EQ(test, ip6h->hop_limit,
				(u8)READ_ONCE(init_net.ipv6.devconf_all->hop_limit));
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ip6h->saddr, &s->in6));
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ip6h->daddr, &d->in6));
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		KUNIT_EXPECT_EQ(test, ntohs(skb->protocol), ETH_P_IP);
		KUNIT_EXPECT_EQ(test, skb_transport_offset(skb),
				(int)sizeof(*iph));
		KUNIT_EXPECT_EQ(test, (int)iph->version, 4);
		KUNIT_EXPECT_EQ(test, (int)iph->ihl, 5);
		KUNIT_EXPECT_EQ(test, iph->tos, 0);
		KUNIT_EXPECT_EQ(test, ntohs(iph->frag_off), IP_DF);
		KUNIT_EXPECT_EQ(test, iph->ttl,
				(u8)READ_ONCE(init_net.ipv4.sysctl_ip_default_ttl));
		KUNIT_EXPECT_EQ(test, iph->protocol, IPPROTO_TCP);
		KUNIT_EXPECT_EQ(test, ntohl(iph->saddr), ntohl(s->ip));
		KUNIT_EXPECT_EQ(test, ntohl(iph->daddr), ntohl(d->ip));
	}
	/* room for the link layer in front */
	KUNIT_EXPECT_GE(test, skb_headroom(skb), headroom);
}

static void build_synack(struct kunit *test, u8 family)
{
	static const u8 opts[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0x80, 0, 0, 1,
				   0xff, 0xff, 0xff, 0xff, 1, 3, 3, 7 };
	union nf_inet_addr s, d;
	struct syngate_seg seg;
	struct sk_buff *skb;
	struct tcphdr *th;

	addrs(family, &s, &d);
	synack(&seg, O_ALL);
	skb = syngate_build(&init_net, family, &s, &d, &seg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);

	check_ip(test, skb, family, &s, &d, MAX_TCP_HEADER);
	th = tcp_hdr(skb);
	KUNIT_EXPECT_EQ(test, skb->len - skb_transport_offset(skb),
			20U + sizeof(opts));
	KUNIT_EXPECT_EQ(test, th->doff * 4U, 20U + sizeof(opts));
	KUNIT_EXPECT_EQ(test, ntohs(th->source), 8080);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 65535);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 0xfedcba98U);
	KUNIT_EXPECT_EQ(test, ntohl(th->ack_seq), 0U);
	KUNIT_EXPECT_TRUE(test, th->syn && th->ack && th->ece);
	KUNIT_EXPECT_FALSE(test, th->fin || th->rst || th->psh || th->urg ||
			   th->cwr);
	KUNIT_EXPECT_EQ(test, (int)th->res1, 0);
	KUNIT_EXPECT_EQ(test, ntohs(th->window), 0);
	KUNIT_EXPECT_EQ(test, ntohs(th->urg_ptr), 0);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)(th + 1), opts, sizeof(opts));

	check_csum(test, skb, family, &s, &d);
	kfree_skb(skb);
}

static void xmit_synack_ipv4(struct kunit *test)
{
	build_synack(test, NFPROTO_IPV4);
}

static void xmit_synack_ipv6(struct kunit *test)
{
	build_synack(test, NFPROTO_IPV6);
}

/*
 * Every option combination, both families, a spread of header values:
 * length, data offset, that the options parse back, and the checksum.
 */
static void xmit_every_combination(struct kunit *test)
{
	static const u16 windows[] = { 0, 1, 0x8000, 0xffff };
	unsigned int f, o, n = 0;

	for (f = 0; f < 2; f++) {
		u8 family = f ? NFPROTO_IPV6 : NFPROTO_IPV4;

		for (o = 0; o <= O_ALL; o++) {
			union nf_inet_addr s, d;
			struct syngate_seg seg;
			struct syngate_opts back;
			struct sk_buff *skb;
			unsigned int thlen;
			struct tcphdr *th;

			addrs(family, &s, &d);
			synack(&seg, o);
			seg.flags = o & 1 ? TCPHDR_ACK : TCPHDR_SYN;
			seg.window = windows[o % ARRAY_SIZE(windows)];
			seg.seq = o * 0x11111111u;
			skb = syngate_build(&init_net, family, &s, &d, &seg);
			KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
			check_ip(test, skb, family, &s, &d, MAX_TCP_HEADER);

			th = tcp_hdr(skb);
			thlen = 20 + syngate_opts_len(&seg.opts);
			KUNIT_EXPECT_EQ(test, skb->len - skb_transport_offset(skb),
					thlen);
			KUNIT_EXPECT_EQ(test, th->doff * 4U, thlen);
			KUNIT_EXPECT_EQ(test, tcp_flag_byte(th), seg.flags);
			KUNIT_EXPECT_EQ(test, ntohs(th->window), seg.window);
			KUNIT_EXPECT_EQ(test, ntohl(th->seq), seg.seq);
			KUNIT_ASSERT_EQ(test, 0,
					syngate_opts_parse((u8 *)(th + 1),
							   thlen - 20, &back));
			KUNIT_EXPECT_EQ(test, back.options, (u8)o);
			check_csum(test, skb, family, &s, &d);
			kfree_skb(skb);
			n++;
		}
	}
	kunit_info(test, "%u segments built and verified\n", n);
}

/* Headroom of a received frame: the driver's pad and the Ethernet header. */
#define RX_HEADROOM	(NET_SKB_PAD + ETH_HLEN)

/*
 * A received segment as the target gets it: data at the network header,
 * @len bytes of junk the answer must overwrite, exactly @tail bytes of
 * room behind them, and the receive-side state the answer must not
 * inherit.
 */
static struct sk_buff *rx_segment(struct kunit *test, unsigned int len,
				  unsigned int tail)
{
	struct sk_buff *skb = alloc_skb(RX_HEADROOM + len + tail, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	skb_reserve(skb, skb_tailroom(skb) - len - tail);
	memset(skb_put(skb, len), 0xa5, len);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, 20);
	skb->mark = 0x1234;
	skb->priority = 7;
	skb->skb_iif = 3;
	skb->pkt_type = PACKET_OTHERHOST;
	skb_set_hash(skb, 0xabcdef, PKT_HASH_TYPE_L4);
	skb->tstamp = ktime_set(1, 0);
	memset(skb->cb, 0x5a, sizeof(skb->cb));
	__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), 42);
	skb->encapsulation = 1;
	return skb;
}

/* What syngate_build_reply() gave, checked as a fresh SYN-ACK. */
static void check_reply(struct kunit *test, struct sk_buff *skb, u8 family,
			const union nf_inet_addr *s,
			const union nf_inet_addr *d, unsigned int headroom)
{
	static const u8 zero_cb[sizeof(skb->cb)];
	const struct tcphdr *th;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	check_ip(test, skb, family, s, d, headroom);
	th = tcp_hdr(skb);
	KUNIT_EXPECT_EQ(test, skb->len - skb_transport_offset(skb), 40U);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 0xfedcba98U);
	KUNIT_EXPECT_TRUE(test, th->syn && th->ack);
	KUNIT_EXPECT_EQ(test, skb->mark, 0U);	/* fwmark_reflect is 0 */
	KUNIT_EXPECT_EQ(test, skb->priority, 0U);
	KUNIT_EXPECT_EQ(test, skb->skb_iif, 0);
	KUNIT_EXPECT_EQ(test, (int)skb->pkt_type, PACKET_HOST);
	KUNIT_EXPECT_EQ(test, skb->hash, 0U);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(skb->tstamp), 0LL);
	KUNIT_EXPECT_MEMEQ(test, skb->cb, zero_cb, sizeof(zero_cb));
	KUNIT_EXPECT_NULL(test, skb_dst(skb));
	KUNIT_EXPECT_NULL(test, skb->sk);
	KUNIT_EXPECT_EQ(test, skb->_nfct, 0UL);
	KUNIT_EXPECT_FALSE(test, skb_vlan_tag_present(skb));
	KUNIT_EXPECT_EQ(test, (int)skb->encapsulation, 0);
	check_csum(test, skb, family, s, d);
}

static struct sk_buff *reply(struct sk_buff *oskb, u8 family,
			     const union nf_inet_addr *s,
			     const union nf_inet_addr *d)
{
	struct syngate_seg seg;

	/* MSS, SACK-permitted, timestamps, window scale: 20 option bytes */
	synack(&seg, O_ALL);
	return syngate_build_reply(&init_net, oskb, family, s, d, &seg);
}

/* The SYN's buffer is reused: the same skb comes back, rewritten. */
static void reply_recycles(struct kunit *test, u8 family)
{
	unsigned int nhlen = family == NFPROTO_IPV6 ? 40 : 20;
	union nf_inet_addr s, d;
	struct sk_buff *syn, *skb;

	addrs(family, &s, &d);
	/* a SYN with 4 option bytes: the answer needs 16 more */
	syn = rx_segment(test, nhlen + 24, 16);
	skb = reply(syn, family, &s, &d);
	KUNIT_EXPECT_PTR_EQ(test, skb, syn);
	check_reply(test, skb, family, &s, &d, RX_HEADROOM);
	kfree_skb(skb);
}

static void xmit_reply_recycles_ipv4(struct kunit *test)
{
	reply_recycles(test, NFPROTO_IPV4);
}

static void xmit_reply_recycles_ipv6(struct kunit *test)
{
	reply_recycles(test, NFPROTO_IPV6);
}

/* A packet tap's clone shares the data: it must see the SYN unchanged. */
static void xmit_reply_leaves_clone(struct kunit *test)
{
	union nf_inet_addr s, d;
	struct sk_buff *syn, *tap, *skb;
	u8 before[44];

	addrs(NFPROTO_IPV4, &s, &d);
	syn = rx_segment(test, sizeof(before), 64);
	tap = skb_clone(syn, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tap);
	memcpy(before, tap->data, sizeof(before));

	skb = reply(syn, NFPROTO_IPV4, &s, &d);
	KUNIT_EXPECT_PTR_NE(test, skb, syn);
	check_reply(test, skb, NFPROTO_IPV4, &s, &d, MAX_TCP_HEADER);
	KUNIT_EXPECT_EQ(test, tap->len, (unsigned int)sizeof(before));
	KUNIT_EXPECT_MEMEQ(test, tap->data, before, sizeof(before));
	KUNIT_EXPECT_FALSE(test, skb_cloned(tap));	/* syn was freed */
	kfree_skb(skb);
	kfree_skb(tap);
}

/* Data in page fragments, or no room for the answer: a fresh buffer. */
static void xmit_reply_fresh_when_unfit(struct kunit *test)
{
	union nf_inet_addr s, d;
	struct sk_buff *syn, *skb;
	struct page *page;

	addrs(NFPROTO_IPV4, &s, &d);
	syn = rx_segment(test, 44, 64);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, page);
	skb_add_rx_frag(syn, 0, page, 0, 100, PAGE_SIZE);
	skb = reply(syn, NFPROTO_IPV4, &s, &d);
	KUNIT_EXPECT_PTR_NE(test, skb, syn);
	check_reply(test, skb, NFPROTO_IPV4, &s, &d, MAX_TCP_HEADER);
	kfree_skb(skb);

	/* 59 bytes from data to end: the 60-byte answer does not fit */
	syn = rx_segment(test, 44, 15);
	KUNIT_ASSERT_EQ(test, (long)(skb_end_pointer(syn) - syn->data), 59L);
	skb = reply(syn, NFPROTO_IPV4, &s, &d);
	KUNIT_EXPECT_PTR_NE(test, skb, syn);
	check_reply(test, skb, NFPROTO_IPV4, &s, &d, MAX_TCP_HEADER);
	kfree_skb(skb);
}

/* The folded sum over pseudo-header and a completed segment: 0 if valid. */
static u16 full_csum(struct sk_buff *skb, u8 family,
		     const union nf_inet_addr *s, const union nf_inet_addr *d)
{
	unsigned int thlen = skb->len - skb_transport_offset(skb);
	__wsum sum = csum_partial(tcp_hdr(skb), thlen, 0);

	if (family == NFPROTO_IPV6)
		return (__force u16)csum_ipv6_magic(&s->in6, &d->in6, thlen,
						    IPPROTO_TCP, sum);
	return (__force u16)csum_tcpudp_magic(s->ip, d->ip, thlen,
					      IPPROTO_TCP, sum);
}

/*
 * syngate_readdress(): our SYN as NAT left it (other addresses, both
 * ports), given back the entry's original tuple, is the SYN built with
 * that tuple: byte for byte while its checksum is left to the device, and
 * with a checksum that verifies once something completed it on the way.
 */
static void readdress(struct kunit *test, u8 family, bool complete)
{
	struct nf_conntrack_tuple t = {};
	union nf_inet_addr s, d, ns, nd;
	struct syngate_seg seg, nseg;
	struct sk_buff *skb, *want;

	addrs(family, &s, &d);
	synack(&seg, O_ALL);
	seg.flags = TCPHDR_SYN;
	nseg = seg;
	nseg.sport = htons(61000);	/* masquerade's port */
	nseg.dport = htons(1);		/* the port forward's */
	ns = d;
	nd = s;
	nd.all[3] ^= htonl(0x01010101);
	skb = syngate_build(&init_net, family, &ns, &nd, &nseg);
	want = syngate_build(&init_net, family, &s, &d, &seg);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, skb);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, want);
	if (complete) {
		KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
		KUNIT_ASSERT_EQ(test, skb_checksum_help(want), 0);
	}

	t.src.u3 = s;
	t.dst.u3 = d;
	t.src.u.tcp.port = seg.sport;
	t.dst.u.tcp.port = seg.dport;
	KUNIT_ASSERT_EQ(test, syngate_readdress(skb, skb_transport_offset(skb),
						family, &t), 0);

	KUNIT_ASSERT_EQ(test, skb->len, want->len);
	if (complete) {
		KUNIT_EXPECT_EQ(test, full_csum(skb, family, &s, &d), 0);
		/* the rest: equal, whichever form of zero each sum took */
		tcp_hdr(skb)->check = 0;
		tcp_hdr(want)->check = 0;
	}
	KUNIT_EXPECT_MEMEQ(test, skb->data, want->data, skb->len);
	kfree_skb(skb);
	kfree_skb(want);
}

static void xmit_readdress_ipv4(struct kunit *test)
{
	readdress(test, NFPROTO_IPV4, false);
	readdress(test, NFPROTO_IPV4, true);
}

static void xmit_readdress_ipv6(struct kunit *test)
{
	readdress(test, NFPROTO_IPV6, false);
	readdress(test, NFPROTO_IPV6, true);
}

static struct kunit_case syngate_xmit_cases[] = {
	KUNIT_CASE(xmit_synack_ipv4),
	KUNIT_CASE(xmit_synack_ipv6),
	KUNIT_CASE(xmit_every_combination),
	KUNIT_CASE(xmit_reply_recycles_ipv4),
	KUNIT_CASE(xmit_reply_recycles_ipv6),
	KUNIT_CASE(xmit_reply_leaves_clone),
	KUNIT_CASE(xmit_reply_fresh_when_unfit),
	KUNIT_CASE(xmit_readdress_ipv4),
	KUNIT_CASE(xmit_readdress_ipv6),
	{}
};

static struct kunit_suite syngate_xmit_suite = {
	.name = "syngate_xmit",
	.test_cases = syngate_xmit_cases,
};

kunit_test_suites(&syngate_xmit_suite);
