// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profile: where CPU time goes. A perf event on every CPU samples at -F HZ (cycles where the
 * CPU has a PMU, else the software cpu-clock); each sample of a traced task is counted in the
 * kernel by process, thread name and its kernel and user stacks. The whole run's counts are
 * one series of stacks, weighed in nanoseconds (samples x the period).
 *
 * User stacks come by DWARF call frame information (--call-graph dwarf, the default: code
 * built without frame pointers, Debian's libc and python3 among it, still gives whole stacks)
 * or by frame pointers (fp). With dwarf, each sample's registers and stack copy come through
 * a ring buffer drained on the loop's timer, are unwound here (userspace/unwind/) and counted
 * by process, name, kernel stack id and return addresses, up to MAX_DWARF_STACKS distinct.
 * Every sample is unwound, also of code with frame pointers: a walk by frame pointers cannot
 * tell that it is whole, and knowing which processes it would be for costs a second walk.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "abi/profile.h"
#include "core/clock.h"
#include "core/collector.h"
#include "core/loop.h"
#include "core/map_read.h"
#include "core/ring_drain.h"
#include "core/msg.h"
#include "labels/cgroup.h"
#include "profile.skel.h"
#include "collectors/sym_frames.h"
#include "python/pyframes.h"
#include "symbols/symbolizer.h"
#include "unwind/stack_counts.h"
#include "unwind/unwind.h"

#define DEFAULT_HZ 49
#define MAX_HZ 10000
/* Distinct stacks kept (x 1,016 bytes: 33 MiB; a stack whose hash meets another's is lost,
 * so the map is kept roomy) and distinct (process, name, stacks) counted. */
#define MAX_STACKS 32768
#define MAX_KEYS 16384
/* A process whose samples bring new stacks has its mappings read again after this long
 * (libraries come after exec, or by dlopen). */
#define REFRESH_NS 500000000ull
/* dwarf: distinct unwound stacks kept (at most about 1 KiB each) */
#define MAX_DWARF_STACKS 32768
/* dwarf: the stack copies' ring buffer holds this long of samples at 12 KiB each, within
 * [1, 64] MiB; it is drained every LOOP_PERIOD_NS */
#define RING_HOLDS_NS 250000000ull
/* dwarf: unwinding a drain's stack copies takes at most this long (half of LOOP_PERIOD_NS:
 * half a CPU at most), after which a ring still half full is skipped (core/ring_drain.h) */
#define UNWIND_BUDGET_NS 10000000ull
/* --wall: the ring of samples and off-CPU stretches, ~3,000 records (a 20 ms drain at
 * 150,000 switches a second) */
#define WALL_RING (32u << 20)
/* Python: processes walked, and distinct Python stacks kept (1 KiB each) */
#define MAX_PY_PROCS 1024
#define MAX_PY_STACKS 16384

enum call_graph { CALL_GRAPH_DWARF, CALL_GRAPH_FP };

struct seen_pid {
	int pid;
	uint64_t read_ns;	/* when its mappings were last read */
};

struct profile_ctx {
	uint64_t hz;
	const char *comm;
	const char *cgroup_arg;
	char cgroup_path[PATH_MAX];
	uint64_t cgroup_id;
	pid_t pid;			/* the target, 0: the host */
	bool command;
	enum call_graph call_graph;
	bool wall;			/* --wall: off-CPU time beside the samples */
	bool no_python;

	struct profile_bpf *skel;
	bool btf;			/* tp_btf follow programs (else raw_tp) */
	const char *event;		/* "cycles" or "cpu-clock" */
	struct bpf_link **links;	/* one per CPU sampled */
	int nlinks;
	struct ring_buffer *rb;
	struct symbolizer *sym;
	struct pyframes *py;		/* NULL with --no-python */
	struct seen_pid *seen;
	size_t nseen, seen_cap;

	/* dwarf */
	struct ring_drain ustacks;	/* .rb NULL: not dwarf */
	struct unwinder *unwinder;
	struct stack_counts *counts;
	uint64_t over_cap;		/* samples of new stacks past MAX_DWARF_STACKS */
	uint64_t unwind_failed;		/* records that could not be unwound at all */
	/* processes to forget once the copies before are read: < 0 for one that exited
	 * (-pid), > 0 for one that ran exec */
	int *gone;
	size_t ngone, gone_cap;
};

enum { OPT_COMM = 3000, OPT_CGROUP, OPT_CALL_GRAPH, OPT_WALL, OPT_NO_PYTHON, OPT_FREQ = 'F' };

static const struct option profile_options[] = {
	{ "frequency", required_argument, NULL, OPT_FREQ },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "call-graph", required_argument, NULL, OPT_CALL_GRAPH },
	{ "wall", no_argument, NULL, OPT_WALL },
	{ "no-python", no_argument, NULL, OPT_NO_PYTHON },
	{ NULL, 0, NULL, 0 },
};

