// SPDX-License-Identifier: GPL-2.0
/*
 * The cookie as the XDP program builds it (kmod/cookie.c compiled for BPF)
 * against the table KUnit checks the module's build with
 * (kmod/tests/cookie_vectors.h, from tests/cookie/model.py): the same
 * inputs must give the same cookie in both builds. tests/xdp/run.sh runs
 * it once with BPF_PROG_TEST_RUN and reads the counts below.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#pragma GCC visibility push(hidden)
#include "../../kmod/cookie.c"
#pragma GCC visibility pop

#include "../../kmod/tests/cookie_vectors.h"

#define NVEC	ARRAY_SIZE(cookie_vectors)

__u32 vec_checked;
__u32 vec_bad;
__u32 vec_first_bad = ~0U;
__u32 vec_got;		/* the cookie the first bad vector gave */

/* cookie_kunit.c's key_a, bytes 00..0f read as the module reads them */
static const siphash_key_t key_a = {
	{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL }
};

/* The flows of cookie_kunit.c's flow_init() and model.py's V4, V6 */
static void flow_init(struct syngate_flow *f, u8 family)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->family = family;
	if (family == NFPROTO_IPV6) {
		f->saddr.in6.s6_addr32[0] = bpf_htonl(0x20010db8);
		f->saddr.in6.s6_addr32[1] = bpf_htonl(0x00010000);
		f->saddr.in6.s6_addr32[3] = bpf_htonl(2);
		f->daddr.in6.s6_addr32[0] = bpf_htonl(0x20010db8);
		f->daddr.in6.s6_addr32[1] = bpf_htonl(0x00020000);
		f->daddr.in6.s6_addr32[3] = bpf_htonl(2);
	} else {
		f->saddr.ip = bpf_htonl(0xc6120102);	/* 198.18.1.2 */
		f->daddr.ip = bpf_htonl(0xc6120202);	/* 198.18.2.2 */
	}
	f->sport = bpf_htons(40000);
	f->dport = bpf_htons(8080);
}

static long vec_one(__u32 i, void *unused)
{
	struct syngate_cookie_fields in = {};
	struct syngate_cookie_data d = {};
	const struct cookie_vector *v;
	struct syngate_flow flow;
	u32 c;

	if (i >= NVEC)
		return 1;
	v = &cookie_vectors[i];
	flow_init(&flow, v->family);
	d.client_isn = v->isn;
	d.tsval = v->tsval;
	d.has_ts = v->has_ts;
	in.mss_idx = v->mss_idx;
	in.ws_idx = v->ws_idx;
	in.sack = v->sack;
	c = syngate_cookie_make(&key_a, &flow, &d, v->slot, &in);
	vec_checked++;
	if (c != v->cookie) {
		if (!vec_bad)
			vec_got = c;
		if (vec_first_bad == ~0U)
			vec_first_bad = i;
		vec_bad++;
	}
	return 0;
}

SEC("xdp")
int cookie_vectors_run(struct xdp_md *ctx)
{
	bpf_loop(NVEC, vec_one, NULL, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
