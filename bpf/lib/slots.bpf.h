/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Histogram slots by key: a hash from a collector's key struct to an index into its array of
 * struct hist, allocated on first use from a counter. Collectors cache the index where they
 * can (task storage), so that the hash is looked up once per key, not per event.
 */
#ifndef TAILTRACE_SLOTS_BPF_H
#define TAILTRACE_SLOTS_BPF_H

/* The slot maps of a collector: key -> slot, and the histograms by slot (mmapped by
 * userspace). Their sizes are set by userspace before load. */
#define SLOT_MAPS(key_type)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(max_entries, 1);					\
		__type(key, key_type);					\
		__type(value, __u32);					\
	} slots SEC(".maps");						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, struct hist);				\
	} hists SEC(".maps")

/* The slot of key, allocating one; max when all max slots are taken (the caller counts it). */
static __always_inline __u32 slot_find(void *slots_map, const void *key, __u32 *next_slot,
				       __u32 max)
{
	__u32 *found = bpf_map_lookup_elem(slots_map, key), slot;

	if (found)
		return *found;
	slot = __sync_fetch_and_add(next_slot, 1);
	if (slot >= max)
		return max;
	/* Another CPU may have added the key meanwhile: then its slot wins, this one stays
	 * unused. */
	if (bpf_map_update_elem(slots_map, key, &slot, BPF_NOEXIST)) {
		found = bpf_map_lookup_elem(slots_map, key);
		return found ? *found : max;
	}
	return slot;
}

#endif
