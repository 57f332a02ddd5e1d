// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "model/histogram.h"
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

int snapshot_set_origin(struct snapshot *s, const char *host, const char *kernel)
{
	char *h = strdup(host), *k = strdup(kernel);

	if (!h || !k) {
		free(h);
		free(k);
		return -ENOMEM;
	}
	free(s->host);
	free(s->kernel);
	s->host = h;
	s->kernel = k;
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

void event_free(struct event *e)
{
	free(e->kind);
	free(e->comm);
	labels_free(&e->labels);
	if (e->stack) {
		stack_free(e->stack);
		free(e->stack);
		e->stack = NULL;
	}
}

void stack_free(struct stack *st)
{
	for (size_t i = 0; i < st->nframes; i++) {
		free(st->frames[i].symbol);
		free(st->frames[i].module);
		free(st->frames[i].build_id);
		free(st->frames[i].file);
	}
	free(st->frames);
	labels_free(&st->labels);
}

static void summary_free(struct summary *sm)
{
	for (size_t i = 0; i < sm->ncols; i++) {
		free(sm->cols[i].title);
		free(sm->cols[i].metric);
		free(sm->cols[i].label_key);
		free(sm->cols[i].label_value);
	}
	free(sm->cols);
	free(sm->name);
	free(sm->title);
	free(sm->key);
	free(sm->note);
}

static void series_free(struct series *se)
{
	free(se->metric);
	free(se->unit);
	free(se->hist);
	labels_free(&se->labels);
	for (size_t k = 0; k < se->nstacks; k++)
		stack_free(&se->stacks[k]);
	free(se->stacks);
}

void snapshot_keep_series(struct snapshot *s, bool (*keep)(const struct series *se, void *ctx),
			  void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nseries; i++) {
		if (keep(&s->series[i], ctx))
			s->series[n++] = s->series[i];
		else
			series_free(&s->series[i]);
	}
	s->nseries = n;
}

void snapshot_free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nseries; i++)
		series_free(&s->series[i]);
	for (size_t i = 0; i < s->nsummaries; i++)
		summary_free(&s->summaries[i]);
	free(s->summaries);
	for (size_t i = 0; i < s->nmetrics; i++) {
		free(s->metrics[i].metric);
		free(s->metrics[i].count_name);
	}
	free(s->metrics);
	for (size_t i = 0; i < s->nevents; i++)
		event_free(&s->events[i]);
	for (size_t i = 0; i < s->ndrops; i++)
		free(s->drops[i].name);
	snapshot_clear_checks(s);
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
	hist_settle(copy);
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

/* A key is there once: a second value replaces the first (a run's JSON has each key once,
 * and its reader refuses an object with a key twice). */
static int labels_add(struct labels *l, const char *key, const char *value)
{
	struct label *p;

	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			char *v = strdup(value);

			if (!v)
				return -ENOMEM;
			free(l->v[i].value);
			l->v[i].value = v;
			return 0;
		}
	}
	p = realloc(l->v, (l->n + 1) * sizeof(*p));
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

static int labels_copy(struct labels *dst, const struct labels *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (labels_add(dst, src->v[i].key, src->v[i].value))
			return -ENOMEM;
	return 0;
}

int series_add_label(struct series *se, const char *key, const char *value)
{
	return labels_add(&se->labels, key, value);
}

void series_remove_label(struct series *se, const char *key)
{
	size_t n = 0;

	for (size_t i = 0; i < se->labels.n; i++) {
		if (strcmp(se->labels.v[i].key, key)) {
			se->labels.v[n++] = se->labels.v[i];
			continue;
		}
		free(se->labels.v[i].key);
		free(se->labels.v[i].value);
	}
	se->labels.n = n;
}

const char *snapshot_run_label(const struct snapshot *s, const char *key)
{
	const char *one = NULL;

	for (size_t i = 0; i < s->nseries; i++) {
		const char *v = labels_get(&s->series[i].labels, key);

		if (v && one && strcmp(v, one))
			return NULL;
		one = v ? v : one;
	}
	return one;
}

bool snapshot_drop_run_label(struct snapshot *s, const char *key)
{
	bool one = snapshot_run_label(s, key) != NULL;

	for (size_t i = 0; one && i < s->nseries; i++)
		series_remove_label(&s->series[i], key);
	return one;
}

