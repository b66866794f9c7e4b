// SPDX-License-Identifier: GPL-2.0
/*
 * SYNGATE: answer SYN floods with cookies, hand genuine clients to the
 * server. Module entry points.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/netfilter/nf_conntrack_extend.h>

#include "pernet.h"
#include "target.h"

/*
 * Proxied connections keep their state in the conntrack extension the
 * kernel reserves for synproxy; without it there is nowhere to put it.
 */
#if !IS_ENABLED(CONFIG_NETFILTER_SYNPROXY)
#error "SYNGATE needs a kernel built with CONFIG_NETFILTER_SYNPROXY"
#endif

static int __init syngate_init(void)
{
	int err;

	err = syngate_pernet_register();
	if (err)
		return err;
	err = syngate_target_register();
	if (err)
		syngate_pernet_unregister();
	return err;
}

static void __exit syngate_exit(void)
{
	syngate_target_unregister();
	syngate_pernet_unregister();
	/* zones.c frees the last rule's template after a grace period */
	rcu_barrier();
}

module_init(syngate_init);
module_exit(syngate_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The syngate developers");
MODULE_DESCRIPTION("Xtables: stateless SYN cookie proxy against SYN floods");
MODULE_VERSION(SYNGATE_VERSION);
MODULE_ALIAS("ipt_SYNGATE");
MODULE_ALIAS("ip6t_SYNGATE");
