// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "gates/stats.h"

/* Above this many values, the binomial law is taken as normal: n q (1 - q) is then large
 * for every quantile a report shows, and the exact table would cost 8 bytes a value. */
#define EXACT_BINOMIAL_MAX 1000000
/* Up to this many runs in all, the rank test enumerates its permutation law exactly. */
#define EXACT_RANKS_MAX 60

static double normal_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

double normal_quantile(double p)
{
	double lo = -40, hi = 40;

	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	while (hi - lo > 1e-12) {
		double mid = (lo + hi) / 2;

		if (normal_cdf(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* The binomial(n, q) probabilities, from the one at the mode outwards, so that nothing
 * underflows where it matters. NULL on -ENOMEM. */
static double *binomial_pmf(uint64_t n, double q)
{
	double *p = malloc((n + 1) * sizeof(*p));
	uint64_t m = (uint64_t)floor((double)(n + 1) * q);

	if (!p)
		return NULL;
	if (m > n)
		m = n;
	p[m] = exp(lgamma((double)n + 1) - lgamma((double)m + 1) - lgamma((double)(n - m) + 1) +
		   (double)m * log(q) + (double)(n - m) * log1p(-q));
	for (uint64_t k = m; k > 0; k--)
		p[k - 1] = p[k] * (double)k / (double)(n - k + 1) * (1 - q) / q;
	for (uint64_t k = m; k < n; k++)
		p[k + 1] = p[k] * (double)(n - k) / (double)(k + 1) * q / (1 - q);
	return p;
}

void order_stat_ranks(uint64_t n, double q, double alpha, uint64_t *l, uint64_t *u)
{
	double a = alpha / 2, *p = NULL;

	*l = 0;
	*u = n + 1;
	if (!n || q <= 0 || q >= 1)
		return;
	if (n <= EXACT_BINOMIAL_MAX)
		p = binomial_pmf(n, q);
	if (p) {
		double below = 0, above = 0;

		/* X(l) > Q when fewer than l values are below Q: P(B <= l - 1) <= a */
		for (uint64_t j = 0; j < n; j++) {
			below += p[j];
			if (below > a)
				break;
			*l = j + 1;
		}
		/* X(u) < Q when u or more are below: P(B >= u) <= a */
		for (uint64_t j = n + 1; j > 1; j--) {
			above += p[j - 1];
			if (above > a)
				break;
			*u = j - 1;
		}
		free(p);
		return;
	}
	{
		double z = normal_quantile(1 - a), sd = sqrt((double)n * q * (1 - q));
		double lo = floor((double)n * q - z * sd + 0.5), hi = ceil((double)n * q + z * sd + 0.5);

		*l = lo < 1 ? 0 : (uint64_t)lo;
		*u = hi > (double)n ? n + 1 : (uint64_t)hi;
	}
}

/* The bucket holding the rank-th value (1-based) of h. */
static int bucket_of_rank(const struct hist *h, uint64_t rank)
{
	uint64_t seen = 0;

	for (int i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return i;
	}
	return HIST_NBUCKETS - 1;
}

double hist_share_above(const struct hist *h, double v)
{
	uint64_t n = 0, above = 0;

	for (int i = 0; i < HIST_NBUCKETS; i++) {
		n += h->buckets[i];
		if ((double)hist_bucket_lower(i) > v)
			above += h->buckets[i];
	}
	return n ? (double)above / (double)n : 0;
}

void quantile_interval(const struct hist *h, double q, double alpha, uint64_t *lo,
		       uint64_t *hi)
{
	uint64_t n = 0, l, u;

	for (int i = 0; i < HIST_NBUCKETS; i++)
		n += h->buckets[i];
	*lo = 0;
	*hi = UINT64_MAX;
	if (!n)
		return;
	order_stat_ranks(n, q, alpha, &l, &u);
	if (l >= 1) {
		*lo = hist_bucket_lower(bucket_of_rank(h, l));
		if (h->count && *lo < hist_min(h))
			*lo = hist_min(h);
	}
	if (u <= n) {
		*hi = hist_bucket_upper(bucket_of_rank(h, u)) - 1;
		if (h->count && *hi > h->max)
			*hi = h->max;
	}
}

struct ranked {
	double v;
	int side;	/* 0: a, 1: b */
};

static int cmp_ranked(const void *x, const void *y)
{
	double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;

	return a < b ? -1 : a > b;
}

double mann_whitney_min_p(size_t na, size_t nb)
{
	double c;

	if (!na || !nb)
		return 1;
	/* log C(N, na), so that large sides do not overflow */
	c = lgamma((double)(na + nb) + 1) - lgamma((double)na + 1) - lgamma((double)nb + 1);
	return fmin(1, 2 * exp(-c));
}

/* Exact two-sided p by the permutation law of a's rank sum, ranks doubled to stay whole
 * (a mid-rank of tied values is then an integer). */
static double exact_p(const unsigned *rank2, size_t n, size_t na, unsigned long obs)
{
	size_t smax = n * (n + 1);
	double *cnt = calloc((na + 1) * (smax + 1), sizeof(*cnt)), total = 0, tail = 0;
	long mean2 = (long)(na * (n + 1)), dev = labs((long)obs - mean2);

	if (!cnt)
		return 1;
	cnt[0] = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = (i + 1 < na ? i + 1 : na); k > 0; k--)
			for (size_t s = rank2[i]; s <= smax; s++)
				cnt[k * (smax + 1) + s] += cnt[(k - 1) * (smax + 1) + s - rank2[i]];
	for (size_t s = 0; s <= smax; s++) {
		double c = cnt[na * (smax + 1) + s];

		total += c;
		if (labs((long)s - mean2) >= dev)
			tail += c;
	}
	free(cnt);
	return total > 0 ? fmin(1, tail / total) : 1;
}

double mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j;
	struct ranked *r;
	unsigned *rank2;
	unsigned long w2 = 0;
	double ties = 0, p;

	if (!na || !nb)
		return 1;
	r = malloc(n * sizeof(*r));
	rank2 = malloc(n * sizeof(*rank2));
	if (!r || !rank2) {
		free(r);
		free(rank2);
		return 1;
	}
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 0 };
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 1 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && r[j].v == r[i].v; j++)
			;
		/* ranks i+1 .. j share their mean (i+1+j)/2: doubled, i+1+j */
		for (size_t k = i; k < j; k++) {
			rank2[k] = (unsigned)(i + 1 + j);
			if (!r[k].side)
				w2 += rank2[k];
		}
		ties += pow((double)(j - i), 3) - (double)(j - i);
	}
	if (ties >= pow((double)n, 3) - (double)n) {
		p = 1;	/* one value throughout: nothing to tell apart */
	} else if (n <= EXACT_RANKS_MAX) {
		p = exact_p(rank2, n, na, w2);
	} else {
		double u = (double)w2 / 2 - (double)na * (double)(na + 1) / 2;
		double mean = (double)na * (double)nb / 2;
		double var = (double)na * (double)nb / 12 *
			     ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
		double z = (fabs(u - mean) - 0.5) / sqrt(var);

		p = z <= 0 ? 1 : fmin(1, erfc(z / M_SQRT2));
	}
	free(r);
	free(rank2);
	return p;
}

void poisson_ratio_interval(uint64_t ca, double da, uint64_t cb, double db, double alpha,
			    double *ratio_lo, double *ratio_hi)
{
	double a = (double)ca + 0.5, b = (double)cb + 0.5;
	double lr = log(b / db) - log(a / da), se = sqrt(1 / a + 1 / b);
	double z = normal_quantile(1 - alpha / 2);

	*ratio_lo = exp(lr - z * se);
	*ratio_hi = exp(lr + z * se);
}
