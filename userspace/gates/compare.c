// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Saved runs compared series by series; the rule for each verdict is in compare.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gates/compare.h"
#include "gates/stats.h"
#include "model/duration.h"

void compare_opts_default(struct compare_opts *o)
{
	static const double q[HIST_NQUANTILES] = COMPARE_THRESHOLDS_DEFAULT;

	for (int i = 0; i < HIST_NQUANTILES; i++)
		o->threshold[i] = q[i];
	o->threshold_other = COMPARE_THRESHOLD_DEFAULT;
	o->alpha = COMPARE_ALPHA_DEFAULT;
}

static int quantile_index(const char *name, size_t len)
{
	for (int i = 0; i < HIST_NQUANTILES; i++) {
		const char *n = hist_quantiles[i].name, *t = hist_quantiles[i].title;

		if ((strlen(n) == len && !strncmp(n, name, len)) ||
		    (strlen(t) == len && !strncasecmp(t, name, len)))
			return i;
	}
	return -1;
}

/* "12.5%" or "12.5" as a fraction; -1 when it is not a percent from 0 to 1000. */
static double parse_percent(const char *s, size_t len)
{
	char buf[32], *end;
	double v;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (buf[len - 1] == '%')
		buf[--len] = 0;
	if (!len || (buf[0] != '.' && (buf[0] < '0' || buf[0] > '9')))
		return -1;
	v = strtod(buf, &end);
	if (*end || !isfinite(v) || v > 1000)
		return -1;
	return v / 100;
}

int compare_parse_threshold(const char *arg, struct compare_opts *o, char *err, size_t errlen)
{
	bool named[HIST_NQUANTILES] = { 0 };
	double bare = -1, q[HIST_NQUANTILES];

	for (const char *p = arg;;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);

		if (eq) {
			int i = quantile_index(p, (size_t)(eq - p));
			double v = parse_percent(eq + 1, len - (size_t)(eq - p) - 1);

			if (i < 0) {
				snprintf(err, errlen, "unknown quantile '%.*s': use p50, p90, p99 or "
					 "p999", (int)(eq - p), p);
				return -EINVAL;
			}
			if (v < 0) {
				snprintf(err, errlen, "'%.*s' is not a percent from 0 to 1000 (10%%)",
					 (int)(len - (size_t)(eq - p) - 1), eq + 1);
				return -EINVAL;
			}
			named[i] = true;
			q[i] = v;
		} else {
			bare = parse_percent(p, len);
			if (bare < 0) {
				snprintf(err, errlen, "'%.*s' is not a percent from 0 to 1000 (10%%) "
					 "or QUANTILE=PERCENT (p99=20%%)", (int)len, p);
				return -EINVAL;
			}
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	for (int i = 0; i < HIST_NQUANTILES; i++)
		if (named[i] || bare >= 0)
			o->threshold[i] = named[i] ? q[i] : bare;
	if (bare >= 0)
		o->threshold_other = bare;
	return 0;
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = {
		[VERDICT_REGRESSED] = "regressed", [VERDICT_IMPROVED] = "improved",
		[VERDICT_ONLY_BASE] = "only in base", [VERDICT_ONLY_NEW] = "only in new",
		[VERDICT_HIGHER] = "higher", [VERDICT_LOWER] = "lower",
		[VERDICT_TOO_FEW] = "too few", [VERDICT_UNSTABLE] = "unstable",
		[VERDICT_UNCHANGED] = "unchanged",
		[VERDICT_SAME] = "same",
	};
	return names[v];
}

const char *verdict_key(enum verdict v)
{
	static const char *const keys[] = {
		[VERDICT_REGRESSED] = "regressed", [VERDICT_IMPROVED] = "improved",
		[VERDICT_ONLY_BASE] = "only_base", [VERDICT_ONLY_NEW] = "only_new",
		[VERDICT_HIGHER] = "higher", [VERDICT_LOWER] = "lower",
		[VERDICT_TOO_FEW] = "too_few", [VERDICT_UNSTABLE] = "unstable",
		[VERDICT_UNCHANGED] = "unchanged",
		[VERDICT_SAME] = "same",
	};
	return keys[v];
}

/* func labels every function with the pid of its -p or command, new in every run: a pid
 * with one value throughout a run (snapshot_run_label) is about the run and left out of the
 * pairing, as merge drops it. One with several values (sched --by pid) stays. */
static bool skipped(const struct label *l, bool skip_pid)
{
	return skip_pid && !strcmp(l->key, "pid");
}

static size_t labels_kept(const struct labels *l, bool skip_pid)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += !skipped(&l->v[i], skip_pid);
	return n;
}

