// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * net: where network time goes, from tracepoints only: TCP connect latency and failures,
 * the kernel's smoothed RTT, connection lifetimes and bytes, transmit queueing per device,
 * retransmits, resets, and drops with the kernel's reasons.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "abi/net.h"
#include "core/array.h"
#include "core/clock.h"
#include "core/collector.h"
#include "core/loop.h"
#include "core/map_read.h"
#include "core/msg.h"
#include "core/slots.h"
#include "labels/btf_enum.h"
#include "labels/ifname.h"
#include "labels/inet.h"
#include "net.skel.h"

/* Histograms and counters by key: 4,096 x 8,224 bytes = 32 MiB of map memory. */
#define MAX_SLOTS	4096

/* Drop reasons are the kernel's enum skb_drop_reason: a few hundred at most. */
#define NET_DROP_REASONS	1024

struct net_ctx {
	pid_t pid;			/* the target (-p or the command), 0: the host */
	pid_t seed_pid;			/* -p: its sockets are read from /proc */
	bool command;
	uint16_t port;
	const char *remote_arg;
	int family;
	uint8_t addr[16];
	uint32_t prefix;
	const char *dev;
	bool packets;			/* --packets: the per-packet series too */
	uint32_t ifindex, netns;
	uint32_t own_netns;		/* inode number of tailtrace's network namespace */
	enum net_by by;

	struct net_bpf *skel;
	int tstamp_fd;			/* holds the kernel's receive timestamps on */
	struct hist *scratch;		/* a histogram read from the map */
	uint64_t aged_out;
	uint64_t split;			/* GSO packets swept: split at transmit */
	unsigned periodic_calls;
	struct btf *vmlinux_btf;	/* for the names of drop reasons */
};

enum { OPT_PORT = 4000, OPT_REMOTE, OPT_DEV, OPT_BY, OPT_PACKETS };

static const char *const by_names[] = {
	[NET_BY_REMOTE] = "remote", [NET_BY_LPORT] = "lport", [NET_BY_RPORT] = "rport",
	[NET_BY_DEV] = "dev", [NET_BY_PID] = "pid", [NET_BY_COMM] = "comm",
};

static const struct option net_options[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "by", required_argument, NULL, OPT_BY },
	{ "packets", no_argument, NULL, OPT_PACKETS },
	{ NULL, 0, NULL, 0 },
};

