// SPDX-License-Identifier: GPL-2.0
/*
 * pktcraft - raw-socket TCP packet tool for the syngate tests.
 *
 *   synflood / ackflood: spoofed SYNs or bogus-cookie ACKs from a prefix
 *   send:      one hand-built (possibly malformed) segment, then listen
 *   handshake: a user-space TCP client for the cases a kernel socket cannot
 *              produce on demand (lost or duplicated third ACK, data on
 *              the third ACK)
 *
 * Packets are built completely here, IP header included (IP_HDRINCL /
 * IPV6_HDRINCL), so that addresses can be spoofed and any field can be
 * broken on purpose.  Replies are read from a raw IPPROTO_TCP socket,
 * which sees a copy of every TCP segment delivered to this namespace.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL	36	/* linux/in6.h, Linux >= 4.5 */
#endif

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10
#define TH_URG	0x20
#define TH_ECE	0x40
#define TH_CWR	0x80

#define TCP_HLEN	20
#define IP4_HLEN	20
#define IP6_HLEN	40
#define MAX_OPT_BUILD	255	/* before --doff truncation */
#define MAX_OPT_AREA	40
#define MAX_DATA	1400
#define PKT_MAX		(IP6_HLEN + TCP_HLEN + MAX_OPT_AREA + MAX_DATA)
#define BATCH		64
#define DEF_OPTS	"mss=1460,sackok,ts,nop,ws=7"
#define DEF_WIN		65535

/* Flag letters in the order they are parsed and printed. */
static const struct {
	char c;
	uint8_t bit;
} flag_names[] = {
	{ 'S', TH_SYN }, { 'A', TH_ACK }, { 'F', TH_FIN }, { 'R', TH_RST },
	{ 'P', TH_PSH }, { 'U', TH_URG }, { 'E', TH_ECE }, { 'C', TH_CWR },
};

enum cmd { CMD_SYNFLOOD, CMD_ACKFLOOD, CMD_SEND, CMD_HANDSHAKE };
enum third { THIRD_ACK, THIRD_NONE, THIRD_TWICE, THIRD_DATA };

struct addr {
	int af;
	uint8_t b[16];	/* 4 bytes used for AF_INET */
};

struct tcpopts {
	uint8_t b[MAX_OPT_BUILD];
	size_t len;
	int ts_off;	/* offset of the TS option's kind byte, or -1 */
};

struct cfg {
	enum cmd cmd;
	bool v6;
	struct addr src, dst, net;
	int plen;
	unsigned int have;	/* OPT_* bits given on the command line */
	uint16_t sport, dport;
	uint64_t count, rate, seed;
	double seconds;
	const char *opts;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	const char *data;
	bool bad_csum;
	int doff, trunc, listen_ms, rto_ms;
	uint64_t rx_max;	/* send: stop listening after this many; 0: never */
	enum third third;
};

/* One segment to build. */
struct seg {
	const struct addr *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opt;
	size_t optlen;	/* already padded */
	int doff;	/* -1: derived from optlen */
	const uint8_t *data;
	size_t datalen;
	bool bad_csum;
	int trunc;	/* -1: none */
};

/* A received segment, pointers into the receive buffer. */
struct rxseg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	const uint8_t *opt;
	size_t optlen;
	const uint8_t *data;
	size_t len;
	int ttl;		/* TTL or hop limit; -1: not known */
};

/* Our side and the peer's side of one flow. */
struct flow {
	const struct addr *local, *peer;
	uint16_t lport, pport;
};

static uint64_t rng_state;

static uint32_t rnd32(void)
{
	return (uint32_t)(rng_next(&rng_state) >> 32);
}

/* ---- usage -------------------------------------------------------------- */

static void usage(const char *fmt, const char *arg)
{
	if (fmt) {
		/* a specific complaint is clearer without the whole manual */
		fputs("pktcraft: ", stderr);
		fprintf(stderr, fmt, arg);
		fputs("\n(run pktcraft without arguments for usage)\n", stderr);
		exit(EXIT_USAGE);
	}
	fputs(
"usage:\n"
"  pktcraft synflood [-6] --dst ADDR --dport P --src-net PREFIX/LEN --count N\n"
"                    [--rate PPS] [--seconds S] [--opts LIST] [--seed N]\n"
"  pktcraft ackflood [-6] --dst ADDR --dport P --src-net PREFIX/LEN --count N\n"
"                    [--rate PPS] [--seconds S] [--opts LIST] [--seed N]\n"
"  pktcraft send     [-6] --src ADDR --dst ADDR --sport P --dport P [--flags F]\n"
"                    [--seq N] [--ack N] [--win N] [--opts LIST] [--data STR]\n"
"                    [--bad-csum] [--doff N] [--trunc N] [--listen MS]\n"
"                    [--rx-max N]\n"
"  pktcraft handshake [-6] --src ADDR --dst ADDR --sport P --dport P\n"
"                    [--opts LIST] [--third ack|none|twice|data] [--data STR]\n"
"                    [--listen MS] [--rto MS]\n"
"LIST: comma separated mss=N ws=N sackok ts ts=VAL:ECR nop eol\n"
"      sack=L-R[/L-R..] raw=HEXBYTES, or none (default for SYNs: " DEF_OPTS ")\n"
"F:    letters S A F R P U E C (E=ECE, C=CWR), default S\n"
"Floods run until --count packets or --seconds (default 60) have passed;\n"
"--rate 0 means as fast as possible.\n"
"send/handshake print each segment received from dst:dport as\n"
"  rx: flags=SA seq=N ack=N win=N len=N opts=mss:1460,ws:7,sackok,ts:V:E\n"
"  rx-ttl: N   (its TTL or hop limit)\n"
"send listens --listen MS (default 0), or until --rx-max N segments came.\n"
"handshake keeps listening --listen MS (default 3000) after the SYN-ACK,\n"
"ACKs the peer's data and FIN, retransmits unacknowledged data or FIN\n"
"after --rto MS (default 300, doubling, at most 5 times; 0 = never,\n"
"printed as tx-retrans:), and ends with\n"
"  handshake: synack=1|0 acked=N peer_data=N   (exit 0 iff synack=1)\n"
"The local kernel has no socket for these flows and answers the peer's\n"
"segments with RST; run in a namespace with\n"
"  iptables -A OUTPUT -p tcp --tcp-flags RST RST -j DROP\n"
"(and the ip6tables equivalent) for send --listen and handshake.\n"
"exit: 0 ok, 1 failure, 2 usage error\n", stderr);
	exit(EXIT_USAGE);
}

