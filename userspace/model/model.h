/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The model every output reads: a snapshot is a list of series (a metric name, string labels
 * and one value: a histogram, a counter or a set of stacks), summaries (tables computed from
 * the series), the events seen one by one, and what was dropped. Collectors produce
 * cumulative snapshots; each consumer takes its own deltas with snapshot_diff. Reports know
 * nothing of BPF; collectors know nothing of output formats.
 */
#ifndef TAILTRACE_MODEL_H
#define TAILTRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "abi/hist.h"

#define MODEL_SCHEMA 1
/* Events a snapshot keeps for a report that carries them (a saved run, JSON, a merge): more
 * are counted as dropped ("event_limit"), so a flood never grows memory without bound. */
#define MAX_KEPT_EVENTS 100000

enum series_kind {
	SERIES_HIST,
	SERIES_COUNTER,
	SERIES_STACKS,
};

struct label {
	char *key;
	char *value;
};

struct labels {
	struct label *v;
	size_t n;
};

enum frame_kind {
	FRAME_USER,
	FRAME_KERNEL,
	FRAME_INTERP,		/* an interpreter's frame (Python), in place of its loop */
};

/* One frame of a stack, with what is known of it. */
struct frame {
	uint64_t addr;		/* as the process (or the kernel) saw it */
	char *symbol;		/* function name, or NULL when unknown */
	uint64_t offset;	/* addr less the symbol's start */
	char *module;		/* path of the binary or library, or NULL */
	char *build_id;		/* hex, or NULL */
	enum frame_kind kind;
	/* Where in the source, when known (DWARF line tables, an interpreter's code
	 * object): file NULL and line 0 otherwise. Set with frame_set_source. */
	char *file;
	uint32_t line;
	/* A function inlined into the next frame (the caller): no return address of its
	 * own, addr is the caller's. */
	bool inlined;
};

/* A stack, frames leaf first, with its weight (in the series' unit) and how many times it
 * was seen, and labels of its own (comm, pid). */
struct stack {
	struct frame *frames;
	size_t nframes;
	struct labels labels;
	uint64_t value;
	uint64_t count;
	/* The user frames reach the thread's start by the unwinder's word (the outermost
	 * frame's CFI ends the stack), whatever their symbols say: stripped and dynamic
	 * binaries have none for _start. */
	bool complete;
};

struct series {
	char *metric;		/* "<collector>.<what>" */
	char *unit;		/* "ns", "count", "bytes" */
	enum series_kind kind;
	struct labels labels;
	struct hist *hist;	/* SERIES_HIST: owned */
	uint64_t value;		/* SERIES_COUNTER */
	struct stack *stacks;	/* SERIES_STACKS: owned */
	size_t nstacks;
	/* A keyed series (one per comm, remote, ...) that a report leaves out while it is
	 * empty; the others (a traced function, a host counter) are shown at zero too. */
	bool sparse;
	/* A counter that is a level (functions traced), not a count of events: a delta keeps
	 * its current value. */
	bool gauge;
};

/*
 * A summary is a table computed from a snapshot's series, so that it is right for a whole
 * run and for each interval alike: one row per value of the key label (or one row for the
 * whole snapshot), one column per metric and statistic. summary_rows computes it.
 */
enum summary_stat {
	STAT_COUNT,		/* a histogram's count, a counter's value */
	STAT_RATE,		/* the same per second of the snapshot */
	STAT_TOTAL,		/* a histogram's sum */
	STAT_MEAN,
	STAT_MIN,
	STAT_P50,
	STAT_P90,
	STAT_P99,
	STAT_P999,
	STAT_MAX,
};

enum summary_layout {
	SUMMARY_TABLE,		/* a table, the rows sorted by weight */
	SUMMARY_LINE,		/* one line: the title, then each column */
};

