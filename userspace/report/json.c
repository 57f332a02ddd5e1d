// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"
#include "json/json_parse.h"
#include "json/json_writer.h"
#include "report/json.h"

#ifndef TAILTRACE_VERSION
#define TAILTRACE_VERSION "0.0.0"
#endif

static void write_labels(struct json_writer *w, const struct labels *l)
{
	jsonw_name(w, "labels");
	jsonw_start_object(w);
	for (size_t i = 0; i < l->n; i++)
		jsonw_string_field(w, l->v[i].key, l->v[i].value);
	jsonw_end_object(w);
}

static void write_hist(struct json_writer *w, const struct hist *h)
{
	jsonw_u64_field(w, "count", h->count);
	jsonw_u64_field(w, "sum", h->sum);
	jsonw_u64_field(w, "min", hist_min(h));
	jsonw_u64_field(w, "max", h->max);
	jsonw_float_field(w, "mean", hist_mean(h));
	jsonw_name(w, "quantiles");
	jsonw_start_object(w);
	for (size_t i = 0; i < HIST_NQUANTILES; i++)
		jsonw_u64_field(w, hist_quantiles[i].name, hist_quantile(h, hist_quantiles[i].q));
	jsonw_end_object(w);
	jsonw_name(w, "buckets");
	jsonw_start_array(w);
	for (uint32_t i = 0; i < HIST_NBUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		jsonw_start_array_inline(w);
		jsonw_u64(w, hist_bucket_lower(i));
		jsonw_u64(w, hist_bucket_upper(i));
		jsonw_u64(w, h->buckets[i]);
		jsonw_end_array(w);
	}
	jsonw_end_array(w);
}

static const char *const frame_kinds[] = {
	[FRAME_USER] = "user", [FRAME_KERNEL] = "kernel", [FRAME_INTERP] = "interp",
};

/* "frames": [...], leaf first. */
static void write_frames(struct json_writer *w, const struct stack *st)
{
	jsonw_name(w, "frames");
	jsonw_start_array(w);
	for (size_t k = 0; k < st->nframes; k++) {
		const struct frame *fr = &st->frames[k];

		jsonw_start_object(w);
		jsonw_u64_field(w, "addr", fr->addr);
		jsonw_string_field(w, "symbol", fr->symbol);
		jsonw_u64_field(w, "offset", fr->offset);
		jsonw_string_field(w, "module", fr->module);
		jsonw_string_field(w, "build_id", fr->build_id);
		jsonw_string_field(w, "kind", frame_kinds[fr->kind]);
		if (fr->file || fr->line) {
			jsonw_string_field(w, "file", fr->file);
			jsonw_u64_field(w, "line", fr->line);
		}
		if (fr->inlined)
			jsonw_bool_field(w, "inlined", true);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void write_stacks(struct json_writer *w, const struct series *se);

static void write_series(struct json_writer *w, const struct series *se)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "metric", se->metric);
	jsonw_string_field(w, "unit", se->unit);
	write_labels(w, &se->labels);
	if (se->sparse)
		jsonw_bool_field(w, "sparse", true);
	if (se->gauge)
		jsonw_bool_field(w, "gauge", true);
	if (se->kind == SERIES_HIST && se->hist)
		write_hist(w, se->hist);
	else if (se->kind == SERIES_STACKS)
		write_stacks(w, se);
	else
		jsonw_u64_field(w, "value", se->value);
	jsonw_end_object(w);
}

/* Derived from the stacks, for readers that want the table (a saved run read back
 * computes them again): "functions", total weight first, and "user_stacks", how many
 * samples with a user stack reach their thread's start. */