/* ---- small parsers ------------------------------------------------------ */

static uint64_t num_arg(const char *s, uint64_t max, const char *what)
{
	uint64_t v;

	if (parse_u64(s, max, &v) < 0)
		usage("bad %s", what);
	return v;
}

static void addr_arg(const char *s, bool v6, struct addr *a)
{
	a->af = v6 ? AF_INET6 : AF_INET;
	memset(a->b, 0, sizeof(a->b));
	if (inet_pton(a->af, s, a->b) != 1)
		usage(v6 ? "bad IPv6 address '%s' (-6 given)" :
		      "bad IPv4 address '%s' (use -6 for IPv6)", s);
}

static void prefix_arg(const char *s, bool v6, struct addr *a, int *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	uint64_t len;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		usage("--src-net needs PREFIX/LEN, got '%s'", s);
	*slash = '\0';
	addr_arg(buf, v6, a);
	len = num_arg(slash + 1, v6 ? 128 : 32, "--src-net prefix length");
	*plen = (int)len;
}

static uint8_t flags_arg(const char *s)
{
	uint8_t f = 0;
	size_t i;

	for (; *s; s++) {
		for (i = 0; i < ARRAY_SIZE(flag_names); i++)
			if (toupper((unsigned char)*s) == flag_names[i].c)
				break;
		if (i == ARRAY_SIZE(flag_names))
			usage("bad flag letter in '%s' (use SAFRPUEC)", s);
		f |= flag_names[i].bit;
	}
	return f;
}

static void flags_str(uint8_t f, char *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flag_names); i++)
		if (f & flag_names[i].bit)
			*out++ = flag_names[i].c;
	*out = '\0';
}

/* ---- TCP options -------------------------------------------------------- */

static void opt_put(struct tcpopts *o, const uint8_t *b, size_t n,
		    const char *tok)
{
	if (o->len + n > sizeof(o->b))
		usage("option list too long at '%s'", tok);
	memcpy(o->b + o->len, b, n);
	o->len += n;
}

static void opt_ts(struct tcpopts *o, const char *val, const char *tok)
{
	uint8_t b[10] = { 8, 10 };
	uint64_t v = rnd32(), e = 0;
	char tmp[64], *colon;

	if (val) {
		snprintf(tmp, sizeof(tmp), "%s", val);
		colon = strchr(tmp, ':');
		if (!colon)
			usage("ts needs VAL:ECR, got '%s'", tok);
		*colon = '\0';
		if (parse_u64(tmp, UINT32_MAX, &v) < 0 ||
		    parse_u64(colon + 1, UINT32_MAX, &e) < 0)
			usage("bad ts value '%s'", tok);
	}
	put32(b + 2, (uint32_t)v);
	put32(b + 6, (uint32_t)e);
	o->ts_off = (int)o->len;
	opt_put(o, b, sizeof(b), tok);
}

static void opt_sack(struct tcpopts *o, const char *val, const char *tok)
{
	uint8_t b[2 + 8 * 4] = { 5, 2 };
	char tmp[128], *save = NULL, *blk, *dash;
	uint64_t l, r;

	snprintf(tmp, sizeof(tmp), "%s", val);
	for (blk = strtok_r(tmp, "/", &save); blk;
	     blk = strtok_r(NULL, "/", &save)) {
		dash = strchr(blk, '-');
		if (!dash || b[1] >= sizeof(b))
			usage("bad sack blocks '%s'", tok);
		*dash = '\0';
		if (parse_u64(blk, UINT32_MAX, &l) < 0 ||
		    parse_u64(dash + 1, UINT32_MAX, &r) < 0)
			usage("bad sack block in '%s'", tok);
		put32(b + b[1], (uint32_t)l);
		put32(b + b[1] + 4, (uint32_t)r);
		b[1] += 8;
	}
	opt_put(o, b, b[1], tok);
}

static void opt_raw(struct tcpopts *o, const char *hex, const char *tok)
{
	unsigned int v;
	uint8_t b;

	if (strlen(hex) % 2)
		usage("raw needs an even number of hex digits: '%s'", tok);
	for (; *hex; hex += 2) {
		if (!isxdigit((unsigned char)hex[0]) ||
		    !isxdigit((unsigned char)hex[1]) ||
		    sscanf(hex, "%2x", &v) != 1)
			usage("bad hex in '%s'", tok);
		b = (uint8_t)v;
		opt_put(o, &b, 1, tok);
	}
}

static void opt_token(struct tcpopts *o, char *tok)
{
	char *val = strchr(tok, '=');
	uint8_t b[4];
	uint64_t v;

	if (val)
		*val++ = '\0';
	if (!strcmp(tok, "mss") && val) {
		b[0] = 2;
		b[1] = 4;
		put16(b + 2, (uint16_t)num_arg(val, 65535, "mss"));
		opt_put(o, b, 4, tok);
	} else if (!strcmp(tok, "ws") && val) {
		v = num_arg(val, 255, "ws");
		b[0] = 3;
		b[1] = 3;
		b[2] = (uint8_t)v;
		opt_put(o, b, 3, tok);
	} else if (!strcmp(tok, "sackok") && !val) {
		b[0] = 4;
		b[1] = 2;
		opt_put(o, b, 2, tok);
	} else if (!strcmp(tok, "ts")) {
		opt_ts(o, val, tok);
	} else if ((!strcmp(tok, "nop") || !strcmp(tok, "eol")) && !val) {
		b[0] = tok[0] == 'n' ? 1 : 0;
		opt_put(o, b, 1, tok);
	} else if (!strcmp(tok, "sack") && val) {
		opt_sack(o, val, tok);
	} else if (!strcmp(tok, "raw") && val) {
		opt_raw(o, val, tok);
	} else {
		usage("unknown option '%s' in --opts", tok);
	}
}

