// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * func: latency of user functions. PROBE globs are resolved to functions (uprobe/targets),
 * one uprobe_multi link per binary and direction times them (uprobe/attach), and the
 * in-kernel histograms (one per function, a few shards each) become the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "abi/func.h"
#include "core/clock.h"
#include "core/collector.h"
#include "core/map_read.h"
#include "core/msg.h"
#include "func.skel.h"
#include "model/histogram.h"
#include "python/pyframes.h"
#include "collectors/sym_frames.h"
#include "core/loop.h"
#include "symbols/binary_resolve.h"
#include "uprobe/attach.h"
#include "uprobe/targets.h"
#include "symbols/symbolizer.h"
#include "unwind/stack_counts.h"
#include "unwind/unwind.h"

/* Map memory for histograms: 1,000 functions on a 128-CPU host stay under 64 MiB. */
#define HIST_BUDGET	(48ull << 20)
/* --stacks: frames kept of a slow call's stack, distinct stacks summed, and the ring of
 * stack copies (about 10 KiB a slow call: 4 MiB hold some 400 between two drains) */
#define STACK_DEPTH	127
#define MAX_SLOW_STACKS	16384
#define STACK_RING	(4u << 20)
/* --stacks: Python processes walked, and distinct Python stacks kept (1 KiB each) */
#define MAX_PY_PROCS	1024
#define MAX_PY_STACKS	8192
/* Functions traced at most unless --max-functions says otherwise: each holds at least one
 * histogram (8,224 bytes) of kernel memory, so 8,000 hold 63 MiB; libLLVM alone has 35,000. */
#define MAX_FUNCS_DEFAULT	8000
#define MAX_FUNCS_LIMIT		1000000

struct func_state {
	uint64_t slower_ns;
	uint64_t sample;
	uint64_t max_funcs;
	bool dry_run;
	bool stacks;
	pid_t pid;

	struct uprobe_targets t;
	struct func_bpf *skel;
	struct uprobe_set links;
	struct ring_buffer *rb;
	struct event_sink *sink;
	uint32_t nshards;
	char pid_label[16];

	/* --stacks */
	struct ring_buffer *ustack_rb;
	struct unwinder *unwinder;
	struct symbolizer *sym;
	struct stack_counts *counts;
	uint64_t over_cap;		/* slow calls of new stacks past MAX_SLOW_STACKS */
	uint64_t unwind_failed;		/* stack copies that could not be unwound at all */
	struct pyframes *py;		/* Python frames in slow calls' stacks */
	uint64_t py_recheck_ns;
};

enum { OPT_SLOWER = 2000, OPT_SAMPLE, OPT_DRY_RUN, OPT_MAX_FUNCS, OPT_STACKS };

static const struct option func_options[] = {
	{ "slower-than", required_argument, NULL, OPT_SLOWER },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "max-functions", required_argument, NULL, OPT_MAX_FUNCS },
	{ "stacks", no_argument, NULL, OPT_STACKS },
	{ NULL, 0, NULL, 0 },
};

static int func_option(void *data, int key, const char *arg)
{
	struct func_state *fs = data;

	switch (key) {
	case OPT_SLOWER:
		return opt_duration("--slower-than", arg, false, &fs->slower_ns);
	case OPT_SAMPLE:
		return opt_uint("--sample", arg, 1, 1000000, &fs->sample);
	case OPT_DRY_RUN:
		fs->dry_run = true;
		return 0;
	case OPT_MAX_FUNCS:
		return opt_uint("--max-functions", arg, 1, MAX_FUNCS_LIMIT, &fs->max_funcs);
	case OPT_STACKS:
		fs->stacks = true;
		return 0;
	}
	return -EINVAL;
}

