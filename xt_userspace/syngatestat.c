// SPDX-License-Identifier: GPL-2.0
/*
 * syngatestat: counters and proxied connections of the SYNGATE target.
 *
 *	syngatestat [-f FILE] [-i SECONDS [-c COUNT]]
 *	syngatestat -l
 *	syngatestat -C
 *
 * The stats file has the layout of /proc/net/stat/synproxy: a line of
 * field names, then one line per CPU of hex values.  The names are taken
 * from the file, never assumed.  When the namespace runs SYNGATE's XDP
 * program (syngatectl xdp), its counters follow, named xdp_<counter>.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "xdp_maps.h"

#define DEFAULT_STATS	"/proc/net/stat/syngate"
#define DEFAULT_BACKENDS "/proc/net/syngate_backends"
#define MAX_BACKENDS	1024	/* rows; the kernel lists at most 256 */
#define BACKEND_COLS	7
#define MAX_FIELDS	64
#define HEADER_EVERY	20

struct stats {
	int n;
	char *name[MAX_FIELDS];
	unsigned long long val[MAX_FIELDS];
	bool gauge[MAX_FIELDS];
};

static const char *prog = "syngatestat";

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) usage(FILE *f, int status)
{
	fprintf(f,
"usage: %s [-f FILE] [-i SECONDS [-c COUNT]]\n"
"       %s -l\n"
"       %s -C\n"
"       %s -b [-f FILE]\n"
"  (none)      print the counters of " DEFAULT_STATS ",\n"
"              summed over CPUs, as 'name value' lines\n"
"  -f FILE     read FILE instead (same format, e.g. /proc/net/stat/synproxy)\n"
"  -i SECONDS  print per-second rates every SECONDS, one column per counter\n"
"  -c COUNT    with -i: stop after COUNT rows (default: run until killed)\n"
"  -l          list the connections SYNGATE proxied (conntrack dump)\n"
"  -C          print the number of conntrack entries\n"
"  -b          list what --learn rules learned of each backend\n"
"              (" DEFAULT_BACKENDS ")\n",
		prog, prog, prog, prog);
	exit(status);
}

static void stats_free(struct stats *st)
{
	int i;

	for (i = 0; i < st->n; i++)
		free(st->name[i]);
	st->n = 0;
}

static void parse_header(struct stats *st, char *line, const char *path)
{
	char *save, *tok;

	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (st->n == MAX_FIELDS)
			die("%s: more than %d fields", path, MAX_FIELDS);
		st->name[st->n] = strdup(tok);
		if (!st->name[st->n])
			die("out of memory");
		/* By /proc/net/stat convention a global gauge, not per CPU. */
		st->gauge[st->n] = strcmp(tok, "entries") == 0;
		st->val[st->n] = 0;
		st->n++;
	}
	if (st->n == 0)
		die("%s: empty header line", path);
}

static void parse_row(struct stats *st, char *line, const char *path,
		      int lineno)
{
	char *save, *tok, *end;
	unsigned long long v;
	int i = 0;

	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save), i++) {
		if (i == st->n)
			die("%s:%d: more values than fields", path, lineno);
		errno = 0;
		v = strtoull(tok, &end, 16);
		if (errno || *end || tok[0] == '-')
			die("%s:%d: bad hex value '%s'", path, lineno, tok);
		if (!st->gauge[i])
			st->val[i] += v;
		else if (lineno == 2)
			st->val[i] = v;
	}
	if (i != st->n)
		die("%s:%d: %d values for %d fields", path, lineno, i, st->n);
}

/* The XDP program's counters, summed over CPUs, after the module's. */
static void add_xdp(struct stats *st, const char *path)
{
	__u64 sum[SYNGATE_XDP_STATS];
	struct xdp_maps m;
	char name[64];
	int i, err;

	if (xdp_maps_open(&m))
		return;
	err = xdp_stats_sum(m.fd[XDP_MAP_STATS], sum);
	xdp_maps_close(&m);
	if (err)
		die("the XDP counters: %s", strerror(-err));
	for (i = 0; i < SYNGATE_XDP_STATS; i++) {
		if (st->n == MAX_FIELDS)
			die("%s: more than %d fields with the XDP counters",
			    path, MAX_FIELDS);
		snprintf(name, sizeof(name), "xdp_%s", xdp_stat_names[i]);
		st->name[st->n] = strdup(name);
		if (!st->name[st->n])
			die("out of memory");
		st->gauge[st->n] = false;
		st->val[st->n++] = sum[i];
	}
}

