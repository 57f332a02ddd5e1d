/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A ring buffer whose records cost much to handle (a stack copy to unwind) drained within a
 * time budget, the way perf and the OpenTelemetry profiler keep up: each drain handles
 * records for at most budget_ns; if the ring is then still more than half full, handling
 * has fallen behind the producer and what the ring holds is skipped (consumed, counted in
 * behind), so that neither the backlog nor the time to the run's end grows. In the loop's
 * final flush the budget is the flush's deadline (loop_flush_final): what is not handled by
 * then, or once a second signal came, is skipped and counted in cut.
 */
#ifndef TAILTRACE_RING_DRAIN_H
#define TAILTRACE_RING_DRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

struct loop;

struct ring_drain {
	struct ring_buffer *rb;
	ring_buffer_sample_fn handle;
	void *ctx;
	struct loop *loop;
	uint64_t budget_ns;
	uint64_t handled;	/* records given to handle */
	uint64_t behind;	/* skipped while running: handling fell behind */
	uint64_t cut;		/* skipped at the end: past the final deadline, or cancelled */
	/* within one drain */
	uint64_t end_ns;
	uint64_t *skipping;	/* behind or cut once records are skipped, else NULL */
};

/* Drains the ring buffer map_fd with handle(ctx, ...), budget_ns a drain while loop runs.
 * 0, or -errno. */
int ring_drain_init(struct ring_drain *d, int map_fd, ring_buffer_sample_fn handle, void *ctx,
		    struct loop *loop, uint64_t budget_ns);
/* One drain, from the loop's periodic work. Whether the ring was read to its end (not stopped
 * by the budget): what follows the records read so far (a process's exit) applies only then. */
bool ring_drain_run(struct ring_drain *d);
void ring_drain_free(struct ring_drain *d);

#endif