static void print_dry_run(const struct func_state *fs)
{
	for (size_t b = 0; b < fs->t.nbinaries; b++) {
		size_t n = 0;

		for (size_t i = 0; i < fs->t.n; i++)
			n += fs->t.v[i].binary == fs->t.binaries[b].path;
		/* paths and symbol names are the binary's: escaped, as in every report */
		msg_print(stdout, "%s: %zu function%s", fs->t.binaries[b].path, n, n == 1 ? "" : "s");
		putchar('\n');
		for (size_t i = 0; i < fs->t.n; i++) {
			if (fs->t.v[i].binary != fs->t.binaries[b].path)
				continue;
			msg_print(stdout, "  %-40s 0x%llx", fs->t.v[i].name,
				  (unsigned long long)fs->t.v[i].offset);
			putchar('\n');
		}
	}
}

static int func_setup(void *data, const struct common_opts *o, char **args, int nargs)
{
	struct func_state *fs = data;
	char path[4096], exe[32];
	const char *def = NULL, *def_name = exe;
	int def_err = -EDESTADDRREQ, ret;

	if (!nargs) {
		usage_error("give at least one PROBE, e.g. 'tailtrace func ./app:handle_*'");
		return SETUP_USAGE;
	}
	/* a stack is taken of each slow call: without a threshold there is none */
	if (fs->stacks && !fs->slower_ns) {
		usage_error("--stacks takes the stacks of slow calls: give --slower-than DUR too, "
			    "e.g. --slower-than 1ms --stacks");
		return SETUP_USAGE;
	}
	if (o->stacks_wanted && !fs->stacks) {
		usage_error("stack output (--format folded|svg|pprof, -o FILE.folded|.svg|.pb.gz) "
			    "writes stacks: add --slower-than DUR --stacks");
		return SETUP_USAGE;
	}
	/* Where a PROBE's function is when it names no binary: the traced executable. */
	snprintf(exe, sizeof(exe), "/proc/%d/exe", o->pid);
	if (o->command) {
		def_err = binary_find_command(o->command[0], path, sizeof(path));
		def_name = o->command[0];
	} else if (o->pid) {
		def_err = binary_of_pid(o->pid, path, sizeof(path));
	}
	if ((o->command || o->pid) && !def_err)
		def = path;
	if (!fs->max_funcs)
		fs->max_funcs = MAX_FUNCS_DEFAULT;
	/* A dry run lists every function matched, and says whether a run would refuse. */
	fs->t.max = fs->dry_run ? MAX_FUNCS_LIMIT : fs->max_funcs;
	for (int i = 0; i < nargs; i++) {
		ret = uprobe_targets_add(&fs->t, args[i], o->pid, def, def_err, def_name);
		if (ret)
			return ret;
	}
	if (fs->t.over || fs->t.n > fs->max_funcs) {
		size_t n = fs->t.n + fs->t.over;

		if (fs->dry_run && !fs->t.over) {
			print_dry_run(fs);
			msg_warn("%zu functions: a run would refuse more than --max-functions (%llu)",
				 n, (unsigned long long)fs->max_funcs);
			return SETUP_DONE;
		}
		/* Each function holds a histogram of kernel memory: a glob over a large library
		 * must not take hundreds of MiB without a word. */
		usage_error("%s%s%s match%s %zu functions, more than --max-functions allows (%llu; "
			    "each holds %zu bytes of kernel memory, %llu MiB for %llu): narrow the "
			    "glob%s, or raise --max-functions", nargs == 1 ? "'" : "",
			    nargs == 1 ? args[0] : "the PROBEs", nargs == 1 ? "'" : "",
			    nargs == 1 ? "es" : "", n, (unsigned long long)fs->max_funcs,
			    sizeof(struct hist),
			    (unsigned long long)((fs->max_funcs * sizeof(struct hist) + (1 << 19)) >> 20),
			    (unsigned long long)fs->max_funcs, nargs == 1 ? "" : "s");
		return SETUP_USAGE;
	}
	if (!fs->t.n) {
		msg_error("none of the functions matched can be probed: see the warnings above");
		return SETUP_FAILED;
	}
	if (fs->dry_run) {
		print_dry_run(fs);
		return SETUP_DONE;
	}
	return 0;
}

