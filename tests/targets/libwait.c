/* libwait N NS: says "ready" on stderr, waits for SIGUSR1, then calls ttlib_work() in
 * libttdemo.so exactly N times, NS busy each, and exits: a process whose library can be
 * replaced on disk, and traced, before it makes its calls. */
#include <signal.h>
#include <stdio.h>
#include "busy.h"

void ttlib_work(long ns);

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100), ns = arg_or(argc, argv, 2, 50000);
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fprintf(stderr, "ready\n");
	if (sigwait(&set, &sig))
		return 1;
	for (long i = 0; i < n; i++)
		ttlib_work(ns);
	fprintf(stderr, "done\n");
	return 0;
}
