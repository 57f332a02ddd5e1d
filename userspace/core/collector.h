/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a collector is: one description, its own options, and the stages the run drives.
 * The run (runtime/run.c) owns everything else: the common options, the traced process,
 * signals, the event loop, and every output. A collector reads its maps into cumulative
 * snapshots and knows nothing of intervals or formats.
 */
#ifndef TAILTRACE_COLLECTOR_H
#define TAILTRACE_COLLECTOR_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/options.h"
#include "model/model.h"

struct loop;

/* The process being traced, once the run has it (a command is started paused). */
struct run_target {
	pid_t pid;		/* -p, or the command's; 0: the whole host */
	bool command;		/* tailtrace started it: its children are followed */
	const char *exe;	/* the command's executable (absolute), or NULL */
};

/* Where events (one per slow call, ...) go: every consumer of the run. A collector begins
 * one (mono_ns: CLOCK_MONOTONIC, as bpf_ktime_get_ns), adds its labels with
 * event_add_label, and commits it. */
struct event_sink {
	struct event *(*begin)(struct event_sink *sink, const char *kind, uint64_t mono_ns,
			       uint32_t pid, uint32_t tid, const char *comm, uint64_t duration_ns);
	/* 0 or -ENOMEM. */
	int (*commit)(struct event_sink *sink);
};

/* setup()'s answers besides 0. */
enum {
	SETUP_FAILED = 1,	/* a runtime error, printed: exit 1 */
	SETUP_USAGE = 2,	/* a usage error, printed: exit 2 */
	SETUP_DONE = 3,		/* nothing to trace, all said (--dry-run): exit 0 */
};

enum collector_flags {
	COLLECTOR_STACKS = 1,	/* may produce stacks: --format folded makes sense */
	COLLECTOR_ALWAYS_STACKS = 2,	/* produces stacks whatever its options (profile) */
};

struct collector {
	const char *name;	/* "func": the command, and the prefix of its record options */
	const char *summary;	/* one line for the list of commands */
	const char *args_name;	/* its positional arguments ("PROBE"), or NULL: none */
	const char *doc;	/* --help: what it measures, its options, examples */
	const struct option *options;	/* its own long options, zero-terminated */
	/* Short letters of its own options in getopt form ("F:"), as its command only: record
	 * knows them by their long names. NULL: none. */
	const char *shortopts;
	unsigned flags;
	/* The metrics its read() produces, NULL-terminated: --slo names them, and an
	 * objective on another collector's metric is told where it comes from. */
	const char *const *metrics;
	size_t size;		/* of its state, which the run allocates zeroed */

	/* Defaults, before any option. Optional. */
	void (*init)(void *st);
	/* One of its options; 0, or -EINVAL after usage_error(). */
	int (*option)(void *st, int key, const char *arg);
	/* After the options: checks and resolves what it can before anything is attached
	 * (binaries, cgroups, devices); args are its positional arguments. 0 or SETUP_*. */
	int (*setup)(void *st, const struct common_opts *o, char **args, int nargs);
	/* Loads and attaches its programs for the target; adds its own fd watches and timers
	 * to the loop (ring buffers, periodic work); sends events to sink. 0, or 1 printed. */
	int (*attach)(void *st, const struct run_target *t, struct loop *loop,
		      struct event_sink *sink);
	/* Optional: stops recording, once, at the end of the run, before the last drain of
	 * its events and its last read, so that both describe the same events. */
	void (*stop)(void *st);
	/* What it traces, for "Tracing <what>." */
	void (*describe)(void *st, char *buf, size_t len);
	/* Appends the series, summaries and drops of the whole run so far: cumulative, never
	 * reset. stacks: whether to read its stacks too (a costly read; at the end). */
	int (*read)(void *st, struct snapshot *s, bool stacks);
	/* Detaches and frees everything it holds (also after a failed stage). */
	void (*free)(void *st);
};

/* For collectors that take no positional arguments: a usage error for the first one.
 * 0 or SETUP_USAGE. */
int collector_no_args(char **args, int nargs);

/*
 * `tailtrace record`'s options, made from the collectors': --NAME enables collector NAME (with
 * its positional argument when it takes one, repeatable), --NAME-OPT is its option OPT.
 */
#define RECORD_ENABLE 0x7000	/* key of --NAME: RECORD_ENABLE + the collector's index */
#define RECORD_NAME_MAX 48

/* Fills out[0..max) (and a zero entry after: out has max + 1 places) with the options of
 * all[0..n); names holds the option names made. Returns how many. */
size_t record_options(const struct collector *const *all, size_t n, struct option *out,
		      size_t max, char (*names)[RECORD_NAME_MAX]);
/* Which collector a key of those options is for (*index), and its own key (*own; 0 for
 * --NAME). 0, or -EINVAL for a key that is none of them. */
int record_option_decode(int key, size_t n, size_t *index, int *own);
/* c's help for record: its line, then its options renamed ("--by" as "--sched-by"). */
void record_doc(const struct collector *c, char *out, size_t len);

#endif