static int parse_remote(struct net_ctx *ctx, const char *arg)
{
	const char *slash = strchr(arg, '/');
	int err = inet_prefix_parse(arg, &ctx->family, ctx->addr, &ctx->prefix);

	if (err == -ERANGE) {
		usage_error("invalid prefix length '%s' in --remote: use 0 to %u for an %s "
			    "address", slash, ctx->family == AF_INET ? 32 : 128,
			    ctx->family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	if (err) {
		usage_error("invalid --remote '%s': give an IPv4 or IPv6 address, optionally with "
			    "a prefix length, e.g. 192.0.2.0/24 or 2001:db8::/32", arg);
		return -EINVAL;
	}
	ctx->remote_arg = arg;
	return 0;
}

static int net_opt(void *data, int key, const char *arg)
{
	struct net_ctx *ctx = data;
	uint64_t v;

	switch (key) {
	case OPT_PORT:
		if (opt_uint("--port", arg, 1, 65535, &v))
			return -EINVAL;
		ctx->port = (uint16_t)v;
		return 0;
	case OPT_REMOTE:
		return parse_remote(ctx, arg);
	case OPT_DEV:
		ctx->dev = arg;
		ctx->packets = true;
		return 0;
	case OPT_PACKETS:
		ctx->packets = true;
		return 0;
	case OPT_BY:
		for (size_t i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++) {
			if (!strcmp(arg, by_names[i])) {
				ctx->by = i;
				ctx->packets |= i == NET_BY_DEV;
				return 0;
			}
		}
		usage_error("unknown --by key '%s': use remote, lport, rport, dev, pid or comm", arg);
		return -EINVAL;
	}
	return -EINVAL;
}

/* tailtrace's own network namespace: devices are named there. */
static int read_own_netns(struct net_ctx *ctx)
{
	int err = netns_self(&ctx->own_netns);

	if (err)
		msg_error("cannot read this network namespace: %s", strerror(-err));
	return err ? 1 : 0;
}

/* --dev names a device of tailtrace's own network namespace. */
static int resolve_dev(struct net_ctx *ctx)
{
	ctx->ifindex = if_nametoindex(ctx->dev);
	if (!ctx->ifindex) {
		msg_error("unknown network device '%s': see 'ip link' for the devices of this "
			  "network namespace", ctx->dev);
		return 1;
	}
	ctx->netns = ctx->own_netns;
	return 0;
}

static void detach_all(struct net_ctx *ctx)
{
	net_bpf__destroy(ctx->skel);	/* its links too */
	ctx->skel = NULL;
	if (ctx->tstamp_fd >= 0)
		close(ctx->tstamp_fd);
	ctx->tstamp_fd = -1;
}

/* CLOCK_TAI - CLOCK_REALTIME: the kernel's TAI offset, a whole number of seconds. The BPF
 * side reads the realtime clock of the receive timestamps as TAI less this. */
static uint64_t tai_offset_ns(void)
{
	struct timespec tai, real;
	int64_t d;

	clock_gettime(CLOCK_TAI, &tai);
	clock_gettime(CLOCK_REALTIME, &real);
	d = (int64_t)(tai.tv_sec - real.tv_sec) * 1000000000 + (tai.tv_nsec - real.tv_nsec);
	return (uint64_t)((d + 500000000) / 1000000000) * 1000000000ull;
}

/* rx_to_user reads the arrival time of a packet from skb->tstamp, which the kernel fills in
 * on receive while any socket asks for timestamps: this one does, for as long as it is
 * open (the kernel turns them off again when it closes, also if tailtrace is killed). */
static int timestamps_on(struct net_ctx *ctx)
{
	int one = 1;

	ctx->tstamp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctx->tstamp_fd < 0) {
		msg_error("cannot open a socket to turn on receive timestamps: %s",
			  strerror(errno));
		return 1;
	}
	if (setsockopt(ctx->tstamp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one))) {
		msg_error("cannot turn on receive timestamps (SO_TIMESTAMPNS): %s",
			  strerror(errno));
		return 1;
	}
	return 0;
}

/* With -p, the sockets the process has already: the ports it listens on (the connections
 * they accept are its own: listen() came before tracing, so the kernel side did not see it)
 * and its open connections. From its file descriptors and /proc/PID/net/tcp{,6}. */
