// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors about a proxied connection's server segments.
 *
 * The client sees the server's sequence numbers shifted by seqadj. When a
 * router between here and the client cannot pass a server segment (Packet
 * Too Big, Fragmentation Needed: path MTU discovery), its error quotes the
 * segment as it left here, with the shifted number, and the server checks
 * the quoted number against its own window (tcp_v4_err(), tcp_v6_err()):
 * out of window, the error is dropped and the path becomes a black hole.
 * Seqadj does not look inside ICMP errors, so this puts the server's own
 * number back.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack_seqadj.h>

#include "icmp.h"

/* The ICMP and ICMPv6 error header: type, code, checksum, 4 more bytes. */
#define SYNGATE_ICMP_HLEN	8

static bool syngate_icmp_is_error(u8 family, u8 type)
{
	if (family == NFPROTO_IPV6)
		return type == ICMPV6_DEST_UNREACH ||
		       type == ICMPV6_PKT_TOOBIG ||
		       type == ICMPV6_TIME_EXCEED ||
		       type == ICMPV6_PARAMPROB;
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/**
 * syngate_icmp_quoted_seq - where an ICMP error quotes a TCP sequence number
 * @msg: the ICMP message, from its type byte
 * @len: bytes of it available
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 *
 * Pure: the bytes only. The quote must hold the TCP header's first 8 bytes
 * (ports and sequence number, all RFC 792 promises).
 *
 * Return: the offset in @msg of the quoted sequence number, or -1 for
 * anything else: not an error, a quote that is not TCP, an IPv6 quote with
 * extension headers, an IPv4 fragment other than the first, a quote cut
 * short.
 */
int syngate_icmp_quoted_seq(const u8 *msg, unsigned int len, u8 family)
{
	unsigned int off = SYNGATE_ICMP_HLEN;
	const u8 *ip;

	if (len < off || !syngate_icmp_is_error(family, msg[0]))
		return -1;
	ip = msg + off;
	if (family == NFPROTO_IPV6) {
		if (len < off + sizeof(struct ipv6hdr) || ip[0] >> 4 != 6 ||
		    ip[6] != IPPROTO_TCP)
			return -1;
		off += sizeof(struct ipv6hdr);
	} else {
		/* version/IHL, protocol, fragment offset (13 bits) */
		if (len < off + sizeof(struct iphdr) || ip[0] >> 4 != 4 ||
		    (ip[0] & 0xf) < 5 || ip[9] != IPPROTO_TCP ||
		    ((ip[6] & 0x1f) | ip[7]))
			return -1;
		off += (ip[0] & 0xf) * 4;
	}
	if (len < off + 8)
		return -1;
	return off + 4;
}

/* Offset of the ICMP or ICMPv6 header, or -1. */
static int syngate_icmp_offset(struct sk_buff *skb, u8 family)
{
	__be16 frag_off;
	u8 nexthdr;
	int off;

	if (family == NFPROTO_IPV4) {
		if (ip_hdr(skb)->protocol != IPPROTO_ICMP ||
		    ip_is_fragment(ip_hdr(skb)))
			return -1;
		return ip_hdrlen(skb);
	}
	nexthdr = ipv6_hdr(skb)->nexthdr;
	off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr,
			       &frag_off);
	if (off < 0 || nexthdr != IPPROTO_ICMPV6 || frag_off)
		return -1;
	return off;
}

/**
 * syngate_icmp_untranslate - put the server's sequence number back in an
 * ICMP error about one of its segments
 * @skb: the error, travelling toward the server (IP_CT_RELATED); its
 *	network header at skb->data
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @ct: the connection conntrack tied it to
 *
 * The ICMP checksum is updated for the change; the quoted TCP checksum,
 * over a segment the quote cuts short, is nobody's to check.
 *
 * Return: 1 when the number was given back, 0 when there was nothing to
 * do, -ENOMEM when the error could not be made writable (drop it).
 */
int syngate_icmp_untranslate(struct sk_buff *skb, u8 family,
			     const struct nf_conn *ct)
{
	u8 buf[SYNGATE_ICMP_HLEN + 60 + 8];
	unsigned int len;
	int hoff, soff;
	__be32 old, new;
	const u8 *msg;
	s32 delta;
	u8 *icmp;

	hoff = syngate_icmp_offset(skb, family);
	if (hoff < 0 || skb->len <= hoff)
		return 0;
	len = min_t(unsigned int, skb->len - hoff, sizeof(buf));
	msg = skb_header_pointer(skb, hoff, len, buf);
	if (!msg)
		return 0;
	soff = syngate_icmp_quoted_seq(msg, len, family);
	if (soff < 0)
		return 0;
	memcpy(&old, msg + soff, sizeof(old));
	delta = nf_ct_seq_offset(ct, IP_CT_DIR_REPLY, ntohl(old));
	if (!delta)
		return 0;
	if (skb_ensure_writable(skb, hoff + soff + 4))
		return -ENOMEM;
	icmp = skb->data + hoff;
	new = htonl(ntohl(old) - delta);
	memcpy(icmp + soff, &new, sizeof(new));
	/* the ICMP and ICMPv6 checksums both sit at bytes 2-3 */
	inet_proto_csum_replace4((__sum16 *)(icmp + 2), skb, old, new, false);
	return 1;
}
