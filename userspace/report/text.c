// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model/duration.h"
#include "model/histogram.h"
#include "report/text.h"

#define BAR_WIDTH 40

static const char *dur(uint64_t ns, char *buf)
{
	return duration_format(ns, buf, 32);
}

void report_text_hist(FILE *f, const struct hist *h, uint32_t scale, int max_rows)
{
	int lo = -1, hi = -1, group = 1;
	uint64_t peak = 0;

	for (int i = 0; i < HIST_NBUCKETS; i++) {
		if (h->buckets[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	if (lo < 0)
		return;
	/* Widen groups (powers of two, so that they stay aligned to octaves) until the
	 * nonempty range fits; groups of HIST_SUB buckets are whole octaves, the log2 rows of
	 * other tools, and the widest there is. */
	while (hi / group - lo / group + 1 > max_rows && group < (int)HIST_SUB)
		group *= 2;
	lo = lo / group * group;
	hi = hi / group * group + group - 1;
	if (hi >= HIST_NBUCKETS)
		hi = HIST_NBUCKETS - 1;

	struct row {
		uint64_t lo, hi, n;
	} *rows = calloc(HIST_NBUCKETS, sizeof(*rows));
	int nrows = 0;

	if (!rows)
		return;
	for (int i = lo; i <= hi; i++) {
		if ((i - lo) % group == 0) {
			rows[nrows].lo = hist_bucket_lower(i);
			rows[nrows].n = 0;
			nrows++;
		}
		rows[nrows - 1].hi = hist_bucket_upper(i);
		rows[nrows - 1].n += h->buckets[i] * (scale ? scale : 1);
	}
	for (int r = 0; r < nrows; r++)
		if (rows[r].n > peak)
			peak = rows[r].n;
	for (int r = 0; r < nrows; r++) {
		char a[32], b[32], bar[BAR_WIDTH + 1];
		int len = peak ? (int)((rows[r].n * BAR_WIDTH + peak - 1) / peak) : 0;

		memset(bar, '@', len);
		bar[len] = 0;
		fprintf(f, "    [%9s, %9s) %10llu |%-*s|\n", dur(rows[r].lo, a), dur(rows[r].hi, b),
			(unsigned long long)rows[r].n, BAR_WIDTH, bar);
	}
	free(rows);
}

/* Labels whose value is the same in every series of the metric. */
static bool label_constant(const struct snapshot *s, const char *metric, const char *key,
			   const char *value)
{
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		const char *v;

		if (strcmp(se->metric, metric))
			continue;
		v = labels_get(&se->labels, key);
		if (!v || strcmp(v, value))
			return false;
	}
	return true;
}

static int by_sum_desc(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;

	if (x->hist->sum != y->hist->sum)
		return x->hist->sum < y->hist->sum ? 1 : -1;
	return strcmp(x->metric, y->metric);
}

static void write_metric(FILE *f, const struct snapshot *s, const char *metric,
			 const struct text_opts *o)
{
	const struct series **rows = calloc(s->nseries, sizeof(*rows));
	const char *cols[8];
	int ncols = 0, width[8] = { 0 };
	size_t n = 0, shown;
	uint32_t scale = s->sampling > 1 ? s->sampling : 1;
	bool heading_labels = false;

	if (!rows)
		return;
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].kind == SERIES_HIST && !strcmp(s->series[i].metric, metric))
			rows[n++] = &s->series[i];
	qsort(rows, n, sizeof(*rows), by_sum_desc);

	fprintf(f, "%s", metric);
	for (size_t l = 0; n && l < rows[0]->labels.n; l++) {
		const struct label *lb = &rows[0]->labels.v[l];

		if (n > 1 && !label_constant(s, metric, lb->key, lb->value)) {
			if (ncols < 8)
				cols[ncols++] = lb->key;
			continue;
		}
		if (n == 1 && ncols == 0 && !strcmp(lb->key, "func")) {
			cols[ncols++] = lb->key;	/* a single function still gets its column */
			continue;
		}
		fprintf(f, "%s %s=%s", heading_labels ? "," : " ", lb->key, lb->value);
		heading_labels = true;
	}
	/* labels that the first row lacks (a device's netns) vary too: columns */
	for (size_t r = 1; r < n; r++) {
		for (size_t l = 0; l < rows[r]->labels.n; l++) {
			const char *key = rows[r]->labels.v[l].key;
			bool known = labels_get(&rows[0]->labels, key) != NULL;

			for (int c = 0; c < ncols && !known; c++)
				known = !strcmp(cols[c], key);
			if (!known && ncols < 8)
				cols[ncols++] = key;
		}
	}
	fprintf(f, "\n");
	shown = o->top && o->top < n ? o->top : n;
	for (int c = 0; c < ncols; c++) {
		width[c] = (int)strlen(cols[c]);
		for (size_t r = 0; r < shown; r++) {
			const char *v = labels_get(&rows[r]->labels, cols[c]);
			int w = v ? (int)strlen(v) : 1;

			if (w > width[c])
				width[c] = w > 48 ? 48 : w;
		}
	}
	for (int c = 0; c < ncols; c++) {
		char up[32];
		size_t k;

		for (k = 0; cols[c][k] && k < sizeof(up) - 1; k++)
			up[k] = (char)(cols[c][k] >= 'a' && cols[c][k] <= 'z' ? cols[c][k] - 32 :
				       cols[c][k]);
		up[k] = 0;
		fprintf(f, "%-*s  ", width[c], up);
	}
	fprintf(f, "%10s %9s %9s %9s %9s %9s %9s %9s %9s\n", o->count_name ? o->count_name : "COUNT",
		"TOTAL", "MEAN", "MIN", "P50", "P90", "P99", "P99.9", "MAX");
	for (size_t r = 0; r < shown; r++) {
		const struct hist *h = rows[r]->hist;
		char b[9][32];

		for (int c = 0; c < ncols; c++) {
			const char *v = labels_get(&rows[r]->labels, cols[c]);

			fprintf(f, "%-*.*s  ", width[c], width[c], v ? v : "-");
		}
		fprintf(f, "%10llu %9s %9s %9s %9s %9s %9s %9s %9s\n",
			(unsigned long long)(h->count * scale), dur(h->sum * scale, b[0]),
			dur((uint64_t)hist_mean(h), b[1]), dur(hist_min(h), b[2]),
			dur(hist_quantile(h, 0.5), b[3]), dur(hist_quantile(h, 0.9), b[4]),
			dur(hist_quantile(h, 0.99), b[5]), dur(hist_quantile(h, 0.999), b[6]),
			dur(h->max, b[7]));
	}
	if (shown < n)
		fprintf(f, "... %zu more (use --top to show more)\n", n - shown);
	for (size_t r = 0; r < shown && r < o->histograms; r++) {
		/* a heading names the row, unless the group's title already did (one row) */
		fprintf(f, ncols ? "\n  " : "\n");
		for (int c = 0; c < ncols; c++) {
			const char *v = labels_get(&rows[r]->labels, cols[c]);

			fprintf(f, "%s%s", c ? " " : "", v ? v : "-");
		}
		if (ncols)
			fprintf(f, "\n");
		report_text_hist(f, rows[r]->hist, scale, 16);
	}
	if (n > o->histograms && shown > o->histograms)
		fprintf(f, "\n  (histograms of the top %u only)\n", o->histograms);
	free(rows);
}

