// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the one-pass rewrite of an established segment (kmod/rewrite.c)
 * against what it replaces. The reference is the kernel's own seqadj
 * (nf_ct_seq_adjust() on an entry with the same offsets) after the
 * timestamp and window rewrite the hook did before, field by field with
 * inet_proto_csum_replace4/2(). Both run over the same segment, in both
 * directions, over option layouts that Linux, Windows and odd stacks
 * send, with random numbers and offsets across the 2^32 wrap: the bytes
 * must come out the same, checksum included, and a segment seqadj
 * refuses must be refused. Where the options are 16-bit aligned, the
 * checksum must also verify from scratch.
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/prandom.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_seqadj.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "../rewrite.c"

#define PAYLOAD		7
#define ROUNDS		300
#define SADDR		0xc6120102	/* 198.18.1.2 */
#define DADDR		0xfffffffe	/* sums that carry */

/*
 * An option list: its bytes (TS, SACK and values filled in at random),
 * whether its checksum can be checked from scratch (every 32-bit field
 * 16-bit aligned: inet_proto_csum_replace4(), which seqadj uses too,
 * assumes so), and whether seqadj accepts it in a segment that acks.
 */
struct layout {
	const char *name;
	u8 len;
	u8 opt[40];
	bool aligned;
	bool valid;
};

/* Bytes: 1 NOP, 0 EOL, 8 10 timestamp, 5 n SACK; zeros are values. */
static const struct layout layouts[] = {
	{ "none", 0, { }, true, true },
	{ "nop-nop-ts", 12, { 1, 1, 8, 10 }, true, true },
	{ "ts-sack1", 24, { 1, 1, 8, 10, [12] = 1, 1, 5, 10 }, true, true },
	{ "sack3", 28, { 1, 1, 5, 26 }, true, true },
	{ "ts-sack3", 40, { 1, 1, 8, 10, [12] = 1, 1, 5, 26 }, true, true },
	{ "ts-first", 12, { 8, 10, [10] = 1, 1 }, true, true },
	{ "ts-eol-junk", 16, { 1, 1, 8, 10, [12] = 0, 9, 40, 1 }, true, true },
	{ "two-ts", 24, { 1, 1, 8, 10, [12] = 1, 1, 8, 10 }, true, true },
	{ "ts-odd", 12, { 1, 8, 10, [11] = 1 }, false, true },
	{ "overrun", 16, { 1, 1, 8, 10, [12] = 30, 9 }, true, false },
	{ "short-len", 16, { 1, 1, 8, 10, [12] = 30, 1 }, true, false },
	{ "last-byte", 12, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 30 }, true,
	  false },
};

/* Values next to every wrap and sign boundary, and random ones. */
static u32 pick(void)
{
	static const u32 edges[] = {
		0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	};
	u32 r = get_random_u32();

	return r & 1 ? edges[(r >> 1) % ARRAY_SIZE(edges)] : get_random_u32();
}

/* Random timestamps and SACK edges, where the layout has options. */
static void randomise_values(u8 *opt, unsigned int len)
{
	unsigned int i = 0;

	while (i < len && opt[i] != TCPOPT_EOL) {
		u8 kind = opt[i], olen;

		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return;
		olen = opt[i + 1];
		if (kind == TCPOPT_TIMESTAMP || kind == TCPOPT_SACK)
			get_random_bytes(opt + i + 2, olen - 2);
		i += olen;
	}
}

static struct sk_buff *segment(struct kunit *test, const struct layout *l,
			       u8 flags)
{
	unsigned int tcplen = sizeof(struct tcphdr) + l->len + PAYLOAD;
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct tcphdr *th;
	struct iphdr *iph;
	u8 *opt;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 64);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(sizeof(*iph) + tcplen);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = htonl(SADDR);
	iph->daddr = htonl(DADDR);
	skb_set_transport_header(skb, skb->len);
	th = skb_put_zero(skb, sizeof(*th));
	th->source = htons(40000);
	th->dest = htons(80);
	th->seq = htonl(pick());
	th->ack_seq = htonl(pick());
	th->doff = (sizeof(*th) + l->len) / 4;
	th->ack = !!(flags & TCPHDR_ACK);
	th->rst = !!(flags & TCPHDR_RST);
	th->psh = !!(flags & TCPHDR_PSH);
	th->window = htons(pick());
	opt = skb_put_data(skb, l->opt, l->len);
	randomise_values(opt, l->len);
	get_random_bytes(skb_put(skb, PAYLOAD), PAYLOAD);
	th->check = csum_tcpudp_magic(iph->saddr, iph->daddr, tcplen,
				      IPPROTO_TCP,
				      csum_partial(th, tcplen, 0));
	skb->ip_summed = CHECKSUM_NONE;
	return skb;
}

