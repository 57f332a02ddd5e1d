// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON writer, the strict parser, and the schema-1 form of a snapshot both ways. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"
#include "json/json_parse.h"
#include "json/json_writer.h"
#include "model/model.h"
#include "report/json.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- writer ---- */

struct capture {
	char *buf;
	size_t len;
	FILE *f;
	struct json_writer *w;
};

static void capture_open(struct capture *c, bool pretty)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->f, "open_memstream: %s", strerror(errno));
	c->w = jsonw_new(c->f, pretty);
	cr_assert_not_null(c->w, "jsonw_new");
}

/* Closes the stream and returns what was written (the caller frees it). */
static char *capture_close(struct capture *c, int *err)
{
	*err = jsonw_error(c->w);
	jsonw_destroy(c->w);
	cr_assert_eq(fclose(c->f), 0, "fclose of the memstream");
	return c->buf;
}

static char *string_json(const char *s)
{
	struct capture c;
	char *out;
	int err;

	capture_open(&c, false);
	jsonw_string(c.w, s);
	out = capture_close(&c, &err);
	cr_assert_eq(err, 0, "writing string: %d", err);
	return out;
}

Test(json_writer, escapes_strings)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"\n" },
		{ "", "\"\"\n" },
		{ "q\"b\\s/", "\"q\\\"b\\\\s/\"\n" },
		{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"\n" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"\n" },
		/* Valid UTF-8 passes through: 2, 3 and 4 byte sequences. */
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n" },
		{ "x\xffy", "\"x\\ufffdy\"\n" },
		/* A truncated sequence is one maximal subpart: one replacement. */
		{ "\xe2\x82x", "\"\\ufffdx\"\n" },
		{ "end\xe2\x82", "\"end\\ufffd\"\n" },
		/* Overlong, encoded surrogate, past U+10FFFF: every byte is replaced. */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"\n" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"\n" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n" },
		{ "\x80", "\"\\ufffd\"\n" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *out = string_json(cases[i].in);

		cr_expect_str_eq(out, cases[i].out, "case %zu: got %s", i, out);
		free(out);
	}
}

static void write_sample(struct json_writer *w)
{
	jsonw_start_object(w);
	jsonw_u64_field(w, "a", 1);
	jsonw_name(w, "b");
	jsonw_start_array(w);
	jsonw_bool(w, true);
	jsonw_null(w);
	jsonw_i64(w, -5);
	jsonw_string(w, "s");
	jsonw_end_array(w);
	jsonw_name(w, "c");
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_name(w, "d");
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_name(w, "e");
	jsonw_start_array(w);
	jsonw_start_array_inline(w);
	jsonw_u64(w, 0);
	jsonw_u64(w, 1);
	jsonw_end_array(w);
	jsonw_end_array(w);
	jsonw_bool_field(w, "f", false);
	jsonw_i64_field(w, "g", INT64_MIN);
	jsonw_float_field(w, "h", 0.5);
	jsonw_null_field(w, "i");
	jsonw_string_field(w, "j\n", NULL);
	jsonw_end_object(w);
}

Test(json_writer, compact_form)
{
	struct capture c;
	char *out;
	int err;

	capture_open(&c, false);
	write_sample(c.w);
	out = capture_close(&c, &err);
	cr_assert_eq(err, 0);
	cr_expect_str_eq(out, "{\"a\":1,\"b\":[true,null,-5,\"s\"],\"c\":{},\"d\":[],\"e\":[[0,1]],"
			 "\"f\":false,\"g\":-9223372036854775808,\"h\":0.5,\"i\":null,"
			 "\"j\\n\":null}\n", "got %s", out);
	free(out);
}

Test(json_writer, pretty_form)
{
	struct capture c;
	char *out;
	int err;

	capture_open(&c, true);
	write_sample(c.w);
	out = capture_close(&c, &err);
	cr_assert_eq(err, 0);
	cr_expect_str_eq(out,
			 "{\n"
			 "  \"a\": 1,\n"
			 "  \"b\": [\n"
			 "    true,\n"
			 "    null,\n"
			 "    -5,\n"
			 "    \"s\"\n"
			 "  ],\n"
			 "  \"c\": {},\n"
			 "  \"d\": [],\n"
			 "  \"e\": [\n"
			 "    [0, 1]\n"
			 "  ],\n"
			 "  \"f\": false,\n"
			 "  \"g\": -9223372036854775808,\n"
			 "  \"h\": 0.5,\n"
			 "  \"i\": null,\n"
			 "  \"j\\n\": null\n"
			 "}\n", "got %s", out);
	free(out);
}

