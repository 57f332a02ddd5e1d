/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The report formats, as a table: each emitter writes a snapshot; the run picks one for
 * standard output (--format) and one for the saved run (-o, by the file's extension). */
#ifndef TAILTRACE_EMITTER_H
#define TAILTRACE_EMITTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "model/model.h"

struct emit_opts {
	uint32_t top;		/* --top: rows per table, 0: each metric's default */
	bool interval;		/* the snapshot is one interval of several (-i) */
	bool final;		/* the last report of the run */
};

struct emitter {
	const char *name;	/* --format NAME */
	const char *ext;	/* the extension of an -o file that asks for it */
	bool streams;		/* may write one report per interval (-i) */
	bool stacks_only;	/* writes stacks and nothing else */
	/* 0, or -errno of the failed write. */
	int (*write)(FILE *f, const struct snapshot *s, const struct emit_opts *o);
	/* Writes an event as it comes (NULL: events go in the snapshots). first: the first
	 * of the run. */
	void (*event)(FILE *f, const struct event *e, bool first);
	const char *ext2;	/* another extension that asks for it, or NULL */
	bool binary;		/* not text: never written to a terminal */
};

/* The emitter called name, or NULL. */
const struct emitter *emitter_find(const char *name);
/* The emitter an -o path asks for by its extension (".folded", ".svg"), else JSON. */
const struct emitter *emitter_for_path(const char *path);
/* "text, json, ndjson, folded, svg or pprof" */
const char *emitter_names(void);

#endif
