/* The profile collector on the real kernel: samples of targets of known nesting (chain:
 * main -> a -> b -> c, spinning in c), its filters, and the number of samples a rate gives. */
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

static const struct json_value *profile_series(const struct json_value *j, const char *out)
{
	const struct json_value *all = json_get(j, "series");

	for (size_t i = 0; i < json_array_len(all); i++) {
		const struct json_value *s = json_array_at(all, i);

		if (!strcmp(json_as_string(json_get(s, "metric"), NULL), "profile.cpu"))
			return s;
	}
	cr_assert_fail("no profile.cpu series:\n%s", out);
	return NULL;
}

static const char *label(const struct json_value *st, const char *key)
{
	const struct json_value *v = json_get(json_get(st, "labels"), key);

	return v ? json_as_string(v, NULL) : NULL;
}

static const char *frame_symbol(const struct json_value *frames, size_t i)
{
	const struct json_value *s = json_get(json_array_at(frames, i), "symbol");

	return s ? json_as_string(s, NULL) : NULL;
}

static bool frame_is_user(const struct json_value *frames, size_t i)
{
	return !strcmp(json_as_string(json_get(json_array_at(frames, i), "kind"), NULL), "user");
}

/* Whether a stack's user frames begin (leaf first) with c, b, a and then main or
 * chain_thread: the whole known chain. */
static bool whole_chain(const struct json_value *st)
{
	static const char *const chain[] = { "c", "b", "a" };
	const struct json_value *frames = json_get(st, "frames");
	size_t i = 0, n = json_array_len(frames);
	const char *top;

	while (i < n && !frame_is_user(frames, i))
		i++;
	for (size_t k = 0; k < 3; k++, i++)
		if (i >= n || !frame_symbol(frames, i) || strcmp(frame_symbol(frames, i), chain[k]))
			return false;
	top = i < n ? frame_symbol(frames, i) : NULL;
	return top && (!strcmp(top, "main") || !strcmp(top, "chain_thread"));
}

/* Samples of the series whose label key is value (key NULL: all), and of those how many
 * carry the whole chain. */
static uint64_t samples_of(const struct json_value *se, const char *key, const char *value,
			   uint64_t *chained)
{
	const struct json_value *stacks = json_get(se, "stacks");
	uint64_t n = 0;

	if (chained)
		*chained = 0;
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const char *v = key ? label(st, key) : NULL;
		uint64_t c = json_u64_at(st, "count");

		if (key && (!v || strcmp(v, value)))
			continue;
		n += c;
		if (chained && whole_chain(st))
			*chained += c;
	}
	return n;
}

/* Whether the user frames of a stack, leaf first, hold names in order (others between). */
static bool user_frames_hold(const struct json_value *st, const char *const *names, size_t n)
{
	const struct json_value *frames = json_get(st, "frames");
	size_t at = 0;

	for (size_t i = 0; i < json_array_len(frames) && at < n; i++)
		if (frame_is_user(frames, i) && frame_symbol(frames, i) &&
		    !strcmp(frame_symbol(frames, i), names[at]))
			at++;
	return at == n;
}

/* Whether a stack's last user frame is one a thread starts in. */
static bool ends_at_start(const struct json_value *st)
{
	static const char *const starts[] = { "_start", "start_thread", "clone3", "clone" };
	const struct json_value *frames = json_get(st, "frames");
	size_t n = json_array_len(frames);
	const char *top = n && frame_is_user(frames, n - 1) ? frame_symbol(frames, n - 1) : NULL;

	for (size_t i = 0; top && i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!strcmp(top, starts[i]))
			return true;
	return false;
}

/* Samples of comm in the series; of them, how many hold names (in order) and end at a
 * thread's start, and how many the stacks mark "complete" (the unwinder's word). */
