/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The namespace's table of learned backends (learn.h): made by the first
 * --learn rule, fed by the hook, read by the target, listed in
 * /proc/net/syngate_backends.
 */
#ifndef _SYNGATE_BACKENDS_H
#define _SYNGATE_BACKENDS_H

#include <net/net_namespace.h>

#include "learn.h"
#include "pernet.h"

/* The table, or NULL while no --learn rule was ever added. */
static inline struct syngate_learn *syngate_backends(struct syngate_net *sn)
{
	/* pairs with the release in syngate_backends_enable(): seqlocks and
	 * seed initialised before the pointer is seen
	 */
	return smp_load_acquire(&sn->learn);
}

int syngate_backends_enable(struct net *net);
void syngate_backends_exit(struct net *net);
int syngate_backends_proc_init(struct net *net);
void syngate_backends_proc_exit(struct net *net);

#endif /* _SYNGATE_BACKENDS_H */
