// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Summaries computed from a snapshot's series: the one place where their statistics are
 * taken, for every report format. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"
#include "model/model.h"

const char *summary_stat_name(enum summary_stat stat)
{
	static const char *const names[] = {
		[STAT_COUNT] = "count", [STAT_RATE] = "rate", [STAT_TOTAL] = "total",
		[STAT_MEAN] = "mean", [STAT_MIN] = "min", [STAT_MAX] = "max",
	};

	if (stat >= STAT_P50 && stat <= STAT_P999)
		return hist_quantiles[stat - STAT_P50].name;
	return (size_t)stat < sizeof(names) / sizeof(names[0]) ? names[stat] : "?";
}

static bool matches(const struct series *se, const struct summary_col *c, const char *key,
		    const char *value)
{
	const char *l;

	if (se->kind == SERIES_STACKS || strcmp(se->metric, c->metric))
		return false;
	if (c->label_key) {
		l = labels_get(&se->labels, c->label_key);
		if (!l || strcmp(l, c->label_value))
			return false;
	}
	if (key) {
		l = labels_get(&se->labels, key);
		if (!l || strcmp(l, value))
			return false;
	}
	return true;
}

/* Column c of the row key=value: counts summed (0 with no series), histograms merged. */
static bool column_value(const struct snapshot *s, const struct summary_col *c, const char *key,
			 const char *value, struct hist *merged, double *out)
{
	uint64_t count = 0;
	bool any = false, hists = false;

	memset(merged, 0, sizeof(*merged));
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];

		if (!matches(se, c, key, value))
			continue;
		any = true;
		if (se->kind == SERIES_HIST) {
			hist_merge(merged, se->hist);
			count += se->hist->count;
			hists = true;
		} else {
			count += se->value;
		}
	}
	if (!any && c->stat != STAT_COUNT && c->stat != STAT_RATE)
		return false;
	switch (c->stat) {
	case STAT_COUNT:
		*out = (double)count;
		return true;
	case STAT_RATE:
		*out = s->duration_ns ? count / (s->duration_ns / 1e9) : 0;
		return true;
	default:
		break;
	}
	if (!hists || !merged->count)
		return false;
	switch (c->stat) {
	case STAT_TOTAL: *out = (double)merged->sum; break;
	case STAT_MEAN: *out = hist_mean(merged); break;
	case STAT_MIN: *out = (double)hist_min(merged); break;
	case STAT_P50:
	case STAT_P90:
	case STAT_P99:
	case STAT_P999:
		*out = (double)hist_quantile(merged, hist_quantiles[c->stat - STAT_P50].q);
		break;
	case STAT_MAX: *out = (double)merged->max; break;
	default: return false;
	}
	return true;
}

/* The sort of summary_rows: preferred rows first, then by weight, then by key. */
struct ranked {
	struct summary_row row;
	bool preferred;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->preferred != y->preferred)
		return x->preferred ? -1 : 1;
	if (x->row.weight != y->row.weight)
		return x->row.weight < y->row.weight ? 1 : -1;
	return strcmp(x->row.key ? x->row.key : "", y->row.key ? y->row.key : "");
}

/* The distinct values of label key among the series of sm's columns. */
static int row_keys(const struct snapshot *s, const struct summary *sm, const char ***keys,
		    size_t *n)
{
	const char **v = calloc(s->nseries + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < s->nseries; i++) {
		const char *k = labels_get(&s->series[i].labels, sm->key);
		bool used = false, dup = false;

		for (size_t c = 0; k && c < sm->ncols && !used; c++)
			used = matches(&s->series[i], &sm->cols[c], NULL, NULL);
		for (size_t j = 0; used && j < *n && !dup; j++)
			dup = !strcmp(v[j], k);
		if (used && !dup)
			v[(*n)++] = k;
	}
	*keys = v;
	return 0;
}

int summary_rows(const struct snapshot *s, const struct summary *sm, struct summary_row **rows,
		 size_t *nrows, size_t *total)
{
	const char **keys = NULL, *none = NULL;
	struct hist *merged = malloc(sizeof(*merged));
	struct ranked *r = NULL;
	size_t n = 1, shown;
	int err = -ENOMEM;

	*rows = NULL;
	*nrows = 0;
	if (total)
		*total = 0;
	if (!merged)
		return -ENOMEM;
	if (sm->key) {
		if (row_keys(s, sm, &keys, &n))
			goto out;
	} else {
		keys = &none;
	}
	r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		goto out;
	for (size_t i = 0; i < n; i++) {
		bool first_weight = true;

		r[i].row.key = keys[i];
		r[i].row.v = calloc(sm->ncols ? sm->ncols : 1, sizeof(double));
		r[i].row.have = calloc(sm->ncols ? sm->ncols : 1, sizeof(bool));
		if (!r[i].row.v || !r[i].row.have) {
			for (size_t j = 0; j <= i; j++) {
				free(r[j].row.v);
				free(r[j].row.have);
			}
			goto out;
		}
		for (size_t c = 0; c < sm->ncols; c++) {
			const struct summary_col *col = &sm->cols[c];

			r[i].row.have[c] = column_value(s, col, sm->key, keys[i], merged,
							&r[i].row.v[c]);
			if (!col->weight || !r[i].row.have[c])
				continue;
			r[i].row.weight += r[i].row.v[c];
			/* a histogram's rows count its samples, a counter's its value */
			if (first_weight)
				r[i].preferred = (merged->count ? (double)merged->count :
						  r[i].row.v[c]) >= (double)sm->prefer_min;
			first_weight = false;
		}
		if (first_weight)
			r[i].preferred = !sm->prefer_min;
	}
	/* A keyless summary has its one row only when some column has a value. */
	if (!sm->key) {
		bool any = false;

		for (size_t c = 0; c < sm->ncols && !any; c++)
			for (size_t i = 0; i < s->nseries && !any; i++)
				any = matches(&s->series[i], &sm->cols[c], NULL, NULL);
		if (!any) {
			free(r[0].row.v);
			free(r[0].row.have);
			n = 0;
		}
	}
	qsort(r, n, sizeof(*r), by_rank);
	shown = sm->top && sm->top < n ? sm->top : n;
	*rows = calloc(shown ? shown : 1, sizeof(**rows));
	if (!*rows) {
		for (size_t i = 0; i < n; i++) {
			free(r[i].row.v);
			free(r[i].row.have);
		}
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (i < shown) {
			(*rows)[i] = r[i].row;
		} else {
			free(r[i].row.v);
			free(r[i].row.have);
		}
	}
	*nrows = shown;
	if (total)
		*total = n;
	err = 0;
out:
	if (keys != &none)
		free(keys);
	free(r);
	free(merged);
	return err;
}

void summary_rows_free(struct summary_row *rows, size_t nrows)
{
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].v);
		free(rows[i].have);
	}
	free(rows);
}
