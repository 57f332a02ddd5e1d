/* sleeper K MS: sleeps exactly MS milliseconds (default 5), K times (default 200). */
#include <time.h>
#include "busy.h"

int main(int argc, char **argv)
{
	long k = arg_or(argc, argv, 1, 200), ms = arg_or(argc, argv, 2, 5);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	for (long i = 0; i < k; i++)
		nanosleep(&ts, NULL);
	return 0;
}