static void opts_parse(const char *list, struct tcpopts *o)
{
	char tmp[512], *save = NULL, *tok;

	o->len = 0;
	o->ts_off = -1;
	if (!list || !strcmp(list, "none") || !*list)
		return;
	if (strlen(list) >= sizeof(tmp))
		usage("--opts too long", NULL);
	strcpy(tmp, list);
	for (tok = strtok_r(tmp, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		opt_token(o, tok);
}

/*
 * Pad with EOL to a multiple of 4, or, with --doff, truncate or pad to
 * exactly the area the forced data offset describes (deliberately
 * malformed packets).
 */
static void opts_finalize(struct tcpopts *o, int doff)
{
	size_t area;

	if (doff < 0) {
		if (o->len > MAX_OPT_AREA)
			usage("options exceed 40 bytes (use --doff to force)",
			      NULL);
		area = (o->len + 3) & ~(size_t)3;
	} else {
		area = doff > 5 ? (size_t)doff * 4 - TCP_HLEN : 0;
	}
	if (area > o->len)
		memset(o->b + o->len, 0, area - o->len);
	o->len = area;
	if (o->ts_off >= 0 && (size_t)o->ts_off + 10 > o->len)
		o->ts_off = -1;
}

static void opts_format(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t i = 0, n = 0, k;
	uint8_t kind, olen;

	out[0] = '\0';
#define EMIT(...) (n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, \
					  __VA_ARGS__))
	while (i < len && n < cap) {
		kind = p[i];
		if (n)
			EMIT(",");
		if (kind == 0) {
			EMIT("eol");
			break;
		}
		if (kind == 1) {
			EMIT("nop");
			i++;
			continue;
		}
		olen = i + 1 < len ? p[i + 1] : 0;
		if (olen < 2 || i + olen > len) {
			EMIT("bad%u:%u", kind, olen);
			break;
		}
		if (kind == 2 && olen == 4) {
			EMIT("mss:%u", get16(p + i + 2));
		} else if (kind == 3 && olen == 3) {
			EMIT("ws:%u", p[i + 2]);
		} else if (kind == 4 && olen == 2) {
			EMIT("sackok");
		} else if (kind == 8 && olen == 10) {
			EMIT("ts:%u:%u", get32(p + i + 2), get32(p + i + 6));
		} else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
			EMIT("sack:");
			for (k = i + 2; k < i + olen; k += 8)
				EMIT("%s%u-%u", k == i + 2 ? "" : "/",
				     get32(p + k), get32(p + k + 4));
		} else {
			EMIT("k%u:%u", kind, olen);
		}
		i += olen;
	}
#undef EMIT
	if (n >= cap && cap)
		out[cap - 1] = '\0';
}

/* Find the TS option of a received segment: 1 and values, or 0. */
static int opts_find_ts(const uint8_t *p, size_t len, uint32_t *val,
			uint32_t *ecr)
{
	size_t i = 0;

	while (i < len && p[i] != 0) {
		if (p[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || p[i + 1] < 2 || i + p[i + 1] > len)
			return 0;
		if (p[i] == 8 && p[i + 1] == 10) {
			*val = get32(p + i + 2);
			*ecr = get32(p + i + 6);
			return 1;
		}
		i += p[i + 1];
	}
	return 0;
}

/* ---- building packets --------------------------------------------------- */

static size_t build_iphdr(uint8_t *p, const struct seg *s, size_t tcplen)
{
	if (s->src->af == AF_INET6) {
		put32(p, 0x60000000);
		put16(p + 4, (uint16_t)tcplen);
		p[6] = IPPROTO_TCP;
		p[7] = 64;
		memcpy(p + 8, s->src->b, 16);
		memcpy(p + 24, s->dst->b, 16);
		return IP6_HLEN;
	}
	memset(p, 0, IP4_HLEN);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(IP4_HLEN + tcplen));
	put16(p + 4, (uint16_t)rnd32());
	put16(p + 6, 0x4000);	/* DF, like Linux TCP */
	p[8] = 64;
	p[9] = IPPROTO_TCP;
	memcpy(p + 12, s->src->b, 4);
	memcpy(p + 16, s->dst->b, 4);
	ip4_set_csum(p);
	return IP4_HLEN;
}

/* Build IP + TCP into @buf (PKT_MAX bytes); returns the packet length. */
static size_t build_pkt(uint8_t *buf, const struct seg *s)
{
	size_t iphl = s->src->af == AF_INET6 ? IP6_HLEN : IP4_HLEN;
	size_t tcplen = TCP_HLEN + s->optlen + s->datalen;
	uint8_t *t = buf + iphl;
	unsigned int doff;
	uint16_t sum;

	doff = s->doff >= 0 ? (unsigned int)s->doff :
	       (unsigned int)(TCP_HLEN + s->optlen) / 4;
	put_tcp_hdr(t, s->sport, s->dport, s->seq, s->ack, doff, s->flags,
		    s->win);
	if (s->optlen)
		memcpy(t + TCP_HLEN, s->opt, s->optlen);
	if (s->datalen)
		memcpy(t + TCP_HLEN + s->optlen, s->data, s->datalen);
	sum = tcp_csum(s->src->b, s->dst->b, iphl == IP6_HLEN ? 16 : 4, t,
		       tcplen);
	if (s->bad_csum) {
		/* ~sum, but never the other one's-complement zero */
		sum = (uint16_t)~sum;
		if (sum == 0 || sum == 0xffff)
			sum ^= 1;
	}
	put16(t + 16, sum);
	/* truncate after the checksum: the point is a damaged packet */
	if (s->trunc >= 0 && (size_t)s->trunc < tcplen)
		tcplen = (size_t)s->trunc;
	build_iphdr(buf, s, tcplen);
	return iphl + tcplen;
}

/* ---- sockets ------------------------------------------------------------ */

static void to_sockaddr(const struct addr *a, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->b, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->b, 4);
		*len = sizeof(*s4);
	}
}

static int tx_socket(bool v6)
{
	int fd, one = 1, sndbuf = 4 << 20;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("pktcraft: raw socket (need root/CAP_NET_RAW)");
		return -1;
	}
	if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IPV6_HDRINCL : IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("pktcraft: IP(V6)_HDRINCL");
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return fd;
}

static int rx_socket(bool v6)
{
	int fd, one = 1, rcvbuf = 4 << 20;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		perror("pktcraft: raw tcp socket");
		return -1;
	}
	if (v6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			   sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
			   sizeof(one));
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

static int send_pkt(int fd, const struct seg *s)
{
	uint8_t buf[PKT_MAX];
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t len = build_pkt(buf, s);

	to_sockaddr(s->dst, &ss, &sl);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		perror("pktcraft: sendto");
		return -1;
	}
	return 0;
}

/* ---- receiving ---------------------------------------------------------- */

/* Parse a TCP header at @t (@len bytes) into @r; -1 if malformed. */
static int parse_tcp(const uint8_t *t, size_t len, const struct flow *f,
		     struct rxseg *r)
{
	size_t hl;

