// SPDX-License-Identifier: GPL-2.0
/*
 * floodgen - fast spoofed IPv4 SYN flood for the syngate benchmark.
 *
 *   floodgen -i IFACE --dmac MAC --dst ADDR --dport P --src-net NET/LEN
 *            [--count N] [--seconds S] [--rate PPS] [--batch N] [--seed N]
 *
 * Unlike pktcraft synflood (raw IP sockets: every packet goes through the
 * sender's routing and IP output), this writes whole Ethernet frames on an
 * AF_PACKET socket with PACKET_QDISC_BYPASS and sendmmsg() batches, so the
 * generator's own per-packet cost is small and one generator CPU can offer
 * more than the gateway under test absorbs.  Each SYN has a random source
 * address in NET/LEN, random source port, ISN and TSval, and the options of
 * a Linux client (mss 1460, sackOK, timestamps, nop, wscale 7); checksums
 * are complete (no offload).  Ends after --count frames, --seconds, or
 * SIGINT/SIGTERM, and prints
 *   floodgen: sent=N seconds=S pps=P
 * --rate 0 (default) sends as fast as possible.
 *
 *   floodgen -i IFACE --replay PCAP [--count N] [--seconds S] [--rate PPS]
 *            [--batch N]
 *
 * Sends the frames of PCAP (tcpdump -w, Ethernet) over and over, byte for
 * byte, round robin: for the established-path benchmark, a segment of a
 * live connection replayed as fast as the gateway takes it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../progs/common.h"

#define ETH_HLEN_	14
#define IP_HLEN		20
#define TCP_HLEN	40	/* 20 + 20 bytes of options */
#define FRAME_LEN	(ETH_HLEN_ + IP_HLEN + TCP_HLEN)
#define MAX_BATCH	1024

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t rng;

static uint32_t rnd32(void)
{
	return xorshift_next(&rng);
}

static void usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "floodgen: %s\n", msg);
	fputs("usage: floodgen -i IFACE --dmac MAC --dst ADDR --dport P --src-net NET/LEN\n"
	      "                [--count N] [--seconds S] [--rate PPS] [--batch N] [--seed N]\n"
	      "       floodgen -i IFACE --replay PCAP [--count N] [--seconds S] [--rate PPS]\n"
	      "                [--batch N]\n",
	      stderr);
	exit(2);
}

static uint64_t num(const char *s, const char *what)
{
	uint64_t v;

	if (parse_u64(s, UINT64_MAX, &v))
		usage(what);
	return v;
}

struct cfg {
	const char *ifname;
	uint8_t dmac[6];
	uint32_t dst, net, mask;	/* host order */
	uint16_t dport;
	uint64_t count, rate;
	double seconds;
	unsigned int batch;
};

static uint8_t frames[MAX_BATCH][FRAME_LEN];

/* Both checksums of an IPv4 header of @ihl bytes and the TCP segment after it. */
static void ipv4_tcp_csums(uint8_t *ip, size_t ihl, size_t tcplen)
{
	uint8_t *tcp = ip + ihl;

	ip4_set_csum(ip);
	put16(tcp + 16, 0);
	put16(tcp + 16, tcp_csum(ip + 12, ip + 16, 4, tcp, tcplen));
}

#define REPLAY_MAX	16
#define REPLAY_LEN	1518
static uint8_t replay[REPLAY_MAX][REPLAY_LEN];
static size_t replay_len[REPLAY_MAX];

/* A 32-bit field of a pcap header, in the byte order of the file. */
static uint32_t pcap32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/*
 * A capture taken where the sender offloads checksums holds only the
 * pseudo-header sum in the TCP checksum field: complete both checksums of
 * an IPv4 TCP frame so that the receiver sees a valid segment.
 */
static void replay_fix_csum(uint8_t *f, size_t len)
{
	uint8_t *ip = f + ETH_HLEN_;
	size_t ihl, tot;

	if (f[12] != 0x08 || f[13] != 0x00 || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_TCP)
		return;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < IP_HLEN || tot < ihl + 20 || ETH_HLEN_ + tot > len)
		return;
	ipv4_tcp_csums(ip, ihl, tot - ihl);
}

/* Read up to REPLAY_MAX Ethernet frames of a pcap file; return how many. */
static unsigned int replay_load(const char *path)
{
	uint8_t gh[24], rh[16];
	unsigned int n = 0;
	uint32_t magic, len;
	bool swap;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fread(gh, sizeof(gh), 1, f) != 1)
		usage("--replay: cannot read the pcap file");
	memcpy(&magic, gh, 4);
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		swap = false;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		swap = true;
	else
		usage("--replay: not a pcap file");
	if (pcap32(gh + 20, swap) != 1)
		usage("--replay: not an Ethernet capture");
	while (n < REPLAY_MAX && fread(rh, sizeof(rh), 1, f) == 1) {
		len = pcap32(rh + 8, swap);
		if (len != pcap32(rh + 12, swap) || len < ETH_HLEN_ + IP_HLEN ||
		    len > REPLAY_LEN)
			usage("--replay: truncated or oversized frame in the capture");
		if (fread(replay[n], len, 1, f) != 1)
			usage("--replay: short pcap file");
		replay_fix_csum(replay[n], len);
		replay_len[n++] = len;
	}
	fclose(f);
	if (!n)
		usage("--replay: no frame in the capture");
	return n;
}

