// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A report as GitHub-flavoured Markdown, for a pull-request comment or a CI summary: a table
 * per metric, the counters, the summaries and the objectives' pass/fail table. Names come
 * from traced processes, so every cell is escaped: control characters as in text, and what
 * Markdown or HTML would read as markup (| < > & ` * _ [ ] \) so a name cannot break the
 * table or inject anything into the page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/duration.h"
#include "model/histogram.h"
#include "model/text_escape.h"
#include "report/emitter.h"
#include "report/markdown.h"

#define CELL_MAX 1024

static const char *cell(const char *in, char *buf, size_t len)
{
	char esc[TEXT_ESCAPE_SIZE(256)], part[257];
	size_t n = 0;

	snprintf(part, sizeof(part), "%s", in);
	text_escape(part, esc, sizeof(esc));
	for (const char *p = esc; *p && n + 8 < len; p++) {
		const char *rep = NULL;

		switch (*p) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '|': case '`': case '*': case '_': case '[': case ']': case '\\':
			buf[n++] = '\\';
			break;
		default:
			break;
		}
		if (rep) {
			n += (size_t)snprintf(buf + n, len - n, "%s", rep);
			continue;
		}
		buf[n++] = *p;
	}
	buf[n] = 0;
	return buf;
}

static int by_sum_desc(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;

	if (x->hist->sum != y->hist->sum)
		return x->hist->sum < y->hist->sum ? 1 : -1;
	return x->hist->count < y->hist->count ? 1 : x->hist->count > y->hist->count ? -1 : 0;
}

/* The label keys of rows[0..n), in the order first seen; at most max. */
static size_t label_keys(const struct series **rows, size_t n, const char **keys, size_t max)
{
	size_t nk = 0;

	for (size_t r = 0; r < n; r++) {
		for (size_t l = 0; l < rows[r]->labels.n; l++) {
			const char *k = rows[r]->labels.v[l].key;
			size_t j;

			for (j = 0; j < nk && strcmp(keys[j], k); j++)
				;
			if (j == nk && nk < max)
				keys[nk++] = k;
		}
	}
	return nk;
}

static void write_metric(FILE *f, const struct snapshot *s, const char *metric,
			 const struct emit_opts *o)
{
	const struct series **rows = calloc(s->nseries, sizeof(*rows));
	const struct metric_info *mi = snapshot_metric_info(s, metric);
	uint32_t top = o->top ? o->top : mi ? mi->top : 0;
	uint64_t scale = s->sampling > 1 ? s->sampling : 1;
	const char *keys[8];
	char c[CELL_MAX], b[32];
	size_t n = 0, nk, shown;

	if (!rows)
		return;
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].kind == SERIES_HIST && !strcmp(s->series[i].metric, metric))
			rows[n++] = &s->series[i];
	qsort(rows, n, sizeof(*rows), by_sum_desc);
	shown = top && top < n ? top : n;
	nk = label_keys(rows, shown, keys, 8);
	fprintf(f, "\n### %s\n\n|", cell(metric, c, sizeof(c)));
	for (size_t k = 0; k < nk; k++)
		fprintf(f, " %s |", cell(keys[k], c, sizeof(c)));
	fprintf(f, " %s | total | mean | min |", mi && mi->count_name ?
		cell(mi->count_name, c, sizeof(c)) : "count");
	for (int q = 0; q < HIST_NQUANTILES; q++)
		fprintf(f, " %s |", hist_quantiles[q].name);
	fprintf(f, " max |\n|");
	for (size_t k = 0; k < nk; k++)
		fprintf(f, "---|");
	for (int q = 0; q < HIST_NQUANTILES + 5; q++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
	for (size_t r = 0; r < shown; r++) {
		const struct hist *h = rows[r]->hist;

		fprintf(f, "|");
		for (size_t k = 0; k < nk; k++) {
			const char *v = labels_get(&rows[r]->labels, keys[k]);

			fprintf(f, " %s |", v ? cell(v, c, sizeof(c)) : "-");
		}
		fprintf(f, " %llu |", (unsigned long long)(h->count * scale));
		if (!h->count) {
			for (int q = 0; q < HIST_NQUANTILES + 4; q++)
				fprintf(f, " - |");
			fprintf(f, "\n");
			continue;
		}
		fprintf(f, " %s |", duration_format(h->sum * scale, b, sizeof(b)));
		fprintf(f, " %s |", duration_format((uint64_t)hist_mean(h), b, sizeof(b)));
		fprintf(f, " %s |", duration_format(hist_min(h), b, sizeof(b)));
		for (int q = 0; q < HIST_NQUANTILES; q++)
			fprintf(f, " %s |", duration_format(hist_quantile(h, hist_quantiles[q].q), b,
							    sizeof(b)));
		fprintf(f, " %s |\n", duration_format(h->max, b, sizeof(b)));
	}
	if (shown < n)
		fprintf(f, "\n%zu more (use --top to show more)\n", n - shown);
	free(rows);
}

