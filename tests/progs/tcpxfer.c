// SPDX-License-Identifier: GPL-2.0
/*
 * tcpxfer - move N bytes each way over one TCP connection, verify every
 * byte, and report the options the kernel negotiated (TCP_INFO).
 *
 * Used by the syngate end-to-end tests: a connection that went through a
 * SYN-cookie proxy must carry data exactly like a direct one (no shifted,
 * duplicated or reordered bytes, which is what a wrong seq/ack translation
 * produces), and must have negotiated the options the proxy advertised.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define DEF_BYTES		1048576ull
#define DEF_SRV_TIMEOUT_MS	20000
#define DEF_CLI_TIMEOUT_MS	10000
#define CHUNK			65536
#define ECHO_HEX_MAX		64

enum { DIR_C2S = 0, DIR_S2C = 1 };

struct opts {
	bool server;
	bool v6;
	const char *addr;	/* -l or -c */
	const char *bind_addr;	/* -B */
	uint16_t port;
	uint16_t sport;		/* -s, 0 = ephemeral */
	uint64_t bytes;
	uint64_t count;		/* 0 = forever (server) / single (client) */
	bool count_given;
	int timeout_ms;
	bool echo;		/* -e */
	bool abort;		/* -R */
	bool expect_reset;	/* -r */
	bool download;		/* -D: only the server sends */
	int maxseg;		/* -M: server's TCP_MAXSEG, 0 = route's */
};

/* State of one bidirectional transfer on a nonblocking socket. */
struct xfer {
	int fd;
	uint64_t n_tx;		/* bytes we send */
	uint64_t n_rx;		/* bytes the peer sends */
	int tx_dir;
	int rx_dir;
	uint64_t tx;
	uint64_t rx;
	bool shut;
	bool eof;
	const char *stage;	/* where it failed: transfer or close */
	char reason[160];
};

static volatile sig_atomic_t stop_requested;

static void on_sigterm(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "tcpxfer: %s\n", msg);
	fprintf(stderr,
		"usage:\n"
		"  tcpxfer server [-6] -l ADDR -p PORT [-n BYTES] [-k COUNT] [-T TIMEOUT_MS] [-e] [-D]\n"
		"                 [-R] [-M MSS]\n"
		"  tcpxfer client [-6] -c ADDR -p PORT [-n BYTES] [-k COUNT] [-s SRCPORT]\n"
		"                 [-T TIMEOUT_MS] [-B SRCADDR] [-r] [-D]\n"
		"Each side sends BYTES (default %llu) of a position-dependent pattern,\n"
		"then shutdown(SHUT_WR), and verifies the BYTES it receives plus EOF.\n"
		"-D (download, both sides): only the server sends its BYTES.\n"
		"server: -k COUNT connections then exit (default: until SIGTERM);\n"
		"        -T per-connection inactivity timeout (default %d ms);\n"
		"        -e echo mode: read until EOF, print it, reply \"ok\\n\";\n"
		"        -R reset each connection at once (SO_LINGER 0 close);\n"
		"        -M MSS announced in the SYN-ACK (TCP_MAXSEG).\n"
		"client: -k COUNT sequential connections, summary of connect latency;\n"
		"        -T connect and inactivity timeout (default %d ms);\n"
		"        -r expect the connection to be refused or reset.\n"
		"exit: 0 ok, 1 test failure, 2 usage error\n",
		DEF_BYTES, DEF_SRV_TIMEOUT_MS, DEF_CLI_TIMEOUT_MS);
	exit(EXIT_USAGE);
}

/*
 * Byte at stream offset @off in direction @dir.  Every aligned 4-byte word
 * gets its own hash of (word index, direction), so a byte that is shifted,
 * duplicated, dropped or taken from the other direction almost surely
 * mismatches; xoring in the offset makes neighbouring words differ even if
 * the hash collided.
 */
static void pattern_fill(uint8_t *buf, size_t len, uint64_t off, int dir)
{
	uint64_t word = UINT64_MAX, h = 0;
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if ((off >> 2) != word) {
			word = off >> 2;
			h = mix64((word << 1) | (uint64_t)dir);
		}
		buf[i] = (uint8_t)(h >> (8 * (off & 3))) ^ (uint8_t)off;
	}
}

