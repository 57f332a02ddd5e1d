/* cet N NS: like count, built with -fcf-protection so work() starts with endbr64, the
 * instruction the kernel must single-step; tailtrace probes just past it. */
#include "busy.h"

__attribute__((noinline)) void work(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 300), ns = arg_or(argc, argv, 2, 100000);

	for (long i = 0; i < n; i++)
		work(ns);
	return 0;
}
