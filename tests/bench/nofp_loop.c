// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The profile benchmark's workload: a fixed amount of CPU-bound work with no frame pointers
 * (built -O2 -fomit-frame-pointer, as distributions build), main -> a -> b -> qsort (libc)
 * -> cmp -> c, as tests/targets/nofp_qsort. Prints "ready", waits for a line on stdin (so
 * that a profiler attaches first), runs argv[1] rounds, prints "elapsed_ns N cpu_ns M" and
 * waits for the end of stdin before it exits (so that a profiler that symbolizes at its own
 * end still finds the process).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "busy.h"
#include "qsort_chain.h"

static volatile uint64_t sink;

__attribute__((noinline)) int c(int x)
{
	for (int i = 0; i < 2000; i++)
		sink += (uint64_t)x * i;
	return x;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long rounds = arg_or(argc, argv, 1, 1000);
	uint64_t t0, c0;
	char line[16];

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t0 = now_ns();
	c0 = cpu_ns();
	for (long i = 0; i < rounds; i++)
		sink += a((int)i, cmp);
	printf("elapsed_ns %llu cpu_ns %llu\n", (unsigned long long)(now_ns() - t0),
	       (unsigned long long)(cpu_ns() - c0));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