static void seed_from_proc(struct net_ctx *ctx)
{
	int fd = bpf_map__fd(ctx->skel->maps.listeners), pid = ctx->seed_pid;
	int cfd = bpf_map__fd(ctx->skel->maps.owned);
	size_t nconns = 0;
	struct listen_owner o = { .tgid = (uint32_t)pid };
	unsigned long *inodes = NULL;
	size_t n = 0, cap = 0;
	char path[64], link[64], line[512];
	struct stat st;
	struct dirent *e;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			memcpy(o.comm, line, strnlen(line, sizeof(o.comm)));
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char fdpath[384];
		unsigned long ino;
		ssize_t len;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
		len = readlink(fdpath, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (sscanf(link, "socket:[%lu]", &ino) == 1 &&
		    !array_grow((void **)&inodes, n, &cap, sizeof(*inodes)))
			inodes[n++] = ino;
	}
	if (d)
		closedir(d);
	for (int v6 = 0; v6 < 2 && n; v6++) {
		snprintf(path, sizeof(path), "/proc/%d/net/tcp%s", pid, v6 ? "6" : "");
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned port, rport, state;
			unsigned long ino;
			char raddr[40];
			struct listen_key k = { .netns = (uint32_t)st.st_ino };
			struct conn_key ck = { .netns = (uint32_t)st.st_ino };

			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x "
				   "%*x %*u %*u %lu", &port, raddr, &rport, &state, &ino) != 5 ||
			    (state != 0x0A && state != 0x01))
				continue;
			for (size_t i = 0; i < n; i++) {
				if (inodes[i] != ino)
					continue;
				if (state == 0x0A) {
					k.port = (uint16_t)port;
					bpf_map_update_elem(fd, &k, &o, BPF_ANY);
					msg_verbose("pid %d listens on port %u: its accepted "
						    "connections are traced", pid, port);
				} else if (!inet_proc_addr(raddr, &ck.family, ck.addr)) {
					ck.lport = (uint16_t)port;
					ck.rport = (uint16_t)rport;
					nconns += !bpf_map_update_elem(cfd, &ck, &o, BPF_ANY);
				}
			}
		}
		if (f)
			fclose(f);
	}
	free(inodes);
	if (nconns)
		msg_verbose("pid %d has %zu connections open: traced", pid, nconns);
}

static int load_and_attach(struct net_ctx *ctx)
{
	int err;

	ctx->skel = net_bpf__open();
	if (!ctx->skel) {
		msg_error("cannot open the BPF object: %s", strerror(errno));
		return 1;
	}
	ctx->skel->rodata->max_slots = MAX_SLOTS;
	ctx->skel->rodata->by = ctx->by;
	ctx->skel->rodata->filter_tgid = ctx->pid;
	ctx->skel->rodata->filter_port = ctx->port;
	ctx->skel->rodata->filter_family = (uint16_t)ctx->family;
	memcpy((void *)ctx->skel->rodata->filter_addr, ctx->addr, sizeof(ctx->addr));
	ctx->skel->rodata->filter_prefix = ctx->prefix;
	ctx->skel->rodata->filter_ifindex = ctx->ifindex;
	ctx->skel->rodata->filter_netns = ctx->netns;
	/* a command's children (a shell's, make's) open its connections too */
	ctx->skel->rodata->follow_children = ctx->command;
	if (!ctx->command) {
		bpf_map__set_max_entries(ctx->skel->maps.tgids, 1);
		bpf_program__set_autoload(ctx->skel->progs.tt_net_fork, false);
		bpf_program__set_autoload(ctx->skel->progs.tt_net_exit, false);
	}
	err = libbpf_num_possible_cpus();
	ctx->skel->rodata->nr_cpus = err > 0 ? (uint32_t)err : 1;
	ctx->skel->rodata->packets = ctx->packets;
	ctx->skel->bss->tai_offset = tai_offset_ns();
	bpf_map__set_max_entries(ctx->skel->maps.slots, MAX_SLOTS);
	bpf_map__set_max_entries(ctx->skel->maps.hists, MAX_SLOTS);
	bpf_map__set_max_entries(ctx->skel->maps.values, MAX_SLOTS);
	/* the per-packet programs, and the kernel's receive timestamps they read */
	if (!ctx->packets) {
		/* only tt_net_queue adds to skbs */
		bpf_map__set_max_entries(ctx->skel->maps.skbs, 1);
		bpf_program__set_autoload(ctx->skel->progs.tt_net_queue, false);
		bpf_program__set_autoload(ctx->skel->progs.tt_net_xmit, false);
		bpf_program__set_autoload(ctx->skel->progs.tt_net_copy, false);
	} else if (timestamps_on(ctx)) {
		return 1;
	}
	err = net_bpf__load(ctx->skel);
	if (err) {
		msg_error("cannot load the BPF programs: %s (run with -vv for the verifier's log)",
			  strerror(-err));
		return 1;
	}
	if (ctx->seed_pid)
		seed_from_proc(ctx);
	if (ctx->command) {
		uint32_t tgid = (uint32_t)ctx->pid;
		uint8_t one = 1;

		if (bpf_map_update_elem(bpf_map__fd(ctx->skel->maps.tgids), &tgid, &one, BPF_ANY)) {
			msg_error("cannot follow the command's process: %s", strerror(errno));
			return 1;
		}
	}
	/* every program loaded (libbpf names one it cannot attach) */
	err = net_bpf__attach(ctx->skel);
	if (err) {
		msg_error("cannot attach to the network tracepoints: %s", strerror(-err));
		return 1;
	}
	msg_verbose("attached the tp_btf programs; %u slots of %zu bytes", MAX_SLOTS,
		    sizeof(struct hist));
	ctx->scratch = malloc(sizeof(*ctx->scratch));
	if (!ctx->scratch)
		return 1;
	return 0;
}

