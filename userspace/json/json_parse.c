// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "json/json_parse.h"

struct parser {
	const char *start, *p, *end;
	char *err;
	size_t errlen;
	int errnum;		/* EINVAL or ENOMEM once failed */
	int depth;
	locale_t c_locale;	/* strtod must read '.' whatever LC_NUMERIC says */
};

int json_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	uint32_t c;
	size_t need;

	if (!len)
		return 0;
	c = u[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* Second-byte ranges exclude overlong forms, surrogates and code points past
	 * U+10FFFF (Unicode table 3-7). */
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
		c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
		c &= 0x07;
	} else {
		return -1;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= len || u[i] < lo || u[i] > hi)
			return -(int)i;
		c = (c << 6) | (u[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	return need + 1;
}

/* Records "line:column: message" for the position at; always returns -1. */
static int __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	va_list ap;
	int n;

	if (ps->errnum)
		return -1;
	ps->errnum = EINVAL;
	if (!ps->err || !ps->errlen)
		return -1;
	/* Columns count characters, not bytes, as editors do. */
	for (const char *q = ps->start; q < at; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*q & 0xC0) != 0x80) {
			col++;
		}
	}
	n = snprintf(ps->err, ps->errlen, "%u:%u: ", line, col);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_nomem(struct parser *ps)
{
	if (!ps->errnum) {
		ps->errnum = ENOMEM;
		if (ps->err && ps->errlen)
			snprintf(ps->err, ps->errlen, "out of memory");
	}
	return -1;
}

/* What stands at p, for "found ...". */
static const char *describe(struct parser *ps, const char *p, char buf[16])
{
	unsigned char c;

	if (p >= ps->end)
		return "end of input";
	c = *p;
	if (c > 0x20 && c < 0x7F)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

static int expected(struct parser *ps, const char *what)
{
	char buf[16];

	return fail_at(ps, ps->p, "expected %s, found %s", what, describe(ps, ps->p, buf));
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static void free_contents(struct json_value *v);
static int parse_value(struct parser *ps, struct json_value *v);

static int parse_literal(struct parser *ps, struct json_value *v)
{
	static const struct {
		const char *text;
		enum json_type type;
		bool boolean;
	} lits[] = {
		{ "true", JSON_BOOL, true },
		{ "false", JSON_BOOL, false },
		{ "null", JSON_NULL, false },
	};

	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		size_t n = strlen(lits[i].text);

		if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, lits[i].text, n)) {
			v->type = lits[i].type;
			v->boolean = lits[i].boolean;
			ps->p += n;
			return 0;
		}
	}
	return expected(ps, "a value");
}

