// SPDX-License-Identifier: GPL-2.0
/*
 * The conntrack hook: steps 3 to 5 of the handshake (proxy.h) and the
 * translation of every later segment (rewrite.h). The offsets live in
 * the seqadj extension, where conntrack's window tracking reads them.
 *
 * It runs just before conntrack confirms a packet, on LOCAL_IN and
 * POST_ROUTING: the last points every segment of a proxied connection
 * passes on its way to the server or the client, whether the server is
 * local (INPUT rule) or behind us (FORWARD rule).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/mutex.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_ecache.h>
#include <net/netfilter/nf_conntrack_helper.h>
#include <net/netfilter/nf_conntrack_seqadj.h>
#include <net/netfilter/nf_conntrack_synproxy.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/tcp.h>

#include "hook.h"
#include "icmp.h"
#include "proxy.h"
#include "rewrite.h"
#include "xlate.h"
#include "zones.h"

/* Serialises the per-namespace hook reference counts. */
static DEFINE_MUTEX(syngate_hook_mutex);

/*
 * Sequence numbers are ours to shift, in the same pass as the rest, when
 * seqadj holds no more than the offset we gave it
 * (proxy.c: syngate_finish_server()): the entry is confirmed, has no
 * helper (a helper's own rewrites move offsets at a correction point,
 * and it runs from the confirm hook), and neither direction's offset
 * has moved. IPS_SEQ_ADJUST stays set: it is what keeps flowtables and
 * act_ct from offloading the connection past this hook, and what
 * ctnetlink (conntrackd) dumps the offsets by.
 */
static bool syngate_seq_ours(const struct nf_conn *ct,
			     enum ip_conntrack_dir dir,
			     struct syngate_rewrite *rw)
{
	const unsigned long needed = IPS_SEQ_ADJUST | IPS_CONFIRMED;
	const struct nf_conn_seqadj *seqadj;
	s32 orig, reply;

	if ((READ_ONCE(ct->status) & needed) != needed ||
	    nf_ct_ext_exist(ct, NF_CT_EXT_HELPER))
		return false;
	seqadj = nfct_seqadj(ct);
	if (!seqadj)
		return false;
	orig = READ_ONCE(seqadj->seq[IP_CT_DIR_ORIGINAL].offset_after);
	reply = READ_ONCE(seqadj->seq[IP_CT_DIR_REPLY].offset_after);
	if (READ_ONCE(seqadj->seq[IP_CT_DIR_ORIGINAL].offset_before) != orig ||
	    READ_ONCE(seqadj->seq[IP_CT_DIR_REPLY].offset_before) != reply)
		return false;
	rw->seq = dir == IP_CT_DIR_REPLY ? reply : orig;
	rw->ack = dir == IP_CT_DIR_REPLY ? orig : reply;
	return true;
}

/*
 * Past this hook, @skb goes on without its entry @ct (the one it holds a
 * reference to), marked untracked: conntrack's confirm hook then has
 * nothing to do with it.
 */
static void syngate_untrack(struct sk_buff *skb, struct nf_conn *ct)
{
	nf_ct_put(ct);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
}

/*
 * The segment is translated and its entry confirmed: all that conntrack's
 * confirm hook has left to do is deliver the events the segment raised
 * and run seqadj, whose work is done. So do the first, and let the hook
 * find no entry on the segment, as it finds none on the ICMP errors
 * syngate_hook_icmp() lets through.
 */
static void syngate_confirmed(struct sk_buff *skb, struct nf_conn *ct)
{
	if (nf_ct_ecache_exist(ct))
		nf_ct_deliver_cached_events(ct);
	syngate_untrack(skb, ct);
}

/*
 * Translate a segment of a proxied connection past the handshake:
 * sequence numbers when they are ours (above), timestamps always when
 * both ends use them, windows when the two ends scale them differently
 * (xlate.h).
 */
