// SPDX-License-Identifier: GPL-2.0
/*
 * The proxied handshake: what SYNGATE sends at each step (see proxy.h).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/netfilter/nf_conntrack_seqadj.h>
#include <net/tcp.h>

#include "backends.h"
#include "keys.h"
#include "proxy.h"
#include "synack.h"
#include "xlate.h"
#include "xmit.h"

/**
 * syngate_pkt_load - read a TCP segment's header, addresses and options
 * @p: filled in
 * @skb: the segment; its network header is set
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @thoff: offset of the TCP header
 *
 * Return: 0; -EINVAL for a truncated header or a data offset below 5 or
 * past the packet; -EBADMSG for a malformed option list, with everything
 * but @p->opts filled in and @p->opts empty.
 */
int syngate_pkt_load(struct syngate_pkt *p, struct sk_buff *skb, u8 family,
		     unsigned int thoff)
{
	u8 buf[SYNGATE_TCPOPT_MAX];
	const struct tcphdr *th;
	unsigned int optlen;
	const u8 *opt;

	th = skb_header_pointer(skb, thoff, sizeof(p->th), &p->th);
	if (!th)
		return -EINVAL;
	if (th != &p->th)
		p->th = *th;
	if (p->th.doff * 4 < sizeof(p->th))
		return -EINVAL;

	optlen = p->th.doff * 4 - sizeof(p->th);
	opt = skb_header_pointer(skb, thoff + sizeof(p->th), optlen, buf);
	if (!opt)
		return -EINVAL;

	p->skb = skb;
	p->thoff = thoff;
	p->syn_in = NULL;
	p->flow.family = family;
	p->flow.sport = p->th.source;
	p->flow.dport = p->th.dest;
	if (family == NFPROTO_IPV6) {
		p->flow.saddr.in6 = ipv6_hdr(skb)->saddr;
		p->flow.daddr.in6 = ipv6_hdr(skb)->daddr;
	} else {
		memset(&p->flow.saddr, 0, sizeof(p->flow.saddr));
		memset(&p->flow.daddr, 0, sizeof(p->flow.daddr));
		p->flow.saddr.ip = ip_hdr(skb)->saddr;
		p->flow.daddr.ip = ip_hdr(skb)->daddr;
	}
	if (syngate_opts_parse(opt, optlen, &p->opts)) {
		memset(&p->opts, 0, sizeof(p->opts));
		return -EBADMSG;
	}
	return 0;
}

/* Count a segment we could not send, by reason. */
void syngate_count_xmit_err(struct syngate_net *sn, int err)
{
	if (err == -ENOMEM)
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_NOMEM);
	else if (err)
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_NOROUTE);
}

/**
 * syngate_answer_syn - step 1: answer a client's SYN with a cookie SYN-ACK
 * @net: network namespace
 * @info: the rule
 * @p: the client's SYN; consumed (its buffer may become the SYN-ACK)
 */
void syngate_answer_syn(struct net *net, const struct xt_syngate_info *info,
			struct syngate_pkt *p)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_ct untracked = { .ctinfo = IP_CT_UNTRACKED };
	struct syngate_syn syn = {
		.flow	= p->flow,
		.isn	= ntohl(p->th.seq),
		.ecn	= p->th.ece && p->th.cwr,
		.opts	= p->opts,
	};
	struct syngate_synack sa;
	struct syngate_seg seg = {};
	struct syngate_via via;
	struct sk_buff *skb;
	int err;

	syngate_stat_inc(sn, SYNGATE_STAT_SYN_RECEIVED);

	syngate_synack_make(&rcu_dereference(sn->keys)->cur, &syn, info,
			    syngate_now_ms(), &sa);
	seg.flags = TCPHDR_SYN | TCPHDR_ACK | (sa.ece ? TCPHDR_ECE : 0);
	seg.opts = sa.opts;
	seg.sport = p->th.dest;
	seg.dport = p->th.source;
	seg.seq = sa.seq;
	seg.ack_seq = syn.isn + 1;
	/* Window 0: the client must wait for the server's real window. */
	seg.window = 0;

	syngate_via(p->skb, &via);
	skb = syngate_build_reply(net, p->skb, p->flow.family, &p->flow.daddr,
				  &p->flow.saddr, &seg);
	p->skb = NULL;
	err = skb ? syngate_send(net, skb, p->flow.family, &via, &untracked) :
		    -ENOMEM;
	if (err)
		syngate_count_xmit_err(sn, err);
	else
		syngate_stat_inc(sn, SYNGATE_STAT_SYNACK_SENT);
}

