/* spinsleep [MS]: one thread that spins on the CPU for MS milliseconds (default 1000) in
 * spin(), then sleeps as long in sleeper() (nanosleep), then exits: its wall time is half
 * running, half blocked, each under a function of its own. Prints "elapsed_ns N" at the end:
 * the time from the start of spin to the end of sleeper. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

__attribute__((noinline)) void spin(unsigned long long ns)
{
	unsigned long long end = now_ns() + ns;
	volatile unsigned long n = 0;

	while (now_ns() < end)
		n++;
}

__attribute__((noinline)) void sleeper(unsigned long long ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
	__asm__ volatile("" ::: "memory");	/* not a tail call: sleeper stays on the stack */
}

int main(int argc, char **argv)
{
	unsigned long long ns = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1000) * 1000000ull;
	unsigned long long t0 = now_ns();

	spin(ns);
	sleeper(ns);
	fprintf(stderr, "elapsed_ns %llu\n", now_ns() - t0);
	return 0;
}
