/* chain SECONDS [THREADS]: main -> a -> b -> c, and c spins on the CPU for SECONDS
 * (default 2) in a loop of its own, calling nothing, so that every sample of it lands in c
 * under that exact nesting. With THREADS > 0, as many threads run the same chain beside the
 * main one (start_thread -> chain_thread -> a -> b -> c). Prints "ready" on stderr once
 * spinning, and at the end "cpu_ns N": the CPU time all its threads used.
 * Also built static (chain-static), so that libc's start functions have symbols there. */
#include <pthread.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "busy.h"

static volatile sig_atomic_t stop;
static volatile unsigned long spins;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

/* A counter on the stack gives c a frame of its own (GCC leaves a leaf without one whatever
 * -fno-omit-frame-pointer says), so a frame-pointer walk finds b as its caller. */
__attribute__((noinline)) void c(void)
{
	volatile unsigned long local = 0;

	while (!stop)
		local++;
	spins = local;
}

__attribute__((noinline)) void b(void)
{
	c();
	__asm__ volatile("" ::: "memory");	/* not a tail call: b stays on the stack */
}

__attribute__((noinline)) void a(void)
{
	b();
	__asm__ volatile("" ::: "memory");
}

static void *chain_thread(void *arg)
{
	(void)arg;
	a();
	return NULL;
}

int main(int argc, char **argv)
{
	long seconds = arg_or(argc, argv, 1, 2), threads = arg_or(argc, argv, 2, 0);
	struct sigaction sa = { .sa_handler = on_alarm };
	pthread_t tids[8];

	if (threads > 8)
		threads = 8;
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)seconds);
	for (long i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, chain_thread, NULL);
	fprintf(stderr, "ready\n");
	a();
	for (long i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "cpu_ns %llu\n",
			(unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
			(unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull);
	}
	return 0;
}
