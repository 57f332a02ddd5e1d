// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sched: why is my program waiting? Run-queue latency, off-CPU time (sleeping, in D state,
 * or preempted) and on-CPU time from the scheduler's tracepoints, per --by key, with the
 * filters (-p, --comm, --cgroup) applied in the kernel.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "abi/sched.h"
#include "core/collector.h"
#include "core/loop.h"
#include "core/map_read.h"
#include "core/msg.h"
#include "core/slots.h"
#include "labels/cgroup.h"
#include "model/duration.h"
#include "python/pyframes.h"
#include "sched.skel.h"
#include "collectors/sym_frames.h"
#include "symbols/symbolizer.h"

/* Histograms for keys other than CPUs: 2,048 x 8,224 bytes = 16 MiB of map memory. */
#define MAX_SLOTS 2048
/* --offcpu-stacks: distinct stacks kept (x 1,016 bytes) and distinct blocking stacks summed. */
#define MAX_STACKS 16384
#define MAX_OFFCPU 10240
/* Python: processes walked, and distinct Python stacks kept (1 KiB each) */
#define MAX_PY_PROCS 1024
#define MAX_PY_STACKS 8192

struct sched_ctx {
	pid_t pid;			/* the target, 0: the host */
	bool command;			/* a command: its children are followed */
	enum sched_by by;
	const char *comm;
	const char *cgroup_arg;
	char cgroup_path[PATH_MAX];
	uint64_t cgroup_id;
	bool stacks;
	uint64_t stack_min_ns;
	struct symbolizer *sym;
	struct pyframes *py;		/* --offcpu-stacks: Python frames */
	unsigned periodic_calls;

	struct sched_bpf *skel;
	bool btf;			/* tp_btf programs (else raw_tp) */
	uint32_t ncpus, max_slots;
	struct hist *scratch;		/* a histogram read from the map */
};

static const char *const by_names[] = {
	[SCHED_BY_COMM] = "comm", [SCHED_BY_PID] = "pid", [SCHED_BY_TID] = "tid",
	[SCHED_BY_CPU] = "cpu", [SCHED_BY_CGROUP] = "cgroup",
};

enum { OPT_COMM = 3000, OPT_CGROUP, OPT_BY, OPT_STACKS };

static const struct option sched_options[] = {
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "by", required_argument, NULL, OPT_BY },
	{ "offcpu-stacks", optional_argument, NULL, OPT_STACKS },
	{ NULL, 0, NULL, 0 },
};

static int sched_opt(void *data, int key, const char *arg)
{
	struct sched_ctx *ctx = data;

	switch (key) {
	case OPT_BY:
		for (size_t i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++) {
			if (!strcmp(arg, by_names[i])) {
				ctx->by = i;
				return 0;
			}
		}
		usage_error("unknown --by key '%s': use comm, pid, tid, cpu or cgroup", arg);
		return -EINVAL;
	case OPT_COMM:
		if (!*arg || strlen(arg) >= SCHED_COMM_LEN) {
			usage_error("--comm '%s' is %s: the kernel keeps the first %d characters of "
				    "a thread's name; give those", arg,
				    *arg ? "longer than 15 characters" : "empty", SCHED_COMM_LEN - 1);
			return -EINVAL;
		}
		ctx->comm = arg;
		return 0;
	case OPT_CGROUP:
		ctx->cgroup_arg = arg;
		return 0;
	case OPT_STACKS:
		ctx->stacks = true;
		ctx->stack_min_ns = 1000000;
		return arg ? opt_duration("--offcpu-stacks", arg, true, &ctx->stack_min_ns) : 0;
	}
	return -EINVAL;
}

/* Detaches and frees the programs (the skeleton holds their links). */
static void detach_all(struct sched_ctx *ctx)
{
	sched_bpf__destroy(ctx->skel);
	ctx->skel = NULL;
}

