// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "model/duration.h"
#include "model/histogram.h"
#include "model/text_escape.h"
#include "report/emitter.h"
#include "report/stack_names.h"
#include "report/text.h"

#define BAR_WIDTH 40

static const char *dur(uint64_t ns, char *buf)
{
	return duration_format(ns, buf, 32);
}

#define ESC(s, buf) text_escape((s), (buf), sizeof(buf))

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
	if (x->hist->count != y->hist->count)
		return x->hist->count < y->hist->count ? 1 : -1;
	return 0;
}

static void upper(const char *in, char *out, size_t len)
{
	size_t k;

	for (k = 0; in[k] && k < len - 1; k++)
		out[k] = (char)(in[k] >= 'a' && in[k] <= 'z' ? in[k] - 32 : in[k]);
	out[k] = 0;
}

static void write_metric(FILE *f, const struct snapshot *s, const char *metric,
			 const struct emit_opts *o)
{
	const struct series **rows = calloc(s->nseries, sizeof(*rows));
	const struct metric_info *mi = snapshot_metric_info(s, metric);
	uint32_t top = o->top ? o->top : mi ? mi->top : 0;
	uint32_t nhists = mi && mi->histograms ? mi->histograms : 3;
	const char *cols[8];
	int ncols = 0, width[8] = { 0 };
	size_t n = 0, shown;
	uint32_t scale = s->sampling > 1 ? s->sampling : 1;
	bool heading_labels = false;
	char e[512];

	if (!rows)
		return;
	if (o->top && o->top < nhists)
		nhists = o->top;
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
		fprintf(f, "%s %s=%s", heading_labels ? "," : " ", lb->key, ESC(lb->value, e));
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
	shown = top && top < n ? top : n;
	for (int c = 0; c < ncols; c++) {
		width[c] = (int)strlen(cols[c]);
		for (size_t r = 0; r < shown; r++) {
			const char *v = labels_get(&rows[r]->labels, cols[c]);
			int w = v ? (int)strlen(ESC(v, e)) : 1;

			if (w > width[c])
				width[c] = w > 48 ? 48 : w;
		}
	}
	for (int c = 0; c < ncols; c++) {
		char up[32];

		upper(cols[c], up, sizeof(up));
		fprintf(f, "%-*s  ", width[c], up);
	}
	fprintf(f, "%10s %9s %9s %9s", mi && mi->count_name ? mi->count_name : "COUNT", "TOTAL",
		"MEAN", "MIN");
	for (int q = 0; q < HIST_NQUANTILES; q++)
		fprintf(f, " %9s", hist_quantiles[q].title);
	fprintf(f, " %9s\n", "MAX");
	for (size_t r = 0; r < shown; r++) {
		const struct hist *h = rows[r]->hist;
		char b[9][32];

		for (int c = 0; c < ncols; c++) {
			const char *v = labels_get(&rows[r]->labels, cols[c]);

			fprintf(f, "%-*.*s  ", width[c], width[c], v ? ESC(v, e) : "-");
		}
		if (!h->count) {
			fprintf(f, "%10d %9s %9s %9s", 0, "-", "-", "-");
			for (int q = 0; q <= HIST_NQUANTILES; q++)
				fprintf(f, " %9s", "-");
			fprintf(f, "\n");
			continue;
		}
		fprintf(f, "%10llu %9s %9s %9s", (unsigned long long)(h->count * scale),
			dur(h->sum * scale, b[0]), dur((uint64_t)hist_mean(h), b[1]),
			dur(hist_min(h), b[2]));
		for (int q = 0; q < HIST_NQUANTILES; q++)
			fprintf(f, " %9s", dur(hist_quantile(h, hist_quantiles[q].q), b[3 + q]));
		fprintf(f, " %9s\n", dur(h->max, b[8]));
	}
	if (shown < n)
		fprintf(f, "... %zu more (use --top to show more)\n", n - shown);
	size_t drawn = 0;

	for (size_t r = 0; r < shown && drawn < nhists; r++) {
		if (!rows[r]->hist->count)
			continue;
		drawn++;
		/* a heading names the row, unless the group's title already did (one row) */
		fprintf(f, ncols ? "\n  " : "\n");
		for (int c = 0; c < ncols; c++) {
			const char *v = labels_get(&rows[r]->labels, cols[c]);

			fprintf(f, "%s%s", c ? " " : "", v ? ESC(v, e) : "-");
		}
		if (ncols)
			fprintf(f, "\n");
		report_text_hist(f, rows[r]->hist, scale, 16);
	}
	if (n > nhists && shown > nhists)
		fprintf(f, "\n  (histograms of the top %u only)\n", nhists);
	free(rows);
}

