/* mangled MS: main -> handle -> spin for MS milliseconds, where handle and spin carry the
 * names a C++ and a Rust compiler would give them (redis::Server::handle, and Rust's v0
 * mycrate::spin), so that their frames show whether names are demangled; then Foo's two
 * destructors (D0 and D1), which demangle alike, once each. */
#include <stdio.h>
#include "busy.h"

__attribute__((noinline)) void spin(long ms) __asm__("_RNvCs15kBYyAo9fc_7mycrate4spin");
__attribute__((noinline)) void handle(long ms) __asm__("_ZN5redis6Server6handleEl");

__attribute__((noinline)) void dtor_deleting(void) __asm__("_ZN3FooD0Ev");
__attribute__((noinline)) void dtor_complete(void) __asm__("_ZN3FooD1Ev");

void dtor_deleting(void)
{
	__asm__ volatile("" ::: "memory");
}

void dtor_complete(void)
{
	__asm__ volatile("nop" ::: "memory");
}

void spin(long ms)
{
	spin_ns((uint64_t)ms * 1000000);
}

void handle(long ms)
{
	spin(ms);
	__asm__ volatile("" ::: "memory");	/* not a tail call */
}

int main(int argc, char **argv)
{
	handle(arg_or(argc, argv, 1, 1000));
	dtor_complete();
	dtor_deleting();
	return 0;
}