static void read_stats(const char *path, struct stats *st)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && strcmp(path, DEFAULT_STATS) == 0)
			die("%s: %s: syngate module not loaded or no SYNGATE "
			    "rule in this namespace", path, strerror(errno));
		die("%s: %s", path, strerror(errno));
	}
	stats_free(st);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (lineno == 1)
			parse_header(st, line, path);
		else if (line[strspn(line, " \t\n")] != '\0')
			parse_row(st, line, path, lineno);
	}
	free(line);
	fclose(f);
	if (lineno < 2)
		die("%s: no per-CPU rows", path);
	add_xdp(st, path);
}

static void print_totals(const struct stats *st)
{
	int i;

	for (i = 0; i < st->n; i++)
		printf("%s %llu\n", st->name[i], st->val[i]);
}

static int col_width(const char *name)
{
	int w = strlen(name);

	return w < 10 ? 10 : w;
}

static void print_rate_header(const struct stats *st)
{
	int i;

	for (i = 0; i < st->n; i++)
		printf("%s%*s", i ? " " : "", col_width(st->name[i]),
		       st->name[i]);
	putchar('\n');
}

static void print_rate_row(const struct stats *old, const struct stats *cur,
			   double secs)
{
	unsigned long long d;
	int i;

	for (i = 0; i < cur->n; i++) {
		if (cur->gauge[i])
			d = cur->val[i];
		else if (cur->val[i] >= old->val[i])
			d = (cur->val[i] - old->val[i]) / secs + 0.5;
		else	/* counters reset (module reloaded) */
			d = cur->val[i] / secs + 0.5;
		printf("%s%*llu", i ? " " : "", col_width(cur->name[i]), d);
	}
	putchar('\n');
	fflush(stdout);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_for(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool same_fields(const struct stats *a, const struct stats *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->name[i], b->name[i]) != 0)
			return false;
	return true;
}

static void show_rates(const char *path, double interval, long count)
{
	struct stats st[2] = { { .n = 0 }, { .n = 0 } };
	double t0, t1;
	long row;
	int cur = 0;

	read_stats(path, &st[cur]);
	t0 = now();
	for (row = 0; count == 0 || row < count; row++) {
		if (row % HEADER_EVERY == 0)
			print_rate_header(&st[cur]);
		sleep_for(interval);
		read_stats(path, &st[!cur]);
		t1 = now();
		if (!same_fields(&st[cur], &st[!cur]))
			die("%s: field names changed", path);
		print_rate_row(&st[cur], &st[!cur], t1 - t0);
		cur = !cur;
		t0 = t1;
	}
	stats_free(&st[0]);
	stats_free(&st[1]);
}

/* conntrack side */

struct dump_ctx {
	bool list;
	unsigned long count;
	unsigned long proxied;
};

static const char *const tcp_states[] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};

static bool has_attr(const struct nf_conntrack *ct, enum nf_conntrack_attr a)
{
	return nfct_attr_is_set(ct, a) > 0;
}

static bool is_proxied(const struct nf_conntrack *ct)
{
	if (nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_TCP)
		return false;
	return has_attr(ct, ATTR_REPL_NAT_SEQ_OFFSET_AFTER) ||
	       has_attr(ct, ATTR_ORIG_NAT_SEQ_OFFSET_AFTER) ||
	       has_attr(ct, ATTR_SYNPROXY_ISN);
}

static void print_addrs(const struct nf_conntrack *ct)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (nfct_get_attr_u8(ct, ATTR_L3PROTO) == AF_INET6) {
		inet_ntop(AF_INET6, nfct_get_attr(ct, ATTR_ORIG_IPV6_SRC),
			  src, sizeof(src));
		inet_ntop(AF_INET6, nfct_get_attr(ct, ATTR_ORIG_IPV6_DST),
			  dst, sizeof(dst));
	} else {
		inet_ntop(AF_INET, nfct_get_attr(ct, ATTR_ORIG_IPV4_SRC),
			  src, sizeof(src));
		inet_ntop(AF_INET, nfct_get_attr(ct, ATTR_ORIG_IPV4_DST),
			  dst, sizeof(dst));
	}
	printf("tcp src=%s dst=%s sport=%u dport=%u", src, dst,
	       ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC)),
	       ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST)));
}

static void print_u32(const struct nf_conntrack *ct, const char *key,
		      enum nf_conntrack_attr a)
{
	if (has_attr(ct, a))
		printf(" %s=%u", key, nfct_get_attr_u32(ct, a));
	else
		printf(" %s=-", key);
}

/*
 * The kernel's seqadj sets offset_before = offset_after = the shift when a
 * connection is proxied (correction_pos 0), so the reply direction's
 * offset_after is the server-to-client sequence shift.
 */
