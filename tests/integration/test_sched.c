/* The sched collector on the real kernel, against targets of known behaviour. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

/* The series of metric whose labels hold all the key=value pairs given (NULL-ended). */
static const struct json_value *series_where(const struct json_value *root, const char *metric,
					     const char *const kv[])
{
	const struct json_value *all = json_get(root, "series");

	for (size_t i = 0; i < json_array_len(all); i++) {
		const struct json_value *s = json_array_at(all, i);
		const struct json_value *labels = json_get(s, "labels");
		bool ok = !strcmp(json_as_string(json_get(s, "metric"), NULL), metric);

		for (int k = 0; ok && kv[k]; k += 2) {
			const struct json_value *v = labels ? json_get(labels, kv[k]) : NULL;

			ok = v && !strcmp(json_as_string(v, NULL), kv[k + 1]);
		}
		if (ok)
			return s;
	}
	return NULL;
}

static uint64_t count_of(const struct json_value *s)
{
	return s ? json_u64_at(s, "count") : 0;
}

/* JSON after the traced command's own lines on stdout. */
static struct json_value *json_after_output(const struct run *r)
{
	const char *start = strstr(r->out, "{\n");
	char err[128];
	struct json_value *j;

	cr_assert(start, "no JSON in:\n%s", r->out);
	j = json_parse(start, strlen(start), err, sizeof(err));
	cr_assert(j, "%s", err);
	return j;
}

Test(sched, sleeps_are_counted_and_timed)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;
	uint64_t n;

	j = run_json_ok(&r, (char *[]){ TT, "sched", "--format", "json", "--", TG("sleeper"),
					"200", "5", NULL });
	s = series_where(j, "sched.offcpu", (const char *[]){ "comm", "sleeper", "reason", "sleep",
							       "state", "S", NULL });
	cr_assert(s, "no sleep series for sleeper:\n%s", r.out);
	n = count_of(s);
	/* 200 sleeps; exec and exit add a stretch or two at the ends, and a sleep whose timer
	 * fires before schedule() is an involuntary switch to the kernel too (not a sleep) */
	cr_assert(n >= 196 && n <= 204, "%llu sleeps recorded", (unsigned long long)n);
	cr_assert(fabs(quantile(s, "p50") - 5e6) <= 0.1 * 5e6, "p50 %.0f, expected 5 ms +/- 10%%",
		  quantile(s, "p50"));
	cr_assert_geq(json_u64_at(s, "min"), 5000000, "nanosleep never sleeps less");
	json_free(j);
	run_free(&r);
	assert_no_leftovers("sched");
}

Test(sched, raw_tp_twins_measure_the_same)
{
	struct run r;
	struct json_value *j;
	uint64_t n;

	setenv("TAILTRACE_NO_TP_BTF", "1", 1);
	j = run_json_ok(&r, (char *[]){ TT, "sched", "-v", "--format", "json", "--",
					TG("sleeper"), "100", "5", NULL });
	unsetenv("TAILTRACE_NO_TP_BTF");
	cr_assert(strstr(r.err, "raw_tp programs"), "%s", r.err);
	n = count_of(series_where(j, "sched.offcpu", (const char *[]){ "comm", "sleeper",
								"reason", "sleep", NULL }));
	cr_assert(n >= 98 && n <= 104, "%llu sleeps recorded", (unsigned long long)n);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("sched raw_tp");
}

Test(sched, preemptions_match_the_kernels_count)
{
	struct run r;
	struct json_value *j;
	int threads = 0;

	run_cmd(&r, 60, (char *[]){ TT, "sched", "--by", "tid", "--format", "json", "--",
				    TG("spinners"), "3", "1000", NULL });
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	j = json_after_output(&r);
	for (char *line = r.out; (line = strstr(line, "tid ")); line++) {
		char tid[16];
		long kernel;
		const struct json_value *pre, *runq;
		uint64_t n;

		if (sscanf(line, "tid %15s nonvoluntary %ld", tid, &kernel) != 2)
			continue;
		threads++;
		pre = series_where(j, "sched.offcpu", (const char *[]){ "tid", tid, "reason",
								     "preempted", NULL });
		runq = series_where(j, "sched.runq_latency", (const char *[]){ "tid", tid, NULL });
		cr_assert(pre && runq, "tid %s has no preempted or runq series", tid);
		n = count_of(pre);
		/* the thread reads its count before it ends: a preemption or two may follow */
		cr_assert(kernel > 20, "tid %s was preempted only %ld times", tid, kernel);
		cr_assert(fabs((double)n - kernel) <= 0.02 * kernel + 2,
			  "tid %s: %llu preempted stretches, the kernel counted %ld", tid,
			  (unsigned long long)n, kernel);
		cr_assert_gt(quantile(runq, "p50"), 100000, "three spinners on one CPU wait");
	}
	cr_assert_eq(threads, 3, "%s", r.out);
	json_free(j);
	run_free(&r);
}

