/* tailtrace diff on real runs: the delay target timed under func, at 200 us and at other
 * delays, compared. Runs are made once (the first test that needs one) and shared by every
 * test of this file through a directory of the runner's, removed when all have run.
 *
 * The target runs SCHED_FIFO (delay --fifo): on a machine busy with other work a spinning
 * call is preempted for milliseconds whenever a neighbour runs, and how often differs from
 * one run to the next by the neighbours' load, not by anything diff could know. The tests
 * measure diff's own false alarms; tests/bench/diff_sensitivity.sh measures both ways. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

static char *cache_dir(pid_t runner)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/tt-diff-runs-%d", (int)runner);
	return dir;
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char cmd[128];

	(void)stats;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_dir(getpid()));
	if (system(cmd))
		fprintf(stderr, "test_diff: could not remove %s\n", cache_dir(getpid()));
}

/* The delay target runs SCHED_FIFO on a CPU of its own (the last one), tailtrace on CPU 0:
 * unpinned, tailtrace's wake-ups landing on the target's CPU made the count of slow calls
 * vary from 4 to 91 in 2,000 between identical runs (p99 215-244 us), pinned from 7 to 39
 * (p99 211-223 us). */
static char *target_cpu(void)
{
	static char cpu[24];
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(cpu, sizeof(cpu), "%ld", n > 1 ? n - 1 : 0);
	return cpu;
}

/* The run called name: func work over `delay US CALLS [extra]` run SCHED_FIFO, saved as
 * JSON once for all the tests. Returns its path. */
static char *delay_run(const char *name, const char *us, const char *calls, const char *extra,
		       const char *extra_arg)
{
	static char paths[64][256];
	static int next;
	char *path = paths[next++ % 64], *dir = cache_dir(getppid());
	struct run r;

	mkdir(dir, 0700);
	snprintf(path, 256, "%s/%s.json", dir, name);
	if (access(path, F_OK)) {
		char *argv[] = { "/usr/bin/taskset", "-c", "0", TT, "func", "work", "-o", path,
				 "--", TG("delay"), (char *)us, (char *)calls, "--fifo", "--cpu",
				 target_cpu(), (char *)extra, (char *)extra_arg, NULL };

		run_cmd(&r, 60, argv);
		cr_assert_eq(r.status, 0, "run %s: exit %d: %s", name, r.status, r.err);
		run_free(&r);
	}
	return path;
}

static char *rerun(int i)
{
	char name[32];

	snprintf(name, sizeof(name), "rerun-200-%d", i);
	return delay_run(name, "200", "2000", NULL, NULL);
}

static struct run diff(char *const *args)
{
	char *argv[24] = { TT, "diff" };
	struct run r;
	int n = 2;