	if (len < TCP_HLEN || get16(t) != f->pport || get16(t + 2) != f->lport)
		return -1;
	hl = (size_t)(t[12] >> 4) * 4;
	if (hl < TCP_HLEN || hl > len)
		return -1;
	r->seq = get32(t + 4);
	r->ack = get32(t + 8);
	r->flags = t[13];
	r->win = get16(t + 14);
	r->opt = t + TCP_HLEN;
	r->optlen = hl - TCP_HLEN;
	r->data = t + hl;
	r->len = len - hl;
	return 0;
}

static int match_v4(const uint8_t *p, size_t n, const struct flow *f,
		    struct rxseg *r)
{
	size_t ihl, tot;

	if (n < IP4_HLEN || p[0] >> 4 != 4 || p[9] != IPPROTO_TCP)
		return -1;
	ihl = (size_t)(p[0] & 15) * 4;
	tot = get16(p + 2);
	if (ihl < IP4_HLEN || tot > n || tot < ihl || (get16(p + 6) & 0x1fff))
		return -1;
	if (memcmp(p + 12, f->peer->b, 4) || memcmp(p + 16, f->local->b, 4))
		return -1;
	r->ttl = p[8];
	return parse_tcp(p + ihl, tot - ihl, f, r);
}

static int match_v6(const uint8_t *p, size_t n, const struct msghdr *mh,
		    const struct flow *f, struct rxseg *r)
{
	const struct sockaddr_in6 *from = mh->msg_name;
	struct cmsghdr *cm;

	if (memcmp(&from->sin6_addr, f->peer->b, 16))
		return -1;
	r->ttl = -1;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR((struct msghdr *)mh, cm)) {
		struct in6_pktinfo pi;

		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&r->ttl, CMSG_DATA(cm), sizeof(r->ttl));
			continue;
		}
		if (cm->cmsg_level != IPPROTO_IPV6 ||
		    cm->cmsg_type != IPV6_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		if (memcmp(&pi.ipi6_addr, f->local->b, 16))
			return -1;
	}
	return parse_tcp(p, n, f, r);
}

/*
 * Wait until @deadline (CLOCK_MONOTONIC ms) for a segment of flow @f.
 * Returns 1 with @r filled (pointing into @buf), 0 on timeout, -1 on error.
 */
static int rx_next(int fd, const struct flow *f, uint64_t deadline,
		   uint8_t *buf, size_t cap, struct rxseg *r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage from;
	char cbuf[256];
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_name = &from, .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf,
	};
	uint64_t now;
	ssize_t n;
	int ok;

	for (;;) {
		now = mono_ms();
		if (now >= deadline)
			return 0;
		if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			return -1;
		mh.msg_namelen = sizeof(from);
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		ok = f->local->af == AF_INET6 ?
		     match_v6(buf, (size_t)n, &mh, f, r) :
		     match_v4(buf, (size_t)n, f, r);
		if (ok == 0)
			return 1;
	}
}

static void print_seg(const char *tag, uint8_t flags, uint32_t seq,
		      uint32_t ack, uint16_t win, size_t len,
		      const uint8_t *opt, size_t optlen)
{
	char fl[16], os[512];

	flags_str(flags, fl);
	opts_format(opt, optlen, os, sizeof(os));
	printf("%s: flags=%s seq=%u ack=%u win=%u len=%zu opts=%s\n", tag, fl,
	       seq, ack, win, len, os);
}

static void print_rx(const struct rxseg *r)
{
	char hex[2 * 64 + 1];
	size_t i;

	print_seg("rx", r->flags, r->seq, r->ack, r->win, r->len, r->opt,
		  r->optlen);
	if (r->ttl >= 0)
		printf("rx-ttl: %d\n", r->ttl);
	if (!r->len)
		return;
	for (i = 0; i < r->len && i < 64; i++)
		sprintf(hex + 2 * i, "%02x", r->data[i]);
	hex[2 * i] = '\0';
	printf("rx-data: len=%zu hex=%s\n", r->len, hex);
}

/*
 * Print every segment of @f until @deadline, or until @max of them (0: no
 * limit); returns how many.
 */
static uint64_t listen_print(int fd, const struct flow *f, uint64_t deadline,
			     uint64_t max)
{
	uint8_t buf[65536];
	struct rxseg r;
	uint64_t n = 0;

	while ((!max || n < max) &&
	       rx_next(fd, f, deadline, buf, sizeof(buf), &r) == 1) {
		print_rx(&r);
		n++;
	}
	return n;
}

/* ---- floods ------------------------------------------------------------- */

/* Random address in net/plen; for IPv4 never the network or broadcast. */
static void rand_in_prefix(const struct addr *net, int plen, struct addr *a)
{
	size_t alen = net->af == AF_INET6 ? 16 : 4, i;
	int hostbits = (int)alen * 8 - plen, tries;
	bool zero, ones;
	uint8_t m;

	for (tries = 0; tries < 64; tries++) {
		zero = ones = true;
		for (i = 0; i < alen; i++) {
			int bit0 = (int)i * 8;
			int keep = plen - bit0;	/* prefix bits in this byte */

			m = keep >= 8 ? 0xff : keep <= 0 ? 0 :
			    (uint8_t)(0xff << (8 - keep));
			a->b[i] = (net->b[i] & m) | ((uint8_t)rnd32() & ~m);
			zero &= (a->b[i] & ~m) == 0;
			ones &= (a->b[i] & ~m) == (uint8_t)~m;
		}
		a->af = net->af;
		/* host part all-zero (either family) or v4 broadcast: retry */
		if (hostbits < 2 || !(zero || (alen == 4 && ones)))
			return;
	}
}

struct flood {
	const struct cfg *c;
	struct tcpopts opts;
	struct addr srcs[BATCH];
	uint8_t pkts[BATCH][PKT_MAX];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	struct sockaddr_storage dst;
	socklen_t dstlen;
};

static void flood_build(struct flood *fl, unsigned int i)
{
	const struct cfg *c = fl->c;
	bool syn = c->cmd == CMD_SYNFLOOD;
	struct seg s = {
		.src = &fl->srcs[i], .dst = &c->dst,
		.sport = (uint16_t)(1024 + rnd32() % 64512), .dport = c->dport,
		.seq = rnd32(), .ack = syn ? 0 : rnd32(),
		.flags = syn ? TH_SYN : TH_ACK, .win = syn ? 64240 : 502,
		.opt = fl->opts.b, .optlen = fl->opts.len,
		.doff = -1, .trunc = -1,
	};

	rand_in_prefix(&c->net, c->plen, &fl->srcs[i]);
	if (fl->opts.ts_off >= 0) {
		put32(fl->opts.b + fl->opts.ts_off + 2, rnd32());
		if (!syn)
			put32(fl->opts.b + fl->opts.ts_off + 6, rnd32());
	}
	fl->iov[i].iov_len = build_pkt(fl->pkts[i], &s);
}

