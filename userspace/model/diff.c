// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Copies and differences of snapshots. Collectors only ever produce cumulative snapshots;
 * every consumer (interval reports, the saved run, later a scrape or a live view) keeps the
 * last one it used as its own base and takes deltas with snapshot_diff.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"
#include "model/model.h"

static int copy_labels(const struct labels *src,
		       int (*add)(void *obj, const char *k, const char *v), void *obj)
{
	for (size_t i = 0; i < src->n; i++)
		if (add(obj, src->v[i].key, src->v[i].value))
			return -ENOMEM;
	return 0;
}

static int add_series_label(void *se, const char *k, const char *v)
{
	return series_add_label(se, k, v);
}

static int add_stack_label(void *st, const char *k, const char *v)
{
	return stack_add_label(st, k, v);
}

static bool frames_equal(const struct stack *a, const struct stack *b)
{
	if (a->nframes != b->nframes || a->complete != b->complete)
		return false;
	for (size_t i = 0; i < a->nframes; i++) {
		const struct frame *x = &a->frames[i], *y = &b->frames[i];

		if (x->addr != y->addr || x->kind != y->kind ||
		    !!x->symbol != !!y->symbol || (x->symbol && strcmp(x->symbol, y->symbol)))
			return false;
	}
	return true;
}

/* Copies stack src into se with the given weight and count. */
static int copy_stack(struct series *se, const struct stack *src, uint64_t value,
		      uint64_t count)
{
	struct stack *st;

	if (series_add_stack(se, value, count, &st) ||
	    copy_labels(&src->labels, add_stack_label, st))
		return -ENOMEM;
	st->complete = src->complete;
	for (size_t f = 0; f < src->nframes; f++) {
		const struct frame *fr = &src->frames[f];

		if (stack_add_frame(st, fr->addr, fr->symbol, fr->offset, fr->module,
				    fr->build_id, fr->kind) ||
		    ((fr->file || fr->line || fr->inlined) &&
		     frame_set_source(&st->frames[st->nframes - 1], fr->file, fr->line,
				      fr->inlined)))
			return -ENOMEM;
	}
	return 0;
}

static const struct stack *find_stack(const struct series *se, const struct stack *st,
				      size_t hint)
{
	if (hint < se->nstacks && frames_equal(&se->stacks[hint], st) &&
	    labels_equal(&se->stacks[hint].labels, &st->labels))
		return &se->stacks[hint];
	for (size_t i = 0; i < se->nstacks; i++)
		if (frames_equal(&se->stacks[i], st) && labels_equal(&se->stacks[i].labels, &st->labels))
			return &se->stacks[i];
	return NULL;
}

/* Appends cur less base (base NULL: cur itself) to out, unless it is empty and sparse. */
static int add_difference(struct snapshot *out, const struct series *cur,
			  const struct series *base)
{
	bool keep = !cur->sparse;
	struct series *se = NULL;
	int err = 0;

	switch (cur->kind) {
	case SERIES_HIST: {
		struct hist *d = malloc(sizeof(*d));

		if (!d)
			return -ENOMEM;
		if (base)
			hist_delta(d, cur->hist, base->hist);
		else
			memcpy(d, cur->hist, sizeof(*d));
		if (d->count || keep)
			err = snapshot_add_hist(out, cur->metric, cur->unit, d, &se);
		free(d);
		break;
	}
	case SERIES_COUNTER: {
		uint64_t v = cur->gauge ? cur->value :
			     cur->value - (base && base->value <= cur->value ? base->value : 0);

		if (v || keep)
			err = snapshot_add_counter(out, cur->metric, cur->unit, v, &se);
		break;
	}
	case SERIES_STACKS:
		for (size_t i = 0; !err && i < cur->nstacks; i++) {
			const struct stack *st = &cur->stacks[i];
			const struct stack *b = base ? find_stack(base, st, i) : NULL;
			uint64_t v = st->value - (b && b->value <= st->value ? b->value : 0);
			uint64_t n = st->count - (b && b->count <= st->count ? b->count : 0);

			if ((v || n) && !se)
				err = snapshot_add_stacks(out, cur->metric, cur->unit, &se);
			if (!err && (v || n))
				err = copy_stack(se, st, v, n);
		}
		if (!err && !se && keep)
			err = snapshot_add_stacks(out, cur->metric, cur->unit, &se);
		break;
	}
	if (err)
		return -ENOMEM;
	if (!se)
		return 0;
	se->sparse = cur->sparse;
	se->gauge = cur->gauge;
	return copy_labels(&cur->labels, add_series_label, se);
}