static uint64_t whole_of(const struct json_value *se, const char *comm, const char *const *names,
			 size_t n, uint64_t *whole, uint64_t *marked)
{
	const struct json_value *stacks = json_get(se, "stacks");
	uint64_t all = 0;

	*whole = *marked = 0;
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const struct json_value *c = json_get(st, "complete");
		uint64_t k = json_u64_at(st, "count");

		if (strcmp(label(st, "comm"), comm))
			continue;
		all += k;
		if (user_frames_hold(st, names, n) && ends_at_start(st))
			*whole += k;
		if (c && c->boolean)
			*marked += k;
	}
	return all;
}

/* The first stack of comm, as text, for a failure's message. */
static void first_stack(const struct json_value *se, const char *comm, char *buf, size_t len)
{
	const struct json_value *stacks = json_get(se, "stacks");
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const struct json_value *frames = json_get(st, "frames");

		if (strcmp(label(st, "comm"), comm))
			continue;
		for (size_t k = 0; k < json_array_len(frames) && off + 64 < len; k++) {
			const char *sym = frame_symbol(frames, k);

			off += (size_t)snprintf(buf + off, len - off, "%s;", sym ? sym : "?");
		}
		return;
	}
}

/* run_json_ok for a target that prints "ready" on the same stdout before the report. */
static struct json_value *run_json_after_ready(struct run *r, char *const argv[])
{
	char err[256];
	const char *doc;
	struct json_value *v;

	run_cmd(r, 60, argv);
	cr_assert_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	doc = !strncmp(r->out, "ready\n", 6) ? r->out + 6 : r->out;
	v = json_parse(doc, strlen(doc), err, sizeof(err));
	cr_assert(v, "output is not JSON (%s):\n%s\nstderr:\n%s", err, r->out, r->err);
	return v;
}

/* The CPU time chain said it used ("cpu_ns N" on stderr). */
static double cpu_ns_of(const char *err)
{
	const char *p = strstr(err, "cpu_ns ");

	cr_assert(p, "chain did not say its CPU time:\n%s", err);
	return strtod(p + 7, NULL);
}

Test(profile, nearly_every_sample_carries_the_whole_chain)
{
	struct run r;
	struct json_value *j;
	const struct json_value *se, *us;
	uint64_t n, chained, period, hz = 199;

	/* two threads: main -> a -> b -> c, and start_thread -> chain_thread -> a -> b -> c */
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "199", "--format", "json", "--",
					TG("chain"), "2", "1", NULL });
	se = profile_series(j, r.out);
	n = samples_of(se, "comm", "chain", &chained);
	/* enough to judge a share by, even when other work leaves chain a fifth of a CPU */
	cr_assert_geq(n, 40, "two spinning threads for 2 s at 199 Hz: %llu samples\n%s",
		      (unsigned long long)n, r.out);
	/* the samples that miss it land on c's first two instructions (its frame not yet
	 * made) or in the kernel on the way out */
	cr_assert_geq(chained, 0.95 * n, "%llu of %llu samples carry c, b, a, main:\n%s",
		      (unsigned long long)chained, (unsigned long long)n, r.out);
	/* value is samples x the period, exactly */
	period = 1000000000ull / hz;
	for (size_t i = 0; i < json_array_len(json_get(se, "stacks")); i++) {
		const struct json_value *st = json_array_at(json_get(se, "stacks"), i);

		cr_assert_eq(json_u64_at(st, "value"), json_u64_at(st, "count") * period);
	}
	{
		/* the functions table: c holds nearly all self time, b and a the same total */
		const struct json_value *fs = json_get(se, "functions");
		uint64_t c_self = 0, b_total = 0, b_self = 1;

		for (size_t i = 0; i < json_array_len(fs); i++) {
			const struct json_value *f = json_array_at(fs, i);
			const char *sym = json_as_string(json_get(f, "symbol"), NULL);

			if (sym && !strcmp(sym, "c"))
				c_self = json_u64_at(f, "self_count");
			if (sym && !strcmp(sym, "b")) {
				b_total = json_u64_at(f, "total_count");
				b_self = json_u64_at(f, "self_count");
			}
		}
		/* the others are the kernel's: interrupts, and preemption on a busy machine */
		cr_assert_geq(c_self, 0.9 * n, "c's self samples %llu of %llu",
			      (unsigned long long)c_self, (unsigned long long)n);
		cr_assert_eq(b_self, 0, "b never runs code of its own long enough to be sampled");
		cr_assert_geq(b_total, chained, "b is in every chained sample");
	}
	us = json_get(se, "user_stacks");
	cr_assert(us, "no user_stacks:\n%s", r.out);
	cr_assert_eq(json_u64_at(json_get(j, "drops"), "map_full"), 0);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("profile");
}

