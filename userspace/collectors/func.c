// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * func: latency of user functions. Resolves PROBE globs to functions through the ELF symbol
 * tables, attaches one uprobe_multi link for entries and one for returns per binary, and
 * turns the in-kernel histograms (one per function, a few shards each) into the model.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/array.h"
#include "core/safe_open.h"
#include "symbols/binary_resolve.h"
#include "collectors/collectors.h"
#include "model/duration.h"
#include "symbols/elf_syms.h"
#include "abi/func.h"
#include "func.skel.h"
#include "model/histogram.h"
#include "core/map_read.h"
#include "model/model.h"
#include "core/msg.h"
#include "core/options.h"
#include "uprobe/probe_spec.h"
#include "runtime/reporter.h"
#include "runtime/session.h"

/* Map memory for histograms: 1,000 functions on a 128-CPU host stay under 64 MiB. */
#define HIST_BUDGET	(48ull << 20)
#define MAX_FUNCS	100000

struct func_target {
	char *name;
	const char *binary;	/* points into func_ctx.binaries */
	uint64_t offset;
	bool single_step;	/* its probed instruction is single-stepped */
};

struct func_ctx {
	struct common_opts c;
	uint64_t slower_ns;
	uint64_t sample;
	bool dry_run;

	char **binaries;
	size_t nbinaries;
	struct func_target *funcs;
	size_t nfuncs, funcs_cap;

	struct func_bpf *skel;
	struct bpf_link **links;
	size_t nlinks, links_cap;
	size_t *links_per_binary;	/* uprobe_multi: links up to and with each binary */
	size_t skipped;			/* functions the kernel refused to probe */
	struct ring_buffer *rb;
	const struct hist *hists;	/* mmap of the hists map: nfuncs * nshards */
	size_t hists_len;
	uint32_t nshards;

	struct session sess;
	struct reporter rep;
	struct hist *prev;		/* cumulative at the previous report (for -i deltas) */
	uint64_t prev_stats[FUNC_STAT_MAX];
};

enum { OPT_SLOWER = 2000, OPT_SAMPLE, OPT_DRY_RUN };

static const struct option func_long[] = {
	{ "slower-than", required_argument, NULL, OPT_SLOWER },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ NULL, 0, NULL, 0 },
};

static const struct cmd_usage func_usage = {
	.synopsis = "func PROBE... [options] [-- COMMAND [ARGS...]]",
	.doc =
	"Latency of user-space functions, timed in the kernel at every entry and return\n"
	"(uprobes), with no change to the program. Reports per function: calls, total and\n"
	"mean time, min, p50, p90, p99, p99.9, max and a histogram; hotspots first.\n"
	"\n"
	"PROBE is [BINARY_OR_LIBRARY:]FUNCTION_GLOB. A library may be given by short name\n"
	"(libc, libsqlite3), found in the traced process's mappings or the ld.so cache.\n"
	"Without BINARY, the executable of the COMMAND or of -p PID is meant.\n"
	"\n"
	"Options:\n"
	"      --slower-than DUR    also print every call slower than DUR as it happens\n"
	"      --sample N           time 1 call in N (in the kernel); counts are scaled\n"
	"      --dry-run            list the functions the PROBEs match, attach nothing\n"
	"\n"
	"Examples:\n"
	"  tailtrace func 'handle_*' -- ./server --port 8080\n"
	"  tailtrace func libc:malloc libc:free -p 1234 -d 10s\n"
	"  tailtrace func libsqlite3:sqlite3_step --slower-than 1ms -p 1234\n"
	"  tailtrace func 'libsqlite3:sqlite3_*' -i 1s --format ndjson -p 1234\n"
	"  tailtrace func 'work*' --dry-run -- ./app\n",
};

static int func_opt(int key, const char *arg, void *data)
{
	struct func_ctx *ctx = data;

	switch (key) {
	case OPT_SLOWER:
		return opt_duration("--slower-than", arg, false, &ctx->slower_ns);
	case OPT_SAMPLE:
		return opt_uint("--sample", arg, 1, 1000000, &ctx->sample);
	case OPT_DRY_RUN:
		ctx->dry_run = true;
		return 0;
	}
	return -EINVAL;
}