static void profile_init(void *data)
{
	((struct profile_ctx *)data)->hz = DEFAULT_HZ;
}

static int profile_opt(void *data, int key, const char *arg)
{
	struct profile_ctx *ctx = data;

	switch (key) {
	case OPT_FREQ:
		return opt_uint("-F", arg, 1, MAX_HZ, &ctx->hz);
	case OPT_COMM:
		if (!*arg || strlen(arg) >= PROFILE_COMM_LEN) {
			usage_error("--comm '%s' is %s: the kernel keeps the first %d characters of "
				    "a thread's name; give those", arg,
				    *arg ? "longer than 15 characters" : "empty",
				    PROFILE_COMM_LEN - 1);
			return -EINVAL;
		}
		ctx->comm = arg;
		return 0;
	case OPT_CGROUP:
		ctx->cgroup_arg = arg;
		return 0;
	case OPT_WALL:
		ctx->wall = true;
		return 0;
	case OPT_NO_PYTHON:
		ctx->no_python = true;
		return 0;
	case OPT_CALL_GRAPH:
		if (!strcmp(arg, "dwarf")) {
			ctx->call_graph = CALL_GRAPH_DWARF;
		} else if (!strcmp(arg, "fp")) {
			ctx->call_graph = CALL_GRAPH_FP;
		} else {
			usage_error("--call-graph '%s' is not a way to take user stacks: "
				    "give dwarf (call frame information, the default) or fp "
				    "(frame pointers)", arg);
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

/* The kernel's ceiling on any perf event's rate (it lowers it itself when sampling takes
 * too long); 0 when it cannot be read. */
static uint64_t max_sample_rate(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "re");
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static int profile_setup(void *data, const struct common_opts *o, char **args, int nargs)
{
	struct profile_ctx *ctx = data;
	uint64_t max = max_sample_rate();

	(void)o;
	if (collector_no_args(args, nargs))
		return SETUP_USAGE;
	if (ctx->wall && ctx->call_graph == CALL_GRAPH_FP) {
		usage_error("--wall takes the stacks of blocked threads by DWARF only (a frame-"
			    "pointer walk from a system call skips its caller): drop --call-graph fp");
		return SETUP_USAGE;
	}
	if (ctx->cgroup_arg && cgroup_resolve_option(ctx->cgroup_arg, ctx->cgroup_path,
						     sizeof(ctx->cgroup_path), &ctx->cgroup_id))
		return SETUP_FAILED;
	if (max && ctx->hz > max) {
		msg_error("-F %llu is above the kernel's limit on sampling rates, "
			  "kernel.perf_event_max_sample_rate = %llu: sample at %llu Hz or less",
			  (unsigned long long)ctx->hz, (unsigned long long)max,
			  (unsigned long long)max);
		return SETUP_FAILED;
	}
	return 0;
}

static int open_perf_event(uint32_t type, uint64_t config, uint64_t hz, int cpu)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
		.freq = 1,
		.sample_freq = hz,
	};

	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* One sampling event per online CPU, each running the program: cycles where a PMU counts
 * them, else the software cpu-clock (virtual machines, most containers). 0, or 1 printed. */
static int attach_sampling(struct profile_ctx *ctx)
{
	int ncpus = libbpf_num_possible_cpus();
	uint32_t type = PERF_TYPE_HARDWARE;
	uint64_t config = PERF_COUNT_HW_CPU_CYCLES;

	if (ncpus <= 0) {
		msg_error("cannot count the CPUs: %s", strerror(-ncpus));
		return 1;
	}
	ctx->links = calloc((size_t)ncpus, sizeof(*ctx->links));
	if (!ctx->links)
		return 1;
	ctx->event = "cycles";
	if (getenv("TAILTRACE_PROFILE_CPU_CLOCK")) {
		type = PERF_TYPE_SOFTWARE;
		config = PERF_COUNT_SW_CPU_CLOCK;
		ctx->event = "cpu-clock";
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd = open_perf_event(type, config, ctx->hz, cpu);

		if (fd < 0 && type == PERF_TYPE_HARDWARE && !ctx->nlinks &&
		    (errno == ENOENT || errno == EOPNOTSUPP || errno == ENODEV ||
		     errno == EINVAL)) {
			/* no PMU (or none that counts cycles): time, not cycles */
			msg_verbose("no hardware cycles event (%s): sampling the cpu-clock",
				    strerror(errno));
			type = PERF_TYPE_SOFTWARE;
			config = PERF_COUNT_SW_CPU_CLOCK;
			ctx->event = "cpu-clock";
			fd = open_perf_event(type, config, ctx->hz, cpu);
		}
		if (fd < 0 && errno == ENODEV)
			continue;	/* an offline CPU */
		if (fd < 0) {
			msg_error("cannot open a %s sampling event on CPU %d: %s", ctx->event, cpu,
				  strerror(errno));
			return 1;
		}
		ctx->links[ctx->nlinks] = bpf_program__attach_perf_event(ctx->skel->progs.tt_profile,
									  fd);
		if (!ctx->links[ctx->nlinks]) {
			int err = errno;

			close(fd);
			msg_error("cannot attach the sampling program on CPU %d: %s (run with -vv "
				  "for libbpf's log)", cpu, strerror(err));
			return 1;
		}
		ctx->nlinks++;
	}
	if (!ctx->nlinks) {
		msg_error("no online CPU to sample");
		return 1;
	}
	msg_verbose("sampling %s at %llu Hz on %d CPUs", ctx->event,
		    (unsigned long long)ctx->hz, ctx->nlinks);
	return 0;
}

static void detach_sampling(struct profile_ctx *ctx)
{
	for (int i = 0; i < ctx->nlinks; i++)
		bpf_link__destroy(ctx->links[i]);
	free(ctx->links);
	ctx->links = NULL;
	ctx->nlinks = 0;
}

/* The stack copies' ring buffer: RING_HOLDS_NS of samples on every CPU, a power of two. */
static uint32_t ring_size(uint64_t hz)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t want = hz * (uint64_t)(ncpus > 0 ? ncpus : 1) * 12288 * RING_HOLDS_NS /
			1000000000ull;
	uint32_t size = 1u << 20;

	while (size < want && size < (64u << 20))
		size *= 2;
	return size;
}

/* Opens and loads the programs, with the tp_btf or raw_tp twins of those that see exec and
 * follow a command's children (only with a command). 0, or -errno. */
static int load_set(struct profile_ctx *ctx, bool btf)
{
	struct bpf_program *prog;
	int err;

	ctx->skel = profile_bpf__open();
	if (!ctx->skel)
		return -errno;
	ctx->skel->rodata->filter_tgid = (__u32)ctx->pid;
	ctx->skel->rodata->self_tgid = (__u32)getpid();
	ctx->skel->rodata->follow_children = ctx->command;
	if (ctx->comm) {
		ctx->skel->rodata->filter_by_comm = true;
		memcpy((char *)ctx->skel->rodata->filter_comm, ctx->comm, strlen(ctx->comm));
	}
	ctx->skel->rodata->filter_cgroup = ctx->cgroup_id;
	ctx->skel->rodata->dwarf = ctx->call_graph == CALL_GRAPH_DWARF;
	ctx->skel->rodata->wall = ctx->wall;
	/* --wall keeps a thread's stack in task storage, which only tp_btf programs reach */
	if (ctx->wall && !btf)
		return -EOPNOTSUPP;
	/* --wall: a record a context switch besides the samples, far more than -F makes */
	if (ctx->call_graph == CALL_GRAPH_DWARF)
		bpf_map__set_max_entries(ctx->skel->maps.ustacks,
					 ctx->wall ? WALL_RING : ring_size(ctx->hz));
	bpf_map__set_max_entries(ctx->skel->maps.stackmap, MAX_STACKS);
	bpf_map__set_max_entries(ctx->skel->maps.samples, MAX_KEYS);
	ctx->skel->rodata->python = !ctx->no_python;
	if (!ctx->no_python) {
		bpf_map__set_max_entries(ctx->skel->maps.pystack_procs, MAX_PY_PROCS);
		bpf_map__set_max_entries(ctx->skel->maps.pystacks, MAX_PY_STACKS);
	}
	if (!ctx->command)
		bpf_map__set_max_entries(ctx->skel->maps.tgids, 1);
	bpf_object__for_each_program(prog, ctx->skel->obj) {
		const char *name = bpf_program__name(prog);
		bool raw = strstr(name, "_raw") != NULL;
		bool follow = strstr(name, "_fork") || strstr(name, "_exit");
		bool gone = strstr(name, "_gone") != NULL;

		if (!strcmp(name, "tt_profile_switch"))
			bpf_program__set_autoload(prog, ctx->wall);
		else if (gone)
			bpf_program__set_autoload(prog, raw != btf &&
						  ctx->call_graph == CALL_GRAPH_DWARF);
		else if (strcmp(name, "tt_profile"))
			bpf_program__set_autoload(prog, raw != btf && (ctx->command || !follow));
	}
	err = profile_bpf__load(ctx->skel);
	if (err)
		return err;
	if (ctx->command) {
		__u32 tgid = (__u32)ctx->pid;
		__u8 one = 1;

		err = bpf_map_update_elem(bpf_map__fd(ctx->skel->maps.tgids), &tgid, &one, BPF_ANY);
		if (err)
			return -errno;
	}
	/* the follow programs; the sampling program is attached to its events apart */
	err = profile_bpf__attach(ctx->skel);
	if (err)
		return err;
	ctx->btf = btf;
	return 0;
}

/* Reads the mappings of pid when it is new, or again when they were read a while ago (a
 * new stack may run code of a library loaded since) or before its last exec. exec: only
 * note that it ran exec; its next new stack reads them. */
static void note_pid(struct profile_ctx *ctx, int pid, bool exec)
{
	uint64_t now = mono_now_ns();
	size_t i;

	if (ctx->py && !exec)
		pyframes_note_pid(ctx->py, pid);
	for (i = 0; i < ctx->nseen && ctx->seen[i].pid != pid; i++)
		;
	if (i == ctx->nseen) {
		/* nothing read before it to forget: only processes with samples are kept, as
		 * many as the count map holds keys at most */
		if (exec)
			return;
		if (ctx->nseen == ctx->seen_cap) {
			size_t cap = ctx->seen_cap ? ctx->seen_cap * 2 : 64;
			struct seen_pid *v = realloc(ctx->seen, cap * sizeof(*v));

			if (!v)
				return;
			ctx->seen = v;
			ctx->seen_cap = cap;
		}
		ctx->seen[ctx->nseen++] = (struct seen_pid){ pid, 0 };
	} else if (exec) {
		ctx->seen[i].read_ns = 0;
		return;
	} else if (ctx->seen[i].read_ns && now - ctx->seen[i].read_ns < REFRESH_NS) {
		return;
	}
	ctx->seen[i].read_ns = now;
	symbolizer_cache_pid(ctx->sym, pid);
}

/* A process gone: its entry goes, so that a fork storm's thousands of short-lived processes
 * neither grow the list nor slow note_pid's search (its symbols, read while it lived, stay). */
static void unsee_pid(struct profile_ctx *ctx, int pid)
{
	for (size_t i = 0; i < ctx->nseen; i++) {
		if (ctx->seen[i].pid == pid) {
			ctx->seen[i] = ctx->seen[--ctx->nseen];
			return;
		}
	}
}

/* dwarf: forgets pid once the stack copies already sent are unwound (drain). */
static void forget_later(struct profile_ctx *ctx, int pid)
{
	if (ctx->ngone == ctx->gone_cap) {
		size_t cap = ctx->gone_cap ? ctx->gone_cap * 2 : 16;
		int *v = realloc(ctx->gone, cap * sizeof(*v));

		if (!v) {
			/* forgotten now: at worst a few copies of it are not unwound */
			unwinder_forget(ctx->unwinder, pid < 0 ? -pid : pid);
			return;
		}
		ctx->gone = v;
		ctx->gone_cap = cap;
	}
	ctx->gone[ctx->ngone++] = pid;
}

static int on_new(void *data, void *raw, size_t size)
{
	const struct profile_new *n = raw;
	struct profile_ctx *ctx = data;

	if (size < sizeof(*n))
		return 0;
	if (n->what != PROFILE_NEW_EXIT)
		note_pid(ctx, (int)n->tgid, n->what == PROFILE_NEW_EXEC);
	if (ctx->py && n->what == PROFILE_NEW_KEY && size >= sizeof(*n))
		pyframes_resolve(ctx->py, n->pystack);
	else if (ctx->py && n->what == PROFILE_NEW_EXEC)
		pyframes_exec(ctx->py, (int)n->tgid);
	else if (ctx->py && n->what == PROFILE_NEW_EXIT && !ctx->unwinder)
		pyframes_exit(ctx->py, (int)n->tgid);
	/* after exec its files are another program's; after exit there is no process (and
	 * the Python reader forgets it then too: its copies still queued would make it anew) */
	if (ctx->unwinder && n->what != PROFILE_NEW_KEY)
		forget_later(ctx, n->what == PROFILE_NEW_EXIT ? -(int)n->tgid : (int)n->tgid);
	return 0;
}

/* dwarf: one sample's stack copy, unwound and counted. */
static int on_ustack(void *data, void *raw, size_t size)
{
	const struct ustack_sample *s = raw;
	struct profile_ctx *ctx = data;
	uint64_t ips[PROFILE_STACK_DEPTH];
	struct stack_count key = {};
	size_t n = 0;
	int err;

	if (size < USTACK_HEADER_SIZE)
		return 0;
	note_pid(ctx, (int)s->tgid, false);
	key.pystack = (uint32_t)(s->cookie >> 32);
	if (ctx->py && key.pystack)
		pyframes_resolve(ctx->py, key.pystack);
	err = unwinder_unwind_sample(ctx->unwinder, s, size, ips, PROFILE_STACK_DEPTH, &n,
				     &key.complete);
	if (err || !n) {
		/* the process is gone before its first copy was read: one unknown frame */
		ctx->unwind_failed++;
		ips[0] = 0;
		n = 1;
		key.complete = false;
	}
	key.pid = s->tgid;
	key.kstack = (int32_t)(uint32_t)s->cookie;
	/* --wall: an off-CPU stretch weighs its ns, a sample one period */
	key.tag = s->flags >> PROFILE_STATE_SHIFT;
	key.value = key.tag != PROFILE_RUNNING ? s->value : 1000000000ull / ctx->hz;
	memcpy(key.comm, s->comm, sizeof(key.comm));
	key.ips = ips;
	key.n = (uint32_t)n;
	err = stack_counts_add(ctx->counts, &key);
	if (err == -ENOSPC || err == -ENOMEM)
		ctx->over_cap++;
	return 0;
}

static void drain(void *data)
{
	struct profile_ctx *ctx = data;

	/* notices first, so that a process's exit is applied after its last copies */
	ring_buffer__consume(ctx->rb);
	if (!ctx->ustacks.rb)
		return;
	/* stopped by its budget: the copies of the processes gone are still to be read */
	if (!ring_drain_run(&ctx->ustacks))
		return;
	for (size_t i = 0; i < ctx->ngone; i++) {
		int pid = ctx->gone[i] < 0 ? -ctx->gone[i] : ctx->gone[i];

		unwinder_forget(ctx->unwinder, pid);
		unsee_pid(ctx, pid);
		if (ctx->py && ctx->gone[i] < 0)
			pyframes_exit(ctx->py, pid);
	}
	ctx->ngone = 0;
}

static int profile_attach(void *data, const struct run_target *t, struct loop *loop,
			  struct event_sink *sink)
{
	struct profile_ctx *ctx = data;
	int err;

	(void)sink;
	ctx->pid = t->pid;
	ctx->command = t->command;
	/* TAILTRACE_NO_TP_BTF=1 plays a kernel that refuses tp_btf (the tests use it). */
	err = getenv("TAILTRACE_NO_TP_BTF") ? -EOPNOTSUPP : load_set(ctx, true);
	if (err) {
		msg_verbose("tp_btf programs refused (%s): using raw_tp", strerror(-err));
		profile_bpf__destroy(ctx->skel);
		err = load_set(ctx, false);
	}
	if (err && ctx->wall) {
		msg_error("cannot load the programs of --wall: %s; it needs BTF-enabled tracepoints "
			  "(tp_btf) and task storage (Linux 5.11 or later): profile without --wall "
			  "(run with -vv for libbpf's log)", strerror(-err));
		return 1;
	}
	if (err) {
		msg_error("cannot load the sampling programs: %s (run with -vv for libbpf's log)",
			  strerror(-err));
		return 1;
	}
	ctx->sym = symbolizer_new(NULL);
	if (!ctx->no_python) {
		ctx->py = pyframes_new(bpf_map__fd(ctx->skel->maps.pystack_procs),
				       bpf_map__fd(ctx->skel->maps.pystacks));
		if (!ctx->py) {
			msg_error("cannot set up the reader of Python frames: %s", strerror(ENOMEM));
			return 1;
		}
	}
	ctx->rb = ring_buffer__new(bpf_map__fd(ctx->skel->maps.news), on_new, ctx, NULL);
	if (!ctx->sym || !ctx->rb) {
		msg_error("cannot set up the symbolizer and its ring buffer: %s", strerror(errno));
		return 1;
	}
	if (ctx->call_graph == CALL_GRAPH_DWARF) {
		ctx->unwinder = unwinder_new();
		ctx->counts = stack_counts_new(MAX_DWARF_STACKS);
		err = ring_drain_init(&ctx->ustacks, bpf_map__fd(ctx->skel->maps.ustacks),
				      on_ustack, ctx, loop, UNWIND_BUDGET_NS);
		if (!ctx->unwinder || !ctx->counts || err) {
			msg_error("cannot set up the unwinder and its ring buffer: %s",
				  strerror(errno ? errno : ENOMEM));
			return 1;
		}
	}
	if (loop_add_periodic(loop, LOOP_PERIOD_NS, drain, ctx)) {
		msg_error("cannot add the ring buffers' drain to the loop: %s", strerror(errno));
		return 1;
	}
	return attach_sampling(ctx);
}

/* Ends the sampling before the last read, so that it and the last drain agree. */
static void profile_stop(void *data)
{
	detach_sampling(data);
}

/* Adds the frames of kernel stack id to st, leaf first. */
static int add_kernel_frames(struct profile_ctx *ctx, struct stack *st, int id)
{
	__u64 ips[PROFILE_STACK_DEPTH] = {};

	if (id < 0 || bpf_map_lookup_elem(bpf_map__fd(ctx->skel->maps.stackmap), &id, ips))
		return 0;
	/* --wall's switch-out stacks begin in the tracer: not the thread's */
	return sym_frames_add_kernel_stack(ctx->sym, st, (const uint64_t *)ips,
					   PROFILE_STACK_DEPTH);
}

/*
 * A sample's user frames as model frames: ips[0..n) are the addresses of process pid, leaf
 * first. unwound: they come from the call frame information, every one a real frame, each
 * kept (one in no known file shows as its address). Else from a frame-pointer walk: the
 * leaf stays even where nothing is mapped (code generated at run time); above it, an
 * address in no mapping means the walk left code built without frame pointers and reads
 * noise: the stack ends there. It ends too at the thread's start (_start, start_thread): a
 * walk that goes on reads whatever the start left in its registers.
 */
static int add_user_frames(struct profile_ctx *ctx, struct stack *st, int pid,
			   const uint64_t *ips, size_t n, bool unwound, uint32_t pystack)
{
	struct pymerge m = { 0 };

	if (ctx->py)
		pymerge_begin(ctx->py, pystack, &m);
	for (size_t i = 0; i < n; i++) {
		int r = sym_frames_add_user(ctx->sym, st, pid, ips[i], i > 0, i && !unwound, &m);

		if (r < 0)
			return r;
		if (r)
			break;
		if (!unwound && frame_is_thread_start(&st->frames[st->nframes - 1]))
			break;
	}
	return pymerge_end(&m, st);
}

/* The user frames of a key: none for a kernel thread; one unknown frame where the walk
 * failed, so that the sample still counts as a user stack, and an incomplete one. */
static int add_key_user_frames(struct profile_ctx *ctx, struct stack *st,
			       const struct profile_key *k)
{
	uint64_t ips[PROFILE_STACK_DEPTH] = {};
	size_t n = 0;

	if (k->user == PROFILE_USER_NONE)
		return 0;
	if (k->ustack < 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(ctx->skel->maps.stackmap), &k->ustack, ips))
		return stack_add_frame(st, 0, NULL, 0, NULL, NULL, FRAME_USER) ? -ENOMEM : 0;
	while (n < PROFILE_STACK_DEPTH && ips[n])
		n++;
	return add_user_frames(ctx, st, (int)k->tgid, ips, n, false, k->pystack);
}