/* Packets queued but never seen again leave their state behind: sweep it once a second. */
static void sweep(struct net_ctx *ctx, int fd)
{
	uint64_t now = mono_now_ns();
	struct skb_key key, next;
	struct {
		struct skb_key key;
		bool gso;
	} *stale = NULL;
	size_t nstale = 0, cap = 0;
	struct skb_state st;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &st) && now > st.ts &&
		    now - st.ts > NET_SKB_MAX_AGE_NS &&
		    !array_grow((void **)&stale, nstale, &cap, sizeof(*stale))) {
			stale[nstale].key = key;
			stale[nstale++].gso = st.gso;
		}
	}
	for (size_t i = 0; i < nstale; i++)
		if (!bpf_map_delete_elem(fd, &stale[i].key))
			*(stale[i].gso ? &ctx->split : &ctx->aged_out) += 1;
	free(stale);
}

/* Packets queued and never seen again (dropped in a qdisc) leave their state behind: swept
 * once a second. The TAI offset changes with a leap second. */
static void net_periodic(void *data)
{
	struct net_ctx *ctx = data;

	if (++ctx->periodic_calls % 50)
		return;
	sweep(ctx, bpf_map__fd(ctx->skel->maps.skbs));
	ctx->skel->bss->tai_offset = tai_offset_ns();
}

static const struct {
	const char *metric, *label, *value;
} kinds[NET_KINDS] = {
	[NET_CONNECT] = { "net.tcp_connect" },
	[NET_RTT] = { "net.tcp_rtt" },
	[NET_TX_QUEUE] = { "net.tx_queue" },
	[NET_LIFETIME] = { "net.tcp_lifetime" },
	[NET_RX_TO_USER] = { "net.rx_to_user" },
	[NET_ACCEPT] = { "net.tcp_accept" },
	[NET_CONNECT_RESET] = { "net.tcp_connect_failed", "reason", "reset" },
	[NET_CONNECT_CLOSED] = { "net.tcp_connect_failed", "reason", "timeout_or_closed" },
	[NET_RETRANSMITS] = { "net.tcp_retransmits" },
	[NET_RESETS_SENT] = { "net.tcp_resets", "direction", "sent" },
	[NET_RESETS_RECEIVED] = { "net.tcp_resets", "direction", "received" },
	[NET_OPENED] = { "net.tcp_opened" },
	[NET_CLOSED] = { "net.tcp_closed" },
	[NET_BYTES_SENT] = { "net.tcp_bytes", "direction", "sent" },
	[NET_BYTES_RECEIVED] = { "net.tcp_bytes", "direction", "received" },
};

