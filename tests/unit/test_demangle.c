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

/* A symbol table is anyone's: a name nested thousands deep, or longer than the limit, costs
 * little and crashes nothing. */
Test(demangle, crafted_names_are_bounded)
{
	size_t n = 200000;
	char *s = malloc(n + 1);
	struct timespec a, b;
	char *got;

	cr_assert(s);
	memset(s, 'P', n);
	memcpy(s, "_Z1fI", 5);
	s[n] = 0;
	expect(s, NULL);	/* over DEMANGLE_MAX_IN */
	/* pointers to pointers ... 4000 deep, within the limit */
	memset(s, 'P', DEMANGLE_MAX_IN);
	memcpy(s, "_Z1fv", 5);
	memcpy(s, "_Z1f", 4);
	s[DEMANGLE_MAX_IN - 2] = 'i';
	s[DEMANGLE_MAX_IN - 1] = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	got = demangle(s);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_expect_lt((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6, 500,
		     "a deep name took too long");
	free(got);
	/* templates of templates, each referring back: a name that expands exponentially */
	got = demangle("_Z1fIS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_IS_EEEEEEEEEEEEEEEEEEEEEv");
	free(got);
	free(s);
}
