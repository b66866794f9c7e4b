// SPDX-License-Identifier: GPL-2.0
/*
 * The SYNGATE xtables target: steps 1 and 2 of the handshake (proxy.h).
 * It sees the segments conntrack could not place: the client's SYN
 * (untracked by the raw-table rule) and the client's third ACK (invalid
 * to conntrack, which has never seen the connection).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_synproxy.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "backends.h"
#include "hook.h"
#include "proxy.h"
#include "target.h"
#include "zones.h"

static bool syngate_csum_bad(struct sk_buff *skb,
			     const struct xt_action_param *par)
{
	if (xt_family(par) == NFPROTO_IPV6)
		return nf_ip6_checksum(skb, xt_hooknum(par), par->thoff,
				       IPPROTO_TCP);
	return nf_ip_checksum(skb, xt_hooknum(par), par->thoff, IPPROTO_TCP);
}

/*
 * Is a server handshake for this ACK's flow under way already? A third
 * ACK sent again while our SYN is unanswered is invalid to conntrack in
 * SYN_SENT and comes here like the first one: it resends our SYN, but it
 * is a retransmission, not another valid cookie. Asked only of genuine
 * cookies, so a flood of forged ACKs costs no lookup.
 */
static bool syngate_handshake_under_way(struct net *net,
					const struct sk_buff *skb, u8 family,
					const struct nf_conn *tmpl)
{
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_tuple tuple;
	struct nf_conn *ct;
	bool ret;

	if (!nf_ct_get_tuplepr(skb, skb_network_offset(skb), family, net,
			       &tuple))
		return false;
	h = nf_conntrack_find_get(net, nf_ct_zone(tmpl), &tuple);
	if (!h)
		return false;
	ct = nf_ct_tuplehash_to_ctrack(h);
	ret = NF_CT_DIRECTION(h) == IP_CT_DIR_ORIGINAL && nfct_synproxy(ct) &&
	      READ_ONCE(ct->proto.tcp.state) == TCP_CONNTRACK_SYN_SENT;
	nf_ct_put(ct);
	return ret;
}

/*
 * A --learn rule's options, bounded in @buf by what the SYN's server
 * showed (learn.h); the rule's own while nothing live is known of it.
 */
static const struct xt_syngate_info *
syngate_learned_info(struct syngate_net *sn, const struct syngate_pkt *p,
		     const struct xt_syngate_info *info,
		     struct xt_syngate_info *buf)
{
	struct syngate_learn *t = syngate_backends(sn);
	struct syngate_learned facts;

	if (!t || !syngate_learn_lookup(t, &p->flow, jiffies, &facts)) {
		syngate_stat_inc(sn, SYNGATE_STAT_SYNACK_RULE);
		return info;
	}
	*buf = *info;
	syngate_learn_apply(&facts, buf);
	syngate_stat_inc(sn, SYNGATE_STAT_SYNACK_LEARNED);
	return buf;
}

/*
 * Both revisions: @info is revision 0's fields (revision 1 begins with
 * them), @zone the conntrack zone of the server-side entry.
 */