int event_add_label(struct event *e, const char *key, const char *value)
{
	return labels_add(&e->labels, key, value);
}

int stack_add_label(struct stack *st, const char *key, const char *value)
{
	return labels_add(&st->labels, key, value);
}

bool labels_equal(const struct labels *a, const struct labels *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) || strcmp(a->v[i].value, b->v[i].value))
			return false;
	return true;
}

int snapshot_add_stacks(struct snapshot *s, const char *metric, const char *unit,
			struct series **out)
{
	return add_series(s, metric, unit, SERIES_STACKS, out);
}

int series_add_stack(struct series *se, uint64_t value, uint64_t count, struct stack **out)
{
	struct stack *v = realloc(se->stacks, (se->nstacks + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	se->stacks = v;
	memset(&v[se->nstacks], 0, sizeof(*v));
	v[se->nstacks].value = value;
	v[se->nstacks].count = count;
	if (out)
		*out = &v[se->nstacks];
	se->nstacks++;
	return 0;
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = true;
	return d;
}

int stack_add_frame(struct stack *st, uint64_t addr, const char *symbol, uint64_t offset,
		    const char *module, const char *build_id, enum frame_kind kind)
{
	struct frame *v = realloc(st->frames, (st->nframes + 1) * sizeof(*v)), *f;
	bool failed = false;

	if (!v)
		return -ENOMEM;
	st->frames = v;
	f = &v[st->nframes];
	f->addr = addr;
	f->offset = offset;
	f->kind = kind;
	f->symbol = dup_or_null(symbol, &failed);
	f->module = dup_or_null(module, &failed);
	f->build_id = dup_or_null(build_id, &failed);
	f->file = NULL;
	f->line = 0;
	f->inlined = false;
	if (failed) {
		free(f->symbol);
		free(f->module);
		free(f->build_id);
		return -ENOMEM;
	}
	st->nframes++;
	return 0;
}

int event_add_stack(struct event *e, struct stack **out)
{
	if (!e->stack && !(e->stack = calloc(1, sizeof(*e->stack))))
		return -ENOMEM;
	*out = e->stack;
	return 0;
}

int stack_copy_frames(struct stack *dst, const struct stack *src)
{
	for (size_t i = 0; i < src->nframes; i++) {
		const struct frame *f = &src->frames[i];

		if (stack_add_frame(dst, f->addr, f->symbol, f->offset, f->module, f->build_id,
				    f->kind) ||
		    ((f->file || f->line || f->inlined) &&
		     frame_set_source(&dst->frames[dst->nframes - 1], f->file, f->line,
				      f->inlined)))
			return -ENOMEM;
	}
	dst->complete = src->complete;
	return 0;
}

int frame_set_source(struct frame *f, const char *file, uint32_t line, bool inlined)
{
	char *copy = NULL;

	if (file && !(copy = strdup(file)))
		return -ENOMEM;
	free(f->file);
	f->file = copy;
	f->line = line;
	f->inlined = inlined;
	return 0;
}

int snapshot_describe_metric(struct snapshot *s, const char *metric, const char *count_name,
			     uint32_t histograms, uint32_t top)
{
	struct metric_info *v, *m = (struct metric_info *)snapshot_metric_info(s, metric);
	bool failed = false;

	if (!m) {
		v = realloc(s->metrics, (s->nmetrics + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->metrics = v;
		m = &v[s->nmetrics];
		m->metric = strdup(metric);
		if (!m->metric)
			return -ENOMEM;
		s->nmetrics++;
	} else {
		free(m->count_name);
	}
	m->count_name = dup_or_null(count_name, &failed);
	m->histograms = histograms;
	m->top = top;
	return failed ? -ENOMEM : 0;
}

const struct metric_info *snapshot_metric_info(const struct snapshot *s, const char *metric)
{
	for (size_t i = 0; i < s->nmetrics; i++)
		if (!strcmp(s->metrics[i].metric, metric))
			return &s->metrics[i];
	return NULL;
}

int snapshot_add_summary(struct snapshot *s, const char *name, const char *title,
			 const char *key, enum summary_layout layout, struct summary **out)
{
	struct summary *v = realloc(s->summaries, (s->nsummaries + 1) * sizeof(*v)), *sm;
	bool failed = false;

	if (!v)
		return -ENOMEM;
	s->summaries = v;
	sm = &v[s->nsummaries];
	memset(sm, 0, sizeof(*sm));
	sm->layout = layout;
	sm->name = dup_or_null(name, &failed);
	sm->title = dup_or_null(title, &failed);
	sm->key = dup_or_null(key, &failed);
	s->nsummaries++;
	if (out)
		*out = sm;
	return failed ? -ENOMEM : 0;
}

int summary_add_col(struct summary *sm, const char *title, const char *metric,
		    const char *label_key, const char *label_value, enum summary_stat stat,
		    bool weight, bool hidden)
{
	struct summary_col *v = realloc(sm->cols, (sm->ncols + 1) * sizeof(*v)), *c;
	bool failed = false;

	if (!v)
		return -ENOMEM;
	sm->cols = v;
	c = &v[sm->ncols++];
	memset(c, 0, sizeof(*c));
	c->title = dup_or_null(title, &failed);
	c->metric = dup_or_null(metric, &failed);
	c->label_key = dup_or_null(label_key, &failed);
	c->label_value = dup_or_null(label_value, &failed);
	c->stat = stat;
	c->weight = weight;
	c->hidden = hidden;
	return failed ? -ENOMEM : 0;
}

int summary_set_note(struct summary *sm, const char *note)
{
	bool failed = false;

	free(sm->note);
	sm->note = dup_or_null(note, &failed);
	return failed ? -ENOMEM : 0;
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

uint64_t snapshot_drop(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->ndrops; i++)
		if (!strcmp(s->drops[i].name, name))
			return s->drops[i].count;
	return 0;
}

void snapshot_clear_events(struct snapshot *s)
{
	for (size_t i = 0; i < s->nevents; i++)
		event_free(&s->events[i]);
	s->nevents = 0;
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

int snapshot_add_check(struct snapshot *s, const char *objective, const char *stat,
		       const char *unit, struct check **out)
{
	struct check *v = realloc(s->checks, (s->nchecks + 1) * sizeof(*v)), *c;

	if (!v)
		return -ENOMEM;
	s->checks = v;
	c = &v[s->nchecks];
	memset(c, 0, sizeof(*c));
	c->objective = strdup(objective);
	c->stat = strdup(stat);
	c->unit = strdup(unit);
	if (!c->objective || !c->stat || !c->unit) {
		free(c->objective);
		free(c->stat);
		free(c->unit);
		return -ENOMEM;
	}
	s->nchecks++;
	if (out)
		*out = c;
	return 0;
}

int check_add_label(struct check *c, const char *key, const char *value)
{
	return labels_add(&c->labels, key, value);
}

void snapshot_clear_checks(struct snapshot *s)
{
	for (size_t i = 0; i < s->nchecks; i++) {
		free(s->checks[i].objective);
		free(s->checks[i].stat);
		free(s->checks[i].unit);
		free(s->checks[i].note);
		labels_free(&s->checks[i].labels);
	}
	free(s->checks);
	s->checks = NULL;
	s->nchecks = 0;
}

bool snapshot_checks_failed(const struct snapshot *s)
{
	for (size_t i = 0; i < s->nchecks; i++)
		if (!s->checks[i].passed)
			return true;
	return false;
}

int snapshot_copy_event(struct snapshot *dst, const struct event *e)
{
	struct event *c;

	if (snapshot_add_event(dst, e->kind, e->time_unix_ns, e->pid, e->tid, e->comm,
			       e->duration_ns, &c))
		return -ENOMEM;
	for (size_t i = 0; i < e->labels.n; i++)
		if (event_add_label(c, e->labels.v[i].key, e->labels.v[i].value))
			return -ENOMEM;
	if (e->stack) {
		struct stack *st;

		if (event_add_stack(c, &st) || stack_copy_frames(st, e->stack))
			return -ENOMEM;
	}
	return 0;
}

int snapshot_copy_checks(struct snapshot *dst, const struct snapshot *src)
{
	for (size_t i = 0; i < src->nchecks; i++) {
		const struct check *c = &src->checks[i];
		struct check *n;

		if (snapshot_add_check(dst, c->objective, c->stat, c->unit, &n))
			return -ENOMEM;
		n->value = c->value;
		n->bound = c->bound;
		n->have = c->have;
		n->passed = c->passed;
		if (c->note && !(n->note = strdup(c->note)))
			return -ENOMEM;
		if (labels_copy(&n->labels, &c->labels))
			return -ENOMEM;
	}
	return 0;
}