static int by_value_desc(const void *a, const void *b)
{
	const struct stack *x = *(const struct stack *const *)a;
	const struct stack *y = *(const struct stack *const *)b;

	return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

static const char *frame_name(const struct frame *fr, char *buf, size_t len)
{
	char e[256], l[512];

	char src[300] = "";

	/* the module is the process's path, escaped as a symbol is */
	text_escape(frame_label(fr, l, sizeof(l)), e, sizeof(e));
	/* where in the source, for the frames that know it (Python's, DWARF's lines) */
	if (fr->file && fr->line) {
		const char *base = strrchr(fr->file, '/');
		char fe[256];

		snprintf(src, sizeof(src), " (%s:%u)", text_escape(base ? base + 1 : fr->file, fe,
								    sizeof(fe)), fr->line);
	}
	snprintf(buf, len, "%s%s%s%s", e, src, fr->inlined ? " [inlined]" : "",
		 fr->kind == FRAME_KERNEL ? " [k]" : "");
	return buf;
}

/* Stacks: the heaviest, leaf first. */
static void write_stacks(FILE *f, const struct series *se, const struct emit_opts *o)
{
	const struct stack **rows = calloc(se->nstacks + 1, sizeof(*rows));
	size_t shown;
	char e[512];

	if (!rows)
		return;
	for (size_t i = 0; i < se->nstacks; i++)
		rows[i] = &se->stacks[i];
	qsort(rows, se->nstacks, sizeof(*rows), by_value_desc);
	shown = o->top && o->top < se->nstacks ? o->top : se->nstacks < 10 ? se->nstacks : 10;
	if (se->nstacks)
		fprintf(f, "\n%s: the top %zu of %zu stacks\n", se->metric, shown, se->nstacks);
	for (size_t r = 0; r < shown; r++) {
		const struct stack *st = rows[r];
		char v[32];

		fprintf(f, "\n  %s", !strcmp(se->unit, "ns") ?
			duration_format(st->value, v, sizeof(v)) :
			(snprintf(v, sizeof(v), "%llu", (unsigned long long)st->value), v));
		for (size_t l = 0; l < st->labels.n; l++)
			fprintf(f, "  %s=%s", st->labels.v[l].key, ESC(st->labels.v[l].value, e));
		fprintf(f, "  count=%llu\n", (unsigned long long)st->count);
		for (size_t k = 0; k < st->nframes; k++)
			fprintf(f, "      %s\n", frame_name(&st->frames[k], e, sizeof(e)));
	}
	free(rows);
}

/* A function's name for the tables: its symbol, else module+address; "[k]" for the kernel,
 * the module's file name for user code. */
static const char *func_name(const struct stack_func *sf, char *buf, size_t len)
{
	const char *base = sf->module ? strrchr(sf->module, '/') : NULL;
	char e[256], m[128];

	base = base ? base + 1 : sf->module;
	if (sf->symbol)
		text_escape(sf->symbol, e, sizeof(e));
	else if (sf->module)
		snprintf(e, sizeof(e), base[0] == '[' ? "%s+0x%llx" : "[%s+0x%llx]", ESC(base, m),
			 (unsigned long long)
			 (sf->kind == FRAME_USER ? sf->offset : sf->addr));
	else
		snprintf(e, sizeof(e), "[unknown]");
	if (sf->kind == FRAME_KERNEL)
		snprintf(buf, len, "%s [k]", e);
	else if (sf->symbol && base)
		snprintf(buf, len, "%s (%s)", e, ESC(base, m));
	else
		snprintf(buf, len, "%s", e);
	return buf;
}

static int by_self_desc(const void *a, const void *b)
{
	const struct stack_func *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static const char *weight_text(const struct series *se, uint64_t v, char *buf)
{
	if (!strcmp(se->unit, "ns"))
		return dur(v, buf);
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

static void write_func_rows(FILE *f, const struct series *se, const struct stack_func *v,
			    size_t shown, uint64_t all)
{
	char a[32], b[32], name[512];

	fprintf(f, "  %10s %6s %10s %6s  %s\n", "SELF", "SELF%", "TOTAL", "TOTAL%", "FUNCTION");
	for (size_t i = 0; i < shown; i++)
		fprintf(f, "  %10s %5.1f%% %10s %5.1f%%  %s\n", weight_text(se, v[i].self, a),
			all ? 100.0 * (double)v[i].self / (double)all : 0.0,
			weight_text(se, v[i].total, b),
			all ? 100.0 * (double)v[i].total / (double)all : 0.0,
			func_name(&v[i], name, sizeof(name)));
}

/* The functions of a series of stacks by self and by total time, and how many samples have
 * a user stack that reaches its thread's start. */
static void write_functions(FILE *f, const struct series *se, const struct emit_opts *o)
{
	struct stack_func *v;
	uint64_t all = 0, with_user, complete, samples = 0;
	size_t n, shown;
	char a[32];

	if (!se->nstacks || stacks_functions(se, &v, &n))
		return;
	for (size_t i = 0; i < se->nstacks; i++) {
		all += se->stacks[i].value;
		samples += se->stacks[i].count;
	}
	{
		/* the frames where threads begin (_start, __libc_start_main, start_thread, Go's
		 * goexit) hold every sample of their threads and say nothing of where time
		 * goes: left out of the total table (still in the stacks) */
		struct stack_func *kept = malloc((n ? n : 1) * sizeof(*kept));
		size_t nk = 0, starts = 0;

		if (!kept) {
			free(v);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			struct frame fr = { .symbol = (char *)v[i].symbol, .kind = v[i].kind };

			if (frame_is_thread_start(&fr) && !v[i].self)
				starts++;
			else
				kept[nk++] = v[i];
		}
		shown = o->top && o->top < nk ? o->top : nk < 10 ? nk : 10;
		fprintf(f, "\n%s: the top %zu of %zu functions by total time (of %s, %llu samples%s)"
			"\n", se->metric, shown, nk, weight_text(se, all, a),
			(unsigned long long)samples, starts ? "; threads' start frames left out" : "");
		write_func_rows(f, se, kept, shown, all);
		free(kept);
	}
	shown = o->top && o->top < n ? o->top : n < 10 ? n : 10;
	qsort(v, n, sizeof(*v), by_self_desc);
	/* a function is in that table for time of its own */
	while (shown && !v[shown - 1].self)
		shown--;
	fprintf(f, "\n%s: the top %zu functions by self time\n", se->metric, shown);
	write_func_rows(f, se, v, shown, all);
	free(v);
	stacks_user_complete(se, &with_user, &complete);
	if (with_user)
		fprintf(f, "\n%s: %.1f%% of %llu samples with a user stack reach the thread's start "
			"(%llu complete)\n", se->metric, 100.0 * (double)complete / (double)with_user,
			(unsigned long long)with_user, (unsigned long long)complete);
}

/* "key=value key=value" into buf, escaped. */
static const char *labels_text(const struct series *se, char *buf, size_t len)
{
	size_t n = 0;
	char e[256];

	buf[0] = 0;
	for (size_t l = 0; l < se->labels.n && n < len; l++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", l ? " " : "",
				      se->labels.v[l].key, ESC(se->labels.v[l].value, e));
	return buf;
}

/* The counters, a row each, in aligned columns: metric, labels, value. */
static void write_counters(FILE *f, const struct snapshot *s, bool after)
{
	int wm = 0, wl = 0;
	char buf[512];

	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		int m, l;

		if (se->kind != SERIES_COUNTER)
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

		if (se->kind == SERIES_COUNTER)
			fprintf(f, "  %-*s  %-*s%s%12llu\n", wm, se->metric, wl,
				labels_text(se, buf, sizeof(buf)), wl ? "  " : "",
				(unsigned long long)se->value);
	}
}

static const char *stat_text(const struct summary_col *c, double v, char *buf, size_t len)
{
	switch (c->stat) {
	case STAT_COUNT:
		snprintf(buf, len, "%.0f", v);
		break;
	case STAT_RATE:
		snprintf(buf, len, "%.0f/s", v);
		break;
	default:
		duration_format((uint64_t)v, buf, len);
		break;
	}
	return buf;
}

/* "Host: 1234 switches, ..." : the title, then each column of the one row. */
static void write_summary_line(FILE *f, const struct summary *sm, const struct summary_row *r)
{
	char v[32], e[256];
	bool first = true;

	fprintf(f, "%s:", sm->title);
	for (size_t c = 0; c < sm->ncols; c++) {
		const struct summary_col *col = &sm->cols[c];

		if (col->hidden || !r->have[c])
			continue;
		if (col->stat == STAT_RATE && !first) {
			fprintf(f, " (%s)", stat_text(col, r->v[c], v, sizeof(v)));
			continue;
		}
		if (first && sm->key) {
			fprintf(f, " %s (%s=%s", stat_text(col, r->v[c], v, sizeof(v)), sm->key,
				ESC(r->key, e));
		} else {
			fprintf(f, "%s%s %s", first ? " " : ", ", col->title,
				stat_text(col, r->v[c], v, sizeof(v)));
		}
		first = false;
	}
	fprintf(f, "%s%s%s\n", sm->key && !first ? ")" : "", sm->note ? " " : "",
		sm->note ? sm->note : "");
}

static void write_summary_table(FILE *f, const struct summary *sm, const struct summary_row *r,
				size_t n, size_t total)
{
	char head[32], v[32], e[256];

	upper(sm->key ? sm->key : "", head, sizeof(head));
	fprintf(f, "%-40s", head);
	for (size_t c = 0; c < sm->ncols; c++)
		if (!sm->cols[c].hidden)
			fprintf(f, " %9s", sm->cols[c].title);
	fprintf(f, "\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%-40s", r[i].key ? ESC(r[i].key, e) : "");
		for (size_t c = 0; c < sm->ncols; c++) {
			const struct summary_col *col = &sm->cols[c];

			if (col->hidden)
				continue;
			/* a count with no series is zero; a statistic of nothing is unknown */
			fprintf(f, " %9s", r[i].have[c] ? stat_text(col, r[i].v[c], v, sizeof(v)) :
				col->stat == STAT_COUNT ? "0" : "-");
		}
		fprintf(f, "\n");
	}
	if (n < total)
		fprintf(f, "... %zu more (use --top to show more)\n", total - n);
	if (sm->note)
		fprintf(f, "%s\n", sm->note);
}

static void write_summaries(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	bool any = false;

	for (size_t i = 0; i < s->nsummaries; i++) {
		struct summary sm = s->summaries[i];
		struct summary_row *rows;
		size_t n, total;

		if (o->top && sm.layout == SUMMARY_TABLE)
			sm.top = o->top;
		if (summary_rows(s, &sm, &rows, &n, &total))
			continue;
		if (n && sm.layout == SUMMARY_LINE)
			write_summary_line(f, &sm, &rows[0]);
		else if (n)
			write_summary_table(f, &sm, rows, n, total);
		any |= n > 0;
		summary_rows_free(rows, n);
	}
	if (any)
		fprintf(f, "\n");
}

/* Whether label l of a check has the same value in every check that has its key: then it
 * tells no row from another (the binary, the pid) and the table leaves it out. */
static bool check_label_constant(const struct snapshot *s, const struct label *l)
{
	for (size_t i = 0; i < s->nchecks; i++) {
		const char *v = labels_get(&s->checks[i].labels, l->key);

		if (v && strcmp(v, l->value))
			return false;
	}
	return true;
}

/* "k=v k=v" of a check's series that tell it from the others, escaped; its first label
 * when none does; "-" for none. */
static const char *check_series(const struct snapshot *s, const struct check *c, char *buf,
				size_t len)
{
	size_t n = 0;
	char e[256];

	snprintf(buf, len, "-");
	for (size_t l = 0; l < c->labels.n && n < len; l++)
		if (!check_label_constant(s, &c->labels.v[l]))
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "",
					      c->labels.v[l].key, ESC(c->labels.v[l].value, e));
	if (!n && c->labels.n)
		snprintf(buf, len, "%s=%s", c->labels.v[0].key, ESC(c->labels.v[0].value, e));
	return buf;
}

