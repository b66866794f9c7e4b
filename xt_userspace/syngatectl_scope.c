// SPDX-License-Identifier: GPL-2.0
/*
 * syngatectl xdp scope: which SYNs the XDP program answers and with which
 * options, the map syngate_scope, and its index by port, syngate_ports
 * (include/syngate_xdp.h).
 *
 *   xdp scope add [-4|-6] [-d ADDR] --dport PORT [SYNGATE options]
 *   xdp scope del [-4|-6] [-d ADDR] --dport PORT
 *   xdp scope list
 *
 * The options, their bounds and their printed order are the SYNGATE
 * target's (libxt_SYNGATE.c), so that an entry reads like the rule whose
 * SYNs it answers. No -4/-6 and no address: both families.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <linux/netfilter.h>
#include <bpf/bpf.h>

#include "syngatectl.h"

enum {
	A_V4, A_V6, A_DEST, A_DPORT,			/* the entry's name */
	A_MSS, A_WSCALE, A_SACK_PERM, A_TIMESTAMP, A_ECN, A_LEARN,
	A_NUM
};

static const struct {
	const char *name;
	bool value;	/* takes one */
	bool add_only;	/* an option of the entry, not part of its name */
} scope_opts[A_NUM] = {
	[A_V4] = { "-4", false, false },
	[A_V6] = { "-6", false, false },
	[A_DEST] = { "-d", true, false },
	[A_DPORT] = { "--dport", true, false },
	[A_MSS] = { "--mss", true, true },
	[A_WSCALE] = { "--wscale", true, true },
	[A_SACK_PERM] = { "--sack-perm", false, true },
	[A_TIMESTAMP] = { "--timestamp", false, true },
	[A_ECN] = { "--ecn", false, true },
	[A_LEARN] = { "--learn", false, true },
};

struct scope_args {
	const char *verb;		/* "add" or "del" */
	unsigned int seen;		/* 1 << A_*: each option once */
	int family;			/* NFPROTO_IPV4/6; 0: both */
	const char *addr;		/* -d; NULL: any */
	__be32 raw[4];			/* -d's address */
	__u16 port;
	struct xt_syngate_info info;
};

struct scope_entry {
	struct syngate_xdp_scope key;
	struct xt_syngate_info info;
};

static unsigned long scope_number(const struct scope_args *a, int opt,
				  const char *val, unsigned long min,
				  unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (!isdigit((unsigned char)val[0]) || *end || errno || v < min ||
	    v > max)
		usagef("xdp scope %s: %s %s: need a number from %lu to %lu",
		       a->verb, scope_opts[opt].name, val, min, max);
	return v;
}

static void scope_set(struct scope_args *a, int opt, const char *val)
{
	switch (opt) {
	case A_V4:
		a->family = NFPROTO_IPV4;
		break;
	case A_V6:
		a->family = NFPROTO_IPV6;
		break;
	case A_DEST:
		a->addr = val;
		break;
	case A_DPORT:
		a->port = scope_number(a, opt, val, 1, 65535);
		break;
	case A_MSS:
		a->info.mss = scope_number(a, opt, val, XT_SYNGATE_MSS_MIN,
					   XT_SYNGATE_MSS_MAX);
		a->info.options |= XT_SYNGATE_OPT_MSS;
		break;
	case A_WSCALE:
		a->info.wscale = scope_number(a, opt, val, 0,
					      XT_SYNGATE_WSCALE_MAX);
		a->info.options |= XT_SYNGATE_OPT_WSCALE;
		break;
	case A_SACK_PERM:
		a->info.options |= XT_SYNGATE_OPT_SACK_PERM;
		break;
	case A_TIMESTAMP:
		a->info.options |= XT_SYNGATE_OPT_TIMESTAMP;
		break;
	case A_ECN:
		a->info.options |= XT_SYNGATE_OPT_ECN;
		break;
	}
}

static int scope_opt(const char *arg)
{
	int i;

	for (i = 0; i < A_NUM; i++)
		if (!strcmp(arg, scope_opts[i].name))
			return i;
	return -1;
}

/* An address names its family; -4 or -6 must agree with it. */
static void scope_addr(struct scope_args *a)
{
	int family;

	if (!a->addr)
		return;
	if (inet_pton(AF_INET, a->addr, a->raw) == 1)
		family = NFPROTO_IPV4;
	else if (inet_pton(AF_INET6, a->addr, a->raw) == 1)
		family = NFPROTO_IPV6;
	else
		usagef("xdp scope %s: -d %s: not an IPv4 or IPv6 address",
		       a->verb, a->addr);
	if (a->family && a->family != family)
		usagef("xdp scope %s: %s with the IPv%c address %s", a->verb,
		       a->family == NFPROTO_IPV4 ? "-4" : "-6",
		       family == NFPROTO_IPV4 ? '4' : '6', a->addr);
	a->family = family;
}

