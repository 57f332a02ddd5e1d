/* Python frames (CPython 3.11) in profile's and sched's stacks, on targets of known
 * nesting (tests/targets/python/): the Python functions, with file and line, in place of
 * the interpreter loop's frames; native frames of another version (one warning) and of a
 * process whose frames are garbage (tests/targets/python_hostile.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define PY "/usr/bin/python3.11"

static const char *str_at(const struct json_value *o, const char *key)
{
	const struct json_value *v = json_get(o, key);

	return v ? json_as_string(v, NULL) : NULL;
}

static bool is_kind(const struct json_value *f, const char *kind)
{
	const char *k = str_at(f, "kind");

	return k && !strcmp(k, kind);
}

/* A Python function expected in a stack, at a line from first to last. */
struct pywant {
	const char *name;
	uint64_t first, last;
};

/* nest.py's chain, innermost first, with the lines each function may be at. */
static const struct pywant nest[] = {
	{ "inner", 10, 13 },
	{ "middle", 17, 17 },
	{ "outer", 21, 21 },
	{ "Worker.run.<locals>.by_work", 27, 27 },
	{ "Worker.run", 29, 29 },
	{ "main", 35, 36 },
	{ "<module>", 39, 39 },
};
#define NEST_N (sizeof(nest) / sizeof(nest[0]))

/* Whether a stack's Python frames are nest.py's whole chain in order and nothing else,
 * each in file script at a line of its function, native frames (sorted's, in C) between
 * Worker.run and by_work, and native frames below <module> (the interpreter's start). */
static bool whole_nest(const struct json_value *st, const char *script, char *why, size_t len)
{
	const struct json_value *frames = json_get(st, "frames");
	size_t n = json_array_len(frames), at = 0, native_between = 0, native_below = 0;

	for (size_t i = 0; i < n; i++) {
		const struct json_value *f = json_array_at(frames, i);
		const char *sym = str_at(f, "symbol"), *file = str_at(f, "file");
		uint64_t line;

		if (is_kind(f, "user")) {
			native_between += at == 4;
			native_below += at == NEST_N;
			continue;
		}
		if (!is_kind(f, "interp"))
			continue;
		line = json_u64_at(f, "line");
		if (at == NEST_N || !sym || strcmp(sym, nest[at].name)) {
			snprintf(why, len, "Python frame %zu is %s, not %s", at, sym ? sym : "?",
				 at < NEST_N ? nest[at].name : "none");
			return false;
		}
		if (!file || strcmp(file, script) || line < nest[at].first ||
		    line > nest[at].last) {
			snprintf(why, len, "%s at %s:%llu", sym, file ? file : "?",
				 (unsigned long long)line);
			return false;
		}
		at++;
	}
	if (at != NEST_N || !native_between || !native_below) {
		snprintf(why, len, "%zu of the chain's frames; %zu native between Worker.run and "
			 "by_work, %zu below <module>", at, native_between, native_below);
		return false;
	}
	return true;
}

static const struct json_value *stacks_of(const struct json_value *j, const char *metric)
{
	const struct json_value *se = find_series(j, metric, NULL, NULL);

	cr_assert(se, "no %s series", metric);
	return json_get(se, "stacks");
}

static uint64_t count_interp(const struct json_value *st)
{
	const struct json_value *frames = json_get(st, "frames");
	uint64_t n = 0;

	for (size_t i = 0; i < json_array_len(frames); i++)
		n += is_kind(json_array_at(frames, i), "interp");
	return n;
}

/* The next stack of stacks from *i on whose comm is comm (and state label state, unless NULL);
 * NULL after the last. */
static const struct json_value *next_stack(const struct json_value *stacks, size_t *i,
					   const char *comm, const char *state)
{
	while (*i < json_array_len(stacks)) {
		const struct json_value *st = json_array_at(stacks, (*i)++);
		const struct json_value *labels = json_get(st, "labels");
		const char *c = str_at(labels, "comm"), *s = str_at(labels, "state");

		if (c && !strcmp(c, comm) && (!state || (s && !strcmp(s, state))))
			return st;
	}
	return NULL;
}