/* The pass/fail table of the objectives (--slo): last, where a CI log ends. */
void report_text_checks(FILE *f, const struct snapshot *s)
{
	int wo = (int)strlen("OBJECTIVE"), ws = (int)strlen("SERIES");
	char buf[512], e[512], v[32];
	size_t failed = 0;

	if (!s->nchecks)
		return;
	for (size_t i = 0; i < s->nchecks; i++) {
		int a = (int)strlen(ESC(s->checks[i].objective, e));
		int b = (int)strlen(check_series(s, &s->checks[i], buf, sizeof(buf)));

		wo = a > wo ? (a > 60 ? 60 : a) : wo;
		ws = b > ws ? (b > 48 ? 48 : b) : ws;
		failed += !s->checks[i].passed;
	}
	fprintf(f, "\nObjectives: %zu of %zu met%s\n", s->nchecks - failed, s->nchecks,
		failed ? "" : ", all");
	fprintf(f, "  %-6s  %-*s  %-*s  %s\n", "RESULT", wo, "OBJECTIVE", ws, "SERIES", "VALUE");
	for (size_t i = 0; i < s->nchecks; i++) {
		const struct check *c = &s->checks[i];

		fprintf(f, "  %-6s  %-*s  %-*s  ", c->passed ? "pass" : "FAIL", wo,
			ESC(c->objective, e), ws, check_series(s, c, buf, sizeof(buf)));
		if (c->have)
			fprintf(f, "%s\n", value_format(c->value, c->unit, v, sizeof(v)));
		else
			fprintf(f, "%s\n", c->note ? ESC(c->note, e) : "-");
	}
}

