/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TAILTRACE_CLOCK_H
#define TAILTRACE_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns) and CLOCK_REALTIME, in ns. */
uint64_t mono_now_ns(void);
uint64_t unix_now_ns(void);

#endif
