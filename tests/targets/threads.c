/* threads T N NS: T threads each call work() N times (NS busy each). Calls: T * N. */
#include <pthread.h>
#include "busy.h"

static long n, ns;

__attribute__((noinline)) void work(long d)
{
	spin_ns(d);
}

static void *thread_main(void *arg)
{
	(void)arg;
	for (long i = 0; i < n; i++)
		work(ns);
	return NULL;
}

int main(int argc, char **argv)
{
	long t = arg_or(argc, argv, 1, 4);
	pthread_t tids[64];

	n = arg_or(argc, argv, 2, 1000);
	ns = arg_or(argc, argv, 3, 10000);
	if (t > 64)
		t = 64;
	for (long i = 0; i < t; i++)
		pthread_create(&tids[i], NULL, thread_main, NULL);
	for (long i = 0; i < t; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
