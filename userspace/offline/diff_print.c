// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json/json_writer.h"
#include "model/duration.h"
#include "model/text_escape.h"
#include "offline/diff_print.h"

#define CELL 512

static int flush_status(FILE *f)
{
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/* A value of a row as a person reads it: a duration, a rate, or a number. */
static const char *value_text(const struct compare_row *row, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isinf(v))
		snprintf(buf, len, "unbounded");
	else if (row->duration && !strcmp(row->unit, "ns"))
		duration_format((uint64_t)llround(v), buf, len);
	else if (!strcmp(row->stat, "rate"))
		snprintf(buf, len, v >= 100 ? "%.0f/s" : "%.3g/s", v);
	else if (row->duration)
		snprintf(buf, len, "%.4g %s", v, row->unit);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static const char *change_text(const struct compare_row *row, char *buf, size_t len)
{
	if (isnan(row->change))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.1f%%", row->change * 100);
	return buf;
}

/* "func=work binary=/x": the labels, each name escaped for a terminal. */
static const char *labels_text(const struct labels *l, char *buf, size_t len)
{
	char esc[TEXT_ESCAPE_SIZE(CELL)], raw[CELL];
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < l->n && n + 1 < len; i++) {
		snprintf(raw, sizeof(raw), "%s=%s", l->v[i].key, l->v[i].value);
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "",
				      text_escape(raw, esc, sizeof(esc)));
		if (n >= len)
			n = len - 1;
	}
	return buf;
}

/* "p50 5%, p90 10%, p99 20%, p999 20%, rates 5%" */
static const char *threshold_text(const struct compare_opts *o, char *buf, size_t len)
{
	size_t n = 0;

	for (int i = 0; i < HIST_NQUANTILES && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s %g%%, ", hist_quantiles[i].name,
				      o->threshold[i] * 100);
	if (n < len)
		snprintf(buf + n, len - n, "rates %g%%", o->threshold_other * 100);
	return buf;
}

static const char *names_text(const char *const *names, size_t n, char *buf, size_t len)
{
	char esc[TEXT_ESCAPE_SIZE(256)];
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "",
					 text_escape(names[i], esc, sizeof(esc)));
		if (used >= len)
			used = len - 1;
	}
	return buf;
}

/* How the verdicts were reached, in one line. */
static void method_text(const struct diff_report *d, char *buf, size_t len)
{
	const struct compare_result *r = d->r;
	char t[128];

	threshold_text(d->o, t, sizeof(t));
	if (r->ranks)
		snprintf(buf, len, "thresholds %s; several runs: Mann-Whitney U, p <= %.2g each "
			 "(alpha %g over %zu quantiles)", t, r->level, d->o->alpha, r->comparisons);
	else
		snprintf(buf, len, "thresholds %s; one run a side: intervals from the buckets, "
			 "%.4g%% both (alpha %g over %zu quantiles)", t, (1 - r->level) * 100,
			 d->o->alpha, r->comparisons);
}

enum { C_VERDICT, C_METRIC, C_LABELS, C_STAT, C_BASE, C_NEW, C_CHANGE, C_WHY, NCOLS };

static void row_cells(const struct compare_row *row, char cells[NCOLS][CELL])
{
	snprintf(cells[C_VERDICT], CELL, "%s", verdict_name(row->verdict));
	text_escape(row->metric, cells[C_METRIC], CELL);
	labels_text(&row->labels, cells[C_LABELS], CELL);
	snprintf(cells[C_STAT], CELL, "%s", row->stat);
	value_text(row, row->base, cells[C_BASE], CELL);
	value_text(row, row->new, cells[C_NEW], CELL);
	change_text(row, cells[C_CHANGE], CELL);
	snprintf(cells[C_WHY], CELL, "%s", row->why);
}

static const char *verdict_colour(enum verdict v)
{
	switch (v) {
	case VERDICT_REGRESSED:
		return "\033[1;31m";
	case VERDICT_IMPROVED:
		return "\033[32m";
	case VERDICT_ONLY_BASE:
	case VERDICT_ONLY_NEW:
	case VERDICT_TOO_FEW:
	case VERDICT_UNSTABLE:
		return "\033[33m";
	default:
		return NULL;
	}
}

