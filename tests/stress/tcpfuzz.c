// SPDX-License-Identifier: GPL-2.0
/*
 * tcpfuzz - hostile TCP segments for the SYNGATE stress tests.
 *
 *   tcpfuzz flood -i IFACE --dmac MAC [-6] --dst ADDR --dport P
 *                 --src-net PREFIX/LEN --count N [--seconds S] [--pool N]
 *                 [--batch N] [--rate PPS] [--seed S]
 *       Writes N hostile segments as whole Ethernet frames on an AF_PACKET
 *       socket (PACKET_QDISC_BYPASS, sendmmsg batches) on IFACE, addressed
 *       to MAC (the gateway's side of the link): nothing of the sender's own
 *       IP stack is in the way, and any byte can be wrong. A pool of --pool
 *       varied segments (default 8192) is made once; each send takes the
 *       next one and gives it a fresh random source address in PREFIX,
 *       source port and sequence number, and recomputes its checksums (a
 *       bad checksum stays bad by the same amount). The pool mixes:
 *         TCP  random flags (biased to SYN and ACK, the segments the target
 *              answers), valid, mutated, malformed and random options, bad
 *              data offsets, headers truncated by the IP length, bad
 *              checksums, payloads;
 *         IPv4 options, DF, first-only / tail-only fragments, real
 *              two-piece fragments, bad header fields (short total length);
 *         IPv6 extension header chains (hop-by-hop, destination, routing,
 *              atomic fragment), first-only / tail-only fragments, real
 *              two-piece fragments.
 *       The gateway cannot absorb frames faster than it processes them: a
 *       frame the receiving side had no room for (IFACE's tx_dropped grows,
 *       the veth peer's backlog was full) is not counted as sent; the
 *       sender backs off and goes on until N segments went in (or S
 *       seconds passed). --rate: at most PPS segments a second (default:
 *       as fast as the gateway takes them). Prints
 *         tcpfuzz flood[ -6]: segments=N frames=F dropped=D whole=W ...
 *         tcpfuzz kinds: syn=.. ack=.. ...
 *       where "whole" counts the segments that are complete IP packets with
 *       a plain IP header (no fragment, no IPv4 options, no hop-by-hop
 *       header): each of them must reach the gateway's filter table.
 *
 *   tcpfuzz sessions [-6] --src ADDR --dst ADDR --dport P --count K
 *                 --per N [--sport-base B] [--seed S]
 *       K connections completed by hand through the proxy (SYN, the cookie
 *       SYN-ACK, the ACK that returns the cookie), each then hit with N
 *       in-window segments carrying random flags and malformed or random
 *       options: these reach the proxy's per-connection path (timestamp and
 *       window translation) rather than the cookie path. Raw IP sockets.
 *       The local kernel has no socket for these flows: drop its RSTs
 *       (iptables -A OUTPUT -p tcp --sport B:B+K --tcp-flags RST RST -j DROP).
 *       Prints "tcpfuzz sessions[ -6]: tried=K opened=O segments=S ...";
 *       exit 1 if none opened.
 *
 *   tcpfuzz sink [-6] --port P
 *       A TCP server that accepts anything and discards what it reads.
 *
 * Exit status: 0, or 1 on a setup failure, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../progs/common.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL	36
#endif

#define PKTMAX		512	/* one frame */
#define TCPMAX		256	/* one logical TCP segment */
#define MAX_BATCH	1024
#define ETHLEN		14

enum {
	K_SYN, K_ACK, K_RANDFLAGS, K_BADDOFF, K_TRUNC, K_BADCSUM, K_PAYLOAD,
	K_OPT_NONE, K_OPT_VALID, K_OPT_MUTATED, K_OPT_PIECES, K_OPT_RANDOM,
	K_IPOPT, K_IPDF, K_IPBADLEN, K_FRAG_FIRST, K_FRAG_TAIL, K_FRAG_SPLIT,
	K_EXT_HBH, K_EXT_DST, K_EXT_RT, K_EXT_FRAG, K_WHOLE, K_MAX
};
static const char *const kind_names[K_MAX] = {
	"syn", "ack", "random_flags", "bad_doff", "truncated", "bad_csum",
	"payload", "opt_none", "opt_valid", "opt_mutated", "opt_pieces",
	"opt_random", "ip_options", "ip_df", "ip_bad_len", "frag_first",
	"frag_tail", "frag_split", "ext_hbh", "ext_dst", "ext_routing",
	"ext_frag", "whole",
};

/* ------------------------------------------------------------ helpers */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t rnd(void)
{
	return xorshift_next(&rng);
}

static unsigned int pct(void)
{
	return rnd() % 100;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd();
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "tcpfuzz: %s\n", msg);
	fputs("usage: tcpfuzz flood -i IFACE --dmac MAC [-6] --dst A --dport P --src-net PFX/LEN\n"
	      "                     --count N [--seconds S] [--pool N] [--batch N] [--rate PPS]\n"
	      "                     [--seed S]\n"
	      "       tcpfuzz sessions [-6] --src A --dst A --dport P --count K --per N\n"
	      "                     [--sport-base B] [--seed S]\n"
	      "       tcpfuzz sink [-6] --port P\n", stderr);
	exit(2);
}

static unsigned long long num(const char *s, const char *what)
{
	uint64_t v;

	if (parse_u64(s, UINT64_MAX, &v))
		usage(what);
	return v;
}

/* ------------------------------------------------------------ config */

struct cfg {
	bool v6;
	uint8_t src[16], dst[16], net[16];
	int plen;
	uint16_t dport, sport_base, port;
	unsigned long long count, per, rate;
	double seconds;
	unsigned int pool, batch;
	const char *ifname;
	uint8_t dmac[6];
	bool have_mac;
};