/* Opens and loads the programs of one attach mode: uprobe_multi or one uprobe a function. */
static int open_and_load(struct func_state *fs, bool multi)
{
	struct func_bpf *skel = func_bpf__open();
	int err;

	if (!skel) {
		msg_error("cannot open the BPF object: %s", strerror(errno));
		return 1;
	}
	skel->rodata->nshards = fs->nshards;
	skel->rodata->sample_every = fs->sample ? fs->sample : 1;
	skel->rodata->slow_ns = fs->slower_ns;
	skel->rodata->slow_stacks = fs->stacks;
	skel->rodata->python = fs->stacks;
	if (fs->stacks) {
		bpf_map__set_max_entries(skel->maps.ustacks, STACK_RING);
		bpf_map__set_max_entries(skel->maps.pystack_procs, MAX_PY_PROCS);
		bpf_map__set_max_entries(skel->maps.pystacks, MAX_PY_STACKS);
	}
	bpf_map__set_max_entries(skel->maps.hists, fs->t.n * fs->nshards);
	if (!fs->slower_ns)
		bpf_map__set_max_entries(skel->maps.events, 4096);
	bpf_program__set_autoload(skel->progs.tt_func_entry_multi, multi);
	bpf_program__set_autoload(skel->progs.tt_func_return_multi, multi);
	bpf_program__set_autoload(skel->progs.tt_func_entry, !multi);
	bpf_program__set_autoload(skel->progs.tt_func_return, !multi);
	err = func_bpf__load(skel);
	if (err) {
		msg_error("cannot load the BPF programs: %s (run with -vv for the verifier's log)",
			  strerror(-err));
		func_bpf__destroy(skel);
		return 1;
	}
	fs->skel = skel;
	return 0;
}

static int on_event(void *data, void *raw, size_t size)
{
	struct func_state *fs = data;
	const struct func_event *e = raw;
	struct event *ev;
	char comm[FUNC_COMM_LEN + 1];

	if (size < sizeof(*e) || e->func_id >= fs->t.n)
		return 0;
	memcpy(comm, e->comm, FUNC_COMM_LEN);
	comm[FUNC_COMM_LEN] = 0;
	ev = fs->sink->begin(fs->sink, "slow_call", e->ts_ns, e->pid, e->tid, comm,
			     e->duration_ns);
	if (!ev || event_add_label(ev, "func", fs->t.v[e->func_id].name))
		return -ENOMEM;
	return fs->sink->commit(fs->sink);
}

/* --stacks: the frames of a slow call, leaf first: the function itself (the stack was taken
 * at its return, so its own frame is gone: it is named from the probe), then the caller at
 * the return address and the callers above. */
static int add_slow_frames(struct func_state *fs, struct stack *st, uint32_t func_id, int pid,
			   const uint64_t *ips, size_t n, uint32_t pystack)
{
	const struct uprobe_target *t = &fs->t.v[func_id];
	struct pymerge m = { 0 };

	if (stack_add_frame(st, t->offset, t->name, 0, t->binary, NULL, FRAME_USER))
		return -ENOMEM;
	pymerge_begin(fs->py, pystack, &m);
	for (size_t i = 0; i < n; i++) {
		int r = sym_frames_add_user(fs->sym, st, pid, ips[i], true, false, &m);

		if (r < 0)
			return r;
	}
	return pymerge_end(&m, st);
}

/* --stacks: a process is walked for Python frames once seen to run CPython 3.11. One seen
 * running something else is looked at again now and then, at most twice a second in all:
 * a command is seen first before its exec. */
