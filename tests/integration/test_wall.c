/* profile --wall on spinsleep: one thread spins 1 s in spin(), then sleeps 1 s in sleeper();
 * on-CPU samples (x the period) and off-CPU stretches must add up to its elapsed time, the
 * blocked part under sleeper, the rest under spin. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

static bool has_frame(const struct json_value *frames, const char *symbol)
{
	for (size_t i = 0; i < json_array_len(frames); i++) {
		const char *s = json_as_string(json_get(json_array_at(frames, i), "symbol"), NULL);

		if (s && !strcmp(s, symbol))
			return true;
	}
	return false;
}

Test(wall, running_and_blocked_add_up_to_the_elapsed_time)
{
	struct run r;
	struct json_value *j;
	const struct json_value *se, *stacks;
	double spin_ns = 0, sleep_ns = 0, total = 0, running = 0, elapsed;
	const char *e;

	j = run_json_ok(&r, (char *[]){ TT, "profile", "--wall", "-F", "199", "--format", "json",
					"--", TG("spinsleep"), "1000", NULL });
	e = strstr(r.err, "elapsed_ns ");
	cr_assert(e, "the target says its elapsed time: %s", r.err);
	elapsed = strtod(e + 11, NULL);
	se = find_series(j, "profile.wall", NULL, NULL);
	cr_assert(se, "a profile.wall series");
	cr_assert_str_eq(json_as_string(json_get(se, "unit"), NULL), "ns");
	stacks = json_get(se, "stacks");
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const struct json_value *frames = json_get(st, "frames");
		const char *state = json_as_string(json_get(json_get(st, "labels"), "state"), NULL);
		const char *root = json_as_string(json_get(json_array_at(frames,
					json_array_len(frames) - 1), "symbol"), NULL);
		double v = (double)json_u64_at(st, "value");

		cr_assert(state && root, "stack %zu has a state and a root frame", i);
		cr_assert(!strcmp(state, "running") || !strcmp(state, "blocked") ||
			  !strcmp(state, "preempted"), "state %s", state);
		cr_assert(root[0] == '[' && !strncmp(root + 1, state, strlen(state)),
			  "root frame %s says the state %s", root, state);
		total += v;
		if (!strcmp(state, "running"))
			running += v;
		if (!strcmp(state, "blocked") && has_frame(frames, "sleeper"))
			sleep_ns += v;
		/* spinning, or waiting for a CPU while spinning (the machine is shared) */
		if (strcmp(state, "blocked") && has_frame(frames, "spin"))
			spin_ns += v;
		cr_assert(strcmp(state, "blocked") || !has_frame(frames, "spin") ||
			  has_frame(frames, "now_ns"), "spin never blocks but in clock_gettime");
	}
	cr_log_info("elapsed %.0f ms: spin %.0f ms (running %.0f), sleeper %.0f ms, total %.0f",
		    elapsed / 1e6, spin_ns / 1e6, running / 1e6, sleep_ns / 1e6, total / 1e6);
	/* the blocked half is measured exactly, switch-out to switch-in */
	cr_assert(sleep_ns >= 0.99e9 && sleep_ns <= 1.05e9, "sleeper blocked %.0f ms, not ~1 s",
		  sleep_ns / 1e6);
	/* the running half by samples at 199 Hz (5 ms each): within 10% */
	cr_assert(spin_ns >= 0.9e9 && spin_ns <= 1.1e9, "spin %.0f ms, not ~1 s", spin_ns / 1e6);
	cr_assert(running > 0, "some samples ran");
	/* the whole thread, start to exit (exec and the start of a process included) */
	cr_assert(total >= 0.9 * elapsed && total <= 1.1 * elapsed + 50e6,
		  "running + off CPU = %.0f ms, elapsed %.0f ms", total / 1e6, elapsed / 1e6);
	json_free(j);
	run_free(&r);
}

Test(wall, folded_marks_running_and_blocked)
{
	struct run r;
	bool blocked = false, running = false;
	char *line, *save = NULL;

	run_cmd(&r, 60, (char *[]){ TT, "profile", "--wall", "--format", "folded", "--",
				    TG("spinsleep"), "300", NULL });
	cr_assert_eq(r.status, 0, "exit 0: %s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		blocked |= strstr(line, "spinsleep;[blocked];") && strstr(line, ";sleeper;");
		running |= strstr(line, "spinsleep;[running];") && strstr(line, ";spin;");
	}
	cr_assert(blocked && running, "[blocked] ... sleeper and [running] ... spin lines");
	run_free(&r);
}

Test(wall, bad_input)
{
	struct bad_case cases[] = {
		{ { NULL, "profile", "--wall", "--call-graph", "fp", "--",
		    (char *)target("spinsleep"), "10", NULL }, 2,
		  "--wall takes the stacks of blocked threads by DWARF only" },
		{ { NULL, "profile", "--wall=1", "--", (char *)target("spinsleep"), "10", NULL }, 2,
		  "--wall" },
	};

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(wall, without_tp_btf_it_says_so)
{
	struct run r;

	setenv("TAILTRACE_NO_TP_BTF", "1", 1);
	run_cmd(&r, 30, (char *[]){ TT, "profile", "--wall", "--", TG("spinsleep"), "10", NULL });
	unsetenv("TAILTRACE_NO_TP_BTF");
	cr_assert_eq(r.status, 1, "exit 1: %s", r.err);
	assert_one_clear_line(&r, "it needs BTF-enabled tracepoints (tp_btf)");
	assert_no_leftovers("profile --wall without tp_btf");
	run_free(&r);
}
