/* recurse N DEPTH NS: N times, rec(DEPTH) recurses down to 0; every level busy-waits NS
 * before recursing, so rec(k) takes (k + 1) * NS. Calls: N * (DEPTH + 1). */
#include "busy.h"

static long ns;

__attribute__((noinline)) int rec(int depth)
{
	spin_ns(ns);
	if (depth > 0)
		return rec(depth - 1) + 1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 100), depth = arg_or(argc, argv, 2, 4);
	int sum = 0;

	ns = arg_or(argc, argv, 3, 20000);
	for (long i = 0; i < n; i++)
		sum += rec((int)depth);
	return sum == n * depth ? 0 : 1;
}
