/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Latency objectives (--slo, --slo-file): a metric, label matchers, a statistic and a bound,
 *
 *     func.latency{func=handle_request}:p99<2ms    sched.runq_latency:p99.9<=500us
 *     net.tcp_connect:count>=50                    func.latency:mean<100us
 *
 * checked against a snapshot. An objective without matchers applies to each series of its
 * metric; one that matches no series fails, saying so: a gate that passes because the
 * function it names was renamed or never traced would guard nothing. The outcomes are
 * added to the snapshot as checks, which every report format shows.
 */
#ifndef TAILTRACE_SLO_H
#define TAILTRACE_SLO_H

#include <stdbool.h>
#include <stddef.h>
#include "model/model.h"

#define SLO_MAX_MATCHERS 8
/* An objective file is written by a person: far below this. */
#define SLO_FILE_MAX (1u << 20)

enum slo_stat {
	SLO_COUNT,		/* samples of a histogram (scaled by sampling), a counter's value */
	SLO_RATE,		/* the count per second of the snapshot */
	SLO_TOTAL,		/* a histogram's sum */
	SLO_MEAN,
	SLO_MIN,
	SLO_MAX,
	SLO_QUANTILE,		/* pNN: q */
};

enum slo_op { SLO_LT, SLO_LE, SLO_GT, SLO_GE };

struct slo_matcher {
	char *key;
	char *value;		/* a glob (fnmatch) */
};

struct slo {
	char *text;		/* as written, without surrounding blanks */
	char *metric;
	struct slo_matcher m[SLO_MAX_MATCHERS];
	size_t nm;
	enum slo_stat stat;
	double q;		/* SLO_QUANTILE: 0 < q < 1 */
	char stat_name[16];	/* "p99", "count" */
	enum slo_op op;
	double bound;		/* ns for times, a number for count, per second for rate */
};

struct slo_set {
	struct slo *v;
	size_t n;
};

/* Parses expr into *out. 0, -ENOMEM, or -EINVAL with err saying where and what:
 * "at character 14: unknown statistic 'p9x': use count, rate, ...". */
int slo_parse(const char *expr, struct slo *out, char *err, size_t errlen);
void slo_free(struct slo *o);

/* Adds one expression; errors as slo_parse. */
int slo_set_add(struct slo_set *set, const char *expr, char *err, size_t errlen);
/* Adds the objectives of a file: one a line, '#' starts a comment, blank lines skipped.
 * 0, -ENOMEM, or another -errno with err saying "PATH: ..." or "PATH:LINE: ..." */
int slo_set_load(struct slo_set *set, const char *path, char *err, size_t errlen);
void slo_set_free(struct slo_set *set);

/* Whether o means something for one interval of a run: a lower bound on a count or a total
 * is about the whole run (an interval holds a part of it), checked only at its end. */
bool slo_per_interval(const struct slo *o);
/* Appends to s one check per series each objective applies to (one for none). Returns
 * 0 or -ENOMEM. */
int slo_evaluate(const struct slo_set *set, struct snapshot *s);
/* One line about a check: "func.latency:p99<2ms: p99 3.10 ms (func=work)", or its note
 * in place of the value; escaped for a terminal. */
const char *slo_check_text(const struct check *c, char *buf, size_t len);

#endif
