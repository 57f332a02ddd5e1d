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
#include "abi/net.h"
#define COUNTERS_MAX NET_CNT_MAX
#include "lib/counters.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/hist.bpf.h"
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
				init.traced = init.matched && tgid_selected(o->tgid);
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

#include "net/tx.bpf.h"
#include "net/rx.bpf.h"
#include "net/tcp.bpf.h"
#include "net/drop.bpf.h"

/* Loaded only for -- COMMAND: its children's connections are its own. */
FOLLOW_PROGRAMS(tt_net_fork, tt_net_exit, "tp_btf", NET_DROP_SOCKS)