static int parse_number(struct parser *ps, struct json_value *v)
{
	const char *start = ps->p, *digits;
	char small[64], *buf = small;
	bool neg = false, integer = true, overflow = false;
	uint64_t mag = 0;
	size_t len;

	if (*ps->p == '-') {
		neg = true;
		ps->p++;
		if (!is_digit(ps->p, ps->end))
			return expected(ps, "a digit after '-'");
	}
	digits = ps->p;
	if (*ps->p == '0' && is_digit(ps->p + 1, ps->end))
		return fail_at(ps, ps->p, "leading zeros are not allowed in numbers");
	while (is_digit(ps->p, ps->end))
		ps->p++;
	for (const char *q = digits; q < ps->p; q++) {
		unsigned d = *q - '0';

		if (mag > (UINT64_MAX - d) / 10)
			overflow = true;
		mag = mag * 10 + d;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		integer = false;
		ps->p++;
		if (!is_digit(ps->p, ps->end))
			return expected(ps, "a digit after '.'");
		while (is_digit(ps->p, ps->end))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		integer = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps->p, ps->end))
			return expected(ps, "a digit in the exponent");
		while (is_digit(ps->p, ps->end))
			ps->p++;
	}

	/* The text is not NUL-terminated: strtod reads a copy. */
	len = ps->p - start;
	if (len >= sizeof(small)) {
		buf = malloc(len + 1);
		if (!buf)
			return fail_nomem(ps);
	}
	memcpy(buf, start, len);
	buf[len] = '\0';
	v->type = JSON_NUMBER;
	v->number.d = strtod_l(buf, NULL, ps->c_locale);
	if (buf != small)
		free(buf);
	if (isinf(v->number.d))
		return fail_at(ps, start, "number out of range");

	v->number.integer = integer;
	if (integer && !overflow) {
		if (!neg) {
			v->number.u = mag;
			v->number.is_u64 = true;
			v->number.is_i64 = mag <= INT64_MAX;
			v->number.i = (int64_t)mag;
		} else if (mag <= (uint64_t)INT64_MAX + 1) {
			v->number.i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
			v->number.is_i64 = true;
			v->number.is_u64 = !mag;	/* -0 */
		}
	}
	return 0;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = 0xC0 | (cp >> 6);
		out[1] = 0x80 | (cp & 0x3F);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = 0xE0 | (cp >> 12);
		out[1] = 0x80 | ((cp >> 6) & 0x3F);
		out[2] = 0x80 | (cp & 0x3F);
		return 3;
	}
	out[0] = 0xF0 | (cp >> 18);
	out[1] = 0x80 | ((cp >> 12) & 0x3F);
	out[2] = 0x80 | ((cp >> 6) & 0x3F);
	out[3] = 0x80 | (cp & 0x3F);
	return 4;
}

/* The \u escape at ps->p (after the backslash and 'u'), surrogate pairs joined. */
static int parse_u_escape(struct parser *ps, uint32_t *cp)
{
	const char *at = ps->p - 2;
	uint32_t lo;

	if (hex4(ps->p, ps->end, cp))
		return fail_at(ps, at, "expected four hex digits after \\u");
	ps->p += 4;
	if (*cp >= 0xDC00 && *cp <= 0xDFFF)
		return fail_at(ps, at, "lone low surrogate \\u%04X", (unsigned)*cp);
	if (*cp < 0xD800 || *cp > 0xDBFF)
		return 0;
	if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
	    hex4(ps->p + 2, ps->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
		return fail_at(ps, at, "lone high surrogate \\u%04X (expected a low surrogate "
			       "\\uDC00-\\uDFFF after it)", (unsigned)*cp);
	ps->p += 6;
	*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
	return 0;
}

/* A string at ps->p (on the opening quote), decoded into *out / *outlen. */
static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
	const char *open = ps->p, *close;
	char *buf, *o, desc[16];

	/* Escapes only shrink, so the raw length bounds the decoded one. */
	for (close = open + 1; close < ps->end && *close != '"'; close++)
		if (*close == '\\')
			close++;
	if (close >= ps->end)
		return fail_at(ps, open, "unterminated string");
	buf = malloc(close - open);
	if (!buf)
		return fail_nomem(ps);
	o = buf;
	ps->p = open + 1;
	while (ps->p < close) {
		unsigned char c = *ps->p;
		uint32_t cp;
		int n;

		if (c == '\\') {
			const char *esc = ps->p++;

			switch (*ps->p++) {
			case '"':
				*o++ = '"';
				break;
			case '\\':
				*o++ = '\\';
				break;
			case '/':
				*o++ = '/';
				break;
			case 'b':
				*o++ = '\b';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'u':
				if (parse_u_escape(ps, &cp))
					goto err;
				o += utf8_put(o, cp);
				break;
			default:
				fail_at(ps, esc, "invalid escape in string: %s after '\\' (valid: "
					"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
					describe(ps, ps->p - 1, desc));
				goto err;
			}
		} else if (c < 0x20) {
			fail_at(ps, ps->p, "control character U+%04X in string must be escaped", c);
			goto err;
		} else {
			n = json_utf8_next(ps->p, close - ps->p, &cp);
			if (n < 0) {
				fail_at(ps, ps->p, "invalid UTF-8 in string");
				goto err;
			}
			memcpy(o, ps->p, n);
			o += n;
			ps->p += n;
		}
	}
	*o = '\0';
	ps->p = close + 1;
	*out = buf;
	*outlen = o - buf;
	return 0;
err:
	free(buf);
	return -1;
}

