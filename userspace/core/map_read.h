/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading collectors' maps from userspace. */
#ifndef TAILTRACE_MAP_READ_H
#define TAILTRACE_MAP_READ_H

#include <stdint.h>

/* out[k] = the sum over CPUs of key k of a per-CPU array of u64, for k < n (0 where a key
 * cannot be read). */
void map_percpu_sums(int fd, uint32_t n, uint64_t *out);

#endif
