// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "model/model.h"

int snapshot_init(struct snapshot *s, const char *command)
{
	memset(s, 0, sizeof(*s));
	s->sampling = 1;
	s->command = strdup(command);
	s->host = strdup("");
	s->kernel = strdup("");
	if (!s->command || !s->host || !s->kernel) {
		snapshot_free(s);
		return -ENOMEM;
	}
	return 0;
}

static void labels_free(struct labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void event_free(struct event *e)
{
	free(e->kind);
	free(e->comm);
	labels_free(&e->labels);
}

void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nseries; i++) {
		free(s->series[i].metric);
		free(s->series[i].unit);
		free(s->series[i].hist);
		labels_free(&s->series[i].labels);
	}
	for (size_t i = 0; i < s->nevents; i++)
		event_free(&s->events[i]);
	for (size_t i = 0; i < s->ndrops; i++)
		free(s->drops[i].name);
	free(s->series);
	free(s->events);
	free(s->drops);
	free(s->command);
	free(s->host);
	free(s->kernel);
	memset(s, 0, sizeof(*s));
}

static int add_series(struct snapshot *s, const char *metric, const char *unit,
		      enum series_kind kind, struct series **out)
{
	struct series *se;

	if (array_grow((void **)&s->series, s->nseries, &s->series_cap, sizeof(*se)))
		return -ENOMEM;
	se = &s->series[s->nseries];
	memset(se, 0, sizeof(*se));
	se->kind = kind;
	se->metric = strdup(metric);
	se->unit = strdup(unit);
	if (!se->metric || !se->unit) {
		free(se->metric);
		free(se->unit);
		return -ENOMEM;
	}
	s->nseries++;
	if (out)
		*out = se;
	return 0;
}

int snapshot_add_hist(struct snapshot *s, const char *metric, const char *unit,
		      const struct hist *h, struct series **out)
{
	struct series *se;
	struct hist *copy = malloc(sizeof(*copy));

	if (!copy)
		return -ENOMEM;
	memcpy(copy, h, sizeof(*copy));
	if (add_series(s, metric, unit, SERIES_HIST, &se)) {
		free(copy);
		return -ENOMEM;
	}
	se->hist = copy;
	if (out)
		*out = se;
	return 0;
}

int snapshot_add_counter(struct snapshot *s, const char *metric, const char *unit,
			 uint64_t value, struct series **out)
{
	struct series *se;

	if (add_series(s, metric, unit, SERIES_COUNTER, &se))
		return -ENOMEM;
	se->value = value;
	if (out)
		*out = se;
	return 0;
}

static int labels_add(struct labels *l, const char *key, const char *value)
{
	struct label *p = realloc(l->v, (l->n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	l->v = p;
	p[l->n].key = strdup(key);
	p[l->n].value = strdup(value);
	if (!p[l->n].key || !p[l->n].value) {
		free(p[l->n].key);
		free(p[l->n].value);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

int series_add_label(struct series *se, const char *key, const char *value)
{
	return labels_add(&se->labels, key, value);
}

int event_add_label(struct event *e, const char *key, const char *value)
{
	return labels_add(&e->labels, key, value);
}

const char *labels_get(const struct labels *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

int snapshot_add_event(struct snapshot *s, const char *kind, uint64_t time_unix_ns,
		       uint32_t pid, uint32_t tid, const char *comm, uint64_t duration_ns,
		       struct event **out)
{
	struct event *e;

	if (array_grow((void **)&s->events, s->nevents, &s->events_cap, sizeof(*e)))
		return -ENOMEM;
	e = &s->events[s->nevents];
	memset(e, 0, sizeof(*e));
	e->kind = strdup(kind);
	e->comm = strdup(comm);
	if (!e->kind || !e->comm) {
		event_free(e);
		return -ENOMEM;
	}
	e->time_unix_ns = time_unix_ns;
	e->pid = pid;
	e->tid = tid;
	e->duration_ns = duration_ns;
	s->nevents++;
	if (out)
		*out = e;
	return 0;
}

int snapshot_add_drop(struct snapshot *s, const char *name, uint64_t count)
{
	for (size_t i = 0; i < s->ndrops; i++) {
		if (!strcmp(s->drops[i].name, name)) {
			s->drops[i].count += count;
			return 0;
		}
	}
	if (array_grow((void **)&s->drops, s->ndrops, &s->drops_cap, sizeof(*s->drops)))
		return -ENOMEM;
	s->drops[s->ndrops].name = strdup(name);
	if (!s->drops[s->ndrops].name)
		return -ENOMEM;
	s->drops[s->ndrops].count = count;
	s->ndrops++;
	return 0;
}

int snapshot_take_events(struct snapshot *dst, struct snapshot *src, size_t limit,
			 uint64_t *discarded)
{
	int err = 0;

	for (size_t i = 0; i < src->nevents; i++) {
		if (!err && dst->nevents < limit)
			err = array_grow((void **)&dst->events, dst->nevents, &dst->events_cap,
					 sizeof(*dst->events));
		if (!err && dst->nevents < limit) {
			dst->events[dst->nevents++] = src->events[i];
			continue;
		}
		event_free(&src->events[i]);
		if (discarded)
			(*discarded)++;
	}
	src->nevents = 0;
	return err;
}
