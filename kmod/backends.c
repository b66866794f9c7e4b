// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace's table of learned backends: its life, and its listing.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "backends.h"

/**
 * syngate_backends_enable - give the namespace its table of backends
 * @net: network namespace
 *
 * Called from checkentry for a --learn rule. The table stays until the
 * namespace goes: rules come and go, and what was learned stays true.
 *
 * Return: 0, or -ENOMEM.
 */
int syngate_backends_enable(struct net *net)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_learn *t;

	if (syngate_backends(sn))
		return 0;
	t = syngate_learn_alloc();
	if (!t)
		return -ENOMEM;
	/* IPv4 and IPv6 rules are checked under different locks */
	if (cmpxchg_release(&sn->learn, NULL, t))
		syngate_learn_free(t);
	return 0;
}

/* The namespace is going: no rule and no hook can use the table now. */
void syngate_backends_exit(struct net *net)
{
	struct syngate_net *sn = syngate_pernet(net);

	syngate_learn_free(sn->learn);
	sn->learn = NULL;
}

#ifdef CONFIG_PROC_FS
/* One fact: "yes", "no", or "-" for a server never asked. */
static const char *syngate_fact(const struct syngate_learned *l, u8 bit)
{
	if (!(l->known & bit))
		return "-";
	return l->has & bit ? "yes" : "no";
}

static void syngate_backend_show(struct seq_file *seq,
				 const struct syngate_backend *b,
				 unsigned long now)
{
	const struct syngate_learned *l = &b->facts;

	if (b->family == NFPROTO_IPV6)
		seq_printf(seq, "%pI6c", &b->addr.in6);
	else
		seq_printf(seq, "%pI4", &b->addr.ip);
	seq_printf(seq, " %u %u ", ntohs(b->port), l->mss);
	if ((l->known & l->has) & XT_SYNGATE_OPT_WSCALE)
		seq_printf(seq, "%u", l->wscale);
	else
		seq_puts(seq, syngate_fact(l, XT_SYNGATE_OPT_WSCALE));
	seq_printf(seq, " %s %s %u\n",
		   syngate_fact(l, XT_SYNGATE_OPT_SACK_PERM),
		   syngate_fact(l, XT_SYNGATE_OPT_TIMESTAMP),
		   jiffies_to_msecs(now - b->born) / 1000);
}

static int syngate_backends_show(struct seq_file *seq, void *v)
{
	/* a single_open() file: the net is the private data itself */
	struct syngate_net *sn = syngate_pernet(seq_file_single_net(seq));
	struct syngate_learn *t = syngate_backends(sn);
	unsigned long now = jiffies;
	struct syngate_backend b;
	unsigned int i;

	seq_puts(seq, "backend port mss wscale sack timestamp age\n");
	if (!t)
		return 0;
	for (i = 0; i < SYNGATE_LEARN_MAX; i++)
		if (syngate_learn_read(t, i, now, &b))
			syngate_backend_show(seq, &b, now);
	return 0;
}

int syngate_backends_proc_init(struct net *net)
{
	if (!proc_create_net_single("syngate_backends", 0444, net->proc_net,
				    syngate_backends_show, NULL))
		return -ENOMEM;
	return 0;
}

void syngate_backends_proc_exit(struct net *net)
{
	remove_proc_entry("syngate_backends", net->proc_net);
}
#else
int syngate_backends_proc_init(struct net *net)
{
	return 0;
}

void syngate_backends_proc_exit(struct net *net)
{
}
#endif /* CONFIG_PROC_FS */
