/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Folded stacks, the input of flamegraph.pl: "comm;root;...;leaf value" a line. A stack is
 * a counter series with a "stack" label (frames root first, ';' between). */
#ifndef TAILTRACE_REPORT_FOLDED_H
#define TAILTRACE_REPORT_FOLDED_H

#include <stdio.h>
#include "model/model.h"

/* Values in ns are written in microseconds, as off-CPU flame graphs use. 0 or -EIO. */
int report_folded_write(FILE *f, const struct snapshot *s);

#endif