struct summary_col {
	char *title;		/* "CONN P99" */
	char *metric;		/* series summed (counts) or merged (quantiles) */
	char *label_key;	/* only series with label_key=label_value, or NULL */
	char *label_value;
	enum summary_stat stat;
	bool weight;		/* rows are sorted by the sum of their weight columns */
	bool hidden;		/* a weight that is not shown */
};

struct summary {
	char *name;		/* "net.by_remote" */
	char *title;		/* "Host", "Worst run-queue p99" */
	char *key;		/* the label a row is for, or NULL: one row */
	char *note;		/* said after the line or table, or NULL */
	enum summary_layout layout;
	struct summary_col *cols;
	size_t ncols;
	uint32_t top;		/* rows shown at most, 0: all */
	/* Rows whose first weight column counts at least prefer_min come before the others
	 * (a p99 of a handful of waits is noise). */
	uint64_t prefer_min;
};

/* A computed row: the key's value (NULL for a keyless summary) and one value per column;
 * a column with no series for the row is absent (have[c] false). */
struct summary_row {
	const char *key;
	double *v;
	bool *have;
	double weight;
};

struct event {
	char *kind;		/* "slow_call" */
	uint64_t time_unix_ns;
	uint32_t pid, tid;
	char *comm;
	struct labels labels;
	uint64_t duration_ns;
	/* Where it came from (func --stacks: the user stack of a slow call), or NULL. Owned. */
	struct stack *stack;
};

struct drop {
	char *name;		/* "ringbuf", "map_full", ... */
	uint64_t count;
};

/* How a report shows a metric's series: declared by the collector, optional. */
/* The outcome of one latency objective (--slo) on one series, or on none: a check is data
 * of the snapshot, so that every format shows it and a saved run keeps it. */
struct check {
	char *objective;	/* as written: "func.latency{func=work}:p99<2ms" */
	struct labels labels;	/* of the series it was taken on; none when no series matched */
	char *stat;		/* "p99", "count" */
	char *unit;		/* of value and bound: "ns", "count", "/s" */
	double value, bound;
	bool have;		/* value was measured (false: nothing to measure, see note) */
	bool passed;
	char *note;		/* why there is no value ("no series matched"), or NULL */
};

struct metric_info {
	char *metric;
	char *count_name;	/* the text table's count column: "CALLS" */
	uint32_t histograms;	/* histograms drawn (the top ones), 0: the default */
	uint32_t top;		/* rows shown by default, 0: all */
};

struct snapshot {
	char *command;		/* "func", "record" */
	char *host;
	char *kernel;
	uint64_t start_unix_ns;
	uint64_t duration_ns;
	uint32_t sampling;	/* 1 = every event recorded; N = 1 in N, counts are scaled */

	struct series *series;
	size_t nseries, series_cap;
	struct summary *summaries;
	size_t nsummaries;
	struct metric_info *metrics;
	size_t nmetrics;
	struct event *events;
	size_t nevents, events_cap;
	struct drop *drops;
	size_t ndrops, drops_cap;
	struct check *checks;
	size_t nchecks;
};

/* All return 0 or -ENOMEM; strings are copied. */
int snapshot_init(struct snapshot *s, const char *command);
void snapshot_free(struct snapshot *s);
/* Sets the host and kernel the snapshot was taken on (copies). 0 or -ENOMEM. */
int snapshot_set_origin(struct snapshot *s, const char *host, const char *kernel);
/* Appends a histogram series; *out (optional) points at it until the next append. */
int snapshot_add_hist(struct snapshot *s, const char *metric, const char *unit,
		      const struct hist *h, struct series **out);
int snapshot_add_counter(struct snapshot *s, const char *metric, const char *unit,
			 uint64_t value, struct series **out);
/* A series of stacks, empty at first: add them with series_add_stack. */
int snapshot_add_stacks(struct snapshot *s, const char *metric, const char *unit,
			struct series **out);
