/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the test programs: tcpxfer and pktcraft here,
 * tests/bench/floodgen and tests/stress/tcpfuzz.  Header-only on purpose:
 * each program stays a single translation unit plus this file, so the VM
 * harness only ever has to copy self-contained binaries.
 */
#ifndef SYNGATE_PROGS_COMMON_H
#define SYNGATE_PROGS_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Exit codes shared by both programs (the test scripts rely on them). */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define EXIT_OK		0
#define EXIT_TESTFAIL	1
#define EXIT_USAGE	2

static inline uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t mono_ms(void)
{
	return mono_us() / 1000u;
}

/* Sleep @us; a signal that sets *@stop ends the nap early. */
static inline void nap_us(uint64_t us, const volatile sig_atomic_t *stop)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000u),
		.tv_nsec = (long)(us % 1000000u) * 1000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !*stop)
		;
}

/* Sleep @us, whatever signals come. */
static inline void sleep_us(uint64_t us)
{
	static const volatile sig_atomic_t never;

	nap_us(us, &never);
}

/*
 * Parse an unsigned number (decimal, or 0x-prefixed hex) in [0, max].
 * Returns 0 on success, -1 if @s is not entirely a number or out of range.
 */
static inline int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* splitmix64: tiny, seedable, good enough for test traffic. */
static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t rng_next(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ull;
	return mix64(*state);
}

/* xorshift64*: fast, seedable, plenty for flood traffic. */
static inline uint32_t xorshift_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Network byte order in and out of packet buffers. */
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The Internet checksum: add 16-bit words (a last odd byte padded)... */
static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* ...then fold the carries and complement. */
static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * TCP checksum of the @len bytes at @tcp (its checksum field summed as it
 * stands: zero it first) over the pseudo header of @src -> @dst, addresses
 * of @alen bytes: 4 for IPv4, 16 for IPv6. The length is one 16-bit word
 * in IPv4's pseudo header and a 32-bit one in IPv6's: the same sum for
 * any segment below 64 KiB. 6 is IPPROTO_TCP.
 */
static inline uint16_t tcp_csum(const uint8_t *src, const uint8_t *dst,
				size_t alen, const uint8_t *tcp, size_t len)
{
	uint32_t sum = 6 + (uint32_t)len;

	sum = csum_add(sum, src, alen);
	sum = csum_add(sum, dst, alen);
	return csum_fold(csum_add(sum, tcp, len));
}

/* Set the header checksum of the IPv4 header at @ip, options included. */
static inline void ip4_set_csum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0xf) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, csum_fold(csum_add(0, ip, hl)));
}

/*
 * The first 20 bytes of a TCP header. Checksum and urgent pointer are
 * left zero; @doff is written as given, lies included.
 */
static inline void put_tcp_hdr(uint8_t *t, uint16_t sport, uint16_t dport,
			       uint32_t seq, uint32_t ack, unsigned int doff,
			       uint8_t flags, uint16_t win)
{
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)(doff << 4);
	t[13] = flags;
	put16(t + 14, win);
	put32(t + 16, 0);
}

#endif /* SYNGATE_PROGS_COMMON_H */
