/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The statistics behind a verdict of diff, free of any I/O: how far a quantile read from one
 * run's buckets can be from the true one (an order-statistic interval), whether two sets of
 * per-run values differ beyond run-to-run noise (Mann-Whitney U), and whether two counts
 * over two durations are different rates (Poisson).
 */
#ifndef TAILTRACE_GATES_STATS_H
#define TAILTRACE_GATES_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "abi/hist.h"

/*
 * The distribution-free interval of the q-quantile of the distribution h was drawn from,
 * at confidence 1 - alpha: ranks l and u of the sample such that P(X(l) <= Q <= X(u)) >=
 * 1 - alpha whatever the distribution (the binomial law of how many draws fall below Q,
 * exact up to a million values, its normal approximation beyond), widened to the lower edge
 * of X(l)'s bucket and the upper edge of X(u)'s (the values inside a bucket are not known),
 * and kept within the run's exact min and max. With too few values for a bound (l < 1, or
 * u > n: even the smallest or largest value is not far enough out), *lo is 0 or *hi
 * UINT64_MAX: unbounded. An empty h gives 0 and UINT64_MAX.
 */
/* The share of h's values (0 to 1) in buckets that lie wholly above v; 0 for an empty h. */
double hist_share_above(const struct hist *h, double v);
void quantile_interval(const struct hist *h, double q, double alpha, uint64_t *lo,
		       uint64_t *hi);

/* The ranks (1-based) of that interval for n values: *l 0 or *u n + 1 when unbounded. */
void order_stat_ranks(uint64_t n, double q, double alpha, uint64_t *l, uint64_t *u);

/*
 * The two-sided p-value of the Mann-Whitney U test (Wilcoxon rank sum) that a[] and b[] come
 * from one distribution: exact, by the permutation distribution of the rank sum with ties
 * given their mid-ranks, for na + nb <= 100; beyond, the normal approximation with the tie
 * correction. 1 when either side is empty or every value is the same.
 */
double mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);
/* The smallest p-value any data could give with na and nb values (every b above every a):
 * 2 / C(na + nb, na). When it is above the level a test needs, no run can be told apart. */
double mann_whitney_min_p(size_t na, size_t nb);

/*
 * Two counts over two durations (seconds): the interval of log(rate_b / rate_a) at
 * confidence 1 - alpha (the normal approximation of the log of a ratio of Poisson counts,
 * each count given half an event more so that zero counts have one). ratio_lo and ratio_hi
 * are e^ of its ends.
 */
void poisson_ratio_interval(uint64_t ca, double da, uint64_t cb, double db, double alpha,
			    double *ratio_lo, double *ratio_hi);

/* The standard normal quantile: z with P(Z <= z) = p, 0 < p < 1 (by bisection on erfc, to
 * 1e-12). */
double normal_quantile(double p);

#endif
