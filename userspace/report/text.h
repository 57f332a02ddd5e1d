/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The report a person reads: per metric, a table of its series (hotspots first) and
 * histograms drawn with bars. Labels common to all series of a metric go in its heading;
 * labels that differ become the leading columns. */
#ifndef TAILTRACE_REPORT_TEXT_H
#define TAILTRACE_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include "model/model.h"

struct emit_opts;

int report_text_write(FILE *f, const struct snapshot *s, const struct emit_opts *o);
/* The pass/fail table of the snapshot's checks (nothing when it has none). */
void report_text_checks(FILE *f, const struct snapshot *s);
/* One line per event as it is seen; a header before the first. */
void report_text_event(FILE *f, const struct event *e, bool first);
/* Rows of a histogram drawn with bars: bucket groups chosen so that at most max_rows rows
 * span its nonempty range. */
void report_text_hist(FILE *f, const struct hist *h, uint32_t scale, int max_rows);

#endif
