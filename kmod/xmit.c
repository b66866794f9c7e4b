// SPDX-License-Identifier: GPL-2.0
/*
 * Build and send the segments SYNGATE originates: the cookie SYN-ACK to a
 * client, the SYN and ACK to a server, the window update to a client.
 *
 * Each goes out through the local output path and routing, so the same
 * code serves the INPUT and FORWARD hooks and policy routing applies.
 * The SYN to a server the client reached through this host's own address
 * meets PREROUTING first (syngate_send_received()), where a port
 * forward's DNAT rule sends it on.
 * Checksums are left to the output path (CHECKSUM_PARTIAL): the device or
 * skb_checksum_help() completes them, whichever the route leads to.
 *
 * The SYN-ACK is the one segment sent at flood rate. It is written over
 * the client's SYN whenever the SYN's buffer is ours alone (see
 * syngate_recycle()), and routed with a single output lookup, because
 * allocating, zeroing and freeing buffers and a second FIB lookup were
 * most of what a flood cost.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/if_vlan.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/l3mdev.h>
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

/*
 * Turn a received segment into an empty buffer for our answer, when that
 * is safe: nobody else holds the skb or shares its data (a packet tap
 * holds a clone), the data is one linear buffer starting at the network
 * header, and it has room for the answer. Everything the receive path
 * left in it that would steer or describe the new segment is cleared, as
 * in a freshly allocated skb: route, conntrack, extensions, socket,
 * timestamp, flow hash, tc redirect, VLAN tag, tunnel marks, control
 * block.
 *
 * Return: @skb, emptied, or NULL when it cannot be reused (unchanged).
 */
static struct sk_buff *syngate_recycle(struct sk_buff *skb,
				       unsigned int nhlen, unsigned int thlen)
{
	if (skb_shared(skb) || skb_cloned(skb) || skb_is_nonlinear(skb) ||
	    skb_network_offset(skb) != 0 ||
	    skb_end_pointer(skb) - skb->data < nhlen + thlen)
		return NULL;

	skb_scrub_packet(skb, false);
	skb_orphan(skb);
	skb_clear_tstamp(skb);
	skb_clear_hash(skb);
	skb_reset_redirect(skb);
	__vlan_hwaccel_clear_tag(skb);
	skb->encapsulation = 0;
	skb->priority = 0;
	memset(skb->cb, 0, sizeof(skb->cb));
	__skb_trim(skb, 0);
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

static unsigned int syngate_nhlen(u8 family)
{
	return family == NFPROTO_IPV6 ? sizeof(struct ipv6hdr) :
					sizeof(struct iphdr);
}

static unsigned int syngate_thlen(const struct syngate_seg *seg)
{
	return sizeof(struct tcphdr) + syngate_opts_len(&seg->opts);
}

/* Write the headers into @skb, empty, its header offsets set. */
static void syngate_fill(struct sk_buff *skb, struct net *net, u8 family,
			 const union nf_inet_addr *saddr,
			 const union nf_inet_addr *daddr,
			 const struct syngate_seg *seg)
{
	unsigned int thlen = syngate_thlen(seg);
	struct tcphdr *th;

	if (family == NFPROTO_IPV6)
		syngate_put_ip6(skb, net, &saddr->in6, &daddr->in6);
	else
		syngate_put_ip4(skb, net, saddr->ip, daddr->ip);

	th = syngate_put_tcp(skb, thlen, seg);
	if (family == NFPROTO_IPV6)
		th->check = ~tcp_v6_check(thlen, &saddr->in6, &daddr->in6, 0);
	else
		th->check = ~tcp_v4_check(thlen, saddr->ip, daddr->ip, 0);
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
	struct sk_buff *skb;

	skb = syngate_alloc(syngate_nhlen(family), syngate_thlen(seg));
	if (skb)
		syngate_fill(skb, net, family, saddr, daddr, seg);
	return skb;
}

/**
 * syngate_build_reply - build a TCP segment in place of the one it answers
 * @net: network namespace
 * @oskb: the segment being answered; always consumed
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @saddr: source address of the new segment
 * @daddr: destination address of the new segment
 * @seg: TCP header fields and options
 *
 * As syngate_build(), but @oskb's buffer is reused when that is safe, and
 * the answer carries @oskb's mark where the fwmark_reflect sysctl says so.
 * @saddr and @daddr must not point into @oskb.
 *
 * Return: the segment (possibly @oskb), or NULL when out of memory.
 */
struct sk_buff *syngate_build_reply(struct net *net, struct sk_buff *oskb,
				    u8 family,
				    const union nf_inet_addr *saddr,
				    const union nf_inet_addr *daddr,
				    const struct syngate_seg *seg)
{
	unsigned int nhlen = syngate_nhlen(family);
	unsigned int thlen = syngate_thlen(seg);
	struct sk_buff *skb;
	u32 mark;

	mark = family == NFPROTO_IPV6 ? IP6_REPLY_MARK(net, oskb->mark) :
					IP4_REPLY_MARK(net, oskb->mark);
	skb = syngate_recycle(oskb, nhlen, thlen);
	if (!skb) {
		skb = syngate_alloc(nhlen, thlen);
		consume_skb(oskb);
		if (!skb)
			return NULL;
	}
	syngate_fill(skb, net, family, saddr, daddr, seg);
	skb->mark = mark;
	return skb;
}

/**
 * syngate_via - where a segment passed, for routing our answer to it
 * @skb: a segment we answer: received (its input device) or leaving (its
 *	output device)
 * @via: filled in: its device's VRF and the device itself, or zeros
 */
void syngate_via(const struct sk_buff *skb, struct syngate_via *via)
{
	via->l3mdev = skb->dev ? l3mdev_master_ifindex_rcu(skb->dev) : 0;
	via->ifindex = skb->dev ? skb->dev->ifindex : 0;
}

/*
 * One output route lookup (plus IPsec policy, when flowi4_proto is set).
 * Our source address may be another host's (FORWARD: the server's), hence
 * FLOWI_FLAG_ANYSRC; that also spares the local-address check that
 * ip_route_me_harder() would make with a second FIB lookup.
 */
static int syngate_route4(struct net *net, struct sk_buff *skb,
			  const struct syngate_via *via)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct flowi4 fl4 = {
		.flowi4_l3mdev	= via->l3mdev,
		.flowi4_mark	= skb->mark,
		.flowi4_proto	= IPPROTO_TCP,
		.flowi4_flags	= FLOWI_FLAG_ANYSRC,
		.saddr		= iph->saddr,
		.daddr		= iph->daddr,
		.fl4_sport	= th->source,
		.fl4_dport	= th->dest,
	};
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return -EHOSTUNREACH;
	skb_dst_set(skb, &rt->dst);
	return rt->dst.error ? -EHOSTUNREACH : 0;
}