static unsigned int syngate_translate(struct net *net, struct sk_buff *skb,
				      unsigned int thoff, struct nf_conn *ct,
				      enum ip_conntrack_info ctinfo,
				      const struct nf_conn_synproxy *sp)
{
	enum ip_conntrack_dir dir = CTINFO2DIR(ctinfo);
	struct syngate_rewrite rw = {
		.tsoff	= sp->tsoff,
		.reply	= dir == IP_CT_DIR_REPLY,
	};
	int err;

	if (rw.reply) {
		rw.win = syngate_its_unpack(sp->its, &rw.srv_ws, &rw.cli_ws);
	} else {
		rw.cli_ws = syngate_its_to_server(sp->its);
		rw.win = rw.cli_ws;
	}
	rw.seq_ours = syngate_seq_ours(ct, dir, &rw);
	if (!rw.tsoff && !rw.win && !rw.seq_ours)
		return NF_ACCEPT;

	err = syngate_rewrite_skb(skb, thoff, &rw);
	switch (err) {
	case 0:
		if (rw.seq_ours)
			syngate_confirmed(skb, ct);
		return NF_ACCEPT;
	case -ENOMEM:
		syngate_stat_inc(syngate_pernet(net), SYNGATE_STAT_DROP_NOMEM);
		return NF_DROP;
	case -EBADMSG:
		syngate_stat_inc(syngate_pernet(net),
				 SYNGATE_STAT_DROP_MALFORMED);
		return NF_DROP;
	default:
		/* untouched: seqadj does what it always did */
		return NF_ACCEPT;
	}
}

/*
 * What our SYN says of the handshake so far (xlate.h): with timestamps,
 * its TSecr is the TSval our SYN-ACK sent the client; without, its window
 * scale is the one our SYN-ACK announced (proxy.c: syngate_nots_fields()).
 */
static u32 syngate_syn_its(const struct syngate_opts *syn)
{
	if (syn->options & XT_SYNGATE_OPT_TIMESTAMP)
		return syn->tsecr;
	return syngate_its_nots(syn->options & XT_SYNGATE_OPT_WSCALE ?
				syn->wscale : -1);
}

/*
 * Does the entry hold another connection's state? "its" is 0 only in a
 * fresh entry or one whose handshake ended without window translation
 * (xlate.h); the cookie in "isn" may be any value, 0 included. Our own
 * SYN again (a retransmitted third ACK resends it) finds the handshake
 * under way with the same cookie: nothing to forget.
 */
static bool syngate_entry_stale(const struct nf_conn *ct,
				const struct nf_conn_synproxy *sp, u32 isn)
{
	if (test_bit(IPS_SEQ_ADJUST_BIT, &ct->status))
		return true;
	if (!sp->its)
		return false;
	return syngate_its_done(sp->its) || sp->isn != isn;
}

/*
 * Our SYN to the server is leaving: record in the new entry what the SYN
 * relays (proxy.c: syngate_check_ack()). An entry that already carries
 * translation state is a 4-tuple being reused before conntrack forgot
 * it: that state belongs to the old connection.
 */
static void syngate_record_syn(struct syngate_net *sn, struct nf_conn *ct,
			       struct nf_conn_synproxy *sp,
			       const struct syngate_pkt *p)
{
	struct nf_conn_seqadj *seqadj = nfct_seqadj(ct);

	if (syngate_entry_stale(ct, sp, ntohl(p->th.ack_seq))) {
		if (seqadj) {
			spin_lock_bh(&ct->lock);
			memset(seqadj->seq, 0, sizeof(seqadj->seq));
			clear_bit(IPS_SEQ_ADJUST_BIT, &ct->status);
			spin_unlock_bh(&ct->lock);
		}
		syngate_stat_inc(sn, SYNGATE_STAT_CONN_REOPENED);
	}
	sp->isn = ntohl(p->th.ack_seq);
	sp->its = syngate_syn_its(&p->opts);
	sp->tsoff = 0;
	nf_conntrack_event_cache(IPCT_SYNPROXY, ct);
}

/*
 * The template a new server SYN for @ct's flow goes out with: its zone's,
 * that of the rule which opened it (zones.h). NULL once no rule names
 * that zone: the target no longer proxies there, and the segment is
 * dropped.
 */
static struct nf_conn *syngate_ct_tmpl(struct net *net,
				       const struct nf_conn *ct)
{
	return syngate_zone_tmpl(net, nf_ct_zone(ct)->id);
}

/*
 * A client ACK that found the entry while our server SYN is outstanding.
 * Conntrack passes only a zero-window probe here (SEG.SEQ = ISN, its
 * "SYN proxy client keep alive"); a retransmitted third ACK is invalid
 * to it and goes to the target. Check the cookie again and resend the
 * SYN.
 */
static unsigned int syngate_retrans_ack(struct net *net,
					const struct nf_conn *ct,
					struct syngate_pkt *p)
{
	struct nf_conn *tmpl = syngate_ct_tmpl(net, ct);
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_seg syn;