static const char *intern_binary(struct func_ctx *ctx, const char *path)
{
	char **v;

	for (size_t i = 0; i < ctx->nbinaries; i++)
		if (!strcmp(ctx->binaries[i], path))
			return ctx->binaries[i];
	v = realloc(ctx->binaries, (ctx->nbinaries + 1) * sizeof(*v));
	if (!v)
		return NULL;
	ctx->binaries = v;
	v[ctx->nbinaries] = strdup(path);
	return v[ctx->nbinaries] ? v[ctx->nbinaries++] : NULL;
}

/*
 * The kernel cannot emulate endbr64 and single-steps it, which costs 15x a `push %rbp`
 * (KERNEL-FACTS). Libraries built with CET start most functions with it. It changes neither
 * the stack pointer nor the return address, so a probe just past it sees the same frame:
 * same counts, same timing, a fraction of the cost. TAILTRACE_KEEP_ENDBR=1 keeps the probe on
 * the endbr64 itself (the benchmark compares both).
 */
#define PROBE_REFUSED UINT64_MAX

/* The kernel refuses to probe an instruction with a LOCK or ES/CS/SS/DS prefix (x86
 * uprobes' is_prefix_bad). It says so at attach only where the binary is mapped already;
 * for a command not yet started it would fail in silence at exec: so look first. */
static bool prefix_refused(const unsigned char *insn, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (insn[i]) {
		case 0xf0: case 0x26: case 0x2e: case 0x36: case 0x3e:
			return true;
		case 0x66: case 0x67: case 0xf2: case 0xf3: case 0x64: case 0x65:
			continue;	/* other prefixes: the next byte may be one too */
		default:
			return false;
		}
	}
	return false;
}

/*
 * Whether the kernel emulates the instruction at insn or must single-step it out of line.
 * x86 uprobes emulate a push of a register, nops, and relative jumps and calls; anything
 * else (mov, lea, test, ...) is single-stepped: about 15 us a call, 13 of them inside the
 * timed window (KERNEL-FACTS). Such timings are labelled, never passed off as the
 * function's own.
 */
static bool single_stepped(const unsigned char *insn)
{
	const unsigned char *op = insn + (insn[0] >= 0x40 && insn[0] <= 0x4f);	/* REX */

	if (*op >= 0x50 && *op <= 0x57)		/* push %reg */
		return false;
	if (*op == 0x90 || (op[0] == 0x0f && op[1] == 0x1f) ||
	    (op[0] == 0x66 && (op[1] == 0x90 || (op[1] == 0x0f && op[2] == 0x1f))))
		return false;			/* nops */
	if (*op == 0xe8 || *op == 0xe9 || *op == 0xeb || (*op >= 0x70 && *op <= 0x7f) ||
	    (op[0] == 0x0f && op[1] >= 0x80 && op[1] <= 0x8f))
		return false;			/* call, jmp, jcc */
	return true;
}

