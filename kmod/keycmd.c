// SPDX-License-Identifier: GPL-2.0
/*
 * What an operator writes to /proc/net/syngate_key, and what it does to
 * the namespace's keys (keys.h). Pure logic: KUnit drives it.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "keys.h"

/* "syngate1" as a little-endian u64: what a fingerprint is the MAC of. */
#define SYNGATE_KEY_FP_MSG	0x31657461676e7973ULL

/* The command word, and where its key starts (0: none). */
static int syngate_key_word(const char *buf, size_t len,
			    enum syngate_key_cmd *cmd, size_t *key_at)
{
	static const struct {
		const char *word;
		enum syngate_key_cmd cmd;
	} words[] = {
		{ "set ", SYNGATE_KEY_SET },
		{ "rotate ", SYNGATE_KEY_ROTATE },
	};
	unsigned int i;

	if (len == 5 && !memcmp(buf, "clear", 5)) {
		*cmd = SYNGATE_KEY_CLEAR;
		*key_at = 0;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		size_t n = strlen(words[i].word);

		if (len == n + SYNGATE_KEY_HEX && !memcmp(buf, words[i].word, n)) {
			*cmd = words[i].cmd;
			*key_at = n;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * syngate_key_parse - one command written to /proc/net/syngate_key
 * @buf: what was written (not necessarily NUL-terminated)
 * @len: its length
 * @cmd: the command
 * @key: for set and rotate, the key: 32 hex digits, byte 0 first, each
 *	eight-byte half read little-endian as the kernel's siphash keys are
 *
 * One trailing newline is allowed; nothing else is.
 *
 * Return: 0, or -EINVAL for anything but "set HEX", "rotate HEX", "clear".
 */
int syngate_key_parse(const char *buf, size_t len, enum syngate_key_cmd *cmd,
		      siphash_key_t *key)
{
	u8 raw[sizeof(siphash_key_t)];
	__le64 half[2];
	size_t key_at;
	int err;

	if (len && buf[len - 1] == '\n')
		len--;
	err = syngate_key_word(buf, len, cmd, &key_at);
	if (err || !key_at)
		return err;
	if (hex2bin(raw, buf + key_at, sizeof(raw)))
		return -EINVAL;
	memcpy(half, raw, sizeof(half));
	key->key[0] = le64_to_cpu(half[0]);
	key->key[1] = le64_to_cpu(half[1]);
	memzero_explicit(raw, sizeof(raw));
	memzero_explicit(half, sizeof(half));
	return 0;
}

/**
 * syngate_key_fingerprint - what identifies a key without revealing it
 * @key: the key
 *
 * Return: SipHash-2-4 of a fixed message under @key: equal keys give
 * equal fingerprints, and a fingerprint tells nothing of the key.
 */
u64 syngate_key_fingerprint(const siphash_key_t *key)
{
	return siphash_1u64(SYNGATE_KEY_FP_MSG, key);
}

/**
 * syngate_keys_apply - the keys after a command
 * @old: the keys before
 * @new: filled in; @old is not changed
 * @cmd: the command
 * @key: the new current key (for clear, a fresh random one)
 * @now: real time, seconds
 */
void syngate_keys_apply(const struct syngate_keys *old,
			struct syngate_keys *new, enum syngate_key_cmd cmd,
			const siphash_key_t *key, time64_t now)
{
	memset(new, 0, sizeof(*new));
	new->cur = *key;
	new->cur_set = cmd != SYNGATE_KEY_CLEAR;
	new->cur_set_at = new->cur_set ? now : 0;
	if (cmd != SYNGATE_KEY_ROTATE)
		return;
	/* the old current key still checks the cookies it made */
	new->prev = old->cur;
	new->prev_set = old->cur_set;
	new->prev_set_at = old->cur_set_at;
	new->has_prev = true;
}