int series_add_label(struct series *se, const char *key, const char *value);
/* Removes the label key of se, if it has one. */
void series_remove_label(struct series *se, const char *key);
/* Removes label key from every series of s when it has one value in all that have it: then
 * it is about the run (func's pid of -p or of the command), not about a series, and runs of
 * one program pair only without it (merge, diff). A key that tells series apart (sched
 * --by pid) stays. Returns whether it was removed. */
bool snapshot_drop_run_label(struct snapshot *s, const char *key);
/* The one value of label key throughout s (a label about the run), or NULL: none, or several
 * (a label that tells series apart). */
const char *snapshot_run_label(const struct snapshot *s, const char *key);
/* Appends a stack with no frames yet; *out points at it until the next append. */
int series_add_stack(struct series *se, uint64_t value, uint64_t count, struct stack **out);
/* Merges the stacks of se that are the same functions with the same labels (weights and
 * counts added), keeping the first's addresses. */
void series_merge_stacks(struct series *se);
void stack_free(struct stack *st);
int stack_add_label(struct stack *st, const char *key, const char *value);
/* Appends a frame (symbol, module, build_id may be NULL). */
int stack_add_frame(struct stack *st, uint64_t addr, const char *symbol, uint64_t offset,
		    const char *module, const char *build_id, enum frame_kind kind);
/* Sets where a frame is in the source (file may be NULL) and whether it was inlined.
 * 0 or -ENOMEM. */
int frame_set_source(struct frame *f, const char *file, uint32_t line, bool inlined);
const char *labels_get(const struct labels *l, const char *key);
bool labels_equal(const struct labels *a, const struct labels *b);

/*
 * Functions of a series of stacks, for "where does the time go" tables: self is the weight
 * and count of the stacks whose leaf frame is the function, total of those with the
 * function anywhere, counted once per stack however often it recurses. A function is its
 * symbol, module and kind; a frame without a symbol is its own place: the offset in its
 * module's file for user code (the same code in every process, and the place the stacks
 * show), else its address.
 */
struct stack_func {
	const char *symbol;	/* the series' own strings; NULL: unknown */
	const char *module;
	uint64_t addr;		/* of the first frame seen (the place of an unknown one) */
	uint64_t offset;	/* a user frame without symbol: its place in module's file */
	enum frame_kind kind;
	uint64_t self, self_count;
	uint64_t total, total_count;
	size_t last_stack;	/* internal: the last stack that added to total, + 1 */
};

/* The functions of se in *out (*n of them), total weight first. Free *out with free().
 * 0 or -ENOMEM. */
int stacks_functions(const struct series *se, struct stack_func **out, size_t *n);

/* Whether a frame is where a thread's user stack begins: _start, __libc_start_main,
 * __libc_start_call_main, start_thread, clone, clone3; Go's runtime.goexit (a goroutine's),
 * runtime.mstart and runtime.rt0_go. */
bool frame_is_thread_start(const struct frame *f);
/* Of the stacks of se with user frames, how many samples (counts) they hold and how many of
 * those reach a thread's start: a walk that got there saw the whole stack. */
void stacks_user_complete(const struct series *se, uint64_t *with_user, uint64_t *complete);

/* Declares how a metric is shown; a second declaration of it replaces the first. */
int snapshot_describe_metric(struct snapshot *s, const char *metric, const char *count_name,
			     uint32_t histograms, uint32_t top);
const struct metric_info *snapshot_metric_info(const struct snapshot *s, const char *metric);

/* Appends a summary of the given layout; add its columns with summary_add_col. */
int snapshot_add_summary(struct snapshot *s, const char *name, const char *title,
			 const char *key, enum summary_layout layout, struct summary **out);
int summary_add_col(struct summary *sm, const char *title, const char *metric,
		    const char *label_key, const char *label_value, enum summary_stat stat,
		    bool weight, bool hidden);
