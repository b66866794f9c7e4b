/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conntrack templates for the zones that revision 1 rules name
 * (--zone): the server SYN of a connection such a rule opens goes out
 * with its zone's template, so that the entry, and every later segment
 * a raw-table "CT --zone" rule puts in that zone, meet.
 */
#ifndef _SYNGATE_ZONES_H
#define _SYNGATE_ZONES_H

#include <linux/types.h>

struct net;
struct nf_conn;

int syngate_zone_get(struct net *net, u16 id);
void syngate_zone_put(struct net *net, u16 id);
struct nf_conn *syngate_zone_tmpl(struct net *net, u16 id);

#endif /* _SYNGATE_ZONES_H */