Test(json_writer, ndjson_documents_one_a_line)
{
	struct capture c;
	char *out;
	int err;

	capture_open(&c, false);
	for (int i = 0; i < 2; i++) {
		jsonw_start_object(c.w);
		jsonw_u64_field(c.w, "n", i);
		jsonw_end_object(c.w);
	}
	jsonw_u64(c.w, 7);
	out = capture_close(&c, &err);
	cr_assert_eq(err, 0);
	cr_expect_str_eq(out, "{\"n\":0}\n{\"n\":1}\n7\n");
	free(out);
}

Test(json_writer, floats)
{
	static const struct {
		double v;
		const char *out;
	} cases[] = {
		{ 0.5, "0.5\n" }, { 0.1, "0.1\n" }, { 2.0, "2\n" }, { -0.25, "-0.25\n" },
		{ 1e300, "1e+300\n" }, { 1.0 / 3.0, "0.33333333333333331\n" },
		{ NAN, "null\n" }, { INFINITY, "null\n" }, { -INFINITY, "null\n" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct capture c;
		char *out;
		int err;

		capture_open(&c, false);
		jsonw_float(c.w, cases[i].v);
		out = capture_close(&c, &err);
		cr_assert_eq(err, 0);
		cr_expect_str_eq(out, cases[i].out, "float case %zu: got %s", i, out);
		free(out);
	}
}

Test(json_writer, misuse_is_reported)
{
	struct capture c;
	char *out;
	int err;

	capture_open(&c, false);
	jsonw_start_object(c.w);
	jsonw_u64(c.w, 1);		/* no name */
	out = capture_close(&c, &err);
	cr_expect_eq(err, -EINVAL, "value without a name: %d", err);
	free(out);

	capture_open(&c, false);
	jsonw_start_array(c.w);
	jsonw_end_object(c.w);
	out = capture_close(&c, &err);
	cr_expect_eq(err, -EINVAL, "unbalanced end: %d", err);
	free(out);

	capture_open(&c, false);
	jsonw_start_array(c.w);
	jsonw_name(c.w, "x");
	out = capture_close(&c, &err);
	cr_expect_eq(err, -EINVAL, "name in an array: %d", err);
	free(out);
}

/* ---- parser ---- */

Test(json_parse, accepts_valid_documents)
{
	static const char *const docs[] = {
		"0", "-0", "1.5e10", "1E+2", "-1.0e-2", "true", "false", "null", "\"\"",
		"[]", "{}", " \t\r\n[1, 2 ,3 ] \n", "\"\\u00e9\\/\\\"\\\\\\b\\f\\n\\r\\t\"",
		"{\"a\":{\"b\":[null,true,false,{}]}}", "\"\\ud83d\\ude00\"", "[[[]]]",
		"{\"\":0}", "\"\xe2\x98\x83\"", "123456789012345678901234567890",
		"-18446744073709551616",
	};

	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		char err[256];
		struct json_value *v = json_parse(docs[i], strlen(docs[i]), err, sizeof(err));

		cr_expect_not_null(v, "valid document %zu (%s) rejected: %s", i, docs[i], err);
		json_free(v);
	}
}