/* Linked static, libc's start functions have symbols: the stacks reach the thread's start,
 * and the run says so. */
Test(profile, user_stacks_reach_the_thread_start)
{
	struct run r;
	struct json_value *j;
	const struct json_value *us;
	uint64_t with_user, complete;

	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "199", "--format", "json", "--",
					TG("chain-static"), "2", "1", NULL });
	us = json_get(profile_series(j, r.out), "user_stacks");
	with_user = json_u64_at(us, "samples");
	complete = json_u64_at(us, "complete");
	cr_assert_geq(with_user, 40, "%s", r.out);
	cr_assert_geq(complete, 0.95 * with_user, "%llu of %llu user stacks reach _start or "
		      "start_thread:\n%s", (unsigned long long)complete,
		      (unsigned long long)with_user, r.out);
	json_free(j);
	run_free(&r);

	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--", TG("chain-static"), "1",
				    NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "samples with a user stack reach the thread's start"),
		  "the text report says how many stacks are whole:\n%s", r.out);
	cr_assert(strstr(r.out, "functions by total time") && strstr(r.out, "functions by self time"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "c (chain-static)"), "%s", r.out);
	run_free(&r);
}

/*
 * The number of samples is the thread's CPU time x HZ. A per-CPU timer of period P fires
 * while the thread runs: each stretch it runs of length L gets L/P samples rounded up or
 * down by where the timer's phase falls, so the error is a sum of independent terms within
 * (-1, 1), one per stretch, with a standard deviation at most sqrt(stretches) / 2 <=
 * sqrt(expected) / 2. 3 sqrt(expected) + 3 is six of those, and a few samples of exit.
 */
Test(profile, samples_are_cpu_time_times_frequency)
{
	static const char *const rates[] = { "49", "999" };

	for (size_t k = 0; k < 2; k++) {
		struct run r;
		struct json_value *j;
		double expected, hz = atof(rates[k]);
		uint64_t n;

		j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", (char *)rates[k], "--format",
						"json", "--", TG("chain"), "2", "1", NULL });
		n = samples_of(profile_series(j, r.out), "comm", "chain", NULL);
		expected = cpu_ns_of(r.err) * hz / 1e9;
		cr_assert(fabs((double)n - expected) <= 3 * sqrt(expected) + 3,
			  "-F %s: %llu samples for %.0f expected (CPU time x HZ)", rates[k],
			  (unsigned long long)n, expected);
		json_free(j);
		run_free(&r);
	}
}

Test(profile, only_the_process_of_p)
{
	struct bg one, other;
	struct run r, ro, rt;
	struct json_value *j;
	const struct json_value *se;
	char pid[16];
	uint64_t mine;

	bg_start(&one, (char *[]){ TG("chain"), "6", NULL });
	bg_start(&other, (char *[]){ TG("chain-static"), "6", NULL });
	bg_wait_for(&one, "ready", 10);
	bg_wait_for(&other, "ready", 10);
	snprintf(pid, sizeof(pid), "%d", one.pid);
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-p", pid, "-F", "499", "-d", "1500ms",
				    "--format", "json", NULL });
	bg_finish(&one, SIGKILL, 10, &ro);
	bg_finish(&other, SIGKILL, 10, &rt);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	se = profile_series(j, r.out);
	mine = samples_of(se, "pid", pid, NULL);
	cr_assert_gt(mine, 20, "pid %s spinning for 1.5 s: %llu samples", pid,
		     (unsigned long long)mine);
	cr_assert_eq(samples_of(se, NULL, NULL, NULL), mine, "samples of other processes:\n%s",
		     r.out);
	json_free(j);
	run_free(&r);
	run_free(&ro);
	run_free(&rt);
	assert_no_leftovers("profile -p");
}

