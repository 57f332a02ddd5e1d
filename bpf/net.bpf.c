// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * net: TCP connect latency and failures, the kernel's smoothed RTT, connection lifetimes
 * and bytes, transmit queueing per device, retransmits, resets and drops with their reasons,
 * from tracepoints only (no kprobes, no fentry). Per-socket state is keyed by the socket,
 * per-packet state by the skb, both in bounded maps; packets whose state is never taken
 * back are swept by userspace and counted as aged out.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "hist.bpf.h"
#include "net.h"
#include "slots.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET		2
#define AF_INET6	10
#define IPPROTO_TCP	6

/* Set by userspace before load. */
const volatile __u32 max_slots = 1;
const volatile __u32 by = NET_BY_REMOTE;
const volatile __u32 filter_tgid = 0;
const volatile __u16 filter_port = 0;		/* local or remote, host order */
const volatile __u16 filter_family = 0;		/* --remote: AF_INET or AF_INET6 */
const volatile __u8 filter_addr[16] = {};
const volatile __u32 filter_prefix = 0;		/* bits */
const volatile __u32 filter_ifindex = 0;	/* --dev */
const volatile __u32 filter_netns = 0;		/* of --dev */

__u32 next_slot = 0;

struct sock_state {
	__u64 syn_sent;		/* active open started */
	__u64 established;
	__u32 tgid;		/* who opened it (connect or accept) */
	__u8 reset_received;
	__u8 traced;		/* passed the filters when it opened */
	__u16 pad;
	char comm[16];		/* of who opened it */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);		/* struct sock * */
	__type(value, struct sock_state);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);		/* struct sk_buff * */
	__type(value, struct skb_state);
} skbs SEC(".maps");

/* SYNs seen arriving, by connection; LRU: a SYN that never becomes a connection ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syn_key);
	__type(value, __u64);
} syns SEC(".maps");

/* Received TCP/UDP packets not yet copied to their application. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);		/* struct sk_buff * */
	__type(value, struct skb_state);
} rx_skbs SEC(".maps");

SLOT_MAPS(struct net_key);

/* Counters by slot (the same slots as histograms, other kinds). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* set by userspace to max_slots */
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);		/* enum skb_drop_reason */
	__type(value, __u64);
} drop_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NET_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &which);

	if (v)
		*v += 1;
}

/* The remote endpoint of a socket as a key of kind. The remote port is a service for a
 * connection opened here, and an ephemeral port of the client's for one accepted here, which
 * would make a key per connection: dropped then (0). */
enum { OPEN_PASSIVE, OPEN_ACTIVE, OPEN_UNKNOWN };

static __always_inline void remote_key_of(const struct sock *sk, __u32 kind, int open,
					  struct net_key *k)
{
	__u64 skey = (__u64)sk;
	struct sock_state *st;