Test(json_parse, rejects_invalid_documents)
{
	static const struct {
		const char *doc;
		size_t len;	/* 0: strlen */
		const char *err;
	} cases[] = {
		{ "", 0, "1:1: expected a value, found end of input" },
		{ "  ", 0, "1:3: expected a value, found end of input" },
		{ "[1,]", 0, "1:4: expected a value, found ']'" },
		{ "{\"a\":1,}", 0, "1:8: expected a string key after ',', found '}'" },
		{ "{1:2}", 0, "1:2: expected a string key or '}', found '1'" },
		{ "{\"a\" 1}", 0, "1:6: expected ':' after an object key, found '1'" },
		{ "[1 2]", 0, "1:4: expected ',' or ']' after an array element, found '2'" },
		{ "{\"a\":1 \"b\":2}", 0, "1:8: expected ',' or '}' after an object member, "
		  "found '\"'" },
		/* one key twice: a reader would see one of the two values */
		{ "{\"a\":1,\"b\":2,\"a\":3}", 0,
		  "1:19: the object ending here has the key \"a\" twice" },
		{ "{\"a\":{\"k\":1,\"k\":1}}", 0, "1:18: the object ending here has the key \"k\" twice" },
		{ "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,"
		  "\"k9\":9,\"ka\":0,\"kb\":0,\"kc\":0,\"kd\":0,\"ke\":0,\"kf\":0,\"kg\":0,\"kh\":0,"
		  "\"ki\":0,\"kj\":0,\"kk\":0,\"kl\":0,\"km\":0,\"kn\":0,\"ko\":0,\"kp\":0,\"kq\":0,"
		  "\"kr\":0,\"ks\":0,\"kt\":0,\"ku\":0,\"kv\":0,\"kw\":0,\"k5\":0}", 0,
		  "1:239: the object ending here has the key \"k5\" twice" },
		{ "01", 0, "1:1: leading zeros are not allowed in numbers" },
		{ "[-012]", 0, "1:3: leading zeros are not allowed in numbers" },
		{ "1.", 0, "1:3: expected a digit after '.', found end of input" },
		{ "-", 0, "1:2: expected a digit after '-', found end of input" },
		{ "1e+", 0, "1:4: expected a digit in the exponent, found end of input" },
		{ "+1", 0, "1:1: expected a value, found '+'" },
		{ ".5", 0, "1:1: expected a value, found '.'" },
		{ "NaN", 0, "1:1: expected a value, found 'N'" },
		{ "tru", 0, "1:1: expected a value, found 't'" },
		{ "1e999", 0, "1:1: number out of range" },
		{ "\"abc", 0, "1:1: unterminated string" },
		{ "[\"ab\\\"]", 0, "1:2: unterminated string" },
		{ "\"\\x\"", 0, "1:2: invalid escape in string: 'x' after '\\'" },
		{ "\"\\\n\"", 0, "1:2: invalid escape in string: byte 0x0a after '\\'" },
		{ "\"\\u12G4\"", 0, "1:2: expected four hex digits after \\u" },
		{ "\"\\ud800\"", 0, "1:2: lone high surrogate \\uD800" },
		{ "\"ab\\ud800\\u0041\"", 0, "1:4: lone high surrogate \\uD800" },
		{ "\"\\udc00\\ud800\"", 0, "1:2: lone low surrogate \\uDC00" },
		{ "[\"a\tb\"]", 0, "1:4: control character U+0009 in string must be escaped" },
		{ "\"\xff\"", 0, "1:2: invalid UTF-8 in string" },
		{ "\"\xed\xa0\x80\"", 0, "1:2: invalid UTF-8 in string" },
		{ "\xef\xbb\xbf{}", 0, "1:1: expected a value, found byte 0xef" },
		{ "[1] x", 0, "1:5: expected end of input after the JSON value, found 'x'" },
		{ "{} {}", 0, "1:4: expected end of input after the JSON value, found '{'" },
		{ "/* c */ 1", 0, "1:1: expected a value, found '/'" },
		{ "'a'", 0, "1:1: expected a value, found '''" },
		{ "{\n  \"a\": [1,\n   2,,\n]}", 0, "3:6: expected a value, found ','" },
		/* Columns count characters: the x is the 7th character and the 8th byte. */
		{ "[\"\xc3\xa9\", x]", 0, "1:7: expected a value, found 'x'" },
		/* NUL bytes inside the given length. */
		{ "[\"a\0b\"]", 7, "1:4: control character U+0000 in string must be escaped" },
		{ "[1]\0", 4, "1:4: expected end of input after the JSON value, found byte 0x00" },
		{ "\0", 1, "1:1: expected a value, found byte 0x00" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].doc);
		char err[256] = "";
		struct json_value *v = json_parse(cases[i].doc, len, err, sizeof(err));

		cr_expect_null(v, "invalid document %zu (%s) accepted", i, cases[i].doc);
		json_free(v);
		cr_expect_eq(errno, EINVAL, "case %zu: errno %d", i, errno);
		cr_expect_eq(strncmp(err, cases[i].err, strlen(cases[i].err)), 0,
			     "case %zu (%s):\n  got      %s\n  expected %s", i, cases[i].doc, err,
			     cases[i].err);
	}
}

static char *nested(size_t depth)
{
	char *s = malloc(2 * depth + 1);

	cr_assert_not_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return s;
}

Test(json_parse, depth_limit)
{
	char err[256] = "";
	char *ok = nested(JSON_MAX_DEPTH), *deep = nested(JSON_MAX_DEPTH + 1);
	char *bomb = malloc(1000000);
	struct json_value *v;

	v = json_parse(ok, strlen(ok), err, sizeof(err));
	cr_expect_not_null(v, "%d levels should parse: %s", JSON_MAX_DEPTH, err);
	json_free(v);

	v = json_parse(deep, strlen(deep), err, sizeof(err));
	cr_expect_null(v);
	cr_expect_str_eq(err, "1:257: nesting deeper than 256 levels");

	cr_assert_not_null(bomb);
	memset(bomb, '[', 1000000);
	v = json_parse(bomb, 1000000, err, sizeof(err));
	cr_expect_null(v);
	cr_expect_str_eq(err, "1:257: nesting deeper than 256 levels");
	free(ok);
	free(deep);
	free(bomb);
}