Test(profile, only_threads_of_comm)
{
	struct bg one, other;
	struct run r, ro, rt;
	struct json_value *j;
	const struct json_value *se;
	uint64_t mine;

	bg_start(&one, (char *[]){ TG("chain"), "6", NULL });
	bg_start(&other, (char *[]){ TG("chain-static"), "6", NULL });
	bg_wait_for(&one, "ready", 10);
	bg_wait_for(&other, "ready", 10);
	run_cmd(&r, 60, (char *[]){ TT, "profile", "--comm", "chain-static", "-F", "499", "-d",
				    "1500ms", "--format", "json", NULL });
	bg_finish(&one, SIGKILL, 10, &ro);
	bg_finish(&other, SIGKILL, 10, &rt);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	se = profile_series(j, r.out);
	mine = samples_of(se, "comm", "chain-static", NULL);
	cr_assert_gt(mine, 20, "chain-static spinning for 1.5 s: %llu samples",
		     (unsigned long long)mine);
	cr_assert_eq(samples_of(se, NULL, NULL, NULL), mine, "samples of other names:\n%s",
		     r.out);
	json_free(j);
	run_free(&r);
	run_free(&ro);
	run_free(&rt);
}

/* A command's children are followed (a shell that forks chain); a process beside it is
 * not. */
Test(profile, a_command_and_its_children)
{
	struct bg other;
	struct run r, rt;
	struct json_value *j;
	const struct json_value *se, *stacks;
	char cmd[4200];
	uint64_t chain = 0, all;
	bool child = false;

	bg_start(&other, (char *[]){ TG("chain-static"), "8", NULL });
	bg_wait_for(&other, "ready", 10);
	/* "; true": the shell forks chain rather than becoming it */
	snprintf(cmd, sizeof(cmd), "%s 1 1; true", TG("chain"));
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--format", "json", "--",
				    "/bin/sh", "-c", cmd, NULL });
	bg_finish(&other, SIGKILL, 10, &rt);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = run_json(&r);
	se = profile_series(j, r.out);
	stacks = json_get(se, "stacks");
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);

		if (!strcmp(label(st, "comm"), "chain")) {
			chain += json_u64_at(st, "count");
			child = true;
		}
		cr_assert(strcmp(label(st, "comm"), "chain-static"),
			  "a process that is not the command's was sampled:\n%s", r.out);
	}
	all = samples_of(se, NULL, NULL, NULL);
	cr_assert(child && chain > 0.9 * all, "the shell's child chain: %llu of %llu samples\n%s",
		  (unsigned long long)chain, (unsigned long long)all, r.out);
	json_free(j);
	run_free(&r);
	run_free(&rt);
	assert_no_leftovers("profile -- sh");
}

Test(profile, folded_lines_are_the_chain)
{
	struct run r;
	char line[256];

	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--format", "folded", "--",
				    TG("chain"), "1", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(line, sizeof(line), ";main;a;b;c ");
	cr_assert(strstr(r.out, line), "no folded line through main;a;b;c:\n%s", r.out);
	cr_assert(!strncmp(r.out, "chain;", 6) || strstr(r.out, "\nchain;"), "%s", r.out);
	run_free(&r);
}

Test(profile, record_runs_it_beside_sched)
{
	struct run r;
	struct json_value *j;
	const struct json_value *all;
	bool prof = false, sched = false;

	j = run_json_ok(&r, (char *[]){ TT, "record", "--profile", "--profile-frequency", "99",
					"--sched", "--format", "json", "--", TG("chain"), "1",
					NULL });
	all = json_get(j, "series");
	for (size_t i = 0; i < json_array_len(all); i++) {
		const char *m = json_as_string(json_get(json_array_at(all, i), "metric"), NULL);

		prof |= !strcmp(m, "profile.cpu") &&
			json_array_len(json_get(json_array_at(all, i), "stacks")) > 0;
		sched |= !strncmp(m, "sched.", 6);
	}
	cr_assert(prof && sched, "profile.cpu with stacks and sched series:\n%s", r.out);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("record --profile");
}

