/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* net, TCP: connects and accepts (from the SYN's arrival), lifetimes and bytes,
 * RTT at every tcp_probe, retransmits and resets. Included by net.bpf.c, after its maps and socket state. */

static __always_inline int on_set_state(const struct sock *sk, int old, int new)
{
	__u64 now = bpf_ktime_get_ns();
	struct sock_state *st, init = {};
	struct net_key k;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	/* the event tells how it opened (at SYN_SENT the local port is not even chosen yet) */
	remote_key_of(sk, NET_CONNECT, new == TCP_SYN_SENT ? OPEN_ACTIVE :
				       old == TCP_SYN_RECV ? OPEN_PASSIVE : OPEN_UNKNOWN, &k);

	/* A socket is judged once, when it opens, in the context of who opens it. */
	/* (an accepted socket starts as a copy of its listener: LISTEN to SYN_RECV) */
	if (new == TCP_LISTEN || (old == TCP_LISTEN && new == TCP_CLOSE)) {
		struct listen_key lk = listen_key_of(sk);
		struct listen_owner o = { .tgid = bpf_get_current_pid_tgid() >> 32 };

		/* listen() runs in the context of who listens */
		if (new == TCP_LISTEN) {
			bpf_get_current_comm(o.comm, sizeof(o.comm));
			bpf_map_update_elem(&listeners, &lk, &o, BPF_ANY);
		} else {
			bpf_map_delete_elem(&listeners, &lk);
		}
		return 0;
	}
	if (new == TCP_SYN_SENT || (old == TCP_SYN_RECV && new == TCP_ESTABLISHED)) {
		if (new == TCP_SYN_SENT) {
			init.tgid = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(init.comm, sizeof(init.comm));
		} else {
			/* accepted in softirq context: its owner is who listens on its port */
			struct listen_key lk = listen_key_of(sk);
			struct listen_owner *o = bpf_map_lookup_elem(&listeners, &lk);

			if (o) {
				init.tgid = o->tgid;
				__builtin_memcpy(init.comm, o->comm, sizeof(init.comm));
			}
		}
		init.matched = sock_match(sk, &k);
		init.traced = init.matched &&
			      (!filter_tgid || (init.tgid && tgid_selected(init.tgid)));
		init.open = new == TCP_SYN_SENT ? OPEN_ACTIVE : OPEN_PASSIVE;
		if (new == TCP_SYN_SENT)
			init.syn_sent = now;
		/* (a socket may connect again after a failed connect: its state starts over) */
		st = bpf_sk_storage_get(&socks, (struct sock *)sk, &init,
					BPF_SK_STORAGE_GET_F_CREATE);
		if (st)
			*st = init;
		else
			count(NET_DROP_SOCKS);
	}
	st = sock_state(sk);
	if (!st)
		return 0;
	/* The state stays after TCP_CLOSE, for what follows it (a close with unread data sends
	 * a reset after it); it goes with the socket. */
	if (!st->traced)
		return 0;
	if (new == TCP_ESTABLISHED) {
		if (old == TCP_SYN_SENT && st->syn_sent)
			sock_hist(sk, &k, NET_CONNECT, now - st->syn_sent);
		if (old == TCP_SYN_RECV) {
			struct syn_key sy = {};
			__u64 *syn;

			sy.family = k.family;
			__builtin_memcpy(sy.raddr, k.addr, sizeof(sy.raddr));
			sy.rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
			sy.lport = bpf_htons(BPF_CORE_READ(sk, __sk_common.skc_num));
			syn = bpf_map_lookup_elem(&syns, &sy);
			if (syn && now > *syn)
				sock_hist(sk, &k, NET_ACCEPT, now - *syn);
			if (syn)
				bpf_map_delete_elem(&syns, &sy);
		}
		st->established = now;
		st->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		sock_count(sk, NET_OPENED, 1);
	} else if (new == TCP_CLOSE) {
		if (old == TCP_SYN_SENT) {
			sock_count(sk, st->reset_received ? NET_CONNECT_RESET : NET_CONNECT_CLOSED, 1);
		} else if (st->established) {
			sock_hist(sk, &k, NET_LIFETIME, now - st->established);
			sock_count(sk, NET_CLOSED, 1);
			data_bytes(sk, k.port != 0, old);
		}
	}
	return 0;
}

/* Every segment received on an established connection: the RTT sample goes to the slot the
 * socket keeps, looked up by its key once. */
static __always_inline int on_tcp_probe(const struct sock *sk, const struct sk_buff *skb)
{
	const struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	struct sock_state *st = tp ? sock_state_seen(sk) : NULL;
	__u32 srtt;

	if (!st)
		return 0;
	if (packets && st->matched)
		rx_arrival(tp, st, skb);
	srtt = tp->srtt_us >> 3;
	if (!srtt || !st->traced)
		return 0;
	if (!st->rtt_slot) {
		struct net_key k;

		remote_key(sk, NET_RTT, &k);
		key_by(sk, &k);
		st->rtt_slot = slot_of(&k);
	}
	hist_add_slot(st->rtt_slot, (__u64)srtt * 1000);
	return 0;
}

static __always_inline int on_retransmit(const struct sock *sk)
{
	struct sock_state *st;

	if (traced_sock(sk, &st))
		sock_count(sk, NET_RETRANSMITS, 1);
	return 0;
}

static __always_inline int on_reset(const struct sock *sk, bool received)
{
	struct sock_state *st;

	if (!sk || !traced_sock(sk, &st))
		return 0;
	if (received && st)
		st->reset_received = 1;
	sock_count(sk, received ? NET_RESETS_RECEIVED : NET_RESETS_SENT, 1);
	return 0;
}

/* A received SYN (not SYN-ACK): a passive open starts at its arrival. One read of the
 * headers; everything else returns at once. */
static __always_inline int on_receive(const struct sk_buff *skb)
{
	__u16 nh = skb->network_header, proto = bpf_ntohs(skb->protocol);
	unsigned char *head = skb->head;
	struct syn_key sy = {};
	__u8 h[40 + 14];
	__u32 th;
	__u64 ts;

	/* (not filtered by --dev: connections are not the device's) */
	if (proto == ETH_P_IP) {
		if (bpf_probe_read_kernel(h, sizeof(h), head + nh) ||
		    h[offsetof(struct iphdr, protocol)] != IPPROTO_TCP)
			return 0;
		th = (h[0] & 0xf) * 4;
		/* IP options: the TCP header is further */
		if (th != sizeof(struct iphdr) &&
		    (th < sizeof(struct iphdr) || th > 60 ||
		     bpf_probe_read_kernel(h + sizeof(struct iphdr), 14, head + nh + th)))
			return 0;
		th = sizeof(struct iphdr);
		sy.family = AF_INET;
		__builtin_memcpy(sy.raddr, h + offsetof(struct iphdr, saddr), 4);
	} else if (proto == ETH_P_IPV6) {
		if (bpf_probe_read_kernel(h, sizeof(h), head + nh) ||
		    h[offsetof(struct ipv6hdr, nexthdr)] != IPPROTO_TCP)
			return 0;
		th = sizeof(struct ipv6hdr);
		sy.family = AF_INET6;
		__builtin_memcpy(sy.raddr, h + offsetof(struct ipv6hdr, saddr), 16);
	} else {
		return 0;
	}
	if ((h[th + 13] & 0x12) != 0x02)
		return 0;
	ts = bpf_ktime_get_ns();
	__builtin_memcpy(&sy.rport, h + th, 2);
	__builtin_memcpy(&sy.lport, h + th + 2, 2);
	bpf_map_update_elem(&syns, &sy, &ts, BPF_ANY);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tt_net_state, const struct sock *sk, const int old, const int new)
{
	return on_set_state(sk, old, new);
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tt_net_probe, struct sock *sk, const struct sk_buff *skb)
{
	return on_tcp_probe(sk, skb);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tt_net_retrans, const struct sock *sk, const struct sk_buff *skb)
{
	return on_retransmit(sk);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tt_net_rst_tx, const struct sock *sk, const struct sk_buff *skb)
{
	return on_reset(sk, false);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tt_net_rst_rx, struct sock *sk)
{
	return on_reset(sk, true);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(tt_net_rx, struct sk_buff *skb)
{
	return on_receive(skb);
}
