// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "report/stack_names.h"

/* The stack series collectors emit today; any other is named by its metric. */
static const struct {
	const char *metric, *count, *weight;
} known[] = {
	{ "profile.cpu", "samples", "cpu" },
	{ "sched.offcpu_stack", "blocks", "off_cpu" },
};

static int find(const char *metric)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i].metric, metric))
			return (int)i;
	return -1;
}

const char *stack_count_name(const char *metric)
{
	int i = find(metric);

	return i < 0 ? "count" : known[i].count;
}

const char *stack_weight_name(const char *metric)
{
	int i = find(metric);

	return i < 0 ? metric : known[i].weight;
}

const char *stack_unit_name(const char *unit)
{
	return !strcmp(unit, "ns") ? "nanoseconds" : unit;
}

const char *frame_label(const struct frame *f, char *buf, size_t len)
{
	if (f->symbol)
		return f->symbol;
	if (f->module)
		/* a file's frame in brackets; the kernel's [vdso] has its own */
		snprintf(buf, len, f->module[0] == '[' ? "%s+0x%llx" : "[%s+0x%llx]", f->module,
			 (unsigned long long)(f->kind == FRAME_USER ? f->offset : f->addr));
	else
		snprintf(buf, len, "[unknown]");
	return buf;
}