/* Both ends of -F's range run: 1 Hz and 10000 Hz (20,000 samples a second on 2 CPUs). */
Test(profile, frequency_range_ends_run)
{
	static const char *const rates[] = { "1", "10000" };

	for (size_t k = 0; k < 2; k++) {
		struct run r;
		struct json_value *j;

		j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", (char *)rates[k], "-d", "1",
						"--format", "json", "--", TG("chain"), "2", NULL });
		profile_series(j, r.out);
		json_free(j);
		run_free(&r);
	}
}

Test(profile, usage_and_runtime_errors)
{
	struct bad_case cases[] = {
		{ { NULL, "profile", "-F", "0", NULL }, 2,
		  "-F needs a whole number from 1 to 10000, got '0'" },
		{ { NULL, "profile", "-F", "10001", NULL }, 2,
		  "-F needs a whole number from 1 to 10000, got '10001'" },
		{ { NULL, "profile", "-F", "fast", NULL }, 2, "-F needs a whole number" },
		{ { NULL, "profile", "-F", "", NULL }, 2, "-F needs a whole number" },
		{ { NULL, "profile", "--frequency", "-5", NULL }, 2, "-F needs a whole number" },
		{ { NULL, "profile", "--comm", "a-name-longer-than-15", NULL }, 2,
		  "longer than 15 characters" },
		{ { NULL, "profile", "--comm", "", NULL }, 2, "is empty" },
		{ { NULL, "profile", "--cgroup", "/sys/fs/cgroup/no/such/group", NULL }, 1,
		  "does not exist" },
		{ { NULL, "profile", "--cgroup", "/tmp", NULL }, 1, "is not a cgroup v2 directory" },
		{ { NULL, "profile", "-p", "4194000", NULL }, 1, "no process with pid 4194000" },
		{ { NULL, "profile", "stray", NULL }, 2, "unexpected argument 'stray'" },
		{ { NULL, "record", "--profile", "--profile-frequency", "0", NULL }, 2,
		  "-F needs a whole number from 1 to 10000" },
		{ { NULL, "profile", "--call-graph", "lbr", NULL }, 2,
		  "--call-graph 'lbr' is not a way to take user stacks: give dwarf" },
		{ { NULL, "profile", "--call-graph", "", NULL }, 2, "give dwarf" },
		{ { NULL, "profile", "--call-graph", "DWARF", NULL }, 2, "or fp (frame pointers)" },
		{ { NULL, "record", "--profile", "--profile-call-graph", "x", NULL }, 2,
		  "--call-graph 'x' is not a way" },
	};

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Where tp_btf is refused, the raw_tp twins see exec and follow the children as well. */
Test(profile, raw_tp_twins_follow_children_too)
{
	struct run r;
	struct json_value *j;
	char cmd[4200];
	uint64_t chain, chained;

	snprintf(cmd, sizeof(cmd), "%s 1; true", TG("chain"));
	setenv("TAILTRACE_NO_TP_BTF", "1", 1);
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-v", "-F", "199", "--format", "json",
					"--", "/bin/sh", "-c", cmd, NULL });
	unsetenv("TAILTRACE_NO_TP_BTF");
	cr_assert(strstr(r.err, "using raw_tp"), "%s", r.err);
	cr_assert(strstr(r.err, "sampling cpu-clock at 199 Hz") ||
		  strstr(r.err, "sampling cycles at 199 Hz"), "-v says what it samples:\n%s", r.err);
	chain = samples_of(profile_series(j, r.out), "comm", "chain", &chained);
	cr_assert_gt(chain, 20, "%s", r.out);
	cr_assert_geq(chained, 0.95 * chain, "symbolized through the exec: %llu of %llu\n%s",
		      (unsigned long long)chained, (unsigned long long)chain, r.out);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("profile raw_tp");
}

