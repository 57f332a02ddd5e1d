/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/net.bpf.c and userspace/net.c. */
#ifndef TAILTRACE_NET_H
#define TAILTRACE_NET_H

#define NET_COMM_LEN 16
/* CPUs whose transmit caches a packet sent on another CPU is looked for in */
#define NET_MAX_CPUS 1024

enum net_kind {
	NET_CONNECT,		/* active open: SYN_SENT to ESTABLISHED (ns) */
	NET_RTT,		/* the kernel's smoothed RTT, per tcp_probe (ns) */
	NET_TX_QUEUE,		/* net_dev_queue to net_dev_xmit, per device (ns) */
	NET_LIFETIME,		/* ESTABLISHED to CLOSE (ns) */
	NET_RX_TO_USER,		/* per packet, received to copied to the application (ns) */
	NET_ACCEPT,		/* passive open: the SYN's arrival to ESTABLISHED (ns) */
	NET_HIST_KINDS,
	/* counters, per remote */
	NET_CONNECT_RESET = NET_HIST_KINDS,	/* failed connect: reset by the peer */
	NET_CONNECT_CLOSED,	/* failed connect: timed out or closed */
	NET_RETRANSMITS,
	NET_RESETS_SENT,
	NET_RESETS_RECEIVED,
	NET_OPENED,		/* connections established (active and passive) */
	NET_CLOSED,
	NET_BYTES_SENT,		/* of connections when they closed */
	NET_BYTES_RECEIVED,
	NET_KINDS,
};

enum net_by {
	NET_BY_REMOTE,		/* address and port (address alone for accepted connections) */
	NET_BY_LPORT,
	NET_BY_RPORT,
	NET_BY_DEV,		/* packets by device; connections by remote */
	NET_BY_PID,		/* of the process that opened the connection, or reads */
	NET_BY_COMM,
};

/* The key of a histogram or counter, by --by: of a connection (remote endpoint, port,
 * process), a device (always for NET_TX_QUEUE), or for NET_RX_TO_USER a local port and the
 * reading process (by remote, lport, rport) or what --by names. Unused fields are zero. */
struct net_key {
	__u32 kind;
	__u16 family;		/* AF_INET, AF_INET6; 0 for a device */
	__u16 port;		/* remote or local port, host order */
	__u8 addr[16];		/* remote address (IPv4 in the first 4 bytes) */
	__u32 ifindex;
	__u32 netns;		/* of the device (inode number): ifindexes repeat across them */
	__u32 pid;
	char comm[NET_COMM_LEN];
};

/* Global counters (per-CPU array). */
enum net_count {
	NET_CNT_DROPS,		/* kfree_skb with a reason (also per reason, in drop_reasons) */
	NET_DROP_SLOTS,		/* more keys than slots: not recorded */
	NET_DROP_SOCKS,		/* socket state map full */
	NET_DROP_SKBS,		/* packet state map full */
	NET_CNT_AGED,		/* queued packets found older than NET_SKB_MAX_AGE_NS */
	NET_CNT_SPLIT,		/* GSO packets queued, then split into new packets: not timed */
	NET_CNT_MAX,
};

/* A connection as the server sees it, to find its SYN again at ESTABLISHED. */
struct syn_key {
	__u8 raddr[16];
	__u16 rport;		/* network order, as on the wire */
	__u16 lport;
	__u32 family;
};

/* A packet queued on a device: the same skb goes down a stack of devices (a bridge, a vlan
 * on its lower device), queued on each. */
struct skb_key {
	__u64 skb;
	__u32 ifindex;
	__u32 pad;
};

/* A listening socket, by network namespace and port: who listens (the owner of the
 * connections it accepts, which open in softirq context). */
struct listen_key {
	__u32 netns;
	__u16 port;
	__u16 pad;
};

struct listen_owner {
	__u32 tgid;
	char comm[NET_COMM_LEN];
};

/* A connection by its endpoints, for -p: the connections a process had open before tracing
 * began, read from /proc by userspace. Remote address as in struct net_key. */
struct conn_key {
	__u32 netns;
	__u16 lport;
	__u16 rport;		/* host order */
	__u32 family;
	__u8 addr[16];
};

struct skb_state {
	__u64 ts;
	__u32 ifindex;
	__u32 gso;		/* a GSO packet: if never sent, it was split into others */
};

/* A packet queued and not sent within this long was dropped in a qdisc (or sent where no
 * net_dev_xmit is seen): its state is thrown away and counted as aged out. */
#define NET_SKB_MAX_AGE_NS 1000000000ull

#endif /* TAILTRACE_NET_H */