	if (!tmpl)
		return NF_DROP;
	if (syngate_check_client_ack(net, p, &syn)) {
		syngate_stat_inc(sn, SYNGATE_STAT_COOKIE_INVALID);
		return NF_DROP;
	}
	syngate_stat_inc(sn, SYNGATE_STAT_COOKIE_RETRANS);
	syngate_open_server(net, p, &syn, tmpl);
	return NF_STOLEN;
}

/*
 * A client segment on an ended entry that does not reopen it. If the
 * server ever answered our SYN (the entry has offsets), it is a late
 * segment of that connection, which the server may still expect (the
 * last ACK of a close): it goes on, translated. If the server never
 * answered, the entry is ending because of a RST about our SYN (the
 * server's, or a blind one conntrack took for it), and conntrack removes
 * such an entry as soon as it has accepted the RST: a segment that finds
 * it in CLOSE was looked up on another CPU in between. The server has no
 * connection for it and would answer with a reset, which reaches the
 * client without an entry to check it against: drop it. The client's
 * next retransmission finds no entry and opens a new handshake through
 * the target. An entry whose synproxy extension holds no ISN was never
 * ours: ctnetlink gives every entry it makes one (conntrackd's replicas
 * of connections nobody proxied), and its segments go on.
 */
static unsigned int syngate_after_end(const struct nf_conn *ct,
				      const struct nf_conn_synproxy *sp)
{
	if (test_bit(IPS_SEQ_ADJUST_BIT, &ct->status) || !sp->isn)
		return NF_ACCEPT;
	return NF_DROP;
}

/*
 * A client ACK on an entry whose connection has ended (TIME_WAIT, or
 * CLOSE after a reset). If it returns a genuine cookie and starts above
 * everything the old connection sent, the client has reused the 4-tuple
 * and completed a new handshake with us while conntrack still remembers
 * the old one: the old entry and its offsets must go, or the new
 * connection would be translated with them. Anything else is a late
 * segment of the old connection (syngate_after_end()): that includes a
 * delayed duplicate of the old connection's own third ACK or first data,
 * whose cookie is still within its lifetime, and which must not open
 * the server a connection (and hand it data) that the client has closed.
 */
static unsigned int syngate_reuse_ack(struct net *net, struct nf_conn *ct,
				      const struct nf_conn_synproxy *sp,
				      struct syngate_pkt *p)
{
	u32 old_end = READ_ONCE(ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].td_end);
	struct nf_conn *tmpl = syngate_ct_tmpl(net, ct);
	struct syngate_seg syn;

	if (!tmpl || !syngate_isn_reopens(old_end, ntohl(p->th.seq) - 1))
		return syngate_after_end(ct, sp);
	if (syngate_check_client_ack(net, p, &syn))
		return syngate_after_end(ct, sp);
	nf_ct_kill(ct);
	syngate_stat_inc(syngate_pernet(net), SYNGATE_STAT_CONN_REOPENED);
	syngate_stat_inc(syngate_pernet(net), SYNGATE_STAT_COOKIE_VALID);
	syngate_open_server(net, p, &syn, tmpl);
	return NF_STOLEN;
}

static bool syngate_is_pure_ack(const struct tcphdr *th)
{
	return th->ack && !th->syn && !th->rst && !th->fin;
}

/* One past our SYN to the server: the client's ISN + 1. */
static u32 syngate_syn_end(const struct nf_conn *ct)
{
	return READ_ONCE(ct->proto.tcp.seen[IP_CT_DIR_ORIGINAL].td_end);
}

/*
 * Our SYN found an entry conntrack keeps for an earlier connection on the
 * 4-tuple (CLOSE, 10 s after the server reset it) and passed it without
 * making it a new connection: the entry still holds the old connection's
 * cookie, timestamp offset, sequence offsets and windows. Do what
 * conntrack does itself when the client was the one to reset: remove the
 * entry and send the SYN again, into a new entry made from our template.
 * NAT has rewritten the SYN for the old entry: the new one is made from
 * the addresses the client sent, and finds its NAT rules anew, in
 * PREROUTING again when the SYN came through it (a port forward).
 */
static unsigned int syngate_reopen(struct net *net, struct nf_conn *ct,
				   struct syngate_pkt *p)
{
	struct syngate_ct tmpl = {
		.ct	= syngate_ct_tmpl(net, ct),
		.ctinfo	= IP_CT_NEW,
	};
	struct syngate_net *sn = syngate_pernet(net);
	int err;

