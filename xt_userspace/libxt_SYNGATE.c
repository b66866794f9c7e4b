// SPDX-License-Identifier: GPL-2.0
/*
 * libxt_SYNGATE: iptables/ip6tables plugin for the SYNGATE target.
 *
 * SYNGATE answers untracked SYNs with SYN-cookie SYN-ACKs and replays the
 * handshake to the server once the client's ACK proves the cookie.  The
 * options are those of the in-kernel SYNPROXY target, so a SYNPROXY
 * ruleset converts by renaming the target.
 */
#include <stdio.h>
#include <string.h>
#include <xtables.h>
#include "xt_SYNGATE.h"

/* From the top-level VERSION file (xt_userspace/Makefile passes it). */
#ifndef SYNGATE_VERSION
#error "SYNGATE_VERSION is not defined: build with xt_userspace/Makefile"
#endif

/*
 * Options that only reach the server through the timestamp cookie. Window
 * scale and SACK-permitted ride in the SYN cookie itself when there are no
 * timestamps (kmod/cookie.h); ECN has no room there.
 */
#define SYNGATE_TS_CARRIED	XT_SYNGATE_OPT_ECN

enum {
	O_SACK_PERM = 0,
	O_TIMESTAMP,
	O_WSCALE,
	O_MSS,
	O_ECN,
	O_LEARN,
	O_ZONE,
};

/*
 * One table for both revisions: revision 1 begins with revision 0's
 * fields, so the offsets are the same, and its --zone comes first so
 * that revision 0's table is the rest.
 */
#define s struct xt_syngate_info_v1
static const struct xt_option_entry syngate_opts_v1[] = {
	{.name = "zone", .id = O_ZONE, .type = XTTYPE_UINT16,
	 .flags = XTOPT_PUT, XTOPT_POINTER(s, zone)},
	{.name = "sack-perm", .id = O_SACK_PERM, .type = XTTYPE_NONE},
	{.name = "timestamp", .id = O_TIMESTAMP, .type = XTTYPE_NONE},
	{.name = "wscale", .id = O_WSCALE, .type = XTTYPE_UINT8,
	 .min = 0, .max = XT_SYNGATE_WSCALE_MAX,
	 .flags = XTOPT_PUT, XTOPT_POINTER(s, wscale)},
	{.name = "mss", .id = O_MSS, .type = XTTYPE_UINT16,
	 .min = XT_SYNGATE_MSS_MIN, .max = XT_SYNGATE_MSS_MAX,
	 .flags = XTOPT_PUT, XTOPT_POINTER(s, mss)},
	{.name = "ecn", .id = O_ECN, .type = XTTYPE_NONE},
	{.name = "learn", .id = O_LEARN, .type = XTTYPE_NONE},
	XTOPT_TABLEEND,
};
#undef s

static void syngate_help(void)
{
	printf(
"SYNGATE target options (syngate " SYNGATE_VERSION "):\n"
"  --mss value      MSS announced to clients, %u-%u;\n"
"                   must match the server's\n"
"  --wscale value   window scale announced to clients, 0-%u;\n"
"                   SYNGATE re-expresses the server's windows in it\n"
"  --sack-perm      pass the client's SACK-permitted option to the server\n"
"  --timestamp      pass the client's timestamps to the server; carries\n"
"                   the client's options in the timestamp cookie\n"
"  --ecn            pass the client's ECN setup to the server\n"
"                   (needs --timestamp)\n"
"  --learn          offer each client no more than its server's last\n"
"                   SYN-ACK showed: the options above become upper\n"
"                   bounds (SYNGATE only; see syngatestat -b)\n",
	       XT_SYNGATE_MSS_MIN, XT_SYNGATE_MSS_MAX, XT_SYNGATE_WSCALE_MAX);
}

static void syngate_help_v1(void)
{
	syngate_help();
	printf(
"  --zone id        conntrack zone of the connections the rule opens,\n"
"                   0-65535 (0, the default zone, when not given); the\n"
"                   zone a raw-table CT --zone rule gives their segments\n");
}

static void syngate_parse(struct xt_option_call *cb)
{
	struct xt_syngate_info *info = cb->data;

	/* Range checks, duplicate checks and storing (XTOPT_PUT). */
	xtables_option_parse(cb);

	/* --zone is stored by XTOPT_PUT; the rest are bits */
	switch (cb->entry->id) {
	case O_SACK_PERM:
		info->options |= XT_SYNGATE_OPT_SACK_PERM;
		break;
	case O_TIMESTAMP:
		info->options |= XT_SYNGATE_OPT_TIMESTAMP;
		break;
	case O_WSCALE:
		info->options |= XT_SYNGATE_OPT_WSCALE;
		break;
	case O_MSS:
		info->options |= XT_SYNGATE_OPT_MSS;
		break;
	case O_ECN:
		info->options |= XT_SYNGATE_OPT_ECN;
		break;
	case O_LEARN:
		info->options |= XT_SYNGATE_OPT_LEARN;
		break;
	}
}

/*
 * The in-kernel SYNPROXY accepts --sack-perm, --wscale and --ecn without
 * --timestamp and then never uses them.  SYNGATE carries --sack-perm and
 * --wscale in the cookie without timestamps; --ecn it cannot: we accept
 * the rule (so that SYNPROXY rulesets convert unchanged) but say so.
 */