/* Gives back what array_grow took beyond n items: a saved run has millions of three-item
 * arrays (buckets), which would otherwise hold room for 16 each, 5 times the memory. */
static void *fit(void *v, size_t n, size_t size)
{
	void *p = n ? realloc(v, n * size) : NULL;

	return p ? p : v;
}

static int parse_array(struct parser *ps, struct json_value *v)
{
	size_t cap = 0;

	v->type = JSON_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct json_value *item;

		if (array_grow((void **)&v->array.items, v->array.len, &cap, sizeof(*item)) &&
		    fail_nomem(ps))
			return -1;
		item = &v->array.items[v->array.len];
		memset(item, 0, sizeof(*item));
		if (parse_value(ps, item)) {
			free_contents(item);
			return -1;
		}
		v->array.len++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
		} else if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			v->array.items = fit(v->array.items, v->array.len, sizeof(*item));
			return 0;
		} else {
			return expected(ps, "',' or ']' after an array element");
		}
	}
}

static int by_key(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	int c = memcmp(x->key, y->key, x->key_len < y->key_len ? x->key_len : y->key_len);

	return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* A key twice in one object, of which readers would see one only: refused, at the object's
 * end (at). Small objects compare pairwise, large ones sort their keys. */
static int check_unique_keys(struct parser *ps, const struct json_value *v, const char *at)
{
	const struct json_member *dup = NULL;
	size_t n = v->object.len;

	if (n <= 32) {
		for (size_t i = 1; i < n && !dup; i++)
			for (size_t k = 0; k < i && !dup; k++)
				if (v->object.members[i].key_len == v->object.members[k].key_len &&
				    !memcmp(v->object.members[i].key, v->object.members[k].key,
					    v->object.members[k].key_len))
					dup = &v->object.members[i];
	} else {
		const struct json_member **m = malloc(n * sizeof(*m));

		if (!m)
			return fail_nomem(ps);
		for (size_t i = 0; i < n; i++)
			m[i] = &v->object.members[i];
		qsort(m, n, sizeof(*m), by_key);
		for (size_t i = 1; i < n && !dup; i++)
			if (!by_key(&m[i - 1], &m[i]))
				dup = m[i];
		free(m);
	}
	if (!dup)
		return 0;
	return fail_at(ps, at, "the object ending here has the key \"%.*s\" twice",
		       dup->key_len > 40 ? 40 : (int)dup->key_len, dup->key);
}

static int parse_object(struct parser *ps, struct json_value *v)
{
	size_t cap = 0;

	v->type = JSON_OBJECT;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct json_member *m;

		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			return expected(ps, v->object.len ? "a string key after ','" :
					    "a string key or '}'");
		if (array_grow((void **)&v->object.members, v->object.len, &cap, sizeof(*m)) &&
		    fail_nomem(ps))
			return -1;
		m = &v->object.members[v->object.len];
		memset(m, 0, sizeof(*m));
		if (parse_string(ps, &m->key, &m->key_len))
			return -1;
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			free(m->key);
			return expected(ps, "':' after an object key");
		}
		ps->p++;
		if (parse_value(ps, &m->value)) {
			free(m->key);
			free_contents(&m->value);
			return -1;
		}
		v->object.len++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
		} else if (ps->p < ps->end && *ps->p == '}') {
			if (check_unique_keys(ps, v, ps->p))
				return -1;
			ps->p++;
			v->object.members = fit(v->object.members, v->object.len, sizeof(*m));
			return 0;
		} else {
			return expected(ps, "',' or '}' after an object member");
		}
	}
}