static struct json_value *parse_ok(const char *doc)
{
	char err[256] = "";
	struct json_value *v = json_parse(doc, strlen(doc), err, sizeof(err));

	cr_assert_not_null(v, "parsing %s: %s", doc, err);
	return v;
}

Test(json_parse, integers_are_exact)
{
	struct json_value *v;
	uint64_t u = 0;
	int64_t i = 0;
	double d = 0;

	v = parse_ok("18446744073709551615");
	cr_expect_eq(json_as_u64(v, &u), 0);
	cr_expect_eq(u, UINT64_MAX, "u64 max read as %" PRIu64, u);
	cr_expect_eq(json_as_i64(v, &i), -ERANGE);
	json_free(v);

	v = parse_ok("18446744073709551616");
	cr_expect_eq(json_as_u64(v, &u), -ERANGE);
	cr_expect_eq(json_as_double(v, &d), 0);
	cr_expect_eq(d, 18446744073709551616.0);
	json_free(v);

	v = parse_ok("-9223372036854775808");
	cr_expect_eq(json_as_i64(v, &i), 0);
	cr_expect_eq(i, INT64_MIN);
	cr_expect_eq(json_as_u64(v, &u), -ERANGE);
	json_free(v);

	v = parse_ok("-9223372036854775809");
	cr_expect_eq(json_as_i64(v, &i), -ERANGE);
	json_free(v);

	v = parse_ok("9007199254740993");	/* 2^53 + 1: not a double */
	cr_expect_eq(json_as_u64(v, &u), 0);
	cr_expect_eq(u, 9007199254740993ull);
	json_free(v);

	v = parse_ok("1.0");
	cr_expect_eq(json_as_u64(v, &u), -EINVAL, "1.0 is not integer text");
	cr_expect_eq(json_as_double(v, &d), 0);
	cr_expect_eq(d, 1.0);
	json_free(v);

	v = parse_ok("\"1\"");
	cr_expect_eq(json_as_u64(v, &u), -EINVAL);
	json_free(v);
}

Test(json_parse, u64_round_trip_through_writer)
{
	static const uint64_t values[] = { 0, 1, 4294967296ull, 9007199254740993ull,
					   18446744073709551614ull, UINT64_MAX };
	struct capture c;
	struct json_value *v;
	char *out;
	int err;

	capture_open(&c, true);
	jsonw_start_array(c.w);
	for (size_t i = 0; i < ARRAY_LEN(values); i++)
		jsonw_u64(c.w, values[i]);
	jsonw_end_array(c.w);
	out = capture_close(&c, &err);
	cr_assert_eq(err, 0);
	v = parse_ok(out);
	cr_assert_eq(json_array_len(v), ARRAY_LEN(values));
	for (size_t i = 0; i < ARRAY_LEN(values); i++) {
		uint64_t u = 0;

		cr_expect_eq(json_as_u64(json_array_at(v, i), &u), 0);
		cr_expect_eq(u, values[i], "value %zu: %" PRIu64 " read back as %" PRIu64, i,
			     values[i], u);
	}
	json_free(v);
	free(out);
}

Test(json_parse, strings_are_decoded)
{
	struct json_value *v;
	const char *s;
	size_t len;

	v = parse_ok("\"a\\u0000b\\u00e9\\u20ac\\ud83d\\ude00\\n\"");
	s = json_as_string(v, &len);
	cr_assert_not_null(s);
	cr_expect_eq(len, 13, "decoded length %zu", len);
	cr_expect_eq(memcmp(s, "a\0b\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n", 13), 0);
	json_free(v);

	/* What the writer replaced reads back as U+FFFD. */
	{
		char *out = string_json("x\xffy\"\x01");

		v = parse_ok(out);
		s = json_as_string(v, &len);
		cr_expect_str_eq(s, "x\xef\xbf\xbdy\"\x01");
		json_free(v);
		free(out);
	}
}

Test(json_parse, objects_keep_order)
{
	struct json_value *v = parse_ok("{\"z\":1,\"a\":[true],\"m\":\"s\",\"b\":2}");
	static const char *const keys[] = { "z", "a", "m", "b" };
	bool b = false;

	cr_assert_eq(json_object_len(v), 4);
	for (size_t i = 0; i < 4; i++)
		cr_expect_str_eq(json_object_at(v, i)->key, keys[i]);
	cr_expect_eq(json_get(v, "a")->type, JSON_ARRAY);
	cr_expect_eq(json_as_bool(json_array_at(json_get(v, "a"), 0), &b), 0);
	cr_expect(b);
	cr_expect_null(json_get(v, "missing"));
	cr_expect_null(json_array_at(json_get(v, "a"), 1));
	cr_expect_null(json_object_at(v, 4));
	json_free(v);
}

