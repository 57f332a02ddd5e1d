/*
 * hostile SECONDS: what a host-wide profile must survive, for SECONDS (default 4), then every
 * part exits (and each dies with this process):
 *  - garbage: a thread whose stack pointer and frame pointer point into a buffer of random
 *    words (half of them addresses inside this program's code, so that an unwinder follows
 *    them), rewritten all the time by a second thread;
 *  - deep: a recursion 5,000 frames deep, spinning at the bottom;
 *  - storm: fork and exec of /bin/true in a loop, each a new process with new mappings.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "busy.h"

#define JUNK_WORDS 8192
#define DEPTH 5000

static volatile uint64_t junk[JUNK_WORDS];
static volatile int sink, stop;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *scribble(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull, code = (uint64_t)(uintptr_t)&xorshift;

	(void)arg;
	for (;;) {
		uint64_t r = xorshift(&s);

		junk[r % JUNK_WORDS] = r & 1 ? r : code + (r >> 8) % 4096;
	}
	return NULL;
}

/* Never returns: rsp and rbp in the junk, spinning in place. */
static void garbage(void)
{
	pthread_t t;

	pthread_create(&t, NULL, scribble, NULL);
	usleep(10000);
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "mov %1, %%rbp\n\t"
			 "1: jmp 1b\n\t"
			 : : "r"(&junk[JUNK_WORDS / 2]), "r"(&junk[JUNK_WORDS / 2 + 64]) : "memory");
}

__attribute__((noinline, optimize("O0"))) static int deep(int depth)
{
	volatile char pad[32];

	pad[0] = (char)depth;
	if (depth > 0)
		return deep(depth - 1) + pad[0] - (char)depth + 1;
	while (!stop)
		sink++;
	return 0;
}

static void storm(void)
{
	for (;;) {
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
	}
}

static pid_t part(void (*fn)(void))
{
	pid_t p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn();
		_exit(0);
	}
	return p;
}

static void run_deep(void)
{
	deep(DEPTH);
}

int main(int argc, char **argv)
{
	long secs = arg_or(argc, argv, 1, 4);
	pid_t kids[3];

	kids[0] = part(garbage);
	kids[1] = part(run_deep);
	kids[2] = part(storm);
	printf("hostile: garbage %d deep %d storm %d\n", kids[0], kids[1], kids[2]);
	fflush(stdout);
	sleep((unsigned int)secs);
	for (int i = 0; i < 3; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	for (int i = 0; i < 3; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
	return 0;
}