/* --wall: the root frame and label that say what a stack's time is */
static const char *const state_names[] = {
	[PROFILE_RUNNING] = "running", [PROFILE_BLOCKED] = "blocked",
	[PROFILE_PREEMPTED] = "preempted",
};
static const char *const state_frames[] = {
	[PROFILE_RUNNING] = "[running]", [PROFILE_BLOCKED] = "[blocked]",
	[PROFILE_PREEMPTED] = "[preempted]",
};

static int add_state(struct profile_ctx *ctx, struct stack *st, uint32_t state)
{
	if (!ctx->wall || state > PROFILE_PREEMPTED)
		return 0;
	return stack_add_label(st, "state", state_names[state]) ||
	       stack_add_frame(st, 0, state_frames[state], 0, NULL, NULL, FRAME_USER) ?
	       -ENOMEM : 0;
}

/* dwarf: the stacks unwound in userspace, as add_stacks adds the kernel's counts. */
static int add_unwound_stacks(struct profile_ctx *ctx, struct series *se)
{
	for (size_t i = 0; i < stack_counts_len(ctx->counts); i++) {
		const struct stack_count *c = stack_counts_at(ctx->counts, i);
		char pid[16], comm[STACK_COUNTS_COMM_LEN + 1];
		struct stack *st;

		memcpy(comm, c->comm, STACK_COUNTS_COMM_LEN);
		comm[STACK_COUNTS_COMM_LEN] = 0;
		snprintf(pid, sizeof(pid), "%u", c->pid);
		if (series_add_stack(se, c->value, c->count, &st) ||
		    stack_add_label(st, "comm", comm) || stack_add_label(st, "pid", pid) ||
		    add_kernel_frames(ctx, st, c->kstack) ||
		    add_user_frames(ctx, st, (int)c->pid, c->ips, c->n, true, c->pystack) ||
		    add_state(ctx, st, c->tag))
			return -ENOMEM;
		st->complete = c->complete;
	}
	return 0;
}