/* ---- the snapshot, both ways ---- */

#define BIG (1ull << 36)

/* The snapshot of the round-trip tests: odd strings everywhere a string can be. */
static void build_snapshot(struct snapshot *s, struct hist *a, struct hist *b)
{
	static const uint64_t values[] = { 0, 1, 31, 32, 33, 1000, 123456789, BIG + 5 };
	struct series *se;
	struct event *e;

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < ARRAY_LEN(values); i++)
		hist_add(a, values[i], 1);
	hist_add(b, 5, 10);
	hist_add(b, 70, 3);
	hist_add(b, 1ull << 40, 1);

	cr_assert_eq(snapshot_init(s, "func"), 0);
	free(s->host);
	free(s->kernel);
	s->host = strdup("build-\"host\"");
	s->kernel = strdup("6.18.0-tailtrace\\test");
	cr_assert(s->host && s->kernel);
	s->start_unix_ns = 1763900000123456789ull;
	s->duration_ns = 3000000001ull;
	s->sampling = 4;

	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", a, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "work"), 0);
	cr_assert_eq(series_add_label(se, "binary", "/abs/path/app"), 0);
	cr_assert_eq(series_add_label(se, "pid", "1234"), 0);
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", b, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "we\"ird\nname\t\xc3\xbc"), 0);
	cr_assert_eq(snapshot_add_counter(s, "sched.switches", "count", UINT64_MAX, &se), 0);

	cr_assert_eq(snapshot_add_event(s, "slow_call", 1763900000999999999ull, 1234, 1235,
					"a\"pp\n", 123456789, &e), 0);
	cr_assert_eq(event_add_label(e, "func", "na\xc3\xafve \xe2\x98\x83 \\ \x01"), 0);
	cr_assert_eq(snapshot_add_event(s, "slow_call", 1, UINT32_MAX, 0,
					"\xe6\x97\xa5\xe6\x9c\xac", 0, NULL), 0);

	cr_assert_eq(snapshot_add_drop(s, "ringbuf", 3), 0);
	cr_assert_eq(snapshot_add_drop(s, "map_full", 0), 0);
	cr_assert_eq(snapshot_add_drop(s, "stack_missing", UINT64_MAX), 0);
}

