/* work, called argv[1] times, and beside it work.cold: the name GCC gives a part of a
 * function it moves out of line (its unlikely paths), jumped to and never called. */
#include <stdio.h>
#include <stdlib.h>

__asm__(".pushsection .text.unlikely,\"ax\",@progbits\n"
	".type work.cold, @function\n"
	"work.cold:\n"
	"	ud2\n"
	".size work.cold, .-work.cold\n"
	".popsection\n");

__attribute__((noinline)) int work(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 2;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	long s = 0;

	for (int i = 0; i < n; i++)
		s += work(i);
	fprintf(stderr, "%ld\n", s);
	return 0;
}
