/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What tailtrace diff found, in each of its formats: a text table, JSON, and Markdown for a
 * pull-request comment. Rows come sorted, regressions first (gates/compare.c). */
#ifndef TAILTRACE_DIFF_PRINT_H
#define TAILTRACE_DIFF_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include "gates/compare.h"

struct diff_report {
	const struct compare_result *r;
	const struct compare_opts *o;
	const char *const *base_names, *const *new_names;
	size_t nbase, nnew;
};

/* Each returns 0, or -errno of a failed write. colour: the verdicts in colour (a
 * terminal). */
int diff_print_text(FILE *f, const struct diff_report *d, bool colour);
int diff_print_markdown(FILE *f, const struct diff_report *d);
int diff_print_json(FILE *f, const struct diff_report *d);

#endif
