/* caller FUNC N: calls bench_push or bench_endbr N times and prints the ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bench_push(void);
void bench_endbr(void);

int main(int argc, char **argv)
{
	void (*f)(void) = argc > 1 && !strcmp(argv[1], "endbr") ? bench_endbr : bench_push;
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		f();
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
