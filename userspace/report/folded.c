// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "report/folded.h"

int report_folded_write(FILE *f, const struct snapshot *s)
{
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];
		const char *stack = labels_get(&se->labels, "stack");
		const char *comm = labels_get(&se->labels, "comm");
		uint64_t v = se->value;

		if (se->kind != SERIES_COUNTER || !stack)
			continue;
		if (!strcmp(se->unit, "ns"))
			v = (v + 500) / 1000;
		fprintf(f, "%s%s%s %llu\n", comm ? comm : "", comm && *stack ? ";" : "", stack,
			(unsigned long long)v);
	}
	return ferror(f) ? -EIO : 0;
}
