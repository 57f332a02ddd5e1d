/* count N NS: calls work() exactly N times, each busy for NS nanoseconds (default 500 x
 * 200us), then exits 0. other() is called N/2 times for 100us. */
#include <stdio.h>
#include "busy.h"

__attribute__((noinline)) void work(long ns)
{
	spin_ns(ns);
}

__attribute__((noinline)) void other(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 500), ns = arg_or(argc, argv, 2, 200000);

	for (long i = 0; i < n; i++) {
		work(ns);
		if (i % 2)
			other(100000);
	}
	return 0;
}