/* Samples by stack, for the whole run so far: weighed in ns (samples x the period of -F),
 * counted in samples. */
static int add_stacks(struct profile_ctx *ctx, struct snapshot *s)
{
	int fd = bpf_map__fd(ctx->skel->maps.samples);
	uint64_t period_ns = 1000000000ull / ctx->hz;
	struct profile_key k, next;
	struct series *se;
	bool first = true;
	__u64 n;

	if (snapshot_add_stacks(s, ctx->wall ? "profile.wall" : "profile.cpu", "ns", &se) ||
	    series_add_label(se, "event", ctx->event))
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		char pid[16], comm[PROFILE_COMM_LEN + 1];
		struct stack *st;

		first = false;
		k = next;
		if (bpf_map_lookup_elem(fd, &k, &n) || !n)
			continue;
		memcpy(comm, k.comm, PROFILE_COMM_LEN);
		comm[PROFILE_COMM_LEN] = 0;
		snprintf(pid, sizeof(pid), "%u", k.tgid);
		if (series_add_stack(se, n * period_ns, n, &st) ||
		    stack_add_label(st, "comm", comm) || stack_add_label(st, "pid", pid) ||
		    add_kernel_frames(ctx, st, k.kstack) || add_key_user_frames(ctx, st, &k) ||
		    add_state(ctx, st, PROFILE_RUNNING))
			return -ENOMEM;
	}
	if (ctx->counts && add_unwound_stacks(ctx, se))
		return -ENOMEM;
	/* user stack ids differ where only the noise above a walk's end does; unwound
	 * stacks where only the call sites do */
	series_merge_stacks(se);
	return 0;
}