/* Opens, loads and attaches one set of programs. 0, or -errno (printed with -v). */
static int load_set(struct sched_ctx *ctx, bool btf)
{
	struct bpf_program *prog;
	int err;

	ctx->skel = sched_bpf__open();
	if (!ctx->skel)
		return -errno;
	ctx->skel->rodata->by = ctx->by;
	ctx->skel->rodata->ncpus = ctx->ncpus;
	ctx->skel->rodata->max_slots = ctx->max_slots;
	ctx->skel->rodata->filter_tgid = ctx->pid;
	ctx->skel->rodata->self_tgid = (__u32)getpid();
	ctx->skel->rodata->follow_children = ctx->command;
	if (ctx->comm) {
		ctx->skel->rodata->filter_by_comm = true;
		memcpy((char *)ctx->skel->rodata->filter_comm, ctx->comm, strlen(ctx->comm));
	}
	ctx->skel->rodata->filter_cgroup = ctx->cgroup_id;
	ctx->skel->rodata->offcpu_stacks = ctx->stacks;
	ctx->skel->rodata->stack_min_ns = ctx->stack_min_ns;
	if (ctx->stacks) {
		bpf_map__set_max_entries(ctx->skel->maps.stackmap, MAX_STACKS);
		bpf_map__set_max_entries(ctx->skel->maps.offcpu, MAX_OFFCPU);
		bpf_map__set_max_entries(ctx->skel->maps.pystack_procs, MAX_PY_PROCS);
		bpf_map__set_max_entries(ctx->skel->maps.pystacks, MAX_PY_STACKS);
		ctx->skel->rodata->python = true;
	}
	bpf_map__set_max_entries(ctx->skel->maps.slots, ctx->max_slots);
	bpf_map__set_max_entries(ctx->skel->maps.hists, ctx->max_slots);
	/* only a command's children are followed */
	if (!ctx->command)
		bpf_map__set_max_entries(ctx->skel->maps.tgids, 1);
	/* Only one of the per-task maps is used: keep the other small. */
	if (btf)
		bpf_map__set_max_entries(ctx->skel->maps.tid_states, 1);
	bpf_object__for_each_program(prog, ctx->skel->obj) {
		bool raw = strstr(bpf_program__name(prog), "_raw") != NULL;

		bpf_program__set_autoload(prog, raw != btf);
	}
	err = sched_bpf__load(ctx->skel);
	if (err)
		return err;
	if (ctx->command) {
		__u32 tgid = (__u32)ctx->pid;
		__u8 one = 1;

		/* the paused command: what it and its descendants do is traced */
		err = bpf_map_update_elem(bpf_map__fd(ctx->skel->maps.tgids), &tgid, &one, BPF_ANY);
		if (err)
			return -errno;
	}
	/* the loaded set: the tp_btf programs or their raw_tp twins */
	err = sched_bpf__attach(ctx->skel);
	if (err)
		return err;
	ctx->btf = btf;
	return 0;
}

static int load_and_attach(struct sched_ctx *ctx)
{
	int err;

	/* TAILTRACE_NO_TP_BTF=1 plays a kernel that refuses tp_btf (the tests use it). */
	err = getenv("TAILTRACE_NO_TP_BTF") ? -EOPNOTSUPP : load_set(ctx, true);
	if (err) {
		/* BTF-enabled tracepoints refused (older kernels, or no task storage): the
		 * raw_tp twins keep per-task state in a hash map instead. */
		msg_verbose("tp_btf programs refused (%s): using raw_tp", strerror(-err));
		detach_all(ctx);
		err = load_set(ctx, false);
	}
	if (err) {
		msg_error("cannot attach to the scheduler's tracepoints: %s (run with -vv for "
			  "libbpf's log)", strerror(-err));
		return 1;
	}
	msg_verbose("attached the %s programs; %u histogram slots of %zu bytes (%zu KiB)",
		    ctx->btf ? "tp_btf" : "raw_tp", ctx->max_slots,
		    sizeof(struct hist), ctx->max_slots * sizeof(struct hist) / 1024);
	ctx->scratch = malloc(sizeof(*ctx->scratch));
	if (!ctx->scratch)
		return 1;
	return 0;
}

static const struct {
	const char *metric, *reason, *state;
} kinds[SCHED_KINDS] = {
	[SCHED_RUNQ] = { "sched.runq_latency", NULL, NULL },
	[SCHED_OFF_SLEEP] = { "sched.offcpu", "sleep", "S" },
	[SCHED_OFF_SLEEP_D] = { "sched.offcpu", "sleep", "D" },
	[SCHED_OFF_PREEMPTED] = { "sched.offcpu", "preempted", "R" },
	[SCHED_ONCPU] = { "sched.oncpu", NULL, NULL },
};