/* Fill the constant parts of every frame once. */
static void frame_init(uint8_t *f, const struct cfg *c, const uint8_t *smac)
{
	uint8_t *ip = f + ETH_HLEN_, *tcp = ip + IP_HLEN, *o = tcp + 20;

	memcpy(f, c->dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, IP_HLEN + TCP_HLEN);
	ip[6] = 0x40;	/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put32(ip + 16, c->dst);
	put16(tcp + 2, c->dport);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = 0x02;	/* SYN */
	put16(tcp + 14, 64240);
	/* mss 1460, sackOK, ts, nop, ws 7: what a Linux client sends */
	o[0] = 2; o[1] = 4; put16(o + 2, 1460);
	o[4] = 4; o[5] = 2;
	o[6] = 8; o[7] = 10;	/* TSval at o+8, TSecr 0 */
	o[16] = 1;
	o[17] = 3; o[18] = 3; o[19] = 7;
}

/* Randomise source, port, ISN, TSval, IP id and fix both checksums. */
static void frame_fill(uint8_t *f, const struct cfg *c)
{
	uint8_t *ip = f + ETH_HLEN_, *tcp = ip + IP_HLEN;
	uint32_t src;

	do
		src = c->net | (rnd32() & ~c->mask);
	while (c->mask != 0xffffffffu && ((src & ~c->mask) == 0 ||
					 (src & ~c->mask) == ~c->mask));
	put16(ip + 4, (uint16_t)rnd32());
	put32(ip + 12, src);
	put16(tcp, (uint16_t)(1024 + rnd32() % 64512));
	put32(tcp + 4, rnd32());
	put32(tcp + 20 + 8, rnd32());
	ipv4_tcp_csums(ip, IP_HLEN, TCP_HLEN);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "dmac", required_argument, NULL, 'm' },
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' },
		{ "src-net", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "replay", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct cfg c = { .count = UINT64_MAX, .seconds = 10, .batch = 256 };
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	struct sockaddr_ll sll = { 0 };
	struct sigaction sa = { .sa_handler = on_sig };
	uint64_t start, end, sent = 0, now, seed = 0;
	unsigned int i, n, ifindex;
	uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0xf1, 0x00 };
	struct in_addr a;
	bool have_dst = false, have_net = false, have_mac = false;
	unsigned int nreplay = 0;
	int fd, opt, one = 1, r, plen;
	char *slash;
	double secs;

	while ((opt = getopt_long(argc, argv, "i:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			c.ifname = optarg;
			break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				   &c.dmac[0], &c.dmac[1], &c.dmac[2],
				   &c.dmac[3], &c.dmac[4], &c.dmac[5]) != 6)
				usage("bad --dmac");
			have_mac = true;
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage("bad --dst");
			c.dst = ntohl(a.s_addr);
			have_dst = true;
			break;
		case 'p':
			c.dport = (uint16_t)num(optarg, "bad --dport");
			break;
		case 'n':
			slash = strchr(optarg, '/');
			if (!slash)
				usage("--src-net wants NET/LEN");
			*slash = 0;
			plen = (int)num(slash + 1, "bad prefix length");
			if (plen < 1 || plen > 32 || inet_pton(AF_INET, optarg, &a) != 1)
				usage("bad --src-net");
			c.mask = plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen);
			c.net = ntohl(a.s_addr) & c.mask;
			have_net = true;
			break;
		case 'c':
			c.count = num(optarg, "bad --count");
			break;
		case 't':
			c.seconds = atof(optarg);
			break;
		case 'r':
			c.rate = num(optarg, "bad --rate");
			break;
		case 'b':
			c.batch = (unsigned int)num(optarg, "bad --batch");
			if (c.batch < 1 || c.batch > MAX_BATCH)
				usage("--batch: 1..1024");
			break;
		case 's':
			seed = num(optarg, "bad --seed");
			break;
		case 'R':
			nreplay = replay_load(optarg);
			memcpy(c.dmac, replay[0], 6);
			have_mac = have_dst = have_net = true;
			c.dport = 1;
			break;
		default:
			usage(NULL);
		}
	}
	if (!c.ifname || !have_mac || !have_dst || !have_net || !c.dport)
		usage("-i, --dmac, --dst, --dport and --src-net are required");
	ifindex = if_nametoindex(c.ifname);
	if (!ifindex)
		usage("no such interface");
	rng = seed ? seed : (uint64_t)mono_us() * 0x9e3779b97f4a7c15ull | 1;

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0) {
		perror("floodgen: socket");
		return 1;
	}
	/* Straight to the driver: no qdisc (veth has none anyway). */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, c.dmac, 6);
	for (i = 0; i < c.batch; i++) {
		if (nreplay) {
			iov[i].iov_base = replay[i % nreplay];
			iov[i].iov_len = replay_len[i % nreplay];
		} else {
			frame_init(frames[i], &c, smac);
			iov[i].iov_base = frames[i];
			iov[i].iov_len = FRAME_LEN;
		}
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof(sll);
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	start = mono_us();
	end = start + (uint64_t)(c.seconds * 1e6);
	while (!stop && sent < c.count && (now = mono_us()) < end) {
		n = c.batch;
		if (c.rate) {
			/* bursts of ~2 ms worth, each when it is due */
			uint64_t burst = c.rate / 500, due;

			if (burst < 1)
				burst = 1;
			if (burst < n)
				n = (unsigned int)burst;
			due = start + sent * 1000000u / c.rate;
			if (due > now) {
				nap_us((due < end ? due : end) - now, &stop);
				continue;
			}
		}
		if (n > c.count - sent)
			n = (unsigned int)(c.count - sent);
		for (i = 0; i < n && !nreplay; i++)
			frame_fill(frames[i], &c);
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			perror("floodgen: sendmmsg");
			break;
		}
		sent += (uint64_t)r;
	}
	secs = (double)(mono_us() - start) / 1e6;
	printf("floodgen: sent=%llu seconds=%.3f pps=%llu\n",
	       (unsigned long long)sent, secs,
	       (unsigned long long)(secs > 0 ? sent / secs : 0));
	close(fd);
	return 0;
}
