/* demo: the workload `make run` traces. A toy request loop for about 2.5 seconds:
 * parse (fast), lookup (mostly fast, 1 in 10 slow: a bimodal tail), render (steady), and
 * compress in the shared library. */
#include <stdio.h>
#include "busy.h"

void ttlib_work(long ns);

__attribute__((noinline)) void demo_parse(void)
{
	spin_ns(3000);
}

__attribute__((noinline)) void demo_lookup(unsigned i)
{
	spin_ns(i % 10 == 0 ? 900000 : 40000 + (i * 7919) % 20000);
}

__attribute__((noinline)) void demo_render(void)
{
	spin_ns(150000);
}

__attribute__((noinline)) void demo_request(unsigned i)
{
	demo_parse();
	demo_lookup(i);
	demo_render();
	ttlib_work(20000);
}

int main(int argc, char **argv)
{
	uint64_t end = now_ns() + (uint64_t)arg_or(argc, argv, 1, 2500) * 1000000ull;
	unsigned i = 0;

	while (now_ns() < end)
		demo_request(i++);
	printf("demo: served %u requests\n", i);
	return 0;
}
