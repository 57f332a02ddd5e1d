/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unwound user stacks counted by process, thread name, kernel stack id, whether the walk
 * reached the thread's start, and the return addresses: what a sampler that unwinds in
 * userspace keeps between reads, as the kernel's count map does for frame-pointer stacks.
 * Bounded: at most max distinct stacks, a new one past that is refused (the caller counts it
 * as a drop); the memory is max x (the entry and its addresses) at most.
 */
#ifndef TAILTRACE_STACK_COUNTS_H
#define TAILTRACE_STACK_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STACK_COUNTS_COMM_LEN 16

struct stack_count {
	uint32_t pid;
	int32_t kstack;				/* the kernel stack's id, < 0: none */
	uint32_t tag;				/* the caller's: what else tells stacks apart
						 * (func's function, profile --wall's state) */
	uint32_t pystack;			/* the Python frames' id, 0: none */
	char comm[STACK_COUNTS_COMM_LEN];	/* not always terminated */
	bool complete;				/* the unwinder reached the thread's start */
	uint32_t n;				/* addresses in ips, leaf first */
	uint64_t *ips;
	uint64_t count;
	uint64_t value;				/* the sum of the values added (ns) */
	uint64_t hash;
};

struct stack_counts;

/* At most max distinct stacks (> 0). NULL: no memory. */
struct stack_counts *stack_counts_new(size_t max);
void stack_counts_free(struct stack_counts *c);

/* One more sample of the stack key (its count ignored; its value added) with key->n
 * addresses in key->ips (copied). 0, -ENOSPC when it is new and max are held already, -ENOMEM. */
int stack_counts_add(struct stack_counts *c, const struct stack_count *key);

/* The distinct stacks held, in the order first seen. */
size_t stack_counts_len(const struct stack_counts *c);
const struct stack_count *stack_counts_at(const struct stack_counts *c, size_t i);

#endif
