/* libttdemo.so: a shared library function of known duration. */
#include "../busy.h"

__attribute__((noinline)) void ttlib_work(long ns)
{
	spin_ns(ns);
}