static void syngate_check(struct xt_fcheck_call *cb)
{
	const struct xt_syngate_info *info = cb->data;

	/* --learn only lowers what the rule offers: it needs something */
	if ((info->options & XT_SYNGATE_OPT_LEARN) &&
	    !(info->options & XT_SYNGATE_OPT_LEARNABLE))
		xtables_error(PARAMETER_PROBLEM, "SYNGATE: --learn needs at "
			      "least one of --mss, --wscale, --sack-perm, "
			      "--timestamp: it bounds what they offer by what "
			      "the server shows");
	if (info->options & XT_SYNGATE_OPT_TIMESTAMP ||
	    !(info->options & SYNGATE_TS_CARRIED))
		return;
	fprintf(stderr, "SYNGATE: warning: --ecn has no effect without "
		"--timestamp (carried in the timestamp cookie)\n");
}

/*
 * Canonical order, shared by print and save (xlate follows nft's own):
 * sack-perm, timestamp, wscale, mss, ecn (the SYNPROXY plugin's order),
 * then learn, which SYNPROXY has not.
 * @pfx is "" for print and "--" for save.
 */
static void syngate_dump(const struct xt_syngate_info *info, const char *pfx)
{
	if (info->options & XT_SYNGATE_OPT_SACK_PERM)
		printf(" %ssack-perm", pfx);
	if (info->options & XT_SYNGATE_OPT_TIMESTAMP)
		printf(" %stimestamp", pfx);
	if (info->options & XT_SYNGATE_OPT_WSCALE)
		printf(" %swscale %u", pfx, info->wscale);
	if (info->options & XT_SYNGATE_OPT_MSS)
		printf(" %smss %u", pfx, info->mss);
	if (info->options & XT_SYNGATE_OPT_ECN)
		printf(" %secn", pfx);
	if (info->options & XT_SYNGATE_OPT_LEARN)
		printf(" %slearn", pfx);
}

static void syngate_print(const void *ip, const struct xt_entry_target *target,
			  int numeric)
{
	(void)ip;
	(void)numeric;
	printf(" SYNGATE");
	syngate_dump((const void *)target->data, "");
}

static void syngate_save(const void *ip, const struct xt_entry_target *target)
{
	(void)ip;
	syngate_dump((const void *)target->data, "--");
}

/* Revision 1 begins with revision 0's fields; --zone comes last. */
static void syngate_dump_v1(const struct xt_syngate_info_v1 *info,
			    const char *pfx)
{
	syngate_dump((const void *)info, pfx);
	if (info->zone)
		printf(" %szone %u", pfx, info->zone);
}

static void syngate_print_v1(const void *ip,
			     const struct xt_entry_target *target, int numeric)
{
	(void)ip;
	(void)numeric;
	printf(" SYNGATE");
	syngate_dump_v1((const void *)target->data, "");
}

static void syngate_save_v1(const void *ip,
			    const struct xt_entry_target *target)
{
	(void)ip;
	syngate_dump_v1((const void *)target->data, "--");
}

/*
 * nft has no SYNGATE. Its synproxy statement is the in-kernel SYNPROXY,
 * another implementation with other cookies and without what SYNGATE
 * adds, so writing it would swap the defence silently. Refuse: iptables
 * then keeps the rule as a comment in its output ("nft # -A ..."), which
 * is its mark for a rule it cannot translate, and the message says what
 * to do instead. iptables-nft runs SYNGATE rules as they are.
 */
static int syngate_xlate(struct xt_xlate *xl,
			 const struct xt_xlate_tg_params *params)
{
	(void)xl;
	(void)params;
	fprintf(stderr, "SYNGATE: not translated: nft has no SYNGATE, and its "
		"synproxy statement is the in-kernel SYNPROXY; keep the rule "
		"in iptables-nft syntax\n");
	return 0;
}

/*
 * Both revisions: libxtables uses the newest the kernel knows, so a
 * kernel module without --zone (revision 0 only) refuses the option
 * with "unknown option" instead of ignoring it.
 */
static struct xtables_target syngate_tg_reg[] = {
	{
		.family		= NFPROTO_UNSPEC,
		.name		= "SYNGATE",
		.version	= XTABLES_VERSION,
		.revision	= 0,
		.size		= XT_ALIGN(sizeof(struct xt_syngate_info)),
		.userspacesize	= XT_ALIGN(sizeof(struct xt_syngate_info)),
		.help		= syngate_help,
		.print		= syngate_print,
		.save		= syngate_save,
		.x6_parse	= syngate_parse,
		.x6_fcheck	= syngate_check,
		.x6_options	= syngate_opts_v1 + 1,	/* all but --zone */
		.xlate		= syngate_xlate,
	},
	{
		.family		= NFPROTO_UNSPEC,
		.name		= "SYNGATE",
		.version	= XTABLES_VERSION,
		.revision	= 1,
		.size		= XT_ALIGN(sizeof(struct xt_syngate_info_v1)),
		.userspacesize	= XT_ALIGN(sizeof(struct xt_syngate_info_v1)),
		.help		= syngate_help_v1,
		.print		= syngate_print_v1,
		.save		= syngate_save_v1,
		.x6_parse	= syngate_parse,
		.x6_fcheck	= syngate_check,
		.x6_options	= syngate_opts_v1,
		.xlate		= syngate_xlate,
	},
};

/*
 * libxtables dlopen()s the plugin and relies on its ELF constructor.  A
 * global "void _init(void)" only works inside the iptables tree, where
 * xtables.h renames it; out of tree it clashes with crti.o's _init.
 */
static void __attribute__((constructor)) syngate_tg_init(void)
{
	xtables_register_targets(syngate_tg_reg,
				 sizeof(syngate_tg_reg) / sizeof(syngate_tg_reg[0]));
}