/* ---- address helpers ---------------------------------------------------- */

static int make_sockaddr(bool v6, const char *addr, uint16_t port,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		const char *scope = strchr(addr, '%');
		char host[INET6_ADDRSTRLEN];

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		/* ADDR%IFNAME: a link-local address and its interface */
		if (scope) {
			if ((size_t)(scope - addr) >= sizeof(host))
				return -1;
			memcpy(host, addr, scope - addr);
			host[scope - addr] = '\0';
			addr = host;
			s6->sin6_scope_id = if_nametoindex(scope + 1);
			if (!s6->sin6_scope_id)
				return -1;
		}
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -1;
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -1;
		*len = sizeof(*s4);
	}
	return 0;
}

/* "ADDR:PORT" without brackets, as the test scripts expect. */
static void format_peer(const struct sockaddr_storage *ss, char *out,
			size_t outlen)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	}
	snprintf(out, outlen, "%s:%u", a, port);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* ---- TCP_INFO ----------------------------------------------------------- */

static void print_tcpinfo(int fd, const char *tag, const char *side)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int sw = -1, rw = -1;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
		printf("%s: side=%s error=%s\n", tag, side, strerror(errno));
		return;
	}
	if (ti.tcpi_options & TCPI_OPT_WSCALE) {
		sw = ti.tcpi_snd_wscale;
		rw = ti.tcpi_rcv_wscale;
	}
	printf("%s: side=%s snd_wscale=%d rcv_wscale=%d sack=%d ts=%d ecn=%d "
	       "snd_mss=%u rcv_mss=%u advmss=%u pmtu=%u rtt_us=%u retrans=%u "
	       "total_retrans=%u state=%u rto_us=%u backoff=%u unacked=%u "
	       "lost=%u cwnd=%u\n",
	       tag, side, sw, rw,
	       !!(ti.tcpi_options & TCPI_OPT_SACK),
	       !!(ti.tcpi_options & TCPI_OPT_TIMESTAMPS),
	       !!(ti.tcpi_options & TCPI_OPT_ECN),
	       ti.tcpi_snd_mss, ti.tcpi_rcv_mss, ti.tcpi_advmss, ti.tcpi_pmtu,
	       ti.tcpi_rtt, ti.tcpi_retrans, ti.tcpi_total_retrans,
	       ti.tcpi_state, ti.tcpi_rto, ti.tcpi_backoff, ti.tcpi_unacked,
	       ti.tcpi_lost, ti.tcpi_snd_cwnd);
}

/* ---- the transfer ------------------------------------------------------- */

static void xfer_fail(struct xfer *x, const char *stage, const char *fmt,
		      const char *arg)
{
	x->stage = stage;
	snprintf(x->reason, sizeof(x->reason), fmt, arg);
}

/* Which stage a socket error belongs to: close once all data moved. */
static const char *xfer_stage(const struct xfer *x)
{
	return (x->rx < x->n_rx || x->tx < x->n_tx) ? "transfer" : "close";
}

static int xfer_send(struct xfer *x)
{
	static uint8_t buf[CHUNK];
	size_t len = CHUNK;
	ssize_t r;

	if (x->n_tx - x->tx < len)
		len = (size_t)(x->n_tx - x->tx);
	pattern_fill(buf, len, x->tx, x->tx_dir);
	r = send(x->fd, buf, len, MSG_NOSIGNAL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		xfer_fail(x, xfer_stage(x), "%s", strerror(errno));
		return -1;
	}
	x->tx += (uint64_t)r;
	return 0;
}

