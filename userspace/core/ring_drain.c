// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include "core/clock.h"
#include "core/loop.h"
#include "core/ring_drain.h"

/* While running, skipping a backlog stops after this long: a producer that writes records
 * as fast as they are skipped must not hold the loop (the rest waits for the next drain). */
#define SKIP_MAX_NS 2000000ull

static bool backlog_grows(struct ring_drain *d)
{
	struct ring *r = ring_buffer__ring(d->rb, 0);

	return r && ring__avail_data_size(r) * 2 > ring__size(r);
}

/* libbpf consumes a record before its callback runs: a negative return ends the drain
 * after it, without losing the ones behind it. */
static int on_record(void *ctx, void *raw, size_t size)
{
	struct ring_drain *d = ctx;
	bool final = loop_in_final(d->loop);

	if (d->skipping) {
		(*d->skipping)++;
		return !final && mono_now_ns() >= d->end_ns + SKIP_MAX_NS ? -EINTR : 0;
	}
	d->handled++;
	d->handle(d->ctx, raw, size);
	if (final) {
		if (loop_final_expired(d->loop))
			d->skipping = &d->cut;
		return 0;
	}
	if (mono_now_ns() < d->end_ns)
		return 0;
	if (backlog_grows(d)) {
		d->skipping = &d->behind;
		return 0;
	}
	return -EINTR;
}

int ring_drain_init(struct ring_drain *d, int map_fd, ring_buffer_sample_fn handle, void *ctx,
		    struct loop *loop, uint64_t budget_ns)
{
	*d = (struct ring_drain){ .handle = handle, .ctx = ctx, .loop = loop,
				  .budget_ns = budget_ns };
	d->rb = ring_buffer__new(map_fd, on_record, d, NULL);
	return d->rb ? 0 : -errno;
}

bool ring_drain_run(struct ring_drain *d)
{
	if (!d->rb)
		return true;
	d->skipping = NULL;
	d->end_ns = mono_now_ns() + d->budget_ns;
	/* the final flush: its deadline may be past already (a second signal) */
	if (loop_in_final(d->loop) && loop_final_expired(d->loop))
		d->skipping = &d->cut;
	return ring_buffer__consume(d->rb) >= 0;
}

void ring_drain_free(struct ring_drain *d)
{
	ring_buffer__free(d->rb);
	d->rb = NULL;
}