/* nofp_qsort: -O2 -fomit-frame-pointer, main -> a -> b -> qsort (libc, no frame pointers)
 * -> cmp -> c. By DWARF (the default and --call-graph dwarf) nearly every sample holds the
 * whole chain and reaches _start, and the run's share of complete stacks says so. */
static void dwarf_on_nofp_qsort(const char *const *mode)
{
	static const char *const chain[] = { "c", "cmp", "b", "a", "main", "_start" };
	char *argv[16] = { TT, "profile", "-F", "199", "--format", "json" };
	size_t k = 6;
	struct run r;
	struct json_value *j;
	const struct json_value *se, *us;
	uint64_t n, whole, marked;
	double pct;
	char example[1024];

	for (size_t i = 0; mode[i]; i++)
		argv[k++] = (char *)mode[i];
	argv[k++] = "--";
	argv[k++] = TG("nofp_qsort");
	argv[k++] = "2";
	argv[k] = NULL;
	j = run_json_after_ready(&r, argv);
	se = profile_series(j, r.out);
	n = whole_of(se, "nofp_qsort", chain, 6, &whole, &marked);
	first_stack(se, "nofp_qsort", example, sizeof(example));
	cr_assert_geq(n, 150, "2 s at 199 Hz: %llu samples", (unsigned long long)n);
	cr_assert_geq(whole, 0.95 * n, "%llu of %llu samples hold c, cmp, b, a, main, _start; "
		      "one: %s", (unsigned long long)whole, (unsigned long long)n, example);
	cr_assert_geq(marked, 0.95 * n, "%llu of %llu marked complete by the unwinder",
		      (unsigned long long)marked, (unsigned long long)n);
	us = json_get(se, "user_stacks");
	cr_assert_eq(json_as_double(json_get(us, "complete_percent"), &pct), 0);
	cr_assert_geq(pct, 95.0, "user_stacks.complete_percent %.1f", pct);
	cr_assert_eq(json_u64_at(json_get(j, "drops"), "ringbuf"), 0);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("profile dwarf");
}

Test(profile, dwarf_by_default_whole_stacks_without_frame_pointers)
{
	dwarf_on_nofp_qsort((const char *const[]){ NULL });
}

Test(profile, dwarf_whole_stacks_without_frame_pointers)
{
	dwarf_on_nofp_qsort((const char *const[]){ "--call-graph", "dwarf", NULL });
}

/* The same program by frame pointers: the walk stops in libc's qsort (or reads noise), so
 * few stacks are whole; the option does something. */
Test(profile, fp_stacks_stop_short_without_frame_pointers)
{
	static const char *const chain[] = { "c", "cmp", "b", "a", "main", "_start" };
	struct run r;
	struct json_value *j;
	const struct json_value *se;
	uint64_t n, whole, marked;
	double pct;

	j = run_json_after_ready(&r, (char *[]){ TT, "profile", "--call-graph", "fp", "-F", "199",
					"--format", "json", "--", TG("nofp_qsort"), "2", NULL });
	se = profile_series(j, r.out);
	n = whole_of(se, "nofp_qsort", chain, 6, &whole, &marked);
	cr_assert_geq(n, 150, "%llu samples", (unsigned long long)n);
	cr_assert_lt(whole, 0.5 * n, "%llu of %llu whole by frame pointers, through code built "
		     "without them", (unsigned long long)whole, (unsigned long long)n);
	cr_assert_eq(marked, 0, "no unwinder's word without --call-graph dwarf");
	cr_assert_eq(json_as_double(json_get(json_get(se, "user_stacks"), "complete_percent"),
				 &pct), 0);
	cr_assert_lt(pct, 50.0, "complete_percent %.1f", pct);
	cr_assert_null(json_get(json_get(j, "drops"), "ringbuf"), "no ring buffer in fp mode");
	json_free(j);
	run_free(&r);
}