static int xfer_check(struct xfer *x, const uint8_t *buf, size_t len)
{
	static uint8_t want[CHUNK];
	char msg[96];
	size_t i;

	if (len > x->n_rx - x->rx) {
		snprintf(msg, sizeof(msg), "excess@%llu (peer sent more)",
			 (unsigned long long)x->n_rx);
		xfer_fail(x, "transfer", "%s", msg);
		return -1;
	}
	pattern_fill(want, len, x->rx, x->rx_dir);
	if (memcmp(buf, want, len) == 0)
		return 0;
	for (i = 0; buf[i] == want[i]; i++)
		;
	snprintf(msg, sizeof(msg), "mismatch@%llu (got 0x%02x want 0x%02x)",
		 (unsigned long long)(x->rx + i), buf[i], want[i]);
	xfer_fail(x, "transfer", "%s", msg);
	return -1;
}

static int xfer_recv(struct xfer *x)
{
	static uint8_t buf[CHUNK];
	char msg[64];
	ssize_t r;

	r = recv(x->fd, buf, sizeof(buf), 0);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		xfer_fail(x, xfer_stage(x), "%s", strerror(errno));
		return -1;
	}
	if (r == 0) {
		x->eof = true;
		if (x->rx == x->n_rx)
			return 0;
		snprintf(msg, sizeof(msg), "eof after %llu of %llu bytes",
			 (unsigned long long)x->rx, (unsigned long long)x->n_rx);
		xfer_fail(x, "transfer", "%s", msg);
		return -1;
	}
	if (xfer_check(x, buf, (size_t)r) < 0)
		return -1;
	x->rx += (uint64_t)r;
	return 0;
}

static void xfer_shut(struct xfer *x)
{
	if (x->tx == x->n_tx && !x->shut) {
		shutdown(x->fd, SHUT_WR);
		x->shut = true;
	}
}

/*
 * Send and receive concurrently until both directions are done: all our
 * bytes sent and SHUT_WR, all the peer's bytes verified and EOF seen.
 * @timeout_ms bounds the time without any progress, not the whole transfer.
 */
static int xfer_run(struct xfer *x, int timeout_ms)
{
	struct pollfd pfd = { .fd = x->fd };
	int r;

	xfer_shut(x);
	while (!(x->shut && x->eof)) {
		pfd.events = (x->shut ? 0 : POLLOUT) | (x->eof ? 0 : POLLIN);
		pfd.revents = 0;
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR && !stop_requested)
			continue;
		if (r < 0) {
			xfer_fail(x, xfer_stage(x), "%s",
				  stop_requested ? "stopped by signal" :
				  strerror(errno));
			return -1;
		}
		if (r == 0) {
			xfer_fail(x, xfer_stage(x), "timeout (%s)",
				  x->rx < x->n_rx || x->tx < x->n_tx ?
				  "no progress" : "no eof");
			return -1;
		}
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) && !x->eof &&
		    xfer_recv(x) < 0)
			return -1;
		if ((pfd.revents & POLLOUT) && !x->shut) {
			if (xfer_send(x) < 0)
				return -1;
			xfer_shut(x);
		}
		if ((pfd.revents & POLLERR) && x->shut && !x->eof)
			continue;	/* recv above reports the error */
	}
	return 0;
}

/* ---- server ------------------------------------------------------------- */

static int server_listen(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (make_sockaddr(o->v6, o->addr, o->port, &ss, &len) < 0)
		usage("bad listen address");
	fd = socket(o->v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("tcpxfer: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (o->maxseg && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &o->maxseg,
				    sizeof(o->maxseg)) < 0) {
		perror("tcpxfer: TCP_MAXSEG");
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		perror("tcpxfer: bind/listen");
		close(fd);
		return -1;
	}
	return fd;
}

/* Print up to ECHO_HEX_MAX bytes as hex. */
static void hex_into(char *out, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < ECHO_HEX_MAX; i++)
		sprintf(out + 2 * i, "%02x", buf[i]);
	out[2 * i] = '\0';
}

