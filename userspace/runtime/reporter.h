/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reporting cycle every collector shares: a report at the end, or one per -i interval
 * (deltas, the collector computes them), in text, JSON or NDJSON; events streamed as they
 * come in text, carried in the JSON otherwise; the whole run saved with -o, atomically.
 * A collector supplies build(): the model of its maps, for the whole run or since the last
 * call.
 */
#ifndef TAILTRACE_REPORTER_H
#define TAILTRACE_REPORTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "model/model.h"
#include "core/options.h"
#include "runtime/output_file.h"
#include "report/text.h"

struct session;

struct reporter {
	/* set by the collector before reporter_init */
	const struct common_opts *c;
	const struct session *sess;
	const char *command;		/* "func" */
	uint32_t sampling;		/* 1 in N, 1 = all */
	struct text_opts text;
	/* Fills s (already initialised with the header) with the series and drops of the
	 * whole run (delta false) or of the time since the previous delta call. */
	int (*build)(void *ctx, struct snapshot *s, bool delta);
	/* Optional: lines printed before each text report. */
	void (*text_header)(void *ctx, FILE *f, const struct snapshot *s);
	void *ctx;

	/* the reporter's own */
	uint64_t prev_tick_ns;
	struct snapshot pending;	/* events since the last report */
	struct snapshot run_events;	/* events kept for a whole-run JSON */
	uint64_t events_over_limit;
	bool event_header_done;
	struct output_file out;
	bool out_open;
};

/* Opens the -o file, if any, so that an unwritable path fails before tracing starts.
 * 0, or 1 after printing the problem. */
int reporter_init(struct reporter *r);
/* A new event seen at mono_ns; add its labels, then call reporter_event_seen(). NULL on
 * ENOMEM. */
struct event *reporter_new_event(struct reporter *r, const char *kind, uint64_t mono_ns,
				 uint32_t pid, uint32_t tid, const char *comm,
				 uint64_t duration_ns);
void reporter_event_seen(struct reporter *r, const struct event *e);
/* session_run's tick: an interval report, and at the end the final one and the file. */
int reporter_tick(void *reporter, bool final);
void reporter_free(struct reporter *r);

#endif