#if IS_ENABLED(CONFIG_IPV6)
/*
 * A link-local (or loopback) destination means nothing without its
 * interface: the one the segment we answer passed, as a socket would
 * have bound it (the kernel's own SYNPROXY routes without one, and its
 * SYN-ACK to a link-local client goes nowhere).
 */
static int syngate_route6(struct net *net, struct sk_buff *skb,
			  const struct syngate_via *via)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct dst_entry *dst;
	struct flowi6 fl6 = {
		.flowi6_oif	= rt6_need_strict(&ip6h->daddr) ?
				  via->ifindex : 0,
		.flowi6_l3mdev	= via->l3mdev,
		.flowi6_mark	= skb->mark,
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
	return 0;
}
#else
static int syngate_route6(struct net *net, struct sk_buff *skb,
			  const struct syngate_via *via)
{
	return -EAFNOSUPPORT;
}
#endif

/* Into the top of the output path, routed, conntrack state attached. */
static void syngate_local_out(struct net *net, struct sk_buff *skb, u8 family)
{
	if (family == NFPROTO_IPV6)
		ip6_local_out(net, NULL, skb);
	else
		ip_local_out(net, NULL, skb);
}

/* Route a segment whose conntrack state is attached, and send it. */
static int syngate_output(struct net *net, struct sk_buff *skb, u8 family,
			  const struct syngate_via *via)
{
	int err;

	if (family == NFPROTO_IPV6)
		err = syngate_route6(net, skb, via);
	else
		err = syngate_route4(net, skb, via);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	syngate_local_out(net, skb, family);
	return 0;
}

/**
 * syngate_send - send a complete segment through routing
 * @net: network namespace
 * @skb: the segment, network and transport headers set, no route;
 *	always consumed
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @via: where the segment answered passed (syngate_via())
 * @sct: conntrack state to attach
 *
 * Return: 0 when handed to the output path, -EHOSTUNREACH.
 */
int syngate_send(struct net *net, struct sk_buff *skb, u8 family,
		 const struct syngate_via *via, const struct syngate_ct *sct)
{
	syngate_attach_ct(skb, sct);
	return syngate_output(net, skb, family, via);
}

/*
 * The far side of PREROUTING (syngate_send_received()). nat PREROUTING
 * has chosen the segment's destination; from here it travels as one of
 * our own, routed by the device it seemed to arrive on.
 */
static int syngate_prerouted(struct net *net, struct sock *sk,
			     struct sk_buff *skb)
{
	u8 family = skb->protocol == htons(ETH_P_IPV6) ? NFPROTO_IPV6 :
							 NFPROTO_IPV4;
	struct syngate_via via;

	syngate_via(skb, &via);
	skb->dev = NULL;
	return syngate_output(net, skb, family, &via);
}

/*
 * Make a segment of ours look as received: the length fields and header
 * checksum the receive path would have checked, no route and no control
 * block left from an earlier trip (syngate_reopen()), an empty link-layer
 * header, so that a LOG or NFLOG rule prints none rather than reading
 * outside the buffer, and the input device, which tells the hook at
 * POST_ROUTING where a SYN that must be sent again came in.
 */