	__builtin_memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (open == OPEN_UNKNOWN) {
		st = bpf_map_lookup_elem(&socks, &skey);
		/* older than the trace: the ephemeral side has the higher port, as a rule */
		open = st ? (st->syn_sent ? OPEN_ACTIVE : OPEN_PASSIVE) :
			    k->port > BPF_CORE_READ(sk, __sk_common.skc_num) ? OPEN_PASSIVE :
									      OPEN_ACTIVE;
	}
	if (open == OPEN_PASSIVE)
		k->port = 0;
	if (k->family == AF_INET6) {
		BPF_CORE_READ_INTO(&k->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		/* READ_INTO reads the size of its destination: 4 bytes, not 16 */
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(k->addr, &a, sizeof(a));
	}
}

static __always_inline void remote_key(const struct sock *sk, __u32 kind, struct net_key *k)
{
	remote_key_of(sk, kind, OPEN_UNKNOWN, k);
}

/* The key to record a connection's event under, by --by. The filters judge the endpoint
 * itself, so this comes last. The process of a connection is the one that opened it: most
 * of its events come in softirq context, where the current task is anyone's. */
static __always_inline void key_by(const struct sock *sk, struct net_key *k)
{
	__u64 skey = (__u64)sk;
	struct sock_state *st;

	if (by == NET_BY_REMOTE || by == NET_BY_DEV)
		return;
	st = bpf_map_lookup_elem(&socks, &skey);
	k->family = 0;
	__builtin_memset(k->addr, 0, sizeof(k->addr));
	if (by == NET_BY_LPORT)
		k->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	else if (by != NET_BY_RPORT)
		k->port = 0;	/* (by rport: the remote port, 0 for accepted connections) */
	if (by == NET_BY_PID && st)
		k->pid = st->tgid;
	if (by == NET_BY_COMM && st)
		__builtin_memcpy(k->comm, st->comm, sizeof(k->comm));
}

static __always_inline bool addr_match(const struct net_key *k)
{
	__u32 bits = filter_prefix;

	if (!filter_family)
		return true;
	if (k->family != filter_family)
		return false;
	for (int i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			break;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((k->addr[i] ^ filter_addr[i]) & mask)
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

/* Filters that a socket can be judged by: its ports and remote address. */
static __always_inline bool sock_match(const struct sock *sk, const struct net_key *k)
{
	if (filter_port && k->port != filter_port &&
	    BPF_CORE_READ(sk, __sk_common.skc_num) != filter_port)
		return false;
	return addr_match(k);
}

static __always_inline void hist_add_key(const struct net_key *k, __u64 v)
{
	__u32 slot = slot_find(&slots, k, &next_slot, max_slots);
	struct hist *h;

	if (slot >= max_slots) {
		count(NET_DROP_SLOTS);
		return;
	}
	h = bpf_map_lookup_elem(&hists, &slot);
	if (h)
		hist_record(h, v);
}

static __always_inline void value_add(const struct net_key *k, __u64 v)
{
	__u32 slot = slot_find(&slots, k, &next_slot, max_slots);
	__u64 *p;

	if (slot >= max_slots) {
		count(NET_DROP_SLOTS);
		return;
	}
	p = bpf_map_lookup_elem(&values, &slot);
	if (p)
		__sync_fetch_and_add(p, v);
}

static __always_inline void sock_count(const struct sock *sk, __u32 kind, __u64 v)
{
	struct net_key k;

	remote_key(sk, kind, &k);
	key_by(sk, &k);
	value_add(&k, v);
}

/* A connection's histogram sample, under its --by key. */
static __always_inline void sock_hist(const struct sock *sk, const struct net_key *endpoint,
				      __u32 kind, __u64 v)
{
	struct net_key k = *endpoint;

	k.kind = kind;
	key_by(sk, &k);
	hist_add_key(&k, v);
}

/* Whether events of sk count. A socket opened before tracing began has no state: without
 * -p (whose owner only its opening tells) it is judged by its ports and address. */
static __always_inline bool traced_sock(const struct sock *sk, struct sock_state **state)
{
	__u64 key = (__u64)sk;
	struct sock_state *st = bpf_map_lookup_elem(&socks, &key);
	struct net_key k;

	*state = st;
	if (st)
		return st->traced;
	if (filter_tgid)
		return false;
	remote_key(sk, NET_CONNECT, &k);
	return sock_match(sk, &k);
}

#define TCP_ESTABLISHED	1
#define TCP_SYN_SENT	2
#define TCP_SYN_RECV	3
#define TCP_CLOSE	7

static __always_inline int on_set_state(const struct sock *sk, int old, int new)
{
	__u64 now = bpf_ktime_get_ns(), key = (__u64)sk;
	struct sock_state *st, init = {};
	struct net_key k;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	/* the event tells how it opened (at SYN_SENT the local port is not even chosen yet) */
	remote_key_of(sk, NET_CONNECT, new == TCP_SYN_SENT ? OPEN_ACTIVE :
				       old == TCP_SYN_RECV ? OPEN_PASSIVE : OPEN_UNKNOWN, &k);

	/* A socket is judged once, when it opens, in the context of who opens it. */
	if (new == TCP_SYN_SENT || (old == TCP_SYN_RECV && new == TCP_ESTABLISHED)) {
		init.tgid = bpf_get_current_pid_tgid() >> 32;
		/* an accepted connection opens in softirq context: no owner known yet */
		if (new == TCP_SYN_SENT)
			bpf_get_current_comm(init.comm, sizeof(init.comm));
		else
			init.tgid = 0;
		init.traced = sock_match(sk, &k) &&
			      (!filter_tgid || (new == TCP_SYN_SENT && init.tgid == filter_tgid));
		if (new == TCP_SYN_SENT)
			init.syn_sent = now;
		if (bpf_map_update_elem(&socks, &key, &init, BPF_ANY))
			count(NET_DROP_SOCKS);
	}
	st = bpf_map_lookup_elem(&socks, &key);
	if (!st)
		return 0;
	if (!st->traced) {
		if (new == TCP_CLOSE)
			bpf_map_delete_elem(&socks, &key);
		return 0;
	}
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
		sock_count(sk, NET_OPENED, 1);
	} else if (new == TCP_CLOSE) {
		if (old == TCP_SYN_SENT) {
			sock_count(sk, st->reset_received ? NET_CONNECT_RESET : NET_CONNECT_CLOSED, 1);
		} else if (st->established) {
			const struct tcp_sock *tp = (const struct tcp_sock *)sk;

			sock_hist(sk, &k, NET_LIFETIME, now - st->established);
			sock_count(sk, NET_CLOSED, 1);
			sock_count(sk, NET_BYTES_SENT, BPF_CORE_READ(tp, bytes_acked));
			sock_count(sk, NET_BYTES_RECEIVED, BPF_CORE_READ(tp, bytes_received));
		}
		bpf_map_delete_elem(&socks, &key);
	}
	return 0;
}

static __always_inline int on_tcp_probe(const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 srtt = BPF_CORE_READ(tp, srtt_us) >> 3;
	struct sock_state *st;
	struct net_key k;

	if (!srtt || !traced_sock(sk, &st))
		return 0;
	remote_key(sk, NET_RTT, &k);
	sock_hist(sk, &k, NET_RTT, (__u64)srtt * 1000);
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

static __always_inline bool dev_match(const struct net_device *dev)
{
	if (!filter_ifindex)
		return true;
	return BPF_CORE_READ(dev, ifindex) == filter_ifindex &&
	       BPF_CORE_READ(dev, nd_net.net, ns.inum) == filter_netns;
}

static __always_inline int on_dev_queue(const struct sk_buff *skb)
{
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	struct skb_state st = { .ts = bpf_ktime_get_ns() };
	__u64 key = (__u64)skb;

	if (!dev || !dev_match(dev))
		return 0;
	st.ifindex = BPF_CORE_READ(dev, ifindex);
	if (bpf_map_update_elem(&skbs, &key, &st, BPF_ANY))
		count(NET_DROP_SKBS);
	return 0;
}

static __always_inline int on_dev_xmit(const struct sk_buff *skb, int rc)
{
	__u64 key = (__u64)skb, now = bpf_ktime_get_ns();
	struct skb_state *st = bpf_map_lookup_elem(&skbs, &key);
	struct net_key k = {};

	/* not sent yet (the driver was busy): it comes again */
	if (!st || rc != 0)
		return 0;
	k.kind = NET_TX_QUEUE;
	k.ifindex = st->ifindex;
	if (now > st->ts)
		hist_add_key(&k, now - st->ts);
	bpf_map_delete_elem(&skbs, &key);
	return 0;
}

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_UDP	17

/* A received packet of TCP or UDP (for --port, to or from that port): its arrival time. */
static __always_inline int on_receive(const struct sk_buff *skb)
{
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header), proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct skb_state st = { .ts = bpf_ktime_get_ns() };
	__u64 key = (__u64)skb;
	__u32 th;
	__u8 l4;

	if (!dev || !dev_match(dev))
		return 0;
	__u32 ip_end;	/* offset of the end of the IP packet */
	__be16 len;

	if (proto == ETH_P_IP) {
		__u8 vihl;

		if (bpf_probe_read_kernel(&vihl, 1, head + nh) ||
		    bpf_probe_read_kernel(&l4, 1, head + nh + offsetof(struct iphdr, protocol)) ||
		    bpf_probe_read_kernel(&len, 2, head + nh + offsetof(struct iphdr, tot_len)))
			return 0;
		th = nh + (vihl & 0xf) * 4;
		ip_end = nh + bpf_ntohs(len);
	} else if (proto == ETH_P_IPV6) {
		if (bpf_probe_read_kernel(&l4, 1, head + nh + offsetof(struct ipv6hdr, nexthdr)) ||
		    bpf_probe_read_kernel(&len, 2, head + nh + offsetof(struct ipv6hdr, payload_len)))
			return 0;
		th = nh + sizeof(struct ipv6hdr);
		ip_end = th + bpf_ntohs(len);
	} else {
		return 0;
	}
	if (l4 == IPPROTO_TCP) {
		__u8 hdr[14];

		if (bpf_probe_read_kernel(hdr, sizeof(hdr), head + th))
			return 0;
		/* a SYN (not SYN-ACK): a passive open starts here */
		if ((hdr[13] & 0x12) == 0x02) {
			struct syn_key sy = {};

			sy.family = proto == ETH_P_IP ? AF_INET : AF_INET6;
			__builtin_memcpy(&sy.rport, hdr, 2);
			__builtin_memcpy(&sy.lport, hdr + 2, 2);
			if (proto == ETH_P_IP)
				bpf_probe_read_kernel(sy.raddr, 4,
						      head + nh + offsetof(struct iphdr, saddr));
			else
				bpf_probe_read_kernel(sy.raddr, 16,
						      head + nh + offsetof(struct ipv6hdr, saddr));
			bpf_map_update_elem(&syns, &sy, &st.ts, BPF_ANY);
			return 0;
		}
		/* a segment without data (an ACK) is never copied to anyone: not waited for */
		if (ip_end <= th + (hdr[12] >> 4) * 4)
			return 0;
	} else if (l4 != IPPROTO_UDP) {
		return 0;
	}
	if (filter_port) {
		__be16 ports[2];

		if (bpf_probe_read_kernel(ports, sizeof(ports), head + th) ||
		    (bpf_ntohs(ports[0]) != filter_port && bpf_ntohs(ports[1]) != filter_port))
			return 0;
	}
	st.ifindex = BPF_CORE_READ(dev, ifindex);
	if (bpf_map_update_elem(&rx_skbs, &key, &st, BPF_ANY))
		count(NET_DROP_SKBS);
	return 0;
}

/* The application copies the data of a received packet: the wait is over. Keyed by the
 * local port and the reader. */
static __always_inline int on_copy(const struct sk_buff *skb)
{
	__u64 key = (__u64)skb, now = bpf_ktime_get_ns();
	struct skb_state *st = bpf_map_lookup_elem(&rx_skbs, &key);
	const struct sock *sk;
	struct net_key k = {};

	if (!st)
		return 0;
	if (!filter_tgid || bpf_get_current_pid_tgid() >> 32 == filter_tgid) {
		sk = BPF_CORE_READ(skb, sk);
		k.kind = NET_RX_TO_USER;
		if (by == NET_BY_DEV) {
			k.ifindex = st->ifindex;
		} else if (by == NET_BY_PID) {
			k.pid = bpf_get_current_pid_tgid() >> 32;
		} else {
			if (by != NET_BY_COMM)
				k.port = sk ? BPF_CORE_READ(sk, __sk_common.skc_num) : 0;
			bpf_get_current_comm(k.comm, sizeof(k.comm));
		}
		if (now > st->ts)
			hist_add_key(&k, now - st->ts);
	}
	bpf_map_delete_elem(&rx_skbs, &key);
	return 0;
}

static __always_inline int on_kfree_skb(__u32 reason)
{
	__u64 *v, one = 1;

	/* "not specified" is every ordinary free that is not a drop */
	if (reason <= 1)
		return 0;
	count(NET_CNT_DROPS);
	v = bpf_map_lookup_elem(&drop_reasons, &reason);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&drop_reasons, &reason, &one, BPF_NOEXIST);
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
	return on_tcp_probe(sk);
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

SEC("tp_btf/net_dev_queue")
int BPF_PROG(tt_net_queue, struct sk_buff *skb)
{
	return on_dev_queue(skb);
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(tt_net_xmit, struct sk_buff *skb, int rc)
{
	return on_dev_xmit(skb, rc);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(tt_net_rx, struct sk_buff *skb)
{
	return on_receive(skb);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(tt_net_copy, const struct sk_buff *skb, int len)
{
	return on_copy(skb);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tt_net_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return on_kfree_skb(reason);
}