static void flood_init(struct flood *fl, const struct cfg *c)
{
	unsigned int i;

	fl->c = c;
	opts_parse(c->opts ? c->opts :
		   c->cmd == CMD_SYNFLOOD ? DEF_OPTS : NULL, &fl->opts);
	opts_finalize(&fl->opts, -1);
	to_sockaddr(&c->dst, &fl->dst, &fl->dstlen);
	for (i = 0; i < BATCH; i++) {
		fl->iov[i].iov_base = fl->pkts[i];
		fl->msgs[i].msg_hdr.msg_iov = &fl->iov[i];
		fl->msgs[i].msg_hdr.msg_iovlen = 1;
		fl->msgs[i].msg_hdr.msg_name = &fl->dst;
		fl->msgs[i].msg_hdr.msg_namelen = fl->dstlen;
	}
}

/* How many to send now to stay at --rate; sleeps until one is due. */
static unsigned int flood_due(const struct cfg *c, uint64_t start,
			      uint64_t sent, uint64_t end)
{
	uint64_t burst = c->rate / 100, due, now;

	if (!c->rate)
		return BATCH;
	if (burst < 1)
		burst = 1;
	if (burst > BATCH)
		burst = BATCH;
	due = start + sent * 1000000u / c->rate;
	now = mono_us();
	if (due > now)
		sleep_us((due < end ? due : end) - now);
	return (unsigned int)burst;
}

static int cmd_flood(const struct cfg *c)
{
	static struct flood fl;
	const char *name = c->cmd == CMD_SYNFLOOD ? "synflood" : "ackflood";
	uint64_t start, end, sent = 0, left;
	unsigned int n, i;
	double secs;
	int fd, r, ret = EXIT_OK;

	flood_init(&fl, c);
	fd = tx_socket(c->v6);
	if (fd < 0)
		return EXIT_TESTFAIL;
	start = mono_us();
	end = start + (uint64_t)(c->seconds * 1e6);
	while (sent < c->count && mono_us() < end) {
		n = flood_due(c, start, sent, end);
		left = c->count - sent;
		if (n > left)
			n = (unsigned int)left;
		for (i = 0; i < n; i++)
			flood_build(&fl, i);
		r = sendmmsg(fd, fl.msgs, n, 0);
		if (r < 0 && (errno == ENOBUFS || errno == EAGAIN ||
			      errno == EINTR)) {
			sleep_us(200);	/* queue full: back off a little */
			continue;
		}
		if (r < 0) {
			perror("pktcraft: sendmmsg");
			ret = EXIT_TESTFAIL;
			break;
		}
		sent += (uint64_t)r;
	}
	secs = (double)(mono_us() - start) / 1e6;
	printf("%s: sent=%llu seconds=%.3f pps=%llu\n", name,
	       (unsigned long long)sent, secs,
	       (unsigned long long)(secs > 0 ? sent / secs : 0));
	close(fd);
	return ret;
}

/* ---- send --------------------------------------------------------------- */

static int cmd_send(const struct cfg *c)
{
	struct tcpopts o;
	struct flow f = { &c->src, &c->dst, c->sport, c->dport };
	struct seg s = {
		.src = &c->src, .dst = &c->dst,
		.sport = c->sport, .dport = c->dport,
		.seq = c->seq, .ack = c->ack, .flags = c->flags, .win = c->win,
		.doff = c->doff, .bad_csum = c->bad_csum, .trunc = c->trunc,
		.data = (const uint8_t *)c->data, .datalen = strlen(c->data),
	};
	int txfd, rxfd = -1, ret = EXIT_OK;

	opts_parse(c->opts, &o);
	opts_finalize(&o, c->doff);
	s.opt = o.b;
	s.optlen = o.len;
	txfd = tx_socket(c->v6);
	/* open the receiver first so that a fast reply is not missed */
	if (c->listen_ms > 0)
		rxfd = rx_socket(c->v6);
	if (txfd < 0 || (c->listen_ms > 0 && rxfd < 0))
		return EXIT_TESTFAIL;
	print_seg("tx", s.flags, s.seq, s.ack, s.win, s.datalen, s.opt,
		  s.optlen);
	if (send_pkt(txfd, &s) < 0)
		ret = EXIT_TESTFAIL;
	else if (rxfd >= 0)
		listen_print(rxfd, &f, mono_ms() + (uint64_t)c->listen_ms,
			     c->rx_max);
	close(txfd);
	if (rxfd >= 0)
		close(rxfd);
	return ret;
}

/* ---- handshake ---------------------------------------------------------- */

#define HS_RTO_MS	300	/* default --rto: short, the tests are local */
#define HS_MAX_RETX	5
#define HS_FIN_WAIT_MS	300	/* no data: FIN this long after the ACK */
#define NEVER		UINT64_MAX

struct hs {
	const struct cfg *c;
	struct flow f;
	int txfd, rxfd;
	const uint8_t *data;
	size_t datalen;
	uint32_t isn, irs;	/* our ISN, the peer's ISN */
	uint32_t rcv_nxt;
	bool ts;		/* timestamps negotiated */
	uint32_t ts_base, ts_last, ts_recent;
	uint64_t t_start;
	/* progress */
	bool synack, est_sent, data_sent, data_acked, fin_sent, fin_acked;
	bool peer_fin, peer_seen, reset;
	int32_t max_ack_rel;
	uint64_t peer_data;
	/* timers, CLOCK_MONOTONIC ms */
	uint64_t t_ack, t_ack2, t_data, t_fin, t_retx;
	unsigned int retx, rto;
};

static uint32_t hs_tsval(struct hs *h)
{
	uint32_t v = h->ts_base + (uint32_t)(mono_ms() - h->t_start);

	/* strictly advancing, even within one millisecond */
	if ((int32_t)(v - h->ts_last) <= 0)
		v = h->ts_last + 1;
	h->ts_last = v;
	return v;
}