static int by_value_desc(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;

	return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

/* Stacks (counters with a "stack" label, frames root first): the heaviest, leaf first. */
static void write_stacks(FILE *f, const struct snapshot *s, const struct text_opts *o)
{
	const struct series **rows = calloc(s->nseries, sizeof(*rows));
	size_t n = 0, shown;

	if (!rows)
		return;
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].kind == SERIES_COUNTER && labels_get(&s->series[i].labels, "stack"))
			rows[n++] = &s->series[i];
	qsort(rows, n, sizeof(*rows), by_value_desc);
	shown = o->top && o->top < n ? o->top : n < 10 ? n : 10;
	if (n)
		fprintf(f, "\n%s: the top %zu of %zu stacks\n", rows[0]->metric, shown, n);
	for (size_t r = 0; r < shown; r++) {
		const char *stack = labels_get(&rows[r]->labels, "stack");
		const char *end = stack + strlen(stack);
		char v[32];

		fprintf(f, "\n  %s", !strcmp(rows[r]->unit, "ns") ?
			duration_format(rows[r]->value, v, sizeof(v)) :
			(snprintf(v, sizeof(v), "%llu", (unsigned long long)rows[r]->value), v));
		for (size_t l = 0; l < rows[r]->labels.n; l++)
			if (strcmp(rows[r]->labels.v[l].key, "stack"))
				fprintf(f, "  %s=%s", rows[r]->labels.v[l].key,
					rows[r]->labels.v[l].value);
		fprintf(f, "\n");
		/* the folded form is root first; people read the leaf first */
		while (end > stack) {
			const char *start = end;

			while (start > stack && start[-1] != ';')
				start--;
			fprintf(f, "      %.*s\n", (int)(end - start), start);
			end = start > stack ? start - 1 : stack;
		}
	}
	free(rows);
}