static char *snapshot_json(const struct snapshot *s, bool pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	cr_assert_not_null(f);
	err = report_json_write(f, s, pretty);
	cr_assert_eq(err, 0, "report_json_write: %d", err);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static void expect_labels_eq(const struct labels *got, const struct labels *want,
			     const char *what)
{
	cr_assert_eq(got->n, want->n, "%s: %zu labels, want %zu", what, got->n, want->n);
	for (size_t i = 0; i < want->n; i++) {
		cr_expect_str_eq(got->v[i].key, want->v[i].key, "%s: label %zu key", what, i);
		cr_expect_str_eq(got->v[i].value, want->v[i].value, "%s: label %zu value", what, i);
	}
}

static void expect_hist_eq(const struct hist *got, const struct hist *want, size_t si)
{
	cr_expect_eq(got->count, want->count, "series %zu count", si);
	cr_expect_eq(got->sum, want->sum, "series %zu sum", si);
	cr_expect_eq(hist_min(got), hist_min(want), "series %zu min", si);
	cr_expect_eq(got->inv_min, want->inv_min, "series %zu inv_min", si);
	cr_expect_eq(got->max, want->max, "series %zu max", si);
	for (int i = 0; i < HIST_NBUCKETS; i++)
		cr_expect_eq(got->buckets[i], want->buckets[i],
			     "series %zu bucket %d: %llu, want %llu", si, i,
			     (unsigned long long)got->buckets[i],
			     (unsigned long long)want->buckets[i]);
}

static void expect_snapshot_eq(const struct snapshot *got, const struct snapshot *want)
{
	cr_expect_str_eq(got->command, want->command);
	cr_expect_str_eq(got->host, want->host);
	cr_expect_str_eq(got->kernel, want->kernel);
	cr_expect_eq(got->start_unix_ns, want->start_unix_ns);
	cr_expect_eq(got->duration_ns, want->duration_ns);
	cr_expect_eq(got->sampling, want->sampling);

	cr_assert_eq(got->nseries, want->nseries);
	for (size_t i = 0; i < want->nseries; i++) {
		const struct series *g = &got->series[i], *w = &want->series[i];

		cr_expect_str_eq(g->metric, w->metric, "series %zu metric", i);
		cr_expect_str_eq(g->unit, w->unit, "series %zu unit", i);
		cr_assert_eq(g->kind, w->kind, "series %zu kind", i);
		expect_labels_eq(&g->labels, &w->labels, "series labels");
		if (w->kind == SERIES_HIST) {
			cr_assert_not_null(g->hist);
			expect_hist_eq(g->hist, w->hist, i);
		} else {
			cr_expect_eq(g->value, w->value, "series %zu value", i);
		}
	}

	cr_assert_eq(got->nevents, want->nevents);
	for (size_t i = 0; i < want->nevents; i++) {
		const struct event *g = &got->events[i], *w = &want->events[i];

		cr_expect_str_eq(g->kind, w->kind, "event %zu kind", i);
		cr_expect_eq(g->time_unix_ns, w->time_unix_ns, "event %zu time", i);
		cr_expect_eq(g->pid, w->pid, "event %zu pid", i);
		cr_expect_eq(g->tid, w->tid, "event %zu tid", i);
		cr_expect_str_eq(g->comm, w->comm, "event %zu comm", i);
		cr_expect_eq(g->duration_ns, w->duration_ns, "event %zu duration", i);
		expect_labels_eq(&g->labels, &w->labels, "event labels");
	}

	cr_assert_eq(got->ndrops, want->ndrops);
	for (size_t i = 0; i < want->ndrops; i++) {
		cr_expect_str_eq(got->drops[i].name, want->drops[i].name, "drop %zu name", i);
		cr_expect_eq(got->drops[i].count, want->drops[i].count, "drop %zu count", i);
	}
}

Test(report_json, snapshot_round_trip)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct snapshot s, back;

	cr_assert(a && b);
	build_snapshot(&s, a, b);
	for (int pretty = 0; pretty <= 1; pretty++) {
		char *text = snapshot_json(&s, pretty);
		char err[256] = "";
		int ret = snapshot_from_json(text, strlen(text), &back, err, sizeof(err));

		cr_assert_eq(ret, 0, "snapshot_from_json (pretty %d): %d %s\n%s", pretty, ret, err,
			     text);
		cr_expect_eq(strchr(text, '\n') == text + strlen(text) - 1, !pretty,
			     "compact output is one line, pretty is not");
		expect_snapshot_eq(&back, &s);
		/* Read back, the histograms are the same structs, bit for bit. */
		cr_expect_eq(memcmp(back.series[0].hist, a, sizeof(*a)), 0);
		cr_expect_eq(memcmp(back.series[1].hist, b, sizeof(*b)), 0);
		snapshot_free(&back);
		free(text);
	}
	snapshot_free(&s);
	free(a);
	free(b);
}