static int parse_value(struct parser *ps, struct json_value *v)
{
	int err;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return expected(ps, "a value");
	switch (*ps->p) {
	case '[':
	case '{':
		/* Recursion is bounded so a hostile file cannot exhaust the stack. */
		if (ps->depth >= JSON_MAX_DEPTH)
			return fail_at(ps, ps->p, "nesting deeper than %d levels", JSON_MAX_DEPTH);
		ps->depth++;
		err = *ps->p == '[' ? parse_array(ps, v) : parse_object(ps, v);
		ps->depth--;
		return err;
	case '"':
		v->type = JSON_STRING;
		return parse_string(ps, &v->string.s, &v->string.len);
	case '-':
	case '0' ... '9':
		return parse_number(ps, v);
	default:
		return parse_literal(ps, v);
	}
}

struct json_value *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser ps = {
		.start = text, .p = text, .end = text + len, .err = err, .errlen = errlen,
	};
	struct json_value *v;

	if (err && errlen)
		err[0] = '\0';
	v = calloc(1, sizeof(*v));
	ps.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!v || !ps.c_locale) {
		fail_nomem(&ps);
		goto err;
	}
	if (parse_value(&ps, v))
		goto err;
	skip_ws(&ps);
	if (ps.p < ps.end) {
		expected(&ps, "end of input after the JSON value");
		goto err;
	}
	freelocale(ps.c_locale);
	return v;
err:
	if (ps.c_locale)
		freelocale(ps.c_locale);
	json_free(v);
	errno = ps.errnum;
	return NULL;
}

static void free_contents(struct json_value *v)
{
	switch (v->type) {
	case JSON_STRING:
		free(v->string.s);
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->array.len; i++)
			free_contents(&v->array.items[i]);
		free(v->array.items);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->object.len; i++) {
			free(v->object.members[i].key);
			free_contents(&v->object.members[i].value);
		}
		free(v->object.members);
		break;
	default:
		break;
	}
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_BOOL:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	size_t n;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	n = strlen(key);
	for (size_t i = 0; i < obj->object.len; i++) {
		const struct json_member *m = &obj->object.members[i];

		if (m->key_len == n && !memcmp(m->key, key, n))
			return &m->value;
	}
	return NULL;
}

size_t json_array_len(const struct json_value *v)
{
	return v && v->type == JSON_ARRAY ? v->array.len : 0;
}

const struct json_value *json_array_at(const struct json_value *v, size_t i)
{
	return i < json_array_len(v) ? &v->array.items[i] : NULL;
}

size_t json_object_len(const struct json_value *v)
{
	return v && v->type == JSON_OBJECT ? v->object.len : 0;
}

const struct json_member *json_object_at(const struct json_value *v, size_t i)
{
	return i < json_object_len(v) ? &v->object.members[i] : NULL;
}

int json_as_u64(const struct json_value *v, uint64_t *out)
{
	if (!v || v->type != JSON_NUMBER || !v->number.integer)
		return -EINVAL;
	if (!v->number.is_u64)
		return -ERANGE;
	*out = v->number.u;
	return 0;
}

int json_as_i64(const struct json_value *v, int64_t *out)
{
	if (!v || v->type != JSON_NUMBER || !v->number.integer)
		return -EINVAL;
	if (!v->number.is_i64)
		return -ERANGE;
	*out = v->number.i;
	return 0;
}

int json_as_double(const struct json_value *v, double *out)
{
	if (!v || v->type != JSON_NUMBER)
		return -EINVAL;
	*out = v->number.d;
	return 0;
}

int json_as_bool(const struct json_value *v, bool *out)
{
	if (!v || v->type != JSON_BOOL)
		return -EINVAL;
	*out = v->boolean;
	return 0;
}

const char *json_as_string(const struct json_value *v, size_t *len)
{
	if (!v || v->type != JSON_STRING)
		return NULL;
	if (len)
		*len = v->string.len;
	return v->string.s;
}
