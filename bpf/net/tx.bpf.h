/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* net, transmit: each packet's queueing per device, from net_dev_queue to
 * net_dev_xmit (with --packets). Included by net.bpf.c, after its maps and socket state. */

static __always_inline bool dev_match(const struct net_device *dev)
{
	if (!filter_ifindex)
		return true;
	return BPF_CORE_READ(dev, ifindex) == filter_ifindex &&
	       BPF_CORE_READ(dev, nd_net.net, ns.inum) == filter_netns;
}

/* A packet queued for transmit on a device: remembered in this CPU's cache. The cache's
 * previous packet (still not sent: held in a qdisc, sent on another CPU, or the same skb
 * queued on a lower device now) moves to the skbs hash. The entry is claimed (skb zeroed)
 * before it is read and published (skb written) after it is filled: another CPU takes it
 * only by swapping the skb it read back to zero. */
static __always_inline int on_dev_queue(const struct sk_buff *skb)
{
	const struct net_device *dev = skb->dev;
	__u64 now = bpf_ktime_get_ns(), old;
	__u32 zero = 0;
	struct tx_cache *c;

	if (!dev || !dev_match(dev))
		return 0;
	c = bpf_map_lookup_elem(&tx_last, &zero);
	if (!c)
		return 0;
	old = __sync_lock_test_and_set(&c->skb, 0);
	if (old) {
		struct skb_key key = { .skb = old, .ifindex = c->ifindex };
		struct skb_state st = { .ts = c->ts, .ifindex = c->ifindex, .gso = c->gso };

		if (now - st.ts > NET_SKB_MAX_AGE_NS)
			count(st.gso ? NET_CNT_SPLIT : NET_CNT_AGED);
		else if (bpf_map_update_elem(&skbs, &key, &st, BPF_ANY))
			count(NET_DROP_SKBS);
	}
	c->ts = now;
	c->ifindex = dev->ifindex;
	{
		/* a GSO packet that the device cannot take whole is split at transmit into new
		 * packets: it is never seen sent, and is counted apart from packets lost */
		const struct skb_shared_info *sh =
			(const void *)(BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, end));

		c->gso = BPF_CORE_READ(sh, gso_size) != 0;
	}
	__sync_lock_test_and_set(&c->skb, (__u64)skb);
	return 0;
}

/* Takes skb's entry for ifindex out of o (a CPU's cache): its queued time, or 0. */
static __always_inline __u64 tx_claim(struct tx_cache *o, __u64 skb, __u32 ifindex)
{
	__u64 ts;

	if (o->skb != skb || o->ifindex != ifindex)
		return 0;
	ts = o->ts;
	/* read before the swap: the owner refills the entry only after it claimed it */
	return __sync_val_compare_and_swap(&o->skb, skb, 0) == skb ? ts : 0;
}

/* The queued time of skb on ifindex, taken out of this CPU's cache, the hash, or (sent on
 * another CPU than it was queued on) another CPU's cache; 0 when it was never seen queued. */
static __always_inline __u64 tx_take(struct tx_cache *c, __u64 skb, __u32 ifindex)
{
	struct skb_key key = { .skb = skb, .ifindex = ifindex };
	struct skb_state *st;
	__u64 ts = tx_claim(c, skb, ifindex);

	if (ts)
		return ts;
	st = bpf_map_lookup_elem(&skbs, &key);
	if (st) {
		ts = st->ts;
		bpf_map_delete_elem(&skbs, &key);
		return ts;
	}
	for (__u32 cpu = 0; cpu < nr_cpus && cpu < NET_MAX_CPUS; cpu++) {
		struct tx_cache *o = bpf_map_lookup_percpu_elem(&tx_last, &(__u32){0}, cpu);

		if (o && (ts = tx_claim(o, skb, ifindex)))
			return ts;
	}
	return 0;
}

static __always_inline int on_dev_xmit(const struct sk_buff *skb, int rc,
				       const struct net_device *dev)
{
	__u64 now = bpf_ktime_get_ns(), ts;
	__u32 zero = 0, ifindex, netns;
	struct tx_cache *c;

	/* not sent yet (the driver was busy): it comes again */
	if (rc != 0 || !dev || !dev_match(dev))
		return 0;
	c = bpf_map_lookup_elem(&tx_last, &zero);
	if (!c)
		return 0;
	ifindex = dev->ifindex;
	ts = tx_take(c, (__u64)skb, ifindex);
	if (!ts || now < ts)
		return 0;
	if (now - ts > NET_SKB_MAX_AGE_NS) {
		count(NET_CNT_AGED);
		return 0;
	}
	netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (!c->slot || c->slot_ifindex != ifindex || c->slot_netns != netns) {
		struct net_key k = { .kind = NET_TX_QUEUE, .ifindex = ifindex, .netns = netns };

		c->slot = slot_of(&k);
		c->slot_ifindex = ifindex;
		c->slot_netns = netns;
	}
	hist_add_slot(c->slot, now - ts);
	return 0;
}

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD

/* A dropped packet (a full qdisc drops at enqueue) is never sent: its transmit state goes
 * now, before its memory comes back as another packet that could match it. */
static __always_inline void tx_forget(const struct sk_buff *skb)
{
	const struct net_device *dev = skb->dev;
	struct skb_key key = { .skb = (__u64)skb };
	struct tx_cache *c;

	if (!dev)
		return;
	key.ifindex = dev->ifindex;
	bpf_map_delete_elem(&skbs, &key);
	c = bpf_map_lookup_elem(&tx_last, &(__u32){0});
	if (c)
		tx_claim(c, key.skb, key.ifindex);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tt_net_queue, struct sk_buff *skb)
{
	return on_dev_queue(skb);
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(tt_net_xmit, struct sk_buff *skb, int rc, struct net_device *dev)
{
	return on_dev_xmit(skb, rc, dev);
}