/* Entry points: jumped to with the arguments on the stack, never returning. */
static bool entry_point(const char *name)
{
	static const char *const names[] = { "_start", "__start", "_dl_start_user" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Where to probe f: its start, past an endbr64, or PROBE_REFUSED; *stepped tells whether
 * the instruction there is single-stepped. */

static uint64_t probe_offset(int fd, const struct elf_func *f, size_t *skipped, bool *stepped)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	unsigned char insn[8] = { 0 };

	*stepped = false;
	if (fd < 0 || pread(fd, insn, sizeof(insn), (off_t)f->offset) < 4)
		return f->offset;
	if (prefix_refused(insn, 4))
		return PROBE_REFUSED;
	if (f->size <= 4 || getenv("TAILTRACE_KEEP_ENDBR") || memcmp(insn, endbr64, 4)) {
		*stepped = single_stepped(insn);
		return f->offset;
	}
	(*skipped)++;
	*stepped = single_stepped(insn + 4);
	return f->offset + 4;
}

static bool func_known(const struct func_ctx *ctx, const char *binary, uint64_t offset)
{
	for (size_t i = 0; i < ctx->nfuncs; i++)
		if (ctx->funcs[i].binary == binary && ctx->funcs[i].offset == offset)
			return true;
	return false;
}

/* Where the probe's binary is when the PROBE names none. */
static int default_binary(struct func_ctx *ctx, char *out, size_t len)
{
	if (ctx->c.command)
		return session_find_command(ctx->c.command[0], out, len);
	if (ctx->c.pid)
		return binary_of_pid(ctx->c.pid, out, len);
	return -EDESTADDRREQ;
}

/* Resolves one PROBE into functions. 0, or 1 after printing why not. */
static int resolve_probe(struct func_ctx *ctx, const char *arg)
{
	struct probe_spec spec;
	struct elf_funcs fs = { 0 };
	char why[128], path[PATH_MAX];
	const char *binary;
	size_t matched = 0, skipped = 0, ifuncs = 0, nstepped = 0, first_func = ctx->nfuncs;
	bool stepped;
	const char *first_ifunc = NULL;
	int err, ret = 1, fd = -1;

	if (probe_spec_parse(arg, &spec, why, sizeof(why))) {
		usage_error("invalid PROBE '%s': %s", arg, why);
		return 2;
	}
	if (spec.binary)
		err = binary_resolve(spec.binary, ctx->c.pid, path, sizeof(path));
	else
		err = default_binary(ctx, path, sizeof(path));
	if (err == -EDESTADDRREQ) {
		usage_error("PROBE '%s' names no binary: write BINARY:%s, or give -p PID or "
			    "'-- COMMAND'", arg, spec.pattern);
		ret = 2;
		goto out;
	}
	if (err) {
		char exe[32];
		const char *name = spec.binary ? spec.binary : ctx->c.command ? ctx->c.command[0] :
							       exe;

		snprintf(exe, sizeof(exe), "/proc/%d/exe", ctx->c.pid);

		if (spec.binary && !strchr(spec.binary, '/'))
			msg_error("binary or library '%s' not found%s: give its path, or -p PID of a "
				  "process that has it loaded", name,
				  ctx->c.pid ? " in the process's mappings, the ld.so cache or $PATH" :
					       " in the ld.so cache or $PATH");
		else if (err == -EACCES || err == -EPERM)
			msg_error("cannot access binary '%s': %s", name, strerror(-err));
		else
			msg_error("binary '%s' not found: %s", name, strerror(-err));
		goto out;
	}
	err = elf_funcs_load(path, &fs);
	if (err == -ENOEXEC) {
		msg_error("'%s' is not an ELF executable or library for this machine: give the "
			  "program itself, not a script or wrapper", path);
		goto out;
	}
	if (err == -EBADMSG) {
		msg_error("'%s' is truncated or corrupt: its ELF tables do not fit in it", path);
		goto out;
	}
	if (safe_open_kind(err)) {
		msg_error("'%s' is %s, not a program", path, safe_open_kind(err));
		goto out;
	}
	if (err) {
		msg_error("cannot read symbols of '%s': %s", path, strerror(-err));
		goto out;
	}
	binary = intern_binary(ctx, path);
	if (!binary)
		goto out;
	fd = safe_open(path, SAFE_ELF_MAX, NULL);
	for (size_t i = 0; i < fs.n; i++) {
		struct func_target *t;
		uint64_t offset;

		if (fnmatch(spec.pattern, fs.v[i].name, 0))
			continue;
		matched++;
		if (entry_point(fs.v[i].name)) {
			msg_warn("not timing %s in %s: a program's entry point never returns, and a "
				 "return probe would overwrite the arguments the kernel left where a "
				 "return address would be", fs.v[i].name, path);
			continue;
		}
		offset = probe_offset(fd, &fs.v[i], &skipped, &stepped);
		if (offset == PROBE_REFUSED) {
			msg_warn("cannot probe %s in %s (the kernel cannot probe its first "
				 "instruction, a locked or segment-prefixed one): skipped",
				 fs.v[i].name, path);
			continue;
		}
		/* Aliases share an address: trace it once, under the first name. */
		if (func_known(ctx, binary, offset))
			continue;
		if (ctx->nfuncs >= MAX_FUNCS) {
			msg_error("more than %d functions match: narrow the globs", MAX_FUNCS);
			goto out;
		}
		if (array_grow((void **)&ctx->funcs, ctx->nfuncs, &ctx->funcs_cap, sizeof(*t)))
			goto out;
		t = &ctx->funcs[ctx->nfuncs];
		t->name = strdup(fs.v[i].name);
		if (!t->name)
			goto out;
		t->binary = binary;
		t->offset = offset;
		t->single_step = stepped;
		nstepped += stepped;
		ctx->nfuncs++;
		if (fs.v[i].ifunc && !ifuncs++)
			first_ifunc = t->name;
	}
	if (nstepped) {
		char names[200] = "";
		size_t len = 0, shown = 0;

		for (size_t i = first_func; i < ctx->nfuncs && shown < 5; i++) {
			const struct func_target *t = &ctx->funcs[i];

			if (t->binary != binary || !t->single_step)
				continue;
			len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
						"%s%s", shown ? ", " : "", t->name);
			shown++;
		}
		msg_warn("%zu of the functions matching '%s' (%s%s) start with an instruction the "
			 "kernel must single-step: each call costs ~15 us more and reads ~13 us "
			 "longer (labelled probe=single-step)", nstepped, spec.pattern, names,
			 nstepped > shown ? ", ..." : "");
	}
	if (ifuncs == 1 && !probe_spec_is_glob(spec.pattern)) {
		msg_warn("%s in %s is an IFUNC: the symbol is its resolver, which runs when the "
			 "library is loaded, so its counts are not calls of %s; the implementation "
			 "chosen is a local symbol, traceable only where the library keeps them",
			 first_ifunc, path, first_ifunc);
	} else if (ifuncs) {
		msg_warn("%zu of the functions matching '%s' are IFUNCs (e.g. %s): their counts are "
			 "runs of their resolvers at load time, not calls", ifuncs, spec.pattern,
			 first_ifunc);
	}
	if (!matched) {
		const char *near[5];
		size_t n = elf_funcs_suggest(&fs, spec.pattern, near, 5);

		if (probe_spec_is_glob(spec.pattern))
			msg_error("no function in %s matches '%s'", path, spec.pattern);
		else
			msg_error("function '%s' not found in %s", spec.pattern, path);
		if (n) {
			fprintf(stderr, "  did you mean:");
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, " %s", near[i]);
			fprintf(stderr, "\n");
		} else if (!fs.n) {
			fprintf(stderr, "  %s has no function symbols (stripped?)\n", path);
		}
		if (!n && !probe_spec_is_glob(spec.pattern))
			fprintf(stderr, "  if it comes from a shared library, name the library: "
				"LIB:%s (e.g. libc:malloc)\n", spec.pattern);
		goto out;
	}
	msg_verbose("%s: %zu symbol%s match%s '%s' in %s%s", arg, matched, matched == 1 ? "" : "s",
		    matched == 1 ? "es" : "", spec.pattern, path,
		    skipped ? " (probed past endbr64 where it starts a function)" : "");
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	elf_funcs_free(&fs);
	probe_spec_free(&spec);
	return ret;
}