int diff_print_text(FILE *f, const struct diff_report *d, bool colour)
{
	static const char *const titles[NCOLS] = { "VERDICT", "METRIC", "LABELS", "STAT", "BASE",
						   "NEW", "CHANGE", "WHY" };
	const struct compare_result *r = d->r;
	char (*cells)[CELL] = malloc(sizeof(char[NCOLS][CELL])), names[1024];
	size_t width[NCOLS];

	if (!cells)
		return -ENOMEM;
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(titles[c]);
	for (size_t i = 0; i < r->nrows; i++) {
		row_cells(&r->rows[i], cells);
		for (int c = 0; c < NCOLS; c++)
			if (strlen(cells[c]) > width[c])
				width[c] = strlen(cells[c]);
	}
	fprintf(f, "base: %s (%zu run%s)\n", names_text(d->base_names, d->nbase, names,
		sizeof(names)), d->nbase, d->nbase == 1 ? "" : "s");
	fprintf(f, "new:  %s (%zu run%s)\n", names_text(d->new_names, d->nnew, names,
		sizeof(names)), d->nnew, d->nnew == 1 ? "" : "s");
	method_text(d, names, sizeof(names));
	fprintf(f, "%s\n\n", names);
	for (int c = 0; c < NCOLS; c++)
		if (c == NCOLS - 1)
			fprintf(f, "%s\n", titles[c]);
		else
			fprintf(f, "%-*s  ", (int)width[c], titles[c]);
	for (size_t i = 0; i < r->nrows; i++) {
		const char *on = colour ? verdict_colour(r->rows[i].verdict) : NULL;

		row_cells(&r->rows[i], cells);
		for (int c = 0; c < NCOLS; c++) {
			bool right = c == C_BASE || c == C_NEW || c == C_CHANGE;

			if (c == C_VERDICT && on)
				fprintf(f, "%s%s\033[0m%*s  ", on, cells[c],
					(int)(width[c] - strlen(cells[c])), "");
			else if (c == NCOLS - 1)
				fprintf(f, "%s\n", cells[c]);
			else
				fprintf(f, right ? "%*s  " : "%-*s  ", (int)width[c], cells[c]);
		}
	}
	if (!r->nrows)
		fprintf(f, "(no series with data in both sets of runs)\n");
	fprintf(f, "\n%zu regression%s, %zu improvement%s over %zu quantile comparisons.\n",
		r->regressions, r->regressions == 1 ? "" : "s", r->improvements,
		r->improvements == 1 ? "" : "s", r->comparisons);
	if (r->ranks && r->comparisons && r->min_p > r->level)
		fprintf(f, "%zu and %zu runs can never show a change at p <= %.2g (the smallest p "
			"they can give is %.2g): give more runs a side.\n", d->nbase, d->nnew,
			r->level, r->min_p);
	free(cells);
	return flush_status(f);
}

/* A table cell of Markdown: escaped for a terminal first (no control character reaches a
 * reader), then every character Markdown gives a meaning to behind a backslash. */
static void md_put(FILE *f, const char *s)
{
	char esc[TEXT_ESCAPE_SIZE(CELL)], cut[CELL];

	snprintf(cut, sizeof(cut), "%s", s);
	for (const char *p = text_escape(cut, esc, sizeof(esc)); *p; p++) {
		if (strchr("\\|`*_[]<>#~&!", *p))
			fputc('\\', f);
		fputc(*p, f);
	}
}

int diff_print_markdown(FILE *f, const struct diff_report *d)
{
	const struct compare_result *r = d->r;
	char (*cells)[CELL] = malloc(sizeof(char[NCOLS][CELL])), text[1024];

	if (!cells)
		return -ENOMEM;
	fprintf(f, "### tailtrace diff: %zu regression%s, %zu improvement%s\n\n", r->regressions,
		r->regressions == 1 ? "" : "s", r->improvements, r->improvements == 1 ? "" : "s");
	fputs("Base: ", f);
	for (size_t i = 0; i < d->nbase; i++) {
		fputs(i ? ", " : "", f);
		md_put(f, d->base_names[i]);
	}
	fputs("; new: ", f);
	for (size_t i = 0; i < d->nnew; i++) {
		fputs(i ? ", " : "", f);
		md_put(f, d->new_names[i]);
	}
	method_text(d, text, sizeof(text));
	fputs(". ", f);
	md_put(f, text);
	fputs(".\n\n", f);
	for (size_t i = 0; i < r->nwarnings; i++) {
		fputs("> **Not comparable?** ", f);
		md_put(f, r->warnings[i]);
		fputs("\n\n", f);
	}
	fputs("| verdict | metric | labels | stat | base | new | change | why |\n"
	      "|---|---|---|---|--:|--:|--:|---|\n", f);
	for (size_t i = 0; i < r->nrows; i++) {
		bool strong = r->rows[i].verdict == VERDICT_REGRESSED;

		row_cells(&r->rows[i], cells);
		for (int c = 0; c < NCOLS; c++) {
			fputs(c ? " | " : "| ", f);
			if (c == C_VERDICT && strong)
				fputs("**", f);
			md_put(f, cells[c]);
			if (c == C_VERDICT && strong)
				fputs("**", f);
		}
		fputs(" |\n", f);
	}
	free(cells);
	return flush_status(f);
}