	/*
	 * Somebody else is removing it: until they have, a lookup would find
	 * it again, and the SYN would come back here. The client's next ACK
	 * sends it again.
	 */
	if (!tmpl.ct || !nf_ct_kill(ct))
		return NF_DROP;
	syngate_stat_inc(sn, SYNGATE_STAT_CONN_REOPENED);
	if (syngate_readdress(p->skb, p->thoff, p->flow.family,
			      &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple)) {
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_NOMEM);
		return NF_DROP;
	}
	if (!p->syn_in) {
		syngate_resend(net, p->skb, p->flow.family, &tmpl);
		return NF_STOLEN;
	}
	err = syngate_send_received(net, p->skb, p->flow.family, p->syn_in,
				    &tmpl);
	syngate_count_xmit_err(sn, err);
	return NF_STOLEN;
}

/* RFC 9293 3.10.7.3: a SYN-SENT end resets an ACK that acks nothing sent. */
static void syngate_reset_server(struct net *net, const struct syngate_pkt *p)
{
	struct syngate_ct untracked = { .ctinfo = IP_CT_UNTRACKED };
	struct syngate_seg seg = {
		.sport	= p->th.dest,
		.dport	= p->th.source,
		.seq	= ntohl(p->th.ack_seq),
		.flags	= TCPHDR_RST,
	};
	int err;

	err = syngate_xmit(net, p->skb, p->flow.family, &p->flow.daddr,
			   &p->flow.saddr, &seg, &untracked);
	syngate_count_xmit_err(syngate_pernet(net), err);
}

/*
 * A keepalive probe to the client: one below the sequence number it
 * expects, so that it answers with an ACK (rate limited by its
 * tcp_invalid_ratelimit), which carries the cookie again.
 */
static void syngate_probe_client(struct net *net,
				 const struct nf_conn_synproxy *sp,
				 const struct syngate_pkt *p, u32 syn_end)
{
	struct syngate_ct untracked = { .ctinfo = IP_CT_UNTRACKED };
	struct syngate_seg seg = {
		.sport		= p->th.source,
		.dport		= p->th.dest,
		.seq		= sp->isn,
		.ack_seq	= syn_end,
		.flags		= TCPHDR_ACK,
	};
	int err;

	err = syngate_xmit(net, p->skb, p->flow.family, &p->flow.saddr,
			   &p->flow.daddr, &seg, &untracked);
	syngate_count_xmit_err(syngate_pernet(net), err);
}

/*
 * The server answered our SYN with an ACK and no SYN: a socket of its own
 * is still open on this 4-tuple (TIME_WAIT, FIN_WAIT, LAST_ACK: servers
 * that close first, NATs that reuse ports), and the ACK belongs to that
 * old connection. A direct client would reset the socket and send its SYN
 * again. Ours believes itself connected and would only answer the ACK as
 * garbage, which sends our SYN again and gets the same ACK, until the old
 * socket ends. So reset the socket on its behalf, and probe the client:
 * its ACK makes the target send the SYN again, rebuilt from the cookie
 * (the entry does not keep the SYN's options and TSval).
 */
static unsigned int syngate_stale_server(struct net *net, struct nf_conn *ct,
					 const struct nf_conn_synproxy *sp,
					 const struct syngate_pkt *p)
{
	u32 syn_end = syngate_syn_end(ct);

	/* It acks our SYN but does not synchronise: not ours to answer. */
	if (ntohl(p->th.ack_seq) == syn_end)
		return NF_DROP;
	syngate_stat_inc(syngate_pernet(net), SYNGATE_STAT_SERVER_STALE);
	syngate_reset_server(net, p);
	syngate_probe_client(net, sp, p, syn_end);
	return NF_DROP;
}

/*
 * The server refused our SYN. The client, which got our SYN-ACK, takes a
 * reset only at the sequence number it expects: translate the RST there.
 * Only a RST that acks our SYN is the server's answer to it; conntrack
 * accepts any RST in SYN_SENT, so another one may come from anybody who
 * knows the 4-tuple, and translating it would hand them the client's
 * connection to reset.
 */