static bool csum_ok(struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int tcplen = skb->len - sizeof(*iph);

	return !csum_tcpudp_magic(iph->saddr, iph->daddr, tcplen, IPPROTO_TCP,
				  csum_partial(skb_transport_header(skb),
					       tcplen, 0));
}

/* What the hook did before: timestamps and window, one field each. */
static void ref_ts_win(struct sk_buff *skb, const struct syngate_rewrite *rw)
{
	struct tcphdr *th = tcp_hdr(skb);
	u8 *opt = (u8 *)(th + 1);
	__be16 win = th->window;
	u32 old, new;
	int ts;

	if (rw->win && !th->syn) {
		th->window = htons(rw->reply ?
			syngate_win_to_client(ntohs(win), rw->srv_ws,
					      rw->cli_ws) :
			syngate_win_to_server(ntohs(win), rw->cli_ws));
		inet_proto_csum_replace2(&th->check, skb, win, th->window,
					 false);
	}
	if (!rw->tsoff)
		return;
	ts = syngate_opts_find_ts(opt, th->doff * 4 - sizeof(*th));
	if (ts < 0)
		return;
	opt += rw->reply ? ts : ts + 4;
	old = syngate_get_be32(opt);
	new = rw->reply ? syngate_ts_to_client(old, rw->tsoff) :
			  syngate_ts_to_server(old, rw->tsoff);
	syngate_put_be32(new, opt);
	inet_proto_csum_replace4(&th->check, skb, htonl(old), htonl(new),
				 false);
}

struct rewrite_ctx {
	struct nf_conn *ct;
};

static int rewrite_init(struct kunit *test)
{
	struct rewrite_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx),
						GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->ct = nf_ct_tmpl_alloc(&init_net, &nf_ct_zone_dflt, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ct);
	spin_lock_init(&ctx->ct->lock);
	if (!nfct_seqadj_ext_add(ctx->ct)) {
		nf_ct_tmpl_free(ctx->ct);
		KUNIT_FAIL(test, "no seqadj extension");
		return -ENOMEM;
	}
	test->priv = ctx;
	return 0;
}

static void rewrite_exit(struct kunit *test)
{
	struct rewrite_ctx *ctx = test->priv;

	nf_ct_tmpl_free(ctx->ct);
}

/*
 * One segment through the reference (the old timestamp and window rewrite,
 * then seqadj when @rw->seq_ours) and through the pass; returns false
 * after reporting a difference.
 */
static bool compare_one(struct kunit *test, struct nf_conn *ct,
			const struct layout *l, u8 flags,
			const struct syngate_rewrite *rw)
{
	enum ip_conntrack_info ctinfo = rw->reply ? IP_CT_ESTABLISHED_REPLY :
						    IP_CT_ESTABLISHED;
	struct nf_conn_seqadj *seqadj = nfct_seqadj(ct);
	unsigned int thoff = sizeof(struct iphdr);
	enum ip_conntrack_dir dir = CTINFO2DIR(ctinfo);
	struct sk_buff *ours, *ref;
	bool same = true;
	int err, res;

	seqadj->seq[dir].offset_before = rw->seq;
	seqadj->seq[dir].offset_after = rw->seq;
	seqadj->seq[dir].correction_pos = pick();
	seqadj->seq[!dir].offset_before = rw->ack;
	seqadj->seq[!dir].offset_after = rw->ack;
	seqadj->seq[!dir].correction_pos = pick();

	ours = segment(test, l, flags);
	ref = skb_copy(ours, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref);

	ref_ts_win(ref, rw);
	res = rw->seq_ours ? nf_ct_seq_adjust(ref, ct, ctinfo, thoff) : 1;
	err = syngate_rewrite_skb(ours, thoff, rw);

	if (!res) {
		/* seqadj drops it: so must we */
		KUNIT_EXPECT_EQ_MSG(test, err, -EBADMSG, "layout %s", l->name);
		same = err == -EBADMSG;
		goto out;
	}
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "layout %s", l->name);
	KUNIT_EXPECT_EQ(test, ours->len, ref->len);
	if (err || ours->len != ref->len ||
	    memcmp(ours->data, ref->data, ours->len)) {
		KUNIT_FAIL(test, "%s %s flags %#x seq %d ack %d tsoff %u: not as the reference",
			   l->name, rw->reply ? "reply" : "orig", flags,
			   rw->seq, rw->ack, rw->tsoff);
		print_hex_dump(KERN_INFO, "ours: ", DUMP_PREFIX_OFFSET, 16, 1,
			       ours->data, ours->len, false);
		print_hex_dump(KERN_INFO, "ref:  ", DUMP_PREFIX_OFFSET, 16, 1,
			       ref->data, ref->len, false);
		same = false;
	} else if (l->aligned && !csum_ok(ours)) {
		KUNIT_FAIL(test, "layout %s: checksum does not verify",
			   l->name);
		same = false;
	}
