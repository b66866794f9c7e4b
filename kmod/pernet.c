// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state and /proc/net/stat/syngate.
 */
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_synproxy.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "backends.h"
#include "keys.h"
#include "pernet.h"

unsigned int syngate_net_id __read_mostly;

static const char *const syngate_stat_names[SYNGATE_STAT_MAX] = {
	[SYNGATE_STAT_SYN_RECEIVED]	= "syn_received",
	[SYNGATE_STAT_SYNACK_SENT]	= "synack_sent",
	[SYNGATE_STAT_COOKIE_VALID]	= "cookie_valid",
	[SYNGATE_STAT_COOKIE_INVALID]	= "cookie_invalid",
	[SYNGATE_STAT_COOKIE_PREV_KEY]	= "cookie_prev_key",
	[SYNGATE_STAT_COOKIE_RETRANS]	= "cookie_retrans",
	[SYNGATE_STAT_CONN_REOPENED]	= "conn_reopened",
	[SYNGATE_STAT_CONN_ESTABLISHED]	= "conn_established",
	[SYNGATE_STAT_SERVER_RESET]	= "server_reset",
	[SYNGATE_STAT_SERVER_STALE]	= "server_stale",
	[SYNGATE_STAT_DROP_BLIND_RST]	= "drop_blind_rst",
	[SYNGATE_STAT_DATA_HELD]	= "data_held",
	[SYNGATE_STAT_ICMP_FIXED]	= "icmp_fixed",
	[SYNGATE_STAT_SYNACK_LEARNED]	= "synack_learned",
	[SYNGATE_STAT_SYNACK_RULE]	= "synack_rule",
	[SYNGATE_STAT_DROP_CHECKSUM]	= "drop_checksum",
	[SYNGATE_STAT_DROP_MALFORMED]	= "drop_malformed",
	[SYNGATE_STAT_DROP_NOMEM]	= "drop_nomem",
	[SYNGATE_STAT_DROP_NOROUTE]	= "drop_noroute",
};

#ifdef CONFIG_PROC_FS
/*
 * Same shape as /proc/net/stat/synproxy and the other lnstat files: a line
 * of names, then one line of hex counters per possible CPU. Readers sum
 * the rows; nothing is summed here so reading never contends.
 */
static void *syngate_seq_cpu(struct seq_file *seq, loff_t *pos)
{
	struct syngate_net *sn = syngate_pernet(seq_file_net(seq));
	int cpu;

	for (cpu = *pos - 1; cpu < nr_cpu_ids; cpu++) {
		if (!cpu_possible(cpu))
			continue;
		*pos = cpu + 1;
		return per_cpu_ptr(sn->stats, cpu);
	}
	return NULL;
}

static void *syngate_seq_start(struct seq_file *seq, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return syngate_seq_cpu(seq, pos);
}

static void *syngate_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	void *next;

	(*pos)++;
	next = syngate_seq_cpu(seq, pos);
	if (!next)
		*pos = nr_cpu_ids + 1;
	return next;
}

static void syngate_seq_stop(struct seq_file *seq, void *v)
{
}

static int syngate_seq_show(struct seq_file *seq, void *v)
{
	const struct syngate_stats *st = v;
	int i;

	for (i = 0; i < SYNGATE_STAT_MAX; i++) {
		if (v == SEQ_START_TOKEN)
			seq_puts(seq, syngate_stat_names[i]);
		else
			seq_printf(seq, "%08llx", st->cnt[i]);
		seq_putc(seq, i == SYNGATE_STAT_MAX - 1 ? '\n' : ' ');
	}
	return 0;
}

static const struct seq_operations syngate_seq_ops = {
	.start	= syngate_seq_start,
	.next	= syngate_seq_next,
	.stop	= syngate_seq_stop,
	.show	= syngate_seq_show,
};

static int syngate_proc_init(struct net *net)
{
	if (!proc_create_net("syngate", 0444, net->proc_net_stat,
			     &syngate_seq_ops, sizeof(struct seq_net_private)))
		return -ENOMEM;
	return 0;
}

static void syngate_proc_exit(struct net *net)
{
	remove_proc_entry("syngate", net->proc_net_stat);
}
#else
static int syngate_proc_init(struct net *net)
{
	return 0;
}

static void syngate_proc_exit(struct net *net)
{
}
#endif /* CONFIG_PROC_FS */

/*
 * The template a server SYN is sent with. Conntrack copies the seqadj and
 * synproxy extensions of a template into the entry it creates, which is
 * the only way for a module to give a new entry those extensions: since
 * 5.18 a module cannot register an extension type of its own. The
 * template's zone becomes the entry's (zones.c keeps one per zone).
 */
struct nf_conn *syngate_tmpl_alloc(struct net *net,
				   const struct nf_conntrack_zone *zone)
{
	struct nf_conn *ct;

	ct = nf_ct_tmpl_alloc(net, zone, GFP_KERNEL);
	if (!ct)
		return NULL;
	if (!nfct_seqadj_ext_add(ct) || !nfct_synproxy_ext_add(ct)) {
		nf_ct_tmpl_free(ct);
		return NULL;
	}
	__set_bit(IPS_CONFIRMED_BIT, &ct->status);
	return ct;
}

static int __net_init syngate_net_init(struct net *net)
{
	struct syngate_net *sn = syngate_pernet(net);
	int err;

	syngate_stash_init(&sn->stash);

	sn->stats = alloc_percpu(struct syngate_stats);
	if (!sn->stats)
		return -ENOMEM;

	err = syngate_keys_init(net);
	if (err)
		goto err_stats;

	err = -ENOMEM;
	INIT_LIST_HEAD(&sn->zones);
	sn->tmpl = syngate_tmpl_alloc(net, &nf_ct_zone_dflt);
	if (!sn->tmpl)
		goto err_keys;

	err = syngate_proc_init(net);
	if (err)
		goto err_tmpl;
	err = syngate_backends_proc_init(net);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	syngate_proc_exit(net);
err_tmpl:
	nf_ct_put(sn->tmpl);
err_keys:
	syngate_keys_exit(net);
err_stats:
	free_percpu(sn->stats);
	return err;
}

static void __net_exit syngate_net_exit(struct net *net)
{
	struct syngate_net *sn = syngate_pernet(net);

	syngate_backends_proc_exit(net);
	syngate_proc_exit(net);
	syngate_stash_purge(&sn->stash);
	nf_ct_put(sn->tmpl);
	free_percpu(sn->stats);
	syngate_keys_exit(net);
	syngate_backends_exit(net);
}

static struct pernet_operations syngate_net_ops = {
	.init	= syngate_net_init,
	.exit	= syngate_net_exit,
	.id	= &syngate_net_id,
	.size	= sizeof(struct syngate_net),
};

int syngate_pernet_register(void)
{
	return register_pernet_subsys(&syngate_net_ops);
}

void syngate_pernet_unregister(void)
{
	unregister_pernet_subsys(&syngate_net_ops);
}
