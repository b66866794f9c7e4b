/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ICMP errors about a proxied connection's server segments (icmp.c).
 */
#ifndef _SYNGATE_ICMP_H
#define _SYNGATE_ICMP_H

#include <linux/skbuff.h>
#include <net/netfilter/nf_conntrack.h>

int syngate_icmp_quoted_seq(const u8 *msg, unsigned int len, u8 family);
int syngate_icmp_untranslate(struct sk_buff *skb, u8 family,
			     const struct nf_conn *ct);

#endif /* _SYNGATE_ICMP_H */
