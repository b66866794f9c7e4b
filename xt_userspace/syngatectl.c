// SPDX-License-Identifier: GPL-2.0
/*
 * syngatectl - the cookie keys of SYNGATE gateways (syngatectl(8)).
 *
 *   syngatectl genkey                 a random key on standard output
 *   syngatectl key set FILE           FILE's key is the current one
 *   syngatectl key rotate FILE        ... and the old current one previous
 *   syngatectl key clear              back to a random per-namespace secret
 *   syngatectl key show               fingerprints and times, never a key
 *   syngatectl key fingerprint FILE   a key file's fingerprint
 *   syngatectl xdp ...                the XDP front end (syngatectl_xdp.c)
 *
 * It acts on the network namespace it runs in, through the module's
 * /proc/net/syngate_key (SYNGATE_KEY_PROC overrides the path, for tests).
 * A key file holds 32 hex digits and at most one newline, and must not be
 * readable by group or others. Nothing is written to the kernel unless
 * the key is good. The XDP program's key map, when the namespace has one,
 * follows every key the module is given.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "syngatectl.h"

#define DEF_PROC	"/proc/net/syngate_key"
/* "syngate1" read as a little-endian u64: kmod/keycmd.c */
#define FP_MSG		0x31657461676e7973ULL

const char *proc_path(void)
{
	const char *p = getenv("SYNGATE_KEY_PROC");

	return p && *p ? p : DEF_PROC;
}

void usage(const char *msg)
{
	FILE *out = msg ? stderr : stdout;

	if (msg)
		fprintf(stderr, "syngatectl: %s\n", msg);
	fprintf(out,
		"usage: syngatectl genkey\n"
		"       syngatectl key set FILE | rotate FILE | clear | show\n"
		"       syngatectl key fingerprint FILE\n"
		"       syngatectl xdp attach DEV [--generic] [--key FILE]\n"
		"       syngatectl xdp detach DEV\n"
		"       syngatectl xdp status\n"
		"       syngatectl xdp scope add [-4|-6] [-d ADDR] --dport PORT\n"
		"                  [--mss N] [--wscale N] [--sack-perm]\n"
		"                  [--timestamp] [--ecn]\n"
		"       syngatectl xdp scope del [-4|-6] [-d ADDR] --dport PORT\n"
		"       syngatectl xdp scope list\n"
		"       syngatectl --version | --help\n"
		"FILE: 32 hex digits (genkey's output), mode 0600; - is stdin.\n");
	exit(msg ? EXIT_USAGE : EXIT_OK);
}

void usagef(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	usage(msg);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "syngatectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* ---- SipHash-2-4, for fingerprints (as the kernel's siphash_1u64) ---- */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 of one 8-byte word @m under the 16-byte @key. */
static uint64_t siphash_u64(uint64_t m, const uint8_t key[KEY_BYTES])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
	};
	uint64_t b = (uint64_t)8 << 56;
	int i;

	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- key files ---------------------------------------------------------- */

/* A key file's text: exactly 32 hex digits and at most one newline. */
static int parse_key(const char *text, size_t len, const char *name,
		     char hex[KEY_HEX + 1])
{
	size_t i, n = len;

	if (n && text[n - 1] == '\n')
		n--;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)text[i])) {
			return fail("%s: not hex at offset %zu", name, i);
		}
	}
	if (n != KEY_HEX) {
		return fail("%s: too %s: %zu hex digits, need 32", name,
			    n < KEY_HEX ? "short" : "long", n);
	}
	for (i = 0; i < KEY_HEX; i++)
		hex[i] = (char)tolower((unsigned char)text[i]);
	hex[KEY_HEX] = '\0';
	return EXIT_OK;
}

/* Refuse a key file that group or others may read or write. */
static int check_mode(int fd, const char *name)
{
	struct stat st;
	char mode[16];

	if (fstat(fd, &st) < 0)
		return fail("%s: %s", name, strerror(errno));
	if (!(st.st_mode & 077))
		return EXIT_OK;
	snprintf(mode, sizeof(mode), "%04o", (unsigned int)(st.st_mode & 07777));
	fprintf(stderr, "syngatectl: key file %s is accessible by group/others "
		"(mode %s); chmod 600 %s\n", name, mode, name);
	return EXIT_FAIL;
}