/* Send one segment of the connection (after the SYN). */
static void hs_send(struct hs *h, uint8_t flags, uint32_t seq,
		    const uint8_t *data, size_t len, bool retrans)
{
	uint8_t opt[12] = { 1, 1, 8, 10 };
	struct seg s = {
		.src = h->f.local, .dst = h->f.peer,
		.sport = h->f.lport, .dport = h->f.pport,
		.seq = seq, .ack = h->rcv_nxt, .flags = flags,
		.win = DEF_WIN, .data = data, .datalen = len,
		.opt = opt, .optlen = h->ts ? sizeof(opt) : 0,
		.doff = -1, .trunc = -1,
	};

	if (h->ts) {
		put32(opt + 4, hs_tsval(h));
		put32(opt + 8, h->ts_recent);
	}
	print_seg(retrans ? "tx-retrans" : "tx", s.flags, s.seq, s.ack, s.win,
		  len, s.opt, s.optlen);
	send_pkt(h->txfd, &s);
}

static int hs_send_syn(struct hs *h, struct tcpopts *o)
{
	struct seg s = {
		.src = h->f.local, .dst = h->f.peer,
		.sport = h->f.lport, .dport = h->f.pport,
		.seq = h->isn, .flags = TH_SYN, .win = DEF_WIN,
		.opt = o->b, .optlen = o->len, .doff = -1, .trunc = -1,
	};

	if (o->ts_off >= 0)
		h->ts_base = h->ts_last = get32(o->b + o->ts_off + 2);
	printf("tx: syn seq=%u\n", h->isn);
	return send_pkt(h->txfd, &s);
}

/* Wait for the SYN-ACK, printing whatever the peer sends meanwhile. */
static int hs_wait_synack(struct hs *h, bool syn_ts)
{
	uint64_t deadline = mono_ms() + (uint64_t)h->c->listen_ms;
	uint8_t buf[65536];
	struct rxseg r;
	uint32_t v, e;

	while (rx_next(h->rxfd, &h->f, deadline, buf, sizeof(buf), &r) == 1) {
		print_rx(&r);
		if (r.flags & TH_RST)
			return -1;
		if ((r.flags & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK) ||
		    r.ack != h->isn + 1)
			continue;
		h->synack = true;
		h->irs = r.seq;
		h->rcv_nxt = r.seq + 1;
		if (syn_ts && opts_find_ts(r.opt, r.optlen, &v, &e)) {
			h->ts = true;
			h->ts_recent = v;	/* RFC 7323: TSecr = TSval */
		}
		return 0;
	}
	return -1;
}

/* Plan the segments after the SYN-ACK according to --third. */
static void hs_plan(struct hs *h, uint64_t now)
{
	h->t_ack = h->t_ack2 = h->t_data = h->t_fin = h->t_retx = NEVER;
	switch (h->c->third) {
	case THIRD_ACK:
		h->t_ack = now;
		if (h->datalen)
			h->t_data = now;
		break;
	case THIRD_NONE:
		/* the third ACK is lost; the first data segment follows */
		if (h->datalen)
			h->t_data = now + 200;
		break;
	case THIRD_TWICE:
		h->t_ack = now;
		h->t_ack2 = now + 100;
		if (h->datalen)
			h->t_data = now + 100;
		break;
	case THIRD_DATA:
		h->t_data = now;
		break;
	}
}

static void hs_arm_retx(struct hs *h, uint64_t now)
{
	h->t_retx = h->rto ? now + h->rto : NEVER;	/* --rto 0: never */
}

static void hs_send_data(struct hs *h, uint64_t now, bool retrans)
{
	hs_send(h, TH_ACK | TH_PSH, h->isn + 1, h->data, h->datalen, retrans);
	h->est_sent = h->data_sent = true;
	hs_arm_retx(h, now);
}

static void hs_send_fin(struct hs *h, uint64_t now, bool retrans)
{
	hs_send(h, TH_ACK | TH_FIN, h->isn + 1 + (uint32_t)h->datalen, NULL, 0,
		retrans);
	h->fin_sent = true;
	h->t_fin = NEVER;
	hs_arm_retx(h, now);
}

/* Retransmit the oldest unacknowledged thing: data, else our FIN. */
static void hs_retransmit(struct hs *h, uint64_t now)
{
	if (h->retx >= HS_MAX_RETX) {
		h->t_retx = NEVER;
		return;
	}
	h->retx++;
	h->rto *= 2;
	if (h->data_sent && !h->data_acked)
		hs_send_data(h, now, true);
	else if (h->fin_sent && !h->fin_acked)
		hs_send_fin(h, now, true);
	else
		h->t_retx = NEVER;
}

/* FIN once all our data is acknowledged (or soon after a dataless ACK). */
static void hs_maybe_fin(struct hs *h, uint64_t now)
{
	if (h->fin_sent || !h->est_sent || h->t_fin != NEVER)
		return;
	if (h->datalen && h->data_acked)
		h->t_fin = now;
	else if (!h->datalen)
		h->t_fin = h->peer_seen ? now : now + HS_FIN_WAIT_MS;
}

static void hs_run_timers(struct hs *h, uint64_t now)
{
	if (now >= h->t_ack) {
		hs_send(h, TH_ACK, h->isn + 1, NULL, 0, false);
		h->est_sent = true;
		h->t_ack = NEVER;
	}
	if (now >= h->t_ack2) {
		hs_send(h, TH_ACK, h->isn + 1, NULL, 0, false);
		h->t_ack2 = NEVER;
	}
	if (now >= h->t_data) {
		hs_send_data(h, now, false);
		h->t_data = NEVER;
	}
	hs_maybe_fin(h, now);
	if (now >= h->t_fin)
		hs_send_fin(h, now, false);
	if (now >= h->t_retx)
		hs_retransmit(h, now);
}

static void hs_on_ack(struct hs *h, uint32_t ack)
{
	int32_t rel = (int32_t)(ack - (h->isn + 1));

	if (rel > h->max_ack_rel)
		h->max_ack_rel = rel;
	if (h->data_sent && rel >= (int32_t)h->datalen && !h->data_acked) {
		h->data_acked = true;
		h->t_retx = NEVER;
		h->retx = 0;
		h->rto = (unsigned int)h->c->rto_ms;
	}
	if (h->fin_sent && rel >= (int32_t)h->datalen + 1) {
		h->fin_acked = true;
		h->t_retx = NEVER;
	}
}

/* Take in-order payload and FIN; true if the segment needs an ACK. */
static bool hs_on_payload(struct hs *h, const struct rxseg *r)
{
	uint32_t end = r->seq + (uint32_t)r->len;
	bool need_ack = r->len > 0;

	if (r->len && (int32_t)(r->seq - h->rcv_nxt) <= 0 &&
	    (int32_t)(end - h->rcv_nxt) > 0) {
		h->peer_data += end - h->rcv_nxt;
		h->rcv_nxt = end;
	}
	if (r->flags & TH_FIN) {
		if (!h->peer_fin && end == h->rcv_nxt) {
			h->peer_fin = true;
			h->rcv_nxt++;
		}
		need_ack = true;	/* new or retransmitted FIN */
	}
	return need_ack;
}

