/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SYNGATE_HOOK_H
#define _SYNGATE_HOOK_H

#include <net/net_namespace.h>

int syngate_hook_get(struct net *net, u8 family);
void syngate_hook_put(struct net *net, u8 family);

#endif /* _SYNGATE_HOOK_H */