static void note_python(struct func_state *fs, int pid, uint32_t pystack)
{
	uint64_t now = mono_now_ns();

	pyframes_note_pid(fs->py, pid);
	if (pystack) {
		pyframes_resolve(fs->py, pystack);
	} else if (now - fs->py_recheck_ns > 500000000ull) {
		fs->py_recheck_ns = now;
		pyframes_recheck(fs->py, pid);
	}
}

/* --stacks: one slow call and its stack copy, unwound now (its process may soon be gone:
 * its mappings are read at its first slow call and kept), printed and summed by stack. */
static int on_ustack(void *data, void *raw, size_t size)
{
	struct func_state *fs = data;
	const struct ustack_sample *s = raw;
	uint64_t ips[STACK_DEPTH];
	struct stack_count key = {};
	char comm[USTACK_COMM_LEN + 1];
	struct event *ev;
	struct stack *st;
	uint32_t func_id;
	size_t n = 0;
	int err;

	if (size < USTACK_HEADER_SIZE || (uint32_t)s->cookie >= fs->t.n)
		return 0;
	func_id = (uint32_t)s->cookie;
	note_python(fs, (int)s->tgid, (uint32_t)(s->cookie >> 32));
	if (!symbolizer_has_pid(fs->sym, (int)s->tgid))
		symbolizer_cache_pid(fs->sym, (int)s->tgid);
	key.pystack = (uint32_t)(s->cookie >> 32);
	err = unwinder_unwind_sample(fs->unwinder, s, size, ips, STACK_DEPTH, &n, &key.complete);
	if (err || !n) {
		fs->unwind_failed++;
		n = 0;
		key.complete = false;
	}
	memcpy(comm, s->comm, USTACK_COMM_LEN);
	comm[USTACK_COMM_LEN] = 0;
	ev = fs->sink->begin(fs->sink, "slow_call", s->time_ns, s->tgid, s->tid, comm, s->value);
	if (!ev || event_add_label(ev, "func", fs->t.v[func_id].name) ||
	    event_add_stack(ev, &st) ||
	    add_slow_frames(fs, st, func_id, (int)s->tgid, ips, n, key.pystack))
		return -ENOMEM;
	st->complete = key.complete;
	err = fs->sink->commit(fs->sink);
	if (err)
		return err;
	key.pid = s->tgid;
	key.kstack = -1;
	key.tag = func_id;
	key.value = s->value;
	memcpy(key.comm, s->comm, sizeof(key.comm));
	key.ips = ips;
	key.n = (uint32_t)n;
	err = stack_counts_add(fs->counts, &key);
	if (err == -ENOSPC || err == -ENOMEM)
		fs->over_cap++;
	return 0;
}

static void drain(void *data)
{
	struct func_state *fs = data;

	ring_buffer__consume(fs->rb);
	if (fs->ustack_rb)
		ring_buffer__consume(fs->ustack_rb);
}

static int func_attach(void *data, const struct run_target *target, struct loop *loop,
		       struct event_sink *sink)
{
	struct func_state *fs = data;
	long ncpus = libbpf_num_possible_cpus();
	uint64_t t0 = mono_now_ns();
	struct uprobe_fn *fns = calloc(fs->t.n, sizeof(*fns));
	struct uprobe_progs progs;
	bool multi = !getenv("TAILTRACE_NO_UPROBE_MULTI");
	int err;