static unsigned int syngate_server_reset(struct net *net, struct nf_conn *ct,
					 enum ip_conntrack_info ctinfo,
					 const struct nf_conn_synproxy *sp,
					 const struct syngate_pkt *p)
{
	struct syngate_net *sn = syngate_pernet(net);
	const struct tcphdr *th = &p->th;

	if (!th->ack || ntohl(th->ack_seq) != syngate_syn_end(ct)) {
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_BLIND_RST);
		return NF_DROP;
	}
	syngate_drop_held(net, p, false);
	nf_ct_seqadj_init(ct, ctinfo, syngate_rst_offset(sp->isn,
							 ntohl(th->seq)));
	syngate_stat_inc(sn, SYNGATE_STAT_SERVER_RESET);
	return NF_ACCEPT;
}

/*
 * The handshake as a table: conntrack's state once it has seen the
 * segment, the segment's direction and flags, what the hook does, and
 * the e2e scenario (tests/e2e/run.sh) that covers the row. Every
 * original-direction SYN on an entry with our extension is one we sent
 * (proxy.c: syngate_open_server()); the client's own SYNs are untracked.
 *
 * state      dir   segment              action                 scenario
 * SYN_SENT   orig  SYN                  record cookie, TSval   connect
 * SYN_SENT   orig  pure ACK (a zero-    check cookie, resend   retrans-ack
 *                  window probe, the    our SYN
 *                  one conntrack passes)
 * SYN_SENT   reply ACK, no SYN/RST      old server socket:     stale-server
 *                                       reset it, probe the
 *                                       client; drop
 * SYN_RECV   reply SYN-ACK              steps 3 to 5; consume  connect
 * TIME_WAIT  orig  SYN                  as in CLOSE (conntrack (none: not
 *                                       replaces a TIME_WAIT   reached)
 *                                       entry itself first)
 * TIME_WAIT  orig  pure ACK             4-tuple reused?        reuse,
 *                                       (syngate_reuse_ack)    late-ack
 * CLOSE      orig  SYN                  new entry, SYN again   rst-reopen
 * CLOSE      orig  pure ACK             4-tuple reused?        reuse
 * CLOSE      orig  other, no offsets    drop (a race: the      blind-rst
 *                  yet, not reopening   entry is going)
 * CLOSE      reply RST acking our SYN,  translate onto the     closed-port
 *                  no offsets yet       client's sequence
 * CLOSE      reply other RST, no        blind: drop            blind-rst
 *                  offsets yet
 * CLOSE      orig  RST, no offsets yet  drop the data held     KUnit stash
 *                                       for the flow; on
 * (any)      orig  ICMP error about a   quoted sequence        pmtu
 *                  server segment       number shifted back
 *                  (IP_CT_RELATED)      (icmp.c)
 * (any other)                           on to translation
 *
 * "No offsets yet" (IPS_SEQ_ADJUST unset): the server never answered with
 * a SYN-ACK, so the RST is about our SYN; later RSTs are translated like
 * any segment.
 */
static unsigned int syngate_handshake(struct net *net, struct nf_conn *ct,
				      enum ip_conntrack_info ctinfo,
				      struct nf_conn_synproxy *sp,
				      struct syngate_pkt *p)
{
	struct syngate_net *sn = syngate_pernet(net);
	bool orig = CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL;
	const struct tcphdr *th = &p->th;
	bool syn = th->syn && !th->ack;

	switch (ct->proto.tcp.state) {
	case TCP_CONNTRACK_SYN_SENT:
		if (orig && syn) {
			syngate_record_syn(sn, ct, sp, p);
			return NF_ACCEPT;
		}
		if (orig && syngate_is_pure_ack(th))
			return syngate_retrans_ack(net, ct, p);
		if (!orig && th->ack && !th->syn && !th->rst)
			return syngate_stale_server(net, ct, sp, p);
		return NF_ACCEPT;
	case TCP_CONNTRACK_SYN_RECV:
		if (orig || !th->syn || !th->ack)
			return NF_ACCEPT;
		syngate_finish_server(net, ct, ctinfo, sp, p);
		consume_skb(p->skb);
		return NF_STOLEN;
	case TCP_CONNTRACK_TIME_WAIT:
	case TCP_CONNTRACK_CLOSE:
		if (orig && syn)
			return syngate_reopen(net, ct, p);
		if (orig && syngate_is_pure_ack(th))
			return syngate_reuse_ack(net, ct, sp, p);
		if (!th->rst)
			return orig ? syngate_after_end(ct, sp) : NF_ACCEPT;
		if (test_bit(IPS_SEQ_ADJUST_BIT, &ct->status))
			return NF_ACCEPT;
		if (!orig)
			return syngate_server_reset(net, ct, ctinfo, sp, p);
		/* the client gave up before the server answered */
		syngate_drop_held(net, p, true);
		return NF_ACCEPT;
	default:
		return NF_ACCEPT;
	}
}