/* Labels of one histogram: the --by key first, then what kind of time it is. */
static int add_labels(struct sched_ctx *ctx, struct series *se, const struct sched_key *k)
{
	char buf[PATH_MAX], comm[SCHED_COMM_LEN + 1];
	int err = 0;

	memcpy(comm, k->comm, SCHED_COMM_LEN);
	comm[SCHED_COMM_LEN] = 0;
	switch (ctx->by) {
	case SCHED_BY_PID:
	case SCHED_BY_TID:
		snprintf(buf, sizeof(buf), "%u", k->id);
		err = series_add_label(se, by_names[ctx->by], buf) ||
		      series_add_label(se, "comm", comm);
		break;
	case SCHED_BY_CPU:
		snprintf(buf, sizeof(buf), "%u", k->id);
		err = series_add_label(se, "cpu", buf);
		break;
	case SCHED_BY_CGROUP:
		err = series_add_label(se, "cgroup", cgroup_name(k->cgroup, buf, sizeof(buf)));
		break;
	case SCHED_BY_COMM:
		err = series_add_label(se, "comm", comm);
		break;
	}
	if (!err && kinds[k->kind].reason)
		err = series_add_label(se, "reason", kinds[k->kind].reason) ||
		      series_add_label(se, "state", kinds[k->kind].state);
	return err ? -ENOMEM : 0;
}

/* One slot's histogram of the whole run: a keyed series, left out of a report while empty. */
static int add_slot(struct sched_ctx *ctx, struct snapshot *s, uint32_t slot,
		    const struct sched_key *k)
{
	struct series *se;
	int err = map_read_hist(bpf_map__fd(ctx->skel->maps.hists), slot, ctx->scratch);

	if (err)
		return err;
	if (!ctx->scratch->count)
		return 0;
	if (snapshot_add_hist(s, kinds[k->kind].metric, "ns", ctx->scratch, &se))
		return -ENOMEM;
	se->sparse = true;
	return add_labels(ctx, se, k);
}

struct slot_walk {
	struct sched_ctx *ctx;
	struct snapshot *s;
	uint32_t kind;
};

static int add_slot_of_kind(void *data, const void *key, uint32_t slot)
{
	struct slot_walk *w = data;
	const struct sched_key *k = key;

	return k->kind == w->kind ? add_slot(w->ctx, w->s, slot, k) : 0;
}

/* Adds the frames of stack id to st, leaf first: a kernel stack without the tracer's own
 * leaf frames, a user stack up to where a frame-pointer walk left code built without frame
 * pointers (what lies above a frame that resolves to nothing is noise). */
static int add_frames(struct sched_ctx *ctx, struct stack *st, int id, bool kernel, int pid,
		      uint32_t pystack)
{
	__u64 ips[SCHED_STACK_DEPTH] = {};
	struct pymerge m = { 0 };
	int n = 0;

	if (!kernel && ctx->py)
		pymerge_begin(ctx->py, pystack, &m);

	if (id < 0 || bpf_map_lookup_elem(bpf_map__fd(ctx->skel->maps.stackmap), &id, ips))
		return kernel ? 0 : pymerge_end(&m, st);
	if (kernel)
		return sym_frames_add_kernel_stack(ctx->sym, st, (const uint64_t *)ips,
						   SCHED_STACK_DEPTH);
	while (n < SCHED_STACK_DEPTH && ips[n])
		n++;
	for (int i = 0; i < n; i++) {
		int r = sym_frames_add_user(ctx->sym, st, pid, ips[i], i > 0, true, &m);

		if (r < 0)
			return r;
		if (r)
			break;
	}
	/* frame pointers end in Debian's python3 within a few frames: its Python frames
	 * that no evaluator's frame stood for go above those */
	return pymerge_end(&m, st);
}

/* Blocked time by stack, for the whole run so far: a stack per distinct kernel and user
 * stack, process and comm, weighed in ns, counted in blocks. */