static void json_bound(struct json_writer *w, const char *name, double v)
{
	if (isinf(v))
		jsonw_string_field(w, name, "unbounded");
	else
		jsonw_float_field(w, name, v);
}

static void json_names(struct json_writer *w, const char *name, const char *const *v,
		       size_t n)
{
	jsonw_name(w, name);
	jsonw_start_array(w);
	for (size_t i = 0; i < n; i++)
		jsonw_string(w, v[i]);
	jsonw_end_array(w);
}

int diff_print_json(FILE *f, const struct diff_report *d)
{
	const struct compare_result *r = d->r;
	struct json_writer *w = jsonw_new(f, true);
	int err;

	if (!w)
		return -ENOMEM;
	jsonw_start_object(w);
	jsonw_string_field(w, "tool", "tailtrace");
	jsonw_string_field(w, "kind", "diff");
	json_names(w, "base", d->base_names, d->nbase);
	json_names(w, "new", d->new_names, d->nnew);
	jsonw_name(w, "threshold");
	jsonw_start_object(w);
	for (int i = 0; i < HIST_NQUANTILES; i++)
		jsonw_float_field(w, hist_quantiles[i].name, d->o->threshold[i]);
	jsonw_float_field(w, "other", d->o->threshold_other);
	jsonw_end_object(w);
	jsonw_float_field(w, "alpha", d->o->alpha);
	jsonw_string_field(w, "method", r->ranks ? "mann_whitney" : "order_statistic_interval");
	jsonw_u64_field(w, "comparisons", r->comparisons);
	jsonw_float_field(w, "level", r->level);
	if (r->ranks)
		jsonw_float_field(w, "min_p", r->min_p);
	jsonw_u64_field(w, "regressions", r->regressions);
	jsonw_u64_field(w, "improvements", r->improvements);
	json_names(w, "warnings", (const char *const *)r->warnings, r->nwarnings);
	jsonw_name(w, "rows");
	jsonw_start_array(w);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct compare_row *row = &r->rows[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "verdict", verdict_key(row->verdict));
		jsonw_string_field(w, "metric", row->metric);
		jsonw_string_field(w, "unit", !strcmp(row->stat, "rate") ? "1/s" : row->unit);
		jsonw_name(w, "labels");
		jsonw_start_object(w);
		for (size_t j = 0; j < row->labels.n; j++)
			jsonw_string_field(w, row->labels.v[j].key, row->labels.v[j].value);
		jsonw_end_object(w);
		jsonw_string_field(w, "stat", row->stat);
		jsonw_float_field(w, "base", row->base);
		jsonw_float_field(w, "new", row->new);
		jsonw_float_field(w, "change", row->change);
		jsonw_float_field(w, "threshold", row->threshold);
		if (!isnan(row->base_lo)) {
			json_bound(w, "base_low", row->base_lo);
			json_bound(w, "base_high", row->base_hi);
			json_bound(w, "new_low", row->new_lo);
			json_bound(w, "new_high", row->new_hi);
		}
		if (!isnan(row->p))
			jsonw_float_field(w, "p", row->p);
		if (!isnan(row->base_count)) {
			jsonw_float_field(w, "base_count", row->base_count);
			jsonw_float_field(w, "new_count", row->new_count);
		}
		jsonw_u64_field(w, "base_runs", row->base_runs);
		jsonw_u64_field(w, "new_runs", row->new_runs);
		jsonw_string_field(w, "why", row->why);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
	err = jsonw_error(w);
	jsonw_destroy(w);
	if (err)
		return err;
	fputc('\n', f);
	return flush_status(f);
}