	if (!fns)
		return 1;
	fs->sink = sink;
	fs->pid = target->pid;
	snprintf(fs->pid_label, sizeof(fs->pid_label), "%d", target->pid);
	for (size_t i = 0; i < fs->t.n; i++)
		fns[i] = (struct uprobe_fn){ .name = fs->t.v[i].name, .binary = fs->t.v[i].binary,
					     .probe_path = fs->t.v[i].probe_path,
					     .offset = fs->t.v[i].offset };
	fs->nshards = hist_shards(ncpus > 0 ? ncpus : 1, fs->t.n, HIST_BUDGET);
	if (open_and_load(fs, multi))
		goto fail;
	msg_verbose("loaded: %zu functions, %u histogram shards of %zu bytes (%zu KiB of map "
		    "memory)", fs->t.n, fs->nshards, sizeof(struct hist),
		    fs->t.n * fs->nshards * sizeof(struct hist) / 1024);
	progs = (struct uprobe_progs){ fs->skel->progs.tt_func_entry_multi,
				       fs->skel->progs.tt_func_return_multi, true };
	err = multi ? uprobe_attach(&fs->links, &progs, target->pid ? target->pid : -1, fns,
				    fs->t.n) : -EOPNOTSUPP;
	if (err == -EOPNOTSUPP) {
		/* no uprobe_multi here: the programs for single uprobes */
		func_bpf__destroy(fs->skel);
		fs->skel = NULL;
		multi = false;
		if (open_and_load(fs, false))
			goto fail;
		progs = (struct uprobe_progs){ fs->skel->progs.tt_func_entry,
					       fs->skel->progs.tt_func_return, false };
		err = uprobe_attach(&fs->links, &progs, target->pid ? target->pid : -1, fns,
				    fs->t.n);
	}
	if (err)
		goto fail;
	if (fs->links.skipped == fs->t.n) {
		msg_error("no function could be probed: see the warnings above");
		goto fail;
	}
	msg_verbose("attached %zu function%s in %zu binar%s with %zu links (%s) in %.1f ms",
		    fs->t.n - fs->links.skipped, fs->t.n - fs->links.skipped == 1 ? "" : "s",
		    fs->t.nbinaries, fs->t.nbinaries == 1 ? "y" : "ies", fs->links.nlinks,
		    multi ? "uprobe_multi" : "uprobe", (mono_now_ns() - t0) / 1e6);
	if (fs->slower_ns) {
		fs->rb = ring_buffer__new(bpf_map__fd(fs->skel->maps.events), on_event, fs, NULL);
		if (!fs->rb || loop_add_periodic(loop, LOOP_PERIOD_NS, drain, fs)) {
			msg_error("cannot set up the ring buffer: %s", strerror(errno));
			goto fail;
		}
	}
	if (fs->stacks) {
		fs->sym = symbolizer_new(NULL);
		fs->unwinder = unwinder_new();
		fs->counts = stack_counts_new(MAX_SLOW_STACKS);
		fs->py = pyframes_new(bpf_map__fd(fs->skel->maps.pystack_procs),
				      bpf_map__fd(fs->skel->maps.pystacks));
		fs->ustack_rb = ring_buffer__new(bpf_map__fd(fs->skel->maps.ustacks), on_ustack, fs,
						 NULL);
		if (!fs->sym || !fs->unwinder || !fs->counts || !fs->py || !fs->ustack_rb) {
			msg_error("cannot set up the unwinder and its ring buffer: %s",
				  strerror(errno ? errno : ENOMEM));
			goto fail;
		}
		/* the traced process's mappings, in case it exits before its first slow call
		 * is read (a command is not yet exec'd: its own are read at that call) */
		if (target->pid && !target->command)
			symbolizer_cache_pid(fs->sym, target->pid);
		if (target->pid)
			pyframes_note_pid(fs->py, target->pid);
	}
	free(fns);
	return 0;
fail:
	free(fns);
	return 1;
}

static void func_stop(void *data)
{
	struct func_state *fs = data;

	fs->skel->bss->stopped = true;
}

static void func_describe(void *data, char *buf, size_t len)
{
	struct func_state *fs = data;
	size_t n = fs->t.n - fs->links.skipped;
	int w = snprintf(buf, len, "%zu function%s in %zu binar%s", n, n == 1 ? "" : "s",
			 fs->t.nbinaries, fs->t.nbinaries == 1 ? "y" : "ies");

	if (fs->sample > 1 && w > 0 && (size_t)w < len)
		snprintf(buf + w, len - (size_t)w, ", timing 1 call in %llu",
			 (unsigned long long)fs->sample);
}