static int add_stacks(struct sched_ctx *ctx, struct snapshot *s)
{
	int fd = bpf_map__fd(ctx->skel->maps.offcpu);
	struct offcpu_key k, next;
	struct offcpu_val val;
	struct series *se;
	bool first = true;

	if (snapshot_add_stacks(s, "sched.offcpu_stack", "ns", &se))
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		char pid[16], comm[SCHED_COMM_LEN + 1];
		struct stack *st;

		first = false;
		k = next;
		if (bpf_map_lookup_elem(fd, &k, &val))
			continue;
		memcpy(comm, k.comm, SCHED_COMM_LEN);
		comm[SCHED_COMM_LEN] = 0;
		snprintf(pid, sizeof(pid), "%u", k.tgid);
		if (series_add_stack(se, val.total_ns, val.count, &st) ||
		    stack_add_label(st, "comm", comm) || stack_add_label(st, "pid", pid) ||
		    add_frames(ctx, st, k.kstack, true, (int)k.tgid, 0) ||
		    add_frames(ctx, st, k.ustack, false, (int)k.tgid, k.pystack))
			return -ENOMEM;
	}
	/* kernel stack ids differ where only the noise above a user stack does */
	series_merge_stacks(se);
	return 0;
}

/* The mappings of a process that blocked are read as soon as it is seen (every 20 ms) and
 * again every 0.5 s while it lives (libraries come after exec, or by dlopen): once it has
 * exited there are none to read, and its stacks are symbolized from what was read. */
static void sched_periodic(void *data)
{
	struct sched_ctx *ctx = data;
	int fd = bpf_map__fd(ctx->skel->maps.offcpu);
	bool refresh = ++ctx->periodic_calls % 25 == 0, first = true;
	struct offcpu_key k, next;
	uint32_t seen[64];
	size_t nseen = 0;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		bool dup = false;

		first = false;
		k = next;
		/* named while the process lives */
		if (k.pystack)
			pyframes_resolve(ctx->py, k.pystack);
		for (size_t i = 0; i < nseen; i++)
			dup |= seen[i] == k.tgid;
		if (dup)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = k.tgid;
		if (refresh || !symbolizer_has_pid(ctx->sym, (int)k.tgid))
			symbolizer_cache_pid(ctx->sym, (int)k.tgid);
		pyframes_note_pid(ctx->py, (int)k.tgid);
		if (refresh)
			pyframes_recheck(ctx->py, (int)k.tgid);
	}
}

/* The host line and the worst run-queue wait: summaries of whatever the report covers. */
static int add_summaries(struct sched_ctx *ctx, struct snapshot *s)
{
	struct summary *sm;
	char note[64];

	snprintf(note, sizeof(note), "(%u CPUs%s)", ctx->ncpus,
		 ctx->pid || ctx->comm || ctx->cgroup_id ? "; filtered" : "");
	if (snapshot_add_summary(s, "sched.host", "Host", NULL, SUMMARY_LINE, &sm) ||
	    summary_set_note(sm, note) ||
	    summary_add_col(sm, "context switches", "sched.switches", NULL, NULL, STAT_COUNT,
			    false, false) ||
	    summary_add_col(sm, "rate", "sched.switches", NULL, NULL, STAT_RATE, false,
			    false) ||
	    summary_add_col(sm, "voluntary", "sched.switches", "kind", "voluntary", STAT_COUNT,
			    false, false) ||
	    summary_add_col(sm, "involuntary", "sched.switches", "kind", "involuntary",
			    STAT_COUNT, false, false) ||
	    summary_add_col(sm, "wakeups", "sched.wakeups", NULL, NULL, STAT_COUNT, false, false) ||
	    summary_add_col(sm, "migrations", "sched.migrations", NULL, NULL, STAT_COUNT, false,
			    false))
		return -ENOMEM;
	/* A p99 of a handful of waits is noise: keys with 20 waits or more come first. */
	if (snapshot_add_summary(s, "sched.worst_runq", "Worst run-queue p99", by_names[ctx->by],
				 SUMMARY_LINE, &sm) ||
	    summary_add_col(sm, "p99", "sched.runq_latency", NULL, NULL, STAT_P99, true, false) ||
	    summary_add_col(sm, "waits", "sched.runq_latency", NULL, NULL, STAT_COUNT, false,
			    false) ||
	    summary_add_col(sm, "max", "sched.runq_latency", NULL, NULL, STAT_MAX, false, false))
		return -ENOMEM;
	sm->top = 1;
	sm->prefer_min = 20;
	return snapshot_describe_metric(s, "sched.runq_latency", NULL, 3, 15) ||
	       snapshot_describe_metric(s, "sched.offcpu", NULL, 3, 15) ||
	       snapshot_describe_metric(s, "sched.oncpu", NULL, 3, 15) ? -ENOMEM : 0;
}

