/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* net, receive: received data's wait for its reader (rx_to_user), from the
 * kernel's receive timestamp to skb_copy_datagram_iovec. Included by net.bpf.c, after its maps and socket state. */

struct sk_buff___pre611 {
	__u8 mono_delivery_time:1;
} __attribute__((preserve_access_index));

/* The clock of skb->tstamp, as enum skb_tstamp_type (0: CLOCK_REALTIME). Before 6.11 a bit
 * said whether it was a monotonic delivery time instead. */
static __always_inline __u32 tstamp_type(const struct sk_buff *skb)
{
	if (bpf_core_field_exists(skb->tstamp_type))
		return BPF_CORE_READ_BITFIELD(skb, tstamp_type);
	return BPF_CORE_READ_BITFIELD((const struct sk_buff___pre611 *)skb, mono_delivery_time);
}

#define IPPROTO_UDP	17

/* The rx_to_user key of a packet read by the current task from local port lport. */
static __always_inline void rx_key(struct net_key *k, __u32 tgid, __u32 iif, __u16 lport)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->kind = NET_RX_TO_USER;
	if (by == NET_BY_DEV) {
		struct task_struct *task = bpf_get_current_task_btf();

		/* the reader's network namespace is its socket's, the device's */
		k->ifindex = iif;
		k->netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	} else if (by == NET_BY_PID) {
		k->pid = tgid;
	} else {
		if (by != NET_BY_COMM)
			k->port = lport;
		bpf_get_current_comm(k->comm, sizeof(k->comm));
	}
}

/* The datagram this CPU timed last: a read after MSG_PEEK copies it again. */
struct udp_last {
	__u64 skb;
	__u64 stamp;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct udp_last);
} udp_last SEC(".maps");

/* A datagram whose skb no longer names its socket (UDP keeps none on its queue): filtered
 * and keyed by its own headers, the slot looked up each time. */
static __always_inline int on_copy_datagram(const struct sk_buff *skb, __u64 stamp, __u64 wait,
					    __u32 tgid)
{
	struct udp_last *last = bpf_map_lookup_elem(&udp_last, &(__u32){0});
	__u16 proto = bpf_ntohs(skb->protocol), nh = skb->network_header;
	__u16 th = skb->transport_header;
	unsigned char *head = skb->head;
	struct net_key k = {};
	__be16 ports[2];
	__u8 l4 = 0;

	if (proto == ETH_P_IP) {
		k.family = AF_INET;
		if (bpf_probe_read_kernel(&l4, 1, head + nh + offsetof(struct iphdr, protocol)) ||
		    bpf_probe_read_kernel(k.addr, 4, head + nh + offsetof(struct iphdr, saddr)))
			return 0;
	} else if (proto == ETH_P_IPV6) {
		k.family = AF_INET6;
		if (bpf_probe_read_kernel(&l4, 1, head + nh + offsetof(struct ipv6hdr, nexthdr)) ||
		    bpf_probe_read_kernel(k.addr, 16, head + nh + offsetof(struct ipv6hdr, saddr)))
			return 0;
	}
	if (l4 != IPPROTO_UDP || bpf_probe_read_kernel(ports, sizeof(ports), head + th))
		return 0;
	if (filter_port && bpf_ntohs(ports[0]) != filter_port && bpf_ntohs(ports[1]) != filter_port)
		return 0;
	if (!addr_match(&k))
		return 0;
	if (filter_ifindex) {
		struct task_struct *task = bpf_get_current_task_btf();

		if (skb->skb_iif != filter_ifindex ||
		    BPF_CORE_READ(task, nsproxy, net_ns, ns.inum) != filter_netns)
			return 0;
	}
	if (!last || (last->skb == (__u64)skb && last->stamp == stamp))
		return 0;
	last->skb = (__u64)skb;
	last->stamp = stamp;
	rx_key(&k, tgid, skb->skb_iif, bpf_ntohs(ports[1]));
	hist_add_key(&k, wait);
	return 0;
}

/* The application copies the data of a received packet (TCP or UDP): its wait since the
 * kernel's receive timestamp is over. Keyed by the local port and the reader, the slot
 * cached in the socket's state. */
static __always_inline int on_copy(const struct sk_buff *skb)
{
	__u64 now = bpf_ktime_get_tai_ns() - tai_offset, stamp = skb->tstamp;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, iif;
	const struct sock *sk = skb->sk;
	char comm[NET_COMM_LEN] __attribute__((aligned(8))) = {};
	struct sock_state *st;

	if (!stamp || now < stamp || tstamp_type(skb) != 0)
		return 0;
	if (!tgid_selected(tgid))
		return 0;
	if (!sk)
		return on_copy_datagram(skb, stamp, now - stamp, tgid);
	/* TCP: other sockets that own their packets (packet, raw, unix) are not data here */
	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM)
		return 0;
	st = sock_state_seen(sk);
	if (!st || !st->matched || (st->rx_skb == (__u64)skb && st->rx_stamp == stamp))
		return 0;
	st->rx_skb = (__u64)skb;
	st->rx_stamp = stamp;
	iif = skb->skb_iif;
	if (filter_ifindex && (iif != filter_ifindex ||
			       sock_netns(sk) != filter_netns))
		return 0;
	/* the slot is the reader's: by its pid, or (but for --by pid and dev) its name */
	if (by != NET_BY_PID && by != NET_BY_DEV) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (((__u64 *)comm)[0] != ((__u64 *)st->rx_comm)[0] ||
		    ((__u64 *)comm)[1] != ((__u64 *)st->rx_comm)[1])
			st->rx_slot = 0;
	}
	if (!st->rx_slot || st->rx_tgid != tgid || st->rx_iif != iif) {
		struct net_key k;

		rx_key(&k, tgid, iif, BPF_CORE_READ(sk, __sk_common.skc_num));
		st->rx_slot = slot_of(&k);
		st->rx_tgid = tgid;
		st->rx_iif = iif;
		__builtin_memcpy(st->rx_comm, comm, sizeof(comm));
	}
	/* the wait of the oldest data this copy reads */
	if (st->rx_oldest && st->rx_oldest < stamp)
		stamp = st->rx_oldest;
	st->rx_oldest = 0;
	hist_add_slot(st->rx_slot, now - stamp);
	return 0;
}

/* A segment with data reaching a connection whose data has all been read: its arrival is
 * the oldest unread data's until the reader copies. */
static __always_inline void rx_arrival(const struct tcp_sock *tp, struct sock_state *st,
				       const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb = (const struct tcp_skb_cb *)skb->cb;
	__u64 stamp;

	if (st->rx_oldest || tp->copied_seq != tp->rcv_nxt)
		return;
	if (BPF_CORE_READ(cb, seq) == BPF_CORE_READ(cb, end_seq))
		return;
	stamp = skb->tstamp;
	if (stamp && tstamp_type(skb) == 0)
		st->rx_oldest = stamp;
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(tt_net_copy, const struct sk_buff *skb, int len)
{
	return on_copy(skb);
}