static void scope_args(int argc, char **argv, struct scope_args *a)
{
	int i, opt;

	for (i = 4; i < argc; i++) {
		opt = scope_opt(argv[i]);
		if (opt < 0)
			usagef("xdp scope %s: unknown argument '%s'", a->verb,
			       argv[i]);
		if (opt == A_LEARN)
			usage("xdp scope: --learn is not supported at XDP: the "
			      "program cannot bound its answer by what a server "
			      "showed; leave those SYNs to the SYNGATE rule");
		if (scope_opts[opt].add_only && strcmp(a->verb, "add"))
			usagef("xdp scope del: %s is for add: an entry is named "
			       "by family, address and port", argv[i]);
		if (a->seen & 1u << opt)
			usagef("xdp scope %s: %s given twice", a->verb, argv[i]);
		a->seen |= 1u << opt;
		if (scope_opts[opt].value && ++i == argc)
			usagef("xdp scope %s: %s needs a value", a->verb,
			       argv[i - 1]);
		scope_set(a, opt, scope_opts[opt].value ? argv[i] : NULL);
	}
	if ((a->seen & 1u << A_V4) && (a->seen & 1u << A_V6))
		usagef("xdp scope %s: -4 and -6 together: give neither for both "
		       "families", a->verb);
	if (!(a->seen & 1u << A_DPORT))
		usagef("xdp scope %s: --dport PORT is needed", a->verb);
	scope_addr(a);
}

/* The entries named: one family's, or both's (any address). */
static int scope_keys(const struct scope_args *a,
		      struct syngate_xdp_scope key[2])
{
	int n = a->family ? 1 : 2, i;

	memset(key, 0, 2 * sizeof(*key));
	for (i = 0; i < n; i++) {
		key[i].family = a->family ? a->family :
				i ? NFPROTO_IPV6 : NFPROTO_IPV4;
		key[i].port = htons(a->port);
		memcpy(key[i].addr, a->raw, sizeof(key[i].addr));
	}
	return n;
}

static bool scope_any(const struct syngate_xdp_scope *k)
{
	static const __be32 any[4];

	return !memcmp(k->addr, any, sizeof(any));
}

/* "ipv4 any port 80 --sack-perm --timestamp --wscale 7 --mss 1460" */
static void scope_line(const char *what, const struct syngate_xdp_scope *k,
		       const struct xt_syngate_info *info)
{
	char addr[INET6_ADDRSTRLEN];
	bool v4 = k->family == NFPROTO_IPV4;

	if (scope_any(k))
		snprintf(addr, sizeof(addr), "any");
	else
		inet_ntop(v4 ? AF_INET : AF_INET6, k->addr, addr, sizeof(addr));
	printf("%s: ipv%c %s port %u", what, v4 ? '4' : '6', addr,
	       ntohs(k->port));
	if (info->options & XT_SYNGATE_OPT_SACK_PERM)
		printf(" --sack-perm");
	if (info->options & XT_SYNGATE_OPT_TIMESTAMP)
		printf(" --timestamp");
	if (info->options & XT_SYNGATE_OPT_WSCALE)
		printf(" --wscale %u", info->wscale);
	if (info->options & XT_SYNGATE_OPT_MSS)
		printf(" --mss %u", info->mss);
	if (info->options & XT_SYNGATE_OPT_ECN)
		printf(" --ecn");
	putchar('\n');
}

/*
 * Two syngatectl changing one port's entries at once would each rewrite its
 * slot from the hash as they saw it: the one that saw less could write
 * last. Changes take this lock, as iptables takes /run/xtables.lock.
 * Return: its fd, or -1 (said).
 */
#define SCOPE_LOCK	"/run/syngatectl.lock"