static int profile_read(void *data, struct snapshot *s, bool stacks)
{
	struct profile_ctx *ctx = data;
	uint64_t cnt[PROFILE_CNT_MAX];

	map_percpu_sums(bpf_map__fd(ctx->skel->maps.counts), PROFILE_CNT_MAX, cnt);
	if (snapshot_add_counter(s, "profile.samples", "count", cnt[PROFILE_CNT_SAMPLES], NULL) ||
	    snapshot_add_counter(s, "profile.idle_samples", "count", cnt[PROFILE_CNT_IDLE], NULL) ||
	    snapshot_add_drop(s, "map_full", cnt[PROFILE_DROP_FULL] + cnt[PROFILE_DROP_FOLLOW] +
			      ctx->over_cap) ||
	    snapshot_add_drop(s, "stack_missing", cnt[PROFILE_DROP_KSTACK] +
			      cnt[PROFILE_DROP_USTACK] + ctx->unwind_failed) ||
	    (ctx->py && snapshot_add_drop(s, "python_stack", cnt[PROFILE_DROP_PYSTACK])) ||
	    (ctx->call_graph == CALL_GRAPH_DWARF &&
	     (snapshot_add_drop(s, "ringbuf", cnt[PROFILE_DROP_RINGBUF]) ||
	      snapshot_add_drop(s, "unwind_behind", ctx->ustacks.behind) ||
	      snapshot_add_drop(s, "unwind_end", ctx->ustacks.cut))) ||
	    snapshot_add_drop(s, "stack_collision", cnt[PROFILE_DROP_COLLIDE]))
		return -ENOMEM;
	return stacks ? add_stacks(ctx, s) : 0;
}

