// SPDX-License-Identifier: GPL-2.0
/*
 * One template per zone in use, shared by the rules that name it and
 * counted by them: made by the first rule's checkentry, freed after the
 * last rule's destroy. Zone 0 is the namespace's own template (pernet.c).
 * A namespace has a handful of zones at most, so a list does.
 */
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "pernet.h"
#include "zones.h"

struct syngate_zone {
	struct list_head	list;
	struct rcu_head		rcu;
	struct nf_conn		*tmpl;
	unsigned int		users;	/* rules naming it */
	u16			id;
};

/* Writers of every namespace's list: checkentry and destroy only. */
static DEFINE_MUTEX(syngate_zones_mutex);

static struct syngate_zone *syngate_zone_find(struct syngate_net *sn, u16 id)
{
	struct syngate_zone *z;

	list_for_each_entry_rcu(z, &sn->zones, list,
				lockdep_is_held(&syngate_zones_mutex)) {
		if (z->id == id)
			return z;
	}
	return NULL;
}

/**
 * syngate_zone_get - a rule naming zone @id appears in @net
 * @net: the rule's network namespace
 * @id: its zone; 0, the default zone, needs nothing
 *
 * Return: 0, or -ENOMEM when the zone's template cannot be made.
 */
int syngate_zone_get(struct net *net, u16 id)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct nf_conntrack_zone zone;
	struct syngate_zone *z;
	int err = 0;

	if (!id)
		return 0;
	mutex_lock(&syngate_zones_mutex);
	z = syngate_zone_find(sn, id);
	if (z) {
		z->users++;
		goto out;
	}
	err = -ENOMEM;
	z = kzalloc(sizeof(*z), GFP_KERNEL);
	if (!z)
		goto out;
	nf_ct_zone_init(&zone, id, NF_CT_DEFAULT_ZONE_DIR, 0);
	z->tmpl = syngate_tmpl_alloc(net, &zone);
	if (!z->tmpl) {
		kfree(z);
		goto out;
	}
	z->id = id;
	z->users = 1;
	list_add_rcu(&z->list, &sn->zones);
	err = 0;
out:
	mutex_unlock(&syngate_zones_mutex);
	return err;
}

/* A packet that found the template in the list holds it till it is sent. */
static void syngate_zone_free(struct rcu_head *head)
{
	struct syngate_zone *z = container_of(head, struct syngate_zone, rcu);

	nf_ct_put(z->tmpl);
	kfree(z);
}

/**
 * syngate_zone_put - a rule naming zone @id leaves @net
 * @net: the rule's network namespace
 * @id: its zone
 */
void syngate_zone_put(struct net *net, u16 id)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_zone *z;

	if (!id)
		return;
	mutex_lock(&syngate_zones_mutex);
	z = syngate_zone_find(sn, id);
	if (!WARN_ON_ONCE(!z) && --z->users == 0) {
		list_del_rcu(&z->list);
		call_rcu(&z->rcu, syngate_zone_free);
	}
	mutex_unlock(&syngate_zones_mutex);
}

/**
 * syngate_zone_tmpl - the template of zone @id in @net
 * @net: network namespace
 * @id: zone
 *
 * Called under rcu_read_lock() (netfilter hooks are); the template stays
 * until the caller leaves it, so attaching it to a packet
 * (nf_conntrack_get()) is safe.
 *
 * Return: the template, or NULL when no rule names the zone.
 */
struct nf_conn *syngate_zone_tmpl(struct net *net, u16 id)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_zone *z;

	if (!id)
		return sn->tmpl;
	z = syngate_zone_find(sn, id);
	return z ? z->tmpl : NULL;
}
