/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A report as Markdown tables, for a pull-request comment or a CI job's summary. */
#ifndef TAILTRACE_REPORT_MARKDOWN_H
#define TAILTRACE_REPORT_MARKDOWN_H

#include <stdio.h>
#include "model/model.h"

struct emit_opts;

int report_markdown_write(FILE *f, const struct snapshot *s, const struct emit_opts *o);

#endif
