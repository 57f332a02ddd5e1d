/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Userspace operations on the shared log-linear histogram (bpf/hist.h). */
#ifndef TAILTRACE_HISTOGRAM_H
#define TAILTRACE_HISTOGRAM_H

#include <stdint.h>
#include <linux/types.h>
#include "abi/hist.h"

/* Adds src into dst (shards of one histogram, or several runs). */
void hist_merge(struct hist *dst, const struct hist *src);
/* Sets count to the sum of the buckets. The kernel adds to a bucket, then to the count: a
 * read while calls complete can see them apart by the calls in flight. The model keeps the
 * buckets' sum, which every quantile is taken from, so that a saved run adds up. */
void hist_settle(struct hist *h);
/* Records one value (userspace twin of the kernel's hist_record, for tests and imports). */
void hist_add(struct hist *h, uint64_t v, uint64_t n);
/* cur - prev for cumulative histograms read at two moments. min and max of the interval are
 * exact when the interval set a new extreme, otherwise bounded by the buckets (1/32). */
void hist_delta(struct hist *out, const struct hist *cur, const struct hist *prev);
/* Nearest-rank quantile (0 < q <= 1): the midpoint of the bucket holding the ceil(q*count)-th
 * value, clamped to [min, max]. Within 1/64 of the exact quantile below 2^HIST_MAX_BITS. */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);
/* Shards per histogram for nfuncs histograms on ncpus CPUs within budget bytes: a power of
 * two, at most ncpus rounded up and at most HIST_MAX_SHARDS, at least 1. */
/* The quantiles every report shows, in one place: "p50" (JSON), "P50" (text), 0.5. */
struct quantile_def {
	const char *name, *title;
	double q;
};
#define HIST_NQUANTILES 4
extern const struct quantile_def hist_quantiles[HIST_NQUANTILES];

#define HIST_MAX_SHARDS 8
uint32_t hist_shards(uint32_t ncpus, uint32_t nhists, uint64_t budget);

#endif /* TAILTRACE_HISTOGRAM_H */