/* -e: collect everything until EOF, show it, answer "ok\n". */
static int server_echo(int fd, const char *peer, int timeout_ms)
{
	uint8_t head[ECHO_HEX_MAX], buf[4096];
	char hex[2 * ECHO_HEX_MAX + 1];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t total = 0;
	const char *err = NULL;
	ssize_t r;

	for (;;) {
		r = poll(&pfd, 1, timeout_ms);
		if (r <= 0) {
			err = r == 0 ? "timeout waiting for eof" :
			      strerror(errno);
			break;
		}
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			err = r < 0 ? strerror(errno) : NULL;
			break;
		}
		if (total < ECHO_HEX_MAX)
			memcpy(head + total, buf,
			       (size_t)r < ECHO_HEX_MAX - total ?
			       (size_t)r : ECHO_HEX_MAX - total);
		total += (uint64_t)r;
	}
	hex_into(hex, head, total < ECHO_HEX_MAX ? total : ECHO_HEX_MAX);
	printf("server: data len=%llu hex=%s\n", (unsigned long long)total,
	       hex);
	if (err) {
		printf("server: FAIL peer=%s reason=%s\n", peer, err);
		return -1;
	}
	if (send(fd, "ok\n", 3, MSG_NOSIGNAL) != 3) {
		printf("server: FAIL peer=%s reason=%s\n", peer,
		       strerror(errno));
		return -1;
	}
	shutdown(fd, SHUT_WR);
	printf("server: ok peer=%s rx=%llu tx=3\n", peer,
	       (unsigned long long)total);
	return 0;
}

static int server_one(const struct opts *o, int fd, const char *peer)
{
	struct xfer x = {
		.fd = fd, .n_tx = o->bytes, .n_rx = o->download ? 0 : o->bytes,
		.tx_dir = DIR_S2C, .rx_dir = DIR_C2S,
	};
	int ret;

	print_tcpinfo(fd, "tcpinfo", "server");
	if (o->echo) {
		ret = server_echo(fd, peer, o->timeout_ms);
	} else {
		ret = xfer_run(&x, o->timeout_ms);
		if (ret == 0)
			printf("server: ok peer=%s rx=%llu tx=%llu\n", peer,
			       (unsigned long long)x.rx,
			       (unsigned long long)x.tx);
		else
			printf("server: FAIL peer=%s reason=%s (stage=%s rx=%llu tx=%llu)\n",
			       peer, x.reason, x.stage,
			       (unsigned long long)x.rx,
			       (unsigned long long)x.tx);
	}
	print_tcpinfo(fd, "tcpinfo-end", "server");
	return ret;
}

/* -R: an abortive close, which sends a RST, as soon as the peer is in. */
static int server_abort(int fd, const char *peer)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		printf("server: FAIL peer=%s reason=%s\n", peer,
		       strerror(errno));
		return -1;
	}
	printf("server: reset peer=%s\n", peer);
	return 0;
}

static int run_server(const struct opts *o)
{
	struct sockaddr_storage peer;
	socklen_t plen;
	uint64_t done = 0, fails = 0;
	char pstr[INET6_ADDRSTRLEN + 8];
	int lfd, fd;

	lfd = server_listen(o);
	if (lfd < 0)
		return EXIT_TESTFAIL;
	printf("server: listening %s port %u\n", o->addr, o->port);
	while (!stop_requested && (!o->count || done < o->count)) {
		plen = sizeof(peer);
		fd = accept(lfd, (struct sockaddr *)&peer, &plen);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("tcpxfer: accept");
			fails++;
			break;
		}
		format_peer(&peer, pstr, sizeof(pstr));
		if (o->abort) {
			if (server_abort(fd, pstr) < 0)
				fails++;
		} else if (set_nonblock(fd) < 0 || server_one(o, fd, pstr) < 0) {
			fails++;
		}
		close(fd);
		done++;
	}
	close(lfd);
	if (o->count && done < o->count)
		fails++;
	return fails ? EXIT_TESTFAIL : EXIT_OK;
}

/* ---- client ------------------------------------------------------------- */

struct conn_result {
	bool ok;
	bool refused;
	uint64_t connect_us;
	uint64_t total_us;
	const char *stage;
	char reason[160];
};

