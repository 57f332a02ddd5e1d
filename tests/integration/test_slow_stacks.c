/* func --slower-than DUR --stacks on the callers target: work() is slow only when caller_b
 * calls it, so every slow call's stack must hold caller_b, and none caller_a. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

/* Whether frames (a JSON array, leaf first) hold a frame of symbol, and at which index. */
static int frame_index(const struct json_value *frames, const char *symbol)
{
	for (size_t i = 0; i < json_array_len(frames); i++) {
		const char *s = json_as_string(json_get(json_array_at(frames, i), "symbol"), NULL);

		if (s && !strcmp(s, symbol))
			return (int)i;
	}
	return -1;
}

Test(slow_stacks, every_slow_call_comes_from_caller_b)
{
	struct run r;
	struct json_value *j;
	const struct json_value *events, *s, *stacks;
	uint64_t slow = 0, weight = 0, count = 0;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "--slower-than", "1ms", "--stacks",
					"--format", "json", "--", TG("callers"), "40", NULL });
	s = find_series(j, "func.latency", "func", "work");
	cr_assert(s, "a func.latency series for work");
	cr_assert_eq(json_u64_at(s, "count"), 80, "40 fast and 40 slow calls of work");
	events = json_get(j, "events");
	for (size_t i = 0; i < json_array_len(events); i++) {
		const struct json_value *e = json_array_at(events, i);
		const struct json_value *frames = json_get(json_get(e, "stack"), "frames");
		int w, b;

		cr_assert(frames, "slow call %zu has a stack", i);
		w = frame_index(frames, "work");
		b = frame_index(frames, "caller_b");
		cr_assert_eq(w, 0, "slow call %zu: work is the leaf frame", i);
		cr_assert_eq(b, 1, "slow call %zu: caller_b called it", i);
		cr_assert_gt(frame_index(frames, "main"), b, "slow call %zu: main above caller_b", i);
		cr_assert_lt(frame_index(frames, "caller_a"), 0, "slow call %zu: no caller_a", i);
		cr_assert_geq(json_u64_at(e, "duration_ns"), 1000000);
		slow++;
	}
	cr_assert_eq(slow, 40, "exactly the 40 calls from caller_b are slow (got %llu)",
		     (unsigned long long)slow);
	s = find_series(j, "func.slow_stack", NULL, NULL);
	cr_assert(s, "a func.slow_stack series");
	stacks = json_get(s, "stacks");
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);

		cr_assert_eq(frame_index(json_get(st, "frames"), "caller_b"), 1);
		weight += json_u64_at(st, "value");
		count += json_u64_at(st, "count");
	}
	cr_assert_eq(count, 40, "the stacks count the 40 slow calls");
	cr_assert_geq(weight, 40 * 2000000ull, "their weight is their time (2 ms sleeps)");
	cr_assert_lt(weight, 40 * 2000000ull * 3, "their weight is their time, not more");
	cr_assert_eq(json_u64_at(json_get(j, "drops"), "stack_missing"), 0);
	json_free(j);
	run_free(&r);
}

Test(slow_stacks, folded_output_is_the_slow_calls_by_stack)
{
	struct run r;
	unsigned long long us = 0, total = 0;
	char *line, *save = NULL;
	int lines = 0;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--slower-than", "1ms", "--stacks",
				    "--format", "folded", "--", TG("callers"), "30", NULL });
	cr_assert_eq(r.status, 0, "exit 0: %s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');

		cr_assert(sp, "a folded line ends in its value: %s", line);
		cr_assert(strstr(line, ";main;caller_b;work "), "caller_b -> work, leaf last: %s",
			  line);
		cr_assert_null(strstr(line, "caller_a"), "no fast caller: %s", line);
		us = strtoull(sp + 1, NULL, 10);
		total += us;
		lines++;
	}
	cr_assert_geq(lines, 1);
	/* 30 calls of a 2 ms sleep, in microseconds */
	cr_assert_geq(total, 60000, "30 slow calls weigh at least 60 ms (%llu us)", total);
	cr_assert_lt(total, 180000, "and not much more (%llu us)", total);
	run_free(&r);
}

Test(slow_stacks, text_prints_each_stack_under_its_call)
{
	struct run r;
	const char *p;
	int n = 0;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--slower-than", "1ms", "--stacks", "--",
				    TG("callers"), "25", NULL });
	cr_assert_eq(r.status, 0, "exit 0: %s", r.err);
	/* each caller at the line of its call (callers.c: work(1) at 31, caller_b() at 41) */
	for (p = r.out; (p = strstr(p, "\n    work\n    caller_b (callers.c:31)\n"
				       "    main (callers.c:41)\n")); p++)
		n++;
	cr_assert_eq(n, 25, "25 slow calls, each with work, caller_b, main under it: %s", r.out);
	run_free(&r);
}

Test(slow_stacks, bad_input)
{
	struct bad_case cases[] = {
		{ { NULL, "func", "work", "--stacks", "--", (char *)target("callers"), NULL }, 2,
		  "--stacks takes the stacks of slow calls: give --slower-than DUR too" },
		{ { NULL, "func", "work", "--slower-than", "1ms", "--format", "folded", "--",
		    (char *)target("callers"), NULL }, 2, "add --slower-than DUR --stacks" },
		{ { NULL, "func", "work", "--stacks=1", "--slower-than", "1ms", "--",
		    (char *)target("callers"), NULL }, 2, "--stacks" },
	};

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
}