/* Without timestamps: the client's options as the cookie carried them. */
static void syngate_nots_decode(const struct syngate_cookie_fields *fields,
				struct syngate_opts *opts)
{
	if (fields->ws_idx != SYNGATE_WS_NONE) {
		opts->options |= XT_SYNGATE_OPT_WSCALE;
		opts->wscale = syngate_ws_value(fields->ws_idx);
	}
	if (fields->sack)
		opts->options |= XT_SYNGATE_OPT_SACK_PERM;
}

/**
 * syngate_check_ack - step 2a: check the cookie a client's ACK returns
 * @net: network namespace
 * @p: the client's ACK (or a later segment of the same handshake)
 * @client_isn: the client's initial sequence number that @p implies
 * @syn: on success, the SYN to send the server
 *
 * The SYN's ack_seq field (meaningless without the ACK flag) carries the
 * cookie, and its TSecr our TSval, to the hook, which stores them in the
 * conntrack entry the SYN creates (hook.c: syngate_record_syn()).
 *
 * Return: 0 when the cookie is genuine, -EINVAL otherwise; the caller
 * counts the invalid ones, as it may try more than one @client_isn.
 */
int syngate_check_ack(struct net *net, const struct syngate_pkt *p,
		      u32 client_isn, struct syngate_seg *syn)
{
	struct syngate_net *sn = syngate_pernet(net);
	const struct syngate_opts *ack = &p->opts;
	u32 cookie = ntohl(p->th.ack_seq) - 1;
	struct syngate_cookie_data cd = { .client_isn = client_isn };
	const struct syngate_keys *keys;
	struct syngate_cookie_fields fields;
	int err;

	memset(syn, 0, sizeof(*syn));
	if (ack->options & XT_SYNGATE_OPT_TIMESTAMP) {
		cd.has_ts = true;
		cd.tsval = ack->tsecr;
	}
	keys = rcu_dereference(sn->keys);
	err = syngate_cookie_check_keys(&keys->cur,
					keys->has_prev ? &keys->prev : NULL,
					&p->flow, &cd,
					syngate_slot(syngate_now_ms()), cookie,
					&fields);
	if (err < 0)
		return -EINVAL;
	if (err > 0)
		syngate_stat_inc(sn, SYNGATE_STAT_COOKIE_PREV_KEY);
	if (cd.has_ts) {
		if (syngate_tscookie_decode(cd.tsval, &syn->opts))
			return -EINVAL;
	} else {
		syngate_nots_decode(&fields, &syn->opts);
	}

	syn->opts.options |= XT_SYNGATE_OPT_MSS;
	syn->opts.mss = syngate_mss_value(p->flow.family, fields.mss_idx);
	if (cd.has_ts) {
		syn->opts.options |= XT_SYNGATE_OPT_TIMESTAMP;
		syn->opts.tsval = ack->tsval;
		syn->opts.tsecr = ack->tsecr;
	}

	syn->sport = p->th.source;
	syn->dport = p->th.dest;
	syn->seq = client_isn;
	syn->ack_seq = cookie;
	syn->flags = TCPHDR_SYN;
	if (syn->opts.options & XT_SYNGATE_OPT_ECN)
		syn->flags |= TCPHDR_ECE | TCPHDR_CWR;
	/* A SYN's window is never scaled: give the client's in bytes. */
	syn->window = min_t(u32, U16_MAX,
			    (u32)ntohs(p->th.window) <<
			    (syn->opts.options & XT_SYNGATE_OPT_WSCALE ?
			     syn->opts.wscale : 0));
	return 0;
}

static bool syngate_has_payload(const struct syngate_pkt *p)
{
	return p->skb->len > p->thoff + p->th.doff * 4;
}

