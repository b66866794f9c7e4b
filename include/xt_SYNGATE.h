/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * SYNGATE target: the rule's configuration, shared by the kernel module
 * (kmod/) and the iptables plugin (xt_userspace/).
 *
 * The layout is ABI: iptables hands this struct to the kernel verbatim and
 * reads it back for iptables-save, so it must not change size or meaning.
 * The option names and bits are those of the in-kernel SYNPROXY target so
 * that a SYNPROXY ruleset converts by renaming the target.
 */
#ifndef _XT_SYNGATE_H
#define _XT_SYNGATE_H

#include <linux/types.h>

#define XT_SYNGATE_OPT_MSS		0x01
#define XT_SYNGATE_OPT_WSCALE		0x02
#define XT_SYNGATE_OPT_SACK_PERM	0x04
#define XT_SYNGATE_OPT_TIMESTAMP	0x08
#define XT_SYNGATE_OPT_ECN		0x10
/* Offer no more than the server's last SYN-ACK showed (SYNGATE only). */
#define XT_SYNGATE_OPT_LEARN		0x20
#define XT_SYNGATE_OPT_MASK		0x3f
/* What --learn can bound: a rule with --learn needs one of them. */
#define XT_SYNGATE_OPT_LEARNABLE	(XT_SYNGATE_OPT_MSS | \
					 XT_SYNGATE_OPT_WSCALE | \
					 XT_SYNGATE_OPT_SACK_PERM | \
					 XT_SYNGATE_OPT_TIMESTAMP)

/* Bounds checked by both the plugin and the kernel's checkentry. */
#define XT_SYNGATE_WSCALE_MAX		14
#define XT_SYNGATE_MSS_MIN		536
#define XT_SYNGATE_MSS_MAX		65535

struct xt_syngate_info {
	__u8	options;	/* XT_SYNGATE_OPT_* */
	__u8	wscale;		/* valid with XT_SYNGATE_OPT_WSCALE */
	__u16	mss;		/* host order; valid with XT_SYNGATE_OPT_MSS */
};

/*
 * Revision 1: revision 0 and the conntrack zone of the connections the
 * rule opens. The segments the target answers have no conntrack entry
 * (the SYN is untracked, the third ACK invalid), so they cannot tell it
 * the zone that a raw-table "CT --zone" rule gives the rest of the
 * connection: the rule must.
 */
struct xt_syngate_info_v1 {
	__u8	options;	/* as in revision 0 */
	__u8	wscale;
	__u16	mss;
	__u16	zone;		/* host order; 0 is the default zone */
	__u16	reserved;	/* 0 */
};

#endif /* _XT_SYNGATE_H */
