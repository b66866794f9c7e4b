/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What our SYN-ACK to a client's SYN says: the cookie, the options and the
 * ECE flag. Pure logic, built into the module and into the XDP program
 * (xt_userspace/syngate_xdp.bpf.c), so that a SYN answered at the driver
 * gets the SYN-ACK the target would have sent, to the bit.
 */
#ifndef _SYNGATE_SYNACK_H
#define _SYNGATE_SYNACK_H

#include "cookie.h"
#include "tcpopt.h"

/* The client's SYN, as far as our answer depends on it. */
struct syngate_syn {
	struct syngate_flow	flow;
	u32			isn;
	bool			ecn;	/* ECE and CWR: an ECN setup SYN */
	struct syngate_opts	opts;
};

struct syngate_synack {
	u32			seq;	/* the cookie */
	bool			ece;
	struct syngate_opts	opts;
};

void syngate_synack_make(const siphash_key_t *key,
			 const struct syngate_syn *syn,
			 const struct xt_syngate_info *info, u32 now_ms,
			 struct syngate_synack *sa);

#endif /* _SYNGATE_SYNACK_H */