/* Whether a stack has a frame named sym. */
static bool has_symbol(const struct json_value *st, const char *sym)
{
	const struct json_value *frames = json_get(st, "frames");

	for (size_t k = 0; k < json_array_len(frames); k++) {
		const char *s = str_at(json_array_at(frames, k), "symbol");

		if (s && !strcmp(s, sym))
			return true;
	}
	return false;
}

/* How many of the Python functions want[0..n), innermost first, a stack's Python frames
 * hold in that order, each at a line of its range. */
static size_t python_chain(const struct json_value *st, const struct pywant *want, size_t n)
{
	const struct json_value *frames = json_get(st, "frames");
	size_t at = 0;

	for (size_t k = 0; k < json_array_len(frames); k++) {
		const struct json_value *f = json_array_at(frames, k);
		const char *sym = str_at(f, "symbol");

		if (is_kind(f, "interp") && at < n && sym && !strcmp(sym, want[at].name) &&
		    json_u64_at(f, "line") >= want[at].first && json_u64_at(f, "line") <= want[at].last)
			at++;
	}
	return at;
}

/* At least 90% of the samples of nest.py carry its whole chain, each function at its file
 * and line, with the native frames of sorted between: also by frame pointers (whose walk
 * ends short of the interpreter's frames in Debian's python3: the Python frames go above). */
static void profile_nest(const char *call_graph)
{
	char script[4096], why[256] = "";
	const struct json_value *stacks, *st;
	uint64_t total = 0, whole = 0;
	struct json_value *j;
	struct run r;

	if (access(PY, X_OK))
		cr_skip_test("no %s (make deps installs it)", PY);
	snprintf(script, sizeof(script), "%s", target("python/nest.py"));
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "499", "--call-graph",
					(char *)call_graph, "--format", "json", "--", PY, script,
					"3", NULL });
	stacks = stacks_of(j, "profile.cpu");
	for (size_t i = 0; (st = next_stack(stacks, &i, "python3.11", NULL));) {
		uint64_t c = json_u64_at(st, "count");
		char w[256];

		total += c;
		if (whole_nest(st, script, w, sizeof(w)))
			whole += c;
		else if (c > 5)
			snprintf(why, sizeof(why), "%s", w);
	}
	cr_log_info("python/profile %s: %llu of %llu samples carry nest.py's whole chain\n",
		    call_graph, (unsigned long long)whole, (unsigned long long)total);
	/* 1,500 at most; under the sanitizers tailtrace drains slower and the ring drops more */
	cr_assert_geq(total, 300, "3 s at 499 Hz: %llu samples", (unsigned long long)total);
	cr_assert_geq(whole * 10, total * 9, "%llu of %llu samples carry the whole chain; one "
		      "that does not: %s", (unsigned long long)whole, (unsigned long long)total,
		      why);
	json_free(j);
	run_free(&r);
}

Test(python, profile_dwarf_shows_the_whole_python_chain, .timeout = 90)
{
	profile_nest("dwarf");
}

/* fp: the native walk stops in the interpreter, whose frames are then not replaced but
 * followed by the Python frames: whole_nest wants native frames between Worker.run and
 * by_work, which a frame-pointer walk of Debian's python3 does not reach; only the order
 * and lines are checked here. */
Test(python, profile_fp_shows_the_python_functions, .timeout = 90)
{
	char script[4096];
	const struct json_value *stacks, *st;
	uint64_t total = 0, chained = 0;
	struct json_value *j;
	struct run r;

	if (access(PY, X_OK))
		cr_skip_test("no %s (make deps installs it)", PY);
	snprintf(script, sizeof(script), "%s", target("python/nest.py"));
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "499", "--call-graph", "fp",
					"--format", "json", "--", PY, script, "2", NULL });
	stacks = stacks_of(j, "profile.cpu");
	for (size_t i = 0; (st = next_stack(stacks, &i, "python3.11", NULL));) {
		uint64_t c = json_u64_at(st, "count");

		total += c;
		chained += python_chain(st, nest, NEST_N) == NEST_N && count_interp(st) == NEST_N ?
			   c : 0;
	}
	cr_log_info("python/profile fp: %llu of %llu samples carry the chain\n",
		    (unsigned long long)chained, (unsigned long long)total);
	cr_assert_geq(total, 200, "2 s at 499 Hz: %llu samples", (unsigned long long)total);
	cr_assert_geq(chained * 10, total * 9, "%llu of %llu", (unsigned long long)chained,
		      (unsigned long long)total);
	json_free(j);
	run_free(&r);
}