	for (int i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	run_cmd(&r, 60, argv);
	return r;
}

/* The row of func work's stat in diff's JSON, asserting it is there. */
static const struct json_value *row(const struct json_value *doc, const char *stat)
{
	const struct json_value *rows = json_get(doc, "rows");

	for (size_t i = 0; i < json_array_len(rows); i++) {
		const struct json_value *r = json_array_at(rows, i);
		const char *func = json_as_string(json_get(json_get(r, "labels"), "func"), NULL);

		if (func && !strcmp(func, "work") &&
		    !strcmp(json_as_string(json_get(r, "stat"), NULL), stat))
			return r;
	}
	cr_assert_fail("no row for work %s", stat);
	return NULL;
}

static const char *verdict(const struct json_value *doc, const char *stat)
{
	return json_as_string(json_get(row(doc, stat), "verdict"), NULL);
}

Test(diff, ten_percent_slower_regresses_at_p50_and_exits_3)
{
	char *base = rerun(0), *slow = delay_run("delay-220", "220", "2000", NULL, NULL);
	struct run r = diff((char *[]){ base, slow, NULL });
	struct json_value *doc;

	cr_assert_eq(r.status, 3, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_assert(strstr(r.out, "regressed"), "%s", r.out);
	cr_assert_eq(strchr(r.out, '\033'), NULL, "no colour into a pipe");
	/* regressions first: the first row of the table (after the title and header) */
	{
		const char *first = strstr(r.out, "\nVERDICT");

		cr_assert(first && !strncmp(strchr(first + 1, '\n') + 1, "regressed", 9), "%s",
			  r.out);
	}
	run_free(&r);

	r = diff((char *[]){ base, slow, "--format", "json", NULL });
	cr_assert_eq(r.status, 3, "exit %d: %s", r.status, r.err);
	doc = run_json(&r);
	cr_assert_str_eq(verdict(doc, "p50"), "regressed");
	json_free(doc);
	run_free(&r);
}

/* On a terminal (script(1) gives it one) the verdicts are in colour, unless NO_COLOR. */
Test(diff, colour_only_on_a_terminal)
{
	char *base = rerun(0), *slow = delay_run("delay-220", "220", "2000", NULL, NULL);
	char cmd[1024];
	struct run r;

	snprintf(cmd, sizeof(cmd), "'%s' diff '%s' '%s'", tt_bin(), base, slow);
	run_cmd(&r, 60, (char *[]){ "/usr/bin/script", "-qec", cmd, "/dev/null", NULL });
	cr_assert_eq(r.status, 3, "exit %d: %s%s", r.status, r.out, r.err);
	cr_assert(strstr(r.out, "\033[1;31mregressed\033[0m"), "%s", r.out);
	run_free(&r);
	snprintf(cmd, sizeof(cmd), "NO_COLOR=1 '%s' diff '%s' '%s'", tt_bin(), base, slow);
	run_cmd(&r, 60, (char *[]){ "/usr/bin/script", "-qec", cmd, "/dev/null", NULL });
	cr_assert_eq(r.status, 3, "exit %d: %s%s", r.status, r.out, r.err);
	cr_assert(strstr(r.out, "regressed") && !strchr(r.out, '\033'), "%s", r.out);
	run_free(&r);
}

Test(diff, twenty_reruns_of_the_same_delay_never_exit_3)
{
	int alarms = 0;
	/* the rows that regressed, for the failure message: CI keeps only the end of a log */
	char why[4096] = "";
	size_t used = 0;

	for (int i = 0; i < 20; i++) {
		char *a = rerun(2 * i), *b = rerun(2 * i + 1);
		struct run r = diff((char *[]){ a, b, NULL });

		cr_assert(r.status == 0 || r.status == 3, "pair %d: exit %d: %s", i, r.status,
			  r.err);
		if (r.status == 3) {
			char *line = r.out;

			alarms++;
			cr_log_warn("pair %d regressed:\n%s", i, r.out);
			for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
				if (!strncmp(line, "regressed", 9) && used < sizeof(why)) {
					size_t n = strcspn(line, "\n");

					used += (size_t)snprintf(why + used, sizeof(why) - used,
								 "pair %d: %.*s\n", i, (int)n, line);
				}
		}
		run_free(&r);
	}
	cr_log_info("false alarms: %d in 20 pairs of reruns of delay 200us x 2000", alarms);
	fprintf(stderr, "diff: false alarms: %d in 20 pairs of reruns (200 us x 2000 calls)\n",
		alarms);
	cr_assert_eq(alarms, 0, "false alarms: %d in 20 pairs\n%s", alarms, why);
}

/* A 3% shift of every call, under a 10% threshold for p50. The tails keep their defaults:
 * 10% on p99 too failed once in CI (p99 211 -> 236 us), within the spread of identical
 * runs that made p99's default 20%. */
Test(diff, three_percent_slower_passes_a_ten_percent_threshold)
{
	char *base = rerun(0), *slower = delay_run("delay-206", "206", "2000", NULL, NULL);
	struct run r = diff((char *[]){ base, slower, "--threshold", "p50=10%", "--format",
					"json", NULL });
	struct json_value *doc;

	cr_assert_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	doc = run_json(&r);
	cr_assert_str_eq(verdict(doc, "p50"), "unchanged");
	json_free(doc);
	run_free(&r);
}

Test(diff, a_bimodal_change_is_caught_at_p99_not_p50)
{
	char *base = rerun(0);
	char *tail = delay_run("delay-bimodal", "200", "2000", "--bimodal", "2000");
	struct run r = diff((char *[]){ base, tail, "--format", "json", NULL });
	struct json_value *doc;

	cr_assert_eq(r.status, 3, "exit %d\n%s%s", r.status, r.out, r.err);
	doc = run_json(&r);
	cr_assert_str_eq(verdict(doc, "p99"), "regressed");
	cr_assert_str_eq(verdict(doc, "p50"), "unchanged");
	cr_assert_str_eq(verdict(doc, "p90"), "unchanged");
	json_free(doc);
	run_free(&r);
}

Test(diff, several_runs_a_side)
{
	char *slow[5], *same[5], *base[5];
	char *args[20];
	struct json_value *doc;
	struct run r;
	int n = 0;

	for (int i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "delay-220-%d", i);
		slow[i] = delay_run(name, "220", "2000", NULL, NULL);
		base[i] = rerun(i);
		same[i] = rerun(5 + i);
	}
	args[n++] = "--base";
	for (int i = 0; i < 5; i++)
		args[n++] = base[i];
	args[n++] = "--new";
	for (int i = 0; i < 5; i++)
		args[n++] = slow[i];
	args[n++] = "--format";
	args[n++] = "json";
	args[n] = NULL;
	r = diff(args);
	cr_assert_eq(r.status, 3, "exit %d\n%s%s", r.status, r.out, r.err);
	doc = run_json(&r);
	cr_assert_str_eq(json_as_string(json_get(doc, "method"), NULL), "mann_whitney");
	cr_assert_str_eq(verdict(doc, "p50"), "regressed");
	json_free(doc);
	run_free(&r);

	/* five reruns against five others: no regression */
	for (int i = 0; i < 5; i++)
		args[7 + i] = same[i];
	r = diff(args);
	cr_assert_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	run_free(&r);

	/* three a side can never get there: said */
	r = diff((char *[]){ "--base", base[0], base[1], base[2], "--new", slow[0], slow[1],
			     slow[2], NULL });
	cr_assert_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_assert(strstr(r.out, "3 and 3 runs can never show a change"), "%s", r.out);
	cr_assert(strstr(r.out, "too few"), "%s", r.out);
	run_free(&r);
}

Test(diff, series_in_one_side_only_and_a_warning)
{
	char *dir = cache_dir(getppid()), a[256], b[256];
	char *rec = NULL;
	struct run r;

	mkdir(dir, 0700);
	snprintf(a, sizeof(a), "%s/count-work.json", dir);
	snprintf(b, sizeof(b), "%s/count-both.json", dir);
	{
		char *argv1[] = { TT, "func", "work", "-o", a, "--", TG("count"), "200", "100000",
				  NULL };
		char *argv2[] = { TT, "func", "work", "other", "-o", b, "--", TG("count"), "200",
				  "100000", NULL };

		run_cmd(&r, 60, argv1);
		cr_assert_eq(r.status, 0, "%s", r.err);
		run_free(&r);
		run_cmd(&r, 60, argv2);
		cr_assert_eq(r.status, 0, "%s", r.err);
		run_free(&r);
	}
	/* Two separate runs of work differ by more than one run's noise (CPU frequency, the
	 * cache, a sanitizer build): the threshold keeps the verdict on what is tested here,
	 * that a series on one side only never fails the gate. */
	r = diff((char *[]){ a, b, "--threshold", "500%", NULL });
	cr_assert_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
	cr_assert(strstr(r.out, "only in new") && strstr(r.out, "func=other"), "%s", r.out);
	cr_assert(strstr(r.err, "traced 1 functions, ") && strstr(r.err, " 2: the same patterns"),
		  "the functions traced differ: %s", r.err);
	run_free(&r);
	r = diff((char *[]){ b, a, "--threshold", "500%", NULL });
	cr_assert(strstr(r.out, "only in base") && strstr(r.out, "not in the new runs"), "%s",
		  r.out);
	run_free(&r);

	/* a run of record against one of func: compared, with a warning */
	{
		char path[256];
		char *argv[] = { "/usr/bin/taskset", "-c", "0", TT, "record", "--func", "work",
				 "-o", path, "--", TG("delay"), "200", "2000", "--fifo", "--cpu",
				 target_cpu(), NULL };

		snprintf(path, sizeof(path), "%s/record.json", dir);
		run_cmd(&r, 60, argv);
		cr_assert_eq(r.status, 0, "%s", r.err);
		run_free(&r);
		rec = path;
		r = diff((char *[]){ rerun(0), rec, "--threshold", "500%", NULL });
		cr_assert_eq(r.status, 0, "exit %d\n%s%s", r.status, r.out, r.err);
		cr_assert(strstr(r.err, "warning: not comparable?") &&
			  strstr(r.err, "'tailtrace func'") && strstr(r.err, "'tailtrace record'"),
			  "%s", r.err);
		cr_assert(strstr(r.out, "p50"), "the series still pair: %s", r.out);
		run_free(&r);
	}
}

/* Cells of a Markdown table row, split at the pipes that are not escaped. */
static int md_cells(const char *line, char cells[][256], int max)
{
	int n = -1;
	size_t k = 0;

	for (const char *p = line; *p && *p != '\n'; p++) {
		if (*p == '|' && (p == line || p[-1] != '\\')) {
			if (n >= 0 && n < max)
				cells[n][k] = 0;
			n++;
			k = 0;
			continue;
		}
		if (n >= 0 && n < max && k < 255)
			cells[n][k++] = *p;
	}
	return n;	/* the pipes less the leading one */
}

Test(diff, markdown_is_a_table)
{
	char *base = rerun(0), *slow = delay_run("delay-220", "220", "2000", NULL, NULL);
	struct run r = diff((char *[]){ base, slow, "--format", "markdown", NULL });
	char cells[10][256];
	const char *p;
	int rows = 0, header = 0;

	cr_assert_eq(r.status, 3, "exit %d: %s", r.status, r.err);
	cr_assert(!strncmp(r.out, "### tailtrace diff: ", 20), "%s", r.out);
	for (p = r.out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		int n;

		if (*p != '|')
			continue;
		n = md_cells(p, cells, 10);
		cr_assert_eq(n, 8, "8 cells a row: %.*s", (int)strcspn(p, "\n"), p);
		if (!header++) {
			cr_assert(strstr(cells[0], "verdict") && strstr(cells[3], "stat"));
			continue;
		}
		if (header == 2) {
			cr_assert(strstr(cells[0], "---"), "the delimiter row: %s", cells[0]);
			continue;
		}
		if (!rows++)
			cr_assert(strstr(cells[0], "**regressed**"), "first: %s", cells[0]);
		if (strstr(cells[1], "func.latency"))
			cr_assert(strstr(cells[2], "func=work"), "labels: %s", cells[2]);
	}
	cr_assert(rows >= 5, "%d rows: %s", rows, r.out);
	run_free(&r);
}

Test(diff, bad_input_says_what_to_do)
{
	char *base = rerun(0), *dir = cache_dir(getppid()), notjson[256];
	FILE *f;
	struct bad_case cases[] = {
		{ { NULL, "diff", base, NULL }, 2, "diff compares two runs, got 1" },
		{ { NULL, "diff", base, base, base, NULL }, 2, "diff compares two runs, got 3" },
		{ { NULL, "diff", "--base", base, NULL }, 2, "--base and --new go together" },
		{ { NULL, "diff", base, "--new", base, NULL }, 2, "either as BASE NEW or with" },
		{ { NULL, "diff", base, base, "--threshold", "p95=3%", NULL }, 2,
		  "unknown quantile 'p95'" },
		{ { NULL, "diff", base, base, "--threshold", "ten", NULL }, 2,
		  "is not a percent" },
		{ { NULL, "diff", base, base, "--alpha", "0.7", NULL }, 2,
		  "--alpha needs a probability" },
		{ { NULL, "diff", base, base, "--format", "folded", NULL }, 2,
		  "diff writes text, json or markdown" },
		{ { NULL, "diff", base, base, "--bogus", NULL }, 2, "unknown option '--bogus'" },
		{ { NULL, "diff", base, "/nonexistent/run.json", NULL }, 1,
		  "/nonexistent/run.json: No such file or directory" },
		{ { NULL, "diff", base, notjson, NULL }, 1, "not a tailtrace run" },
		{ { NULL, "diff", base, "/tmp", NULL }, 1, "/tmp: a directory" },
	};

	snprintf(notjson, sizeof(notjson), "%s/notjson.txt", dir);
	f = fopen(notjson, "w");
	cr_assert(f);
	fputs("func.latency work 200us\n", f);
	fclose(f);
	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(diff, help_states_the_defaults_and_exit_status)
{
	struct run r = diff((char *[]){ "--help", NULL });

	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "default p50=5%,p90=10%,p99=20%,p999=20%") &&
		  strstr(r.out, "(default 0.05)"), "%s", r.out);
	cr_assert(strstr(r.out, "3 when one or more did"), "%s", r.out);
	cr_assert(strstr(r.out, "new_low > base_high"), "%s", r.out);
	run_free(&r);
}
