// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace's cookie keys (keys.h) under RCU, and the file operators
 * set them through: /proc/net/syngate_key, mode 0600. A write takes one
 * command ("set HEX", "rotate HEX", "clear") and needs CAP_NET_ADMIN in
 * the namespace's user namespace; a read shows each key's fingerprint and
 * when it was set, never the key.
 */
#include <linux/capability.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/net_namespace.h>

#include "keys.h"
#include "pernet.h"

/* Serialises writers; readers (the packet path) only take RCU. */
static DEFINE_MUTEX(syngate_keys_mutex);

static void syngate_key_show_one(struct seq_file *seq, const char *which,
				 const siphash_key_t *key, bool set,
				 time64_t set_at)
{
	if (!set)
		seq_printf(seq, "%s random\n", which);
	else
		seq_printf(seq, "%s fingerprint=%016llx set_at=%lld\n", which,
			   syngate_key_fingerprint(key), (long long)set_at);
}

static int syngate_key_show(struct seq_file *seq, void *v)
{
	struct syngate_net *sn = syngate_pernet(seq_file_single_net(seq));
	const struct syngate_keys *k;

	rcu_read_lock();
	k = rcu_dereference(sn->keys);
	syngate_key_show_one(seq, "current", &k->cur, k->cur_set,
			     k->cur_set_at);
	if (k->has_prev)
		syngate_key_show_one(seq, "previous", &k->prev, k->prev_set,
				     k->prev_set_at);
	else
		seq_puts(seq, "previous none\n");
	rcu_read_unlock();
	return 0;
}

/* Publish @new; the keys it replaces are wiped once no reader holds them. */
static void syngate_keys_publish(struct syngate_net *sn,
				 struct syngate_keys *new)
{
	struct syngate_keys *old;

	old = rcu_replace_pointer(sn->keys, new,
				  lockdep_is_held(&syngate_keys_mutex));
	synchronize_rcu();
	kfree_sensitive(old);
}

static int syngate_key_write(struct file *file, char *buf, size_t size)
{
	struct seq_file *seq = file->private_data;
	struct net *net = seq_file_single_net(seq);
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_keys *new, *old;
	enum syngate_key_cmd cmd;
	siphash_key_t key;
	int err;

	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	err = syngate_key_parse(buf, size, &cmd, &key);
	/* the buffer is freed, not wiped, after us */
	memzero_explicit(buf, size);
	if (err)
		return err;
	if (cmd == SYNGATE_KEY_CLEAR)
		get_random_bytes(&key, sizeof(key));

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new) {
		memzero_explicit(&key, sizeof(key));
		return -ENOMEM;
	}
	mutex_lock(&syngate_keys_mutex);
	old = rcu_dereference_protected(sn->keys,
					lockdep_is_held(&syngate_keys_mutex));
	syngate_keys_apply(old, new, cmd, &key, ktime_get_real_seconds());
	syngate_keys_publish(sn, new);
	mutex_unlock(&syngate_keys_mutex);
	memzero_explicit(&key, sizeof(key));
	return 0;
}

/**
 * syngate_keys_init - a namespace's random key and its key file
 * @net: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int syngate_keys_init(struct net *net)
{
	struct syngate_net *sn = syngate_pernet(net);
	struct syngate_keys *k;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	get_random_bytes(&k->cur, sizeof(k->cur));
	RCU_INIT_POINTER(sn->keys, k);
	if (IS_ENABLED(CONFIG_PROC_FS) &&
	    !proc_create_net_single_write("syngate_key", 0600, net->proc_net,
					  syngate_key_show, syngate_key_write,
					  NULL)) {
		RCU_INIT_POINTER(sn->keys, NULL);
		kfree_sensitive(k);
		return -ENOMEM;
	}
	return 0;
}

/**
 * syngate_keys_exit - remove the key file and wipe the keys
 * @net: the namespace, past its last packet (cleanup_net() has waited
 *	for RCU readers before the exit methods run)
 */
void syngate_keys_exit(struct net *net)
{
	struct syngate_net *sn = syngate_pernet(net);

	remove_proc_entry("syngate_key", net->proc_net);
	kfree_sensitive(rcu_dereference_protected(sn->keys, true));
	RCU_INIT_POINTER(sn->keys, NULL);
}