static bool plain_counter(const struct series *se)
{
	return se->kind == SERIES_COUNTER && !labels_get(&se->labels, "stack");
}

/* "key=value key=value" into buf. */
static const char *labels_text(const struct series *se, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t l = 0; l < se->labels.n && n < len; l++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", l ? " " : "",
				      se->labels.v[l].key, se->labels.v[l].value);
	return buf;
}

/* The counters (not stacks), a row each, in aligned columns: metric, labels, value. */
static void write_counters(FILE *f, const struct snapshot *s, bool after)
{
	int wm = 0, wl = 0;
	char buf[512];

	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		int m, l;

		if (!plain_counter(se))
			continue;
		m = (int)strlen(se->metric);
		l = (int)strlen(labels_text(se, buf, sizeof(buf)));
		wm = m > wm ? m : wm;
		wl = l > wl ? l : wl;
	}
	if (!wm)
		return;
	fprintf(f, "%sCounters\n", after ? "\n" : "");
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];

		if (plain_counter(se))
			fprintf(f, "  %-*s  %-*s%s%12llu\n", wm, se->metric, wl,
				labels_text(se, buf, sizeof(buf)), wl ? "  " : "",
				(unsigned long long)se->value);
	}
}

int report_text_write(FILE *f, const struct snapshot *s, const struct text_opts *o)
{
	bool any = false;

	if (s->sampling > 1)
		fprintf(f, "Sampled 1 call in %u: counts and totals are estimates (seen x %u).\n",
			s->sampling, s->sampling);
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		bool first = true;

		if (se->kind != SERIES_HIST)
			continue;
		for (size_t j = 0; j < i; j++)
			if (s->series[j].kind == SERIES_HIST && !strcmp(s->series[j].metric, se->metric))
				first = false;
		if (!first)
			continue;
		if (any)
			fprintf(f, "\n");
		write_metric(f, s, se->metric, o);
		any = true;
	}
	write_stacks(f, s, o);
	write_counters(f, s, any);
	{
		bool dropped = false;

		for (size_t i = 0; i < s->ndrops; i++) {
			if (!s->drops[i].count)
				continue;
			fprintf(f, "%s%s %llu", dropped ? ", " : "\nNot recorded: ", s->drops[i].name,
				(unsigned long long)s->drops[i].count);
			dropped = true;
		}
		if (dropped)
			fprintf(f, "\n");
	}
	return ferror(f) ? -1 : 0;
}

void report_text_event(FILE *f, const struct event *e, bool header)
{
	char t[32], d[32];
	time_t sec = (time_t)(e->time_unix_ns / 1000000000ull);
	struct tm tm;
	const char *what = e->labels.n ? e->labels.v[0].value : "";

	if (header)
		fprintf(f, "%-15s %7s %7s %-16s %-24s %10s\n", "TIME", "PID", "TID", "COMM",
			"FUNCTION", "DURATION");
	localtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	fprintf(f, "%s.%06llu %7u %7u %-16s %-24s %10s\n", t,
		(unsigned long long)(e->time_unix_ns % 1000000000ull / 1000), e->pid, e->tid, e->comm,
		what, duration_format(e->duration_ns, d, sizeof(d)));
	fflush(f);
}