static int add_labels(struct net_ctx *ctx, struct series *se, const struct net_key *k)
{
	char buf[64], comm[NET_COMM_LEN + 1];
	int err = 0;

	memcpy(comm, k->comm, NET_COMM_LEN);
	comm[NET_COMM_LEN] = 0;
	if (k->kind == NET_TX_QUEUE || (k->kind == NET_RX_TO_USER && ctx->by == NET_BY_DEV)) {
		/* names are known for the devices of tailtrace's own namespace */
		err = series_add_label(se, "dev", ifname_in(k->ifindex, k->netns, ctx->own_netns,
							    buf, sizeof(buf)));
		if (!err && k->netns != ctx->own_netns) {
			snprintf(buf, sizeof(buf), "%u", k->netns);
			err = series_add_label(se, "netns", buf);
		}
	} else if (k->kind == NET_RX_TO_USER && ctx->by != NET_BY_PID && ctx->by != NET_BY_COMM) {
		snprintf(buf, sizeof(buf), "%u", k->port);
		err = series_add_label(se, "lport", buf) || series_add_label(se, "comm", comm);
	} else if (ctx->by == NET_BY_PID) {
		snprintf(buf, sizeof(buf), "%u", k->pid);
		err = series_add_label(se, "pid", buf);
	} else if (ctx->by == NET_BY_COMM) {
		err = series_add_label(se, "comm", *comm ? comm : "-");
	} else if (ctx->by == NET_BY_LPORT || ctx->by == NET_BY_RPORT) {
		snprintf(buf, sizeof(buf), "%u", k->port);
		err = series_add_label(se, by_names[ctx->by], buf);
	} else {
		err = series_add_label(se, "remote", inet_endpoint(k->family, k->addr, k->port, buf,
							     sizeof(buf)));
	}
	if (!err && kinds[k->kind].label)
		err = series_add_label(se, kinds[k->kind].label, kinds[k->kind].value);
	return err ? -ENOMEM : 0;
}

struct walk {
	struct net_ctx *ctx;
	struct snapshot *s;
	uint32_t kind;
};

static int add_slot(void *data, const void *key, uint32_t slot)
{
	struct walk *w = data;
	const struct net_key *k = key;
	struct series *se;
	int err = 0;

	if (k->kind != w->kind || k->kind >= NET_KINDS)
		return 0;
	/* keyed series: left out of a report while empty */
	if (k->kind < NET_HIST_KINDS) {
		err = map_read_hist(bpf_map__fd(w->ctx->skel->maps.hists), slot, w->ctx->scratch);
		if (!err && w->ctx->scratch->count)
			err = snapshot_add_hist(w->s, kinds[k->kind].metric, "ns", w->ctx->scratch,
						&se) ||
			      (se->sparse = true, add_labels(w->ctx, se, k));
	} else {
		__u64 v = 0;

		bpf_map_lookup_elem(bpf_map__fd(w->ctx->skel->maps.values), &slot, &v);
		if (v)
			err = snapshot_add_counter(w->s, kinds[k->kind].metric,
						   k->kind >= NET_BYTES_SENT ? "bytes" : "count", v,
						   &se) ||
			      (se->sparse = true, add_labels(w->ctx, se, k));
	}
	return err ? -ENOMEM : 0;
}

/* Drops by reason, for the whole run. */
static int add_drop_reasons(struct net_ctx *ctx, struct snapshot *s)
{
	int fd = bpf_map__fd(ctx->skel->maps.drop_reasons);
	__u32 key, next;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		char name[64];
		struct series *se;
		__u64 v;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &v) || !v)
			continue;
		if (snapshot_add_counter(s, "net.drops", "count", v, &se) ||
		    (se->sparse = true, false) ||
		    series_add_label(se, "reason", btf_enum_name(&ctx->vmlinux_btf, "skb_drop_reason", "SKB_DROP_REASON_", key,
						   name, sizeof(name))))
			return -ENOMEM;
	}
	return 0;
}

/* The table per remote (or --by key) that leads the text report: connects, accepts,
 * failures, connect and RTT quantiles and retransmits, the busiest first. */
