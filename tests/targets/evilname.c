/* evilname K: names itself "\x1b[2Jevil\n" (a comm that clears a terminal and forges a line
 * break, as any process may), then sleeps 10 ms K times (default 20) under that name. */
#include <sys/prctl.h>
#include <time.h>
#include "busy.h"

int main(int argc, char **argv)
{
	long k = arg_or(argc, argv, 1, 20);
	struct timespec ts = { 0, 10000000 };

	if (prctl(PR_SET_NAME, "\x1b[2Jevil\n", 0, 0, 0))
		return 1;
	for (long i = 0; i < k; i++)
		nanosleep(&ts, NULL);
	return 0;
}