/* The folded and svg forms name the Python functions by their qualified names. */
Test(python, folded_and_svg_carry_qualified_names, .timeout = 90)
{
	char script[4096], svg[] = "/tmp/tt-python-XXXXXX.svg", *text = NULL;
	struct run r;
	size_t len = 0;
	FILE *f;
	int fd;

	if (access(PY, X_OK))
		cr_skip_test("no %s (make deps installs it)", PY);
	snprintf(script, sizeof(script), "%s", target("python/nest.py"));
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--format", "folded", "--", PY,
				    script, "2", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ";<module>;main;Worker.run;"), "folded:\n%.2000s", r.out);
	cr_assert(strstr(r.out, ";Worker.run.<locals>.by_work;outer;middle;inner"),
		  "folded:\n%.2000s", r.out);
	run_free(&r);

	fd = mkstemps(svg, 4);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(svg);
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "-o", svg, "--", PY, script, "1",
				    NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	f = fopen(svg, "r");
	cr_assert(f, "no %s", svg);
	text = calloc(1, 16 << 20);
	len = fread(text, 1, (16 << 20) - 1, f);
	fclose(f);
	unlink(svg);
	cr_assert_gt(len, 0);
	cr_assert(strstr(text, "Worker.run.&lt;locals&gt;.by_work"), "svg lacks by_work");
	/* a node is a function: its file, not a line */
	cr_assert(strstr(text, "inner\n") && strstr(text, script), "svg lacks inner's file");
	free(text);
	run_free(&r);
}

/* Off-CPU: the Python function that called time.sleep, above its system call's frames. */
/* Counts in total the python3.11 stacks of series (those whose label state, when given, is
 * that) and in slept those whose Python frames are sleeper.py's Napper.doze <- main <-
 * <module>, each at the line it sleeps or calls at. */
static void count_doze(const struct json_value *j, const char *series, const char *state,
		       uint64_t *total, uint64_t *slept)
{
	static const struct pywant doze[] = {
		{ "Napper.doze", 11, 11 }, { "main", 18, 18 }, { "<module>", 21, 21 },
	};
	const struct json_value *stacks = stacks_of(j, series), *st;

	*total = *slept = 0;
	for (size_t i = 0; (st = next_stack(stacks, &i, "python3.11", state));) {
		uint64_t c = json_u64_at(st, "count");

		*total += c;
		*slept += python_chain(st, doze, 3) == 3 ? c : 0;
	}
	cr_log_info("python/%s: %llu of %llu stacks show Napper.doze\n", series,
		    (unsigned long long)*slept, (unsigned long long)*total);
}

/* 2 s of 20 ms sleeps: about 100 blocks; the first ones may come before the process is
 * known to run Python (it is read within 20 ms of its first block, or of its first slow
 * call) */
static void assert_doze(const struct json_value *j, const char *series, const char *state)
{
	uint64_t total, slept;

	count_doze(j, series, state, &total, &slept);
	cr_assert_geq(total, 60, "%s: %llu stacks", series, (unsigned long long)total);
	cr_assert_geq(slept * 10, total * 9, "%s: %llu of %llu stacks show Napper.doze <- main "
		      "<- <module>", series, (unsigned long long)slept, (unsigned long long)total);
}

/* tailtrace with args, then sleeper.py 2 under PY: the stacks of series (of state, when not
 * NULL) show Napper.doze where it slept. */