int read_key(const char *name, char hex[KEY_HEX + 1])
{
	char buf[KEY_HEX + 8];
	bool in = !strcmp(name, "-");
	int fd, err;
	ssize_t n;

	fd = in ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("%s: %s", name, strerror(errno));
	err = in ? EXIT_OK : check_mode(fd, name);
	if (err) {
		close(fd);
		return err;
	}
	/* one byte more than the longest good key shows a long one */
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		err = fail("%s: %s", name, strerror(errno));
	} else if (n == 0) {
		err = fail("%s: empty: need 32 hex digits", name);
	} else {
		err = parse_key(buf, (size_t)n, name, hex);
	}
	explicit_bzero(buf, sizeof(buf));
	if (!in)
		close(fd);
	return err;
}

/* 32 hex digits (checked already) as the key's 16 bytes, byte 0 first. */
void key_raw(const char hex[KEY_HEX + 1], uint8_t raw[KEY_BYTES])
{
	int i;

	for (i = 0; i < KEY_BYTES; i++) {
		char b[3] = { hex[2 * i], hex[2 * i + 1], '\0' };

		raw[i] = (uint8_t)strtoul(b, NULL, 16);
	}
}

void key_hex(const uint8_t raw[KEY_BYTES], char hex[KEY_HEX + 1])
{
	int i;

	for (i = 0; i < KEY_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
}

uint64_t fingerprint_raw(const uint8_t raw[KEY_BYTES])
{
	return siphash_u64(FP_MSG, raw);
}

static uint64_t fingerprint(const char hex[KEY_HEX + 1])
{
	uint8_t key[KEY_BYTES];
	uint64_t fp;

	key_raw(hex, key);
	fp = fingerprint_raw(key);
	explicit_bzero(key, sizeof(key));
	return fp;
}

/* ---- the kernel's key file ---------------------------------------------- */

int proc_error(int err)
{
	const char *p = proc_path();

	switch (err) {
	case ENOENT:
		return fail("the xt_SYNGATE module is not loaded (no %s)", p);
	case EPERM:
	case EACCES:
		return fail("%s: permission denied: needs CAP_NET_ADMIN in this "
			    "network namespace", p);
	case EINVAL:
		return fail("%s: the kernel refused the key", p);
	default:
		return fail("%s: %s", p, strerror(err));
	}
}

static int proc_write(const char *cmd)
{
	size_t len = strlen(cmd);
	ssize_t n;
	int fd, err = 0;

	fd = open(proc_path(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return proc_error(errno);
	n = write(fd, cmd, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	if (close(fd) < 0 && !err)
		err = errno;
	return err ? proc_error(err) : EXIT_OK;
}

/* The kernel's two lines, "current ..." and "previous ...": -errno. */
static int proc_slurp(char *buf, size_t cap)
{
	ssize_t n;
	int fd, err;

	fd = open(proc_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return err;
}

static int proc_read(char *buf, size_t cap)
{
	int err = proc_slurp(buf, cap);

	return err ? proc_error(-err) : EXIT_OK;
}

/* Write "VERB HEX" (set or rotate) to the module. */
int module_key(const char *verb, const char hex[KEY_HEX + 1])
{
	char cmd[KEY_HEX + 16];
	int err;

	snprintf(cmd, sizeof(cmd), "%s %s\n", verb, hex);
	err = proc_write(cmd);
	explicit_bzero(cmd, sizeof(cmd));
	return err;
}

/* Whether the module holds the key of fingerprint @fp, and how. */
enum module_role module_role(uint64_t fp)
{
	char buf[512], which[16], *line, *save = NULL;
	unsigned long long shown;

	/* quietly: the caller says what an unreadable file means to it */
	if (proc_slurp(buf, sizeof(buf)) || strncmp(buf, "current ", 8))
		return MODULE_UNKNOWN;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%15s fingerprint=%llx", which, &shown) != 2 ||
		    shown != fp)
			continue;
		return strcmp(which, "current") ? MODULE_PREVIOUS :
						  MODULE_CURRENT;
	}
	return MODULE_NEITHER;
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_genkey(void)
{
	uint8_t key[KEY_BYTES];
	struct stat st;
	int i;

	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 077)) {
		if (st.st_uid != geteuid() ||
		    fchmod(STDOUT_FILENO, st.st_mode & 0700) < 0)
			return fail("standard output is a file that group/others "
				    "may read, and its mode cannot be changed");
	}
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return fail("getrandom: %s", strerror(errno));
	for (i = 0; i < KEY_BYTES; i++)
		printf("%02x", key[i]);
	printf("\n");
	explicit_bzero(key, sizeof(key));
	return fflush(stdout) ? fail("standard output: %s", strerror(errno)) :
				EXIT_OK;
}

/*
 * The module first: if it refuses the key, nothing changes. Then the XDP
 * program's key map, before the check below, since the module has taken
 * the key once the write succeeded.
 */
static int set_both(const char *verb, const char hex[KEY_HEX + 1])
{
	uint8_t raw[KEY_BYTES];
	struct xdp_maps m;
	int err;

	err = xdp_key_open(&m);
	if (err)
		return err;
	err = module_key(verb, hex);
	if (!err) {
		key_raw(hex, raw);
		err = xdp_key_follow(&m, raw);
		explicit_bzero(raw, sizeof(raw));
	}
	xdp_maps_close(&m);
	return err;
}

static int cmd_set(const char *verb, const char *file)
{
	char hex[KEY_HEX + 1], shown[512], want[32];
	uint64_t fp;
	int err;

	err = read_key(file, hex);
	if (err)
		return err;
	fp = fingerprint(hex);
	err = set_both(verb, hex);
	explicit_bzero(hex, sizeof(hex));
	if (err)
		return err;
	/* the kernel must now show that key as the current one */
	snprintf(want, sizeof(want), "fingerprint=%016" PRIx64, fp);
	err = proc_read(shown, sizeof(shown));
	if (err)
		return err;
	if (strncmp(shown, "current ", 8) || strncmp(shown + 8, want,
						     strlen(want)))
		return fail("the kernel does not show the key written: %s",
			    shown);
	printf("key %s: fingerprint %016" PRIx64 "\n", verb, fp);
	return EXIT_OK;
}

static int cmd_fingerprint(const char *file)
{
	char hex[KEY_HEX + 1];
	int err;

	err = read_key(file, hex);
	if (err)
		return err;
	printf("%016" PRIx64 "\n", fingerprint(hex));
	explicit_bzero(hex, sizeof(hex));
	return EXIT_OK;
}

/* One kernel line ("current fingerprint=F set_at=T" etc.) for people. */
static void show_line(const char *line)
{
	char which[16], what[32];
	long long at = 0;
	time_t t;
	struct tm tm;
	char when[32];

	if (sscanf(line, "%15s fingerprint=%31s set_at=%lld", which, what,
		   &at) == 3) {
		t = (time_t)at;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("%s: fingerprint %s, set %s (%lld s ago)\n", which, what,
		       when, (long long)time(NULL) - at);
	} else if (sscanf(line, "%15s %31s", which, what) == 2 &&
		   !strcmp(what, "random")) {
		printf("%s: random per-namespace secret (no key set)\n", which);
	} else if (sscanf(line, "%15s %31s", which, what) == 2 &&
		   !strcmp(what, "none")) {
		printf("%s: none\n", which);
	} else {
		printf("%s\n", line);
	}
}

static int cmd_show(void)
{
	char buf[512], *line, *save = NULL;
	int err;

	err = proc_read(buf, sizeof(buf));
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		show_line(line);
	return EXIT_OK;
}

/* Back to the module's random secret; the XDP program gets no key. */
static int cmd_clear(void)
{
	struct xdp_maps m;
	int err;

	err = xdp_key_open(&m);
	if (err)
		return err;
	err = proc_write("clear\n");
	if (!err)
		err = xdp_key_follow(&m, NULL);
	xdp_maps_close(&m);
	return err;
}

static int cmd_key(int argc, char **argv)
{
	const char *sub = argc > 2 ? argv[2] : NULL;
	bool file = sub && (!strcmp(sub, "set") || !strcmp(sub, "rotate") ||
			    !strcmp(sub, "fingerprint"));

	if (!sub)
		usage("key: missing command");
	if (argc != (file ? 4 : 3))
		usage(file ? "key: one FILE needed" : "key: unexpected argument");
	if (!strcmp(sub, "set") || !strcmp(sub, "rotate"))
		return cmd_set(sub, argv[3]);
	if (!strcmp(sub, "fingerprint"))
		return cmd_fingerprint(argv[3]);
	if (!strcmp(sub, "clear"))
		return cmd_clear();
	if (!strcmp(sub, "show"))
		return cmd_show();
	usage("key: unknown command");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	xdp_libbpf_quiet();
	if (argc < 2)
		usage("missing command");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		usage(NULL);
	if (!strcmp(argv[1], "--version")) {
		printf("syngatectl %s\n", SYNGATE_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "genkey")) {
		if (argc != 2)
			usage("genkey: unexpected argument");
		return cmd_genkey();
	}
	if (!strcmp(argv[1], "key"))
		return cmd_key(argc, argv);
	if (!strcmp(argv[1], "xdp"))
		return cmd_xdp(argc, argv);
	usage("unknown command");
	return EXIT_USAGE;
}
