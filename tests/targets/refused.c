/* refused N: calls probe_me(), locked() and stepped() N times each. locked() starts with a
 * lock-prefixed instruction, which the kernel refuses to probe: a tracer must skip it and
 * go on. stepped() starts with lea, which the kernel single-steps (probe_me: push). */
#include "busy.h"

int counter;

__attribute__((naked, noinline)) void locked(void)
{
	__asm__("lock incl counter(%rip)\n\tret");
}

__attribute__((naked, noinline)) int stepped(int x)
{
	__asm__("lea 1(%rdi), %eax\n\tret");
}

__attribute__((noinline)) void probe_me(long ns)
{
	spin_ns(ns);
}

int main(int argc, char **argv)
{
	long n = arg_or(argc, argv, 1, 10);

	for (long i = 0; i < n; i++) {
		locked();
		probe_me(1000);
		counter += stepped((int)i) - (int)i - 1;
	}
	return counter == n ? 0 : 1;
}