static bool labels_match(const struct labels *a, bool askip, const struct labels *b, bool bskip)
{
	if (labels_kept(a, askip) != labels_kept(b, bskip))
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const char *v;

		if (skipped(&a->v[i], askip))
			continue;
		v = labels_get(b, a->v[i].key);
		if (!v || strcmp(v, a->v[i].value))
			return false;
	}
	return true;
}

/* One series of every run, paired: NULL where a run does not have it. */
struct group {
	const struct series *first;
	bool first_skip;
	const struct series **runs;	/* nbase then nnew */
};

struct pairing {
	struct group *g;
	size_t n, cap, nruns;
};

static bool same_series(const struct group *g, const struct series *se, bool skip)
{
	return g->first->kind == se->kind && !strcmp(g->first->metric, se->metric) &&
	       labels_match(&g->first->labels, g->first_skip, &se->labels, skip);
}

static int pair_series(struct pairing *p, const struct series *se, bool skip, size_t run,
		       size_t hint)
{
	struct group *g = NULL;

	if (hint < p->n && same_series(&p->g[hint], se, skip))
		g = &p->g[hint];
	for (size_t i = 0; !g && i < p->n; i++)
		if (same_series(&p->g[i], se, skip))
			g = &p->g[i];
	if (!g) {
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 64;
			struct group *ng = realloc(p->g, cap * sizeof(*ng));

			if (!ng)
				return -ENOMEM;
			p->g = ng;
			p->cap = cap;
		}
		g = &p->g[p->n];
		g->runs = calloc(p->nruns, sizeof(*g->runs));
		if (!g->runs)
			return -ENOMEM;
		g->first = se;
		g->first_skip = skip;
		p->n++;
	}
	/* a run with the same series twice (it should not): the first counts */
	if (!g->runs[run])
		g->runs[run] = se;
	return 0;
}

static void pairing_free(struct pairing *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->g[i].runs);
	free(p->g);
}

struct builder {
	struct compare_result *r;
	size_t cap;
	const struct compare_opts *o;
	const struct snapshot *base, *new;
	size_t nbase, nnew;
};

static struct compare_row *add_row(struct builder *b, const struct group *g, const char *stat)
{
	struct compare_result *r = b->r;
	struct compare_row *row;
	const struct labels *l = &g->first->labels;

	if (r->nrows == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct compare_row *nr = realloc(r->rows, cap * sizeof(*nr));

		if (!nr)
			return NULL;
		r->rows = nr;
		b->cap = cap;
	}
	row = &r->rows[r->nrows];
	memset(row, 0, sizeof(*row));
	row->metric = strdup(g->first->metric);
	row->unit = strdup(g->first->unit ? g->first->unit : "");
	row->labels.v = calloc(l->n ? l->n : 1, sizeof(*row->labels.v));
	r->nrows++;
	if (!row->metric || !row->unit || !row->labels.v)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct label *d = &row->labels.v[row->labels.n];

		if (skipped(&l->v[i], g->first_skip))
			continue;
		d->key = strdup(l->v[i].key);
		d->value = strdup(l->v[i].value);
		row->labels.n++;
		if (!d->key || !d->value)
			return NULL;
	}
	row->stat = stat;
	row->base_lo = row->base_hi = row->new_lo = row->new_hi = NAN;
	row->p = NAN;
	row->change = NAN;
	row->base_count = row->new_count = NAN;
	return row;
}

