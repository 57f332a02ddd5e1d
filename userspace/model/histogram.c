// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <string.h>
#include "model/histogram.h"

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	if (!dst->count || src->inv_min > dst->inv_min)
		dst->inv_min = src->inv_min;
	dst->count += src->count;
	dst->sum += src->sum;
	for (int i = 0; i < HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

void hist_settle(struct hist *h)
{
	uint64_t n = 0;

	for (int i = 0; i < HIST_NBUCKETS; i++)
		n += h->buckets[i];
	h->count = n;
	if (!n)
		h->inv_min = h->max = 0;
}

void hist_add(struct hist *h, uint64_t v, uint64_t n)
{
	if (!n)
		return;
	if (!h->count || v > h->max)
		h->max = v;
	if (!h->count || ~v > h->inv_min)
		h->inv_min = ~v;
	h->count += n;
	h->sum += v * n;
	h->buckets[hist_bucket(v)] += n;
}

void hist_delta(struct hist *out, const struct hist *cur, const struct hist *prev)
{
	int lo = -1, hi = -1;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < HIST_NBUCKETS; i++) {
		out->buckets[i] = cur->buckets[i] - prev->buckets[i];
		if (out->buckets[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	out->count = cur->count - prev->count;
	out->sum = cur->sum - prev->sum;
	if (!out->count || lo < 0)
		return;
	/* A new extreme was set in this interval: it is exact. Otherwise the buckets bound it,
	 * never past the run's own extremes. */
	if (!prev->count || cur->max > prev->max) {
		out->max = cur->max;
	} else {
		out->max = hist_bucket_upper(hi) - 1;
		if (out->max > cur->max)
			out->max = cur->max;
	}
	if (!prev->count || cur->inv_min > prev->inv_min) {
		out->inv_min = cur->inv_min;
	} else {
		uint64_t min = hist_bucket_lower(lo);

		if (min < hist_min(cur))
			min = hist_min(cur);
		out->inv_min = ~min;
	}
}

const struct quantile_def hist_quantiles[HIST_NQUANTILES] = {
	{ "p50", "P50", 0.5 }, { "p90", "P90", 0.9 }, { "p99", "P99", 0.99 },
	{ "p999", "P99.9", 0.999 },
};

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t total = 0, rank, seen = 0, v = 0, min, max;

	for (int i = 0; i < HIST_NBUCKETS; i++)
		total += h->buckets[i];
	if (!total)
		return 0;
	rank = (uint64_t)ceil(q * (double)total);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	for (int i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = hist_bucket_lower(i), hi = hist_bucket_upper(i) - 1;

			v = lo + (hi - lo) / 2 + ((hi - lo) & 1);
			break;
		}
	}
	min = hist_min(h);
	max = h->max;
	if (h->count && v < min)
		v = min;
	if (h->count && v > max)
		v = max;
	return v;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

uint32_t hist_shards(uint32_t ncpus, uint32_t nhists, uint64_t budget)
{
	uint32_t shards = 1;

	if (!nhists)
		nhists = 1;
	while (shards < HIST_MAX_SHARDS && shards < ncpus &&
	       (uint64_t)shards * 2 * nhists * sizeof(struct hist) <= budget)
		shards *= 2;
	return shards;
}
