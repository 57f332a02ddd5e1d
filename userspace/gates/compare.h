/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Two sets of saved runs compared, series by series (metric and labels; a pid label that a
 * whole run shares is left out, or no two runs would ever pair): the verdicts of
 * `tailtrace diff`, as data that each output format prints.
 *
 * A quantile's verdict is never a point estimate's: it needs the change beyond the
 * threshold and beyond noise. With one run a side, noise is each quantile's distribution-
 * free interval from its run's buckets (gates/stats.h), at a confidence shared by every
 * quantile compared (Bonferroni: both intervals of a comparison hold together with
 * probability 1 - alpha / comparisons). A quantile regressed when
 *     new > base * (1 + threshold)   and   new_lo > base_hi
 * (the estimates differ by more than the threshold, and no value base's interval allows
 * reaches any that new's allows: the change is real); improved when new < base * (1 -
 * threshold) and new_hi < base_lo. Not new_lo > base_hi * (1 + threshold): the intervals
 * are widened to bucket edges (up to 3% each) and that rule would quietly make a 5%
 * threshold mean 10% or more.
 * With several runs on a side, noise is how runs differ: each run's quantile is one value,
 * and the verdict needs the Mann-Whitney p-value at or below the same level and the change
 * of the medians of the runs beyond the threshold. What a run did not record (its drops)
 * is compared as the counter tailtrace.not_recorded{what=NAME}. Counts, rates and counters
 * are said
 * (higher, lower, same) and never change the outcome: a workload that did more has more of
 * everything.
 */
#ifndef TAILTRACE_GATES_COMPARE_H
#define TAILTRACE_GATES_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include "model/histogram.h"
#include "model/model.h"

/* The default threshold of p50 and of rates; p90, p99 and p99.9 get more, since tails move
 * more from run to run than within one: on our test machine, p99 of 16 identical runs (200
 * us x 2000 calls, SCHED_FIFO) spread from 215 to 235 us, p90 over three buckets (4%). */
#define COMPARE_THRESHOLD_DEFAULT 0.05
#define COMPARE_THRESHOLDS_DEFAULT { 0.05, 0.10, 0.20, 0.20 }
#define COMPARE_ALPHA_DEFAULT 0.05

/* In the order a report lists them: what needs a look first. */
enum verdict {
	VERDICT_REGRESSED,
	VERDICT_IMPROVED,
	VERDICT_ONLY_BASE,	/* a series the new runs do not have */
	VERDICT_ONLY_NEW,
	VERDICT_HIGHER,		/* a count or rate beyond noise and threshold: said only */
	VERDICT_LOWER,
	VERDICT_TOO_FEW,	/* too few calls (or runs) to bound the change at all */
	/* the quantile sits on a gap between two modes: it moved far while the share of
	 * calls beyond the gap moved within the threshold */
	VERDICT_UNSTABLE,
	VERDICT_UNCHANGED,
	VERDICT_SAME,
};

struct compare_opts {
	double threshold[HIST_NQUANTILES];	/* a fraction per quantile (0.05) */
	double threshold_other;			/* counts, rates, counters */
	double alpha;				/* family-wise, over every quantile compared */
};

struct compare_row {
	char *metric, *unit;
	struct labels labels;		/* without a run-wide pid */
	const char *stat;		/* "p50" ... "p999", "rate", "value", "count" */
	bool duration;			/* base and new are in the series' unit (ns); else
					 * per second ("rate") or a plain value */
	double base, new;		/* the quantile, or the median of the runs' */
	double change;			/* (new - base) / base; NAN when base is 0 */
	/* One run a side: the intervals (INFINITY: unbounded above); NAN otherwise. */
	double base_lo, base_hi, new_lo, new_hi;
	double p;			/* several runs: the rank test's p-value; else NAN */
	double base_count, new_count;	/* one run a side: what a rate counts; else NAN */
	double threshold;
	size_t base_runs, new_runs;	/* runs with this series */
	enum verdict verdict;
	char why[96];			/* "beyond noise", "within the threshold", ... */
};

struct compare_result {
	struct compare_row *rows;
	size_t nrows;
	size_t comparisons;		/* quantiles compared: alpha is shared among them */
	double level;			/* alpha / comparisons: each comparison's error */
	bool ranks;			/* several runs on a side: the rank test decided */
	double min_p;			/* with ranks: the smallest p these runs can give */
	size_t regressions, improvements;
	char **warnings;		/* runs that are not comparable, and why */
	size_t nwarnings;
};

void compare_opts_default(struct compare_opts *o);
/*
 * "10%", "p99=20%,p50=5%", "10%,p99=25%": a bare value is the threshold of every quantile
 * not named and of counts; values are percents ("%" optional), 0 to 1000. 0, or -EINVAL
 * with err saying what is wrong.
 */
int compare_parse_threshold(const char *arg, struct compare_opts *o, char *err, size_t errlen);

/*
 * Compares runs base[0..nbase) with new[0..nnew) (names: their files, for the warnings).
 * out is initialised here; 0 or -ENOMEM (nothing left to free).
 */
int compare_runs(const struct snapshot *base, const char *const *base_names, size_t nbase,
		 const struct snapshot *new, const char *const *new_names, size_t nnew,
		 const struct compare_opts *o, struct compare_result *out);
void compare_result_free(struct compare_result *r);

/* "regressed", "improved", "only in base", ... */
const char *verdict_name(enum verdict v);
/* The same as one word for JSON: "regressed", "only_base", "too_few" ... */
const char *verdict_key(enum verdict v);

#endif