static void sleeper_shows_doze(char *const args[], const char *series, const char *state)
{
	char *argv[16] = { TT };
	struct json_value *j;
	struct run r;
	int n = 1;

	if (access(PY, X_OK))
		cr_skip_test("no %s (make deps installs it)", PY);
	for (int i = 0; args[i] && n < 12; i++)
		argv[n++] = args[i];
	argv[n++] = "--";
	argv[n++] = PY;
	argv[n++] = (char *)target("python/sleeper.py");
	argv[n++] = "2";
	argv[n] = NULL;
	j = run_json_ok(&r, argv);
	assert_doze(j, series, state);
	json_free(j);
	run_free(&r);
}

Test(python, sched_offcpu_shows_the_function_that_slept, .timeout = 90)
{
	sleeper_shows_doze((char *[]){ "sched", "--offcpu-stacks=5ms", "--format", "json", NULL },
			   "sched.offcpu_stack", NULL);
}

/* profile --wall: the time a Python thread is blocked, under the Python function that
 * blocked. */
Test(python, wall_blocked_time_shows_the_function_that_slept, .timeout = 90)
{
	sleeper_shows_doze((char *[]){ "profile", "--wall", "--format", "json", NULL },
			   "profile.wall", "blocked");
}

/* func --stacks: a slow call made from Python (time.sleep's clock_nanosleep, in libc) shows
 * the Python functions that made it. */
Test(python, slow_call_stacks_show_the_python_caller, .timeout = 90)
{
	sleeper_shows_doze((char *[]){ "func", "libc:clock_nanosleep", "--slower-than", "5ms",
				       "--stacks", "--format", "json", NULL },
			   "func.slow_stack", NULL);
}

/* A process whose frames are garbage: tailtrace ends in time, every stack of it native. */
Test(python, hostile_frames_fall_back_to_native, .timeout = 90)
{
	const struct json_value *stacks, *st;
	uint64_t total = 0, interp = 0, spin = 0;
	struct json_value *j;
	struct run r;

	j = run_json_ok(&r, (char *[]){ TT, "profile", "-v", "-F", "499", "--format", "json",
					"--", (char *)target("python_hostile"), "1500", NULL });
	cr_assert(strstr(r.err, "runs CPython 3.11 (python_hostile"),
		  "its fake runtime passed the check:\n%s", r.err);
	cr_assert(strstr(r.err, " 0 stacks named"), "%s", r.err);
	stacks = stacks_of(j, "profile.cpu");
	for (size_t i = 0; (st = next_stack(stacks, &i, "python_hostile", NULL));) {
		uint64_t c = json_u64_at(st, "count");

		total += c;
		interp += count_interp(st) ? c : 0;
		spin += has_symbol(st, "hostile_spin") ? c : 0;
	}
	/* 750 at most; fewer under the sanitizers */
	cr_assert_geq(total, 150, "1.5 s at 499 Hz: %llu samples", (unsigned long long)total);
	cr_assert_eq(interp, 0, "%llu samples with Python frames", (unsigned long long)interp);
	cr_assert_geq(spin * 100, total * 95, "%llu of %llu in hostile_spin",
		      (unsigned long long)spin, (unsigned long long)total);
	json_free(j);
	run_free(&r);
}

/* Another version (a python3.11 whose Py_Version says 3.12): native frames, one warning. */
Test(python, other_version_native_frames_one_warning, .timeout = 90)
{
	const char *copy = target("python/python3.12-copy");
	const struct json_value *stacks, *st;
	uint64_t total = 0, interp = 0, eval = 0;
	struct json_value *j;
	const char *w;
	struct run r;

	if (access(copy, X_OK))
		cr_skip_test("no %s (built from %s)", copy, PY);
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "199", "--format", "json", "--",
					(char *)copy, (char *)target("python/nest.py"), "1",
					NULL });
	/* under --format json, messages are JSON too */
	w = strstr(r.err, "\"warning\":");
	cr_assert(w && strstr(w, "runs Python 3.12 (python3.12-copy): tailtrace reads the "
			      "frames of CPython 3.11 only"), "%s", r.err);
	cr_assert_null(strstr(w + 1, "\"warning\":"), "more than one warning:\n%s", r.err);
	stacks = stacks_of(j, "profile.cpu");
	for (size_t i = 0; (st = next_stack(stacks, &i, "python3.12-copy", NULL));) {
		uint64_t c = json_u64_at(st, "count");

		total += c;
		interp += count_interp(st) ? c : 0;
		eval += has_symbol(st, "_PyEval_EvalFrameDefault") ? c : 0;
	}
	cr_assert_geq(total, 100);
	cr_assert_eq(interp, 0, "%llu samples with Python frames", (unsigned long long)interp);
	cr_assert_geq(eval * 10, total * 9, "%llu of %llu keep the interpreter's frames",
		      (unsigned long long)eval, (unsigned long long)total);
	json_free(j);
	run_free(&r);
}

