// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

/* Whether two frames are the same function: by name where it is known (return addresses
 * differ with the call site), else by module and address. */
static bool same_function(const struct frame *a, const struct frame *b)
{
	if (a->kind != b->kind || !!a->symbol != !!b->symbol)
		return false;
	if (a->symbol)
		return !strcmp(a->symbol, b->symbol);
	return a->addr == b->addr;
}

static bool same_stack(const struct stack *a, const struct stack *b)
{
	if (a->nframes != b->nframes || !labels_equal(&a->labels, &b->labels))
		return false;
	for (size_t i = 0; i < a->nframes; i++)
		if (!same_function(&a->frames[i], &b->frames[i]))
			return false;
	return true;
}

void series_merge_stacks(struct series *se)
{
	size_t n = 0;

	for (size_t i = 0; i < se->nstacks; i++) {
		size_t j;

		for (j = 0; j < n && !same_stack(&se->stacks[j], &se->stacks[i]); j++)
			;
		if (j < n) {
			se->stacks[j].value += se->stacks[i].value;
			se->stacks[j].count += se->stacks[i].count;
			stack_free(&se->stacks[i]);
		} else {
			se->stacks[n++] = se->stacks[i];
		}
	}
	se->nstacks = n;
}