static void addr_arg(const char *s, bool v6, uint8_t *a)
{
	if (inet_pton(v6 ? AF_INET6 : AF_INET, s, a) != 1) {
		fprintf(stderr, "tcpfuzz: bad address '%s'\n", s);
		exit(2);
	}
}

static void rand_src(const struct cfg *c, uint8_t *a)
{
	int alen = c->v6 ? 16 : 4, i;

	for (i = 0; i < alen; i++) {
		int keep = c->plen - i * 8;
		uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - keep));

		a[i] = (uint8_t)((c->net[i] & m) | (rnd() & ~m));
	}
	if (!c->v6 && (a[3] == 0 || a[3] == 255))
		a[3] = (uint8_t)(1 + rnd() % 254);
}

/* ------------------------------------------------------------ options */

/* A Linux-like SYN option block with random values. */
static size_t opt_valid(uint8_t *o)
{
	size_t n = 0;

	if (pct() < 80) {
		o[n++] = 2; o[n++] = 4; put16(o + n, (uint16_t)rnd()); n += 2;
	}
	if (pct() < 70) {
		o[n++] = 4; o[n++] = 2;
	} else {
		o[n++] = 1; o[n++] = 1;
	}
	if (pct() < 80) {
		o[n++] = 8; o[n++] = 10;
		put32(o + n, rnd()); put32(o + n + 4, rnd()); n += 8;
	}
	if (pct() < 70) {
		o[n++] = 1; o[n++] = 3; o[n++] = 3;
		o[n++] = (uint8_t)(rnd() % 20);
	}
	return n;
}

/* Random pieces: valid options, wrong lengths, zero lengths, junk. */
static size_t opt_pieces(uint8_t *o, size_t max)
{
	size_t n = 0, want = rnd() % (max + 1);

	while (n < want) {
		uint8_t t[48];
		size_t k = 0, i;
		uint32_t r = rnd();

		switch (r % 11) {
		case 0: t[k++] = 1; break;
		case 1: t[k++] = 0; break;
		case 2: t[k++] = 2; t[k++] = 4; t[k++] = (uint8_t)(r >> 8);
			t[k++] = (uint8_t)(r >> 16); break;
		case 3: t[k++] = 3; t[k++] = 3; t[k++] = (r >> 8) % 20; break;
		case 4: t[k++] = 4; t[k++] = 2; break;
		case 5: t[k++] = 8; t[k++] = 10; rnd_bytes(t + k, 8); k += 8;
			break;
		case 6: t[k++] = 5; t[k++] = (uint8_t)(2 + 8 * ((r >> 8) % 5));
			rnd_bytes(t + k, t[1] - 2u); k += t[1] - 2u; break;
		case 7: t[k++] = (uint8_t)"\x02\x03\x04\x05\x08\x13\x1e"[(r >> 8) % 7];
			t[k++] = (r >> 16) % 16; break;
		case 8: t[k++] = (uint8_t)(r >> 8); t[k++] = (r >> 16) % 42;
			break;
		case 9: t[k++] = (uint8_t)(r >> 8); t[k++] = 0; break;
		default: t[k++] = (uint8_t)(r >> 8); break;
		}
		for (i = 0; i < k && n < want; i++)
			o[n++] = t[i];
	}
	return n;
}

/* Options for one segment; returns their length (not padded). */
static size_t make_opts(uint8_t *o, size_t max, unsigned long long *kinds)
{
	unsigned int p = pct();
	size_t n;

	if (p < 15) {
		kinds[K_OPT_NONE]++;
		return 0;
	}
	if (p < 45) {
		kinds[K_OPT_VALID]++;
		return opt_valid(o);
	}
	if (p < 65) {
		kinds[K_OPT_MUTATED]++;
		n = opt_valid(o);
		if (n) {
			unsigned int m = 1 + rnd() % 3;

			while (m--)
				o[rnd() % n] = (uint8_t)rnd();
		}
		return n;
	}
	if (p < 90) {
		kinds[K_OPT_PIECES]++;
		return opt_pieces(o, max);
	}
	kinds[K_OPT_RANDOM]++;
	n = rnd() % (max + 1);
	rnd_bytes(o, n);
	return n;
}

/* ------------------------------------------------------------ segments */

struct tcpseg {
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;
	size_t optlen;
	size_t paylen;
	int doff;		/* -1: from optlen */
	bool bad_csum;
};

/* TCP segment into @t; returns its length. */
static size_t build_tcp(uint8_t *t, const struct tcpseg *s, bool v6)
{
	size_t ol = (s->optlen + 3) & ~(size_t)3, len = 20 + ol + s->paylen;
	int doff = s->doff >= 0 ? s->doff : (int)(20 + ol) / 4;
	uint16_t ck;

	put_tcp_hdr(t, s->sport, s->dport, s->seq, s->ack, (unsigned int)doff,
		    s->flags, s->win);
	put16(t + 18, rnd() % 8 == 0 ? (uint16_t)rnd() : 0);
	memcpy(t + 20, s->opt, s->optlen);
	memset(t + 20 + s->optlen, pct() < 70 ? 0 : 1, ol - s->optlen);
	rnd_bytes(t + 20 + ol, s->paylen);
	ck = tcp_csum(s->src, s->dst, v6 ? 16 : 4, t, len);
	if (s->bad_csum)
		ck = (uint16_t)(ck + 1 + rnd() % 0xfffe);
	put16(t + 16, ck);
	return len;
}

/* IPv4 header (@optlen bytes of options follow it, filled by the caller);
 * @iplen: payload bytes; returns the header length. */
