// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A CPU-bound program with no frame pointers (built -O2 -fomit-frame-pointer, as
 * distributions build): main -> a -> b -> qsort (libc) -> cmp -> c, nearly all of its time
 * spinning in c. Runs for argv[1] seconds (default 3); prints "ready" once started.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "busy.h"
#include "qsort_chain.h"

static volatile uint64_t sink;

__attribute__((noinline)) int c(int x)
{
	/* about 50 us of work per comparison: the samples land here */
	for (int i = 0; i < 20000; i++)
		sink += (uint64_t)x * i;
	return x;
}

int main(int argc, char **argv)
{
	uint64_t end = now_ns() + arg_or(argc, argv, 1, 3) * 1000000000ull;
	int seed = 1;

	printf("ready\n");
	fflush(stdout);
	while (now_ns() < end)
		sink += a(seed++, cmp);
	return 0;
}
