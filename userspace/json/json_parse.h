/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Strict JSON (RFC 8259) parser into a tree, for reading saved runs back.
 *
 * Strict: no comments, trailing commas, leading zeros, byte order mark, lone surrogates,
 * invalid UTF-8 or trailing garbage; nesting is limited to JSON_MAX_DEPTH. Integers keep
 * their exact value beside the double, so counts and nanoseconds up to 2^64-1 round-trip.
 * Objects keep their members in document order; duplicate keys are kept and json_get()
 * returns the first.
 */
#ifndef TAILTRACE_JSON_PARSE_H
#define TAILTRACE_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 256

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_member;

struct json_value {
	enum json_type type;
	union {
		bool boolean;
		struct {
			double d;
			uint64_t u;	/* exact, when is_u64 */
			int64_t i;	/* exact, when is_i64 */
			bool integer;	/* the text had no fraction or exponent */
			bool is_u64;	/* integer text that fits */
			bool is_i64;
		} number;
		struct {
			char *s;	/* UTF-8, NUL-terminated; \u0000 can put a NUL inside */
			size_t len;
		} string;
		struct {
			struct json_value *items;
			size_t len;
		} array;
		struct {
			struct json_member *members;
			size_t len;
		} object;
	};
};

struct json_member {
	char *key;
	size_t key_len;
	struct json_value value;
};

/* The tree of text[0..len), or NULL with errno set to EINVAL (err then says
 * "line:column: expected ..., found ...") or ENOMEM. err may be NULL. */
struct json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json_value *v);

/* "null", "boolean", "number", "string", "array", "object". */
const char *json_type_name(enum json_type t);

/* The first member called key, or NULL (also when obj is not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);
/* 0 for anything but an array. */
size_t json_array_len(const struct json_value *v);
/* NULL out of range or for anything but an array. */
const struct json_value *json_array_at(const struct json_value *v, size_t i);
size_t json_object_len(const struct json_value *v);
const struct json_member *json_object_at(const struct json_value *v, size_t i);

/* 0; -EINVAL when v is not of that type (for integers: not integer text); -ERANGE when an
 * integer does not fit. */
int json_as_u64(const struct json_value *v, uint64_t *out);
int json_as_i64(const struct json_value *v, int64_t *out);
int json_as_double(const struct json_value *v, double *out);
int json_as_bool(const struct json_value *v, bool *out);
/* The string, or NULL when v is not one; *len (optional) gets its length. */
const char *json_as_string(const struct json_value *v, size_t *len);

/* The well-formed UTF-8 sequence at s[0..len): its length (1-4) with *cp set, or minus the
 * length of the maximal ill-formed part to skip (Unicode's "maximal subpart" rule), or 0
 * when len is 0. Shared with the writer, which replaces what this rejects. */
int json_utf8_next(const char *s, size_t len, uint32_t *cp);

#endif /* TAILTRACE_JSON_PARSE_H */