static size_t ip4_hdr(uint8_t *p, const uint8_t *src, const uint8_t *dst,
		      size_t iplen, uint16_t frag, uint16_t id, size_t optlen)
{
	size_t hl = 20 + optlen;

	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = 0;
	put16(p + 2, (uint16_t)(hl + iplen));
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = 6;
	put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return hl;
}

static size_t ip6_hdr(uint8_t *p, const uint8_t *src, const uint8_t *dst,
		      size_t plen, uint8_t nh)
{
	put32(p, 0x60000000u | (rnd() & 0xfffff));
	put16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

/* ------------------------------------------------------------ the pool */

enum ipmode {
	IPM_PLAIN,	/* one whole packet */
	IPM_FIRST,	/* the first fragment of a segment, nothing more */
	IPM_TAIL,	/* a later fragment, no first one */
	IPM_SPLIT,	/* a segment in two real fragments */
};

/*
 * One pool entry: a TCP segment (sport, seq and the checksum are redone
 * at each send) and how it is wrapped in IP. IPv6 extension headers:
 * ext[0..ext_pre) come before the fragment header (if any, at ext_pre),
 * ext[ext_pre + 8..ext_len) after it, in the fragmentable part.
 */
struct tmpl {
	uint8_t tcp[TCPMAX];
	uint16_t tl;		/* TCP bytes the checksum covers */
	uint16_t carried;	/* TCP bytes carried (< tl: truncated) */
	uint16_t csum_err;	/* 0, or what the checksum is off by */
	uint8_t mode;		/* enum ipmode */
	uint8_t df;
	uint8_t ipopt[40], ipoptlen;
	int16_t lenfix;		/* IPv4 total length off by this much */
	uint8_t ext[72], ext_len, ext_first_nh;
	int8_t ext_frag;	/* offset of the fragment header in ext, -1 */
	uint16_t split;		/* TCP bytes in the first fragment (8*k) */
	uint16_t tail_off;	/* IPM_TAIL: fragment offset, 8-byte units */
	uint8_t tail_mf;
	uint32_t kinds;		/* bit per K_* */
};

/* A random IPv6 extension header chain ending in next header 6. */
static void ext_chain(struct tmpl *t)
{
	uint8_t *e = t->ext, *prev_nh = &t->ext_first_nh;
	unsigned int count = 1 + rnd() % 3, k;
	size_t n = 0, i;

	t->ext_frag = -1;
	for (k = 0; k < count; k++) {
		unsigned int type = rnd() % 4;
		uint8_t *h = e + n;

		if (type == 0 && k == 0) {		/* hop-by-hop */
			*prev_nh = 0;
			t->kinds |= 1u << K_EXT_HBH;
		} else if (type <= 1) {			/* destination options */
			*prev_nh = 60;
			t->kinds |= 1u << K_EXT_DST;
		} else if (type == 2) {			/* routing */
			*prev_nh = 43;
			t->kinds |= 1u << K_EXT_RT;
		} else if (t->ext_frag < 0) {		/* fragment */
			*prev_nh = 44;
			t->kinds |= 1u << K_EXT_FRAG;
			h[1] = 0;
			put16(h + 2, 0);		/* offset 0, M 0: atomic */
			put32(h + 4, rnd());
			t->ext_frag = (int8_t)n;
			prev_nh = &h[0];
			n += 8;
			continue;
		} else {
			*prev_nh = 60;
			t->kinds |= 1u << K_EXT_DST;
		}
		if (*prev_nh == 43) {
			h[1] = 0;			/* 8 bytes */
			h[2] = rnd() % 2 ? 0 : (uint8_t)rnd();	/* type */
			h[3] = 0;			/* segments left */
			put32(h + 4, 0);
			n += 8;
		} else {
			size_t len = 8 * (1 + rnd() % 2), j = 2;

			h[1] = (uint8_t)(len / 8 - 1);
			/*
			 * Options: padding (PadN of at most 5, as Linux
			 * wants) or, now and then, a random type whose
			 * action bits say "skip" (or Pad1: then its length
			 * byte is read as the next type).
			 */
			while (j < len) {
				size_t room = len - j, ol;

				if (room == 1 || rnd() % 4 == 0) {
					h[j++] = 0;	/* Pad1 */
					continue;
				}
				h[j] = rnd() % 3 ? 1 : (uint8_t)(rnd() & 0x3f);
				ol = h[j] == 1 && room - 2 > 5 ?
				     rnd() % 6 : room - 2;
				h[j + 1] = (uint8_t)ol;
				for (i = 0; i < ol; i++)
					h[j + 2 + i] = h[j] == 1 ? 0 : (uint8_t)rnd();
				j += 2 + ol;
			}
			n += len;
		}
		prev_nh = &h[0];
	}
	*prev_nh = 6;
	t->ext_len = (uint8_t)n;
}

/* Make one pool entry. */
/* The first fragment only: 8, 16 or 24 bytes of the segment. */
static void frag_first(struct tmpl *t)
{
	t->mode = IPM_FIRST;
	t->split = (uint16_t)(8 * (1 + rnd() % 3));
	t->kinds |= 1u << K_FRAG_FIRST;
}

/* A later fragment with no first one before it. */
static void frag_tail(struct tmpl *t)
{
	t->mode = IPM_TAIL;
	t->tail_off = (uint16_t)(1 + rnd() % 64);
	t->tail_mf = rnd() % 2;
	t->kinds |= 1u << K_FRAG_TAIL;
}

/* The segment in two real fragments (needs more than 8 bytes carried). */
static void frag_split(struct tmpl *t)
{
	t->mode = IPM_SPLIT;
	t->split = (uint16_t)(8 * (1 + rnd() % ((t->carried - 1u) / 8)));
	t->kinds |= 1u << K_FRAG_SPLIT;
}

static void tmpl_make(struct tmpl *t, const struct cfg *c,
		      unsigned long long *optkinds)
{
	uint8_t opt[64], zero[16] = { 0 };
	struct tcpseg s = { .src = zero, .dst = c->dst, .doff = -1, .opt = opt };
	unsigned int p = pct();

	memset(t, 0, sizeof(*t));
	t->ext_frag = -1;
	s.dport = c->dport;
	s.ack = rnd();
	s.win = (uint16_t)rnd();
	if (p < 35) {
		s.flags = (uint8_t)(0x02 | (pct() < 20 ? 0xc0 : 0));
		t->kinds |= 1u << K_SYN;
	} else if (p < 60) {
		s.flags = (uint8_t)(0x10 | (pct() < 20 ? 0x08 : 0));
		t->kinds |= 1u << K_ACK;
	} else {
		s.flags = (uint8_t)rnd();
		t->kinds |= 1u << K_RANDFLAGS;
	}
	s.optlen = make_opts(opt, 40, optkinds);
	if (pct() < 12) {
		s.doff = (int)(rnd() % 16);
		t->kinds |= 1u << K_BADDOFF;
	}
	if (pct() < 12) {
		s.paylen = 1 + rnd() % 120;
		t->kinds |= 1u << K_PAYLOAD;
	}
	t->tl = (uint16_t)build_tcp(t->tcp, &s, c->v6);
	t->carried = t->tl;
	if (pct() < 12) {
		t->csum_err = (uint16_t)(1 + rnd() % 0xfffe);
		t->kinds |= 1u << K_BADCSUM;
	}
	if (pct() < 10) {		/* the IP length ends inside the header */
		t->carried = (uint16_t)(rnd() % (20 + ((s.optlen + 3) & ~3u)));
		t->kinds |= 1u << K_TRUNC;
	}

	p = pct();
	if (!c->v6) {
		if (p < 3) {
			frag_first(t);
		} else if (p < 6) {
			frag_tail(t);
		} else if (p < 12 && t->carried > 8) {
			frag_split(t);
		} else if (p < 17) {
			size_t i;

			t->ipoptlen = (uint8_t)(4 * (1 + rnd() % 10));
			for (i = 0; i < t->ipoptlen; i++)
				t->ipopt[i] = rnd() % 2 ? 1 : (uint8_t)rnd();
			if (rnd() % 2)
				t->ipopt[t->ipoptlen - 1] = 0;
			t->kinds |= 1u << K_IPOPT;
		} else if (p < 19) {
			/* total length says less than the header, or
			 * more than the frame holds */
			t->lenfix = rnd() % 2 ? -(int16_t)(1 + rnd() % 24) :
						(int16_t)(1 + rnd() % 200);
			t->kinds |= 1u << K_IPBADLEN;
		}
		if (t->mode == IPM_PLAIN && pct() < 50) {
			t->df = 1;
			t->kinds |= 1u << K_IPDF;
		}
	} else {
		if (p < 20) {
			ext_chain(t);
			if (t->ext_frag >= 0 && rnd() % 2 && t->carried > 8)
				frag_split(t);
		} else if (p < 22) {
			frag_first(t);
		} else if (p < 24) {
			frag_tail(t);
		} else if (p < 30 && t->carried > 8) {
			frag_split(t);
		}
	}
	if (t->mode == IPM_FIRST && t->split > t->carried)
		t->split = t->carried & ~7u;
	if (t->mode == IPM_PLAIN && !t->ipoptlen && !t->lenfix &&
	    !(t->kinds & (1u << K_EXT_HBH)) && !(t->kinds & (1u << K_EXT_FRAG)))
		t->kinds |= 1u << K_WHOLE;
}

/* ------------------------------------------------------------ frames out */

struct out {
	uint8_t (*frame)[PKTMAX];
	struct iovec *iov;
	struct mmsghdr *msg;
	unsigned int n, max;
	struct sockaddr_ll sll;
	uint8_t smac[6];
	int fd;
	unsigned long long frames;
};

static uint8_t *frame_slot(struct out *o, bool v6)
{
	uint8_t *f = o->frame[o->n];

	memcpy(f, o->sll.sll_addr, 6);
	memcpy(f + 6, o->smac, 6);
	put16(f + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);
	return f + ETHLEN;
}

static void frame_queue(struct out *o, size_t iplen)
{
	o->iov[o->n].iov_len = ETHLEN + iplen;
	o->n++;
}

/* One IPv4 frame carrying the @len bytes at @payload, options-free. */
static void emit4(struct out *o, const struct cfg *c, const uint8_t *src,
		  const uint8_t *payload, size_t len, uint16_t frag,
		  uint16_t id)
{
	uint8_t *b = frame_slot(o, false);
	size_t h = ip4_hdr(b, src, c->dst, len, frag, id, 0);

	memcpy(b + h, payload, len);
	ip4_set_csum(b);
	frame_queue(o, h + len);
}

/*
 * One segment from pool entry @t with source @src, port @sport and
 * sequence number @seq: 1 or 2 frames queued (room for 2 is guaranteed
 * by the caller).
 */
static void emit(struct out *o, const struct cfg *c, const struct tmpl *t,
		 const uint8_t *src, uint16_t sport, uint32_t seq)
{
	uint8_t tcp[TCPMAX], *b;
	uint16_t id = (uint16_t)rnd(), ck;
	size_t h, k, n = t->carried;

	memcpy(tcp, t->tcp, t->tl);
	put16(tcp, sport);
	put32(tcp + 4, seq);
	put16(tcp + 16, 0);
	ck = tcp_csum(src, c->dst, c->v6 ? 16 : 4, tcp, t->tl);
	if (t->csum_err)
		ck = (uint16_t)(ck + t->csum_err);
	put16(tcp + 16, ck);

	if (!c->v6) {
		switch (t->mode) {
		case IPM_FIRST:
			emit4(o, c, src, tcp, t->split, 0x2000, id);
			return;
		case IPM_TAIL:
			emit4(o, c, src, tcp, n,
			      (uint16_t)((t->tail_mf ? 0x2000 : 0) |
					 t->tail_off), id);
			return;
		case IPM_SPLIT:
			k = t->split;
			emit4(o, c, src, tcp, k, 0x2000, id);
			emit4(o, c, src, tcp + k, n - k, (uint16_t)(k / 8), id);
			return;
		default:
			b = frame_slot(o, false);
			h = ip4_hdr(b, src, c->dst, n, t->df ? 0x4000 : 0, id,
				    t->ipoptlen);
			memcpy(b + 20, t->ipopt, t->ipoptlen);
			memcpy(b + h, tcp, n);
			if (t->lenfix) {
				int tot = (int)(h + n) + t->lenfix;

				put16(b + 2, (uint16_t)(tot < 0 ? 0 : tot));
			}
			ip4_set_csum(b);
			frame_queue(o, h + n);
			return;
		}
	}

	/* IPv6 */
	if (t->mode == IPM_FIRST || t->mode == IPM_TAIL) {
		uint8_t *f;

		b = frame_slot(o, true);
		k = t->mode == IPM_FIRST ? t->split : n;
		h = ip6_hdr(b, src, c->dst, 8 + k, 44);
		f = b + h;
		f[0] = 6;
		f[1] = 0;
		put16(f + 2, t->mode == IPM_FIRST ? 0x0001 :
		      (uint16_t)(t->tail_off << 3 | t->tail_mf));
		put32(f + 4, rnd());
		memcpy(f + 8, tcp, k);
		frame_queue(o, h + 8 + k);
		return;
	}
	if (t->mode == IPM_SPLIT) {
		uint8_t ext[72], *f;
		size_t pre, post, el = t->ext_len;
		uint32_t fid = rnd();

		if (t->ext_frag < 0) {		/* a plain fragment header */
			el = 0;
			pre = 0;
			post = 0;
		} else {
			memcpy(ext, t->ext, el);
			pre = (size_t)t->ext_frag;
			post = el - pre - 8;
		}
		k = t->split;
		/* first: [pre] frag(offset 0, M) [post] tcp[0..k) */
		b = frame_slot(o, true);
		if (el) {
			h = ip6_hdr(b, src, c->dst, el + k, t->ext_first_nh);
			memcpy(b + h, ext, el);
			f = b + h + pre;
		} else {
			h = ip6_hdr(b, src, c->dst, 8 + k, 44);
			f = b + h;
			f[0] = 6;
			f[1] = 0;
			el = 8;
		}
		put16(f + 2, 0x0001);
		put32(f + 4, fid);
		memcpy(b + h + el, tcp, k);
		frame_queue(o, h + el + k);
		/* tail: [pre] frag(offset post + k) tcp[k..n) */
		b = frame_slot(o, true);
		if (t->ext_frag >= 0) {
			h = ip6_hdr(b, src, c->dst, pre + 8 + n - k,
				    t->ext_first_nh);
			memcpy(b + h, ext, pre + 8);
			f = b + h + pre;
		} else {
			h = ip6_hdr(b, src, c->dst, 8 + n - k, 44);
			f = b + h;
			f[0] = 6;
			f[1] = 0;
		}
		put16(f + 2, (uint16_t)(post + k));	/* (post+k)/8 << 3 */
		put32(f + 4, fid);
		memcpy(f + 8, tcp + k, n - k);
		frame_queue(o, (size_t)(f + 8 - b) + n - k);
		return;
	}
	b = frame_slot(o, true);
	if (t->ext_len) {
		h = ip6_hdr(b, src, c->dst, t->ext_len + n, t->ext_first_nh);
		memcpy(b + h, t->ext, t->ext_len);
		if (t->ext_frag >= 0)
			put32(b + h + t->ext_frag + 4, rnd());
		h += t->ext_len;
	} else {
		h = ip6_hdr(b, src, c->dst, n, 6);
	}
	memcpy(b + h, tcp, n);
	frame_queue(o, h + n);
}

/* ------------------------------------------------------------ flood */

/* tx_dropped of the sending interface: frames the veth peer refused. */
static unsigned long long read_drops(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

static int cmd_flood(const struct cfg *c)
{
	static struct out o;
	struct tmpl *pool;
	unsigned long long kinds[K_MAX] = { 0 }, seg_kinds[K_MAX] = { 0 };
	unsigned long long segs = 0, drops0, drops, sent_frames = 0;
	unsigned long long backoffs = 0, whole = 0;
	unsigned int i, k, next = 0, ifindex;
	uint64_t t0 = mono_us(), end, pause = 0;
	struct sigaction sa = { .sa_handler = on_sig };
	char path[128];
	int dfd, one = 1;
	double secs;

	if (!c->ifname || !c->have_mac)
		usage("flood needs -i IFACE and --dmac MAC");
	ifindex = if_nametoindex(c->ifname);
	if (!ifindex)
		usage("no such interface");
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_dropped",
		 c->ifname);
	dfd = open(path, O_RDONLY);
	if (dfd < 0)
		die(path);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", c->ifname);
	{
		FILE *f = fopen(path, "r");

		if (!f || fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &o.smac[0],
				 &o.smac[1], &o.smac[2], &o.smac[3], &o.smac[4],
				 &o.smac[5]) != 6)
			die(path);
		fclose(f);
	}

	/* the pool: option kinds are counted per send below, not here */
	pool = calloc(c->pool, sizeof(*pool));
	if (!pool)
		die("tcpfuzz: pool");
	for (i = 0; i < c->pool; i++) {
		unsigned long long ok[K_MAX] = { 0 };

		tmpl_make(&pool[i], c, ok);
		for (k = K_OPT_NONE; k <= K_OPT_RANDOM; k++)
			if (ok[k])
				pool[i].kinds |= 1u << k;
	}

	o.max = c->batch;
	o.frame = calloc(o.max + 1, PKTMAX);
	o.iov = calloc(o.max + 1, sizeof(*o.iov));
	o.msg = calloc(o.max + 1, sizeof(*o.msg));
	if (!o.frame || !o.iov || !o.msg)
		die("tcpfuzz: batch");
	o.fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (o.fd < 0)
		die("tcpfuzz: AF_PACKET socket");
	if (setsockopt(o.fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		die("tcpfuzz: PACKET_QDISC_BYPASS");
	o.sll.sll_family = AF_PACKET;
	o.sll.sll_ifindex = (int)ifindex;
	o.sll.sll_halen = 6;
	memcpy(o.sll.sll_addr, c->dmac, 6);
	for (i = 0; i <= o.max; i++) {
		o.iov[i].iov_base = o.frame[i];
		o.msg[i].msg_hdr.msg_iov = &o.iov[i];
		o.msg[i].msg_hdr.msg_iovlen = 1;
		o.msg[i].msg_hdr.msg_name = &o.sll;
		o.msg[i].msg_hdr.msg_namelen = sizeof(o.sll);
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	drops0 = drops = read_drops(dfd);
	end = c->seconds > 0 ? t0 + (uint64_t)(c->seconds * 1e6) : UINT64_MAX;
	while (!stop && segs < c->count && mono_us() < end) {
		unsigned int first[MAX_BATCH + 1], nseg = 0, done = 0;
		unsigned int want = o.max;
		unsigned long long d;
		int r;

		if (c->rate) {
			/* bursts of ~10 ms worth, each when it is due */
			uint64_t due = t0 + segs * 1000000 / c->rate, t = mono_us();

			if (due > t) {
				nap_us(due - t < 100000 ? due - t : 100000, &stop);
				continue;
			}
			want = (unsigned int)(c->rate / 100 + 2);
			if (want > o.max)
				want = o.max;
		}
		/* a batch of whole segments (a split one is 2 frames) */
		o.n = 0;
		while (o.n + 1 < want && segs + nseg < c->count) {
			const struct tmpl *t = &pool[next];
			uint8_t src[16];

			rand_src(c, src);
			first[nseg] = next;
			emit(&o, c, t, src, (uint16_t)(1024 + rnd() % 64512),
			     rnd());
			nseg++;
			next = (next + 1) % c->pool;
		}
		while (done < o.n && !stop) {
			r = sendmmsg(o.fd, o.msg + done, o.n - done, 0);
			if (r < 0) {
				if (errno == ENOBUFS || errno == EAGAIN ||
				    errno == EINTR) {
					nap_us(1000, &stop);
					continue;
				}
				die("tcpfuzz: sendmmsg");
			}
			done += (unsigned int)r;
		}
		sent_frames += done;
		/*
		 * What the peer refused (its backlog was full) is not
		 * delivered: count the batch's segments as sent only in
		 * proportion, and give the gateway time to catch up.
		 */
		d = read_drops(dfd);
		if (d > drops) {
			backoffs++;
			pause = pause ? (pause * 2 > 200000 ? 200000 : pause * 2) : 2000;
		} else {
			pause /= 2;
		}
		{
			unsigned long long lost = d > drops ? d - drops : 0;
			unsigned int keep = lost >= done ? 0 :
				(unsigned int)((unsigned long long)nseg *
					       (done - lost) / done);

			for (i = 0; i < keep; i++) {
				uint32_t m = pool[first[i]].kinds;

				for (k = 0; k < K_MAX; k++)
					if (m & (1u << k))
						seg_kinds[k]++;
			}
			segs += keep;
		}
		drops = d;
		if (pause)
			nap_us(pause, &stop);
	}
	secs = (double)(mono_us() - t0) / 1e6;
	memcpy(kinds, seg_kinds, sizeof(kinds));
	whole = kinds[K_WHOLE];
	printf("tcpfuzz flood%s: segments=%llu frames=%llu dropped=%llu whole=%llu backoffs=%llu seconds=%.1f sps=%.0f pool=%u\n",
	       c->v6 ? " -6" : "", segs, sent_frames, drops - drops0, whole,
	       backoffs, secs, secs > 0 ? (double)segs / secs : 0, c->pool);
	printf("tcpfuzz kinds%s:", c->v6 ? " -6" : "");
	for (k = 0; k < K_MAX; k++)
		if (k != K_WHOLE && (c->v6 ? k != K_IPOPT && k != K_IPDF &&
				     k != K_IPBADLEN :
				     k < K_EXT_HBH || k > K_EXT_FRAG))
			printf(" %s=%llu", kind_names[k], kinds[k]);
	printf("\n");
	close(o.fd);
	close(dfd);
	free(pool);
	return 0;
}

/* ------------------------------------------------------------ sessions */

struct rawout {
	uint8_t pkt[PKTMAX];
	struct sockaddr_storage dst;
	socklen_t dstlen;
	int fd;
	unsigned long long sent;
};

static int tx_socket(bool v6)
{
	int fd, one = 1;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("tcpfuzz: raw socket");
	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_HDRINCL : IP_HDRINCL, &one, sizeof(one)) < 0)
		die("tcpfuzz: IP(V6)_HDRINCL");
	return fd;
}

static void rawout_init(struct rawout *o, const struct cfg *c)
{
	memset(o, 0, sizeof(*o));
	o->fd = tx_socket(c->v6);
	if (c->v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&o->dst;

		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, c->dst, 16);
		o->dstlen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&o->dst;

		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, c->dst, 4);
		o->dstlen = sizeof(*a);
	}
}

