/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The uprobe attacher any uprobe collector uses (func today; mem and Go next): entry and
 * return programs on a set of functions, one uprobe_multi link per binary and direction
 * where the kernel has uprobe_multi (6.6), one uprobe per function and direction where it
 * has not. A function the kernel refuses is skipped by name, the rest is attached: a refused
 * multi link is split in halves until the refused functions stand alone.
 */
#ifndef TAILTRACE_UPROBE_ATTACH_H
#define TAILTRACE_UPROBE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_program;
struct bpf_link;

struct uprobe_fn {
	const char *name;	/* for messages */
	const char *binary;	/* for messages; one binary's functions share the pointer */
	/* The file the kernel probes: binary's path, or /proc/self/fd/N of the file a process
	 * runs when that path names another since (NULL: binary) */
	const char *probe_path;
	uint64_t offset;	/* file offset of the probed instruction */
};

struct uprobe_progs {
	/* uprobe_multi programs (multi) or single uprobe programs, their cookie the index
	 * of the function */
	struct bpf_program *entry, *ret;
	bool multi;
};

struct uprobe_set {
	struct bpf_link **links;
	size_t nlinks, cap;
	size_t skipped;		/* functions the kernel refused, each named in a warning */
};

/* Attaches progs to fns[0..n) (their binaries' pointers compared to group them), in pid
 * (-1: every process). 0; -EOPNOTSUPP when progs are multi and this kernel has no
 * uprobe_multi (nothing attached: load the single programs and call again); or another
 * -errno, printed. */
int uprobe_attach(struct uprobe_set *u, const struct uprobe_progs *progs, pid_t pid,
		  const struct uprobe_fn *fns, size_t n);
/* Destroys every link. */
void uprobe_detach(struct uprobe_set *u);

#endif
