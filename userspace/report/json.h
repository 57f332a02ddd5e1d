/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The JSON form of a snapshot (schema 1, see ARCHITECTURE.md): written for machines and as
 * the saved form of a run, read back so that a saved run can be rendered or compared later.
 */
#ifndef TAILTRACE_REPORT_JSON_H
#define TAILTRACE_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "model/model.h"

/* One document; pretty indents it, otherwise it takes one line (ndjson). Flushes f.
 * 0, or -errno of the failed write (-EIO when the stream did not say). */
int report_json_write(FILE *f, const struct snapshot *s, bool pretty);

/* Reads a schema-1 document into *out (which it initialises). On error returns -EINVAL
 * (with err saying where and what, e.g. "series[3].metric: missing") or -ENOMEM, and
 * leaves nothing in *out to free. */
int snapshot_from_json(const char *text, size_t len, struct snapshot *out,
		       char *err, size_t errlen);

struct json_value;
/* The same from a document already parsed (by a caller that looked at it first). */
int snapshot_from_json_value(const struct json_value *doc, struct snapshot *out, char *err,
			     size_t errlen);

#endif /* TAILTRACE_REPORT_JSON_H */
