/* delay USEC CALLS [--bimodal SLOWUSEC] [--fifo] [--cpu N]: calls work() CALLS times, each busy for
 * USEC microseconds, then exits 0. With --bimodal, every 50th call (2%) is busy for
 * SLOWUSEC instead: p99 and p99.9 move, p50 and p90 do not. The runs diff compares.
 * --fifo runs it SCHED_FIFO, so that what else the machine runs does not preempt the calls:
 * reruns then differ by what tailtrace and the kernel add, not by the neighbours' load.
 * --cpu N pins it to CPU N, away from tailtrace's own wake-ups when tailtrace is pinned
 * elsewhere. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "busy.h"

__attribute__((noinline)) void work(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	/* microseconds with a fraction: the sensitivity bench shifts 20 us by 1% */
	double us = argc > 1 ? strtod(argv[1], NULL) : 200, slow_us = -1;
	long calls = arg_or(argc, argv, 2, 2000);

	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--bimodal") && i + 1 < argc) {
			slow_us = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--fifo")) {
			struct sched_param sp = { .sched_priority = 1 };

			if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
				perror("delay: SCHED_FIFO");
				return 1;
			}
		} else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(atoi(argv[++i]), &set);
			if (sched_setaffinity(0, sizeof(set), &set)) {
				perror("delay: --cpu");
				return 1;
			}
		} else {
			slow_us = -2;
		}
	}
	if (us < 0 || calls < 0 || slow_us < -1) {
		fprintf(stderr, "usage: delay USEC CALLS [--bimodal SLOWUSEC] [--fifo] [--cpu N]\n");
		return 2;
	}
	for (long i = 0; i < calls; i++)
		work((long)((slow_us >= 0 && i % 50 == 49 ? slow_us : us) * 1000));
	return 0;
}