static void print_proxied(const struct nf_conntrack *ct)
{
	uint8_t state = nfct_get_attr_u8(ct, ATTR_TCP_STATE);

	print_addrs(ct);
	if (state < sizeof(tcp_states) / sizeof(tcp_states[0]))
		printf(" state=%s", tcp_states[state]);
	else
		printf(" state=%u", state);
	if (has_attr(ct, ATTR_REPL_NAT_SEQ_OFFSET_AFTER))
		printf(" seq_off=%d", (int32_t)nfct_get_attr_u32(ct,
				ATTR_REPL_NAT_SEQ_OFFSET_AFTER));
	else
		printf(" seq_off=-");
	print_u32(ct, "isn", ATTR_SYNPROXY_ISN);
	print_u32(ct, "its", ATTR_SYNPROXY_ITS);
	print_u32(ct, "tsoff", ATTR_SYNPROXY_TSOFF);
	putchar('\n');
}

static int dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		   void *data)
{
	struct dump_ctx *ctx = data;

	(void)type;
	ctx->count++;
	if (ctx->list && is_proxied(ct)) {
		ctx->proxied++;
		print_proxied(ct);
	}
	return NFCT_CB_CONTINUE;
}

static void dump_conntrack(struct dump_ctx *ctx)
{
	uint32_t family = AF_UNSPEC;
	struct nfct_handle *h;

	h = nfct_open(CONNTRACK, 0);
	if (!h)
		die("cannot open conntrack netlink socket: %s "
		    "(nf_conntrack_netlink missing?)", strerror(errno));
	nfct_callback_register(h, NFCT_T_ALL, dump_cb, ctx);
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0)
		die("conntrack dump failed: %s", strerror(errno));
	nfct_close(h);
}

static double parse_interval(const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || *end || end == arg || !(v > 0) || v > 86400)
		die("-i: bad interval '%s' (seconds, > 0)", arg);
	return v;
}

static long parse_count(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 1)
		die("-c: bad count '%s' (integer >= 1)", arg);
	return v;
}

struct backends {
	int n;
	char cell[MAX_BACKENDS][BACKEND_COLS][48];
};

/*
 * The kernel's listing: a header line, then one line per backend of
 * whitespace-separated fields, "-" for an option the server was never
 * asked about. Printed as aligned columns, the age with its unit.
 */
static void list_backends(const char *path)
{
	static struct backends b;
	int width[BACKEND_COLS] = { 0 };
	char line[512];
	int r, c;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) && b.n < MAX_BACKENDS) {
		char (*row)[48] = b.cell[b.n];

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%47s %47s %47s %47s %47s %47s %47s", row[0],
			   row[1], row[2], row[3], row[4], row[5],
			   row[6]) != BACKEND_COLS)
			die("%s: unexpected line: %s", path, line);
		if (b.n)
			strcat(row[6], "s");
		b.n++;
	}
	fclose(f);
	if (!b.n)
		die("%s: empty", path);
	for (r = 0; r < b.n; r++)
		for (c = 0; c < BACKEND_COLS; c++)
			if ((int)strlen(b.cell[r][c]) > width[c])
				width[c] = strlen(b.cell[r][c]);
	for (r = 0; r < b.n; r++)
		for (c = 0; c < BACKEND_COLS; c++)
			printf("%-*s%s", c == BACKEND_COLS - 1 ? 0 : width[c],
			       b.cell[r][c], c == BACKEND_COLS - 1 ? "\n" : "  ");
	printf("learned: %d\n", b.n - 1);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct dump_ctx ctx = { 0 };
	struct stats st = { .n = 0 };
	double interval = 0;
	char mode = 's';
	long count = 0;
	int c;

	while ((c = getopt(argc, argv, "f:i:c:lCbh")) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 'i':
			interval = parse_interval(optarg);
			break;
		case 'c':
			count = parse_count(optarg);
			break;
		case 'l':
		case 'C':
		case 'b':
			mode = c;
			break;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 1);
		}
	}
	if (optind < argc)
		usage(stderr, 1);

	if (mode == 'b') {
		if (interval || count)
			usage(stderr, 1);
		list_backends(path ? path : DEFAULT_BACKENDS);
		return 0;
	}
	if (!path)
		path = DEFAULT_STATS;
	if (mode == 'l' || mode == 'C') {
		ctx.list = mode == 'l';
		dump_conntrack(&ctx);
		if (ctx.list)
			printf("proxied: %lu\n", ctx.proxied);
		else
			printf("%lu\n", ctx.count);
		return 0;
	}
	if (count && !interval)
		die("-c needs -i");
	if (interval) {
		show_rates(path, interval, count);
		return 0;
	}
	read_stats(path, &st);
	print_totals(&st);
	stats_free(&st);
	return 0;
}