Test(sched, pid_filter_excludes_everything_else)
{
	char *sleep_other[] = { TG("sleeper"), "400", "5", NULL };
	char *sleep_ours[] = { TG("sleeper"), "400", "5", NULL };
	pid_t other = spawn_bg(sleep_other), ours = spawn_bg(sleep_ours);
	char pid[16], opid[16];
	struct run r;
	struct json_value *j;
	const struct json_value *all;

	snprintf(pid, sizeof(pid), "%d", ours);
	snprintf(opid, sizeof(opid), "%d", other);
	j = run_json_ok(&r, (char *[]){ TT, "sched", "-p", pid, "--by", "pid", "-d", "1s",
					"--format", "json", NULL });
	kill_bg(other);
	kill_bg(ours);
	all = json_get(j, "series");
	for (size_t i = 0; i < json_array_len(all); i++) {
		const struct json_value *labels = json_get(json_array_at(all, i), "labels");
		const struct json_value *p = labels ? json_get(labels, "pid") : NULL;

		if (p)
			cr_assert_str_eq(json_as_string(p, NULL), pid, "only pid %s, not %s", pid,
					 opid);
	}
	cr_assert_gt(count_of(series_where(j, "sched.offcpu", (const char *[]){ "pid", pid,
								"reason", "sleep", NULL })), 100);
	json_free(j);
	run_free(&r);
}

Test(sched, by_cpu_and_by_comm_and_counters)
{
	struct run r;
	struct json_value *j;
	const struct json_value *c0;

	run_cmd(&r, 60, (char *[]){ TT, "sched", "--by", "cpu", "--format", "json", "--",
				    TG("spinners"), "2", "300", NULL });
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	j = json_after_output(&r);
	c0 = series_where(j, "sched.oncpu", (const char *[]){ "cpu", "0", NULL });
	cr_assert(c0, "the spinners ran on CPU 0:\n%s", r.out);
	cr_assert_gt(count_of(c0), 10);
	cr_assert_gt(json_u64_at(series_where(j, "sched.switches", (const char *[]){ "kind",
							     "involuntary", NULL }), "value"), 10);
	json_free(j);
	run_free(&r);

	/* text: the host summary leads, the histograms follow */
	run_cmd(&r, 60, (char *[]){ TT, "sched", "--comm", "spinners", "--", TG("spinners"), "2",
				    "300", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Host: ") && strstr(r.out, "Worst run-queue p99: ") &&
			  strstr(r.out, "sched.runq_latency") && strstr(r.out, "spinners"),
		  "%s", r.out);
	run_free(&r);
}

Test(sched, slots_running_out_are_counted)
{
	struct run r;
	struct json_value *j;

	setenv("TAILTRACE_SCHED_SLOTS", "4", 1);
	j = run_json_ok(&r, (char *[]){ TT, "sched", "--by", "tid", "--format", "json", "--",
					TG("threads"), "8", "20", "100000", NULL });
	unsetenv("TAILTRACE_SCHED_SLOTS");
	cr_assert_gt(json_u64_at(json_get(j, "drops"), "map_full"), 0, "drops are reported");
	json_free(j);
	run_free(&r);
}

Test(sched, intervals_free_of_leftovers)
{
	struct run r;

	run_cmd_signal(&r, 30, (char *[]){ TT, "sched", "-i", "100ms", "--format", "ndjson", NULL },
		       "Tracing", SIGINT);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_geq(strlen(r.out), 100);
	{
		int lines = 0;

		for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
			char err[128];
			struct json_value *j = json_parse(line, strlen(line), err, sizeof(err));

			cr_assert(j, "line %d: %s", lines + 1, err);
			json_free(j);
			lines++;
		}
		cr_assert_geq(lines, 2, "an object per 100 ms interval");
	}
	run_free(&r);
	assert_no_leftovers("sched -i");
}