static void syngate_as_received(struct sk_buff *skb, u8 family,
				struct net_device *in)
{
	if (family == NFPROTO_IPV6) {
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
	} else {
		ip_hdr(skb)->tot_len = htons(skb->len);
		ip_send_check(ip_hdr(skb));
	}
	skb_dst_drop(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	skb_reset_mac_header(skb);
	skb->pkt_type = PACKET_HOST;
	skb->dev = in;
	skb->skb_iif = in->ifindex;
}

/**
 * syngate_send_received - send a segment through PREROUTING first
 * @net: network namespace
 * @skb: as for syngate_send(), or one of ours already on its way (its
 *	route and conntrack state are dropped); always consumed
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @in: the device the segment seems to arrive on: the client's
 * @sct: conntrack state to attach
 *
 * For the SYN to a server when the client addressed this host: without
 * us, the client's SYN would have met the PREROUTING hooks, and nat
 * PREROUTING (a port forward's DNAT, a REDIRECT) would have chosen where
 * it goes. Ours meets them in its place, as though it came in on @in.
 * The raw table's CT rules pass it by (it carries conntrack state
 * already), and its conntrack entry is made there from our template.
 * Then it goes out as syngate_send() sends it.
 *
 * Return: 0 when handed on (a PREROUTING rule may still drop it),
 * -EHOSTUNREACH.
 */
int syngate_send_received(struct net *net, struct sk_buff *skb, u8 family,
			  struct net_device *in, const struct syngate_ct *sct)
{
	int ret;

	nf_reset_ct(skb);
	syngate_attach_ct(skb, sct);
	syngate_as_received(skb, family, in);
	ret = NF_HOOK(family, NF_INET_PRE_ROUTING, net, NULL, skb, in, NULL,
		      syngate_prerouted);
	return ret == -EHOSTUNREACH ? ret : 0;
}

/**
 * syngate_resend - send a routed segment again, from the top of the output
 * path
 * @net: network namespace
 * @skb: the segment, as a netfilter hook holds it; always consumed
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @sct: conntrack state to attach in place of the segment's own
 *
 * For a hook that must send the segment it holds as if it were new (to
 * conntrack, above all); the hook then returns NF_STOLEN.
 */
void syngate_resend(struct net *net, struct sk_buff *skb, u8 family,
		    const struct syngate_ct *sct)
{
	nf_reset_ct(skb);
	syngate_attach_ct(skb, sct);
	syngate_local_out(net, skb, family);
}

/**
 * syngate_readdress - give a segment of ours its connection's original
 * addresses and ports
 * @skb: the segment, its TCP header at @thoff
 * @thoff: offset of the TCP header from skb->data
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @t: the tuple to write: the entry's original one
 *
 * Undoes what NAT did to the segment on its way out, so that it can be
 * sent again as new and find its NAT rules anew. The TCP checksum is
 * updated as NAT updates it, whether complete or left to the device; the
 * IP header checksum is the output path's to set.
 *
 * Return: 0, or -ENOMEM when the headers cannot be made writable.
 */
int syngate_readdress(struct sk_buff *skb, unsigned int thoff, u8 family,
		      const struct nf_conntrack_tuple *t)
{
	struct tcphdr *th;

	if (skb_ensure_writable(skb, thoff + sizeof(*th)))
		return -ENOMEM;
	th = (struct tcphdr *)(skb->data + thoff);
	if (family == NFPROTO_IPV6) {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		inet_proto_csum_replace16(&th->check, skb,
					  ip6h->saddr.s6_addr32,
					  t->src.u3.ip6, true);
		inet_proto_csum_replace16(&th->check, skb,
					  ip6h->daddr.s6_addr32,
					  t->dst.u3.ip6, true);
		ip6h->saddr = t->src.u3.in6;
		ip6h->daddr = t->dst.u3.in6;
	} else {
		struct iphdr *iph = ip_hdr(skb);

		inet_proto_csum_replace4(&th->check, skb, iph->saddr,
					 t->src.u3.ip, true);
		inet_proto_csum_replace4(&th->check, skb, iph->daddr,
					 t->dst.u3.ip, true);
		iph->saddr = t->src.u3.ip;
		iph->daddr = t->dst.u3.ip;
	}
	inet_proto_csum_replace2(&th->check, skb, th->source,
				 t->src.u.tcp.port, false);
	inet_proto_csum_replace2(&th->check, skb, th->dest,
				 t->dst.u.tcp.port, false);
	th->source = t->src.u.tcp.port;
	th->dest = t->dst.u.tcp.port;
	return 0;
}

/**
 * syngate_xmit - build a TCP segment and send it through routing
 * @net: network namespace
 * @oskb: the segment being answered (routed like it: syngate_via())
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
	struct syngate_via via;
	struct sk_buff *skb;

	skb = syngate_build(net, family, saddr, daddr, seg);
	if (!skb)
		return -ENOMEM;
	syngate_via(oskb, &via);
	return syngate_send(net, skb, family, &via, sct);
}