/* Debian's python3.11 (no frame pointers, .dynsym only: no symbol for _start's callers'
 * statics) spinning in nested functions: 95% of its samples reach the thread's start, by
 * the unwinder's word and the run's share. */
Test(profile, dwarf_python3_11_reaches_the_thread_start)
{
	static const char *const chain[] = { "_PyEval_EvalFrameDefault", "Py_RunMain",
					     "Py_BytesMain", "_start" };
	const char *py = "/usr/bin/python3.11";
	struct run r;
	struct json_value *j;
	const struct json_value *se;
	uint64_t n, whole, marked, with_user, complete;
	char example[1024];

	if (access(py, X_OK))
		cr_skip_test("no %s (make deps installs it)", py);
	/* --no-python: the interpreter's own frames, which Python frames replace otherwise */
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "199", "--no-python", "--format",
					"json", "--", (char *)py, "-c",
					"import time\n"
					"def inner(n):\n"
					"    s = 0\n"
					"    for i in range(n):\n"
					"        s += i * i\n"
					"    return s\n"
					"def middle(n):\n"
					"    return inner(n) + 1\n"
					"end = time.monotonic() + 2\n"
					"while time.monotonic() < end:\n"
					"    middle(20000)\n", NULL });
	se = profile_series(j, r.out);
	n = whole_of(se, "python3.11", chain, 4, &whole, &marked);
	first_stack(se, "python3.11", example, sizeof(example));
	cr_assert_geq(n, 150, "2 s at 199 Hz: %llu samples", (unsigned long long)n);
	cr_assert_geq(marked, 0.95 * n, "%llu of %llu reach the thread's start; one: %s",
		      (unsigned long long)marked, (unsigned long long)n, example);
	cr_assert_geq(whole, 0.95 * n, "%llu of %llu hold the interpreter's chain to _start; "
		      "one: %s", (unsigned long long)whole, (unsigned long long)n, example);
	/* the run's own share agrees with the stacks' */
	with_user = json_u64_at(json_get(se, "user_stacks"), "samples");
	complete = json_u64_at(json_get(se, "user_stacks"), "complete");
	cr_assert_geq(complete, 0.95 * with_user, "user_stacks: %llu of %llu",
		      (unsigned long long)complete, (unsigned long long)with_user);
	json_free(j);
	run_free(&r);
}

/* report --label on a saved profile keeps the stacks whose own labels match (comm is a
 * stack's label, not the series'), and a filter that matches nothing says what the run
 * holds and fails. */
Test(profile, report_label_filters_stacks, .timeout = 90)
{
	char path[] = "/tmp/tt-report-label-XXXXXX.json", cmd[4200];
	const struct json_value *stacks;
	struct json_value *j;
	struct run r, back;
	int fd = mkstemps(path, 5);

	cr_assert(fd >= 0);
	close(fd);
	/* two programs: chain spins for 1 s while count does its calls */
	snprintf(cmd, sizeof(cmd), "%s 1 1 & %s 2000 100000; wait", TG("chain"), TG("count"));
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "-o", path, "--", "/bin/sh",
				    "-c", cmd, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);

	j = run_json_ok(&back, (char *[]){ TT, "report", path, "--label", "comm=chain",
					   "--format", "json", NULL });
	stacks = json_get(profile_series(j, back.out), "stacks");
	cr_assert_gt(json_array_len(stacks), 0, "%s", back.out);
	for (size_t i = 0; i < json_array_len(stacks); i++)
		cr_assert_str_eq(label(json_array_at(stacks, i), "comm"), "chain", "%s", back.out);
	json_free(j);
	run_free(&back);

	run_cmd(&back, 30, (char *[]){ TT, "report", path, "--label", "comm=chian", NULL });
	cr_assert_eq(back.status, 1, "a filter matching nothing: %s%s", back.out, back.err);
	assert_one_clear_line(&back, "no series of");
	cr_assert(strstr(back.err, "label comm: ") && strstr(back.err, "chain"), "%s", back.err);
	cr_assert_str_empty(back.out);
	run_free(&back);
	unlink(path);
}

