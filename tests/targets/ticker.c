/* ticker MS SECONDS: calls tick() (MS busy) then sleeps MS, for SECONDS (default: until
 * killed); the long-running process that -p tests attach to. */
#include <unistd.h>
#include "busy.h"

__attribute__((noinline)) void tick(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	long ms = arg_or(argc, argv, 1, 5), secs = arg_or(argc, argv, 2, 0);
	uint64_t end = now_ns() + (uint64_t)secs * 1000000000ull;

	while (!secs || now_ns() < end) {
		tick(ms * 1000000);
		usleep(ms * 1000);
	}
	return 0;
}