static double seconds(const struct snapshot *s)
{
	return (double)s->duration_ns / 1e9;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void set_change(struct compare_row *row)
{
	row->change = row->base > 0 ? (row->new - row->base) / row->base : NAN;
}

/* The value of a run's series that a row compares: a quantile (q >= 0), a rate (q < 0,
 * per second), or a gauge's value; NAN when the run has no such value. */
static double run_value(const struct series *se, const struct snapshot *s, double q)
{
	if (!se)
		return NAN;
	if (se->kind == SERIES_HIST) {
		if (q >= 0)
			return se->hist->count ? (double)hist_quantile(se->hist, q) : NAN;
		return s->duration_ns ? (double)se->hist->count / seconds(s) : NAN;
	}
	if (se->gauge)
		return (double)se->value;
	return s->duration_ns ? (double)se->value / seconds(s) : NAN;
}

/* With several runs: the median of each side, the rank test; *enough whether these runs
 * can reach the level at all. */
static void rank_row(struct builder *b, const struct group *g, struct compare_row *row,
		     double q, bool *enough)
{
	double *bv = calloc(b->nbase + 1, sizeof(double)), *nv = calloc(b->nnew + 1, sizeof(double));
	size_t nb = 0, nn = 0;

	*enough = false;
	if (!bv || !nv) {
		free(bv);
		free(nv);
		return;
	}
	for (size_t i = 0; i < b->nbase; i++) {
		double v = run_value(g->runs[i], &b->base[i], q);

		if (!isnan(v))
			bv[nb++] = v;
	}
	for (size_t i = 0; i < b->nnew; i++) {
		double v = run_value(g->runs[b->nbase + i], &b->new[i], q);

		if (!isnan(v))
			nv[nn++] = v;
	}
	row->base_runs = nb;
	row->new_runs = nn;
	row->p = mann_whitney_p(bv, nb, nv, nn);
	row->base = median(bv, nb);
	row->new = median(nv, nn);
	set_change(row);
	*enough = mann_whitney_min_p(nb, nn) <= b->r->level;
	free(bv);
	free(nv);
}

/* Higher, lower or same for a count, rate or counter row. */
static void said_row(struct builder *b, const struct group *g, struct compare_row *row)
{
	double t = b->o->threshold_other, lo, hi;
	const struct series *sb = g->runs[0], *sn = g->runs[b->nbase];

	row->threshold = t;
	if (g->first->gauge) {
		/* a level set by the run (functions traced): no noise, no threshold */
		row->base = run_value(sb, &b->base[0], -1);
		row->new = run_value(sn, &b->new[0], -1);
		set_change(row);
		row->verdict = row->new > row->base ? VERDICT_HIGHER :
			       row->new < row->base ? VERDICT_LOWER : VERDICT_SAME;
		return;
	}
	if (b->r->ranks) {
		bool enough;

		rank_row(b, g, row, -1, &enough);
		if (enough && row->p <= b->r->level && fabs(row->change) > t)
			row->verdict = row->change > 0 ? VERDICT_HIGHER : VERDICT_LOWER;
		else
			row->verdict = VERDICT_SAME;
		return;
	}
	row->base_runs = row->new_runs = 1;
	row->base = run_value(sb, &b->base[0], -1);
	row->new = run_value(sn, &b->new[0], -1);
	row->base_count = (double)(sb->kind == SERIES_HIST ? sb->hist->count : sb->value);
	row->new_count = (double)(sn->kind == SERIES_HIST ? sn->hist->count : sn->value);
	set_change(row);
	poisson_ratio_interval((uint64_t)row->base_count, seconds(&b->base[0]),
			       (uint64_t)row->new_count, seconds(&b->new[0]), b->r->level, &lo,
			       &hi);
	row->verdict = lo > 1 + t ? VERDICT_HIGHER : hi < 1 - t ? VERDICT_LOWER : VERDICT_SAME;
	snprintf(row->why, sizeof(row->why), "%.0f -> %.0f; rate ratio %.3g to %.3g",
		 row->base_count, row->new_count, lo, hi);
}

/* The fewest values for an interval of q at error a bounded on both sides. */
static uint64_t calls_needed(double q, double a)
{
	double up = log(a / 2) / log(q), down = log(a / 2) / log(1 - q);

	return (uint64_t)ceil(fmax(up, down));
}

/*
 * A quantile on a gap between two modes (fast calls and slow ones) jumps across the gap when
 * the share of slow calls moves a little (p90 with 10.5% slow calls is a slow one, with 9.5%
 * a fast one). What changed is then the share beyond the gap, not the calls' times: when
 * that share (above the point between the two values) moved within the threshold t, the
 * verdict is "unstable", which does not fail the gate; a share that grew beyond t (1% of
 * slow calls become 5%) keeps the verdict, said as shares.
 */
static void check_gap(struct compare_row *row, const struct hist *hb, const struct hist *hn,
		      double t)
{
	double at = sqrt(row->base * row->new);
	double sb = hist_share_above(hb, at), sn = hist_share_above(hn, at);
	char v[32];

	if (sb <= 0 || sn <= 0)
		return;
	duration_format((uint64_t)at, v, sizeof(v));
	/* the same for a share that grew as for one that fell: by the log of their ratio */
	if (fabs(log(sn / sb)) <= log(1 + t)) {
		row->verdict = VERDICT_UNSTABLE;
		snprintf(row->why, sizeof(row->why), "on a gap: calls above %.24s %.3g%% -> %.3g%%",
			 v, 100 * sb, 100 * sn);
	} else {
		snprintf(row->why, sizeof(row->why), "beyond noise; calls above %.24s %.3g%% -> "
			 "%.3g%%", v, 100 * sb, 100 * sn);
	}
}

static void quantile_row(struct builder *b, const struct group *g, struct compare_row *row,
			 int qi)
{
	double q = hist_quantiles[qi].q, t = b->o->threshold[qi];

	row->duration = true;
	row->threshold = t;
	if (b->r->ranks) {
		bool enough;

		rank_row(b, g, row, q, &enough);
		if (!enough) {
			row->verdict = VERDICT_TOO_FEW;
			snprintf(row->why, sizeof(row->why), "%zu and %zu runs cannot reach p<=%.2g",
				 row->base_runs, row->new_runs, b->r->level);
		} else if (row->p <= b->r->level && row->change > t) {
			row->verdict = VERDICT_REGRESSED;
		} else if (row->p <= b->r->level && row->change < -t) {
			row->verdict = VERDICT_IMPROVED;
		} else {
			row->verdict = VERDICT_UNCHANGED;
		}
		if (row->verdict != VERDICT_TOO_FEW)
			snprintf(row->why, sizeof(row->why), "p=%.2g, level %.2g", row->p,
				 b->r->level);
		return;
	} else {
		const struct hist *hb = g->runs[0]->hist, *hn = g->runs[b->nbase]->hist;
		/* both intervals hold together with probability 1 - level */
		double a = b->r->level / 2;
		uint64_t lo, hi;

		row->base_runs = row->new_runs = 1;
		row->base = (double)hist_quantile(hb, q);
		row->new = (double)hist_quantile(hn, q);
		set_change(row);
		quantile_interval(hb, q, a, &lo, &hi);
		row->base_lo = (double)lo;
		row->base_hi = hi == UINT64_MAX ? INFINITY : (double)hi;
		quantile_interval(hn, q, a, &lo, &hi);
		row->new_lo = (double)lo;
		row->new_hi = hi == UINT64_MAX ? INFINITY : (double)hi;
		if (row->base_lo <= 0 || isinf(row->base_hi) || row->new_lo <= 0 ||
		    isinf(row->new_hi)) {
			row->verdict = VERDICT_TOO_FEW;
			snprintf(row->why, sizeof(row->why), "%s needs %llu calls a run", row->stat,
				 (unsigned long long)calls_needed(q, a));
		} else if (fabs(row->change) <= t) {
			row->verdict = VERDICT_UNCHANGED;
			snprintf(row->why, sizeof(row->why), "within the threshold");
		} else if (row->change > 0 && row->new_lo > row->base_hi) {
			row->verdict = VERDICT_REGRESSED;
			snprintf(row->why, sizeof(row->why), "beyond threshold and noise");
		} else if (row->change < 0 && row->new_hi < row->base_lo) {
			row->verdict = VERDICT_IMPROVED;
			snprintf(row->why, sizeof(row->why), "beyond threshold and noise");
		} else {
			row->verdict = VERDICT_UNCHANGED;
			snprintf(row->why, sizeof(row->why), "within noise (intervals overlap)");
		}
		if (row->verdict == VERDICT_REGRESSED || row->verdict == VERDICT_IMPROVED)
			check_gap(row, hb, hn, t);
	}
}

static bool has_data(const struct series *se)
{
	return se && (se->kind == SERIES_HIST ? se->hist->count != 0 : se->value != 0);
}

/* Which side has data: bit 0 base, bit 1 new. */
static int sides_with_data(const struct builder *b, const struct group *g)
{
	int sides = 0;

	for (size_t i = 0; i < b->nbase; i++)
		sides |= has_data(g->runs[i]);
	for (size_t i = 0; i < b->nnew; i++)
		sides |= has_data(g->runs[b->nbase + i]) << 1;
	return sides;
}

static int one_side_row(struct builder *b, const struct group *g, int sides)
{
	bool in_new = sides == 2;
	size_t from = in_new ? b->nbase : 0, n = in_new ? b->nnew : b->nbase;
	bool present = false;
	struct compare_row *row = add_row(b, g, g->first->kind == SERIES_HIST ? "count" : "value");
	double total = 0;

	if (!row)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct series *se = g->runs[from + i];

		if (se)
			total += (double)(se->kind == SERIES_HIST ? se->hist->count : se->value);
	}
	for (size_t i = 0; i < (in_new ? b->nbase : b->nnew); i++)
		present |= g->runs[(in_new ? 0 : b->nbase) + i] != NULL;
	row->base = in_new ? 0 : total / (double)n;
	row->new = in_new ? total / (double)n : 0;
	row->verdict = in_new ? VERDICT_ONLY_NEW : VERDICT_ONLY_BASE;
	snprintf(row->why, sizeof(row->why), "%s in the %s runs",
		 present ? (g->first->kind == SERIES_HIST ? "no calls" : "zero") : "not",
		 in_new ? "base" : "new");
	return 0;
}