/*
 * Where a server SYN for a client segment's flow must seem to arrive
 * (syngate_open_server()): the client's device when it addressed this
 * host. Its segments reach LOCAL_IN; or, once nat PREROUTING has bound
 * the entry to a port forward, POST_ROUTING, forwarded from the device
 * they came in on.
 */
static struct net_device *syngate_syn_in(const struct nf_hook_state *state,
					 const struct nf_conn *ct,
					 const struct sk_buff *skb)
{
	if (state->hook == NF_INET_LOCAL_IN)
		return state->in;
	if (test_bit(IPS_DST_NAT_BIT, &ct->status) && skb->skb_iif)
		return dev_get_by_index_rcu(state->net, skb->skb_iif);
	return NULL;
}

/*
 * Out of line on purpose: Debian's kernels zero every stack variable
 * (INIT_STACK_ALL_ZERO), and the copy of the segment the handshake works
 * on would cost the hook a memset for every segment that passes it.
 */
static noinline unsigned int
syngate_hook_handshake(const struct nf_hook_state *state, struct sk_buff *skb,
		       unsigned int thoff, struct nf_conn *ct,
		       enum ip_conntrack_info ctinfo,
		       struct nf_conn_synproxy *sp)
{
	struct syngate_pkt p;
	int err;

	/*
	 * Only SYNs need their options here: what our SYN relays, what the
	 * server's SYN-ACK says. Any other segment whose options our parser
	 * refuses (a repeated option, say) is conntrack's to judge; it goes
	 * on as if it had none, so a RST or FIN still closes the connection,
	 * and an ACK carries no cookie we could accept.
	 */
	err = syngate_pkt_load(&p, skb, state->pf, thoff);
	if (err == -EBADMSG && !p.th.syn)
		err = 0;
	if (err) {
		syngate_stat_inc(syngate_pernet(state->net),
				 SYNGATE_STAT_DROP_MALFORMED);
		return NF_DROP;
	}
	if (CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL) {
		syngate_orig_flow(ct, &p.flow);
		p.syn_in = syngate_syn_in(state, ct, skb);
	}
	return syngate_handshake(state->net, ct, ctinfo, sp, &p);
}

/*
 * States in which the hook has handshake work; the rest only translate.
 * One test of a mask: every segment of every connection asks.
 */
static bool syngate_in_handshake(const struct nf_conn *ct)
{
	const u32 states = BIT(TCP_CONNTRACK_SYN_SENT) |
			   BIT(TCP_CONNTRACK_SYN_RECV) |
			   BIT(TCP_CONNTRACK_TIME_WAIT) |
			   BIT(TCP_CONNTRACK_CLOSE);

	return states & BIT(ct->proto.tcp.state);
}

/*
 * Out of line: inline, the locals whose addresses it takes would cost
 * every segment, IPv4 too, a stack canary and (Debian's kernels zero
 * every stack variable) their zeroing.
 */
static noinline int syngate_thoff6(struct sk_buff *skb)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	__be16 frag_off;
	int thoff;

	thoff = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr,
				 &frag_off);
	if (thoff < 0 || nexthdr != IPPROTO_TCP || (frag_off & htons(~0x7)))
		return -1;
	return thoff;
}

static int syngate_thoff(struct sk_buff *skb, u8 family)
{
	if (family == NFPROTO_IPV6)
		return syngate_thoff6(skb);
	if (ip_hdr(skb)->protocol != IPPROTO_TCP)
		return -1;
	return ip_hdrlen(skb);
}

/*
 * Segments that pass the hook twice, of which the other pass is the one
 * that counts. A segment a local socket sends out of a VRF passes
 * POST_ROUTING on the VRF device, then on the real one: conntrack
 * confirms it and seqadj shifts it only on the second pass (nf_confirm()),
 * and so do we, or timestamps would be shifted and windows rescaled
 * twice. One that loops back through lo passes POST_ROUTING on its way
 * out, where it counts (nf_is_loopback_packet() is false until it has
 * been received), and LOCAL_IN on its way back in. Each test where it can
 * be true: forwarded segments meet only the first.
 */