static const char *const stat_names[FUNC_STAT_MAX] = {
	[FUNC_STAT_RINGBUF_DROP] = "ringbuf",
	[FUNC_STAT_DEPTH] = "depth",
	[FUNC_STAT_NO_STORAGE] = "map_full",
	[FUNC_STAT_ABANDONED] = "no_return",
	[FUNC_STAT_UNMATCHED] = "no_entry",
	[FUNC_STAT_RACE] = "minmax_race",
	[FUNC_STAT_STACK] = "stack_missing",
	[FUNC_STAT_PYSTACK] = "pystack_missing",
};

/* --stacks: the slow calls' time by stack, for the whole run so far. */
static int add_slow_stacks(struct func_state *fs, struct snapshot *s)
{
	struct series *se;

	if (snapshot_add_stacks(s, "func.slow_stack", "ns", &se))
		return -ENOMEM;
	for (size_t i = 0; i < stack_counts_len(fs->counts); i++) {
		const struct stack_count *c = stack_counts_at(fs->counts, i);
		char pid[16], comm[STACK_COUNTS_COMM_LEN + 1];
		struct stack *st;

		memcpy(comm, c->comm, STACK_COUNTS_COMM_LEN);
		comm[STACK_COUNTS_COMM_LEN] = 0;
		snprintf(pid, sizeof(pid), "%u", c->pid);
		if (series_add_stack(se, c->value, c->count, &st) ||
		    stack_add_label(st, "comm", comm) || stack_add_label(st, "pid", pid) ||
		    stack_add_label(st, "func", fs->t.v[c->tag].name) ||
		    add_slow_frames(fs, st, c->tag, (int)c->pid, c->ips, c->n, c->pystack))
			return -ENOMEM;
		st->complete = c->complete;
	}
	series_merge_stacks(se);
	return 0;
}

/* Every traced function, called or not, with its histogram of the whole run. */
static int func_read(void *data, struct snapshot *s, bool stacks)
{
	struct func_state *fs = data;
	uint64_t st[FUNC_STAT_MAX];
	struct hist *cur = malloc(sizeof(*cur)), *shard = malloc(sizeof(*shard));
	struct series *se;
	int fd = bpf_map__fd(fs->skel->maps.hists), err = -ENOMEM;

	if (!cur || !shard)
		goto out;
	if (fs->sample > 1)
		s->sampling = (uint32_t)fs->sample;
	if (snapshot_describe_metric(s, "func.latency", "CALLS", 10, 0))
		goto out;
	for (size_t i = 0; i < fs->t.n; i++) {
		memset(cur, 0, sizeof(*cur));
		for (uint32_t k = 0; k < fs->nshards; k++) {
			err = map_read_hist(fd, (uint32_t)(i * fs->nshards + k), shard);
			if (err)
				goto out;
			hist_merge(cur, shard);
		}
		err = -ENOMEM;
		if (snapshot_add_hist(s, "func.latency", "ns", cur, &se) ||
		    series_add_label(se, "func", fs->t.v[i].name) ||
		    series_add_label(se, "binary", fs->t.v[i].binary) ||
		    (fs->pid && series_add_label(se, "pid", fs->pid_label)) ||
		    (fs->t.v[i].single_step && series_add_label(se, "probe", "single-step")))
			goto out;
	}
	if (snapshot_add_counter(s, "func.traced", "count", fs->t.n, &se))
		goto out;
	se->gauge = true;
	map_percpu_sums(bpf_map__fd(fs->skel->maps.counts), FUNC_STAT_MAX, st);
	for (int k = 0; k < FUNC_STAT_MAX; k++) {
		/* with sampling, returns of calls not sampled are expected */
		if (k == FUNC_STAT_UNMATCHED && fs->sample > 1)
			continue;
		if ((k == FUNC_STAT_STACK || k == FUNC_STAT_PYSTACK) && !fs->stacks)
			continue;
		if (k == FUNC_STAT_STACK)
			st[k] += fs->unwind_failed;
		if (snapshot_add_drop(s, stat_names[k], st[k]))
			goto out;
	}
	if (fs->stacks && snapshot_add_drop(s, "map_full", fs->over_cap))
		goto out;
	err = fs->stacks && stacks ? add_slow_stacks(fs, s) : 0;
out:
	free(cur);
	free(shard);
	return err;
}