static unsigned int syngate_tg(struct sk_buff *skb,
			       const struct xt_action_param *par,
			       const struct xt_syngate_info *info, u16 zone)
{
	struct net *net = xt_net(par);
	struct syngate_net *sn = syngate_pernet(net);
	struct xt_syngate_info learned;
	struct nf_conn *tmpl;
	const struct tcphdr *th;
	struct syngate_seg syn;
	struct syngate_pkt p;

	if (syngate_pkt_load(&p, skb, xt_family(par), par->thoff)) {
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_MALFORMED);
		return NF_DROP;
	}
	th = &p.th;
	if (th->syn == th->ack || th->rst || th->fin)
		return XT_CONTINUE;

	if (syngate_csum_bad(skb, par)) {
		syngate_stat_inc(sn, SYNGATE_STAT_DROP_CHECKSUM);
		return NF_DROP;
	}

	if (th->syn) {
		if (info->options & XT_SYNGATE_OPT_LEARN)
			info = syngate_learned_info(sn, &p, info, &learned);
		syngate_answer_syn(net, info, &p);
		return NF_STOLEN;
	}
	if (syngate_check_client_ack(net, &p, &syn)) {
		syngate_stat_inc(sn, SYNGATE_STAT_COOKIE_INVALID);
		return NF_DROP;
	}
	/* held by the rule's checkentry until its destroy */
	tmpl = syngate_zone_tmpl(net, zone);
	if (WARN_ON_ONCE(!tmpl))
		return NF_DROP;
	if (syngate_handshake_under_way(net, skb, xt_family(par), tmpl))
		syngate_stat_inc(sn, SYNGATE_STAT_COOKIE_RETRANS);
	else
		syngate_stat_inc(sn, SYNGATE_STAT_COOKIE_VALID);
	/* addressed to this host: nat PREROUTING may forward it (proxy.c) */
	if (xt_hooknum(par) == NF_INET_LOCAL_IN)
		p.syn_in = xt_in(par);
	syngate_open_server(net, &p, &syn, tmpl);
	return NF_STOLEN;
}

static unsigned int syngate_tg_v0(struct sk_buff *skb,
				  const struct xt_action_param *par)
{
	return syngate_tg(skb, par, par->targinfo, 0);
}

static unsigned int syngate_tg_v1(struct sk_buff *skb,
				  const struct xt_action_param *par)
{
	const struct xt_syngate_info_v1 *info = par->targinfo;

	return syngate_tg(skb, par, par->targinfo, info->zone);
}

static int syngate_check_info(const struct xt_syngate_info *info)
{
	if (info->options & ~XT_SYNGATE_OPT_MASK) {
		pr_info_ratelimited("unknown option bits 0x%x\n",
				    info->options & ~XT_SYNGATE_OPT_MASK);
		return -EINVAL;
	}
	if ((info->options & XT_SYNGATE_OPT_WSCALE) &&
	    info->wscale > XT_SYNGATE_WSCALE_MAX) {
		pr_info_ratelimited("--wscale %u above %u\n", info->wscale,
				    XT_SYNGATE_WSCALE_MAX);
		return -EINVAL;
	}
	if ((info->options & XT_SYNGATE_OPT_MSS) &&
	    info->mss < XT_SYNGATE_MSS_MIN) {
		pr_info_ratelimited("--mss %u below %u\n", info->mss,
				    XT_SYNGATE_MSS_MIN);
		return -EINVAL;
	}
	/* --learn only lowers or removes what the rule offers (learn.c) */
	if ((info->options & XT_SYNGATE_OPT_LEARN) &&
	    !(info->options & XT_SYNGATE_OPT_LEARNABLE)) {
		pr_info_ratelimited("--learn without --mss, --wscale, --sack-perm or --timestamp has nothing to learn\n");
		return -EINVAL;
	}
	return 0;
}

static bool syngate_rule_is_tcp(const struct xt_tgchk_param *par)
{
	if (par->family == NFPROTO_IPV6) {
		const struct ip6t_entry *e = par->entryinfo;

		return (e->ipv6.flags & IP6T_F_PROTO) &&
		       e->ipv6.proto == IPPROTO_TCP &&
		       !(e->ipv6.invflags & XT_INV_PROTO);
	} else {
		const struct ipt_entry *e = par->entryinfo;

		return e->ip.proto == IPPROTO_TCP &&
		       !(e->ip.invflags & XT_INV_PROTO);
	}
}

static int syngate_tg_check(const struct xt_tgchk_param *par,
			    const struct xt_syngate_info *info)
{
	int err;

	if (!syngate_rule_is_tcp(par)) {
		pr_info_ratelimited("rule must match -p tcp\n");
		return -EINVAL;
	}
	err = syngate_check_info(info);
	if (err)
		return err;
	if (info->options & XT_SYNGATE_OPT_LEARN) {
		err = syngate_backends_enable(par->net);
		if (err) {
			pr_info_ratelimited("no memory for --learn's table\n");
			return err;
		}
	}

	err = nf_ct_netns_get(par->net, par->family);
	if (err) {
		pr_info_ratelimited("cannot enable conntrack: %d\n", err);
		return err;
	}
	err = syngate_hook_get(par->net, par->family);
	if (err) {
		pr_info_ratelimited("cannot register hooks: %d\n", err);
		nf_ct_netns_put(par->net, par->family);
	}
	return err;
}