/* 524 is the kernel's own ENOTSUPP, which strerror does not know. */
static const char *probe_error(int err)
{
	return err == -524 ? "the kernel cannot probe its first instruction" : strerror(-err);
}

static int add_link(struct func_ctx *ctx, struct bpf_link *link)
{
	if (array_grow((void **)&ctx->links, ctx->nlinks, &ctx->links_cap, sizeof(*ctx->links))) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	ctx->links[ctx->nlinks++] = link;
	return 0;
}

/* One uprobe_multi link for the functions idx[0..n) of binary. */
static int attach_multi(struct func_ctx *ctx, const char *binary, const size_t *idx, size_t n,
			bool retprobe)
{
	struct bpf_program *prog = retprobe ? ctx->skel->progs.tt_func_return_multi :
					      ctx->skel->progs.tt_func_entry_multi;
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .retprobe = retprobe);
	unsigned long *offsets = calloc(n, sizeof(*offsets));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	struct bpf_link *link;
	int err = -ENOMEM;

	if (!offsets || !cookies)
		goto out;
	for (size_t k = 0; k < n; k++) {
		offsets[k] = ctx->funcs[idx[k]].offset;
		cookies[k] = idx[k];
	}
	opts.offsets = offsets;
	opts.cookies = cookies;
	opts.cnt = n;
	link = bpf_program__attach_uprobe_multi(prog, ctx->sess.pid ? ctx->sess.pid : -1, binary,
						NULL, &opts);
	err = link ? add_link(ctx, link) : -errno;
