// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "json/json_parse.h"
#include "json/json_writer.h"

struct jw_level {
	bool object;
	bool inline_;
	size_t n;		/* members or elements written so far */
};

struct json_writer {
	FILE *f;
	bool pretty;
	bool named;		/* jsonw_name() was called; the member's value comes next */
	int err;
	struct jw_level *stack;
	size_t depth, cap;
};

struct json_writer *jsonw_new(FILE *f, bool pretty)
{
	struct json_writer *w;

	if (!f) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	return w;
}

void jsonw_destroy(struct json_writer *w)
{
	if (!w)
		return;
	free(w->stack);
	free(w);
}

int jsonw_error(const struct json_writer *w)
{
	return w->err;
}

static void jw_fail(struct json_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

static void jw_write(struct json_writer *w, const char *s, size_t n)
{
	if (w->err || !n)
		return;
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n)
		jw_fail(w, errno ? -errno : -EIO);
}

static void jw_puts(struct json_writer *w, const char *s)
{
	jw_write(w, s, strlen(s));
}

static void jw_newline(struct json_writer *w, size_t depth)
{
	static const char spaces[] = "                ";

	jw_write(w, "\n", 1);
	for (depth *= 2; depth; depth -= depth < 16 ? depth : 16)
		jw_write(w, spaces, depth < 16 ? depth : 16);
}

static struct jw_level *jw_top(struct json_writer *w)
{
	return w->depth ? &w->stack[w->depth - 1] : NULL;
}

/* Separator before an array element or object member. */
static void jw_separate(struct json_writer *w, struct jw_level *top)
{
	if (top->n)
		jw_write(w, ",", 1);
	if (w->pretty && top->inline_) {
		if (top->n)
			jw_write(w, " ", 1);
	} else if (w->pretty) {
		jw_newline(w, w->depth);
	}
	top->n++;
}

/* Everything before a value; false (and nothing written) on misuse or an earlier error. */
static bool jw_value_begin(struct json_writer *w)
{
	struct jw_level *top = jw_top(w);

	if (w->err)
		return false;
	if (!top)
		return true;
	if (top->object) {
		if (!w->named) {
			jw_fail(w, -EINVAL);
			return false;
		}
		w->named = false;
		return true;
	}
	jw_separate(w, top);
	return true;
}

/* A top-level value ends its document with a newline (ndjson in compact mode). */
static void jw_value_end(struct json_writer *w)
{
	if (!w->depth)
		jw_write(w, "\n", 1);
}

static void jw_start(struct json_writer *w, bool object, bool inline_)
{
	struct jw_level *top;

	if (!jw_value_begin(w))
		return;
	if (w->depth == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 8;
		struct jw_level *p = realloc(w->stack, ncap * sizeof(*p));

		if (!p) {
			jw_fail(w, -ENOMEM);
			return;
		}
		w->stack = p;
		w->cap = ncap;
	}
	top = jw_top(w);
	w->stack[w->depth++] = (struct jw_level){
		.object = object,
		.inline_ = inline_ || (top && top->inline_),
	};
	jw_write(w, object ? "{" : "[", 1);
}

static void jw_end(struct json_writer *w, bool object)
{
	struct jw_level *top = jw_top(w);

	if (w->err)
		return;
	if (!top || top->object != object || w->named) {
		jw_fail(w, -EINVAL);
		return;
	}
	w->depth--;
	if (w->pretty && !top->inline_ && top->n)
		jw_newline(w, w->depth);
	jw_write(w, object ? "}" : "]", 1);
	jw_value_end(w);
}

void jsonw_start_object(struct json_writer *w)
{
	jw_start(w, true, false);
}

void jsonw_end_object(struct json_writer *w)
{
	jw_end(w, true);
}

void jsonw_start_array(struct json_writer *w)
{
	jw_start(w, false, false);
}

void jsonw_start_array_inline(struct json_writer *w)
{
	jw_start(w, false, true);
}

void jsonw_end_array(struct json_writer *w)
{
	jw_end(w, false);
}

/* The escape for byte c, or NULL when it is written as it is. */
static const char *jw_escape(unsigned char c, char buf[8])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	}
	if (c >= 0x20)
		return NULL;
	snprintf(buf, 8, "\\u%04x", c);
	return buf;
}

static void jw_quoted(struct json_writer *w, const char *s)
{
	size_t len = strlen(s), i = 0, run = 0;

	jw_write(w, "\"", 1);
	while (i < len) {
		char buf[8];
		const char *esc = jw_escape(s[i], buf);
		uint32_t cp;
		int n = 1;

		if (!esc && (unsigned char)s[i] >= 0x80) {
			n = json_utf8_next(s + i, len - i, &cp);
			if (n < 0) {
				esc = "\\ufffd";
				n = -n;
			}
		}
		if (esc) {
			/* Flush the run of bytes that need no escaping first. */
			jw_write(w, s + i - run, run);
			run = 0;
			jw_puts(w, esc);
		} else {
			run += n;
		}
		i += n;
	}
	jw_write(w, s + i - run, run);
	jw_write(w, "\"", 1);
}

void jsonw_name(struct json_writer *w, const char *name)
{
	struct jw_level *top = jw_top(w);

	if (w->err)
		return;
	if (!top || !top->object || w->named || !name) {
		jw_fail(w, -EINVAL);
		return;
	}
	jw_separate(w, top);
	jw_quoted(w, name);
	jw_write(w, ": ", w->pretty ? 2 : 1);
	w->named = true;
}

void jsonw_string(struct json_writer *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	if (!jw_value_begin(w))
		return;
	jw_quoted(w, s);
	jw_value_end(w);
}

static void jw_scalar(struct json_writer *w, const char *text)
{
	if (!jw_value_begin(w))
		return;
	jw_puts(w, text);
	jw_value_end(w);
}

void jsonw_u64(struct json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	jw_scalar(w, buf);
}

void jsonw_i64(struct json_writer *w, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	jw_scalar(w, buf);
}

void jsonw_float(struct json_writer *w, double v)
{
	const char *dp = localeconv()->decimal_point;
	size_t dplen = strlen(dp);
	char buf[40], *p;

	if (!isfinite(v)) {
		jw_scalar(w, "null");
		return;
	}
	/* 15 digits read back exactly for most values and do not print 0.1 as
	 * 0.10000000000000001; 17 always do. */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	/* printf follows LC_NUMERIC; JSON wants a '.' whatever the locale. */
	if (strcmp(dp, ".") && dplen && (p = strstr(buf, dp))) {
		*p = '.';
		memmove(p + 1, p + dplen, strlen(p + dplen) + 1);
	}
	jw_scalar(w, buf);
}

void jsonw_bool(struct json_writer *w, bool v)
{
	jw_scalar(w, v ? "true" : "false");
}

void jsonw_null(struct json_writer *w)
{
	jw_scalar(w, "null");
}

void jsonw_string_field(struct json_writer *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_string(w, s);
}

void jsonw_u64_field(struct json_writer *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_u64(w, v);
}

void jsonw_i64_field(struct json_writer *w, const char *name, int64_t v)
{
	jsonw_name(w, name);
	jsonw_i64(w, v);
}

void jsonw_float_field(struct json_writer *w, const char *name, double v)
{
	jsonw_name(w, name);
	jsonw_float(w, v);
}

void jsonw_bool_field(struct json_writer *w, const char *name, bool v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}

void jsonw_null_field(struct json_writer *w, const char *name)
{
	jsonw_name(w, name);
	jsonw_null(w);
}
