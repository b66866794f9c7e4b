/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cookie keys of a network namespace: a current key that makes and
 * checks cookies, and the previous one, which still checks them, so that
 * gateways of a cluster can share a key and rotate it without breaking a
 * handshake in flight. Until an operator sets one (/proc/net/syngate_key,
 * syngatectl(8)), the current key is a random secret of the namespace's
 * own and there is no previous key.
 *
 * The parser of what operators write, the fingerprint and the rotation
 * are pure (keycmd.c), for KUnit; keys.c publishes the state under RCU
 * and holds the proc file.
 */
#ifndef _SYNGATE_KEYS_H
#define _SYNGATE_KEYS_H

#include <linux/siphash.h>
#include <linux/time64.h>
#include <linux/types.h>

/* A key as written: 32 hex digits, byte 0 first. */
#define SYNGATE_KEY_HEX		(2 * sizeof(siphash_key_t))

struct syngate_keys {
	siphash_key_t	cur;
	siphash_key_t	prev;
	bool		cur_set;	/* false: the namespace's random secret */
	bool		prev_set;
	bool		has_prev;
	time64_t	cur_set_at;	/* real time, seconds */
	time64_t	prev_set_at;
};

enum syngate_key_cmd {
	SYNGATE_KEY_SET,	/* new current key, no previous */
	SYNGATE_KEY_ROTATE,	/* new current key, old current is previous */
	SYNGATE_KEY_CLEAR,	/* a fresh random secret, no previous */
};

int syngate_key_parse(const char *buf, size_t len, enum syngate_key_cmd *cmd,
		      siphash_key_t *key);
u64 syngate_key_fingerprint(const siphash_key_t *key);
void syngate_keys_apply(const struct syngate_keys *old,
			struct syngate_keys *new, enum syngate_key_cmd cmd,
			const siphash_key_t *key, time64_t now);

struct net;
int syngate_keys_init(struct net *net);
void syngate_keys_exit(struct net *net);

#endif /* _SYNGATE_KEYS_H */
