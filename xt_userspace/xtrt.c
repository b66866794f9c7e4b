// SPDX-License-Identifier: GPL-2.0
/*
 * xtrt: host-side test helper for libxt_SYNGATE.so.
 *
 * Without a kernel that knows SYNGATE, iptables cannot store a rule, so
 * iptables-save can never show one.  This helper drives the plugin the way
 * iptables does (libxtables loads it, the option table is merged into
 * getopt_long, x6_parse and x6_fcheck run) and then calls its save and
 * print hooks on the result:
 *
 *	xtrt [-6] [target options...]
 *
 * prints the save form on the first line and the print form on the second.
 * Parse errors exit with status 2 like iptables.  Not installed.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xtables.h>

static struct option base_opts[] = {
	{.name = "ipv6", .has_arg = no_argument, .val = '6'},
	XT_GETOPT_TABLEEND,
};

static void __attribute__((noreturn, format(printf, 2, 3)))
xtrt_exit_err(enum xtables_exittype status, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	fputs("xtrt: ", stderr);
	vfprintf(stderr, msg, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* Host kernels do not know SYNGATE; accept every revision. */
static int xtrt_compat_rev(const char *name, uint8_t rev, int opt)
{
	(void)name;
	(void)rev;
	(void)opt;
	return 1;
}

static struct xtables_globals xtrt_globals = {
	.option_offset	= 0,
	.program_name	= "xtrt",
	.program_version = "0",
	.orig_opts	= base_opts,
	.exit_err	= xtrt_exit_err,
	.compat_rev	= xtrt_compat_rev,
};

static struct xtables_target *load_target(uint8_t family)
{
	struct xtables_target *t;
	size_t size;

	xtables_init_all(&xtrt_globals, family);
	t = xtables_find_target("SYNGATE", XTF_LOAD_MUST_SUCCEED);
	size = XT_ALIGN(sizeof(struct xt_entry_target)) + t->size;
	t->t = xtables_calloc(1, size);
	t->t->u.target_size = size;
	strcpy(t->t->u.user.name, t->name);
	t->t->u.user.revision = t->revision;
	if (t->init)
		t->init(t->t);
	return t;
}

int main(int argc, char **argv)
{
	uint8_t family = NFPROTO_IPV4;
	struct xtables_target *t;
	struct option *opts;
	int c;

	if (argc > 1 && strcmp(argv[1], "-6") == 0) {
		family = NFPROTO_IPV6;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	t = load_target(family);
	opts = xtables_options_xfrm(xtrt_globals.orig_opts, NULL,
				    t->x6_options, &t->option_offset);
	if (opts == NULL)
		xtrt_exit_err(RESOURCE_PROBLEM, "cannot merge options");
	xtrt_globals.opts = opts;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			xtrt_exit_err(PARAMETER_PROBLEM, "unknown option \"%s\"",
				      argv[optind - 1]);
		xtables_option_tpcall(c, argv, false, t, NULL);
	}
	if (optind < argc)
		xtrt_exit_err(PARAMETER_PROBLEM, "stray argument \"%s\"",
			      argv[optind]);
	xtables_option_tfcall(t);

	t->save(NULL, t->t);
	putchar('\n');
	t->print(NULL, t->t, 0);
	putchar('\n');
	return 0;
}
