// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <time.h>
#include "core/clock.h"

static uint64_t now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t mono_now_ns(void)
{
	return now(CLOCK_MONOTONIC);
}

uint64_t unix_now_ns(void)
{
	return now(CLOCK_REALTIME);
}