/* The last blocked stretch of a script (a sleep, then exit) is recorded when the thread runs
 * again, as it exits: its Python frames, new then, are named at the switch-out, while the
 * process lives. */
Test(python, wall_names_the_last_sleep_before_exit, .timeout = 90)
{
	const struct json_value *stacks, *st;
	uint64_t slept = 0, named = 0;
	struct json_value *j;
	struct run r;

	if (access(PY, X_OK))
		cr_skip_test("no %s (make deps installs it)", PY);
	j = run_json_ok(&r, (char *[]){ TT, "profile", "--wall", "-F", "99", "--format", "json",
					"--", PY, (char *)target("python/endsleep.py"), "1", NULL });
	stacks = stacks_of(j, "profile.wall");
	for (size_t i = 0; (st = next_stack(stacks, &i, "python3.11", "blocked"));) {
		if (json_u64_at(st, "value") < 900000000)
			continue;
		slept++;
		named += has_symbol(st, "final_sleep");
	}
	cr_assert_eq(slept, 1, "one blocked stretch of 1 s:\n%s", r.out);
	cr_assert_eq(named, 1, "under final_sleep:\n%s", r.out);
	json_free(j);
	run_free(&r);
}

/* Code objects freed one after another, each new one at the address of the last
 * (python/reuse.py): every function is named as itself, in its own file, never after the
 * one that was at its address before (all 187 samples were named phase_0). 0.3 s at 199 Hz
 * is 60 samples a function; a few of each may stay native (a frame named after its code
 * object was freed is not named at all). */
Test(python, a_reused_code_object_address_names_the_new_function, .timeout = 90)
{
	const struct json_value *stacks, *st;
	uint64_t phase[6] = { 0 }, wrong = 0;
	struct json_value *j;
	struct run r;

	if (access(PY, X_OK))
		cr_skip_test("no %s (make deps installs it)", PY);
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-F", "199", "--format", "json", "--", PY,
					(char *)target("python/reuse.py"), NULL });
	stacks = stacks_of(j, "profile.cpu");
	for (size_t i = 0; (st = next_stack(stacks, &i, "python3.11", NULL));) {
		const struct json_value *frames = json_get(st, "frames");

		for (size_t k = 0; k < json_array_len(frames); k++) {
			const struct json_value *f = json_array_at(frames, k);
			const char *sym = str_at(f, "symbol"), *file = str_at(f, "file");
			char want[16];
			int n;

			if (!sym || sscanf(sym, "phase_%d", &n) != 1 || n < 0 || n > 5)
				continue;
			snprintf(want, sizeof(want), "gen_%d.py", n);
			if (!file || strcmp(file, want))
				wrong += json_u64_at(st, "count");
			else
				phase[n] += json_u64_at(st, "count");
			break;
		}
	}
	cr_log_info("python/reuse: phase_0..5 %llu %llu %llu %llu %llu %llu samples\n",
		    (unsigned long long)phase[0], (unsigned long long)phase[1],
		    (unsigned long long)phase[2], (unsigned long long)phase[3],
		    (unsigned long long)phase[4], (unsigned long long)phase[5]);
	cr_assert_eq(wrong, 0, "%llu samples named after a function of another file",
		     (unsigned long long)wrong);
	for (int n = 0; n < 6; n++)
		cr_assert_geq(phase[n], 30, "phase_%d: %llu samples of about 60", n,
			      (unsigned long long)phase[n]);
	json_free(j);
	run_free(&r);
}