out:
	kfree_skb(ours);
	kfree_skb(ref);
	return same;
}

static void random_rw(struct syngate_rewrite *rw, bool reply)
{
	u32 r = get_random_u32();

	memset(rw, 0, sizeof(*rw));
	rw->seq_ours = true;
	rw->reply = reply;
	/* the server's direction carries the offset; the other rarely */
	rw->seq = reply ? pick() : (r & 1 ? pick() : 0);
	rw->ack = reply ? (r & 2 ? pick() : 0) : pick();
	rw->tsoff = r & 4 ? pick() : 0;
	rw->win = r & 8;
	rw->srv_ws = (r >> 4) % 15;
	rw->cli_ws = (r >> 8) % 15;
}

/* Every layout, both directions, segments that ack: seqadj's result. */
static void rewrite_matches_seqadj(struct kunit *test)
{
	struct rewrite_ctx *ctx = test->priv;
	struct syngate_rewrite rw;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		for (n = 0; n < ROUNDS; n++) {
			random_rw(&rw, n & 1);
			if (!compare_one(test, ctx->ct, &layouts[i],
					 TCPHDR_ACK | (n & 2 ? TCPHDR_PSH : 0),
					 &rw))
				return;
		}
	}
}

/*
 * A segment that does not ack (a RST): seqadj shifts its sequence number
 * only and reads no option, so a list it would refuse in an ACK passes.
 */
static void rewrite_no_ack(struct kunit *test)
{
	struct rewrite_ctx *ctx = test->priv;
	struct syngate_rewrite rw;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		for (n = 0; n < ROUNDS / 10; n++) {
			random_rw(&rw, n & 1);
			if (!compare_one(test, ctx->ct, &layouts[i], TCPHDR_RST,
					 &rw))
				return;
		}
	}
}

/*
 * When seqadj does the numbers (seq_ours false: a helper's entry), the
 * pass does timestamps and window only, exactly as the hook did before.
 */
static void rewrite_ts_win_only(struct kunit *test)
{
	struct rewrite_ctx *ctx = test->priv;
	struct syngate_rewrite rw;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(layouts); i++) {
		for (n = 0; n < ROUNDS / 10; n++) {
			random_rw(&rw, n & 1);
			rw.seq_ours = false;
			if (!compare_one(test, ctx->ct, &layouts[i], TCPHDR_ACK,
					 &rw))
				return;
		}
	}
}

/* The fields themselves, on one known segment: not only "as seqadj". */
static void rewrite_fields(struct kunit *test)
{
	const struct layout *l = &layouts[2];
	struct syngate_rewrite rw = {
		.seq_ours = true, .seq = 0, .ack = 1000, .tsoff = 77,
	};
	struct sk_buff *skb = segment(test, l, TCPHDR_ACK);
	struct tcphdr *th = tcp_hdr(skb);
	u8 *opt = (u8 *)(th + 1);
	u32 seq = ntohl(th->seq), ack = ntohl(th->ack_seq);
	u32 tsecr = syngate_get_be32(opt + 8);
	u32 sl = syngate_get_be32(opt + 16), sr = syngate_get_be32(opt + 20);

	KUNIT_ASSERT_EQ(test, syngate_rewrite_skb(skb, sizeof(struct iphdr),
						  &rw), 0);
	th = tcp_hdr(skb);
	opt = (u8 *)(th + 1);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), seq);
	KUNIT_EXPECT_EQ(test, ntohl(th->ack_seq), ack - 1000);
	KUNIT_EXPECT_EQ(test, syngate_get_be32(opt + 8), tsecr + 77);
	KUNIT_EXPECT_EQ(test, syngate_get_be32(opt + 16), sl - 1000);
	KUNIT_EXPECT_EQ(test, syngate_get_be32(opt + 20), sr - 1000);
	KUNIT_EXPECT_TRUE(test, csum_ok(skb));
	kfree_skb(skb);
}

static struct kunit_case rewrite_cases[] = {
	KUNIT_CASE(rewrite_fields),
	KUNIT_CASE(rewrite_matches_seqadj),
	KUNIT_CASE(rewrite_no_ack),
	KUNIT_CASE(rewrite_ts_win_only),
	{}
};

static struct kunit_suite syngate_rewrite_suite = {
	.name = "syngate_rewrite",
	.init = rewrite_init,
	.exit = rewrite_exit,
	.test_cases = rewrite_cases,
};

kunit_test_suites(&syngate_rewrite_suite);
