/* callers [N]: work() is fast (no wait) when caller_a calls it and slow (a 2 ms sleep) when
 * caller_b does; main alternates caller_a and caller_b N times each (default 20), so that
 * exactly N calls of work are slow and every one of them comes from caller_b. Prints
 * "done" on stderr at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long fast_sum;

__attribute__((noinline)) void work(int slow)
{
	if (slow) {
		struct timespec ts = { 0, 2000000 };

		nanosleep(&ts, NULL);
	} else {
		fast_sum++;
	}
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void caller_a(void)
{
	work(0);
	__asm__ volatile("" ::: "memory");	/* not a tail call: caller_a stays on the stack */
}

__attribute__((noinline)) void caller_b(void)
{
	work(1);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20;

	for (int i = 0; i < n; i++) {
		caller_a();
		caller_b();
	}
	fprintf(stderr, "done\n");
	return 0;
}