static void func_free(void *data)
{
	struct func_state *fs = data;
	uint64_t t0 = mono_now_ns();
	size_t nlinks = fs->links.nlinks;

	uprobe_detach(&fs->links);
	if (nlinks)
		msg_verbose("detached %zu links in %.1f ms", nlinks, (mono_now_ns() - t0) / 1e6);
	ring_buffer__free(fs->rb);
	ring_buffer__free(fs->ustack_rb);
	unwinder_free(fs->unwinder);
	symbolizer_free(fs->sym);
	stack_counts_free(fs->counts);
	pyframes_free(fs->py);
	func_bpf__destroy(fs->skel);
	uprobe_targets_free(&fs->t);
}

static const char *const func_metrics[] = { "func.latency", "func.traced", "func.slow_stack",
					     NULL };

const struct collector func_collector = {
	.name = "func",
	.summary = "latency of user-space functions (uprobes)",
	.args_name = "PROBE",
	.doc =
	"Latency of user-space functions, timed in the kernel at every entry and return\n"
	"(uprobes), with no change to the program. Reports per function: calls, total and\n"
	"mean time, min, p50, p90, p99, p99.9, max and a histogram; hotspots first.\n"
	"\n"
	"PROBE is [BINARY_OR_LIBRARY:]FUNCTION_GLOB. A library may be given by short name\n"
	"(libc, libsqlite3), found in the traced process's mappings or the ld.so cache.\n"
	"Without BINARY, the executable of the COMMAND or of -p PID is meant. C++ and Rust\n"
	"functions go by the names their authors wrote ('redis::Server::*', 'std::sort*').\n"
	"With a COMMAND or -p, that one process is traced, not the processes it forks: for\n"
	"a server with worker processes, give BINARY:FUNCTION and neither, which traces it\n"
	"in every process.\n"
	"\n"
	"Options:\n"
	"      --slower-than DUR    also print every call slower than DUR as it happens\n"
	"      --stacks             with --slower-than: each slow call's user stack (taken\n"
	"                           at its return, unwound by DWARF CFI), under the call\n"
	"                           and summed by stack (func.slow_stack, weight: the slow\n"
	"                           calls' time) for --format folded|svg|pprof; Python\n"
	"                           functions too in CPython 3.11 processes\n"
	"      --sample N           time 1 call in N (in the kernel); counts are scaled\n"
	"      --dry-run            list the functions the PROBEs match, attach nothing\n"
	"      --max-functions N    trace at most N functions (default 8000): each holds a\n"
	"                           histogram of 8 KiB of kernel memory; more is refused\n"
	"\n"
	"Examples:\n"
	"  tailtrace func 'handle_*' -- ./server --port 8080\n"
	"  tailtrace func libc:malloc libc:free -p 1234 -d 10s\n"
	"  tailtrace func libsqlite3:sqlite3_step --slower-than 1ms -p 1234\n"
	"  tailtrace func 'libsqlite3:sqlite3_*' -i 1s --format ndjson -p 1234\n"
	"  tailtrace func 'work*' --dry-run -- ./app\n"
	"  tailtrace func work --slower-than 1ms --stacks --format folded -- ./app\n",
	.options = func_options,
	.flags = COLLECTOR_STACKS,
	.metrics = func_metrics,
	.size = sizeof(struct func_state),
	.option = func_option,
	.setup = func_setup,
	.attach = func_attach,
	.stop = func_stop,
	.describe = func_describe,
	.read = func_read,
	.free = func_free,
};