/* C++ and Rust names read as their authors wrote them (binutils' demangler), and the
 * kernel's [vdso], where a clock_gettime loop spends its time, named from tailtrace's own
 * copy of it. */
Test(profile, names_demangled_and_vdso_named, .timeout = 90)
{
	const struct json_value *stacks;
	uint64_t all = 0, named = 0, vdso = 0;
	struct json_value *j;
	struct run r;

	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "199", "--format", "json", "--",
					TG("mangled"), "1500", NULL });
	stacks = json_get(profile_series(j, r.out), "stacks");
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const struct json_value *frames = json_get(st, "frames");
		uint64_t c = json_u64_at(st, "count");
		bool handle = false, spin = false, in_vdso = false;

		all += c;
		for (size_t k = 0; k < json_array_len(frames); k++) {
			const char *sym = frame_symbol(frames, k);
			const struct json_value *m = json_get(json_array_at(frames, k), "module");
			const char *mod = m ? json_as_string(m, NULL) : NULL;

			handle |= sym && !strcmp(sym, "redis::Server::handle");
			spin |= sym && !strcmp(sym, "mycrate::spin");
			in_vdso |= sym && mod && !strcmp(mod, "[vdso]") && strstr(sym, "clock_gettime");
		}
		named += handle && spin ? c : 0;
		vdso += in_vdso ? c : 0;
	}
	cr_assert_geq(all, 150, "1.5 s at 199 Hz: %llu samples", (unsigned long long)all);
	cr_assert_geq(named * 100, all * 95, "%llu of %llu samples show redis::Server::handle and "
		      "mycrate::spin:\n%s", (unsigned long long)named, (unsigned long long)all,
		      r.out);
	/* the loop is clock_gettime's: most samples are in the vdso */
	cr_assert_geq(vdso * 2, all, "%llu of %llu samples in [vdso]'s clock_gettime",
		      (unsigned long long)vdso, (unsigned long long)all);
	json_free(j);
	run_free(&r);
}

/* A function timed by func (b) waits to return with its return address replaced by the
 * kernel's trampoline: profile's samples under it still show its caller (a), put back from
 * the kernel's return instances. */
Test(profile, stacks_under_a_timed_function_keep_its_caller, .timeout = 90)
{
	const struct json_value *stacks;
	uint64_t all = 0, chain = 0;
	struct json_value *j;
	struct run r;

	j = run_json_ok(&r, (char *[]){ TT, "record", "--func", "b", "--profile",
					"--profile-frequency", "199", "--format", "json", "--",
					TG("chain"), "1", NULL });
	stacks = json_get(profile_series(j, r.out), "stacks");
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const struct json_value *frames = json_get(st, "frames");
		uint64_t c = json_u64_at(st, "count");
		const char *want[] = { "c", "b", "a", "main" };
		size_t k = 0, at = 0;

		all += c;
		/* past the kernel's frames, c b a main in a row */
		while (k < json_array_len(frames) && frame_symbol(frames, k) &&
		       strcmp(frame_symbol(frames, k), "c"))
			k++;
		for (; at < 4 && k < json_array_len(frames); at++, k++)
			if (!frame_symbol(frames, k) || strcmp(frame_symbol(frames, k), want[at]))
				break;
		chain += at == 4 ? c : 0;
	}
	cr_assert_geq(all, 100, "%llu samples", (unsigned long long)all);
	cr_assert_geq(chain * 100, all * 95, "%llu of %llu samples show c b a main:\n%s",
		      (unsigned long long)chain, (unsigned long long)all, r.out);
	json_free(j);
	run_free(&r);
	/* folded: profile's stacks, though func (without --stacks) has none */
	run_cmd(&r, 60, (char *[]){ TT, "record", "--func", "b", "--profile", "--format", "folded",
				    "--", TG("chain"), "1", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ";main;a;b;c "), "%s", r.out);
	run_free(&r);
}
