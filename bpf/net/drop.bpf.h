/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* net, drops: packets the kernel frees as dropped, by its reason (kfree_skb). Included by net.bpf.c, after its maps and socket state. */

static __always_inline int on_kfree_skb(const struct sk_buff *skb, __u32 reason)
{
	__u64 *v, one = 1;

	/* "not specified" is every ordinary free that is not a drop */
	if (reason <= 1)
		return 0;
	if (packets)
		tx_forget(skb);
	if (filter_ifindex) {
		const struct net_device *dev = skb->dev;

		if (!dev || !dev_match(dev))
			return 0;
	}
	count(NET_CNT_DROPS);
	v = bpf_map_lookup_elem(&drop_reasons, &reason);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&drop_reasons, &reason, &one, BPF_NOEXIST);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tt_net_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return on_kfree_skb(skb, reason);
}
