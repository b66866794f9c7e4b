// SPDX-License-Identifier: GPL-2.0
/*
 * syngate_xdp: SYNGATE's XDP front end (include/syngate_xdp.h).
 *
 * Answers, at the driver, a client's SYN in the scope the loader set
 * (syngatectl xdp) with the SYN-ACK the SYNGATE target would send: the
 * module's own cookie, option and timestamp-cookie code is built into this
 * program (below), with the namespace's key and the module's clock, so the
 * target checks the client's ACK exactly as if it had answered the SYN.
 *
 * Anything else goes on to netfilter untouched (XDP_PASS): every segment
 * that is not a bare SYN, and a SYN this program does not handle the way
 * the target would for sure: outside the scope, a VLAN tag, IP options or
 * fragments, IPv6 extension headers, data on the SYN, a bad checksum, a
 * malformed option list, no key yet. Netfilter then answers, drops or
 * counts it as it does without XDP.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "syngate_xdp.h"

/*
 * The module's pure code, from its own source. Hidden: libbpf verifies
 * these functions as static ones, in the context of their caller, where
 * the verifier knows what their pointer arguments point to.
 */
#pragma GCC visibility push(hidden)
#include "../kmod/cookie.c"
#include "../kmod/tcpopt.c"
#include "../kmod/synack.c"
#pragma GCC visibility pop

#define SYNGATE_XDP_TCP_MAX	60	/* TCP header with 40 bytes of options */

/*
 * What the target's answer has (kmod/xmit.c) and we must match: the
 * namespace's net.ipv4.ip_default_ttl and net.ipv6.conf.all.hop_limit.
 * syngatectl sets them from its namespace before it loads the program;
 * read-only, so the verifier makes them constants. 64 is the default of
 * both.
 */
const volatile __u8 syngate_ttl = 64;
const volatile __u8 syngate_hops = 64;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syngate_xdp_key);
} syngate_key SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SYNGATE_XDP_SCOPE_MAX);
	__type(key, struct syngate_xdp_scope);
	__type(value, struct xt_syngate_info);
} syngate_scope SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNGATE_XDP_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct syngate_xdp_port);
} syngate_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNGATE_XDP_STATS);
	__type(key, __u32);
	__type(value, __u64);
} syngate_stats SEC(".maps");

static __always_inline int syngate_xdp_count(__u32 idx, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&syngate_stats, &idx);

	if (c)
		(*c)++;	/* per CPU: no other writer */
	return verdict;
}