int summary_set_note(struct summary *sm, const char *note);
/* The rows of sm computed from s, sorted (weight descending, then key); *nrows of them,
 * at most sm->top when it is set (*total: how many there were). Free with summary_rows_free. */
int summary_rows(const struct snapshot *s, const struct summary *sm, struct summary_row **rows,
		 size_t *nrows, size_t *total);
void summary_rows_free(struct summary_row *rows, size_t nrows);
const char *summary_stat_name(enum summary_stat stat);	/* "count", "p99", ... */

int snapshot_add_event(struct snapshot *s, const char *kind, uint64_t time_unix_ns,
		       uint32_t pid, uint32_t tid, const char *comm, uint64_t duration_ns,
		       struct event **out);
int event_add_label(struct event *e, const char *key, const char *value);
/* Gives e an empty stack (frames added with stack_add_frame); *out points at it. */
int event_add_stack(struct event *e, struct stack **out);
/* Appends copies of the frames of src to dst, and its completeness. 0 or -ENOMEM. */
int stack_copy_frames(struct stack *dst, const struct stack *src);
/* Appends a copy of e (with its labels) to dst. 0 or -ENOMEM. */
int snapshot_copy_event(struct snapshot *dst, const struct event *e);
void event_free(struct event *e);
/* Adds count to the drop called name, creating it at zero first. */
int snapshot_add_drop(struct snapshot *s, const char *name, uint64_t count);
uint64_t snapshot_drop(const struct snapshot *s, const char *name);
/* Keeps the series for which keep() is true, in their order, and frees the others. */
void snapshot_keep_series(struct snapshot *s, bool (*keep)(const struct series *se, void *ctx),
			  void *ctx);
/* Frees every event of s. */
void snapshot_clear_events(struct snapshot *s);
/* Moves the events of src to the end of dst while dst holds fewer than limit, and frees the
 * rest (counted in *discarded when given); src is left with none. 0 or -ENOMEM. */
int snapshot_take_events(struct snapshot *dst, struct snapshot *src, size_t limit,
			 uint64_t *discarded);

/* Appends a check (note may be NULL); *out points at it until the next append. */
int snapshot_add_check(struct snapshot *s, const char *objective, const char *stat,
		       const char *unit, struct check **out);
int check_add_label(struct check *c, const char *key, const char *value);
void snapshot_clear_checks(struct snapshot *s);
/* Appends copies of the checks of src to dst. 0 or -ENOMEM. */
int snapshot_copy_checks(struct snapshot *dst, const struct snapshot *src);
/* Whether any check of s failed. */
bool snapshot_checks_failed(const struct snapshot *s);

/*
 * What changed from base to cur, two cumulative snapshots of one run: each series of cur
 * less the series of base with the same metric and labels (histogram less histogram,
 * counter less counter, stacks less the same stacks), drops less drops of the same name;
 * summaries and metric infos are copied. Empty sparse series are left out. The header is
 * cur's, with start and duration from base's end to cur's. base NULL: a copy of cur.
 * out is initialised here; 0 or -ENOMEM.
 */
int snapshot_diff(struct snapshot *out, const struct snapshot *cur, const struct snapshot *base);

/*
 * Adds the run src into dst (several runs, several hosts): series paired by kind, metric and
 * labels; histograms merged bucket by bucket (exact: count, sum, min, max and every bucket),
 * counters added (a gauge keeps the larger level), stacks merged; series, summaries and
 * metric infos only in src are copied; drops added; events appended while dst holds fewer
 * than max_events, the rest counted as dropped "event_limit". The header covers both: the
 * earliest start to the latest end; a host, kernel or command that differs is listed
 * ("a,b"). Checks are about one run: dst's stay, src's are not taken.
 * 0, -ENOMEM, or -EDOM when the runs were sampled differently (their counts cannot add).
 */
int snapshot_merge(struct snapshot *dst, const struct snapshot *src, size_t max_events);

#endif /* TAILTRACE_MODEL_H */
