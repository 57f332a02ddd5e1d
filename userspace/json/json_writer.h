/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Streaming JSON writer (after bpftool's json_writer): the caller says what comes next,
 * the writer adds commas, quotes, escapes and indentation.
 *
 * Pretty mode indents by two spaces; compact mode prints a document on one line. Either way
 * a newline follows each top-level value, so documents written one after another form
 * ndjson. Calls never fail on their own: the first error (a write error, a value in an
 * object without a name, an unbalanced end, no memory) is kept, later calls do nothing, and
 * jsonw_error() reports it.
 */
#ifndef TAILTRACE_JSON_WRITER_H
#define TAILTRACE_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

/* NULL with errno set (ENOMEM, or EINVAL for a NULL f). */
struct json_writer *jsonw_new(FILE *f, bool pretty);
/* Frees the writer; does not flush or close f. */
void jsonw_destroy(struct json_writer *w);
/* 0, or the first error: -EINVAL (misuse), -ENOMEM, or -errno of a failed write. */
int jsonw_error(const struct json_writer *w);

void jsonw_start_object(struct json_writer *w);
void jsonw_end_object(struct json_writer *w);
void jsonw_start_array(struct json_writer *w);
/* An array printed on one line even in pretty mode, for short tuples such as histogram
 * buckets; containers inside it are inline too. */
void jsonw_start_array_inline(struct json_writer *w);
void jsonw_end_array(struct json_writer *w);

/* The name of the next member of the current object. */
void jsonw_name(struct json_writer *w, const char *name);

/* Escapes quotes, backslashes and control characters; valid UTF-8 is passed through, each
 * ill-formed byte sequence becomes \ufffd. A NULL s is written as null. */
void jsonw_string(struct json_writer *w, const char *s);
void jsonw_u64(struct json_writer *w, uint64_t v);
void jsonw_i64(struct json_writer *w, int64_t v);
/* Shortest form that reads back to the same double; NaN and infinities become null. */
void jsonw_float(struct json_writer *w, double v);
void jsonw_bool(struct json_writer *w, bool v);
void jsonw_null(struct json_writer *w);

/* jsonw_name() followed by the value. */
void jsonw_string_field(struct json_writer *w, const char *name, const char *s);
void jsonw_u64_field(struct json_writer *w, const char *name, uint64_t v);
void jsonw_i64_field(struct json_writer *w, const char *name, int64_t v);
void jsonw_float_field(struct json_writer *w, const char *name, double v);
void jsonw_bool_field(struct json_writer *w, const char *name, bool v);
void jsonw_null_field(struct json_writer *w, const char *name);

#endif /* TAILTRACE_JSON_WRITER_H */
