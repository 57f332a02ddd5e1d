// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * net: TCP connect latency and failures, the kernel's smoothed RTT, connection lifetimes
 * and bytes, transmit queueing per device, received data's wait for its reader,
 * retransmits, resets and drops with their reasons, from tracepoints only (no kprobes, no
 * fentry).
 *
 * Several of these programs run for every packet, so they avoid hash maps there:
 * - per-socket state lives in socket storage (found from the socket itself, freed with it),
 *   and caches the histogram slots of the socket's keys;
 * - a packet queued for transmit is remembered in a one-entry per-CPU cache, which
 *   net_dev_xmit finds on the same CPU right after (noqueue devices, and a qdisc that is not
 *   backed up). Only a packet still waiting when the next one is queued moves to the skbs
 *   hash, keyed by the skb; entries never taken back are swept by userspace and counted as
 *   aged out;
 * - a received packet's arrival time is the kernel's own receive timestamp of the skb
 *   (skb->tstamp, CLOCK_REALTIME), which userspace turns on for every packet by holding a
 *   socket with SO_TIMESTAMPNS; the reader's copy compares it with the time then.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/follow.bpf.h"
#include "lib/hist.bpf.h"
#include "abi/net.h"
#include "lib/slots.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET		2
#define AF_INET6	10
#define IPPROTO_TCP	6

#define SOCK_STREAM	1

#define TCP_ESTABLISHED	1
#define TCP_SYN_SENT	2
#define TCP_SYN_RECV	3
#define TCP_TIME_WAIT	6
#define TCP_CLOSE	7
#define TCP_LISTEN	10

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
const volatile __u32 nr_cpus = 1;
const volatile bool packets = false;		/* --packets: rx_to_user is timed */

/* Set by userspace, and again every second: CLOCK_TAI - CLOCK_REALTIME (the leap seconds),
 * to read the realtime clock of skb->tstamp as bpf_ktime_get_tai_ns() - tai_offset. */
__u64 tai_offset = 0;
__u32 next_slot = 0;

enum { OPEN_PASSIVE, OPEN_ACTIVE, OPEN_UNKNOWN };

struct sock_state {
	__u64 syn_sent;		/* active open started */
	__u64 established;
	__u32 tgid;		/* who opened it (connect or accept) */
	__u8 reset_received;
	__u8 traced;		/* passed every filter when it opened (or was first seen) */
	__u8 matched;		/* passed the filters of the endpoint (--port, --remote) */
	__u8 open;		/* OPEN_PASSIVE, OPEN_ACTIVE, OPEN_UNKNOWN */
	__u16 lport;		/* local port (the kernel clears it at TCP_CLOSE) */
	__u16 pad2;
	char comm[16];		/* of who opened it */
	/* cached histogram slots, + 1 (0: not looked up yet) */
	__u32 rtt_slot;
	__u32 rx_slot;
	__u32 rx_tgid;		/* the reader and device rx_slot is for */
	__u32 rx_iif;
	char rx_comm[16];
	/* the packet copied last (an skb is soon reused: with its timestamp): a read of its
	 * rest is not another packet */
	__u64 rx_skb;
	__u64 rx_stamp;
	/* receive timestamp of the oldest data not read yet, when it came to an empty queue:
	 * TCP merges segments that wait into one skb, which keeps the newest one's stamp */
	__u64 rx_oldest;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_state);
} socks SEC(".maps");

/* The last packet queued on this CPU and not transmitted yet, and the slot of the last
 * device seen. */
struct tx_cache {
	__u64 skb;
	__u64 ts;
	__u32 ifindex;
	__u32 slot_ifindex;	/* the device of slot */
	__u32 slot_netns;
	__u32 slot;		/* + 1 */
	__u32 gso;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tx_cache);
} tx_last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct skb_key);
	__type(value, struct skb_state);
} skbs SEC(".maps");