/* The one's complement sum of what a checksum covers, folded. */
static __always_inline __u16 syngate_xdp_fold(__u64 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* A TCP header (and its options) as we read and write it. */
struct syngate_xdp_tcp {
	struct tcphdr	th;
	__u8		opt[SYNGATE_XDP_TCP_MAX - sizeof(struct tcphdr)];
	/* Room for the parser's reads past a 40-byte list's last option. */
	__u8		slack[16];
};

/*
 * The one's complement sum, unfolded, of the @n 32-bit words at @p (our
 * stack, or a header the caller found in the frame). In line rather than
 * bpf_csum_diff(): a dozen adds cost less than the helper's call and its
 * csum_partial(). The folded sum of little-endian loads keeps the bytes'
 * order, as csum_partial()'s does.
 */
static __always_inline __u64 syngate_xdp_sum32(const void *p, __u32 n)
{
	const __u32 *w = p;
	__u64 sum = 0;
	__u32 i;

#pragma clang loop unroll(full)
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/*
 * The TCP checksum's sum over @t, @thlen bytes long, and its pseudo-header:
 * @addrs (syngate_xdp_addr_sum()), the protocol and the length. Over all
 * of @t: the bytes past @thlen are zero and add nothing, and a fixed length
 * keeps the verifier from tracking every option combination (see
 * syngate_xdp_store_tcp()).
 */
static __always_inline __u16 syngate_xdp_tcp_sum(__u64 addrs, __u32 thlen,
						 struct syngate_xdp_tcp *t)
{
	/* the pseudo-header's protocol and length words, as they sit in it */
	addrs += bpf_htons(IPPROTO_TCP) + bpf_htons(thlen);
	return syngate_xdp_fold(addrs + syngate_xdp_sum32(t, SYNGATE_XDP_TCP_MAX / 4));
}

/*
 * The pseudo-header's addresses, summed: both families at once, since an
 * IPv4 address fills the first word of its zeroed nf_inet_addr, and the
 * same for the SYN and for our answer, which has them swapped.
 */
static __always_inline __u64 syngate_xdp_addr_sum(const struct syngate_flow *f)
{
	return syngate_xdp_sum32(&f->saddr, 2 * sizeof(f->saddr) / 4);
}

/*
 * Copy a TCP header, @thlen bytes, a 32-bit word at a time: from the
 * packet at @p into @t (@to_pkt false), or from @t into the packet. Each
 * word is checked against the frame's @end on its own, at a constant
 * offset: a length that depends on the options would make the verifier
 * keep every combination of them apart, through the parser's loop, and
 * give up. Direct packet access, not bpf_xdp_load_bytes()/store_bytes():
 * no helper call and no copy per word. Return: 0, or -1 if the frame
 * ends first.
 */
static __always_inline int syngate_xdp_copy_tcp(void *p, void *end,
						struct syngate_xdp_tcp *t,
						__u32 thlen, bool to_pkt)
{
	__u32 *tw = (__u32 *)t;
	__u32 w;

#pragma clang loop unroll(full)
	for (w = 0; w < SYNGATE_XDP_TCP_MAX / 4; w++) {
		if (4 * w >= thlen)
			break;
		if (p + 4 * (w + 1) > end)
			return -1;
		if (to_pkt)
			*(__u32 *)(p + 4 * w) = tw[w];
		else
			tw[w] = *(__u32 *)(p + 4 * w);
	}
	return 0;
}

/*
 * The option walk (kmod/tcpopt.c: syngate_opts_parse()'s loop, one
 * syngate_opts_next() a turn of bpf_loop()), kept in a map value: the 6.1
 * verifier checks a bpf_loop() callback once, takes what that pass wrote
 * for all the loop can write, and drops the code it then thinks
 * unreachable (our SYN-ACK's timestamps went out as zeros). What a map
 * value holds it never assumes.
 */
struct syngate_xdp_walk {
	__u8			opt[SYNGATE_TCPOPT_MAX];
	/* Room for the parser's reads past a 40-byte list's last option. */
	__u8			slack[16];
	__u32			len;
	int			i;
	struct syngate_opts	opts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syngate_xdp_walk);
} syngate_walk SEC(".maps");

/* bpf_loop() takes a context on the stack only: it points to the walk. */
struct syngate_xdp_walk_ctx {
	struct syngate_xdp_walk	*w;
};

static long syngate_xdp_walk_step(__u32 n, void *arg)
{
	struct syngate_xdp_walk *w = ((struct syngate_xdp_walk_ctx *)arg)->w;

	if (w->i < 0 || w->i >= w->len)
		return 1;
	w->i = syngate_opts_next(w->opt, w->len, w->i, &w->opts);
	return 0;
}

/*
 * Read the SYN's TCP header, @thlen bytes at @th (the frame ends at @end),
 * and parse it into @syn.
 * Return: 0, or the stat to count when the SYN is left to netfilter.
 */
static __always_inline int syngate_xdp_read_syn(void *th, void *end,
						__u32 thlen,
						struct syngate_xdp_tcp *t,
						struct syngate_syn *syn)
{
	struct syngate_xdp_walk_ctx wc;
	struct syngate_xdp_walk *w;
	__u32 zero = 0;

	if (thlen < sizeof(struct tcphdr) || thlen > SYNGATE_XDP_TCP_MAX)
		return SYNGATE_XDP_PASS_UNUSUAL;
	__builtin_memset(t, 0, sizeof(*t));
	if (syngate_xdp_copy_tcp(th, end, t, thlen, false))
		return SYNGATE_XDP_PASS_UNUSUAL;
	w = bpf_map_lookup_elem(&syngate_walk, &zero);
	if (!w)
		return SYNGATE_XDP_PASS_UNUSUAL;
	__builtin_memset(w, 0, sizeof(*w));
	__builtin_memcpy(w->opt, t->opt, sizeof(w->opt));
	w->len = thlen - sizeof(struct tcphdr);
	wc.w = w;
	bpf_loop(SYNGATE_TCPOPT_MAX, syngate_xdp_walk_step, &wc, 0);
	if (w->i < 0)
		return SYNGATE_XDP_PASS_UNUSUAL;
	syn->opts = w->opts;
	syn->flow.sport = t->th.source;
	syn->flow.dport = t->th.dest;
	syn->isn = bpf_ntohl(t->th.seq);
	syn->ecn = t->th.ece && t->th.cwr;
	return 0;
}

/* The entry for @syn's destination address and port, or NULL. */
static __always_inline struct xt_syngate_info *
syngate_xdp_scope_addr(const struct syngate_syn *syn)
{
	struct syngate_xdp_scope k = {
		.family	= syn->flow.family,
		.port	= syn->flow.dport,
	};

	if (syn->flow.family == NFPROTO_IPV6)
		__builtin_memcpy(k.addr, &syn->flow.daddr.in6, 16);
	else
		k.addr[0] = syn->flow.daddr.ip;
	return bpf_map_lookup_elem(&syngate_scope, &k);
}

/*
 * The rule's options for @syn's destination, or NULL: not ours. The port's
 * slot says whether an entry for the address is worth a hash lookup; an
 * entry for the address wins over the port's any-address entry.
 */
static __always_inline struct xt_syngate_info *
syngate_xdp_scope_of(const struct syngate_syn *syn)
{
	__u32 slot = syngate_xdp_port_slot(syn->flow.family, syn->flow.dport);
	struct xt_syngate_info *info;
	struct syngate_xdp_port *p;

	p = bpf_map_lookup_elem(&syngate_ports, &slot);
	if (!p)
		return NULL;
	if (p->addrs) {
		info = syngate_xdp_scope_addr(syn);
		if (info)
			return info;
	}
	return p->has_any ? &p->any : NULL;
}

/*
 * Our SYN-ACK's TCP header in @t, from @syn. Return: its length, or 0 and
 * the stat in @stat when the SYN is left to netfilter.
 */
static __always_inline __u32 syngate_xdp_answer(const struct syngate_syn *syn,
						struct syngate_xdp_tcp *t,
						int *stat)
{
	struct syngate_xdp_key *k;
	struct xt_syngate_info *scope;
	struct xt_syngate_info info;
	struct syngate_synack sa;
	__u32 zero = 0;
	__u32 thlen;
	__u32 now;

	scope = syngate_xdp_scope_of(syn);
	if (!scope) {
		*stat = SYNGATE_XDP_PASS_SCOPE;
		return 0;
	}
	info = *scope;
	k = bpf_map_lookup_elem(&syngate_key, &zero);
	if (!k || !(k->key[0] | k->key[1])) {
		*stat = SYNGATE_XDP_NO_KEY;
		return 0;
	}
	/* The module's clock: proxy.h, syngate_now_ms() */
	now = bpf_ktime_get_coarse_ns() / 1000000;
	syngate_synack_make((const siphash_key_t *)k->key, syn, &info, now,
			    &sa);

	thlen = sizeof(struct tcphdr) + syngate_opts_len(&sa.opts);
	__builtin_memset(t, 0, sizeof(*t));
	t->th.source = syn->flow.dport;
	t->th.dest = syn->flow.sport;
	t->th.seq = bpf_htonl(sa.seq);
	t->th.ack_seq = bpf_htonl(syn->isn + 1);
	t->th.doff = thlen / 4;
	t->th.syn = 1;
	t->th.ack = 1;
	t->th.ece = sa.ece;
	/* Window 0: the client must wait for the server's real window. */
	t->th.window = 0;
	syngate_opts_build(t->opt, &sa.opts);
	return thlen;
}

/*
 * What the families share: the SYN's TCP header, @thlen bytes at @th, is
 * read into @syn (its addresses already there), its checksum checked, and
 * our SYN-ACK's TCP header built in @t. Return: that header's length, or 0
 * and the stat in @stat when the SYN is left to netfilter.
 */
static __always_inline __u32 syngate_xdp_tcp(void *th, void *end,
					     __u32 thlen,
					     struct syngate_xdp_tcp *t,
					     struct syngate_syn *syn, int *stat)
{
	__u64 addrs = syngate_xdp_addr_sum(&syn->flow);

	*stat = syngate_xdp_read_syn(th, end, thlen, t, syn);
	if (*stat)
		return 0;
	if (syngate_xdp_tcp_sum(addrs, thlen, t) != 0xffff) {
		*stat = SYNGATE_XDP_PASS_UNUSUAL;
		return 0;
	}
	thlen = syngate_xdp_answer(syn, t, stat);
	if (thlen)
		t->th.check = ~syngate_xdp_tcp_sum(addrs, thlen, t);
	return thlen;
}

/* Make the frame @len bytes long. Return: 0, or -1. */
static __always_inline int syngate_xdp_resize(struct xdp_md *ctx, __u32 len)
{
	__u32 cur = ctx->data_end - ctx->data;

	if (cur == len)
		return 0;
	return bpf_xdp_adjust_tail(ctx, (int)len - (int)cur) ? -1 : 0;
}

static __always_inline void syngate_xdp_swap_eth(struct ethhdr *eth)
{
	__u8 mac[ETH_ALEN];

	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
}

static __always_inline int syngate_xdp4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct syngate_syn syn = { .flow.family = NFPROTO_IPV4 };
	struct ethhdr *eth = data;
	struct syngate_xdp_tcp t;
	struct iphdr *iph = data + sizeof(*eth);
	__u32 thlen, len;
	__be32 saddr, daddr;
	struct tcphdr *th;
	int stat;

	if ((void *)(iph + 1) > end || iph->protocol != IPPROTO_TCP ||
	    iph->ihl < 5)
		return XDP_PASS;
	th = (void *)iph + iph->ihl * 4;
	if ((void *)(th + 1) > end)
		return XDP_PASS;
	if (!th->syn || th->ack || th->rst || th->fin)
		return XDP_PASS;
	if (iph->version != 4 || iph->ihl != 5 ||
	    (iph->frag_off & bpf_htons(0x3fff)))
		return syngate_xdp_count(SYNGATE_XDP_PASS_UNUSUAL, XDP_PASS);
	thlen = th->doff * 4;
	len = bpf_ntohs(iph->tot_len);
	/* No data on the SYN, and all of it in the frame */
	if (len != sizeof(*iph) + thlen ||
	    sizeof(*eth) + len > (__u32)(end - data))
		return syngate_xdp_count(SYNGATE_XDP_PASS_UNUSUAL, XDP_PASS);
	saddr = iph->saddr;
	daddr = iph->daddr;
	syn.flow.saddr.ip = saddr;
	syn.flow.daddr.ip = daddr;
	/* at a constant offset now that ihl is 5: simpler for the verifier */
	th = (void *)(iph + 1);

	thlen = syngate_xdp_tcp(th, end, thlen, &t, &syn, &stat);
	if (!thlen)
		return syngate_xdp_count(stat, XDP_PASS);

	if (syngate_xdp_resize(ctx, sizeof(*eth) + sizeof(*iph) + thlen))
		return syngate_xdp_count(SYNGATE_XDP_PASS_UNUSUAL, XDP_PASS);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	iph = data + sizeof(*eth);
	if ((void *)(iph + 1) > end)
		return XDP_DROP;	/* the frame is ours now */
	syngate_xdp_swap_eth(eth);
	iph->tos = 0;
	iph->tot_len = bpf_htons(sizeof(*iph) + thlen);
	iph->id = 0;
	iph->frag_off = bpf_htons(0x4000);	/* DF */
	iph->ttl = syngate_ttl;
	iph->saddr = daddr;
	iph->daddr = saddr;
	iph->check = 0;
	iph->check = ~syngate_xdp_fold(syngate_xdp_sum32(iph, sizeof(*iph) / 4));
	if (syngate_xdp_copy_tcp(iph + 1, end, &t, thlen, true))
		return XDP_DROP;
	return syngate_xdp_count(SYNGATE_XDP_SYNACK_SENT, XDP_TX);
}