static void write_functions(struct json_writer *w, const struct series *se)
{
	uint64_t with_user, complete;
	struct stack_func *v;
	size_t n;

	if (stacks_functions(se, &v, &n))
		return;
	jsonw_name(w, "functions");
	jsonw_start_array(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_start_object(w);
		jsonw_string_field(w, "symbol", v[i].symbol);
		jsonw_string_field(w, "module", v[i].module);
		jsonw_string_field(w, "kind", frame_kinds[v[i].kind]);
		if (!v[i].symbol)
			jsonw_u64_field(w, "addr", v[i].addr);
		if (!v[i].symbol && v[i].kind == FRAME_USER && v[i].module)
			jsonw_u64_field(w, "offset", v[i].offset);
		jsonw_u64_field(w, "self", v[i].self);
		jsonw_u64_field(w, "self_count", v[i].self_count);
		jsonw_u64_field(w, "total", v[i].total);
		jsonw_u64_field(w, "total_count", v[i].total_count);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	free(v);
	stacks_user_complete(se, &with_user, &complete);
	jsonw_name(w, "user_stacks");
	jsonw_start_object(w);
	jsonw_u64_field(w, "samples", with_user);
	jsonw_u64_field(w, "complete", complete);
	jsonw_float_field(w, "complete_percent",
			  with_user ? 100.0 * (double)complete / (double)with_user : 0.0);
	jsonw_end_object(w);
}

static void write_stacks(struct json_writer *w, const struct series *se)
{
	jsonw_name(w, "stacks");
	jsonw_start_array(w);
	for (size_t i = 0; i < se->nstacks; i++) {
		const struct stack *st = &se->stacks[i];

		jsonw_start_object(w);
		write_labels(w, &st->labels);
		jsonw_u64_field(w, "value", st->value);
		jsonw_u64_field(w, "count", st->count);
		/* only where the unwinder said so: the frames say the rest */
		if (st->complete)
			jsonw_bool_field(w, "complete", true);
		write_frames(w, st);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	write_functions(w, se);
}

/* A summary as the rows computed from this snapshot: {"key": ..., "COLUMN": value}. */
static void write_summary(struct json_writer *w, const struct snapshot *s,
			  const struct summary *sm)
{
	struct summary_row *rows = NULL;
	size_t n = 0, total = 0;

	jsonw_start_object(w);
	jsonw_string_field(w, "name", sm->name);
	jsonw_string_field(w, "title", sm->title);
	jsonw_string_field(w, "key", sm->key);
	if (sm->note)
		jsonw_string_field(w, "note", sm->note);
	jsonw_string_field(w, "layout", sm->layout == SUMMARY_LINE ? "line" : "table");
	jsonw_u64_field(w, "top", sm->top);
	jsonw_u64_field(w, "prefer_min", sm->prefer_min);
	jsonw_name(w, "columns");
	jsonw_start_array(w);
	for (size_t c = 0; c < sm->ncols; c++) {
		const struct summary_col *col = &sm->cols[c];

		jsonw_start_object(w);
		jsonw_string_field(w, "title", col->title);
		jsonw_string_field(w, "metric", col->metric);
		jsonw_string_field(w, "stat", summary_stat_name(col->stat));
		if (col->label_key)
			jsonw_string_field(w, col->label_key, col->label_value);
		/* the same, under names a reader can look for */
		jsonw_string_field(w, "label_key", col->label_key);
		jsonw_string_field(w, "label_value", col->label_value);
		jsonw_bool_field(w, "weight", col->weight);
		jsonw_bool_field(w, "hidden", col->hidden);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	summary_rows(s, sm, &rows, &n, &total);
	jsonw_u64_field(w, "rows_total", total);
	jsonw_name(w, "rows");
	jsonw_start_array(w);
	for (size_t i = 0; i < n; i++) {
		jsonw_start_object(w);
		if (sm->key)
			jsonw_string_field(w, "key", rows[i].key);
		for (size_t c = 0; c < sm->ncols; c++) {
			if (rows[i].have[c])
				jsonw_float_field(w, sm->cols[c].title, rows[i].v[c]);
			else
				jsonw_null_field(w, sm->cols[c].title);
		}
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	summary_rows_free(rows, n);
	jsonw_end_object(w);
}

static void write_event(struct json_writer *w, const struct event *e)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "kind", e->kind);
	jsonw_u64_field(w, "time_unix_ns", e->time_unix_ns);
	jsonw_u64_field(w, "pid", e->pid);
	jsonw_u64_field(w, "tid", e->tid);
	jsonw_string_field(w, "comm", e->comm);
	write_labels(w, &e->labels);
	jsonw_u64_field(w, "duration_ns", e->duration_ns);
	if (e->stack) {
		/* func --stacks: where the slow call came from */
		jsonw_name(w, "stack");
		jsonw_start_object(w);
		if (e->stack->complete)
			jsonw_bool_field(w, "complete", true);
		write_frames(w, e->stack);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
}

static void write_metric_infos(struct json_writer *w, const struct snapshot *s)
{
	jsonw_name(w, "metrics");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->nmetrics; i++) {
		const struct metric_info *m = &s->metrics[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "metric", m->metric);
		jsonw_string_field(w, "count_name", m->count_name);
		jsonw_u64_field(w, "histograms", m->histograms);
		jsonw_u64_field(w, "top", m->top);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void write_checks(struct json_writer *w, const struct snapshot *s)
{
	jsonw_name(w, "objectives");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->nchecks; i++) {
		const struct check *c = &s->checks[i];

		jsonw_start_object(w);
		jsonw_string_field(w, "objective", c->objective);
		write_labels(w, &c->labels);
		jsonw_string_field(w, "stat", c->stat);
		jsonw_string_field(w, "unit", c->unit);
		if (c->have)
			jsonw_float_field(w, "value", c->value);
		else
			jsonw_null_field(w, "value");
		jsonw_float_field(w, "bound", c->bound);
		jsonw_bool_field(w, "passed", c->passed);
		jsonw_string_field(w, "note", c->note);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

int report_json_write(FILE *f, const struct snapshot *s, bool pretty)
{
	struct json_writer *w = jsonw_new(f, pretty);
	int err;

	if (!w)
		return -errno;
	jsonw_start_object(w);
	jsonw_u64_field(w, "schema", MODEL_SCHEMA);
	jsonw_string_field(w, "tool", "tailtrace");
	jsonw_string_field(w, "version", TAILTRACE_VERSION);
	jsonw_string_field(w, "command", s->command);
	jsonw_string_field(w, "host", s->host);
	jsonw_string_field(w, "kernel", s->kernel);
	jsonw_u64_field(w, "start_unix_ns", s->start_unix_ns);
	jsonw_u64_field(w, "duration_ns", s->duration_ns);
	jsonw_u64_field(w, "sampling", s->sampling);
	jsonw_name(w, "series");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->nseries; i++)
		write_series(w, &s->series[i]);
	jsonw_end_array(w);
	jsonw_name(w, "summaries");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->nsummaries; i++)
		write_summary(w, s, &s->summaries[i]);
	jsonw_end_array(w);
	jsonw_name(w, "events");
	jsonw_start_array(w);
	for (size_t i = 0; i < s->nevents; i++)
		write_event(w, &s->events[i]);
	jsonw_end_array(w);
	jsonw_name(w, "drops");
	jsonw_start_object(w);
	for (size_t i = 0; i < s->ndrops; i++)
		jsonw_u64_field(w, s->drops[i].name, s->drops[i].count);
	jsonw_end_object(w);
	write_metric_infos(w, s);
	if (s->nchecks)
		write_checks(w, s);
	jsonw_end_object(w);

	err = jsonw_error(w);
	jsonw_destroy(w);
	errno = 0;
	if (fflush(f) && !err)
		err = errno ? -errno : -EIO;
	if (!err && ferror(f))
		err = -EIO;
	return err;
}

/* Reading: every complaint names the path of the field, as "series[3].metric: missing". */

struct reader {
	char *err;
	size_t errlen;
};

/* Records "path.key: message" (key may be NULL); returns -EINVAL. */
static int __attribute__((format(printf, 4, 5)))
bad(struct reader *r, const char *path, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->err || !r->errlen)
		return -EINVAL;
	if (!*path && !key)
		path = "top level";
	n = snprintf(r->err, r->errlen, "%s%s%s: ", path, *path && key ? "." : "",
		     key ? key : "");
	if (n < 0 || (size_t)n >= r->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *wanted(enum json_type type)
{
	switch (type) {
	case JSON_NUMBER:
		return "an unsigned integer";	/* the only numbers schema 1 has */
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY:
		return "an array";
	case JSON_OBJECT:
		return "an object";
	default:
		return json_type_name(type);
	}
}

/* The member key of obj, of the given type; *out is NULL for a missing optional one. */
static int get(struct reader *r, const struct json_value *obj, const char *path,
	       const char *key, enum json_type type, bool optional,
	       const struct json_value **out)
{
	const struct json_value *v = json_get(obj, key);

	*out = NULL;
	if (!v)
		return optional ? 0 : bad(r, path, key, "missing");
	if (v->type != type)
		return bad(r, path, key, "expected %s, found %s", wanted(type),
			   json_type_name(v->type));
	*out = v;
	return 0;
}

static int as_u64(struct reader *r, const struct json_value *v, const char *path,
		  const char *key, uint64_t max, uint64_t *out)
{
	int err = json_as_u64(v, out);

	if (err == -EINVAL)
		return bad(r, path, key, "expected an unsigned integer, found %s",
			   v->type == JSON_NUMBER ? "a fraction or exponent" :
			   json_type_name(v->type));
	if (err == -ERANGE && v->number.d < 0)
		return bad(r, path, key, "must not be negative");
	if (err == -ERANGE || *out > max)
		return bad(r, path, key, "out of range (at most %" PRIu64 ")", max);
	return 0;
}

static int get_u64(struct reader *r, const struct json_value *obj, const char *path,
		   const char *key, uint64_t max, uint64_t *out)
{
	const struct json_value *v;
	int err = get(r, obj, path, key, JSON_NUMBER, false, &v);

	return err ? err : as_u64(r, v, path, key, max, out);
}

static int get_u32(struct reader *r, const struct json_value *obj, const char *path,
		   const char *key, uint32_t *out)
{
	uint64_t v;
	int err = get_u64(r, obj, path, key, UINT32_MAX, &v);

	if (!err)
		*out = v;
	return err;
}

/* A string the model can hold: C strings end at the first NUL. */
static int check_cstring(struct reader *r, const struct json_value *v, const char *path,
			 const char *key)
{
	if (strlen(v->string.s) != v->string.len)
		return bad(r, path, key, "contains a NUL character (\\u0000)");
	return 0;
}

/* A required string; with nullable, null is accepted and *out is NULL. */
static int get_string(struct reader *r, const struct json_value *obj, const char *path,
		      const char *key, bool nullable, const char **out)
{
	const struct json_value *v = json_get(obj, key);
	int err;

	*out = NULL;
	if (nullable && v && v->type == JSON_NULL)
		return 0;
	err = get(r, obj, path, key, JSON_STRING, nullable, &v);
	if (err || !v)
		return err;
	err = check_cstring(r, v, path, key);
	if (!err)
		*out = v->string.s;
	return err;
}

/* Optional "labels" object of strings, added to se, ev, st or ck (the one not NULL). */
static int read_labels(struct reader *r, const struct json_value *obj, const char *path,
		       struct series *se, struct event *ev, struct stack *st, struct check *ck)
{
	const struct json_value *labels;
	char lpath[64];
	int err;

	err = get(r, obj, path, "labels", JSON_OBJECT, true, &labels);
	if (err || !labels)
		return err;
	snprintf(lpath, sizeof(lpath), "%s.labels", path);
	for (size_t i = 0; i < json_object_len(labels); i++) {
		const struct json_member *m = json_object_at(labels, i);
		const char *value;

		if (strlen(m->key) != m->key_len)
			return bad(r, lpath, NULL, "a key contains a NUL character (\\u0000)");
		err = get_string(r, labels, lpath, m->key, false, &value);
		if (!err)
			err = se ? series_add_label(se, m->key, value) :
			      ev ? event_add_label(ev, m->key, value) :
			      st ? stack_add_label(st, m->key, value) :
				   check_add_label(ck, m->key, value);
		if (err)
			return err;
	}
	return 0;
}

static int read_bucket(struct reader *r, const struct json_value *b, const char *path,
		       struct hist *h, uint64_t *seen)
{
	uint64_t lower, upper, count;
	uint32_t idx;

	if (json_array_len(b) != 3 || json_as_u64(json_array_at(b, 0), &lower) ||
	    json_as_u64(json_array_at(b, 1), &upper) ||
	    json_as_u64(json_array_at(b, 2), &count))
		return bad(r, path, NULL,
			   "expected [lower, upper, count], three unsigned integers");
	idx = hist_bucket(lower);
	if (hist_bucket_lower(idx) != lower || hist_bucket_upper(idx) != upper)
		return bad(r, path, NULL, "bucket [%" PRIu64 ",%" PRIu64 ") does not match this "
			   "build's histogram layout", lower, upper);
	if (seen[idx / 64] & (1ull << (idx % 64)))
		return bad(r, path, NULL, "bucket [%" PRIu64 ",%" PRIu64 ") appears twice",
			   lower, upper);
	seen[idx / 64] |= 1ull << (idx % 64);
	h->buckets[idx] = count;
	return 0;
}

/* The buckets must add up to the count: the model settles every histogram so (see
 * hist_settle), so a file where they do not was altered or damaged. Sum, min and max are
 * taken as written. */
static int read_hist(struct reader *r, const struct json_value *js, const char *path,
		     struct hist *h)
{
	uint64_t seen[HIST_NBUCKETS / 64] = { 0 };
	const struct json_value *buckets;
	uint64_t count, sum, min, max, total = 0;
	char bpath[96];
	int err;

	if ((err = get_u64(r, js, path, "count", UINT64_MAX, &count)) ||
	    (err = get_u64(r, js, path, "sum", UINT64_MAX, &sum)) ||
	    (err = get_u64(r, js, path, "min", UINT64_MAX, &min)) ||
	    (err = get_u64(r, js, path, "max", UINT64_MAX, &max)) ||
	    (err = get(r, js, path, "buckets", JSON_ARRAY, false, &buckets)))
		return err;
	memset(h, 0, sizeof(*h));
	h->count = count;
	h->sum = sum;
	h->max = max;
	/* An empty histogram keeps inv_min at 0, the kernel's "no value yet". */
	h->inv_min = count ? ~min : 0;
	for (size_t i = 0; i < json_array_len(buckets); i++) {
		snprintf(bpath, sizeof(bpath), "%s.buckets[%zu]", path, i);
		err = read_bucket(r, json_array_at(buckets, i), bpath, h, seen);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < HIST_NBUCKETS; i++) {
		if (total + h->buckets[i] < total)
			return bad(r, path, "buckets", "their counts add up past 2^64");
		total += h->buckets[i];
	}
	if (total != count)
		return bad(r, path, "buckets", "they add up to %" PRIu64 ", not to the count %"
			   PRIu64 ": the file was altered or damaged", total, count);
	return 0;
}

static int read_frame(struct reader *r, const struct json_value *js, const char *path,
		      struct stack *st)
{
	const char *symbol, *module, *build_id, *kind, *file;
	const struct json_value *line_v, *inlined_v;
	uint64_t addr, offset, line = 0;
	enum frame_kind k = FRAME_USER;
	int err;

	if (js->type != JSON_OBJECT)
		return bad(r, path, NULL, "expected an object, found %s", json_type_name(js->type));
	if ((err = get_u64(r, js, path, "addr", UINT64_MAX, &addr)) ||
	    (err = get_u64(r, js, path, "offset", UINT64_MAX, &offset)) ||
	    (err = get_string(r, js, path, "symbol", true, &symbol)) ||
	    (err = get_string(r, js, path, "module", true, &module)) ||
	    (err = get_string(r, js, path, "build_id", true, &build_id)) ||
	    (err = get_string(r, js, path, "kind", false, &kind)) ||
	    /* where in the source: optional (written when known) */
	    (err = get_string(r, js, path, "file", true, &file)) ||
	    (err = get(r, js, path, "line", JSON_NUMBER, true, &line_v)) ||
	    (line_v && (err = as_u64(r, line_v, path, "line", UINT32_MAX, &line))) ||
	    (err = get(r, js, path, "inlined", JSON_BOOL, true, &inlined_v)))
		return err;
	for (size_t i = 0; i < sizeof(frame_kinds) / sizeof(frame_kinds[0]); i++)
		if (!strcmp(kind, frame_kinds[i]))
			k = (enum frame_kind)i;
	if ((err = stack_add_frame(st, addr, symbol, offset, module, build_id, k)))
		return err;
	if (file || line || (inlined_v && inlined_v->boolean))
		return frame_set_source(&st->frames[st->nframes - 1], file, (uint32_t)line,
					inlined_v && inlined_v->boolean);
	return 0;
}

/* An optional boolean member: false when absent. */
static int read_flag(struct reader *r, const struct json_value *obj, const char *path,
		     const char *key, bool *out)
{
	const struct json_value *v;
	int err = get(r, obj, path, key, JSON_BOOL, true, &v);

	*out = !err && v && v->boolean;
	return err;
}

static int read_stacks(struct reader *r, const struct json_value *js, const char *path,
		       struct series *se)
{
	const struct json_value *stacks, *frames;
	char spath[96], fpath[128];
	int err = get(r, js, path, "stacks", JSON_ARRAY, false, &stacks);

	for (size_t i = 0; !err && i < json_array_len(stacks); i++) {
		const struct json_value *v = json_array_at(stacks, i);
		uint64_t value, count;
		struct stack *st;

		snprintf(spath, sizeof(spath), "%s.stacks[%zu]", path, i);
		if (v->type != JSON_OBJECT)
			return bad(r, spath, NULL, "expected an object");
		if ((err = get_u64(r, v, spath, "value", UINT64_MAX, &value)) ||
		    (err = get_u64(r, v, spath, "count", UINT64_MAX, &count)) ||
		    (err = get(r, v, spath, "frames", JSON_ARRAY, false, &frames)) ||
		    (err = series_add_stack(se, value, count, &st)) ||
		    (err = read_labels(r, v, spath, NULL, NULL, st, NULL)) ||
		    (err = read_flag(r, v, spath, "complete", &st->complete)))
			return err;
		for (size_t k = 0; !err && k < json_array_len(frames); k++) {
			snprintf(fpath, sizeof(fpath), "%s.frames[%zu]", spath, k);
			err = read_frame(r, json_array_at(frames, k), fpath, st);
		}
	}
	return err;
}

static int read_series(struct reader *r, const struct json_value *js, const char *path,
		       struct hist *h, struct snapshot *out)
{
	const char *metric, *unit;
	struct series *se;
	uint64_t value;
	int err;

	if (js->type != JSON_OBJECT)
		return bad(r, path, NULL, "expected an object, found %s", json_type_name(js->type));
	if ((err = get_string(r, js, path, "metric", false, &metric)) ||
	    (err = get_string(r, js, path, "unit", false, &unit)))
		return err;
	if (json_get(js, "stacks")) {
		err = snapshot_add_stacks(out, metric, unit, &se);
		if (!err)
			err = read_stacks(r, js, path, se);
	} else if (json_get(js, "buckets")) {
		err = read_hist(r, js, path, h);
		if (!err)
			err = snapshot_add_hist(out, metric, unit, h, &se);
	} else if (json_get(js, "value")) {
		err = get_u64(r, js, path, "value", UINT64_MAX, &value);
		if (!err)
			err = snapshot_add_counter(out, metric, unit, value, &se);
	} else {
		return bad(r, path, NULL,
			   "expected \"buckets\" (a histogram) or \"value\" (a counter)");
	}
	if (!err)
		err = read_flag(r, js, path, "sparse", &se->sparse);
	if (!err)
		err = read_flag(r, js, path, "gauge", &se->gauge);
	return err ? err : read_labels(r, js, path, se, NULL, NULL, NULL);
}

/* An event's optional "stack": {"complete": bool, "frames": [...]} (func --stacks). */
static int read_event_stack(struct reader *r, const struct json_value *js, const char *path,
			    struct event *e)
{
	const struct json_value *v, *frames;
	char spath[96], fpath[128];
	struct stack *st;
	int err = get(r, js, path, "stack", JSON_OBJECT, true, &v);

	if (err || !v)
		return err;
	snprintf(spath, sizeof(spath), "%s.stack", path);
	if ((err = get(r, v, spath, "frames", JSON_ARRAY, false, &frames)) ||
	    (err = event_add_stack(e, &st)) ||
	    (err = read_flag(r, v, spath, "complete", &st->complete)))
		return err;
	for (size_t k = 0; !err && k < json_array_len(frames); k++) {
		snprintf(fpath, sizeof(fpath), "%s.frames[%zu]", spath, k);
		err = read_frame(r, json_array_at(frames, k), fpath, st);
	}
	return err;
}

static int read_event(struct reader *r, const struct json_value *js, const char *path,
		      struct snapshot *out)
{
	uint64_t time_unix_ns, duration_ns;
	const char *kind, *comm;
	uint32_t pid, tid;
	struct event *e;
	int err;

	if (js->type != JSON_OBJECT)
		return bad(r, path, NULL, "expected an object, found %s", json_type_name(js->type));
	if ((err = get_string(r, js, path, "kind", false, &kind)) ||
	    (err = get_u64(r, js, path, "time_unix_ns", UINT64_MAX, &time_unix_ns)) ||
	    (err = get_u32(r, js, path, "pid", &pid)) ||
	    (err = get_u32(r, js, path, "tid", &tid)) ||
	    (err = get_string(r, js, path, "comm", false, &comm)) ||
	    (err = get_u64(r, js, path, "duration_ns", UINT64_MAX, &duration_ns)))
		return err;
	err = snapshot_add_event(out, kind, time_unix_ns, pid, tid, comm, duration_ns, &e);
	if (!err)
		err = read_labels(r, js, path, NULL, e, NULL, NULL);
	return err ? err : read_event_stack(r, js, path, e);
}

/* How metrics are shown (optional: files before it was written lack it). */
static int read_metric_infos(struct reader *r, const struct json_value *doc,
			     struct snapshot *out)
{
	const struct json_value *metrics;
	char path[48];
	int err = get(r, doc, "", "metrics", JSON_ARRAY, true, &metrics);

	for (size_t i = 0; !err && i < json_array_len(metrics); i++) {
		const struct json_value *m = json_array_at(metrics, i);
		const char *metric, *count_name;
		uint32_t histograms, top;

		snprintf(path, sizeof(path), "metrics[%zu]", i);
		if (m->type != JSON_OBJECT)
			return bad(r, path, NULL, "expected an object, found %s",
				   json_type_name(m->type));
		if ((err = get_string(r, m, path, "metric", false, &metric)) ||
		    (err = get_string(r, m, path, "count_name", true, &count_name)) ||
		    (err = get_u32(r, m, path, "histograms", &histograms)) ||
		    (err = get_u32(r, m, path, "top", &top)))
			return err;
		err = snapshot_describe_metric(out, metric, count_name, histograms, top);
	}
	return err;
}

static int read_summary_col(struct reader *r, const struct json_value *js, const char *path,
			    struct summary *sm)
{
	const char *title, *metric, *stat, *label_key, *label_value;
	bool weight, hidden;
	int err, k;

	if (js->type != JSON_OBJECT)
		return bad(r, path, NULL, "expected an object, found %s", json_type_name(js->type));
	if ((err = get_string(r, js, path, "title", false, &title)) ||
	    (err = get_string(r, js, path, "metric", false, &metric)) ||
	    (err = get_string(r, js, path, "stat", false, &stat)) ||
	    (err = get_string(r, js, path, "label_key", true, &label_key)) ||
	    (err = get_string(r, js, path, "label_value", true, &label_value)) ||
	    (err = read_flag(r, js, path, "weight", &weight)) ||
	    (err = read_flag(r, js, path, "hidden", &hidden)))
		return err;
	for (k = STAT_COUNT; k <= STAT_MAX; k++)
		if (!strcmp(stat, summary_stat_name((enum summary_stat)k)))
			break;
	if (k > STAT_MAX)
		return bad(r, path, "stat", "unknown statistic '%s'", stat);
	if (!!label_key != !!label_value)
		return bad(r, path, "label_value", "label_key and label_value come together");
	return summary_add_col(sm, title, metric, label_key, label_value, (enum summary_stat)k,
			       weight, hidden);
}

/* The summaries' definitions; their rows are computed again from the series. A file
 * written before the definitions were saved has none: its summaries are left out. */
static int read_summaries(struct reader *r, const struct json_value *doc,
			  struct snapshot *out)
{
	const struct json_value *list, *cols;
	char path[48], cpath[80];
	int err = get(r, doc, "", "summaries", JSON_ARRAY, true, &list);

	for (size_t i = 0; !err && i < json_array_len(list); i++) {
		const struct json_value *js = json_array_at(list, i);
		const char *name, *title, *key, *note, *layout;
		uint64_t top = 0, prefer_min = 0;
		struct summary *sm;

		snprintf(path, sizeof(path), "summaries[%zu]", i);
		if (js->type != JSON_OBJECT)
			return bad(r, path, NULL, "expected an object, found %s",
				   json_type_name(js->type));
		if (!json_get(js, "layout"))
			continue;
		if ((err = get_string(r, js, path, "name", false, &name)) ||
		    (err = get_string(r, js, path, "title", false, &title)) ||
		    (err = get_string(r, js, path, "key", true, &key)) ||
		    (err = get_string(r, js, path, "note", true, &note)) ||
		    (err = get_string(r, js, path, "layout", false, &layout)) ||
		    (err = get_u64(r, js, path, "top", UINT32_MAX, &top)) ||
		    (err = get_u64(r, js, path, "prefer_min", UINT64_MAX, &prefer_min)) ||
		    (err = get(r, js, path, "columns", JSON_ARRAY, false, &cols)))
			return err;
		if (strcmp(layout, "line") && strcmp(layout, "table"))
			return bad(r, path, "layout", "expected \"line\" or \"table\"");
		if ((err = snapshot_add_summary(out, name, title, key,
						strcmp(layout, "line") ? SUMMARY_TABLE :
						SUMMARY_LINE, &sm)) ||
		    (note && (err = summary_set_note(sm, note))))
			return err;
		sm->top = (uint32_t)top;
		sm->prefer_min = prefer_min;
		for (size_t c = 0; !err && c < json_array_len(cols); c++) {
			snprintf(cpath, sizeof(cpath), "%s.columns[%zu]", path, c);
			err = read_summary_col(r, json_array_at(cols, c), cpath, sm);
		}
	}
	return err;
}

static int read_check(struct reader *r, const struct json_value *js, const char *path,
		      struct snapshot *out)
{
	const char *objective, *stat, *unit, *note;
	const struct json_value *value, *bound, *passed;
	struct check *c;
	int err;

	if (js->type != JSON_OBJECT)
		return bad(r, path, NULL, "expected an object, found %s", json_type_name(js->type));
	if ((err = get_string(r, js, path, "objective", false, &objective)) ||
	    (err = get_string(r, js, path, "stat", false, &stat)) ||
	    (err = get_string(r, js, path, "unit", false, &unit)) ||
	    (err = get_string(r, js, path, "note", true, &note)) ||
	    (err = get(r, js, path, "bound", JSON_NUMBER, false, &bound)) ||
	    (err = get(r, js, path, "passed", JSON_BOOL, false, &passed)))
		return err;
	value = json_get(js, "value");
	if (!value || (value->type != JSON_NULL && value->type != JSON_NUMBER))
		return bad(r, path, "value", "expected a number or null");
	if ((err = snapshot_add_check(out, objective, stat, unit, &c)))
		return err;
	c->have = value->type == JSON_NUMBER;
	c->value = c->have ? value->number.d : 0;
	c->bound = bound->number.d;
	c->passed = passed->boolean;
	if (note && !(c->note = strdup(note)))
		return -ENOMEM;
	return read_labels(r, js, path, NULL, NULL, NULL, c);
}

static int read_checks(struct reader *r, const struct json_value *doc, struct snapshot *out)
{
	const struct json_value *list;
	char path[48];
	int err = get(r, doc, "", "objectives", JSON_ARRAY, true, &list);

	for (size_t i = 0; !err && i < json_array_len(list); i++) {
		snprintf(path, sizeof(path), "objectives[%zu]", i);
		err = read_check(r, json_array_at(list, i), path, out);
	}
	return err;
}

static int read_drops(struct reader *r, const struct json_value *doc, struct snapshot *out)
{
	const struct json_value *drops;
	int err;

	err = get(r, doc, "", "drops", JSON_OBJECT, true, &drops);
	for (size_t i = 0; !err && i < json_object_len(drops); i++) {
		const struct json_member *m = json_object_at(drops, i);
		uint64_t count;

		if (strlen(m->key) != m->key_len)
			return bad(r, "drops", NULL, "a key contains a NUL character (\\u0000)");
		err = get_u64(r, drops, "drops", m->key, UINT64_MAX, &count);
		if (!err)
			err = snapshot_add_drop(out, m->key, count);
	}
	return err;
}

/* Replaces one of the snapshot's own strings (host, kernel) when the document has it. */
static int set_string(char **dst, const char *s)
{
	char *copy;

	if (!s)
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int read_snapshot(struct reader *r, const struct json_value *doc, struct hist *h,
			 struct snapshot *out)
{
	const struct json_value *series, *events;
	const char *host, *kernel;
	char path[48];
	int err;

	if ((err = get_string(r, doc, "", "host", true, &host)) ||
	    (err = get_string(r, doc, "", "kernel", true, &kernel)) ||
	    (err = get_u64(r, doc, "", "start_unix_ns", UINT64_MAX, &out->start_unix_ns)) ||
	    (err = get_u64(r, doc, "", "duration_ns", UINT64_MAX, &out->duration_ns)) ||
	    (err = get_u32(r, doc, "", "sampling", &out->sampling)) ||
	    (err = get(r, doc, "", "series", JSON_ARRAY, false, &series)) ||
	    (err = get(r, doc, "", "events", JSON_ARRAY, true, &events)) ||
	    (err = set_string(&out->host, host)) ||
	    (err = set_string(&out->kernel, kernel)))
		return err;
	for (size_t i = 0; i < json_array_len(series); i++) {
		snprintf(path, sizeof(path), "series[%zu]", i);
		err = read_series(r, json_array_at(series, i), path, h, out);
		if (err)
			return err;
	}
	for (size_t i = 0; i < json_array_len(events); i++) {
		snprintf(path, sizeof(path), "events[%zu]", i);
		err = read_event(r, json_array_at(events, i), path, out);
		if (err)
			return err;
	}
	if ((err = read_drops(r, doc, out)) || (err = read_metric_infos(r, doc, out)) ||
	    (err = read_summaries(r, doc, out)))
		return err;
	return read_checks(r, doc, out);
}

int snapshot_from_json_value(const struct json_value *doc, struct snapshot *out, char *err,
			     size_t errlen)
{
	struct reader r = { .err = err, .errlen = errlen };
	struct hist *h = NULL;
	uint64_t schema;
	const char *command;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	ret = doc->type == JSON_OBJECT ? 0 :
	      bad(&r, "", NULL, "expected an object, found %s", json_type_name(doc->type));
	/* Schema first: a document of another schema may lack what schema 1 requires. */
	if (!ret)
		ret = get_u64(&r, doc, "", "schema", UINT64_MAX, &schema);
	if (!ret && schema != MODEL_SCHEMA)
		ret = bad(&r, "", "schema", "version %" PRIu64 " is not supported; this "
			  "tailtrace reads schema %d", schema, MODEL_SCHEMA);
	if (!ret)
		ret = get_string(&r, doc, "", "command", false, &command);
	if (!ret) {
		h = malloc(sizeof(*h));
		ret = h ? snapshot_init(out, command) : -ENOMEM;
	}
	if (!ret)
		ret = read_snapshot(&r, doc, h, out);
	if (ret)
		snapshot_free(out);
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	free(h);
	return ret;
}

int snapshot_from_json(const char *text, size_t len, struct snapshot *out,
		       char *err, size_t errlen)
{
	struct json_value *doc;
	int ret;

	memset(out, 0, sizeof(*out));
	doc = json_parse(text, len, err, errlen);
	if (!doc)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	ret = snapshot_from_json_value(doc, out, err, errlen);
	json_free(doc);
	return ret;
}