static void profile_describe(void *data, char *buf, size_t len)
{
	struct profile_ctx *ctx = data;

	snprintf(buf, len, "%s, %s at %llu Hz per CPU, user stacks by %s%s",
		 ctx->wall ? "CPU samples and off-CPU time" : "CPU samples", ctx->event,
		 (unsigned long long)ctx->hz,
		 ctx->call_graph == CALL_GRAPH_DWARF ? "DWARF CFI" : "frame pointers",
		 ctx->comm || ctx->cgroup_id ? " (filtered in the kernel)" : "");
}

static void profile_free(void *data)
{
	struct profile_ctx *ctx = data;

	detach_sampling(ctx);
	if (ctx->unwinder) {
		struct unwind_stats us;

		unwinder_stats(ctx->unwinder, &us);
		msg_verbose("unwound %llu user stacks, %llu to the thread's start; %llu processes, "
			    "%llu files opened, %llu shared, %llu failed",
			    (unsigned long long)us.samples, (unsigned long long)us.complete,
			    (unsigned long long)us.processes, (unsigned long long)us.files_opened,
			    (unsigned long long)us.files_shared,
			    (unsigned long long)us.files_failed);
	}
	if (ctx->py) {
		struct pyframes_stats ps;

		pyframes_stats(ctx->py, &ps);
		msg_verbose("Python: %llu processes of 3.11 read, %llu refused, %llu of another "
			    "version; %llu stacks named, %llu not; %llu code objects read",
			    (unsigned long long)ps.processes, (unsigned long long)ps.rejected,
			    (unsigned long long)ps.other, (unsigned long long)ps.stacks,
			    (unsigned long long)ps.failed, (unsigned long long)ps.codes);
	}
	pyframes_free(ctx->py);
	ring_drain_free(&ctx->ustacks);
	unwinder_free(ctx->unwinder);
	stack_counts_free(ctx->counts);
	free(ctx->gone);
	ring_buffer__free(ctx->rb);
	profile_bpf__destroy(ctx->skel);
	symbolizer_free(ctx->sym);
	free(ctx->seen);
}