out:
	free(offsets);
	free(cookies);
	return err;
}

/*
 * A uprobe_multi link is all or nothing: a function the kernel refuses to probe (an
 * instruction it cannot handle) would fail the whole glob. So a refused set is split in
 * halves until the refused functions stand alone; they are skipped, named in a warning.
 */
static int attach_bisect(struct func_ctx *ctx, const char *binary, const size_t *idx, size_t n)
{
	int err = attach_multi(ctx, binary, idx, n, false);

	if (!err)
		return attach_multi(ctx, binary, idx, n, true);
	if (err == -ENOMEM || err == -EMFILE)
		return err;
	if (n == 1) {
		msg_warn("cannot probe %s in %s (%s): skipped", ctx->funcs[idx[0]].name, binary,
			 probe_error(err));
		ctx->skipped++;
		return 0;
	}
	err = attach_bisect(ctx, binary, idx, n / 2);
	return err ? err : attach_bisect(ctx, binary, idx + n / 2, n - n / 2);
}

/* Kernels before 6.6 have no uprobe_multi: one link per function and direction. */
static int attach_single(struct func_ctx *ctx, size_t i, bool retprobe)
{
	struct bpf_program *prog = retprobe ? ctx->skel->progs.tt_func_return :
					      ctx->skel->progs.tt_func_entry;
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = i);
	struct bpf_link *link;

	link = bpf_program__attach_uprobe_opts(prog, ctx->sess.pid ? ctx->sess.pid : -1,
					       ctx->funcs[i].binary, ctx->funcs[i].offset, &opts);
	return link ? add_link(ctx, link) : -errno;
}

static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* Opens and loads the programs of one attach mode: uprobe_multi or one uprobe a function. */
static int open_and_load(struct func_ctx *ctx, bool multi)
{
	struct func_bpf *skel = func_bpf__open();
	int err;

	if (!skel) {
		msg_error("cannot open the BPF object: %s", strerror(errno));
		return 1;
	}
	skel->rodata->nshards = ctx->nshards;
	skel->rodata->sample_every = ctx->sample ? ctx->sample : 1;
	skel->rodata->slow_ns = ctx->slower_ns;
	bpf_map__set_max_entries(skel->maps.hists, ctx->nfuncs * ctx->nshards);
	if (!ctx->slower_ns)
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
	ctx->skel = skel;
	return 0;
}

static void detach_all(struct func_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nlinks; i++)
		bpf_link__destroy(ctx->links[i]);
	free(ctx->links);
	ctx->links = NULL;
	ctx->nlinks = ctx->links_cap = 0;
	func_bpf__destroy(ctx->skel);
	ctx->skel = NULL;
}

/* Links of the binaries before binary b (uprobe_multi): where b's begin. */
static size_t links_before(const struct func_ctx *ctx, size_t b)
{
	return b ? ctx->links_per_binary[b - 1] : 0;
}

