#define _GNU_SOURCE
/* spinners T MS: T threads (default 3) pinned to CPU 0 spin for MS milliseconds (default
 * 1000), so they preempt one another. Each prints, as it ends, its tid and the kernel's
 * count of its involuntary context switches: "tid N nonvoluntary M". */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "busy.h"

static long ms;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void *spin(void *arg)
{
	char path[64], line[256];
	long tid = syscall(SYS_gettid);
	FILE *f;

	(void)arg;
	spin_ns((uint64_t)ms * 1000000);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "nonvoluntary_ctxt_switches:", 27)) {
			pthread_mutex_lock(&print_lock);
			printf("tid %ld nonvoluntary %ld\n", tid, strtol(line + 27, NULL, 10));
			fflush(stdout);
			pthread_mutex_unlock(&print_lock);
		}
	}
	if (f)
		fclose(f);
	return NULL;
}

int main(int argc, char **argv)
{
	long t = arg_or(argc, argv, 1, 3);
	pthread_t tids[16];
	cpu_set_t one;

	ms = arg_or(argc, argv, 2, 1000);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);	/* inherited by the threads */
	if (t > 16)
		t = 16;
	for (long i = 0; i < t; i++)
		pthread_create(&tids[i], NULL, spin, NULL);
	for (long i = 0; i < t; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
