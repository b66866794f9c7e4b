/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the module's pure files (kmod/cookie.c, tcpopt.c, synack.c) take
 * from the kernel's headers, for the two builds of them outside the
 * kernel: the XDP program (clang -target bpf) and the host-side tests. The
 * same source then makes the same cookie in all three: one implementation,
 * checked against one table of vectors (kmod/tests/cookie_vectors.h).
 *
 * SipHash-2-4 is written out here because neither BPF nor libc has it; it
 * is the kernel's siphash() and siphash_4u64() (lib/siphash.c) for
 * little-endian machines, which is what x86 and the BPF target are, and
 * tests/cookie/run.sh checks it against the SipHash paper's vectors.
 */
#ifndef _SYNGATE_NOKERNEL_H
#define _SYNGATE_NOKERNEL_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/netfilter.h>
#include <stdbool.h>	/* the compiler's own: none needs a libc */
#include <stddef.h>
#ifndef __bpf__
#include <string.h>
#else
#define memset(p, c, n)	__builtin_memset(p, c, n)
#endif

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define __force
#define U32_MAX			((u32)~0U)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define min_t(type, a, b)	({ type __a = (a); type __b = (b); \
				   __a < __b ? __a : __b; })

#define EINVAL		22
#define EBADMSG		74
#define ETIMEDOUT	110

#define IPV6_MIN_MTU		1280
#define TCP_MSS_DEFAULT		536U
#define TCP_MAX_WSCALE		14U

#define TCPOPT_NOP		1
#define TCPOPT_EOL		0
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_TIMESTAMP	8
#define TCPOLEN_MSS		4
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_TIMESTAMP	10
#define TCPOLEN_TSTAMP_ALIGNED		12
#define TCPOLEN_WSCALE_ALIGNED		4
#define TCPOLEN_SACKPERM_ALIGNED	4
#define TCPOLEN_MSS_ALIGNED		4

struct syngate_siphash_key {
	u64 key[2];
};

/* The kernel's name for it; a typedef there, a name for a struct here. */
#define siphash_key_t	struct syngate_siphash_key

struct syngate_sip {
	u64 v0, v1, v2, v3;
};

static inline u64 syngate_rol64(u64 x, unsigned int n)
{
	return x << n | x >> (64 - n);
}

static inline void syngate_sipround(struct syngate_sip *s)
{
	s->v0 += s->v1;
	s->v1 = syngate_rol64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = syngate_rol64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = syngate_rol64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = syngate_rol64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = syngate_rol64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = syngate_rol64(s->v2, 32);
}

static inline void syngate_sip_init(struct syngate_sip *s,
				    const siphash_key_t *key)
{
	s->v0 = 0x736f6d6570736575ULL ^ key->key[0];
	s->v1 = 0x646f72616e646f6dULL ^ key->key[1];
	s->v2 = 0x6c7967656e657261ULL ^ key->key[0];
	s->v3 = 0x7465646279746573ULL ^ key->key[1];
}

static inline void syngate_sip_word(struct syngate_sip *s, u64 m)
{
	s->v3 ^= m;
	syngate_sipround(s);
	syngate_sipround(s);
	s->v0 ^= m;
}

static inline u64 syngate_sip_final(struct syngate_sip *s, u64 last)
{
	syngate_sip_word(s, last);
	s->v2 ^= 0xff;
	syngate_sipround(s);
	syngate_sipround(s);
	syngate_sipround(s);
	syngate_sipround(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* The cookie hashes whole words only; a tail would be a caller's bug. */
static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	const unsigned char *p = data;
	struct syngate_sip s;
	size_t i;
	u64 w;

	syngate_sip_init(&s, key);
	for (i = 0; i < len / 8; i++) {
		/* a copy, not a u64 load: the caller wrote a struct there */
		__builtin_memcpy(&w, p + 8 * i, sizeof(w));
		syngate_sip_word(&s, w);
	}
	return syngate_sip_final(&s, (u64)len << 56);
}

static inline u64 siphash_4u64(u64 a, u64 b, u64 c, u64 d,
			       const siphash_key_t *key)
{
	struct syngate_sip s;

	syngate_sip_init(&s, key);
	syngate_sip_word(&s, a);
	syngate_sip_word(&s, b);
	syngate_sip_word(&s, c);
	syngate_sip_word(&s, d);
	return syngate_sip_final(&s, 32ULL << 56);
}

#endif /* _SYNGATE_NOKERNEL_H */