int report_text_write(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	bool any = false;

	if (o->interval) {
		char when[32];
		time_t t = (time_t)((s->start_unix_ns + s->duration_ns) / 1000000000ull);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		bool stacks = false;

		for (size_t i = 0; i < s->nseries && !stacks; i++)
			stacks = s->series[i].kind == SERIES_STACKS;
		/* stacks are taken once, at the end, for the whole run: said, so that they are
		 * not read as the last interval's */
		fprintf(f, "\n--- %s (%s) ---\n", when, !o->final ? "interval" :
			stacks ? "last interval; stacks: the whole run" : "last interval");
	} else {
		fprintf(f, "\n");
	}
	write_summaries(f, s, o);
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
	for (size_t i = 0; i < s->nseries; i++) {
		if (s->series[i].kind == SERIES_STACKS) {
			write_stacks(f, &s->series[i], o);
			write_functions(f, &s->series[i], o);
		}
	}
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
	report_text_checks(f, s);
	return ferror(f) ? -EIO : 0;
}

void report_text_event(FILE *f, const struct event *e, bool first)
{
	char t[32], d[32], comm[80], what[256];
	time_t sec = (time_t)(e->time_unix_ns / 1000000000ull);
	struct tm tm;

	if (first)
		fprintf(f, "%-15s %7s %7s %-16s %-24s %10s\n", "TIME", "PID", "TID", "COMM",
			"FUNCTION", "DURATION");
	localtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%H:%M:%S", &tm);
	fprintf(f, "%s.%06llu %7u %7u %-16s %-24s %10s\n", t,
		(unsigned long long)(e->time_unix_ns % 1000000000ull / 1000), e->pid, e->tid,
		ESC(e->comm, comm), e->labels.n ? ESC(e->labels.v[0].value, what) : "",
		duration_format(e->duration_ns, d, sizeof(d)));
	/* func --stacks: where it was called from, caller first (leaf first, as every stack) */
	for (size_t k = 0; e->stack && k < e->stack->nframes; k++) {
		char name[300];

		fprintf(f, "    %s\n", frame_name(&e->stack->frames[k], name, sizeof(name)));
	}
	fflush(f);
}
