/* inlined SECONDS: main -> work, spinning for SECONDS (default 2) in leaf_mix, a static
 * inline function that -O2 puts into work: nearly every sample is in leaf_mix's loop, at
 * INLINED_LEAF_LINE, inlined at work's INLINED_CALL_LINE (inlined_lines.h). Built with -g -O2
 * (inlined), and also stripped with its debug file apart (inlined-stripped, Makefile): by
 * build id under inlined.debugdir/, and by .gnu_debuglink (inlined-linked, and inlined-badcrc
 * whose debug file does not match its CRC). Prints "ready" on stderr once spinning. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include "busy.h"
#include "inlined_lines.h"

static volatile sig_atomic_t stop;
volatile unsigned long inlined_sink;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

/* 64 rounds of an LCG: long enough that the loop test in work is a small share. */
static inline __attribute__((always_inline)) unsigned long leaf_mix(unsigned long x)
{
	/* the whole loop on one line: every instruction of it is that line */
	for (int i = 0; i < 64; i++) x = x * 6364136223846793005UL + 1442695040888963407UL + i;
	_Static_assert(__LINE__ - 1 == INLINED_LEAF_LINE, "the loop's line");
	return x;
}

__attribute__((noinline)) void work(void)
{
	unsigned long x = 1;

	while (!stop)
		x = leaf_mix(x);
	_Static_assert(__LINE__ - 1 == INLINED_CALL_LINE, "the call's line");
	inlined_sink = x;
}

int main(int argc, char **argv)
{
	signal(SIGALRM, on_alarm);
	alarm((unsigned int)arg_or(argc, argv, 1, 2));
	fprintf(stderr, "ready\n");
	work();
	return 0;
}