static int load_and_attach(struct func_ctx *ctx)
{
	bool multi = !getenv("TAILTRACE_NO_UPROBE_MULTI");
	long ncpus = libbpf_num_possible_cpus();
	uint64_t t0 = mono_now_ns();
	size_t *idx = NULL;
	int err = 0, ret = 1;

	ctx->nshards = hist_shards(ncpus > 0 ? ncpus : 1, ctx->nfuncs, HIST_BUDGET);
	if (open_and_load(ctx, multi))
		return 1;
	ctx->links_per_binary = calloc(ctx->nbinaries, sizeof(*ctx->links_per_binary));
	if (!ctx->links_per_binary)
		return 1;
	msg_verbose("loaded: %zu functions, %u histogram shards of %zu bytes (%zu KiB of map "
		    "memory)", ctx->nfuncs, ctx->nshards, sizeof(struct hist),
		    ctx->nfuncs * ctx->nshards * sizeof(struct hist) / 1024);
	idx = calloc(ctx->nfuncs, sizeof(*idx));
	if (!idx)
		return 1;
	for (size_t b = 0; multi && b < ctx->nbinaries; b++) {
		size_t n = 0;

		for (size_t i = 0; i < ctx->nfuncs; i++)
			if (ctx->funcs[i].binary == ctx->binaries[b])
				idx[n++] = i;
		err = attach_multi(ctx, ctx->binaries[b], idx, n, false);
		if (!err)
			err = attach_multi(ctx, ctx->binaries[b], idx, n, true);
		/* Refused even for one function: this kernel has no uprobe_multi (before 6.6). */
		if (err && ctx->nlinks == 0 &&
		    (err == -EOPNOTSUPP || err == -ENOSYS || err == -EINVAL) &&
		    attach_multi(ctx, ctx->binaries[b], idx, 1, false) == err) {
			msg_verbose("uprobe_multi refused (%s): one uprobe per function",
				    strerror(-err));
			detach_all(ctx);
			multi = false;
			if (open_and_load(ctx, multi))
				goto out;
			break;
		}
		if (err && err != -ENOMEM && err != -EMFILE) {
			/* undo what attached, then find the functions refused */
			for (size_t i = links_before(ctx, b); i < ctx->nlinks; i++)
				bpf_link__destroy(ctx->links[i]);
			ctx->nlinks = links_before(ctx, b);
			err = attach_bisect(ctx, ctx->binaries[b], idx, n);
		}
		if (err) {
			msg_error("cannot attach uprobes to %s: %s", ctx->binaries[b], strerror(-err));
			goto out;
		}
		ctx->links_per_binary[b] = ctx->nlinks;
	}
	if (!multi)
		raise_nofile();
	for (size_t i = 0; !multi && i < ctx->nfuncs; i++) {
		size_t before = ctx->nlinks;

		err = attach_single(ctx, i, false);
		if (!err)
			err = attach_single(ctx, i, true);
		if (err == -EMFILE || err == -ENOMEM) {
			msg_error("cannot attach a uprobe to %s in %s: %s%s", ctx->funcs[i].name,
				  ctx->funcs[i].binary, strerror(-err),
				  err == -EMFILE ? " (too many open files: trace fewer functions)" : "");
			goto out;
		}
		if (err) {
			while (ctx->nlinks > before)
				bpf_link__destroy(ctx->links[--ctx->nlinks]);
			msg_warn("cannot probe %s in %s (%s): skipped", ctx->funcs[i].name,
				 ctx->funcs[i].binary, probe_error(err));
			ctx->skipped++;
		}
	}
	if (ctx->skipped == ctx->nfuncs) {
		msg_error("no function could be probed: see the warnings above");
		goto out;
	}
	msg_verbose("attached %zu function%s in %zu binar%s with %zu links (%s) in %.1f ms",
		    ctx->nfuncs - ctx->skipped, ctx->nfuncs - ctx->skipped == 1 ? "" : "s",
		    ctx->nbinaries, ctx->nbinaries == 1 ? "y" : "ies", ctx->nlinks,
		    multi ? "uprobe_multi" : "uprobe", (mono_now_ns() - t0) / 1e6);

	ctx->hists_len = ctx->nfuncs * ctx->nshards * sizeof(struct hist);
	ctx->hists = mmap(NULL, ctx->hists_len, PROT_READ, MAP_SHARED,
			  bpf_map__fd(ctx->skel->maps.hists), 0);
	if (ctx->hists == MAP_FAILED) {
		ctx->hists = NULL;
		msg_error("cannot map the histograms: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(idx);
	return ret;
}

static int on_event(void *data, void *raw, size_t size)
{
	struct func_ctx *ctx = data;
	const struct func_event *e = raw;
	struct event *ev;
	char comm[FUNC_COMM_LEN + 1];

	if (size < sizeof(*e) || e->func_id >= ctx->nfuncs)
		return 0;
	memcpy(comm, e->comm, FUNC_COMM_LEN);
	comm[FUNC_COMM_LEN] = 0;
	ev = reporter_new_event(&ctx->rep, "slow_call", e->ts_ns, e->pid, e->tid, comm,
				e->duration_ns);
	if (!ev || event_add_label(ev, "func", ctx->funcs[e->func_id].name))
		return -ENOMEM;
	reporter_event_seen(&ctx->rep, ev);
	return 0;
}

static const char *const stat_names[FUNC_STAT_MAX] = {
	[FUNC_STAT_RINGBUF_DROP] = "ringbuf",
	[FUNC_STAT_DEPTH] = "depth",
	[FUNC_STAT_NO_STORAGE] = "map_full",
	[FUNC_STAT_ABANDONED] = "no_return",
	[FUNC_STAT_UNMATCHED] = "no_entry",
	[FUNC_STAT_RACE] = "minmax_race",
};

/* The model of the maps: the whole run (delta = false) or since the last delta call. */
static int func_build(void *data, struct snapshot *s, bool delta)
{
	struct func_ctx *ctx = data;
	uint64_t stats[FUNC_STAT_MAX];
	struct hist *cur = malloc(sizeof(*cur)), *d = malloc(sizeof(*d));
	char pid[16];
	int err = -ENOMEM;

	if (!cur || !d)
		goto out;
	snprintf(pid, sizeof(pid), "%d", ctx->sess.pid);
	for (size_t i = 0; i < ctx->nfuncs; i++) {
		const struct hist *h = &ctx->hists[i * ctx->nshards];
		struct series *se;

		memset(cur, 0, sizeof(*cur));
		for (uint32_t k = 0; k < ctx->nshards; k++)
			hist_merge(cur, &h[k]);
		if (delta) {
			hist_delta(d, cur, &ctx->prev[i]);
			memcpy(&ctx->prev[i], cur, sizeof(*cur));
		} else {
			memcpy(d, cur, sizeof(*d));
		}
		if (!d->count)
			continue;
		if (snapshot_add_hist(s, "func.latency", "ns", d, &se) ||
		    series_add_label(se, "func", ctx->funcs[i].name) ||
		    series_add_label(se, "binary", ctx->funcs[i].binary) ||
		    (ctx->sess.pid && series_add_label(se, "pid", pid)) ||
		    (ctx->funcs[i].single_step && series_add_label(se, "probe", "single-step")))
			goto out;
	}
	if (snapshot_add_counter(s, "func.traced", "count", ctx->nfuncs, NULL))
		goto out;
	map_percpu_sums(bpf_map__fd(ctx->skel->maps.stats), FUNC_STAT_MAX, stats);
	for (int k = 0; k < FUNC_STAT_MAX; k++) {
		/* with sampling, returns of calls not sampled are expected */
		if (k == FUNC_STAT_UNMATCHED && ctx->sample > 1)
			continue;
		if (snapshot_add_drop(s, stat_names[k],
				      stats[k] - (delta ? ctx->prev_stats[k] : 0)))
			goto out;
		if (delta)
			ctx->prev_stats[k] = stats[k];
	}
	err = 0;
out:
	free(cur);
	free(d);
	return err;
}

static void print_dry_run(const struct func_ctx *ctx)
{
	for (size_t b = 0; b < ctx->nbinaries; b++) {
		size_t n = 0;

		for (size_t i = 0; i < ctx->nfuncs; i++)
			n += ctx->funcs[i].binary == ctx->binaries[b];
		printf("%s: %zu function%s\n", ctx->binaries[b], n, n == 1 ? "" : "s");
		for (size_t i = 0; i < ctx->nfuncs; i++)
			if (ctx->funcs[i].binary == ctx->binaries[b])
				printf("  %-40s 0x%llx\n", ctx->funcs[i].name,
				       (unsigned long long)ctx->funcs[i].offset);
	}
}

static void func_cleanup(struct func_ctx *ctx)
{
	uint64_t t0 = mono_now_ns();
	size_t nlinks = ctx->nlinks;

	detach_all(ctx);
	if (nlinks)
		msg_verbose("detached %zu links in %.1f ms", nlinks, (mono_now_ns() - t0) / 1e6);
	reporter_free(&ctx->rep);
	ring_buffer__free(ctx->rb);
	if (ctx->hists)
		munmap((void *)ctx->hists, ctx->hists_len);
	session_close(&ctx->sess);
	for (size_t i = 0; i < ctx->nfuncs; i++)
		free(ctx->funcs[i].name);
	free(ctx->funcs);
	for (size_t i = 0; i < ctx->nbinaries; i++)
		free(ctx->binaries[i]);
	free(ctx->binaries);
	free(ctx->prev);
	free(ctx->links_per_binary);
	free(ctx->c.args);
}

int cmd_func(int argc, char **argv)
{
	struct func_ctx ctx = { 0 };
	int ret = 1, err;

	ctx.sess.epfd = -1;
	switch (common_opts_parse(argc, argv, func_long, "", func_opt, &ctx, &func_usage, &ctx.c)) {
	case OPTS_HELP:
		free(ctx.c.args);
		return 0;
	case OPTS_USAGE:
		free(ctx.c.args);
		return 2;
	case OPTS_OK:
		break;
	}
	if (ctx.c.format == FORMAT_FOLDED) {
		usage_error("func has no stacks to fold: use text, json or ndjson");
		ret = 2;
		goto out;
	}
	if (!ctx.c.nargs) {
		usage_error("give at least one PROBE, e.g. 'tailtrace func ./app:handle_*'");
		ret = 2;
		goto out;
	}
	if (session_check_target(&ctx.c))
		goto out;
	for (int i = 0; i < ctx.c.nargs; i++) {
		ret = resolve_probe(&ctx, ctx.c.args[i]);
		if (ret)
			goto out;
	}
	ret = 1;
	if (!ctx.nfuncs) {
		msg_error("none of the functions matched can be probed: see the warnings above");
		goto out;
	}
	if (ctx.dry_run) {
		print_dry_run(&ctx);
		ret = 0;
		goto out;
	}
	if (session_check_env())
		goto out;
	ctx.rep = (struct reporter){
		.c = &ctx.c,
		.sess = &ctx.sess,
		.command = "func",
		.sampling = ctx.sample ? (uint32_t)ctx.sample : 1,
		.text = {
			.top = ctx.c.top,
			.histograms = ctx.c.top && ctx.c.top < 10 ? ctx.c.top : 10,
			.count_name = "CALLS",
		},
		.build = func_build,
		.ctx = &ctx,
	};
	if (reporter_init(&ctx.rep))
		goto out;
	msg_setup_libbpf();
	if (session_open(&ctx.sess, &ctx.c))
		goto out;
	if (load_and_attach(&ctx))
		goto out;
	ctx.prev = calloc(ctx.nfuncs, sizeof(*ctx.prev));
	if (!ctx.prev)
		goto out;
	if (ctx.slower_ns) {
		ctx.rb = ring_buffer__new(bpf_map__fd(ctx.skel->maps.events), on_event, &ctx, NULL);
		if (!ctx.rb) {
			msg_error("cannot set up the ring buffer: %s", strerror(errno));
			goto out;
		}
		session_set_ring_buffer(&ctx.sess, ctx.rb);
	}
	if (session_release(&ctx.sess))
		goto out;
	char what[128];

	snprintf(what, sizeof(what), "%zu function%s in %zu binar%s", ctx.nfuncs - ctx.skipped,
		 ctx.nfuncs - ctx.skipped == 1 ? "" : "s", ctx.nbinaries,
		 ctx.nbinaries == 1 ? "y" : "ies");
	if (ctx.sample > 1)
		snprintf(what + strlen(what), sizeof(what) - strlen(what),
			 ", timing 1 call in %llu", (unsigned long long)ctx.sample);
	session_say_tracing(&ctx.sess, what);
	err = session_run(&ctx.sess, reporter_tick, &ctx.rep);
	if (ctx.sess.end == END_TARGET && !ctx.c.command)
		msg_info("Process %d exited.", ctx.c.pid);
	ret = err ? 1 : session_exit_code(&ctx.sess);
out:
	func_cleanup(&ctx);
	return ret;
}
