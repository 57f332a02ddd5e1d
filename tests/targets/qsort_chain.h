/* The middle of a stack through libc: a -> b -> qsort -> cmp (or another comparison given to
 * a) -> c, where c (the program's own) does the work. Each caller has work left after its call, so none is a tail call and every
 * frame stays, also at -O2. */
#ifndef TT_TARGET_QSORT_CHAIN_H
#define TT_TARGET_QSORT_CHAIN_H

#include <stdlib.h>

int c(int x);

__attribute__((noinline)) int cmp(const void *pa, const void *pb)
{
	int r = c(*(const int *)pa) - c(*(const int *)pb);

	__asm__ volatile("" : : : "memory");
	return r;
}

__attribute__((noinline)) int b(int *v, int n, int (*compare)(const void *, const void *))
{
	qsort(v, n, sizeof(*v), compare);
	__asm__ volatile("" : : : "memory");
	return v[0] + v[n - 1];
}

__attribute__((noinline)) int a(int seed, int (*compare)(const void *, const void *))
{
	int v[32];

	for (int i = 0; i < 32; i++)
		v[i] = (seed * 7919 + i * 104729) % 1000;
	return b(v, 32, compare) + 1;
}

#endif
