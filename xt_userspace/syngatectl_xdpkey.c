// SPDX-License-Identifier: GPL-2.0
/*
 * syngatectl: the XDP program's key map (syngate_key, include/syngate_xdp.h)
 * and how it follows the module's key.
 *
 * The map holds the key as the module does: 16 bytes, byte 0 first, each
 * 8-byte half read little-endian (kmod/keycmd.c). All zero is no key: the
 * program then leaves SYNs to netfilter. Every key goes to the module
 * first, then to the map, so that the module knows a key before the
 * program makes cookies with it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "syngatectl.h"

/* The map's key: byte 0 first, each half little-endian (kmod/keycmd.c). */
static void map_key(const uint8_t raw[KEY_BYTES], struct syngate_xdp_key *k)
{
	int i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < KEY_BYTES; i++)
		k->key[i / 8] |= (__u64)raw[i] << (8 * (i % 8));
}

static void map_raw(const struct syngate_xdp_key *k, uint8_t raw[KEY_BYTES])
{
	int i;

	for (i = 0; i < KEY_BYTES; i++)
		raw[i] = (uint8_t)(k->key[i / 8] >> (8 * (i % 8)));
}

int xdp_key_get(int fd, struct syngate_xdp_key *k)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, k))
		return fail("the XDP key map: %s", strerror(errno));
	return EXIT_OK;
}

int xdp_key_put(int fd, const uint8_t raw[KEY_BYTES])
{
	struct syngate_xdp_key k = { { 0, 0 } };
	__u32 zero = 0;
	int err;

	if (raw)
		map_key(raw, &k);
	err = bpf_map_update_elem(fd, &zero, &k, BPF_ANY) ? errno : 0;
	explicit_bzero(&k, sizeof(k));
	if (err)
		return fail("the module has the new key, but the XDP key map "
			    "refused it: %s", strerror(err));
	return EXIT_OK;
}

uint64_t xdp_key_fp(const struct syngate_xdp_key *k)
{
	uint8_t raw[KEY_BYTES];
	uint64_t fp;

	map_raw(k, raw);
	fp = fingerprint_raw(raw);
	explicit_bzero(raw, sizeof(raw));
	return fp;
}

/* What the module makes of the XDP program's key, for people. */
const char *xdp_key_role(enum module_role role)
{
	switch (role) {
	case MODULE_CURRENT:
		return "the module's current key";
	case MODULE_PREVIOUS:
		return "the module's previous key: its cookies fail after the "
		       "next rotation";
	case MODULE_NEITHER:
		return "NOT a key of the module: the module refuses its cookies";
	default:
		return NULL;
	}
}

/* The namespace's maps, if any, before the module is written. */
int xdp_key_open(struct xdp_maps *m)
{
	int err = xdp_maps_open(m);

	return err && err != -ENOENT ? xdp_maps_error(err) : EXIT_OK;
}

/* The key map follows the module's new current key (NULL: cleared). */
int xdp_key_follow(struct xdp_maps *m, const uint8_t raw[KEY_BYTES])
{
	int err;

	if (m->fd[XDP_MAP_KEY] < 0)
		return EXIT_OK;
	err = xdp_key_put(m->fd[XDP_MAP_KEY], raw);
	if (err)
		return err;
	if (raw)
		printf("the XDP program's key map has the new key\n");
	else
		fprintf(stderr, "syngatectl: the XDP program has no key now: "
			"it leaves SYNs to netfilter\n");
	return EXIT_OK;
}

/* The status line of the key. */
int xdp_key_status(int fd)
{
	struct syngate_xdp_key k;
	const char *role;
	uint64_t fp;
	int err;

	err = xdp_key_get(fd, &k);
	if (err)
		return err;
	if (!k.key[0] && !k.key[1]) {
		printf("key: no key: the program leaves SYNs to netfilter\n");
		return EXIT_OK;
	}
	fp = xdp_key_fp(&k);
	explicit_bzero(&k, sizeof(k));
	role = xdp_key_role(module_role(fp));
	printf("key: fingerprint %016" PRIx64 "%s%s\n", fp, role ? ", " : "",
	       role ? role : "");
	return EXIT_OK;
}