/**
 * syngate_check_client_ack - step 2a for any segment a client may send
 * @net: network namespace
 * @p: the client's ACK, or a later segment of the same handshake
 * @syn: on success, the SYN to send the server
 *
 * Every segment after the SYN carries SEG.SEQ = ISN + 1, except the probes
 * a client sends when it has data but our zero window (the third ACK was
 * lost, so no window update came): SEG.SEQ = SND.UNA - 1 = ISN, no data.
 * Accepting those too lets such a client through instead of leaving it
 * probing a gate that drops every probe.
 *
 * Return: 0 when the cookie is genuine, -EINVAL otherwise (not counted).
 */
int syngate_check_client_ack(struct net *net, const struct syngate_pkt *p,
			     struct syngate_seg *syn)
{
	u32 seq = ntohl(p->th.seq);

	if (!syngate_check_ack(net, p, seq - 1, syn))
		return 0;
	if (syngate_has_payload(p))
		return -EINVAL;
	return syngate_check_ack(net, p, seq, syn);
}

/**
 * syngate_open_server - step 2b: open the server side
 * @net: network namespace
 * @p: the client segment that carried a genuine cookie; consumed
 * @syn: from syngate_check_ack()
 * @tmpl: the conntrack template of the rule's zone (zones.h)
 *
 * The caller counts the cookie (valid, or a retransmission of one).
 * The SYN goes out with our conntrack template, so the entry it creates
 * has the seqadj and synproxy extensions, in the rule's zone. When the
 * client addressed this host (@p->syn_in set), the SYN first meets
 * PREROUTING as if it came from the client, so that one DNAT rule there
 * forwards the connection, as it would without us. Payload in
 * @p is held until the server answers (stash.c), and held before the SYN
 * leaves: the server's SYN-ACK may be handled on another CPU (RPS, a
 * multiqueue device) as soon as it is sent, and would find nothing to
 * release. Holding the segment detaches it from its device, so where it
 * came in is read first.
 */
void syngate_open_server(struct net *net, struct syngate_pkt *p,
			 const struct syngate_seg *syn, struct nf_conn *tmpl)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_ct sct = { .ct = tmpl, .ctinfo = IP_CT_NEW };
	struct syngate_via via;
	struct sk_buff *skb;
	int err;

	syngate_via(p->skb, &via);
	skb = syngate_build(net, p->flow.family, &p->flow.saddr,
			    &p->flow.daddr, syn);
	if (syngate_has_payload(p) &&
	    syngate_stash_add(&sn->stash, p->skb, p->thoff, &p->flow))
		syngate_stat_inc(sn, SYNGATE_STAT_DATA_HELD);
	else
		consume_skb(p->skb);
	if (!skb) {
		syngate_count_xmit_err(sn, -ENOMEM);
		return;
	}
	if (p->syn_in)
		err = syngate_send_received(net, skb, p->flow.family,
					    p->syn_in, &sct);
	else
		err = syngate_send(net, skb, p->flow.family, &via, &sct);
	syngate_count_xmit_err(sn, err);
}

/* Step 4: the ACK the client would have sent the server. */
static int syngate_ack_server(struct net *net, const struct nf_conn *ct,
			      const struct nf_conn_synproxy *sp,
			      const struct syngate_pkt *p)
{
	const struct ip_ct_tcp_state *cli =
		&ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL];
	struct syngate_ct none = { .ctinfo = IP_CT_NEW };
	struct syngate_seg seg = {};

	/*
	 * Built as the client would send it, in the client's sequence and
	 * timestamp space: conntrack picks it up as a segment of the
	 * connection and our hook translates it like any other.
	 */
	seg.sport = p->th.dest;
	seg.dport = p->th.source;
	seg.seq = ntohl(p->th.ack_seq);
	seg.ack_seq = sp->isn + 1;
	seg.flags = TCPHDR_ACK;
	seg.window = min_t(u32, U16_MAX, cli->td_maxwin >> cli->td_scale);
	if (p->opts.options & XT_SYNGATE_OPT_TIMESTAMP) {
		/* the echo of the server's TSval, in the client's view */
		seg.opts.options = XT_SYNGATE_OPT_TIMESTAMP;
		seg.opts.tsval = p->opts.tsecr;
		seg.opts.tsecr = syngate_ts_to_client(p->opts.tsval, sp->tsoff);
	}
	return syngate_xmit(net, p->skb, p->flow.family, &p->flow.daddr,
			    &p->flow.saddr, &seg, &none);
}

