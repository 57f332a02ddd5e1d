/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear histogram, shared by the BPF programs and userspace.
 *
 * Values below 2^(HIST_SUB_BITS+1) have a bucket each. Above that, every power of two
 * [2^k, 2^(k+1)) is split into 2^HIST_SUB_BITS equal sub-buckets, so a bucket is never wider
 * than 1/32 of its lower bound and the midpoint of a bucket is within 1/64 (1.6%) of any value
 * in it. Values from 2^HIST_MAX_BITS ns (68.7 s) up share the last bucket; the exact max is
 * kept beside the buckets.
 *
 * Cost: sizeof(struct hist) = 8,224 bytes. Userspace chooses how many shards (copies updated
 * by different CPUs) each histogram gets, within a memory budget (see hist_shards()).
 */
#ifndef TAILTRACE_HIST_H
#define TAILTRACE_HIST_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define HIST_SUB_BITS	5
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_MAX_BITS	36
#define HIST_NBUCKETS	((HIST_MAX_BITS - HIST_SUB_BITS + 1) << HIST_SUB_BITS)	/* 1024 */

struct hist {
	__u64 count;
	__u64 sum;
	__u64 max;
	/* ~min: zeroed memory then means "no value yet", and both bounds are kept by one
	 * atomic max operation. Read it with hist_min(). */
	__u64 inv_min;
	__u64 buckets[HIST_NBUCKETS];
};

/* Index of the highest set bit of a nonzero value, without loops (verifier friendly). */
static __always_inline __u32 hist_log2(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xFFFFFFFFull) << 5;
	v >>= r;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 hist_bucket(__u64 v)
{
	__u32 msb;

	if (v < HIST_SUB)
		return (__u32)v;
	msb = hist_log2(v);
	if (msb >= HIST_MAX_BITS)
		return HIST_NBUCKETS - 1;
	return ((msb - HIST_SUB_BITS + 1) << HIST_SUB_BITS) +
	       (__u32)((v >> (msb - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* Smallest value that falls in bucket idx. */
static __always_inline __u64 hist_bucket_lower(__u32 idx)
{
	__u32 octave = idx >> HIST_SUB_BITS, sub = idx & (HIST_SUB - 1);

	if (octave == 0)
		return idx;
	return (__u64)(HIST_SUB + sub) << (octave - 1);
}

/* One past the largest value that falls in bucket idx (the last bucket is open-ended:
 * its nominal upper bound is 2^HIST_MAX_BITS). */
static __always_inline __u64 hist_bucket_upper(__u32 idx)
{
	__u32 octave = idx >> HIST_SUB_BITS;

	return hist_bucket_lower(idx) + (octave == 0 ? 1 : 1ull << (octave - 1));
}

static __always_inline __u64 hist_min(const struct hist *h)
{
	return h->count ? ~h->inv_min : 0;
}

#endif /* TAILTRACE_HIST_H */
