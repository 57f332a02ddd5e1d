/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * PROBE arguments ([BINARY:]FUNCTION_GLOB) resolved to the functions to probe: the binary
 * found (a path, a library by short name in the process's mappings or the ld.so cache, or
 * the default executable), its ELF symbols matched against the glob, and each function's
 * probe placed where the kernel handles it best (insn.h). With a pid, the file probed is the
 * one the process runs, even when its path names a new one since. Every problem is said
 * once, here.
 */
#ifndef TAILTRACE_UPROBE_TARGETS_H
#define TAILTRACE_UPROBE_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct uprobe_target {
	char *name;
	const char *binary;	/* its binary's path (uprobe_binary.path) */
	const char *probe_path;	/* and where it is read and probed (uprobe_binary.probe_path) */
	uint64_t offset;
	bool single_step;	/* its probed instruction is single-stepped */
};

struct uprobe_binary {
	char *path;		/* as the user knows it: for labels and messages */
	/* What is read and probed: path, or /proc/self/fd/N of fd, the file the traced
	 * process runs when path names another one since (binary_open_mapped) */
	char *probe_path;
	int fd;
};

struct uprobe_seen;

struct uprobe_targets {
	struct uprobe_binary *binaries;
	size_t nbinaries;
	struct uprobe_target *v;
	size_t n, cap;
	size_t max;		/* functions kept at most (0: no limit) ... */
	size_t over;		/* ... and how many more matched, counted but not kept */
	/* (binary, offset) of every function matched, kept or not: aliases count once */
	struct uprobe_seen *seen;
	size_t nseen, seen_cap;
};

/* Adds the functions that probe names. default_binary: the executable meant when the probe
 * names none (NULL: none; default_err the -errno of finding it). pid > 0: libraries are
 * looked for in its mappings first. 0, 1 (runtime error, printed) or 2 (usage error,
 * printed). */
int uprobe_targets_add(struct uprobe_targets *t, const char *probe, pid_t pid,
		       const char *default_binary, int default_err, const char *default_name);
void uprobe_targets_free(struct uprobe_targets *t);

#endif