/* The emitted form itself, against values worked out by hand from bpf/hist.h. */
Test(report_json, emits_schema_1)
{
	static const uint64_t buckets[][3] = {
		{ 0, 1, 1 }, { 1, 2, 1 }, { 31, 32, 1 }, { 32, 33, 1 }, { 33, 34, 1 },
		{ 992, 1008, 1 }, { 121634816, 123731968, 1 }, { 67645734912ull, BIG, 1 },
	};
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	const struct json_value *se, *q, *bk, *ev;
	struct json_value *doc;
	struct snapshot s;
	uint64_t u = 0;
	double d = 0;
	char *text;

	cr_assert(a && b);
	build_snapshot(&s, a, b);
	text = snapshot_json(&s, true);
	doc = parse_ok(text);

	cr_expect_eq(json_as_u64(json_get(doc, "schema"), &u), 0);
	cr_expect_eq(u, 1);
	cr_expect_str_eq(json_as_string(json_get(doc, "tool"), NULL), "tailtrace");
	cr_expect_not_null(json_as_string(json_get(doc, "version"), NULL));
	cr_expect_str_eq(json_as_string(json_get(doc, "command"), NULL), "func");
	cr_expect_eq(json_object_at(doc, 0)->key[0], 's', "schema comes first");

	se = json_array_at(json_get(doc, "series"), 0);
	cr_expect_str_eq(json_as_string(json_get(se, "metric"), NULL), "func.latency");
	cr_expect_str_eq(json_as_string(json_get(json_get(se, "labels"), "binary"), NULL),
			 "/abs/path/app");
	cr_expect_eq(json_as_u64(json_get(se, "count"), &u), 0);
	cr_expect_eq(u, 8);
	cr_expect_eq(json_as_u64(json_get(se, "sum"), &u), 0);
	cr_expect_eq(u, 68842934627ull);
	cr_expect_eq(json_as_u64(json_get(se, "min"), &u), 0);
	cr_expect_eq(u, 0);
	cr_expect_eq(json_as_u64(json_get(se, "max"), &u), 0);
	cr_expect_eq(u, BIG + 5);
	cr_expect_eq(json_as_double(json_get(se, "mean"), &d), 0);
	cr_expect_eq(d, 8605366828.375, "mean %f", d);
	q = json_get(se, "quantiles");
	cr_expect_eq(json_as_u64(json_get(q, "p50"), &u), 0);
	cr_expect_eq(u, 32, "p50 %" PRIu64, u);
	cr_expect_eq(json_as_u64(json_get(q, "p99"), &u), 0);
	cr_expect_eq(u, 68182605824ull, "p99 %" PRIu64, u);
	cr_expect_not_null(json_get(q, "p90"));
	cr_expect_not_null(json_get(q, "p999"));
	cr_expect_null(json_get(se, "value"));

	bk = json_get(se, "buckets");
	cr_assert_eq(json_array_len(bk), ARRAY_LEN(buckets), "%zu buckets", json_array_len(bk));
	for (size_t i = 0; i < ARRAY_LEN(buckets); i++) {
		for (size_t j = 0; j < 3; j++) {
			cr_expect_eq(json_as_u64(json_array_at(json_array_at(bk, i), j), &u), 0);
			cr_expect_eq(u, buckets[i][j], "bucket %zu field %zu: %" PRIu64 ", want %"
				     PRIu64, i, j, u, buckets[i][j]);
		}
	}
	cr_expect_not_null(strstr(text, "[992, 1008, 1]"), "buckets print on one line");

	se = json_array_at(json_get(doc, "series"), 2);
	cr_expect_eq(json_as_u64(json_get(se, "value"), &u), 0);
	cr_expect_eq(u, UINT64_MAX);
	cr_expect_eq(json_object_len(json_get(se, "labels")), 0);
	cr_expect_null(json_get(se, "buckets"));

	ev = json_array_at(json_get(doc, "events"), 0);
	cr_expect_str_eq(json_as_string(json_get(ev, "comm"), NULL), "a\"pp\n");
	cr_expect_not_null(strstr(text, "\"comm\": \"a\\\"pp\\n\""), "comm escaped in the text");
	cr_expect_eq(json_as_u64(json_get(json_get(doc, "drops"), "ringbuf"), &u), 0);
	cr_expect_eq(u, 3);

	json_free(doc);
	free(text);
	snapshot_free(&s);
	free(a);
	free(b);
}