/*
 * The server's scale: its SYN-ACK's option, which a server sends only when
 * our SYN offered scaling. A repeated SYN-ACK carries the same one.
 */
static u8 syngate_srv_wscale(const struct syngate_pkt *p)
{
	return p->opts.options & XT_SYNGATE_OPT_WSCALE ? p->opts.wscale : 0;
}

/* Step 5: tell the client the server's window; the SYN-ACK said 0. */
static int syngate_update_client(struct net *net, struct nf_conn *ct,
				 const struct syngate_pkt *p)
{
	struct syngate_ct reply = {
		.ct	= ct,
		.ctinfo	= IP_CT_ESTABLISHED_REPLY,
	};
	struct syngate_seg seg = {};

	/*
	 * Built as the server would send it, in the server's space (its
	 * window scale included), and sent with the connection attached, so
	 * our hook translates it like the server's own segments.
	 */
	seg.sport = p->th.source;
	seg.dport = p->th.dest;
	seg.seq = ntohl(p->th.seq) + 1;
	seg.ack_seq = ntohl(p->th.ack_seq);
	seg.flags = TCPHDR_ACK;
	seg.window = ntohs(p->th.window) >> syngate_srv_wscale(p);
	if (p->opts.options & XT_SYNGATE_OPT_TIMESTAMP) {
		seg.opts.options = XT_SYNGATE_OPT_TIMESTAMP;
		seg.opts.tsval = p->opts.tsval;
		seg.opts.tsecr = p->opts.tsecr;
	}
	return syngate_xmit(net, p->skb, p->flow.family, &p->flow.saddr,
			    &p->flow.daddr, &seg, &reply);
}

/*
 * How windows are re-expressed (xlate.h), from the server's SYN-ACK and
 * what "its" says of the client: the scale our SYN-ACK announced to it and
 * its own. The server's scale is active only when our SYN offered scaling,
 * i.e. when the client's side has it; a server that refuses scaling reads
 * the client's windows unscaled.
 */
static u32 syngate_scales(const struct nf_conn_synproxy *sp,
			  const struct syngate_pkt *p)
{
	int ours = syngate_tscookie_our_wscale(sp->its);
	int client = syngate_its_client_wscale(sp->its);

	if (ours < 0)
		return syngate_its_pack(0, 0, 0);
	if (p->opts.options & XT_SYNGATE_OPT_WSCALE)
		return syngate_its_pack(p->opts.wscale, ours, 0);
	return syngate_its_pack(0, ours, client > 0 ? client : 0);
}

/**
 * syngate_orig_flow - the flow a connection's client sent, before any NAT
 * @ct: the connection
 * @flow: its addresses and ports filled in (not its family)
 *
 * A client segment reaches the hook after NAT (DNAT toward a backend,
 * masquerade toward the servers), but its cookie was made from the
 * addresses and ports the client sent, and our SYN was sent with them:
 * the entry our SYN created keeps them as its original tuple.
 */
void syngate_orig_flow(const struct nf_conn *ct, struct syngate_flow *flow)
{
	const struct nf_conntrack_tuple *t =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;

	flow->saddr = t->src.u3;
	flow->daddr = t->dst.u3;
	flow->sport = t->src.u.tcp.port;
	flow->dport = t->dst.u.tcp.port;
}

/* The flow client -> server of a server segment. */
static void syngate_client_flow(const struct syngate_pkt *p,
				struct syngate_flow *flow)
{
	flow->saddr = p->flow.daddr;
	flow->daddr = p->flow.saddr;
	flow->sport = p->flow.dport;
	flow->dport = p->flow.sport;
	flow->family = p->flow.family;
}

/**
 * syngate_drop_held - forget the data held for a connection that was reset
 * before its server answered
 * @net: network namespace
 * @p: the RST
 * @orig: @p goes client -> server
 */
void syngate_drop_held(struct net *net, const struct syngate_pkt *p,
		       bool orig)
{
	struct syngate_flow flow;

	if (orig)
		flow = p->flow;
	else
		syngate_client_flow(p, &flow);
	syngate_stash_drop(&syngate_pernet(net)->stash, &flow);
}

