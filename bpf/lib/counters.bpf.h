/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A collector's counters (events seen, and every drop by its reason): one per-CPU array
 * named counts, summed by userspace (map_percpu_sums). Define COUNTERS_MAX, the number of
 * counters, before including.
 */
#ifndef TAILTRACE_COUNTERS_BPF_H
#define TAILTRACE_COUNTERS_BPF_H

#ifndef COUNTERS_MAX
#error "define COUNTERS_MAX before including lib/counters.bpf.h"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, COUNTERS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &which);

	if (v)
		*v += 1;
}

#endif
