/* jumper N: N times, outer() calls inner(), which longjmps back out of both: neither
 * returns. Then done() is called N times normally. The tracer must drop the abandoned
 * frames and still time done() exactly N times. */
#include <setjmp.h>
#include "busy.h"

static jmp_buf env;

__attribute__((noinline)) void inner(void)
{
	spin_ns(1000);
	longjmp(env, 1);
}

__attribute__((noinline)) void outer(void)
{
	inner();
	spin_ns(1000);
}

__attribute__((noinline)) void done(void)
{
	spin_ns(100000);
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 50);

	for (long i = 0; i < n; i++) {
		if (!setjmp(env))
			outer();
		done();
	}
	return 0;
}
