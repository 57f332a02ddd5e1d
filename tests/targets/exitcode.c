/* exitcode N CODE: calls work() N times (10us each), then exits with CODE. */
#include "busy.h"

__attribute__((noinline)) void work(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 3);

	for (long i = 0; i < n; i++)
		work(10000);
	return (int)arg_or(argc, argv, 2, 0);
}
