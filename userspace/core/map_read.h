/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading collectors' maps from userspace. */
#ifndef TAILTRACE_MAP_READ_H
#define TAILTRACE_MAP_READ_H

#include <stdint.h>
#include <linux/types.h>
#include "abi/hist.h"

/* out[k] = the sum over CPUs of key k of a per-CPU array of u64, for k < n (0 where a key
 * cannot be read). */
void map_percpu_sums(int fd, uint32_t n, uint64_t *out);

/* Histogram idx of an array of them, into out. The arrays are read, not mmapped: a mapping
 * makes every page of the array (megabytes) part of tailtrace's memory for the whole run.
 * 0 or -errno. */
int map_read_hist(int fd, uint32_t idx, struct hist *out);

#endif
