/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Userspace side of bpf/slots.bpf.h: the keys of a collector's histogram slots. */
#ifndef TAILTRACE_SLOTS_H
#define TAILTRACE_SLOTS_H

#include <stddef.h>
#include <stdint.h>

/* Calls fn(ctx, key, slot) for every key of the slots map fd (keys of key_size bytes) whose
 * slot is below max_slots; stops at fn's first error and returns it, else 0. */
int slots_for_each(int fd, size_t key_size, uint32_t max_slots,
		   int (*fn)(void *ctx, const void *key, uint32_t slot), void *ctx);

#endif
