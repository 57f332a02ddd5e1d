/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the stack formats (svg, pprof) call a stack series' count and weight, and a frame. */
#ifndef TAILTRACE_STACK_NAMES_H
#define TAILTRACE_STACK_NAMES_H

#include <stddef.h>
#include "model/model.h"

/* What a stack's count counts: "samples" (profile), "blocks" (off-CPU), else "count". */
const char *stack_count_name(const char *metric);
/* What its weight is, as pprof names sample types: "cpu", "off_cpu", else the metric. */
const char *stack_weight_name(const char *metric);
/* pprof's name of a unit: "nanoseconds" for "ns", the others as they are. */
const char *stack_unit_name(const char *unit);
/* A frame's name as given (not escaped): its symbol, else "[module+0xoffset]" (a user frame:
 * the offset in the module's file, the same in every process; a kernel one: its address),
 * else "[unknown]". In buf when it is not the symbol. */
const char *frame_label(const struct frame *f, char *buf, size_t len);

#endif
