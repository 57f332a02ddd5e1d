/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The model every output reads: a snapshot is a list of series (a metric name, string labels
 * and one value: a histogram or a counter), the events seen one by one, and what was dropped.
 * Reports know nothing of BPF; collectors know nothing of output formats.
 */
#ifndef TAILTRACE_MODEL_H
#define TAILTRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "abi/hist.h"

#define MODEL_SCHEMA 1

enum series_kind {
	SERIES_HIST,
	SERIES_COUNTER,
};

struct label {
	char *key;
	char *value;
};

struct labels {
	struct label *v;
	size_t n;
};

struct series {
	char *metric;		/* "<collector>.<what>" */
	char *unit;		/* "ns", "count", "bytes" */
	enum series_kind kind;
	struct labels labels;
	struct hist *hist;	/* SERIES_HIST: owned */
	uint64_t value;		/* SERIES_COUNTER */
};

struct event {
	char *kind;		/* "slow_call" */
	uint64_t time_unix_ns;
	uint32_t pid, tid;
	char *comm;
	struct labels labels;
	uint64_t duration_ns;
};

struct drop {
	char *name;		/* "ringbuf", "map_full", ... */
	uint64_t count;
};

struct snapshot {
	char *command;		/* "func" */
	char *host;
	char *kernel;
	uint64_t start_unix_ns;
	uint64_t duration_ns;
	uint32_t sampling;	/* 1 = every event recorded; N = 1 in N, counts are scaled */

	struct series *series;
	size_t nseries, series_cap;
	struct event *events;
	size_t nevents, events_cap;
	struct drop *drops;
	size_t ndrops, drops_cap;
};

/* All return 0 or -ENOMEM; strings are copied. */
int snapshot_init(struct snapshot *s, const char *command);
void snapshot_free(struct snapshot *s);
/* Appends a histogram series; *out (optional) points at it until the next append. */
int snapshot_add_hist(struct snapshot *s, const char *metric, const char *unit,
		      const struct hist *h, struct series **out);
int snapshot_add_counter(struct snapshot *s, const char *metric, const char *unit,
			 uint64_t value, struct series **out);
int series_add_label(struct series *se, const char *key, const char *value);
const char *labels_get(const struct labels *l, const char *key);
int snapshot_add_event(struct snapshot *s, const char *kind, uint64_t time_unix_ns,
		       uint32_t pid, uint32_t tid, const char *comm, uint64_t duration_ns,
		       struct event **out);
int event_add_label(struct event *e, const char *key, const char *value);
/* Adds count to the drop called name, creating it at zero first. */
int snapshot_add_drop(struct snapshot *s, const char *name, uint64_t count);
/* Moves the events of src to the end of dst while dst holds fewer than limit, and frees the
 * rest (counted in *discarded when given); src is left with none. 0 or -ENOMEM. */
int snapshot_take_events(struct snapshot *dst, struct snapshot *src, size_t limit,
			 uint64_t *discarded);

#endif /* TAILTRACE_MODEL_H */
