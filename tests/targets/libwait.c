/* libwait N NS: says "ready" on stderr, waits for SIGUSR1, then calls ttlib_work() in
 * libttdemo.so exactly N times, NS busy each, and exits: a process whose library can be
 * replaced on disk, and traced, before it makes its calls. Without the signal in 60 s (a
 * test that failed before sending it), it exits 1 rather than linger. */
#include <signal.h>
#include <stdio.h>
#include "busy.h"

void ttlib_work(long ns);

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100), ns = arg_or(argc, argv, 2, 50000);
	struct timespec limit = { 60, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fprintf(stderr, "ready\n");
	if (sigtimedwait(&set, NULL, &limit) != SIGUSR1)
		return 1;
	for (long i = 0; i < n; i++)
		ttlib_work(ns);
	fprintf(stderr, "done\n");
	return 0;
}