/* Send TCP segment @t (@tl bytes) from c->src in a plain IP packet. */
static void raw_send(struct rawout *o, const struct cfg *c, const uint8_t *t,
		     size_t tl)
{
	size_t h;
	int tries;

	if (c->v6)
		h = ip6_hdr(o->pkt, c->src, c->dst, tl, 6);
	else
		h = ip4_hdr(o->pkt, c->src, c->dst, tl, 0x4000, (uint16_t)rnd(), 0);
	memcpy(o->pkt + h, t, tl);
	for (tries = 0; tries < 100; tries++) {
		if (sendto(o->fd, o->pkt, h + tl, 0, (struct sockaddr *)&o->dst,
			   o->dstlen) >= 0) {
			o->sent++;
			return;
		}
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			return;		/* refused by the local stack */
		nap_us(1000, &stop);
	}
}

static int rx_socket(bool v6)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_TCP);
	int rcvbuf = 4 << 20;

	if (fd < 0)
		die("tcpfuzz: raw tcp socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

/* Wait up to @ms for a SYN-ACK to @sport; its seq and TSval. */
static bool wait_synack(int fd, bool v6, uint16_t sport, int ms,
			uint32_t *seq, uint32_t *tsval, bool *has_ts)
{
	uint64_t end = mono_us() + (uint64_t)ms * 1000;
	uint8_t buf[2048];

	while (mono_us() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		const uint8_t *t;
		ssize_t n;
		size_t off = 0, hl, i;

		if (poll(&pfd, 1, (int)((end - mono_us()) / 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		if (!v6) {			/* IPv4 raw: IP header included */
			off = (size_t)(buf[0] & 0xf) * 4;
			if ((size_t)n < off + 20)
				continue;
		}
		t = buf + off;
		if ((size_t)n < off + 20 || (t[2] << 8 | t[3]) != sport ||
		    (t[13] & 0x12) != 0x12)
			continue;
		*seq = get32(t + 4);
		*has_ts = false;
		hl = (size_t)(t[12] >> 4) * 4;
		for (i = 20; i + 1 < hl && off + hl <= (size_t)n;) {
			if (t[i] == 0)
				break;
			if (t[i] == 1) {
				i++;
				continue;
			}
			if (t[i] == 8 && t[i + 1] == 10 && i + 10 <= hl) {
				*tsval = get32(t + i + 2);
				*has_ts = true;
			}
			if (t[i + 1] < 2)
				break;
			i += t[i + 1];
		}
		return true;
	}
	return false;
}

static int cmd_sessions(const struct cfg *c)
{
	static struct rawout o;
	unsigned long long k, j, open = 0, segs = 0, ignored[K_MAX];
	int rx = rx_socket(c->v6);
	uint64_t t0 = mono_us();

	rawout_init(&o, c);
	for (k = 0; k < c->count && !stop; k++) {
		uint16_t sport = (uint16_t)(c->sport_base + k % 10000);
		uint32_t isn = rnd(), cookie = 0, tsv = 0, mytsv = 1000;
		uint8_t opt[64], t[TCPMAX];
		struct tcpseg s = {
			.src = c->src, .dst = c->dst, .sport = sport,
			.dport = c->dport, .seq = isn, .flags = 0x02,
			.win = 64240, .opt = opt, .doff = -1,
		};
		bool has_ts = false;
		int tries;

		/* SYN: MSS 1460, SACK-perm, TS, WS 7 */
		memcpy(opt, "\x02\x04\x05\xb4\x04\x02\x08\x0a", 8);
		put32(opt + 8, mytsv);
		put32(opt + 12, 0);
		memcpy(opt + 16, "\x01\x03\x03\x07", 4);
		s.optlen = 20;
		for (tries = 0; tries < 3; tries++) {
			raw_send(&o, c, t, build_tcp(t, &s, c->v6));
			if (wait_synack(rx, c->v6, sport, 2000, &cookie, &tsv,
					&has_ts))
				break;
		}
		if (tries == 3)
			continue;
		/* the ACK that returns the cookie */
		s.seq = isn + 1;
		s.ack = cookie + 1;
		s.flags = 0x10;
		s.win = 502;
		memcpy(opt, "\x01\x01\x08\x0a", 4);
		put32(opt + 4, ++mytsv);
		put32(opt + 8, has_ts ? tsv : 0);
		s.optlen = has_ts ? 12 : 0;
		raw_send(&o, c, t, build_tcp(t, &s, c->v6));
		open++;
		usleep(50000);	/* let the proxy open the server side */
		/* hostile in-window segments on the proxied connection */
		for (j = 0; j < c->per && !stop; j++) {
			unsigned int p = pct();

			s.seq = isn + 1 + rnd() % 2048;
			s.ack = cookie + 1 + (pct() < 80 ? 0 : rnd() % 64);
			s.flags = p < 60 ? 0x10 : p < 75 ? 0x18 :
				  (uint8_t)((rnd() & 0xeb) | 0x10); /* no SYN/RST */
			s.win = (uint16_t)rnd();
			s.optlen = make_opts(opt, 40, ignored);
			if (p < 40 && s.optlen <= 28) {	/* a TS to translate */
				memcpy(opt + s.optlen, "\x01\x01\x08\x0a", 4);
				put32(opt + s.optlen + 4, ++mytsv);
				put32(opt + s.optlen + 8,
				      pct() < 70 ? tsv : rnd());
				s.optlen += 12;
			}
			s.doff = pct() < 5 ? (int)(rnd() % 16) : -1;
			s.paylen = pct() < 50 ? rnd() % 200 : 0;
			s.bad_csum = pct() < 5;
			raw_send(&o, c, t, build_tcp(t, &s, c->v6));
			segs++;
		}
		/* and a RST to end it */
		s.seq = isn + 1;
		s.flags = 0x04;
		s.optlen = 0;
		s.paylen = 0;
		s.doff = -1;
		s.bad_csum = false;
		raw_send(&o, c, t, build_tcp(t, &s, c->v6));
	}
	printf("tcpfuzz sessions%s: tried=%llu opened=%llu segments=%llu sent=%llu seconds=%.1f\n",
	       c->v6 ? " -6" : "", k, open, segs, o.sent,
	       (double)(mono_us() - t0) / 1e6);
	close(rx);
	close(o.fd);
	return open ? 0 : 1;
}

/* ------------------------------------------------------------ sink */

static int cmd_sink(const struct cfg *c)
{
	struct sockaddr_storage ss = { 0 };
	int fd, one = 1;

	signal(SIGCHLD, SIG_IGN);
	fd = socket(c->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("tcpfuzz: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c->v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(c->port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(c->port);
	}
	if (bind(fd, (struct sockaddr *)&ss, c->v6 ? sizeof(struct sockaddr_in6) :
		 sizeof(struct sockaddr_in)) < 0 || listen(fd, 1024) < 0)
		die("tcpfuzz: bind/listen");
	printf("tcpfuzz sink: listening on port %u\n", c->port);
	fflush(stdout);
	for (;;) {
		int a = accept(fd, NULL, NULL);

		if (a < 0)
			continue;
		if (fork() == 0) {
			char buf[4096];
			struct timeval tv = { .tv_sec = 30 };

			close(fd);
			setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			while (read(a, buf, sizeof(buf)) > 0)
				;
			_exit(0);
		}
		close(a);
	}
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dst", 1, 0, 'd' }, { "src", 1, 0, 's' },
		{ "src-net", 1, 0, 'n' }, { "dport", 1, 0, 'p' },
		{ "count", 1, 0, 'c' }, { "per", 1, 0, 'k' },
		{ "seed", 1, 0, 'S' }, { "sport-base", 1, 0, 'b' },
		{ "port", 1, 0, 'P' }, { "dmac", 1, 0, 'm' },
		{ "seconds", 1, 0, 't' }, { "pool", 1, 0, 'o' },
		{ "batch", 1, 0, 'B' }, { "rate", 1, 0, 'r' }, { 0, 0, 0, 0 },
	};
	const char *dst = NULL, *src = NULL, *net = NULL, *cmd;
	struct cfg c = { .sport_base = 20000, .per = 100, .pool = 8192,
			 .batch = 64 };
	int o;

	if (argc < 2)
		usage(NULL);
	cmd = argv[1];
	optind = 2;
	while ((o = getopt_long(argc, argv, "6i:", lo, NULL)) != -1) {
		switch (o) {
		case '6': c.v6 = true; break;
		case 'i': c.ifname = optarg; break;
		case 'd': dst = optarg; break;
		case 's': src = optarg; break;
		case 'n': net = optarg; break;
		case 'p': c.dport = (uint16_t)num(optarg, "bad --dport"); break;
		case 'P': c.port = (uint16_t)num(optarg, "bad --port"); break;
		case 'c': c.count = num(optarg, "bad --count"); break;
		case 'k': c.per = num(optarg, "bad --per"); break;
		case 'b': c.sport_base = (uint16_t)num(optarg, "bad --sport-base"); break;
		case 'S': rng = num(optarg, "bad --seed") * 0x9e3779b97f4a7c15ULL + 1;
			break;
		case 't': c.seconds = atof(optarg); break;
		case 'r': c.rate = num(optarg, "bad --rate"); break;
		case 'o':
			c.pool = (unsigned int)num(optarg, "bad --pool");
			if (c.pool < 1 || c.pool > 1000000)
				usage("--pool: 1..1000000");
			break;
		case 'B':
			c.batch = (unsigned int)num(optarg, "bad --batch");
			if (c.batch < 2 || c.batch > MAX_BATCH)
				usage("--batch: 2..1024");
			break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				   &c.dmac[0], &c.dmac[1], &c.dmac[2],
				   &c.dmac[3], &c.dmac[4], &c.dmac[5]) != 6)
				usage("bad --dmac");
			c.have_mac = true;
			break;
		default: usage(NULL);
		}
	}
	if (!strcmp(cmd, "sink"))
		return cmd_sink(&c);
	if (!dst)
		usage("--dst is required");
	addr_arg(dst, c.v6, c.dst);
	if (!strcmp(cmd, "flood")) {
		char tmp[64], *sl;

		if (!net || strlen(net) >= sizeof(tmp) || !c.dport)
			usage("flood needs --src-net and --dport");
		strcpy(tmp, net);
		sl = strchr(tmp, '/');
		if (!sl)
			usage("--src-net wants PREFIX/LEN");
		*sl = 0;
		c.plen = (int)num(sl + 1, "bad prefix length");
		addr_arg(tmp, c.v6, c.net);
		return cmd_flood(&c);
	}
	if (!strcmp(cmd, "sessions")) {
		if (!src)
			usage("sessions needs --src");
		addr_arg(src, c.v6, c.src);
		return cmd_sessions(&c);
	}
	usage(NULL);
	return 2;
}