static int client_socket(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	fd = socket(o->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -1;
	if (!o->bind_addr && !o->sport)
		return fd;
	/* The 4-tuple reuse test binds the same port again after a close. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (make_sockaddr(o->v6, o->bind_addr ? o->bind_addr :
			  (o->v6 ? "::" : "0.0.0.0"), o->sport, &ss, &len) < 0)
		usage("bad source address");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Nonblocking connect bounded by @timeout_ms; returns 0 or an errno. */
static int client_connect(int fd, const struct sockaddr_storage *ss,
			  socklen_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	socklen_t elen = sizeof(int);
	int err = 0, r;

	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	for (;;) {
		uint64_t now = mono_ms();

		if (now >= deadline)
			return ETIMEDOUT;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r > 0)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return errno;
	return err;
}

/* -r: after a successful connect, the first read must be a reset. */
static int wait_reset(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;
	int r;

	r = poll(&pfd, 1, timeout_ms);
	if (r <= 0)
		return r < 0 ? errno : ETIMEDOUT;
	r = (int)recv(fd, &c, 1, 0);
	if (r < 0)
		return errno;
	return r == 0 ? EPIPE : 0;	/* EOF or data: not a reset */
}

static void client_one(const struct opts *o, bool verbose,
		       struct conn_result *res)
{
	struct sockaddr_storage ss;
	struct xfer x = {
		.n_tx = o->download ? 0 : o->bytes, .n_rx = o->bytes,
		.tx_dir = DIR_C2S, .rx_dir = DIR_S2C,
	};
	socklen_t len;
	uint64_t t0;
	int fd, err;

	memset(res, 0, sizeof(*res));
	res->stage = "connect";
	if (make_sockaddr(o->v6, o->addr, o->port, &ss, &len) < 0)
		usage("bad server address");
	fd = client_socket(o);
	if (fd < 0) {
		snprintf(res->reason, sizeof(res->reason), "%s",
			 strerror(errno));
		return;
	}
	t0 = mono_us();
	err = client_connect(fd, &ss, len, o->timeout_ms);
	res->connect_us = mono_us() - t0;
	if (!err && o->expect_reset) {
		res->stage = "await-reset";	/* connected: wait for the RST */
		err = wait_reset(fd, o->timeout_ms);
	}
	if (o->expect_reset) {
		res->refused = err == ECONNREFUSED || err == ECONNRESET;
		snprintf(res->reason, sizeof(res->reason), "%s%s",
			 res->refused ? "" : "no reset: ",
			 !err ? "data arrived" :
			 err == EPIPE ? "end of stream" : strerror(err));
		close(fd);
		return;
	}
	if (err) {
		snprintf(res->reason, sizeof(res->reason), "%s",
			 strerror(err));
		close(fd);
		return;
	}
	if (verbose)
		print_tcpinfo(fd, "tcpinfo", "client");
	x.fd = fd;
	res->ok = xfer_run(&x, o->timeout_ms) == 0;
	if (!res->ok) {
		res->stage = x.stage;
		snprintf(res->reason, sizeof(res->reason), "%s", x.reason);
	}
	if (verbose)
		print_tcpinfo(fd, "tcpinfo-end", "client");
	if (close(fd) < 0 && res->ok) {
		res->ok = false;
		res->stage = "close";
		snprintf(res->reason, sizeof(res->reason), "%s",
			 strerror(errno));
	}
	res->total_us = mono_us() - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *v, uint64_t n, unsigned int p)
{
	uint64_t rank;

	if (!n)
		return 0;
	rank = (n * p + 99) / 100;
	return v[rank ? rank - 1 : 0];
}

static int run_client_many(const struct opts *o)
{
	uint64_t i, ok = 0, fail = 0, *lat;
	struct conn_result res;

	lat = calloc(o->count, sizeof(*lat));
	if (!lat) {
		perror("tcpxfer: calloc");
		return EXIT_TESTFAIL;
	}
	for (i = 0; i < o->count && !stop_requested; i++) {
		client_one(o, false, &res);
		if (res.ok) {
			lat[ok++] = res.connect_us;
			continue;
		}
		fail++;
		printf("client: FAIL conn=%llu stage=%s reason=%s\n",
		       (unsigned long long)i, res.stage, res.reason);
	}
	fail += o->count - i;	/* interrupted: the rest did not happen */
	qsort(lat, ok, sizeof(*lat), cmp_u64);
	printf("client: summary ok=%llu fail=%llu p50_us=%llu p99_us=%llu max_us=%llu\n",
	       (unsigned long long)ok, (unsigned long long)fail,
	       (unsigned long long)pct(lat, ok, 50),
	       (unsigned long long)pct(lat, ok, 99),
	       (unsigned long long)(ok ? lat[ok - 1] : 0));
	free(lat);
	return fail ? EXIT_TESTFAIL : EXIT_OK;
}

static int run_client(const struct opts *o)
{
	struct conn_result res;

	if (o->count_given && !o->expect_reset)
		return run_client_many(o);
	client_one(o, true, &res);
	if (o->expect_reset) {
		if (res.refused) {
			printf("client: refused reason=%s\n", res.reason);
			return EXIT_OK;
		}
		printf("client: FAIL stage=%s reason=%s connect_us=%llu\n",
		       res.stage, res.reason,
		       (unsigned long long)res.connect_us);
		return EXIT_TESTFAIL;
	}
	if (!res.ok) {
		printf("client: FAIL stage=%s reason=%s\n", res.stage,
		       res.reason);
		return EXIT_TESTFAIL;
	}
	printf("client: ok connect_us=%llu total_us=%llu rx=%llu tx=%llu\n",
	       (unsigned long long)res.connect_us,
	       (unsigned long long)res.total_us,
	       (unsigned long long)o->bytes,
	       (unsigned long long)(o->download ? 0 : o->bytes));
	return EXIT_OK;
}

/* ---- command line ------------------------------------------------------- */

static uint64_t num_arg(const char *s, uint64_t min, uint64_t max,
			const char *what)
{
	uint64_t v;

	if (parse_u64(s, max, &v) < 0 || v < min) {
		fprintf(stderr, "tcpxfer: bad %s '%s'\n", what, s);
		usage(NULL);
	}
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *accepted;
	int c;

	if (argc < 2)
		usage("missing mode");
	if (!strcmp(argv[1], "server"))
		o->server = true;
	else if (strcmp(argv[1], "client"))
		usage("mode must be server or client");
	accepted = o->server ? "6l:p:n:k:T:eDRM:" : "6c:p:n:k:s:T:B:rD";
	o->bytes = DEF_BYTES;
	o->timeout_ms = o->server ? DEF_SRV_TIMEOUT_MS : DEF_CLI_TIMEOUT_MS;
	optind = 2;
	while ((c = getopt(argc, argv, accepted)) != -1) {
		switch (c) {
		case '6':
			o->v6 = true;
			break;
		case 'l':
		case 'c':
			o->addr = optarg;
			break;
		case 'B':
			o->bind_addr = optarg;
			break;
		case 'p':
			o->port = (uint16_t)num_arg(optarg, 1, 65535, "port");
			break;
		case 's':
			o->sport = (uint16_t)num_arg(optarg, 1, 65535, "source port");
			break;
		case 'n':
			o->bytes = num_arg(optarg, 0, UINT64_MAX / 2, "byte count");
			break;
		case 'k':
			o->count = num_arg(optarg, 1, 100000000, "count");
			o->count_given = true;
			break;
		case 'T':
			o->timeout_ms = (int)num_arg(optarg, 1, 3600000, "timeout");
			break;
		case 'e':
			o->echo = true;
			break;
		case 'r':
			o->expect_reset = true;
			break;
		case 'R':
			o->abort = true;
			break;
		case 'D':
			o->download = true;
			break;
		case 'M':
			o->maxseg = (int)num_arg(optarg, 88, 65535, "MSS");
			break;
		default:
			usage(NULL);
		}
	}
	if (optind != argc)
		usage("unexpected argument");
	if (!o->addr || !o->port)
		usage(o->server ? "-l ADDR and -p PORT are required" :
		      "-c ADDR and -p PORT are required");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigterm };
	struct opts o = { 0 };

	parse_args(argc, argv, &o);
	/* Line-buffered: the scripts read our output while we still run. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: a blocking accept() must return on SIGTERM. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return o.server ? run_server(&o) : run_client(&o);
}