static int sched_read(void *data, struct snapshot *s, bool stacks)
{
	struct sched_ctx *ctx = data;
	int fd = bpf_map__fd(ctx->skel->maps.slots);
	uint64_t cnt[SCHED_CNT_MAX];
	struct series *se;
	int err = add_summaries(ctx, s);

	/* Kind by kind, so that each metric's series come together. */
	for (uint32_t kind = 0; kind < SCHED_KINDS && !err; kind++) {
		if (ctx->by == SCHED_BY_CPU) {
			for (uint32_t cpu = 0; cpu < ctx->ncpus && !err; cpu++) {
				struct sched_key k = { .kind = kind, .id = cpu };

				err = add_slot(ctx, s, kind * ctx->ncpus + cpu, &k);
			}
			continue;
		}
		struct slot_walk w = { ctx, s, kind };

		err = slots_for_each(fd, sizeof(struct sched_key), ctx->max_slots, add_slot_of_kind,
				     &w);
	}
	if (err)
		return err;

	map_percpu_sums(bpf_map__fd(ctx->skel->maps.counts), SCHED_CNT_MAX, cnt);
	static const struct {
		int which;
		const char *metric, *label, *value;
	} counters[] = {
		{ SCHED_CNT_VOLUNTARY, "sched.switches", "kind", "voluntary" },
		{ SCHED_CNT_INVOLUNTARY, "sched.switches", "kind", "involuntary" },
		{ SCHED_CNT_WAKEUPS, "sched.wakeups", NULL, NULL },
		{ SCHED_CNT_MIGRATIONS, "sched.migrations", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (snapshot_add_counter(s, counters[i].metric, "count", cnt[counters[i].which], &se) ||
		    (counters[i].label &&
		     series_add_label(se, counters[i].label, counters[i].value)))
			return -ENOMEM;
	}
	if (snapshot_add_drop(s, "map_full", cnt[SCHED_DROP_SLOTS] + cnt[SCHED_DROP_STACK_FULL]) ||
	    snapshot_add_drop(s, "no_storage", cnt[SCHED_DROP_STORAGE]) ||
	    (ctx->stacks && snapshot_add_drop(s, "stack_missing", cnt[SCHED_DROP_STACK])) ||
	    (ctx->stacks && snapshot_add_drop(s, "python_stack", cnt[SCHED_DROP_PYSTACK])))
		return -ENOMEM;
	return ctx->stacks && stacks ? add_stacks(ctx, s) : 0;
}

static void sched_free(void *data)
{
	struct sched_ctx *ctx = data;

	free(ctx->scratch);
	detach_all(ctx);
	pyframes_free(ctx->py);
	symbolizer_free(ctx->sym);
}

static void sched_init(void *data)
{
	((struct sched_ctx *)data)->by = SCHED_BY_COMM;
}

static int sched_setup(void *data, const struct common_opts *o, char **args, int nargs)
{
	struct sched_ctx *ctx = data;
	const char *slots = getenv("TAILTRACE_SCHED_SLOTS");
	long ncpus;

	if (nargs && ctx->stacks && !duration_parse(args[0], 1, &(uint64_t){ 0 })) {
		usage_error("unexpected argument '%s': a threshold is written --offcpu-stacks=%s",
			    args[0], args[0]);
		return SETUP_USAGE;
	}
	if (collector_no_args(args, nargs))
		return SETUP_USAGE;
	if (o->stacks_wanted && !ctx->stacks) {
		usage_error("stack output (--format folded|svg|pprof, -o FILE.folded|.svg|.pb.gz) "
			    "writes stacks: add --offcpu-stacks");
		return SETUP_USAGE;
	}
	if (ctx->cgroup_arg && cgroup_resolve_option(ctx->cgroup_arg, ctx->cgroup_path,
						    sizeof(ctx->cgroup_path), &ctx->cgroup_id))
		return SETUP_FAILED;
	ncpus = libbpf_num_possible_cpus();
	ctx->ncpus = ncpus > 0 ? (uint32_t)ncpus : 1;
	ctx->max_slots = ctx->by == SCHED_BY_CPU ? SCHED_KINDS * ctx->ncpus : MAX_SLOTS;
	/* The tests make the slots run out on purpose, to see it reported. */
	if (ctx->by != SCHED_BY_CPU && slots) {
		char *end;
		unsigned long v = strtoul(slots, &end, 10);

		ctx->max_slots = *slots && !*end && v > 0 && v < MAX_SLOTS ? (uint32_t)v : 1;
	}
	return 0;
}

static int sched_attach(void *data, const struct run_target *t, struct loop *loop,
			struct event_sink *sink)
{
	struct sched_ctx *ctx = data;

	(void)sink;
	ctx->pid = t->pid;
	ctx->command = t->command;
	if (load_and_attach(ctx))
		return 1;
	if (ctx->stacks) {
		ctx->sym = symbolizer_new(NULL);
		ctx->py = pyframes_new(bpf_map__fd(ctx->skel->maps.pystack_procs),
				       bpf_map__fd(ctx->skel->maps.pystacks));
		if (!ctx->sym || !ctx->py || loop_add_periodic(loop, LOOP_PERIOD_NS, sched_periodic, ctx))
			return 1;
	}
	return 0;
}

static void sched_describe(void *data, char *buf, size_t len)
{
	struct sched_ctx *ctx = data;

	snprintf(buf, len, "the scheduler by %s%s", by_names[ctx->by],
		 ctx->comm || ctx->cgroup_id ? " (filtered in the kernel)" : "");
}

static const char *const sched_metrics[] = {
	"sched.runq_latency", "sched.offcpu", "sched.oncpu", "sched.offcpu_stack",
	"sched.switches", "sched.wakeups", "sched.migrations", NULL,
};

const struct collector sched_collector = {
	.name = "sched",
	.summary = "run-queue latency, off-CPU and on-CPU time (scheduler)",
	.doc =
	"Why threads wait, measured in the kernel from the scheduler's tracepoints:\n"
	"  sched.runq_latency  from wakeup or preemption until running on a CPU again\n"
	"  sched.offcpu        off CPU, by reason: sleep (state S or D) or preempted (R)\n"
	"  sched.oncpu         each stretch on a CPU\n"
	"and counters of context switches (voluntary, involuntary), wakeups and migrations.\n"
	"Each histogram is per --by key; the keys with the most time come first.\n"
	"\n"
	"Options:\n"
	"      --by KEY        comm (default), pid, tid, cpu or cgroup\n"
	"      --comm NAME     only threads named NAME (at most 15 characters)\n"
	"      --cgroup PATH   only tasks in this cgroup v2 (a path under /sys/fs/cgroup, or\n"
	"                      relative to it)\n"
	"      --offcpu-stacks[=DUR]\n"
	"                      also sum blocked time by kernel and user stack, for blocks\n"
	"                      of DUR or longer (default 1ms); the report ends with the\n"
	"                      top stacks of the whole run; --format folded writes them\n"
	"                      for flamegraph.pl (kernel frames end in _[k]; values in\n"
	"                      microseconds), svg as a flame graph, pprof for go tool pprof;\n"
	"                      CPython 3.11 processes show their Python functions there.\n"
	"                      User stacks are walked by frame pointers, which stop early\n"
	"                      in code built without them (Debian's libc, redis, nginx):\n"
	"                      for whole stacks of blocked time use profile --wall -p PID\n"
	"\n"
	"Examples:\n"
	"  tailtrace sched -d 5                      the whole host for 5 s, by comm\n"
	"  tailtrace sched -p 1234 --by tid          one process, thread by thread\n"
	"  tailtrace sched --by cpu -i 1s            a report per second, per CPU\n"
	"  tailtrace sched --cgroup system.slice/nginx.service -d 10s\n"
	"  tailtrace sched --by tid -- make -j8      a command and its children, until it\n"
	"                                            exits (-p: that process only)\n"
	"  tailtrace sched -p 1234 --offcpu-stacks=10ms --format folded > off.folded\n"
	"  tailtrace sched -p 1234 --offcpu-stacks=10ms -d 30s -o off.svg\n",
	.options = sched_options,
	.flags = COLLECTOR_STACKS,
	.metrics = sched_metrics,
	.size = sizeof(struct sched_ctx),
	.init = sched_init,
	.option = sched_opt,
	.setup = sched_setup,
	.attach = sched_attach,
	.describe = sched_describe,
	.read = sched_read,
	.free = sched_free,
};
