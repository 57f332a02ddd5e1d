/* Histogram math: bucket layout, and quantiles within 2% of the exact ones. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"

/* A deterministic generator, so a failure can be reproduced. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double unit(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static const double qs[] = { 0.5, 0.9, 0.99, 0.999, 0.01, 1.0 };

/* Checks every quantile of qs against nearest-rank quantiles of the sorted samples. */
static void check_quantiles(const char *what, uint64_t *v, size_t n)
{
	struct hist *h = calloc(1, sizeof(*h));
	uint64_t sum = 0;

	cr_assert(h);
	for (size_t i = 0; i < n; i++) {
		hist_add(h, v[i], 1);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	cr_assert_eq(h->count, n, "%s: count", what);
	cr_assert_eq(h->sum, sum, "%s: sum", what);
	cr_assert_eq(h->max, v[n - 1], "%s: max", what);
	cr_assert_eq(hist_min(h), v[0], "%s: min", what);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)ceil(qs[i] * (double)n);
		uint64_t exact = v[(rank ? rank : 1) - 1], est = hist_quantile(h, qs[i]);
		double err = exact ? fabs((double)est - (double)exact) / (double)exact :
				     (double)est;

		cr_assert(err <= 0.02, "%s: q%.3f estimate %llu, exact %llu (error %.2f%%)", what,
			  qs[i], (unsigned long long)est, (unsigned long long)exact, err * 100);
	}
	free(h);
}

#define N 200000

Test(hist, bucket_layout_is_contiguous)
{
	/* Every bucket starts where the previous one ended, and values map back to it. */
	for (uint32_t i = 1; i < HIST_NBUCKETS; i++)
		cr_assert_eq(hist_bucket_lower(i), hist_bucket_upper(i - 1), "bucket %u", i);
	for (uint32_t i = 0; i < HIST_NBUCKETS; i++) {
		cr_assert_eq(hist_bucket(hist_bucket_lower(i)), i, "lower of %u", i);
		cr_assert_eq(hist_bucket(hist_bucket_upper(i) - 1), i, "upper-1 of %u", i);
	}
	cr_assert_eq(HIST_NBUCKETS, 1024);
	cr_assert_eq(hist_bucket_upper(HIST_NBUCKETS - 1), 1ull << HIST_MAX_BITS);
	cr_assert_eq(hist_bucket(UINT64_MAX), HIST_NBUCKETS - 1, "overflow clamps");
	cr_assert_eq(sizeof(struct hist), 8224, "documented size of one histogram");
}

Test(hist, bucket_width_bounds_relative_error)
{
	for (uint32_t i = 0; i < HIST_NBUCKETS; i++) {
		uint64_t lo = hist_bucket_lower(i), w = hist_bucket_upper(i) - lo;

		cr_assert(lo < 64 ? w == 1 : w * 32 <= lo, "bucket %u [%llu, +%llu)", i,
			  (unsigned long long)lo, (unsigned long long)w);
	}
}

Test(hist, log2_matches_builtin)
{
	for (int b = 0; b < 64; b++) {
		uint64_t v = 1ull << b;

		cr_assert_eq(hist_log2(v), (uint32_t)b);
		cr_assert_eq(hist_log2(v | (v - 1)), (uint32_t)b);
	}
	for (int i = 0; i < 100000; i++) {
		uint64_t v = rng() >> (rng() % 64);

		if (v)
			cr_assert_eq(hist_log2(v), (uint32_t)(63 - __builtin_clzll(v)));
	}
}

Test(hist, quantiles_uniform)
{
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = 1000 + rng() % 9000000;	/* 1 us .. 9 ms */
	check_quantiles("uniform", v, N);
	free(v);
}

Test(hist, quantiles_bimodal)
{
	uint64_t *v = malloc(N * sizeof(*v));

	for (size_t i = 0; i < N; i++)
		v[i] = i % 10 ? 40000 + rng() % 5000 : 2000000 + rng() % 500000;
	check_quantiles("bimodal", v, N);
	free(v);
}

Test(hist, quantiles_heavy_tailed)
{
	uint64_t *v = malloc(N * sizeof(*v));

	/* Pareto, alpha 1.1: p99.9 is orders of magnitude above p50. */
	for (size_t i = 0; i < N; i++)
		v[i] = (uint64_t)(1000.0 / pow(1.0 - unit(), 1.0 / 1.1));
	check_quantiles("pareto", v, N);
	free(v);
}

Test(hist, quantiles_small_values_are_exact)
{
	uint64_t v[1000];

	for (size_t i = 0; i < 1000; i++)
		v[i] = rng() % 64;
	check_quantiles("small", v, 1000);
}

Test(hist, quantiles_single_value_and_empty)
{
	struct hist *h = calloc(1, sizeof(*h));
	uint64_t one[] = { 123456789 };

	check_quantiles("single", one, 1);
	cr_assert_eq(hist_quantile(h, 0.5), 0, "empty histogram has no quantile");
	cr_assert_eq(hist_min(h), 0);
	cr_assert_eq(hist_mean(h), 0.0);
	hist_add(h, 777777, 5);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		cr_assert_eq(hist_quantile(h, qs[i]), 777777, "one distinct value is exact");
	free(h);
}

Test(hist, merge_and_delta)
{
	struct hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct hist *m = calloc(1, sizeof(*m)), *d = calloc(1, sizeof(*d));

	hist_add(a, 100, 3);
	hist_add(a, 5000, 1);
	memcpy(b, a, sizeof(*b));
	hist_add(b, 70, 2);		/* new min in the interval: exact */
	hist_add(b, 4000, 1);
	hist_delta(d, b, a);
	cr_assert_eq(d->count, 3);
	cr_assert_eq(d->sum, 4140);
	cr_assert_eq(hist_min(d), 70);
	/* max 4000 set no new extreme (5000 before): bounded by its bucket, not above it */
	cr_assert(d->max >= 4000 && d->max < 4000 + 4000 / 32, "interval max %llu",
		  (unsigned long long)d->max);
	hist_merge(m, a);
	hist_merge(m, b);
	cr_assert_eq(m->count, 4 + 7);
	cr_assert_eq(hist_min(m), 70);
	cr_assert_eq(m->max, 5000);
	free(a);
	free(b);
	free(m);
	free(d);
}

Test(hist, shards_fit_the_budget)
{
	/* 1,000 functions on 128 CPUs stay under 64 MiB with the collector's 48 MiB budget */
	uint32_t s = hist_shards(128, 1000, 48ull << 20);

	cr_assert(s >= 1 && (s & (s - 1)) == 0, "power of two: %u", s);
	cr_assert((uint64_t)s * 1000 * sizeof(struct hist) < (64ull << 20), "%u shards", s);
	cr_assert_eq(hist_shards(2, 10, 48ull << 20), 2, "no more shards than CPUs");
	cr_assert_eq(hist_shards(1, 10, 48ull << 20), 1);
	cr_assert_eq(hist_shards(128, 10, 48ull << 20), HIST_MAX_SHARDS);
	cr_assert_eq(hist_shards(128, 100000, 48ull << 20), 1, "never below one");
}
