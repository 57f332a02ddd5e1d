// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/array.h"
#include "core/msg.h"
#include "core/options.h"
#include "core/safe_open.h"
#include "symbols/binary_resolve.h"
#include "symbols/demangle.h"
#include "symbols/elf_syms.h"
#include "uprobe/insn.h"
#include "uprobe/probe_spec.h"
#include "uprobe/targets.h"

/* The index of path in t->binaries, added if new with *fd (binary_open_mapped's, taken
 * over: closed if path is known already); -1 without memory. */
static long intern_binary(struct uprobe_targets *t, const char *path, int *fd, bool *added)
{
	struct uprobe_binary *v, *b;
	char fdpath[32];

	*added = false;
	for (size_t i = 0; i < t->nbinaries; i++) {
		if (!strcmp(t->binaries[i].path, path)) {
			if (*fd >= 0)
				close(*fd);
			*fd = -1;
			return (long)i;
		}
	}
	v = realloc(t->binaries, (t->nbinaries + 1) * sizeof(*v));
	if (!v)
		return -1;
	t->binaries = v;
	b = &v[t->nbinaries];
	if (*fd >= 0)
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", *fd);
	b->path = strdup(path);
	b->probe_path = strdup(*fd >= 0 ? fdpath : path);
	if (!b->path || !b->probe_path) {
		free(b->path);
		free(b->probe_path);
		return -1;
	}
	b->fd = *fd;
	*fd = -1;
	*added = true;
	return (long)t->nbinaries++;
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

/* A part of a function that the compiler moved out of line (GCC's foo.cold, foo.cold.3, for
 * its unlikely paths): jumped to from its function, never called, it has no return of its
 * own, and a return probe there would time nothing real. */
static bool cold_fragment(const char *name)
{
	for (const char *p = strstr(name, ".cold"); p; p = strstr(p + 1, ".cold")) {
		const char *e = p + 5;

		if (*e == '.' && isdigit((unsigned char)e[1]))
			for (e++; isdigit((unsigned char)*e); e++)
				;
		if (!*e)
			return true;
	}
	return false;
}

/* Whether name matches pattern: as written in the symbol table, or, for a pattern with a scope
 * (std::sort*, redis::Server::*), as demangled (C++, Rust). */
static bool name_matches(const char *pattern, bool scoped, const char *name)
{
	char *shown;
	bool yes;

	if (!fnmatch(pattern, name, 0))
		return true;
	if (!scoped || !(shown = demangle(name)))
		return false;
	yes = !fnmatch(pattern, shown, 0);
	free(shown);
	return yes;
}

/* An open-addressed set of (binary, offset): a glob over a large library (libLLVM has 35,000
 * functions) must find aliases without comparing every pair. */
struct uprobe_seen {
	uint64_t offset;
	uint32_t binary;	/* index + 1; 0: empty */
};

static size_t seen_slot(const struct uprobe_seen *v, size_t cap, uint32_t binary,
			uint64_t offset)
{
	size_t i = (size_t)((offset * 0x9e3779b97f4a7c15ull) ^ binary) & (cap - 1);

	while (v[i].binary && (v[i].binary != binary || v[i].offset != offset))
		i = (i + 1) & (cap - 1);
	return i;
}

/* 1 when (binary, offset) is new (and now added), 0 when seen before, -ENOMEM. */
static int seen_add(struct uprobe_targets *t, size_t binary, uint64_t offset)
{
	uint32_t b = (uint32_t)binary + 1;
	size_t i;

	if (2 * (t->nseen + 1) > t->seen_cap) {
		size_t cap = t->seen_cap ? 2 * t->seen_cap : 1024;
		struct uprobe_seen *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (size_t k = 0; k < t->seen_cap; k++)
			if (t->seen[k].binary)
				v[seen_slot(v, cap, t->seen[k].binary, t->seen[k].offset)] = t->seen[k];
		free(t->seen);
		t->seen = v;
		t->seen_cap = cap;
	}
	i = seen_slot(t->seen, t->seen_cap, b, offset);
	if (t->seen[i].binary)
		return 0;
	t->seen[i] = (struct uprobe_seen){ offset, b };
	t->nseen++;
	return 1;
}

/* Resolves one PROBE into functions. 0, or 1 after printing why not. */
int uprobe_targets_add(struct uprobe_targets *t, const char *arg, pid_t pid,
		       const char *default_binary, int default_err, const char *default_name)
{
	struct probe_spec spec;
	struct elf_funcs fs = { 0 };
	char why[128], path[PATH_MAX];
	const char *binary, *probe_path;
	long bi;
	bool added;
	size_t matched = 0, skipped = 0, ifuncs = 0, nstepped = 0, first_func = t->n, cold = 0;
	bool scoped;
	bool stepped, past;
	const char *first_ifunc = NULL;
	bool keep_endbr = getenv("TAILTRACE_KEEP_ENDBR") != NULL;
	int err, ret = 1, fd = -1, mapped = -1;

	if (probe_spec_parse(arg, &spec, why, sizeof(why))) {
		usage_error("invalid PROBE '%s': %s", arg, why);
		return 2;
	}
	scoped = strstr(spec.pattern, "::") != NULL;
	if (spec.binary)
		err = binary_resolve(spec.binary, pid, path, sizeof(path));
	else if (default_binary)
		err = snprintf(path, sizeof(path), "%s", default_binary) >= (int)sizeof(path) ?
		      -ENAMETOOLONG : 0;
	else
		err = default_err;
	if (err == -EDESTADDRREQ) {
		usage_error("PROBE '%s' names no binary: write BINARY:%s, or give -p PID or "
			    "'-- COMMAND'", arg, spec.pattern);
		ret = 2;
		goto out;
	}
	if (err) {
		const char *name = spec.binary ? spec.binary : default_name;

		if (spec.binary && !strchr(spec.binary, '/'))
			msg_error("binary or library '%s' not found%s: give its path, or -p PID of a "
				  "process that has it loaded", name,
				  pid ? " in the process's mappings, the ld.so cache or $PATH" :
					       " in the ld.so cache or $PATH");
		else if (err == -EACCES || err == -EPERM)
			msg_error("cannot access binary '%s': %s", name, strerror(-err));
		else
			msg_error("binary '%s' not found: %s", name, strerror(-err));
		goto out;
	}
	if (pid > 0) {
		err = binary_open_mapped(pid, path, &mapped);
		if (err) {
			msg_error("process %d runs a file that %s no longer names (replaced or "
				  "deleted since it was loaded), and it cannot be opened through "
				  "/proc/%d/map_files (%s): probes on the file now there would see none "
				  "of its calls%s", pid, path, pid, strerror(-err),
				  err == -EPERM || err == -EACCES ? "; run as root (it needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE)" : "");
			goto out;
		}
	}
	/* a library found by name (in the ld.so cache) that the process does not map: a
	 * program linked statically (Go's) has its own copies of its functions */
	if (pid > 0 && spec.binary && !strchr(spec.binary, '/') && mapped < 0 &&
	    binary_mapped(pid, path) == 0)
		msg_warn("process %d does not map %s: its calls are counted only once it loads it "
			 "(dlopen); a program linked statically has its own copy of such functions",
			 pid, path);
	bi = intern_binary(t, path, &mapped, &added);
	if (bi < 0)
		goto out;
	binary = t->binaries[bi].path;
	probe_path = t->binaries[bi].probe_path;
	if (added && t->binaries[bi].fd >= 0)
		msg_warn("process %d runs a file that %s no longer names (replaced or deleted "
			 "since it was loaded): tracing the file it runs", pid, binary);
	err = elf_funcs_load(probe_path, &fs);
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
	fd = safe_open(probe_path, SAFE_ELF_MAX, NULL);
	/* A return probe swaps a return address on the stack for the kernel's trampoline; Go
	 * copies a goroutine's stack when it grows and walks its return addresses, and dies on
	 * the trampoline ("fatal error: unknown caller pc"). Never harm the traced process. */
	if (elf_is_go(fd)) {
		msg_error("'%s' is a Go program: tailtrace's return probes would crash it when a "
			  "goroutine's stack grows, so func does not trace Go yet; use profile or "
			  "sched on it", path);
		goto out;
	}
	for (size_t i = 0; i < fs.n; i++) {
		struct uprobe_target *ut;
		uint64_t offset;

		if (!name_matches(spec.pattern, scoped, fs.v[i].name))
			continue;
		if (cold_fragment(fs.v[i].name) && probe_spec_is_glob(spec.pattern)) {
			cold++;
			continue;
		}
		matched++;
		if (cold_fragment(fs.v[i].name)) {
			msg_warn("not timing %s in %s: it is a part of a function that the compiler "
				 "moved out of line, jumped to and never called; trace the function "
				 "it belongs to", fs.v[i].name, path);
			continue;
		}
		if (entry_point(fs.v[i].name)) {
			msg_warn("not timing %s in %s: a program's entry point never returns, and a "
				 "return probe would overwrite the arguments the kernel left where a "
				 "return address would be", fs.v[i].name, path);
			continue;
		}
		{
			unsigned char insn[8] = { 0 };
			ssize_t got = fd < 0 ? 0 : pread(fd, insn, sizeof(insn), (off_t)fs.v[i].offset);

			offset = insn_probe_offset(insn, got > 0 ? (size_t)got : 0, fs.v[i].offset,
						   fs.v[i].size, keep_endbr, &past, &stepped);
			skipped += past;
		}
		if (offset == PROBE_REFUSED) {
			msg_warn("cannot probe %s in %s (the kernel cannot probe its first "
				 "instruction, a locked or segment-prefixed one): skipped",
				 fs.v[i].name, path);
			continue;
		}
		/* Aliases share an address: trace it once, under the first name. */
		err = seen_add(t, (size_t)bi, offset);
		if (err < 0)
			goto out;
		if (!err)
			continue;
		/* Past the limit, functions are only counted: the caller says how many. */
		if (t->max && t->n >= t->max) {
			t->over++;
			continue;
		}
		if (array_grow((void **)&t->v, t->n, &t->cap, sizeof(*ut)))
			goto out;
		ut = &t->v[t->n];
		/* C++ and Rust functions under the names their authors wrote, with the parameter
		 * types that tell overloads apart */
		ut->name = demangle_params(fs.v[i].name);
		/* two functions can read the same (a destructor's D0 and D1, a constructor's C1
		 * and C2, Rust's instances without their hash): the second keeps its symbol's
		 * name, for series apart */
		for (size_t k = 0; ut->name && k < t->n; k++) {
			if (t->v[k].binary == binary && !strcmp(t->v[k].name, ut->name)) {
				free(ut->name);
				ut->name = NULL;
			}
		}
		if (!ut->name)
			ut->name = strdup(fs.v[i].name);
		if (!ut->name)
			goto out;
		ut->binary = binary;
		ut->probe_path = probe_path;
		ut->offset = offset;
		ut->single_step = stepped;
		nstepped += stepped;
		t->n++;
		if (fs.v[i].ifunc && !ifuncs++)
			first_ifunc = ut->name;
	}
	/* Past the limit the run is refused: warnings about functions it will not trace would
	 * bury the one line that matters. */
	if (t->over)
		nstepped = ifuncs = 0;
	if (nstepped) {
		char names[200] = "";
		size_t len = 0, shown = 0;

		for (size_t i = first_func; i < t->n && shown < 5; i++) {
			const struct uprobe_target *ut = &t->v[i];

			if (ut->binary != binary || !ut->single_step)
				continue;
			len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
						"%s%s", shown ? ", " : "", ut->name);
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

		char hint[512] = "";
		size_t h = 0;

		if (n) {
			h += (size_t)snprintf(hint, sizeof(hint), "did you mean:");
			for (size_t i = 0; i < n && h < sizeof(hint); i++)
				h += (size_t)snprintf(hint + h, sizeof(hint) - h, " %s", near[i]);
		} else if (!fs.n) {
			h += (size_t)snprintf(hint, sizeof(hint), "%s has no function symbols (stripped?)",
					      path);
		} else if (cold) {
			h += (size_t)snprintf(hint, sizeof(hint), "only %zu part%s of functions that the "
					      "compiler moved out of line (name.cold) match%s: not "
					      "functions", cold, cold == 1 ? "" : "s",
					      cold == 1 ? "es" : "");
		}
		if (!n && !spec.binary && !probe_spec_is_glob(spec.pattern) && h < sizeof(hint))
			snprintf(hint + h, sizeof(hint) - h, "%sif it comes from a shared library, "
				 "name the library: LIB:%s (e.g. libc:malloc)", h ? "\n" : "",
				 spec.pattern);
		if (probe_spec_is_glob(spec.pattern))
			msg_error_hint(hint, "no function in %s matches '%s'", path, spec.pattern);
		else
			msg_error_hint(hint, "function '%s' not found in %s", spec.pattern, path);
		goto out;
	}
	msg_verbose("%s: %zu symbol%s match%s '%s' in %s%s", arg, matched, matched == 1 ? "" : "s",
		    matched == 1 ? "es" : "", spec.pattern, path,
		    skipped ? " (probed past endbr64 where it starts a function)" : "");
	if (cold)
		msg_verbose("%s: %zu part%s of functions moved out of line (name.cold) match%s "
			    "too: not functions, not traced", arg, cold, cold == 1 ? "" : "s",
			    cold == 1 ? "es" : "");
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (mapped >= 0)
		close(mapped);
	elf_funcs_free(&fs);
	probe_spec_free(&spec);
	return ret;
}

void uprobe_targets_free(struct uprobe_targets *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	for (size_t i = 0; i < t->nbinaries; i++) {
		free(t->binaries[i].path);
		free(t->binaries[i].probe_path);
		if (t->binaries[i].fd >= 0)
			close(t->binaries[i].fd);
	}
	free(t->binaries);
	free(t->seen);
	memset(t, 0, sizeof(*t));
}