static bool syngate_other_pass(const struct nf_hook_state *state,
			       const struct sk_buff *skb)
{
	if (state->hook == NF_INET_POST_ROUTING)
		return netif_is_l3_master(state->out);
	return nf_is_loopback_packet(skb);
}

/*
 * An ICMP error toward the server about one of its segments. One from
 * beyond this host quotes the segment as seqadj shifted it: the server
 * gets its own number back (icmp.c). One this host made (skb->sk: its
 * ICMP socket; the forwarding path's MTU check) quotes it unshifted:
 * the number stays. Either way, conntrack's confirm hook would next run
 * seqadj over the error as if it were a TCP segment of the entry
 * (nf_confirm() does not look at the protocol), rewriting the ICMP
 * header and the quoted IP header as sequence numbers and a checksum: a
 * Packet Too Big then fails the server's sanity checks (its quoted
 * source address is no longer the server's). The error needs no
 * confirming, its entry is confirmed: it goes on untracked.
 */
static unsigned int syngate_hook_icmp(const struct nf_hook_state *state,
				      struct sk_buff *skb, struct nf_conn *ct)
{
	struct syngate_net *sn = syngate_pernet(state->net);
	int ret = 0;

	if (!skb->sk)
		ret = syngate_icmp_untranslate(skb, state->pf, ct);
	if (ret < 0) {
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_NOMEM);
		return NF_DROP;
	}
	if (ret)
		syngate_stat_inc(sn, SYNGATE_STAT_ICMP_FIXED);
	if (test_bit(IPS_SEQ_ADJUST_BIT, &ct->status))
		syngate_untrack(skb, ct);
	return NF_ACCEPT;
}

static unsigned int syngate_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn_synproxy *sp;
	struct nf_conn *ct;
	int thoff;

	if (syngate_other_pass(state, skb))
		return NF_ACCEPT;
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	sp = nfct_synproxy(ct);
	if (!sp)
		return NF_ACCEPT;
	/* an ICMP error about a server segment, toward the server */
	if (ctinfo == IP_CT_RELATED)
		return syngate_hook_icmp(state, skb, ct);
	thoff = syngate_thoff(skb, state->pf);
	if (thoff < 0)
		return NF_ACCEPT;

	if (syngate_in_handshake(ct)) {
		unsigned int verdict;

		verdict = syngate_hook_handshake(state, skb, thoff, ct, ctinfo,
						 sp);
		if (verdict != NF_ACCEPT)
			return verdict;
	}

	return syngate_translate(state->net, skb, thoff, ct, ctinfo, sp);
}

static const struct nf_hook_ops syngate_hook_ops4[] = {
	{
		.hook		= syngate_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	},
	{
		.hook		= syngate_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	},
};

static const struct nf_hook_ops syngate_hook_ops6[] = {
	{
		.hook		= syngate_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_LAST - 1,
	},
	{
		.hook		= syngate_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP6_PRI_LAST - 1,
	},
};

static const struct nf_hook_ops *syngate_ops(u8 family, unsigned int *slot)
{
	*slot = family == NFPROTO_IPV6;
	return *slot ? syngate_hook_ops6 : syngate_hook_ops4;
}

/**
 * syngate_hook_get - a rule of @family appears in @net: hook in if first
 * @net: the rule's network namespace
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 *
 * Return: 0 or a negative errno from hook registration.
 */
int syngate_hook_get(struct net *net, u8 family)
{
	struct syngate_net *sn = syngate_pernet(net);
	const struct nf_hook_ops *ops;
	unsigned int slot;
	int err = 0;

	ops = syngate_ops(family, &slot);
	mutex_lock(&syngate_hook_mutex);
	if (sn->hook_users[slot] == 0)
		err = nf_register_net_hooks(net, ops, 2);
	if (!err)
		sn->hook_users[slot]++;
	mutex_unlock(&syngate_hook_mutex);
	return err;
}

/**
 * syngate_hook_put - a rule of @family leaves @net: unhook if last
 * @net: the rule's network namespace
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 */
void syngate_hook_put(struct net *net, u8 family)
{
	struct syngate_net *sn = syngate_pernet(net);
	const struct nf_hook_ops *ops;
	unsigned int slot;

	ops = syngate_ops(family, &slot);
	mutex_lock(&syngate_hook_mutex);
	if (--sn->hook_users[slot] == 0)
		nf_unregister_net_hooks(net, ops, 2);
	mutex_unlock(&syngate_hook_mutex);
}