/* Listening sockets: set at listen() (and by userspace for -p, from /proc). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct listen_key);
	__type(value, struct listen_owner);
} listeners SEC(".maps");

/* With -p: the process's connections that were open before tracing began. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct conn_key);
	__type(value, struct listen_owner);
} owned SEC(".maps");

/* SYNs seen arriving, by connection; LRU: a SYN that never becomes a connection ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syn_key);
	__type(value, __u64);
} syns SEC(".maps");

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

static __always_inline struct sock_state *sock_state(const struct sock *sk)
{
	return bpf_sk_storage_get(&socks, (struct sock *)sk, NULL, 0);
}

/* The network namespace of a socket (inode number). */
static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The listener of a socket's local port (a listening socket's own, or its accepted one's). */
static __always_inline struct listen_key listen_key_of(const struct sock *sk)
{
	struct listen_key lk = { .netns = sock_netns(sk),
				 .port = BPF_CORE_READ(sk, __sk_common.skc_num) };

	return lk;
}

/* The remote endpoint of a socket as a key of kind. The remote port is a service for a
 * connection opened here, and an ephemeral port of the client's for one accepted here, which
 * would make a key per connection: dropped then (0). */
static __always_inline void remote_key_of(const struct sock *sk, __u32 kind, int open,
					  struct net_key *k)
{
	struct sock_state *st;