Test(sched, offcpu_stacks_sum_blocked_time_by_stack)
{
	struct run r;
	struct json_value *j;
	const struct json_value *st = NULL, *all;

	j = run_json_ok(&r, (char *[]){ TT, "sched", "--comm", "sleeper", "--offcpu-stacks=1ms",
					"--format", "json", "--", TG("sleeper"), "100", "5", NULL });
	all = series_where(j, "sched.offcpu_stack", (const char *[]){ NULL });
	cr_assert(all, "no stacks:\n%s", r.out);
	{
		const struct json_value *v = json_get(all, "stacks");
		int stacks = 0;

		for (size_t i = 0; i < json_array_len(v); i++) {
			const struct json_value *x = json_array_at(v, i);
			const struct json_value *c = json_get(json_get(x, "labels"), "comm");

			if (c && !strcmp(json_as_string(c, NULL), "sleeper")) {
				st = x;
				stacks++;
			}
		}
		cr_assert_eq(stacks, 1, "the same stack, 100 times, is one stack:\n%s", r.out);
	}
	{
		const struct json_value *frames = json_get(st, "frames");
		bool user = false, kernel_sleep = false, schedule = false, bpf = false;

		for (size_t i = 0; i < json_array_len(frames); i++) {
			const struct json_value *f = json_array_at(frames, i);
			const char *sym = json_as_string(json_get(f, "symbol"), NULL);
			const char *kind = json_as_string(json_get(f, "kind"), NULL);
			bool k = kind && !strcmp(kind, "kernel");

			if (!sym)
				continue;
			user |= !k && strstr(sym, "clock_nanosleep");
			kernel_sleep |= k && !strcmp(sym, "do_nanosleep");
			schedule |= k && !strcmp(sym, "__schedule");
			bpf |= !strncmp(sym, "bpf_prog", 8);
		}
		cr_assert(user && kernel_sleep && schedule,
			  "user (libc) and kernel frames, symbolized:\n%s", r.out);
		cr_assert(!bpf, "the tracer's own frames are cut:\n%s", r.out);
	}
	{
		unsigned long long waits = json_u64_at(st, "count");

		/* as above, a sleep raced by its timer is no block to the kernel */
		cr_assert(waits >= 98 && waits <= 100, "%llu blocks in nanosleep", waits);
	}
	cr_assert(fabs((double)json_u64_at(st, "value") - 100 * 5e6) <= 0.1 * 100 * 5e6,
		  "blocked time %llu ns, expected 100 x 5 ms",
		  (unsigned long long)json_u64_at(st, "value"));
	cr_assert_eq(json_u64_at(json_get(j, "drops"), "stack_missing"), 0);
	json_free(j);
	run_free(&r);

	run_cmd(&r, 60, (char *[]){ TT, "sched", "--comm", "sleeper", "--offcpu-stacks",
				    "--format", "folded", "--", TG("sleeper"), "20", "5", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "sleeper;", 8) && strstr(r.out, ";__schedule_[k] "),
		  "folded lines for flamegraph.pl:\n%s", r.out);
	run_free(&r);
	assert_no_leftovers("sched --offcpu-stacks");
}

Test(sched, a_command_is_followed_into_its_children)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	j = run_json_ok(&r, (char *[]){ TT, "sched", "--format", "json", "--", "/bin/sh", "-c",
					(char *)target("sleeper 50 5"), NULL });
	s = series_where(j, "sched.offcpu", (const char *[]){ "comm", "sleeper", "reason", "sleep",
							       NULL });
	cr_assert(s, "the shell's child was traced:\n%s", r.out);
	cr_assert_geq(json_u64_at(s, "count"), 49);
	json_free(j);
	run_free(&r);
}

/* Any process may name itself with terminal escapes: the text report prints the comm
 * escaped (\x1b, \n), never raw; JSON keeps it as it is, JSON-escaped. */
Test(sched, a_comm_with_terminal_escapes_is_printed_escaped)
{
	static const char evil[] = "\x1b[2Jevil\n";
	struct run r;
	struct json_value *j;

	run_cmd(&r, 60, (char *[]){ TT, "sched", "--by", "comm", "--", TG("evilname"), "20",
				    NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\\x1b[2Jevil\\n"), "the comm, escaped:\n%s", r.out);
	cr_assert_null(memchr(r.out, 0x1b, strlen(r.out)), "no raw ESC in the report");
	cr_assert_null(memchr(r.err, 0x1b, strlen(r.err)), "no raw ESC in the messages");
	cr_assert_null(strstr(r.out, "evil\n"), "no line broken by the comm");
	run_free(&r);

	j = run_json_ok(&r, (char *[]){ TT, "sched", "--by", "comm", "--format", "json", "--",
					TG("evilname"), "20", NULL });
	cr_assert_null(memchr(r.out, 0x1b, strlen(r.out)), "JSON escapes ESC too");
	cr_assert(series_where(j, "sched.offcpu", (const char *[]){ "comm", evil, NULL }),
		  "the comm as the process set it, in JSON:\n%s", r.out);
	json_free(j);
	run_free(&r);
}

Test(sched, bad_input)
{
	struct bad_case cases[] = {
		{ { NULL, "sched", "--by", "thread", NULL }, 2, "unknown --by key 'thread'" },
		{ { NULL, "sched", "--comm", "a-name-longer-than-15", NULL }, 2,
		  "longer than 15 characters" },
		{ { NULL, "sched", "--cgroup", "/sys/fs/cgroup/no/such/group", NULL }, 1,
		  "does not exist" },
		{ { NULL, "sched", "--cgroup", "/tmp", NULL }, 1, "is not a cgroup v2 directory" },
		{ { NULL, "sched", "-p", "4194000", NULL }, 1, "no process with pid 4194000" },
		{ { NULL, "sched", "-d", "1x", NULL }, 2, "invalid duration '1x' for -d" },
		{ { NULL, "sched", "stray", NULL }, 2, "unexpected argument 'stray'" },
		{ { NULL, "sched", "--format", "folded", NULL }, 2, "add --offcpu-stacks" },
		{ { NULL, "sched", "--offcpu-stacks=soon", NULL }, 2,
		  "invalid duration 'soon' for --offcpu-stacks" },
		{ { NULL, "func", "work", "--format", "folded", NULL }, 2,
		  "add --slower-than DUR --stacks" },
	};

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
}