static void hs_on_segment(struct hs *h, const struct rxseg *r)
{
	uint32_t v, e;
	bool need_ack;

	print_rx(r);
	if (r->flags & TH_RST) {
		h->reset = true;
		return;
	}
	h->peer_seen = true;
	if (r->flags & TH_ACK)
		hs_on_ack(h, r->ack);
	/* RFC 7323 TS.Recent: latest TSval of a segment not beyond rcv_nxt */
	if (h->ts && opts_find_ts(r->opt, r->optlen, &v, &e) &&
	    (int32_t)(r->seq - h->rcv_nxt) <= 0 &&
	    (int32_t)(v - h->ts_recent) > 0)
		h->ts_recent = v;
	need_ack = hs_on_payload(h, r);
	if (r->flags & TH_SYN)
		need_ack = true;	/* SYN-ACK again: our ACK got lost */
	if (need_ack && h->est_sent)
		hs_send(h, TH_ACK, h->isn + 1 + (uint32_t)h->datalen +
			(h->fin_sent ? 1 : 0), NULL, 0, false);
}

static uint64_t hs_next_timer(const struct hs *h)
{
	uint64_t t = h->t_ack;

	if (h->t_ack2 < t)
		t = h->t_ack2;
	if (h->t_data < t)
		t = h->t_data;
	if (h->t_fin < t)
		t = h->t_fin;
	if (h->t_retx < t)
		t = h->t_retx;
	return t;
}

/* After the SYN-ACK: run the plan, answer the peer, until done or time. */
static void hs_converse(struct hs *h)
{
	uint64_t now = mono_ms(), end = now + (uint64_t)h->c->listen_ms, next;
	uint8_t buf[65536];
	struct rxseg r;

	hs_plan(h, now);
	while (!h->reset && !(h->peer_fin && h->fin_acked)) {
		now = mono_ms();
		if (now >= end)
			break;
		hs_run_timers(h, now);
		next = hs_next_timer(h);
		if (next > end)
			next = end;
		if (next <= now)
			continue;
		if (rx_next(h->rxfd, &h->f, next, buf, sizeof(buf), &r) == 1)
			hs_on_segment(h, &r);
	}
}

static int cmd_handshake(const struct cfg *c)
{
	static struct hs h;
	struct tcpopts o;
	int32_t acked;

	h.c = c;
	h.f = (struct flow){ &c->src, &c->dst, c->sport, c->dport };
	h.data = (const uint8_t *)c->data;
	h.datalen = strlen(c->data);
	h.isn = rnd32();
	h.rto = (unsigned int)c->rto_ms;
	h.t_start = mono_ms();
	opts_parse(c->opts ? c->opts : DEF_OPTS, &o);
	opts_finalize(&o, -1);
	h.rxfd = rx_socket(c->v6);	/* before the SYN: no reply missed */
	h.txfd = tx_socket(c->v6);
	if (h.rxfd < 0 || h.txfd < 0)
		return EXIT_TESTFAIL;
	if (hs_send_syn(&h, &o) == 0 && hs_wait_synack(&h, o.ts_off >= 0) == 0)
		hs_converse(&h);
	acked = h.max_ack_rel < 0 ? 0 : h.max_ack_rel;
	if ((size_t)acked > h.datalen)
		acked = (int32_t)h.datalen;	/* our FIN is not data */
	printf("handshake: synack=%d acked=%d peer_data=%llu\n", h.synack,
	       acked, (unsigned long long)h.peer_data);
	close(h.rxfd);
	close(h.txfd);
	return h.synack ? EXIT_OK : EXIT_TESTFAIL;
}

/* ---- command line ------------------------------------------------------- */

enum {
	O_DST = 1 << 0, O_DPORT = 1 << 1, O_SRCNET = 1 << 2, O_COUNT = 1 << 3,
	O_RATE = 1 << 4, O_SECONDS = 1 << 5, O_OPTS = 1 << 6, O_SEED = 1 << 7,
	O_SRC = 1 << 8, O_SPORT = 1 << 9, O_FLAGS = 1 << 10, O_SEQ = 1 << 11,
	O_ACK = 1 << 12, O_WIN = 1 << 13, O_DATA = 1 << 14,
	O_BADCSUM = 1 << 15, O_DOFF = 1 << 16, O_TRUNC = 1 << 17,
	O_LISTEN = 1 << 18, O_THIRD = 1 << 19, O_V6 = 1 << 20,
	O_RTO = 1 << 21, O_RXMAX = 1 << 22,
};

static const struct option long_opts[] = {
	{ "dst", required_argument, NULL, O_DST },
	{ "dport", required_argument, NULL, O_DPORT },
	{ "src-net", required_argument, NULL, O_SRCNET },
	{ "count", required_argument, NULL, O_COUNT },
	{ "rate", required_argument, NULL, O_RATE },
	{ "seconds", required_argument, NULL, O_SECONDS },
	{ "opts", required_argument, NULL, O_OPTS },
	{ "seed", required_argument, NULL, O_SEED },
	{ "src", required_argument, NULL, O_SRC },
	{ "sport", required_argument, NULL, O_SPORT },
	{ "flags", required_argument, NULL, O_FLAGS },
	{ "seq", required_argument, NULL, O_SEQ },
	{ "ack", required_argument, NULL, O_ACK },
	{ "win", required_argument, NULL, O_WIN },
	{ "data", required_argument, NULL, O_DATA },
	{ "bad-csum", no_argument, NULL, O_BADCSUM },
	{ "doff", required_argument, NULL, O_DOFF },
	{ "trunc", required_argument, NULL, O_TRUNC },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "third", required_argument, NULL, O_THIRD },
	{ "rto", required_argument, NULL, O_RTO },
	{ "rx-max", required_argument, NULL, O_RXMAX },
	{ NULL, 0, NULL, 0 },
};

#define FLOOD_ALLOWED	(O_V6 | O_DST | O_DPORT | O_SRCNET | O_COUNT | \
			 O_RATE | O_SECONDS | O_OPTS | O_SEED)
