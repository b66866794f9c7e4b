/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proxied handshake, step by step:
 *
 *   client                SYNGATE                 server
 *     SYN  ------------->  (1) answer with a cookie, keep nothing
 *          <-------------  SYN-ACK, seq = cookie, window 0
 *     ACK  ------------->  (2) check the cookie, open the server side
 *                          SYN  ------------------->  (conntrack entry born
 *                                                      from our template)
 *                          (3) consume the server's SYN-ACK
 *                               <-------------------  SYN-ACK
 *                          ACK  ------------------->  (4)
 *          <-------------  window update (5), then the sequence and
 *                          timestamp offsets carry the connection (6)
 *
 * Steps 1 and 2 run in the xtables target, 3 to 5 in the conntrack hook.
 */
#ifndef _SYNGATE_PROXY_H
#define _SYNGATE_PROXY_H

#include <linux/math64.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/timekeeping.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_synproxy.h>

#include "cookie.h"
#include "pernet.h"
#include "tcpopt.h"
#include "xmit.h"
#include "xt_SYNGATE.h"

/* A TCP segment SYNGATE looks at: header copy, addresses, options. */
struct syngate_pkt {
	struct sk_buff		*skb;
	struct tcphdr		th;
	unsigned int		thoff;
	struct syngate_flow	flow;	/* as the segment travels */
	struct syngate_opts	opts;
	/*
	 * Where our SYN for its flow must seem to arrive (the client's
	 * device: syngate_open_server()), or NULL to send it as our own.
	 */
	struct net_device	*syn_in;
};

void syngate_count_xmit_err(struct syngate_net *sn, int err);
void syngate_orig_flow(const struct nf_conn *ct, struct syngate_flow *flow);
void syngate_drop_held(struct net *net, const struct syngate_pkt *p,
		       bool orig);
int syngate_pkt_load(struct syngate_pkt *p, struct sk_buff *skb, u8 family,
		     unsigned int thoff);

void syngate_answer_syn(struct net *net, const struct xt_syngate_info *info,
			struct syngate_pkt *p);
int syngate_check_ack(struct net *net, const struct syngate_pkt *p,
		      u32 client_isn, struct syngate_seg *syn);
int syngate_check_client_ack(struct net *net, const struct syngate_pkt *p,
			     struct syngate_seg *syn);
void syngate_open_server(struct net *net, struct syngate_pkt *p,
			 const struct syngate_seg *syn, struct nf_conn *tmpl);
void syngate_finish_server(struct net *net, struct nf_conn *ct,
			   enum ip_conntrack_info ctinfo,
			   struct nf_conn_synproxy *sp,
			   const struct syngate_pkt *p);

/*
 * Our millisecond clock, for cookie slots and our own TSvals: the coarse
 * monotonic clock, because the XDP program can read it too
 * (bpf_ktime_get_coarse_ns()) and its cookies must check here.
 */
static inline u32 syngate_now_ms(void)
{
	return div_u64(ktime_get_coarse_ns(), NSEC_PER_MSEC);
}

#endif /* _SYNGATE_PROXY_H */