const struct collector profile_collector = {
	.name = "profile",
	.summary = "where CPU time goes: sampled kernel and user stacks",
	.doc =
	"Samples what every CPU runs, -F times a second (cycles where the CPU has a PMU, else\n"
	"the software cpu-clock), and counts the samples by process, thread name and kernel and\n"
	"user stack:\n"
	"  profile.cpu         stacks; value = samples x 1/HZ in ns, count = samples\n"
	"The report gives the top functions by self time (the leaf frame) and total time (any\n"
	"frame), the heaviest stacks, and how many samples have a user stack that reaches the\n"
	"thread's start (_start, __libc_start_main, start_thread, clone3): code built without\n"
	"frame pointers cuts stacks short unless they are unwound by --call-graph dwarf.\n"
	"\n"
	"Options:\n"
	"  -F, --frequency HZ  samples per second on each CPU, 1 to 10000 (default 49)\n"
	"      --comm NAME     only threads named NAME (at most 15 characters)\n"
	"      --cgroup PATH   only tasks in this cgroup v2 (a path under /sys/fs/cgroup, or\n"
	"                      relative to it)\n"
	"      --call-graph dwarf|fp\n"
	"                      how user stacks are taken (default dwarf):\n"
	"                      dwarf: a copy of each sample's stack (up to 16 KiB) unwound here\n"
	"                      with the binaries' call frame information, whole also through\n"
	"                      code built without frame pointers (Debian's libc, python3,\n"
	"                      nginx, redis); costs more a sample: the copy in the kernel\n"
	"                      (its program runs about 4 us against 2 us for fp) and an unwind\n"
	"                      here.\n"
	"                      fp: walked by frame pointers in the kernel and counted there:\n"
	"                      cheaper, for programs and libraries all built with\n"
	"                      -fno-omit-frame-pointer, or high rates on many CPUs\n"
	"      --wall          wall-clock time: the samples (x the period) and the time the\n"
	"                      traced threads spend off CPU, by the stack they left in, as\n"
	"                      one series, profile.wall (ns); each stack's root frame and\n"
	"                      state label say [running], [blocked] or [preempted]. dwarf\n"
	"                      only; costs a stack copy at every switch of a traced thread\n"
	"                      and 16 KiB of kernel memory per traced thread; without -p,\n"
	"                      --comm, --cgroup or a command, every thread of the host\n"
	"      --no-python     CPython 3.11 processes: keep the interpreter's native frames\n"
	"                      (by default the Python functions, with file and line, take\n"
	"                      the place of the interpreter loop's frames)\n"
	"\n"
	"Examples:\n"
	"  tailtrace profile -d 10s                  the whole host for 10 s\n"
	"  tailtrace profile -p 1234 -F 999 -d 5s    one process, 999 samples a second\n"
	"  tailtrace profile --wall -p 1234 -d 10s -o wall.svg\n"
	"                                            running and blocked time side by side\n"
	"  tailtrace profile --format folded -- ./app > app.folded\n"
	"                                            a command and its children, for\n"
	"                                            flamegraph.pl (values in microseconds)\n",
	.options = profile_options,
	.shortopts = "F:",
	.flags = COLLECTOR_STACKS | COLLECTOR_ALWAYS_STACKS,
	.size = sizeof(struct profile_ctx),
	.init = profile_init,
	.option = profile_opt,
	.setup = profile_setup,
	.attach = profile_attach,
	.stop = profile_stop,
	.describe = profile_describe,
	.read = profile_read,
	.free = profile_free,
};
