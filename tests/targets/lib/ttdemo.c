/* libttdemo.so: a shared library function of known duration. Built a second time with
 * TTDEMO_V2 (libttdemo-v2.so), a new version whose functions sit at other offsets: what a
 * package upgrade puts in place of a library that running processes still map. */
#include "../busy.h"

#ifdef TTDEMO_V2
__attribute__((noinline)) long ttlib_version(long x)
{
	volatile long v = x;

	for (int i = 0; i < 16; i++)
		v = v * 31 + i;
	return v;
}
#endif

__attribute__((noinline)) void ttlib_work(long ns)
{
	spin_ns(ns);
}