static int group_rows(struct builder *b, const struct group *g)
{
	int sides = sides_with_data(b, g);
	struct compare_row *row;

	if (!sides)
		return 0;	/* traced and never called on either side */
	if (sides != 3)
		return one_side_row(b, g, sides);
	if (g->first->kind == SERIES_HIST) {
		for (int qi = 0; qi < HIST_NQUANTILES; qi++) {
			row = add_row(b, g, hist_quantiles[qi].name);
			if (!row)
				return -ENOMEM;
			quantile_row(b, g, row, qi);
		}
	}
	if (b->base[0].duration_ns || g->first->gauge) {
		row = add_row(b, g, g->first->gauge ? "value" : "rate");
		if (!row)
			return -ENOMEM;
		said_row(b, g, row);
	}
	return 0;
}

static int warn(struct compare_result *r, const char *fmt, ...)
{
	char text[512], **w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < r->nwarnings; i++)
		if (!strcmp(r->warnings[i], text))
			return 0;
	w = realloc(r->warnings, (r->nwarnings + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	r->warnings = w;
	w[r->nwarnings] = strdup(text);
	return w[r->nwarnings++] ? 0 : -ENOMEM;
}

static bool differ(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/* The sum of a run's counter series of metric, and whether it has one. */
static bool counter_sum(const struct snapshot *s, const char *metric, uint64_t *sum)
{
	bool found = false;

	*sum = 0;
	for (size_t i = 0; i < s->nseries; i++) {
		if (s->series[i].kind != SERIES_COUNTER || strcmp(s->series[i].metric, metric))
			continue;
		*sum += s->series[i].value;
		found = true;
	}
	return found;
}

/* Said, not refused: runs of different commands, sampling, hosts, kernels or durations far
 * apart can still be compared, but a reader must know. */
static int check_comparable(struct compare_result *r, const struct snapshot *s,
			    const char *name, const struct snapshot *ref, const char *ref_name)
{
	double d = (double)s->duration_ns, dr = (double)ref->duration_ns;
	int err = 0;

	if (differ(s->command, ref->command))
		err |= warn(r, "%s ran 'tailtrace %s', %s 'tailtrace %s'", ref_name,
			    ref->command ? ref->command : "?", name, s->command ? s->command : "?");
	if (s->sampling != ref->sampling)
		err |= warn(r, "%s sampled 1 call in %u, %s 1 in %u", ref_name, ref->sampling,
			    name, s->sampling);
	if (differ(s->host, ref->host))
		err |= warn(r, "%s was recorded on host '%s', %s on '%s'", ref_name,
			    ref->host ? ref->host : "", name, s->host ? s->host : "");
	if (differ(s->kernel, ref->kernel))
		err |= warn(r, "%s was recorded on kernel %s, %s on %s", ref_name,
			    ref->kernel ? ref->kernel : "?", name, s->kernel ? s->kernel : "?");
	{
		uint64_t t, tr;

		/* func's functions resolved from its patterns: a library's upgrade or another
		 * binary changes the set, and what one side lacks is not compared */
		if (counter_sum(s, "func.traced", &t) && counter_sum(ref, "func.traced", &tr) &&
		    t != tr)
			err |= warn(r, "%s traced %llu functions, %s %llu: the same patterns "
				    "matched other functions (another binary or library?)", ref_name,
				    (unsigned long long)tr, name, (unsigned long long)t);
	}
	if (d > 0 && dr > 0 && (d > 2 * dr || dr > 2 * d))
		err |= warn(r, "durations far apart: %s %.3g s, %s %.3g s", ref_name, dr / 1e9,
			    name, d / 1e9);
	return err ? -ENOMEM : 0;
}

/* A run's drops as counter series, so that they pair and compare as any counter: the
 * labels borrow the drops' names, and live until the rows are made. */
struct drop_series {
	struct series *v;
	struct label *l;
};

static int drops_as_series(const struct snapshot *s, struct drop_series *d)
{
	d->v = calloc(s->ndrops ? s->ndrops : 1, sizeof(*d->v));
	d->l = calloc(s->ndrops ? s->ndrops : 1, sizeof(*d->l));
	if (!d->v || !d->l)
		return -ENOMEM;
	for (size_t i = 0; i < s->ndrops; i++) {
		d->l[i] = (struct label){ .key = "what", .value = s->drops[i].name };
		d->v[i] = (struct series){ .metric = "tailtrace.not_recorded", .unit = "count",
					   .kind = SERIES_COUNTER, .value = s->drops[i].count,
					   .labels = { .v = &d->l[i], .n = 1 } };
	}
	return 0;
}

static int cmp_rows(const void *x, const void *y)
{
	const struct compare_row *a = x, *b = y;

	return (int)a->verdict - (int)b->verdict;
}

/* qsort is not stable: sort by verdict within the order rows were made, by insertion. */
static void sort_rows(struct compare_result *r)
{
	for (size_t i = 1; i < r->nrows; i++) {
		struct compare_row cur = r->rows[i];
		size_t j = i;

		while (j > 0 && cmp_rows(&r->rows[j - 1], &cur) > 0) {
			r->rows[j] = r->rows[j - 1];
			j--;
		}
		r->rows[j] = cur;
	}
}

int compare_runs(const struct snapshot *base, const char *const *base_names, size_t nbase,
		 const struct snapshot *new, const char *const *new_names, size_t nnew,
		 const struct compare_opts *o, struct compare_result *out)
{
	struct pairing p = { .nruns = nbase + nnew };
	struct builder b = { .r = out, .o = o, .base = base, .new = new, .nbase = nbase,
			     .nnew = nnew };
	struct drop_series *drops = calloc(nbase + nnew, sizeof(*drops));
	int err = drops ? 0 : -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (size_t run = 0; !err && run < nbase + nnew; run++) {
		const struct snapshot *s = run < nbase ? &base[run] : &new[run - nbase];
		bool skip = snapshot_run_label(s, "pid") != NULL;

		for (size_t i = 0; !err && i < s->nseries; i++)
			if (s->series[i].kind != SERIES_STACKS)
				err = pair_series(&p, &s->series[i], skip, run, i);
		if (!err)
			err = drops_as_series(s, &drops[run]);
		for (size_t i = 0; !err && i < s->ndrops; i++)
			err = pair_series(&p, &drops[run].v[i], false, run, s->nseries + i);
	}
	for (size_t i = 0; !err && i < p.n; i++)
		if (p.g[i].first->kind == SERIES_HIST && sides_with_data(&b, &p.g[i]) == 3)
			out->comparisons += HIST_NQUANTILES;
	out->level = o->alpha / (double)(out->comparisons ? out->comparisons : 1);
	out->ranks = nbase > 1 || nnew > 1;
	out->min_p = mann_whitney_min_p(nbase, nnew);
	for (size_t i = 0; !err && i < p.n; i++)
		err = group_rows(&b, &p.g[i]);
	for (size_t i = 1; !err && i < nbase + nnew; i++)
		err = check_comparable(out, i < nbase ? &base[i] : &new[i - nbase],
				       i < nbase ? base_names[i] : new_names[i - nbase], &base[0],
				       base_names[0]);
	pairing_free(&p);
	for (size_t run = 0; drops && run < nbase + nnew; run++) {
		free(drops[run].v);
		free(drops[run].l);
	}
	free(drops);
	if (err) {
		compare_result_free(out);
		return -ENOMEM;
	}
	sort_rows(out);
	for (size_t i = 0; i < out->nrows; i++) {
		out->regressions += out->rows[i].verdict == VERDICT_REGRESSED;
		out->improvements += out->rows[i].verdict == VERDICT_IMPROVED;
	}
	return 0;
}

void compare_result_free(struct compare_result *r)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct compare_row *row = &r->rows[i];

		for (size_t j = 0; j < row->labels.n; j++) {
			free(row->labels.v[j].key);
			free(row->labels.v[j].value);
		}
		free(row->labels.v);
		free(row->metric);
		free(row->unit);
	}
	free(r->rows);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}