static int add_summary(struct net_ctx *ctx, struct snapshot *s)
{
	static const struct {
		const char *title, *metric, *lkey, *lvalue;
		enum summary_stat stat;
		bool weight, hidden;
	} cols[] = {
		{ "CONNECTS", "net.tcp_connect", NULL, NULL, STAT_COUNT, true, false },
		{ "FAILED", "net.tcp_connect_failed", NULL, NULL, STAT_COUNT, true, false },
		{ "ACCEPTS", "net.tcp_accept", NULL, NULL, STAT_COUNT, true, false },
		{ "CONN P50", "net.tcp_connect", NULL, NULL, STAT_P50, false, false },
		{ "CONN P99", "net.tcp_connect", NULL, NULL, STAT_P99, false, false },
		{ "RTT P50", "net.tcp_rtt", NULL, NULL, STAT_P50, false, false },
		{ "RTT P99", "net.tcp_rtt", NULL, NULL, STAT_P99, false, false },
		{ "RETRANS", "net.tcp_retransmits", NULL, NULL, STAT_COUNT, false, false },
		{ "OPENED", "net.tcp_opened", NULL, NULL, STAT_COUNT, true, true },
	};
	const char *key = ctx->by == NET_BY_DEV ? "remote" : by_names[ctx->by];
	struct summary *sm;
	char name[32];

	snprintf(name, sizeof(name), "net.by_%s", key);
	if (snapshot_add_summary(s, name, "Connections", key, SUMMARY_TABLE, &sm))
		return -ENOMEM;
	sm->top = 15;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (summary_add_col(sm, cols[i].title, cols[i].metric, cols[i].lkey, cols[i].lvalue,
				    cols[i].stat, cols[i].weight, cols[i].hidden))
			return -ENOMEM;
	for (size_t i = 0; i < NET_HIST_KINDS; i++)
		if (snapshot_describe_metric(s, kinds[i].metric, NULL, 3, 15))
			return -ENOMEM;
	return 0;
}

static int net_read(void *data, struct snapshot *s, bool stacks)
{
	struct net_ctx *ctx = data;
	uint64_t cnt[NET_CNT_MAX];
	int err = add_summary(ctx, s);

	(void)stacks;
	for (uint32_t kind = 0; kind < NET_KINDS && !err; kind++) {
		struct walk w = { ctx, s, kind };

		err = slots_for_each(bpf_map__fd(ctx->skel->maps.slots), sizeof(struct net_key),
				     MAX_SLOTS, add_slot, &w);
	}
	if (err)
		return err;
	map_percpu_sums(bpf_map__fd(ctx->skel->maps.counts), NET_CNT_MAX, cnt);
	if (snapshot_add_counter(s, "net.drops_total", "count", cnt[NET_CNT_DROPS], NULL) ||
	    add_drop_reasons(ctx, s) ||
	    snapshot_add_drop(s, "map_full", cnt[NET_DROP_SLOTS] + cnt[NET_DROP_SOCKS] +
				  cnt[NET_DROP_SKBS]) ||
	    snapshot_add_drop(s, "aged_out", cnt[NET_CNT_AGED] + ctx->aged_out) ||
	    snapshot_add_drop(s, "gso_split", cnt[NET_CNT_SPLIT] + ctx->split))
		return -ENOMEM;
	return 0;
}

static void net_free(void *data)
{
	struct net_ctx *ctx = data;

	free(ctx->scratch);
	detach_all(ctx);
	btf__free(ctx->vmlinux_btf);
}

static void net_init(void *data)
{
	((struct net_ctx *)data)->tstamp_fd = -1;
}

static int net_setup(void *data, const struct common_opts *o, char **args, int nargs)
{
	struct net_ctx *ctx = data;

	if (collector_no_args(args, nargs))
		return SETUP_USAGE;
	ctx->seed_pid = o->pid;
	if (read_own_netns(ctx) || (ctx->dev && resolve_dev(ctx)))
		return SETUP_FAILED;
	return 0;
}

static int net_attach(void *data, const struct run_target *t, struct loop *loop,
		      struct event_sink *sink)
{
	struct net_ctx *ctx = data;

