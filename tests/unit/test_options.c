/* Durations and probe specs as typed on the command line. */
#include <criterion/criterion.h>
#include <errno.h>
#include "model/duration.h"
#include "uprobe/probe_spec.h"

Test(duration, parses_units)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} ok[] = {
		{ "100ns", 100 }, { "250us", 250000 }, { "1.5ms", 1500000 }, { "5s", 5000000000ull },
		{ "2m", 120000000000ull }, { "10", 10000000000ull }, { "0.5", 500000000 },
		{ "0ms", 0 }, { "1h", 3600000000000ull },
	};
	uint64_t ns;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(duration_parse(ok[i].s, 1000000000ull, &ns), 0, "'%s'", ok[i].s);
		cr_assert_eq(ns, ok[i].ns, "'%s' gave %llu", ok[i].s, (unsigned long long)ns);
	}
}

Test(duration, rejects_garbage)
{
	static const char *bad[] = { "", "5x", "-1ms", "ms", "1 ms", " 1ms", "1e", "0x10",
				     "inf", "nan", "+5s", "1.2.3s", "5ss" };
	uint64_t ns;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(duration_parse(bad[i], 1, &ns), -EINVAL, "'%s' accepted", bad[i]);
	cr_assert_eq(duration_parse("1e30s", 1, &ns), -ERANGE);
}

Test(duration, formats_for_people)
{
	char b[32];

	cr_assert_str_eq(duration_format(0, b, sizeof(b)), "0 ns");
	cr_assert_str_eq(duration_format(999, b, sizeof(b)), "999 ns");
	cr_assert_str_eq(duration_format(1234, b, sizeof(b)), "1.23 us");
	cr_assert_str_eq(duration_format(12345678, b, sizeof(b)), "12.3 ms");
	cr_assert_str_eq(duration_format(123456789, b, sizeof(b)), "123 ms");
	cr_assert_str_eq(duration_format(2500000000ull, b, sizeof(b)), "2.50 s");
}

Test(probe_spec, splits_binary_and_glob)
{
	struct probe_spec p;
	char err[128];

	cr_assert_eq(probe_spec_parse("libc:malloc", &p, err, sizeof(err)), 0);
	cr_assert_str_eq(p.binary, "libc");
	cr_assert_str_eq(p.pattern, "malloc");
	probe_spec_free(&p);

	cr_assert_eq(probe_spec_parse("./app:handle_*", &p, err, sizeof(err)), 0);
	cr_assert_str_eq(p.binary, "./app");
	cr_assert_str_eq(p.pattern, "handle_*");
	cr_assert(probe_spec_is_glob(p.pattern));
	probe_spec_free(&p);

	cr_assert_eq(probe_spec_parse("/opt/a:b/app:sqlite3_[sr]*", &p, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(p.binary, "/opt/a:b/app", "the last ':' splits");
	cr_assert_str_eq(p.pattern, "sqlite3_[sr]*");
	probe_spec_free(&p);

	cr_assert_eq(probe_spec_parse("work", &p, err, sizeof(err)), 0);
	cr_assert_null(p.binary);
	cr_assert_str_eq(p.pattern, "work");
	cr_assert_not(probe_spec_is_glob(p.pattern));
	probe_spec_free(&p);

	cr_assert_eq(probe_spec_parse("libc:memcpy@GLIBC_2.2.5", &p, err, sizeof(err)), 0);
	cr_assert_str_eq(p.pattern, "memcpy@GLIBC_2.2.5");
	probe_spec_free(&p);

	/* C++ and Rust names: "::" is a scope, never the split */
	cr_assert_eq(probe_spec_parse("std::sort*", &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(p.binary);
	cr_assert_str_eq(p.pattern, "std::sort*");
	probe_spec_free(&p);
	cr_assert_eq(probe_spec_parse("libstdc++:std::vector<int, std::allocator<int> >::~vector",
				      &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p.binary, "libstdc++");
	cr_assert_str_eq(p.pattern, "std::vector<int, std::allocator<int> >::~vector");
	probe_spec_free(&p);
	cr_assert_eq(probe_spec_parse("./app:a:b", &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p.binary, "./app:a");
	probe_spec_free(&p);
	cr_assert_eq(probe_spec_parse("app:a:::b", &p, err, sizeof(err)), -EINVAL,
		     "':::' is no C++ name");
}

Test(probe_spec, rejects_bad_specs)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "", "no function" }, { "libc:", "no function" }, { ":malloc", "nothing before" },
		{ "app:a b", "cannot be part" }, { "app:foo[", "not closed" },
		{ "app:f(x)", "cannot be part" },
	};
	struct probe_spec p;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(probe_spec_parse(bad[i].s, &p, err, sizeof(err)), -EINVAL, "'%s'",
			     bad[i].s);
		cr_assert(strstr(err, bad[i].why), "'%s': message '%s'", bad[i].s, err);
	}
}
