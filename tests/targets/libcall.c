/* libcall N NS: calls ttlib_work() in libttdemo.so exactly N times, NS busy each. */
#include "busy.h"

void ttlib_work(long ns);

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 300), ns = arg_or(argc, argv, 2, 50000);

	for (long i = 0; i < n; i++)
		ttlib_work(ns);
	return 0;
}
