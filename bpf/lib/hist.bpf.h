/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel side of the histograms: lock-free updates of a struct hist shard. */
#ifndef TAILTRACE_HIST_BPF_H
#define TAILTRACE_HIST_BPF_H

#include "abi/hist.h"

#define HIST_CAS_TRIES	4

/* Raise *p to v. Returns false when CPUs sharing the shard kept winning the race. */
static __always_inline bool atomic_max_u64(__u64 *p, __u64 v)
{
	__u64 old = *(volatile __u64 *)p;

	for (int i = 0; i < HIST_CAS_TRIES; i++) {
		__u64 seen;

		if (v <= old)
			return true;
		seen = __sync_val_compare_and_swap(p, old, v);
		if (seen == old)
			return true;
		old = seen;
	}
	return v <= old;
}

/* Several CPUs may share a shard (and a program may be preempted by another run of
 * itself on the same CPU), so every field is updated atomically. */
static __always_inline bool hist_record(struct hist *h, __u64 v)
{
	__u32 b = hist_bucket(v);
	bool ok;

	__sync_fetch_and_add(&h->buckets[b & (HIST_NBUCKETS - 1)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum, v);
	ok = atomic_max_u64(&h->max, v);
	ok &= atomic_max_u64(&h->inv_min, ~v);
	return ok;
}

#endif /* TAILTRACE_HIST_BPF_H */
