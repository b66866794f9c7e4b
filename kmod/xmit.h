/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and sending the TCP segments SYNGATE originates, for both
 * families.
 */
#ifndef _SYNGATE_XMIT_H
#define _SYNGATE_XMIT_H

#include <linux/skbuff.h>
#include <net/netfilter/nf_conntrack.h>

#include "tcpopt.h"

/* One TCP segment to build. Sequence numbers in host order. */
struct syngate_seg {
	__be16			sport;
	__be16			dport;
	u32			seq;
	u32			ack_seq;
	u16			window;
	u8			flags;		/* TCPHDR_* */
	struct syngate_opts	opts;
};

/* Which conntrack state the built segment carries into the stack. */
struct syngate_ct {
	struct nf_conn			*ct;	/* NULL: none, or untracked */
	enum ip_conntrack_info		ctinfo;
};

struct sk_buff *syngate_build(struct net *net, u8 family,
			      const union nf_inet_addr *saddr,
			      const union nf_inet_addr *daddr,
			      const struct syngate_seg *seg);
struct sk_buff *syngate_build_reply(struct net *net, struct sk_buff *oskb,
				    u8 family,
				    const union nf_inet_addr *saddr,
				    const union nf_inet_addr *daddr,
				    const struct syngate_seg *seg);
/*
 * Where the segment we answer passed: our answer is routed the same way.
 * Read before the segment is held or freed (its device goes with it).
 */
struct syngate_via {
	int	l3mdev;		/* its VRF, or 0 */
	int	ifindex;	/* its device: the scope of a link-local peer */
};

void syngate_via(const struct sk_buff *skb, struct syngate_via *via);
int syngate_send(struct net *net, struct sk_buff *skb, u8 family,
		 const struct syngate_via *via, const struct syngate_ct *sct);
int syngate_send_received(struct net *net, struct sk_buff *skb, u8 family,
			  struct net_device *in, const struct syngate_ct *sct);
int syngate_readdress(struct sk_buff *skb, unsigned int thoff, u8 family,
		      const struct nf_conntrack_tuple *t);
void syngate_resend(struct net *net, struct sk_buff *skb, u8 family,
		    const struct syngate_ct *sct);
int syngate_xmit(struct net *net, const struct sk_buff *oskb, u8 family,
		 const union nf_inet_addr *saddr,
		 const union nf_inet_addr *daddr,
		 const struct syngate_seg *seg, const struct syngate_ct *sct);

#endif /* _SYNGATE_XMIT_H */