/* Step 4b: the client data held since step 2 follows our ACK. */
static void syngate_release_held(struct net *net, const struct syngate_pkt *p)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_ct none = { .ctinfo = IP_CT_NEW };
	struct syngate_flow flow;
	struct syngate_via via;
	struct sk_buff *skb;

	syngate_client_flow(p, &flow);
	syngate_via(p->skb, &via);
	while ((skb = syngate_stash_take(&sn->stash, &flow)))
		syngate_count_xmit_err(sn, syngate_send(net, skb, flow.family,
							&via, &none));
}

/*
 * What the server's SYN-ACK shows of it goes to the table of backends
 * (learn.h), under the address the target looks it up by: where the
 * client sent its SYN (syngate_orig_flow()). Our
 * SYN offered window scale and SACK when conntrack saw them on it, and
 * timestamps when "its" still holds our TSval.
 */
static void syngate_learn_server(struct syngate_net *sn,
				 const struct nf_conn *ct,
				 const struct nf_conn_synproxy *sp,
				 const struct syngate_pkt *p)
{
	u8 seen = ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].flags;
	struct syngate_learn *table = syngate_backends(sn);
	struct syngate_flow flow;
	u8 asked = 0;

	if (!table)
		return;
	syngate_orig_flow(ct, &flow);
	flow.family = p->flow.family;
	if (seen & IP_CT_TCP_FLAG_WINDOW_SCALE)
		asked |= XT_SYNGATE_OPT_WSCALE;
	if (seen & IP_CT_TCP_FLAG_SACK_PERM)
		asked |= XT_SYNGATE_OPT_SACK_PERM;
	if (syngate_its_is_tsval(sp->its))
		asked |= XT_SYNGATE_OPT_TIMESTAMP;
	syngate_learn_update(table, &flow, jiffies, asked, &p->opts);
}

/**
 * syngate_finish_server - steps 3 to 5: the server's SYN-ACK has come
 * @net: network namespace
 * @ct: the connection
 * @ctinfo: @p's conntrack info (reply direction)
 * @sp: the connection's synproxy extension, isn and its recorded
 * @p: the server's SYN-ACK, which the caller then consumes
 *
 * The server repeats its SYN-ACK when our ACK did not reach it (lost,
 * dropped for want of memory or a route), and two CPUs may each meet a
 * copy: once "its" says the handshake is done, a repeat only resends the
 * ACK and the window update, with the offsets already in force.
 */
void syngate_finish_server(struct net *net, struct nf_conn *ct,
			   enum ip_conntrack_info ctinfo,
			   struct nf_conn_synproxy *sp,
			   const struct syngate_pkt *p)
{
	struct syngate_net *sn = syngate_pernet(net);
	u32 scales;

	if (syngate_its_done(sp->its)) {
		syngate_count_xmit_err(sn, syngate_ack_server(net, ct, sp, p));
		syngate_count_xmit_err(sn, syngate_update_client(net, ct, p));
		return;
	}

	syngate_learn_server(sn, ct, sp, p);
	scales = syngate_scales(sp, p);
	if (syngate_its_is_tsval(sp->its) &&
	    (p->opts.options & XT_SYNGATE_OPT_TIMESTAMP)) {
		sp->tsoff = syngate_tsoff(p->opts.tsval, sp->its);
		nf_conntrack_event_cache(IPCT_SYNPROXY, ct);
	}
	/*
	 * Translation first: the segments below rely on it. Our TSval has
	 * served (tsoff holds what it gave); "its" now says how windows are
	 * re-expressed.
	 */
	nf_ct_seqadj_init(ct, ctinfo,
			  syngate_seq_offset(sp->isn, ntohl(p->th.seq)));
	nf_conntrack_event_cache(IPCT_SEQADJ, ct);
	sp->its = scales;
	syngate_count_xmit_err(sn, syngate_ack_server(net, ct, sp, p));
	syngate_release_held(net, p);
	syngate_count_xmit_err(sn, syngate_update_client(net, ct, p));
	syngate_stat_inc(sn, SYNGATE_STAT_CONN_ESTABLISHED);
}