#define FLOOD_REQUIRED	(O_DST | O_DPORT | O_SRCNET | O_COUNT)
#define FLOW_REQUIRED	(O_SRC | O_DST | O_SPORT | O_DPORT)
#define SEND_ALLOWED	(O_V6 | FLOW_REQUIRED | O_FLAGS | O_SEQ | O_ACK | \
			 O_WIN | O_OPTS | O_DATA | O_BADCSUM | O_DOFF | \
			 O_TRUNC | O_LISTEN | O_RXMAX | O_SEED)
#define HS_ALLOWED	(O_V6 | FLOW_REQUIRED | O_OPTS | O_THIRD | O_DATA | \
			 O_LISTEN | O_SEED | O_RTO)

static const struct {
	const char *name;
	enum cmd cmd;
	unsigned int allowed, required;
} commands[] = {
	{ "synflood", CMD_SYNFLOOD, FLOOD_ALLOWED, FLOOD_REQUIRED },
	{ "ackflood", CMD_ACKFLOOD, FLOOD_ALLOWED, FLOOD_REQUIRED },
	{ "send", CMD_SEND, SEND_ALLOWED, FLOW_REQUIRED },
	{ "handshake", CMD_HANDSHAKE, HS_ALLOWED, FLOW_REQUIRED },
};

static enum third third_arg(const char *s)
{
	static const char *const names[] = { "ack", "none", "twice", "data" };
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return (enum third)i;
	usage("--third must be ack, none, twice or data, not '%s'", s);
	return THIRD_ACK;
}

/* Pass 1 collects raw strings: addresses depend on -6 given anywhere. */
struct rawargs {
	const char *dst, *src, *net;
};

static void one_arg(struct cfg *c, struct rawargs *ra, int id, char *v)
{
	switch (id) {
	case O_DST:
		ra->dst = v;
		break;
	case O_SRC:
		ra->src = v;
		break;
	case O_SRCNET:
		ra->net = v;
		break;
	case O_DPORT:
		c->dport = (uint16_t)num_arg(v, 65535, "--dport");
		break;
	case O_SPORT:
		c->sport = (uint16_t)num_arg(v, 65535, "--sport");
		break;
	case O_COUNT:
		c->count = num_arg(v, UINT64_MAX, "--count");
		break;
	case O_RATE:
		c->rate = num_arg(v, 100000000, "--rate");
		break;
	case O_SECONDS:
		c->seconds = (double)num_arg(v, 86400, "--seconds");
		break;
	case O_OPTS:
		c->opts = v;
		break;
	case O_SEED:
		c->seed = num_arg(v, UINT64_MAX, "--seed");
		break;
	case O_FLAGS:
		c->flags = flags_arg(v);
		break;
	case O_SEQ:
		c->seq = (uint32_t)num_arg(v, UINT32_MAX, "--seq");
		break;
	case O_ACK:
		c->ack = (uint32_t)num_arg(v, UINT32_MAX, "--ack");
		break;
	case O_WIN:
		c->win = (uint16_t)num_arg(v, 65535, "--win");
		break;
	case O_DATA:
		if (strlen(v) > MAX_DATA)
			usage("--data longer than 1400 bytes", NULL);
		c->data = v;
		break;
	case O_BADCSUM:
		c->bad_csum = true;
		break;
	case O_DOFF:
		c->doff = (int)num_arg(v, 15, "--doff (0-15)");
		break;
	case O_TRUNC:
		c->trunc = (int)num_arg(v, 65535, "--trunc");
		break;
	case O_LISTEN:
		c->listen_ms = (int)num_arg(v, 600000, "--listen");
		break;
	case O_THIRD:
		c->third = third_arg(v);
		break;
	case O_RTO:
		c->rto_ms = (int)num_arg(v, 60000, "--rto");
		break;
	case O_RXMAX:
		c->rx_max = num_arg(v, 1000000, "--rx-max");
		break;
	}
}

static void check_args(struct cfg *c, const struct rawargs *ra,
		       unsigned int allowed, unsigned int required)
{
	unsigned int i, bad = c->have & ~allowed;

	for (i = 0; long_opts[i].name; i++)
		if (bad & (unsigned int)long_opts[i].val)
			usage("--%s is not valid for this command",
			      long_opts[i].name);
	for (i = 0; long_opts[i].name; i++)
		if (required & ~c->have & (unsigned int)long_opts[i].val)
			usage("--%s is required", long_opts[i].name);
	if (ra->dst)
		addr_arg(ra->dst, c->v6, &c->dst);
	if (ra->src)
		addr_arg(ra->src, c->v6, &c->src);
	if (ra->net)
		prefix_arg(ra->net, c->v6, &c->net, &c->plen);
	if (c->cmd == CMD_HANDSHAKE && c->third == THIRD_DATA && !*c->data)
		usage("--third data needs --data", NULL);
}

static void parse_args(int argc, char **argv, struct cfg *c)
{
	struct rawargs ra = { 0 };
	unsigned int i;
	int id;

	if (argc < 2)
		usage(NULL, NULL);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			break;
	if (i == ARRAY_SIZE(commands))
		usage("unknown command '%s'", argv[1]);
	c->cmd = commands[i].cmd;
	c->seconds = 60;
	c->flags = TH_SYN;
	c->win = DEF_WIN;
	c->data = "";
	c->doff = c->trunc = -1;
	c->rto_ms = HS_RTO_MS;
	c->listen_ms = c->cmd == CMD_HANDSHAKE ? 3000 : 0;
	optind = 2;
	while ((id = getopt_long(argc, argv, "6", long_opts, NULL)) != -1) {
		if (id == '6')
			id = O_V6;
		else if (id == '?')
			usage(NULL, NULL);
		c->have |= (unsigned int)id;
		if (id == O_V6)
			c->v6 = true;
		else
			one_arg(c, &ra, id, optarg);
	}
	if (optind != argc)
		usage("unexpected argument '%s'", argv[optind]);
	check_args(c, &ra, commands[i].allowed, commands[i].required);
}

int main(int argc, char **argv)
{
	struct cfg c = { 0 };

	rng_state = mono_us() ^ ((uint64_t)getpid() << 32);
	parse_args(argc, argv, &c);
	if (c.have & O_SEED)
		rng_state = c.seed;
	if (!(c.have & O_SEQ))
		c.seq = rnd32();	/* after seeding: --seed reproduces it */
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (c.cmd) {
	case CMD_SYNFLOOD:
	case CMD_ACKFLOOD:
		return cmd_flood(&c);
	case CMD_SEND:
		return cmd_send(&c);
	case CMD_HANDSHAKE:
		return cmd_handshake(&c);
	}
	return EXIT_USAGE;
}