static int scope_lock(void)
{
	int fd = open(SCOPE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		fail("%s: %s", SCOPE_LOCK, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		fail("%s: %s", SCOPE_LOCK, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The entries of syngate_scope into @e (SYNGATE_XDP_SCOPE_MAX); how many. */
static int scope_read(int fd, struct scope_entry *e)
{
	struct syngate_xdp_scope cur, next;
	int n = 0;

	/* an entry deleted meanwhile restarts the walk: n bounds it */
	while (n < SYNGATE_XDP_SCOPE_MAX &&
	       !bpf_map_get_next_key(fd, n ? &cur : NULL, &next)) {
		cur = next;
		if (!bpf_map_lookup_elem(fd, &cur, &e[n].info))
			e[n++].key = cur;
	}
	return n;
}

/*
 * The slot of @k's family and port in syngate_ports, rewritten from what
 * syngate_scope holds for them now: the any-address entry's options, and
 * how many entries name an address.
 */
static int scope_index(const struct xdp_maps *m,
		       const struct syngate_xdp_scope *k)
{
	__u32 idx = syngate_xdp_port_slot(k->family, k->port);
	struct scope_entry e[SYNGATE_XDP_SCOPE_MAX];
	struct syngate_xdp_port slot = { 0 };
	int n = scope_read(m->fd[XDP_MAP_SCOPE], e), i;

	for (i = 0; i < n; i++) {
		if (e[i].key.family != k->family || e[i].key.port != k->port)
			continue;
		if (!scope_any(&e[i].key)) {
			slot.addrs++;
			continue;
		}
		slot.any = e[i].info;
		slot.has_any = 1;
	}
	if (bpf_map_update_elem(m->fd[XDP_MAP_PORTS], &idx, &slot, BPF_ANY))
		return fail("the ports map: %s", strerror(errno));
	return EXIT_OK;
}

/* Both families or neither: a full map puts back what the first had. */
static int scope_add(const struct xdp_maps *m, const struct scope_args *a)
{
	struct syngate_xdp_scope key[2];
	struct xt_syngate_info old[2];
	int n = scope_keys(a, key), i, err = 0, fd = m->fd[XDP_MAP_SCOPE];
	bool had[2];

	for (i = 0; i < n; i++) {
		had[i] = !bpf_map_lookup_elem(fd, &key[i], &old[i]);
		if (bpf_map_update_elem(fd, &key[i], &a->info, BPF_ANY)) {
			err = errno;
			break;
		}
	}
	if (err && i == 1) {
		/* the first family's went in: take it back */
		if (had[0])
			bpf_map_update_elem(fd, &key[0], &old[0], BPF_ANY);
		else
			bpf_map_delete_elem(fd, &key[0]);
	}
	for (i = 0; i < n; i++)
		if (scope_index(m, &key[i]))
			return EXIT_FAIL;
	if (err) {
		if (err == E2BIG)
			return fail("the scope map is full (%d entries): "
				    "nothing added", SYNGATE_XDP_SCOPE_MAX);
		return fail("the scope map: %s", strerror(err));
	}
	for (i = 0; i < n; i++)
		scope_line(had[i] ? "scope replaced" : "scope added", &key[i],
			   &a->info);
	return EXIT_OK;
}

static int scope_del(const struct xdp_maps *m, const struct scope_args *a)
{
	struct syngate_xdp_scope key[2];
	int n = scope_keys(a, key), i, done = 0, fd = m->fd[XDP_MAP_SCOPE];
	struct xt_syngate_info info;

	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &key[i], &info))
			continue;
		if (bpf_map_delete_elem(fd, &key[i]) && errno != ENOENT)
			return fail("the scope map: %s", strerror(errno));
		if (scope_index(m, &key[i]))
			return EXIT_FAIL;
		scope_line("scope deleted", &key[i], &info);
		done++;
	}
	if (!done)
		return fail("no scope entry for %s%s port %u",
			    a->family == NFPROTO_IPV4 ? "ipv4 " :
			    a->family == NFPROTO_IPV6 ? "ipv6 " : "",
			    a->addr ? a->addr : "any address", a->port);
	return EXIT_OK;
}

static int scope_cmp(const void *x, const void *y)
{
	const struct syngate_xdp_scope *a = x, *b = y;

	if (a->family != b->family)
		return a->family - b->family;
	if (a->port != b->port)
		return ntohs(a->port) - ntohs(b->port);
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Every entry, sorted by family, port and address: one line each. */
int scope_print(int fd)
{
	struct scope_entry e[SYNGATE_XDP_SCOPE_MAX];
	int n = scope_read(fd, e), i;

	qsort(e, n, sizeof(*e), scope_cmp);
	for (i = 0; i < n; i++)
		scope_line("scope", &e[i].key, &e[i].info);
	if (!n)
		printf("scope: none: the program answers no SYN\n");
	return EXIT_OK;
}

int cmd_scope(int argc, char **argv)
{
	struct scope_args a = { .verb = argc > 3 ? argv[3] : NULL };
	struct xdp_maps m;
	int err, lock = -1;

	if (!a.verb)
		usage("xdp scope: missing command (add, del or list)");
	if (!strcmp(a.verb, "list") && argc > 4)
		usage("xdp scope list: unexpected argument");
	else if (strcmp(a.verb, "list") && strcmp(a.verb, "add") &&
		 strcmp(a.verb, "del"))
		usagef("xdp scope: unknown command '%s'", a.verb);
	else if (strcmp(a.verb, "list"))
		scope_args(argc, argv, &a);
	if ((a.info.options & XT_SYNGATE_OPT_ECN) &&
	    !(a.info.options & XT_SYNGATE_OPT_TIMESTAMP))
		fprintf(stderr, "syngatectl: warning: --ecn has no effect "
			"without --timestamp (carried in the timestamp "
			"cookie)\n");
	if (strcmp(a.verb, "list")) {
		lock = scope_lock();
		if (lock < 0)
			return EXIT_FAIL;
	}
	err = xdp_maps_open(&m);
	if (err) {
		err = xdp_maps_error(err);
	} else {
		if (!strcmp(a.verb, "add"))
			err = scope_add(&m, &a);
		else if (!strcmp(a.verb, "del"))
			err = scope_del(&m, &a);
		else
			err = scope_print(m.fd[XDP_MAP_SCOPE]);
		xdp_maps_close(&m);
	}
	if (lock >= 0)
		close(lock);
	return err;
}