Test(report_json, empty_and_minimal)
{
	static const char doc[] = "{\"schema\":1,\"command\":\"sched\",\"start_unix_ns\":5,"
				  "\"duration_ns\":6,\"sampling\":1,\"series\":[{\"metric\":\"m\","
				  "\"unit\":\"ns\",\"count\":0,\"sum\":0,\"min\":0,\"max\":0,"
				  "\"buckets\":[]}]}";
	struct snapshot s;
	char err[256] = "";
	struct hist zero;

	cr_assert_eq(snapshot_from_json(doc, strlen(doc), &s, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(s.command, "sched");
	cr_expect_str_eq(s.host, "");
	cr_expect_eq(s.start_unix_ns, 5);
	cr_expect_eq(s.duration_ns, 6);
	cr_assert_eq(s.nseries, 1);
	cr_expect_eq(s.series[0].labels.n, 0);
	memset(&zero, 0, sizeof(zero));
	/* An empty histogram reads back as zeroed memory: inv_min 0, not ~0. */
	cr_expect_eq(memcmp(s.series[0].hist, &zero, sizeof(zero)), 0);
	cr_expect_eq(s.nevents, 0);
	cr_expect_eq(s.ndrops, 0);
	snapshot_free(&s);
}

#define HEAD "{\"schema\":1,\"command\":\"func\",\"start_unix_ns\":0,\"duration_ns\":0," \
	     "\"sampling\":1,"
#define HIST_SERIES "{\"metric\":\"m\",\"unit\":\"ns\",\"count\":1,\"sum\":5,\"min\":5," \
		    "\"max\":5,\"buckets\":[[5,6,1]]}"

Test(report_json, rejects_bad_documents)
{
	static const struct {
		const char *doc, *err;
	} cases[] = {
		{ "{\"schema\":2,\"command\":\"func\"}",
		  "schema: version 2 is not supported; this tailtrace reads schema 1" },
		{ "{\"schema\":0}", "schema: version 0 is not supported" },
		{ "{\"command\":\"func\"}", "schema: missing" },
		{ "{\"schema\":\"1\"}", "schema: expected an unsigned integer, found string" },
		{ "[1]", "top level: expected an object, found array" },
		{ "{\"schema\":1,}", "1:13: expected a string key after ','" },
		{ "{\"schema\":1}", "command: missing" },
		{ "{\"schema\":1,\"command\":\"func\"}", "start_unix_ns: missing" },
		{ HEAD "\"host\":7,\"series\":[]}", "host: expected a string, found number" },
		{ HEAD "\"series\":{}}", "series: expected an array, found object" },
		{ HEAD "\"series\":[" HIST_SERIES ",{\"unit\":\"ns\",\"value\":1}]}",
		  "series[1].metric: missing" },
		{ HEAD "\"series\":[1]}", "series[0]: expected an object, found number" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\"}]}",
		  "series[0]: expected \"buckets\" (a histogram) or \"value\" (a counter)" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"value\":-1}]}",
		  "series[0].value: must not be negative" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"value\":1.5}]}",
		  "series[0].value: expected an unsigned integer, found a fraction or exponent" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\","
		  "\"value\":18446744073709551616}]}",
		  "series[0].value: out of range (at most 18446744073709551615)" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"buckets\":[]}]}",
		  "series[0].count: missing" },
		{ HEAD "\"series\":[{\"metric\":\"m\\u0000x\",\"unit\":\"ns\",\"value\":1}]}",
		  "series[0].metric: contains a NUL character" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"value\":1,"
		  "\"labels\":{\"pid\":1}}]}",
		  "series[0].labels.pid: expected a string, found number" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"count\":1,\"sum\":65,"
		  "\"min\":65,\"max\":65,\"buckets\":[[65,67,1]]}]}",
		  "series[0].buckets[0]: bucket [65,67) does not match this build's histogram "
		  "layout" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"count\":1,\"sum\":65,"
		  "\"min\":65,\"max\":65,\"buckets\":[[0,1,0],[65,66,1]]}]}",
		  "series[0].buckets[1]: bucket [65,66) does not match this build's histogram "
		  "layout" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"count\":2,\"sum\":10,"
		  "\"min\":5,\"max\":5,\"buckets\":[[5,6,1],[5,6,1]]}]}",
		  "series[0].buckets[1]: bucket [5,6) appears twice" },
		{ HEAD "\"series\":[{\"metric\":\"m\",\"unit\":\"ns\",\"count\":1,\"sum\":5,"
		  "\"min\":5,\"max\":5,\"buckets\":[[5,6]]}]}",
		  "series[0].buckets[0]: expected [lower, upper, count]" },
		{ HEAD "\"series\":[],\"events\":[{\"kind\":\"slow_call\",\"time_unix_ns\":1,"
		  "\"pid\":4294967296,\"tid\":1,\"comm\":\"a\",\"duration_ns\":1}]}",
		  "events[0].pid: out of range (at most 4294967295)" },
		{ HEAD "\"series\":[],\"events\":[{\"kind\":\"slow_call\",\"time_unix_ns\":1,"
		  "\"pid\":1,\"tid\":1,\"duration_ns\":1}]}",
		  "events[0].comm: missing" },
		{ HEAD "\"series\":[],\"drops\":{\"ringbuf\":\"3\"}}",
		  "drops.ringbuf: expected an unsigned integer, found string" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct snapshot s;
		char err[256] = "";
		int ret;

		memset(&s, 0x5a, sizeof(s));
		ret = snapshot_from_json(cases[i].doc, strlen(cases[i].doc), &s, err, sizeof(err));
		cr_expect_eq(ret, -EINVAL, "case %zu returned %d", i, ret);
		cr_expect_eq(strncmp(err, cases[i].err, strlen(cases[i].err)), 0,
			     "case %zu:\n  got      %s\n  expected %s", i, err, cases[i].err);
		cr_expect(!s.series && !s.nseries && !s.command && !s.events && !s.drops,
			  "case %zu left something in the snapshot", i);
	}
}

Test(report_json, write_error_is_returned)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct snapshot s;
	FILE *f = fopen("/dev/full", "w");
	int ret;

	cr_assert(a && b);
	if (!f)
		cr_skip_test("/dev/full: %s", strerror(errno));
	build_snapshot(&s, a, b);
	ret = report_json_write(f, &s, true);
	cr_expect_eq(ret, -ENOSPC, "writing to /dev/full returned %d", ret);
	fclose(f);
	snapshot_free(&s);
	free(a);
	free(b);
}