static void write_summary(FILE *f, const struct snapshot *s, const struct summary *orig,
			  const struct emit_opts *o)
{
	struct summary sm = *orig;
	struct summary_row *rows;
	size_t n, total;
	char c[CELL_MAX], v[32];

	if (o->top && sm.layout == SUMMARY_TABLE)
		sm.top = o->top;
	if (summary_rows(s, &sm, &rows, &n, &total))
		return;
	if (!n) {
		summary_rows_free(rows, n);
		return;
	}
	fprintf(f, "\n### %s\n\n|", cell(sm.title, c, sizeof(c)));
	if (sm.key)
		fprintf(f, " %s |", cell(sm.key, c, sizeof(c)));
	for (size_t k = 0; k < sm.ncols; k++)
		if (!sm.cols[k].hidden)
			fprintf(f, " %s |", cell(sm.cols[k].title, c, sizeof(c)));
	fprintf(f, "\n|%s", sm.key ? "---|" : "");
	for (size_t k = 0; k < sm.ncols; k++)
		if (!sm.cols[k].hidden)
			fprintf(f, "---:|");
	fprintf(f, "\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "|");
		if (sm.key)
			fprintf(f, " %s |", cell(rows[i].key ? rows[i].key : "", c, sizeof(c)));
		for (size_t k = 0; k < sm.ncols; k++) {
			const struct summary_col *col = &sm.cols[k];
			const char *unit = col->stat == STAT_COUNT ? "count" :
					   col->stat == STAT_RATE ? "/s" : "ns";

			if (col->hidden)
				continue;
			fprintf(f, " %s |", rows[i].have[k] ?
				value_format(rows[i].v[k], unit, v, sizeof(v)) :
				col->stat == STAT_COUNT ? "0" : "-");
		}
		fprintf(f, "\n");
	}
	if (n < total)
		fprintf(f, "\n%zu more (use --top to show more)\n", total - n);
	if (sm.note)
		fprintf(f, "\n%s\n", cell(sm.note, c, sizeof(c)));
	summary_rows_free(rows, n);
}

static void write_counters(FILE *f, const struct snapshot *s)
{
	char c[CELL_MAX], l[CELL_MAX];
	bool any = false;

	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		size_t n = 0;

		if (se->kind != SERIES_COUNTER)
			continue;
		if (!any)
			fprintf(f, "\n### Counters\n\n| metric | labels | value |\n|---|---|---:|\n");
		any = true;
		l[0] = 0;
		for (size_t k = 0; k < se->labels.n && n < sizeof(l); k++) {
			char kv[CELL_MAX];

			snprintf(kv, sizeof(kv), "%s=%s", se->labels.v[k].key,
				 se->labels.v[k].value);
			n += (size_t)snprintf(l + n, sizeof(l) - n, "%s%s", k ? " " : "",
					      cell(kv, c, sizeof(c)));
		}
		fprintf(f, "| %s | %s | %llu |\n", cell(se->metric, c, sizeof(c)), l,
			(unsigned long long)se->value);
	}
}

static void write_checks(FILE *f, const struct snapshot *s)
{
	char c[CELL_MAX], v[32];
	size_t failed = 0;

	for (size_t i = 0; i < s->nchecks; i++)
		failed += !s->checks[i].passed;
	fprintf(f, "\n### Objectives: %zu of %zu met\n\n| result | objective | series | value |\n"
		"|---|---|---|---:|\n", s->nchecks - failed, s->nchecks);
	for (size_t i = 0; i < s->nchecks; i++) {
		const struct check *ck = &s->checks[i];
		size_t n = 0;
		char l[CELL_MAX] = "-";

		for (size_t k = 0; k < ck->labels.n && n < sizeof(l); k++) {
			char kv[CELL_MAX], e[CELL_MAX];

			snprintf(kv, sizeof(kv), "%s=%s", ck->labels.v[k].key,
				 ck->labels.v[k].value);
			n += (size_t)snprintf(l + n, sizeof(l) - n, "%s%s", k ? " " : "",
					      cell(kv, e, sizeof(e)));
		}
		fprintf(f, "| %s | %s | %s |", ck->passed ? "pass" : "**FAIL**",
			cell(ck->objective, c, sizeof(c)), l);
		fprintf(f, " %s |\n", ck->have ? value_format(ck->value, ck->unit, v, sizeof(v)) :
			cell(ck->note ? ck->note : "-", c, sizeof(c)));
	}
}

int report_markdown_write(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	char c[CELL_MAX], h[CELL_MAX], d[32];

	fprintf(f, "## tailtrace %s", cell(s->command, c, sizeof(c)));
	if (*s->host)
		fprintf(f, " on %s", cell(s->host, h, sizeof(h)));
	fprintf(f, ", %s\n", duration_format(s->duration_ns, d, sizeof(d)));
	if (s->sampling > 1)
		fprintf(f, "\nSampled 1 call in %u: counts and totals are estimates.\n",
			s->sampling);
	for (size_t i = 0; i < s->nsummaries; i++)
		write_summary(f, s, &s->summaries[i], o);
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		bool first = se->kind == SERIES_HIST;

		for (size_t j = 0; first && j < i; j++)
			first = !(s->series[j].kind == SERIES_HIST &&
				  !strcmp(s->series[j].metric, se->metric));
		if (first)
			write_metric(f, s, se->metric, o);
	}
	write_counters(f, s);
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].kind == SERIES_STACKS && s->series[i].nstacks)
			fprintf(f, "\n%s: %zu stacks (use --format folded for a flame graph)\n",
				cell(s->series[i].metric, c, sizeof(c)), s->series[i].nstacks);
	{
		bool dropped = false;

		for (size_t i = 0; i < s->ndrops; i++) {
			if (!s->drops[i].count)
				continue;
			fprintf(f, "%s%s %llu", dropped ? ", " : "\nNot recorded: ",
				cell(s->drops[i].name, c, sizeof(c)),
				(unsigned long long)s->drops[i].count);
			dropped = true;
		}
		if (dropped)
			fprintf(f, "\n");
	}
	if (s->nchecks)
		write_checks(f, s);
	return ferror(f) ? -EIO : 0;
}