static __always_inline int syngate_xdp6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct syngate_syn syn = { .flow.family = NFPROTO_IPV6 };
	struct ethhdr *eth = data;
	struct syngate_xdp_tcp t;
	struct ipv6hdr *ip6h = data + sizeof(*eth);
	struct tcphdr *th = data + sizeof(*eth) + sizeof(*ip6h);
	struct in6_addr saddr, daddr;
	__u32 thlen, len;
	int stat;

	if ((void *)(ip6h + 1) > end)
		return XDP_PASS;
	/*
	 * Extension headers: netfilter finds the TCP header behind them. Not
	 * counted: most such packets are not TCP at all (MLD, for one).
	 */
	if (ip6h->nexthdr != IPPROTO_TCP)
		return XDP_PASS;
	if ((void *)(th + 1) > end)
		return XDP_PASS;
	if (!th->syn || th->ack || th->rst || th->fin)
		return XDP_PASS;
	thlen = th->doff * 4;
	len = bpf_ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || len != thlen ||
	    sizeof(*eth) + sizeof(*ip6h) + len > (__u32)(end - data))
		return syngate_xdp_count(SYNGATE_XDP_PASS_UNUSUAL, XDP_PASS);
	saddr = ip6h->saddr;
	daddr = ip6h->daddr;
	syn.flow.saddr.in6 = saddr;
	syn.flow.daddr.in6 = daddr;

	thlen = syngate_xdp_tcp(th, end, thlen, &t, &syn, &stat);
	if (!thlen)
		return syngate_xdp_count(stat, XDP_PASS);

	if (syngate_xdp_resize(ctx, sizeof(*eth) + sizeof(*ip6h) + thlen))
		return syngate_xdp_count(SYNGATE_XDP_PASS_UNUSUAL, XDP_PASS);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	ip6h = data + sizeof(*eth);
	if ((void *)(ip6h + 1) > end)
		return XDP_DROP;	/* the frame is ours now */
	syngate_xdp_swap_eth(eth);
	/* Version 6, traffic class and flow label 0, as ip6_flow_hdr(0, 0) */
	*(__be32 *)ip6h = bpf_htonl(0x60000000);
	ip6h->payload_len = bpf_htons(thlen);
	ip6h->hop_limit = syngate_hops;
	ip6h->saddr = daddr;
	ip6h->daddr = saddr;
	if (syngate_xdp_copy_tcp(ip6h + 1, end, &t, thlen, true))
		return XDP_DROP;
	return syngate_xdp_count(SYNGATE_XDP_SYNACK_SENT, XDP_TX);
}

SEC("xdp")
int syngate_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return syngate_xdp4(ctx);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return syngate_xdp6(ctx);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