	__builtin_memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (open == OPEN_UNKNOWN) {
		st = sock_state(sk);
		if (st)
			open = st->open;
	}
	/* older than the trace: the ephemeral side has the higher port, as a rule */
	if (open == OPEN_UNKNOWN)
		open = k->port > BPF_CORE_READ(sk, __sk_common.skc_num) ? OPEN_PASSIVE :
									  OPEN_ACTIVE;
	if (open == OPEN_PASSIVE)
		k->port = 0;
	if (k->family == AF_INET6) {
		BPF_CORE_READ_INTO(&k->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		/* an IPv4 peer of a dual-stack socket (::ffff:a.b.c.d) is an IPv4 remote */
		if (!((__u64 *)k->addr)[0] && ((__u32 *)k->addr)[2] == bpf_htonl(0xffff)) {
			k->family = AF_INET;
			((__u32 *)k->addr)[0] = ((__u32 *)k->addr)[3];
			((__u32 *)k->addr)[2] = 0;
			((__u32 *)k->addr)[3] = 0;
		}
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
	struct sock_state *st;

	if (by == NET_BY_REMOTE || by == NET_BY_DEV)
		return;
	st = sock_state(sk);
	k->family = 0;
	__builtin_memset(k->addr, 0, sizeof(k->addr));
	if (by == NET_BY_LPORT)
		k->port = st && st->lport ? st->lport : BPF_CORE_READ(sk, __sk_common.skc_num);
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

/* The slot of k, + 1; 0 when every slot is taken (counted). */
static __always_inline __u32 slot_of(const struct net_key *k)
{
	__u32 slot = slot_find(&slots, k, &next_slot, max_slots);

	if (slot >= max_slots) {
		count(NET_DROP_SLOTS);
		return 0;
	}
	return slot + 1;
}

static __always_inline void hist_add_slot(__u32 slot1, __u64 v)
{
	__u32 slot = slot1 - 1;
	struct hist *h;

	if (!slot1)
		return;
	h = bpf_map_lookup_elem(&hists, &slot);
	if (h)
		hist_record(h, v);
}

static __always_inline void hist_add_key(const struct net_key *k, __u64 v)
{
	hist_add_slot(slot_of(k), v);
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

/* The state of a socket, made when first seen if it opened before tracing began: then
 * it is judged by its ports and address, and never traced with -p (whose owner only its
 * opening tells). NULL for a socket that is not a full one (time-wait, request) or when
 * memory runs out (counted). */
static __always_inline struct sock_state *sock_state_seen(const struct sock *sk)
{
	struct sock_state *st = sock_state(sk);
	struct net_key k;

	if (st)
		return st;
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_TIME_WAIT)
		return NULL;
	{
		struct sock_state init = { .open = OPEN_UNKNOWN };

		init.lport = BPF_CORE_READ(sk, __sk_common.skc_num);

		remote_key_of(sk, NET_CONNECT, OPEN_UNKNOWN, &k);
		init.matched = sock_match(sk, &k);
		init.traced = init.matched && !filter_tgid;
		if (filter_tgid) {
			/* open before tracing began: its owner, if -p's, is known from /proc */
			struct conn_key ck = {
				.netns = sock_netns(sk),
				.lport = init.lport,
				.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)),
				.family = k.family };
			struct listen_owner *o;

			__builtin_memcpy(ck.addr, k.addr, sizeof(ck.addr));
			o = bpf_map_lookup_elem(&owned, &ck);
			if (o) {
				init.tgid = o->tgid;
				__builtin_memcpy(init.comm, o->comm, sizeof(init.comm));
				init.traced = init.matched && tgid_traced(o->tgid, filter_tgid);
			}
		}
		/* made whole, never seen half filled; another CPU may make it first */
		st = bpf_sk_storage_get(&socks, (struct sock *)sk, &init,
					BPF_SK_STORAGE_GET_F_CREATE);
	}
	if (!st)
		st = sock_state(sk);
	if (!st)
		count(NET_DROP_SOCKS);
	return st;
}

/* Whether events of sk count. */
static __always_inline bool traced_sock(const struct sock *sk, struct sock_state **state)
{
	struct sock_state *st = sock_state_seen(sk);

	*state = st;
	if (st)
		return st->traced;
	if (filter_tgid || !sk)
		return false;
	{
		struct net_key k;

		remote_key(sk, NET_CONNECT, &k);
		return sock_match(sk, &k);
	}
}

#define TCP_FIN_WAIT1	4
#define TCP_FIN_WAIT2	5
#define TCP_LAST_ACK	9
#define TCP_CLOSING	11
#define SOCK_DONE	1	/* enum sock_flags: the peer's FIN came in (tcp_fin) */

/* The data bytes of a closing connection (old: the state it closes from), both ways. The
 * kernel's counters count sequence space: the SYN (for the side that connected: the other
 * side's snd_una starts past its SYN-ACK) and a FIN acknowledged or received take one each,
 * and are not data. Our FIN was sent only if we closed through FIN_WAIT or LAST_ACK (an abort
 * sends a reset instead). */
static __always_inline void data_bytes(const struct sock *sk, bool active, int old)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u64 acked = BPF_CORE_READ(tp, bytes_acked), rcvd = BPF_CORE_READ(tp, bytes_received);
	unsigned long flags = BPF_CORE_READ(sk, __sk_common.skc_flags);
	bool fin_sent = old == TCP_FIN_WAIT1 || old == TCP_FIN_WAIT2 || old == TCP_CLOSING ||
			old == TCP_LAST_ACK || old == TCP_TIME_WAIT;

	if (active && acked)
		acked--;
	if (fin_sent && acked && BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq))
		acked--;
	if ((flags & (1ul << SOCK_DONE)) && rcvd)
		rcvd--;
	sock_count(sk, NET_BYTES_SENT, acked);
	sock_count(sk, NET_BYTES_RECEIVED, rcvd);
}

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
			      (!filter_tgid || (init.tgid && tgid_traced(init.tgid, filter_tgid)));
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

static __always_inline __u32 tstamp_type(const struct sk_buff *skb);

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
	if (!tgid_traced(tgid, filter_tgid))
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

/* Loaded only for -- COMMAND: its children's connections are its own. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(tt_net_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!follow_fork(parent, child))
		count(NET_DROP_SOCKS);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tt_net_exit, struct task_struct *task)
{
	follow_exit(task);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tt_net_drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	return on_kfree_skb(skb, reason);
}
