// SPDX-License-Identifier: GPL-2.0
/*
 * Build and send the segments SYNGATE originates: the cookie SYN-ACK to a
 * client, the SYN and ACK to a server, the window update to a client.
 *
 * Each goes out through the local output path and routing, so the same
 * code serves the INPUT and FORWARD hooks and policy routing applies.
 * Checksums are left to the output path (CHECKSUM_PARTIAL): the device or
 * skb_checksum_help() completes them, whichever the route leads to.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/xfrm.h>

#include "xmit.h"

static struct sk_buff *syngate_alloc(unsigned int nhlen, unsigned int thlen)
{
	struct sk_buff *skb;

	skb = alloc_skb(MAX_TCP_HEADER + nhlen + thlen, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, MAX_TCP_HEADER);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, nhlen);
	return skb;
}

static struct tcphdr *syngate_put_tcp(struct sk_buff *skb, unsigned int thlen,
				      const struct syngate_seg *seg)
{
	struct tcphdr *th = skb_put_zero(skb, thlen);

	th->source = seg->sport;
	th->dest = seg->dport;
	th->seq = htonl(seg->seq);
	th->ack_seq = htonl(seg->ack_seq);
	th->doff = thlen / 4;
	tcp_flag_byte(th) = seg->flags;
	th->window = htons(seg->window);
	syngate_opts_build((u8 *)(th + 1), &seg->opts);

	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
	return th;
}

static void syngate_attach_ct(struct sk_buff *skb, const struct syngate_ct *sct)
{
	if (sct->ct) {
		nf_conntrack_get(&sct->ct->ct_general);
		nf_ct_set(skb, sct->ct, sct->ctinfo);
	} else if (sct->ctinfo == IP_CT_UNTRACKED) {
		/*
		 * The answer to an untracked SYN is untracked too: conntrack
		 * has nothing to learn from it and skips it at once.
		 */
		nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
	}
}

static void syngate_put_ip4(struct sk_buff *skb, struct net *net,
			    __be32 saddr, __be32 daddr)
{
	struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));

	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->frag_off = htons(IP_DF);
	iph->ttl = READ_ONCE(net->ipv4.sysctl_ip_default_ttl);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	/* Total length and header checksum: __ip_local_out() sets both. */
	skb->protocol = htons(ETH_P_IP);
}

static void syngate_put_ip6(struct sk_buff *skb, struct net *net,
			    const struct in6_addr *saddr,
			    const struct in6_addr *daddr)
{
	struct ipv6hdr *ip6h = skb_put_zero(skb, sizeof(*ip6h));

	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->hop_limit = READ_ONCE(net->ipv6.devconf_all->hop_limit);
	ip6h->nexthdr = IPPROTO_TCP;
	ip6h->saddr = *saddr;
	ip6h->daddr = *daddr;
	/* Payload length: __ip6_local_out() sets it. */
	skb->protocol = htons(ETH_P_IPV6);
}

/**
 * syngate_build - build a TCP segment with its IP header
 * @net: network namespace (default TTL / hop limit)
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @saddr: source address
 * @daddr: destination address
 * @seg: TCP header fields and options
 *
 * The TCP checksum is left CHECKSUM_PARTIAL with the pseudo-header sum in
 * place; the IP length fields are filled in by the local output path.
 *
 * Return: the segment, or NULL when out of memory.
 */
