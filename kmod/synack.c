// SPDX-License-Identifier: GPL-2.0
/*
 * Our SYN-ACK to a client's SYN (synack.h). Built into the module and into
 * the XDP program from this one source.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#endif

#include "synack.h"

/*
 * The options of our SYN-ACK: what the client offered, limited by the
 * rule. With timestamps, window scale, SACK and ECN reach the server
 * through the timestamp cookie; without, window scale and SACK ride in the
 * cookie itself (cookie.h), and ECN has no room: it is not offered, since
 * offering it to the client alone would make the two ends disagree.
 */
static u8 syngate_synack_options(const struct syngate_syn *syn,
				 const struct xt_syngate_info *info)
{
	u8 offered = syn->opts.options;

	if (syn->ecn)
		offered |= XT_SYNGATE_OPT_ECN;
	offered &= info->options;
	if (!(offered & XT_SYNGATE_OPT_TIMESTAMP))
		offered &= ~XT_SYNGATE_OPT_ECN;
	return offered;
}

/*
 * Without timestamps: the cookie's WS and SACK fields for what @client
 * keeps. The field holds the scale exactly, so our SYN-ACK announces the
 * client's own scale unchanged (cookie.h says why).
 */
static void syngate_nots_fields(const struct syngate_opts *client,
				struct syngate_cookie_fields *fields)
{
	fields->ws_idx = syngate_ws_index(client->options &
					  XT_SYNGATE_OPT_WSCALE ?
					  client->wscale : -1);
	fields->sack = client->options & XT_SYNGATE_OPT_SACK_PERM;
}

/**
 * syngate_synack_make - our answer to a client's SYN
 * @key: the namespace's current key
 * @syn: the client's SYN
 * @info: the rule's options (already bounded by --learn, if it has it)
 * @now_ms: our millisecond clock (proxy.h: syngate_now_ms())
 * @sa: filled in
 *
 * The cookie carries the client's MSS index always; with timestamps the
 * TSval we send hides the client's other options and the cookie covers
 * it; without, those options are in the cookie's own fields.
 */
void syngate_synack_make(const siphash_key_t *key,
			 const struct syngate_syn *syn,
			 const struct xt_syngate_info *info, u32 now_ms,
			 struct syngate_synack *sa)
{
	struct syngate_cookie_data cd = { .client_isn = syn->isn };
	struct syngate_cookie_fields fields = {};
	struct syngate_opts client = syn->opts;
	u8 family = syn->flow.family;
	u16 client_mss;

	memset(sa, 0, sizeof(*sa));
	client.options = syngate_synack_options(syn, info);
	client_mss = syn->opts.options & XT_SYNGATE_OPT_MSS ?
		     syn->opts.mss : syngate_mss_default(family);
	fields.mss_idx = syngate_mss_index(family, client_mss);

	if (client.options & XT_SYNGATE_OPT_TIMESTAMP) {
		sa->opts.wscale = info->wscale;
		sa->opts.tsval = syngate_tscookie_encode(now_ms, &client,
							 info->wscale);
		sa->opts.tsecr = syn->opts.tsval;
		cd.has_ts = true;
		cd.tsval = sa->opts.tsval;
	} else {
		syngate_nots_fields(&client, &fields);
		sa->opts.wscale = client.wscale;
	}
	sa->opts.options = client.options & (XT_SYNGATE_OPT_TIMESTAMP |
					     XT_SYNGATE_OPT_SACK_PERM |
					     XT_SYNGATE_OPT_WSCALE);
	if (info->options & XT_SYNGATE_OPT_MSS) {
		sa->opts.options |= XT_SYNGATE_OPT_MSS;
		sa->opts.mss = info->mss;
	}
	sa->ece = client.options & XT_SYNGATE_OPT_ECN;
	sa->seq = syngate_cookie_make(key, &syn->flow, &cd,
				      syngate_slot(now_ms), &fields);
}
