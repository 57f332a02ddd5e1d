// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runs added together (tailtrace merge; several runs per side of a diff). A copy of src is
 * made first (snapshot_diff against nothing), then its parts are either merged into their
 * twins in dst or moved there whole, so that no part is copied twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "model/histogram.h"
#include "model/model.h"

static struct series *twin(struct snapshot *s, const struct series *se)
{
	for (size_t i = 0; i < s->nseries; i++) {
		struct series *t = &s->series[i];

		if (t->kind == se->kind && !strcmp(t->metric, se->metric) &&
		    labels_equal(&t->labels, &se->labels))
			return t;
	}
	return NULL;
}

/* Moves the stacks of from to the end of to, then merges the same ones. */
static int move_stacks(struct series *to, struct series *from)
{
	struct stack *v;

	if (!from->nstacks)
		return 0;
	v = realloc(to->stacks, (to->nstacks + from->nstacks) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v + to->nstacks, from->stacks, from->nstacks * sizeof(*v));
	to->stacks = v;
	to->nstacks += from->nstacks;
	free(from->stacks);
	from->stacks = NULL;
	from->nstacks = 0;
	series_merge_stacks(to);
	return 0;
}

static int merge_series(struct snapshot *dst, struct snapshot *copy)
{
	for (size_t i = 0; i < copy->nseries; i++) {
		struct series *se = &copy->series[i], *t = twin(dst, se);

		if (t && se->kind == SERIES_HIST) {
			hist_merge(t->hist, se->hist);
		} else if (t && se->kind == SERIES_COUNTER) {
			if (!t->gauge)
				t->value += se->value;
			else if (se->value > t->value)
				t->value = se->value;
		} else if (t) {
			if (move_stacks(t, se))
				return -ENOMEM;
		} else {
			if (array_grow((void **)&dst->series, dst->nseries, &dst->series_cap,
				       sizeof(*se)))
				return -ENOMEM;
			/* moved: the copy forgets it */
			dst->series[dst->nseries++] = *se;
			memset(se, 0, sizeof(*se));
		}
	}
	return 0;
}

static bool has_summary(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nsummaries; i++)
		if (!strcmp(s->summaries[i].name, name))
			return true;
	return false;
}

static int merge_rest(struct snapshot *dst, struct snapshot *copy)
{
	for (size_t i = 0; i < copy->nsummaries; i++) {
		struct summary *v;

		if (has_summary(dst, copy->summaries[i].name))
			continue;
		v = realloc(dst->summaries, (dst->nsummaries + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		dst->summaries = v;
		v[dst->nsummaries++] = copy->summaries[i];
		memset(&copy->summaries[i], 0, sizeof(copy->summaries[i]));
	}
	for (size_t i = 0; i < copy->nmetrics; i++) {
		const struct metric_info *m = &copy->metrics[i];

		if (!snapshot_metric_info(dst, m->metric) &&
		    snapshot_describe_metric(dst, m->metric, m->count_name, m->histograms, m->top))
			return -ENOMEM;
	}
	for (size_t i = 0; i < copy->ndrops; i++)
		if (snapshot_add_drop(dst, copy->drops[i].name, copy->drops[i].count))
			return -ENOMEM;
	return 0;
}

/* snapshot_diff copies no events (each consumer keeps its own): copied here. */
static int copy_events(struct snapshot *dst, const struct snapshot *src, size_t max_events,
		       uint64_t *over)
{
	for (size_t i = 0; i < src->nevents; i++) {
		if (dst->nevents >= max_events) {
			*over += src->nevents - i;
			return 0;
		}
		if (snapshot_copy_event(dst, &src->events[i]))
			return -ENOMEM;
	}
	return 0;
}

/* *field, or "field,other" when other is not among its comma-separated values. */
static int join_origin(char **field, const char *other)
{
	size_t n = strlen(other);
	char *joined;

	if (!**field && !*other)
		return 0;
	for (const char *p = *field; p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && !strncmp(p, other, n))
			return 0;
		p = comma ? comma + 1 : NULL;
	}
	if (asprintf(&joined, "%s,%s", *field, other) < 0)
		return -ENOMEM;
	free(*field);
	*field = joined;
	return 0;
}

int snapshot_merge(struct snapshot *dst, const struct snapshot *src, size_t max_events)
{
	uint64_t dst_end = dst->start_unix_ns + dst->duration_ns;
	uint64_t src_end = src->start_unix_ns + src->duration_ns;
	uint64_t over = 0;
	struct snapshot copy;
	int err;

	if (dst->sampling != src->sampling)
		return -EDOM;
	if (snapshot_diff(&copy, src, NULL))
		return -ENOMEM;
	err = merge_series(dst, &copy);
	if (!err)
		err = merge_rest(dst, &copy);
	if (!err)
		err = copy_events(dst, src, max_events, &over);
	if (!err && over)
		err = snapshot_add_drop(dst, "event_limit", over);
	if (!err && (err = join_origin(&dst->host, src->host)) == 0 &&
	    (err = join_origin(&dst->kernel, src->kernel)) == 0)
		err = join_origin(&dst->command, src->command);
	snapshot_free(&copy);
	if (err)
		return err;
	if (src->start_unix_ns < dst->start_unix_ns)
		dst->start_unix_ns = src->start_unix_ns;
	dst->duration_ns = (src_end > dst_end ? src_end : dst_end) - dst->start_unix_ns;
	return 0;
}