	(void)sink;
	ctx->pid = t->pid;
	ctx->command = t->command;
	if (load_and_attach(ctx) || loop_add_periodic(loop, LOOP_PERIOD_NS, net_periodic, ctx))
		return 1;
	return 0;
}

static void net_describe(void *data, char *buf, size_t len)
{
	struct net_ctx *ctx = data;

	snprintf(buf, len, "%s%s", ctx->packets ? "TCP and packets" : "TCP",
		 ctx->port || ctx->remote_arg || ctx->dev ? " (filtered in the kernel)" : "");
}

static const char *const net_metrics[] = {
	"net.tcp_connect", "net.tcp_rtt", "net.tx_queue", "net.tcp_lifetime", "net.rx_to_user",
	"net.tcp_accept", "net.tcp_connect_failed", "net.tcp_retransmits", "net.tcp_resets",
	"net.tcp_opened", "net.tcp_closed", "net.tcp_bytes", "net.drops", "net.drops_total", NULL,
};

const struct collector net_collector = {
	.name = "net",
	.summary = "TCP connect, RTT and lifetime, transmit queueing, drops",
	.doc =
	"Network timing from tracepoints (no kprobes, no fentry), per remote endpoint:\n"
	"  net.tcp_connect     active opens, SYN sent to established; failures by reason\n"
	"  net.tcp_accept      passive opens, the SYN's arrival to established\n"
	"  net.tcp_rtt         the kernel's smoothed RTT, at every tcp_probe\n"
	"  net.tcp_lifetime    established to closed, with the bytes of each connection\n"
	"and counters of retransmits, resets sent and received, connections opened and\n"
	"closed, and packets dropped, by the kernel's reason. With --packets, also:\n"
	"  net.tx_queue        per packet, queued to handed to the driver, per device\n"
	"  net.rx_to_user      per TCP packet (and UDP datagram that is not copied in one\n"
	"                      piece), received to copied to the application (its oldest\n"
	"                      data), per local port and reading process\n"
	"The text report leads with a table per remote: connects, connect p50/p99, RTT\n"
	"p50/p99, retransmits.\n"
	"\n"
	"Options:\n"
	"      --port N              only connections with local or remote port N\n"
	"      --remote ADDR[/LEN]   only connections to this address or prefix (IPv4, IPv6)\n"
	"      --packets             time every packet too (tx_queue, rx_to_user): three more\n"
	"                            programs per packet, about 3x the cost of the default\n"
	"      --dev IFNAME          only packets on this device (implies --packets)\n"
	"      --by KEY              remote (default: address and port; the address alone\n"
	"                            for accepted connections), lport, rport, pid or comm\n"
	"                            (of the process that opened the connection, or reads\n"
	"                            the data), dev (packets by device; implies --packets)\n"
	"\n"
	"With -p, the connections that process has open, opens or accepts are traced (those\n"
	"it has and the ports it listens on are read from /proc); with a command, those of\n"
	"it and its children.\n"
	"--port, --remote and -p select connections and the data read from them;\n"
	"tx_queue is per device and drops are the host's, filtered by --dev only.\n"
	"\n"
	"Examples:\n"
	"  tailtrace net -d 10s                        every connection for 10 s\n"
	"  tailtrace net --remote 192.0.2.0/24 -i 1s   a subnet, a report a second\n"
	"  tailtrace net --port 443 -- curl -s https://example.org/\n"
	"  tailtrace net --packets -d 5s               also per-packet queueing and reads\n"
	"  tailtrace net --dev eth0 -d 5s              transmit queueing on eth0\n",
	.options = net_options,
	.metrics = net_metrics,
	.size = sizeof(struct net_ctx),
	.init = net_init,
	.option = net_opt,
	.setup = net_setup,
	.attach = net_attach,
	.describe = net_describe,
	.read = net_read,
	.free = net_free,
};
