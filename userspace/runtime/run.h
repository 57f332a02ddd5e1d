/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One run: the common options, the traced process, one loop, any number of collectors, and
 * the consumers of their snapshots (the report on standard output, one per -i interval or
 * one at the end; the whole run saved with -o). Each consumer keeps its own base for deltas.
 */
#ifndef TAILTRACE_RUN_H
#define TAILTRACE_RUN_H

#include <stddef.h>
#include "core/collector.h"

/* `tailtrace NAME ...`: collector c of all[0..n) with its own options. Returns the exit
 * code: 0, 1 (runtime error), 2 (usage), the traced command's own status, or 3 when an
 * objective (--slo) failed and the command did not. */
int run_command(const struct collector *const *all, size_t n, const struct collector *c,
		int argc, char **argv);
/* `tailtrace record --func PROBE --sched ...`: several collectors over one target, each
 * with its options prefixed by its name (--sched-by tid). */
int run_record(const struct collector *const *all, size_t n, int argc, char **argv);

#endif