static void syngate_tg_destroy(const struct xt_tgdtor_param *par)
{
	syngate_hook_put(par->net, par->family);
	nf_ct_netns_put(par->net, par->family);
}

static int syngate_tg_check_v0(const struct xt_tgchk_param *par)
{
	return syngate_tg_check(par, par->targinfo);
}

static int syngate_tg_check_v1(const struct xt_tgchk_param *par)
{
	const struct xt_syngate_info_v1 *info = par->targinfo;
	int err;

	if (info->reserved) {
		pr_info_ratelimited("reserved field set: 0x%x\n",
				    info->reserved);
		return -EINVAL;
	}
	err = syngate_zone_get(par->net, info->zone);
	if (err) {
		pr_info_ratelimited("no memory for zone %u's template\n",
				    info->zone);
		return err;
	}
	err = syngate_tg_check(par, par->targinfo);
	if (err)
		syngate_zone_put(par->net, info->zone);
	return err;
}

static void syngate_tg_destroy_v1(const struct xt_tgdtor_param *par)
{
	const struct xt_syngate_info_v1 *info = par->targinfo;

	syngate_tg_destroy(par);
	syngate_zone_put(par->net, info->zone);
}

/*
 * Revision 0 is the target's first layout; revision 1 adds --zone. The
 * iptables plugin uses the newest the kernel knows.
 */
static struct xt_target syngate_tg_reg[] __read_mostly = {
	{
		.name		= "SYNGATE",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.table		= "filter",
		.hooks		= (1 << NF_INET_LOCAL_IN) |
				  (1 << NF_INET_FORWARD),
		.target		= syngate_tg_v0,
		.targetsize	= sizeof(struct xt_syngate_info),
		.checkentry	= syngate_tg_check_v0,
		.destroy	= syngate_tg_destroy,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SYNGATE",
		.revision	= 1,
		.family		= NFPROTO_IPV4,
		.table		= "filter",
		.hooks		= (1 << NF_INET_LOCAL_IN) |
				  (1 << NF_INET_FORWARD),
		.target		= syngate_tg_v1,
		.targetsize	= sizeof(struct xt_syngate_info_v1),
		.checkentry	= syngate_tg_check_v1,
		.destroy	= syngate_tg_destroy_v1,
		.me		= THIS_MODULE,
	},
#if IS_ENABLED(CONFIG_IP6_NF_IPTABLES)
	{
		.name		= "SYNGATE",
		.revision	= 0,
		.family		= NFPROTO_IPV6,
		.table		= "filter",
		.hooks		= (1 << NF_INET_LOCAL_IN) |
				  (1 << NF_INET_FORWARD),
		.target		= syngate_tg_v0,
		.targetsize	= sizeof(struct xt_syngate_info),
		.checkentry	= syngate_tg_check_v0,
		.destroy	= syngate_tg_destroy,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SYNGATE",
		.revision	= 1,
		.family		= NFPROTO_IPV6,
		.table		= "filter",
		.hooks		= (1 << NF_INET_LOCAL_IN) |
				  (1 << NF_INET_FORWARD),
		.target		= syngate_tg_v1,
		.targetsize	= sizeof(struct xt_syngate_info_v1),
		.checkentry	= syngate_tg_check_v1,
		.destroy	= syngate_tg_destroy_v1,
		.me		= THIS_MODULE,
	},
#endif
};

int syngate_target_register(void)
{
	return xt_register_targets(syngate_tg_reg, ARRAY_SIZE(syngate_tg_reg));
}

void syngate_target_unregister(void)
{
	xt_unregister_targets(syngate_tg_reg, ARRAY_SIZE(syngate_tg_reg));
}