struct sk_buff *syngate_build(struct net *net, u8 family,
			      const union nf_inet_addr *saddr,
			      const union nf_inet_addr *daddr,
			      const struct syngate_seg *seg)
{
	unsigned int thlen = sizeof(struct tcphdr) + syngate_opts_len(&seg->opts);
	unsigned int nhlen = family == NFPROTO_IPV6 ? sizeof(struct ipv6hdr) :
						    sizeof(struct iphdr);
	struct sk_buff *skb;
	struct tcphdr *th;

	skb = syngate_alloc(nhlen, thlen);
	if (!skb)
		return NULL;

	if (family == NFPROTO_IPV6)
		syngate_put_ip6(skb, net, &saddr->in6, &daddr->in6);
	else
		syngate_put_ip4(skb, net, saddr->ip, daddr->ip);

	th = syngate_put_tcp(skb, thlen, seg);
	if (family == NFPROTO_IPV6)
		th->check = ~tcp_v6_check(thlen, &saddr->in6, &daddr->in6, 0);
	else
		th->check = ~tcp_v4_check(thlen, saddr->ip, daddr->ip, 0);
	return skb;
}

static int syngate_send4(struct net *net, struct sk_buff *skb,
			 const struct sk_buff *oskb,
			 const struct syngate_ct *sct)
{
	/* ip_route_me_harder() starts from a route: lend it the input's. */
	skb_dst_set_noref(skb, skb_dst(oskb));
	if (ip_route_me_harder(net, NULL, skb, RTN_UNSPEC))
		return -EHOSTUNREACH;
	syngate_attach_ct(skb, sct);
	ip_local_out(net, NULL, skb);
	return 0;
}

#if IS_ENABLED(CONFIG_IPV6)
static int syngate_send6(struct net *net, struct sk_buff *skb,
			 const struct syngate_ct *sct)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct dst_entry *dst;
	struct flowi6 fl6 = {
		.flowi6_proto	= IPPROTO_TCP,
		.saddr		= ip6h->saddr,
		.daddr		= ip6h->daddr,
		.fl6_sport	= th->source,
		.fl6_dport	= th->dest,
	};

	if (nf_ip6_route(net, &dst, flowi6_to_flowi(&fl6), false))
		return -EHOSTUNREACH;
	dst = xfrm_lookup(net, dst, flowi6_to_flowi(&fl6), NULL, 0);
	if (IS_ERR(dst))
		return -EHOSTUNREACH;
	skb_dst_set(skb, dst);
	syngate_attach_ct(skb, sct);
	ip6_local_out(net, NULL, skb);
	return 0;
}
#else
static int syngate_send6(struct net *net, struct sk_buff *skb,
			 const struct syngate_ct *sct)
{
	return -EAFNOSUPPORT;
}
#endif

/**
 * syngate_send - send a complete segment through routing
 * @net: network namespace
 * @skb: the segment, network and transport headers set; always consumed
 * @oskb: a segment being answered (IPv4 borrows its route to start from)
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @sct: conntrack state to attach
 *
 * Return: 0 when handed to the output path, -EHOSTUNREACH.
 */
int syngate_send(struct net *net, struct sk_buff *skb,
		 const struct sk_buff *oskb, u8 family,
		 const struct syngate_ct *sct)
{
	int err;

	if (family == NFPROTO_IPV6)
		err = syngate_send6(net, skb, sct);
	else
		err = syngate_send4(net, skb, oskb, sct);
	if (err)
		kfree_skb(skb);
	return err;
}

/**
 * syngate_xmit - build a TCP segment and send it through routing
 * @net: network namespace
 * @oskb: the segment being answered (IPv4 borrows its route to start from)
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @saddr: source address of the new segment
 * @daddr: destination address of the new segment
 * @seg: TCP header fields and options
 * @sct: conntrack state to attach
 *
 * Return: 0 when handed to the output path, -ENOMEM or -EHOSTUNREACH.
 */
int syngate_xmit(struct net *net, const struct sk_buff *oskb, u8 family,
		 const union nf_inet_addr *saddr,
		 const union nf_inet_addr *daddr,
		 const struct syngate_seg *seg, const struct syngate_ct *sct)
{
	struct sk_buff *skb;

	skb = syngate_build(net, family, saddr, daddr, seg);
	if (!skb)
		return -ENOMEM;
	return syngate_send(net, skb, oskb, family, sct);
}