static const struct series *find_series(const struct snapshot *s, const struct series *se,
					size_t hint)
{
	/* A collector reads its series in the same order every time: try the same place. */
	if (hint < s->nseries) {
		const struct series *h = &s->series[hint];

		if (h->kind == se->kind && !strcmp(h->metric, se->metric) &&
		    labels_equal(&h->labels, &se->labels))
			return h;
	}
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *h = &s->series[i];

		if (h->kind == se->kind && !strcmp(h->metric, se->metric) &&
		    labels_equal(&h->labels, &se->labels))
			return h;
	}
	return NULL;
}

static int copy_summary(struct snapshot *dst, const struct summary *src)
{
	struct summary *sm;

	if (snapshot_add_summary(dst, src->name, src->title, src->key, src->layout, &sm) ||
	    (src->note && summary_set_note(sm, src->note)))
		return -ENOMEM;
	sm->top = src->top;
	sm->prefer_min = src->prefer_min;
	for (size_t c = 0; c < src->ncols; c++) {
		const struct summary_col *col = &src->cols[c];

		if (summary_add_col(sm, col->title, col->metric, col->label_key, col->label_value,
				    col->stat, col->weight, col->hidden))
			return -ENOMEM;
	}
	return 0;
}

/* Summaries, metric infos and drops of src, after those of dst; drops subtract base's. */
static int append_rest(struct snapshot *dst, const struct snapshot *src,
		       const struct snapshot *base)
{
	for (size_t i = 0; i < src->nsummaries; i++)
		if (copy_summary(dst, &src->summaries[i]))
			return -ENOMEM;
	for (size_t i = 0; i < src->nmetrics; i++) {
		const struct metric_info *m = &src->metrics[i];

		if (snapshot_describe_metric(dst, m->metric, m->count_name, m->histograms, m->top))
			return -ENOMEM;
	}
	for (size_t i = 0; i < src->ndrops; i++) {
		uint64_t b = base ? snapshot_drop(base, src->drops[i].name) : 0;
		uint64_t c = src->drops[i].count;

		if (snapshot_add_drop(dst, src->drops[i].name, c >= b ? c - b : 0))
			return -ENOMEM;
	}
	return 0;
}

int snapshot_diff(struct snapshot *out, const struct snapshot *cur, const struct snapshot *base)
{
	bool failed = false;

	if (snapshot_init(out, cur->command))
		return -ENOMEM;
	failed = snapshot_set_origin(out, cur->host, cur->kernel) != 0;
	out->sampling = cur->sampling;
	out->start_unix_ns = cur->start_unix_ns;
	out->duration_ns = cur->duration_ns;
	if (base) {
		uint64_t base_end = base->start_unix_ns + base->duration_ns;

		out->start_unix_ns = base_end;
		out->duration_ns = cur->start_unix_ns + cur->duration_ns - base_end;
	}
	for (size_t i = 0; !failed && i < cur->nseries; i++) {
		const struct series *b = base ? find_series(base, &cur->series[i], i) : NULL;

		failed = add_difference(out, &cur->series[i], b) != 0;
	}
	if (failed || append_rest(out, cur, base)) {
		snapshot_free(out);
		return -ENOMEM;
	}
	return 0;
}
