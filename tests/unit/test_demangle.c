/* C++ and Rust names shown as written, what is not mangled left alone, and crafted names
 * refused or bounded. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "symbols/demangle.h"

static void expect(const char *in, const char *want)
{
	char *got = demangle(in);

	if (!want)
		cr_expect_null(got, "%s: %s", in, got);
	else
		cr_expect(got && !strcmp(got, want), "%s:\n  got      %s\n  expected %s", in,
			  got ? got : "(null)", want);
	free(got);
}

Test(demangle, cpp_and_rust)
{
	expect("_ZN5redis6Server6handleEv", "redis::Server::handle");
	expect("_ZSt4sortIN9__gnu_cxx17__normal_iteratorIPiSt6vectorIiSaIiEEEEEvT_S7_",
	       "std::sort<__gnu_cxx::__normal_iterator<int*, std::vector<int, "
	       "std::allocator<int> > > >");
	/* Rust's legacy names lose their hash, v0 names read as paths */
	expect("_ZN7mycrate7example17h0123456789abcdefE", "mycrate::example");
	expect("_RNvCs15kBYyAo9fc_7mycrate7example", "mycrate::example");
	/* a version suffix stays */
	expect("_ZNSt6chrono3_V212system_clock3nowEv@@GLIBCXX_3.4.19",
	       "std::chrono::_V2::system_clock::now@@GLIBCXX_3.4.19");
}

Test(demangle, what_is_not_mangled_stays)
{
	expect("main", NULL);
	expect("_start", NULL);
	expect("_Z", NULL);
	expect("_Zgarbage", NULL);
	expect("_R", NULL);
	expect("", NULL);
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

/* A symbol table is anyone's: a name longer than the limit is left as it is, and names nested
 * thousands deep or built to expand exponentially cost little and crash nothing. */
Test(demangle, crafted_names_are_bounded)
{
	size_t n = 200000;
	char *s = malloc(n + 1);
	struct timespec t;
	char *got;

	cr_assert(s);
	/* over DEMANGLE_MAX_IN: never given to the demangler */
	memset(s, 'P', n);
	memcpy(s, "_Z1f", 4);
	memcpy(s + n - 2, "iv", 2);
	s[n] = 0;
	expect(s, NULL);
	/* f(int**...*) with 4,000 pointers, within the limit: past the demangler's recursion
	 * limit, left mangled, quickly */
	s[DEMANGLE_MAX_IN - 2] = 'i';
	s[DEMANGLE_MAX_IN - 1] = 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	got = demangle(s);
	cr_expect_lt(ms_since(&t), 500, "a deep name took %.0f ms", ms_since(&t));
	free(got);
	/* templates whose arguments refer back to the template: each S_ doubles the output */
	clock_gettime(CLOCK_MONOTONIC, &t);
	got = demangle("_Z1fIS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_EEEEEEEEEEEEEEEEEEEEEv");
	cr_expect_lt(ms_since(&t), 500, "a self-referring name took %.0f ms", ms_since(&t));
	free(got);
	free(s);
}
