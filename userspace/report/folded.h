/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Folded stacks, one line per distinct stack with its weight: the input of flamegraph.pl. */
#ifndef TAILTRACE_REPORT_FOLDED_H
#define TAILTRACE_REPORT_FOLDED_H

#include <stdio.h>
#include "model/model.h"

struct emit_opts;

int report_folded_write(FILE *f, const struct snapshot *s, const struct emit_opts *o);

#endif
