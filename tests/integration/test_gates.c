/* Latency objectives on real runs, and the commands on saved runs (report, merge): exit
 * statuses, what they print, and every bad input. Short runs: count and exitcode. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "model/histogram.h"
#include "report/json.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char dir[] = "/tmp/tt-gates-XXXXXX";

static void make_dir(void)
{
	tt_bin();	/* skips where integration tests cannot run */
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		cr_log_warn("could not remove %s", dir);
}

static char *in_dir(const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int c;

	cr_assert(f && m, "open %s", path);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

static void write_whole(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert(f);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* The check of objective expr in a run's JSON (its first series). */
static const struct json_value *check_of(const struct json_value *doc, const char *expr)
{
	const struct json_value *list = json_get(doc, "objectives");

	for (size_t i = 0; i < json_array_len(list); i++) {
		const struct json_value *c = json_array_at(list, i);

		if (!strcmp(json_as_string(json_get(c, "objective"), NULL), expr))
			return c;
	}
	cr_assert_fail("no check of '%s' in the report", expr);
	return NULL;
}

/* 500 calls of work(), each at least 200 us of spinning: bounds far from what noise on a
 * busy machine reaches, on the side that a spin of 200 us cannot cross. */
Test(gates, slo_pass_and_fail_on_each_statistic)
{
	static const char *const pass[] = {
		"func.latency{func=work}:count>=500", "func.latency{func=work}:rate>10",
		"func.latency{func=work}:total>=99ms", "func.latency{func=work}:mean>=190us",
		"func.latency{func=work}:min>=190us", "func.latency{func=work}:max>=200us",
		"func.latency{func=work}:p50>=190us", "func.latency{func=work}:p90<=1s",
		"func.latency{func=work}:p99<1s", "func.latency{func=work}:p99.9>=195us",
	};
	static const char *const fail[] = {
		"func.latency{func=work}:count>500", "func.latency{func=work}:rate<1",
		"func.latency{func=work}:total<90ms", "func.latency{func=work}:mean<150us",
		"func.latency{func=work}:min<150us", "func.latency{func=work}:max<190us",
		"func.latency{func=work}:p50<100us", "func.latency{func=work}:p90<150us",
		"func.latency{func=work}:p99<=150us", "func.latency{func=work}:p99.9<1us",
	};
	char *argv[64] = { TT, "func", "work", "--format", "json" };
	int n = 5;
	struct json_value *doc;
	struct run r;

	for (size_t i = 0; i < ARRAY_LEN(pass); i++) {
		argv[n++] = "--slo";
		argv[n++] = (char *)pass[i];
	}
	/* all passing: exit 0 */
	argv[n++] = "--";
	argv[n++] = TG("count");
	argv[n++] = "500";
	argv[n++] = "200000";
	argv[n] = NULL;
	doc = run_json_ok(&r, argv);
	for (size_t i = 0; i < ARRAY_LEN(pass); i++) {
		const struct json_value *c = check_of(doc, pass[i]);

		cr_expect(json_get(c, "passed")->boolean, "%s failed: value %f", pass[i],
			  json_get(c, "value")->number.d);
		cr_expect_str_eq(json_as_string(json_get(json_get(c, "labels"), "func"), NULL),
				 "work");
	}
	json_free(doc);
	run_free(&r);

	/* the same run, a failing objective beside each passing one: exit 3 */
	n = 5 + 2 * (int)ARRAY_LEN(pass);
	for (size_t i = 0; i < ARRAY_LEN(fail); i++) {
		argv[n++] = "--slo";
		argv[n++] = (char *)fail[i];
	}
	argv[n++] = "--";
	argv[n++] = TG("count");
	argv[n++] = "500";
	argv[n++] = "200000";
	argv[n] = NULL;
	run_cmd(&r, 60, argv);
	cr_assert_eq(r.status, 3, "a failed objective exits 3, got %d: %s", r.status, r.err);
	doc = run_json(&r);
	for (size_t i = 0; i < ARRAY_LEN(fail); i++)
		cr_expect(!json_get(check_of(doc, fail[i]), "passed")->boolean, "%s passed: %f",
			  fail[i], json_get(check_of(doc, fail[i]), "value")->number.d);
	cr_expect_eq(json_u64_at(find_series(doc, "func.latency", "func", "work"), "count"), 500);
	json_free(doc);
	run_free(&r);
}

Test(gates, interval_violations_and_the_final_table)
{
	struct run r;
	const char *table, *p;
	int said = 0;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-i", "100ms",
				    "--slo", "func.latency:p50<100us",
				    "--slo", "func.latency:count>=1000000",
				    "--", TG("count"), "2000", "200000", NULL });
	cr_assert_eq(r.status, 3, "exit %d: %s", r.status, r.err);
	for (p = r.err; (p = strstr(p, "warning: objective failed in the interval to ")); p++)
		said++;
	cr_expect_geq(said, 2, "a violation said in each interval (0.4 s of 100 ms ones): %s",
		      r.err);
	cr_expect(strstr(r.err, "func.latency:p50<100us: p50 "), "%s", r.err);
	cr_expect_null(strstr(r.err, "count>=1000000"), "a lower bound on a count is about the "
		       "whole run, not an interval: %s", r.err);
	table = strstr(r.out, "\nObjectives: 0 of 2 met\n");
	cr_assert(table, "the last report ends with the table: %s", r.out);
	cr_expect_null(strstr(table + 1, "\nObjectives:"), "once, at the end");
	cr_expect(strstr(table, "FAIL    func.latency:count>=1000000  func=work  2000\n"),
		  "the whole run's count, not the last interval's:\n%s", table);
	cr_expect_eq(strstr(r.out, "\nObjectives:"), table, "not in the interval reports");
	run_free(&r);
}

Test(gates, traced_command_status_wins)
{
	struct run r;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--slo", "func.latency:p50<1ns", "--",
				    TG("exitcode"), "3", "7", NULL });
	cr_expect_eq(r.status, 7, "the command failed (7) and the objective: %d", r.status);
	cr_expect(strstr(r.out, "Objectives: 0 of 1 met"), "still reported: %s", r.out);
	run_free(&r);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--slo", "func.latency:p50<1ns", "--",
				    TG("exitcode"), "3", "0", NULL });
	cr_expect_eq(r.status, 3, "the command succeeded, the objective failed: %d", r.status);
	run_free(&r);
}

Test(gates, usage_and_file_errors, .init = make_dir, .fini = remove_dir)
{
	char *bad_file = in_dir("bad.slo");
	struct bad_case cases[] = {
		{ { NULL, "func", "work", "--slo", "func.latency:p99<2", "--", TG("count"), NULL },
		  2, "--slo 'func.latency:p99<2': at character 18: p99 is a time" },
		{ { NULL, "func", "work", "--slo", "func.latncy:p99<2ms", "--", TG("count"), NULL },
		  2, "unknown metric 'func.latncy': this run has func.latency, func.traced" },
		{ { NULL, "func", "work", "--slo", "sched.runq_latency:p99<2ms", "--", TG("count"),
		    NULL },
		  2, "sched.runq_latency is a metric of sched, which this run does not use" },
		{ { NULL, "func", "work", "--slo-file", "/nonexistent.slo", "--", TG("count"), NULL },
		  1, "--slo-file /nonexistent.slo: No such file or directory" },
		{ { NULL, "func", "work", "--slo-file", bad_file, "--", TG("count"), NULL },
		  1, ":2: at character 14: unknown statistic 'median'" },
		{ { NULL, "report", NULL }, 2, "name the run to report" },
		{ { NULL, "func", "work", "-o", "/tmp/a.json", "-o", "/tmp/b.svg", "--", TG("count"),
		    NULL }, 2, "-o given twice ('/tmp/a.json', then '/tmp/b.svg')" },
		{ { NULL, "merge", "/nonexistent.json", NULL }, 2, "name at least two runs" },
		{ { NULL, "report", "/nonexistent.json", NULL }, 1,
		  "/nonexistent.json: No such file or directory; give the path of a run" },
		{ { NULL, "report", "--format", "json", "/nonexistent.json", NULL }, 1,
		  "/nonexistent.json: No such file" },
	};
	static const char slo[] = "# ok\nfunc.latency:median<1ms\n";

	write_whole(bad_file, slo, strlen(slo));
	expect_each(cases, ARRAY_LEN(cases));
	free(bad_file);
}

/* A saved run and the report it printed; the files of the bad-input cases made from it. */
Test(gates, report_of_a_saved_run, .init = make_dir, .fini = remove_dir)
{
	char *run = in_dir("run.json"), *md = in_dir("run.md"), *text;
	struct run r, back;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "other", "-o", run, "--",
				    TG("count"), "300", "100000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_cmd(&back, 30, (char *[]){ TT, "report", run, NULL });
	cr_assert_eq(back.status, 0, "%s", back.err);
	cr_expect_str_eq(back.out, r.out, "the report of the saved run is the one printed");
	run_free(&back);

	run_cmd(&back, 30, (char *[]){ TT, "report", run, "--format", "markdown", "--label",
				       "func=w*", "-o", md, NULL });
	cr_assert_eq(back.status, 0, "%s", back.err);
	text = read_whole(md);
	cr_expect(strstr(text, "| func | binary | pid | CALLS | total | mean | min | p50 | p90 | "
			 "p99 | p999 | max |\n|---|---|---|---:|"), "%s", text);
	cr_expect(strstr(text, "| work | "), "%s", text);
	cr_expect_null(strstr(text, "| other | "), "--label func=w* leaves other out:\n%s", text);
	free(text);
	run_free(&back);

	/* objectives on a saved run: 3 when one fails, 0 when all pass */
	run_cmd(&back, 30, (char *[]){ TT, "report", run, "--slo",
				       "func.latency{func=work}:count>=300", NULL });
	cr_expect_eq(back.status, 0, "%s", back.err);
	cr_expect(strstr(back.out, "Objectives: 1 of 1 met, all"), "%s", back.out);
	run_free(&back);
	run_cmd(&back, 30, (char *[]){ TT, "report", run, "--slo", "func.latency:count>=300",
				       NULL });
	cr_expect_eq(back.status, 3, "other was called 150 times: %s", back.out);
	run_free(&back);
	run_free(&r);
	free(run);
	free(md);
}

Test(gates, bad_saved_runs, .init = make_dir, .fini = remove_dir)
{
	char *run = in_dir("run.json"), *json, *p;
	char *trunc = in_dir("trunc.json"), *text = in_dir("text.json"), *other = in_dir("o.json");
	char *newer = in_dir("newer.json"), *sum = in_dir("sum.json");
	struct run r;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-o", run, "--", TG("count"), "20", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	json = read_whole(run);
	write_whole(trunc, json, strlen(json) / 2);
	write_whole(text, "\nfunc.latency  binary=x\n", strlen("\nfunc.latency  binary=x\n"));
	write_whole(other, "{\"name\": \"x\"}", strlen("{\"name\": \"x\"}"));
	p = strstr(json, "\"schema\": 1");
	cr_assert(p);
	p[10] = '9';
	write_whole(newer, json, strlen(json));
	p[10] = '1';
	p = strstr(json, "\"count\": 20");
	cr_assert(p, "%s", json);
	p[10] = '1';
	write_whole(sum, json, strlen(json));
	{
		struct bad_case cases[] = {
			{ { NULL, "report", trunc, NULL }, 1, "trunc.json: truncated JSON" },
			{ { NULL, "report", text, NULL }, 1, "text.json: not a tailtrace run (not JSON" },
			{ { NULL, "report", other, NULL }, 1, "o.json: not a tailtrace run" },
			{ { NULL, "report", newer, NULL }, 1,
			  "newer.json: written by a newer tailtrace (schema 9" },
			{ { NULL, "report", sum, NULL }, 1,
			  "sum.json: not a run this tailtrace can read: series[0].buckets: they add up "
			  "to 20, not to the count 21" },
			{ { NULL, "merge", run, sum, NULL }, 1, "sum.json: not a run" },
			{ { NULL, "report", "--format", "ndjson", trunc, NULL }, 1, "truncated JSON" },
		};

		expect_each(cases, ARRAY_LEN(cases));
	}
	free(json);
	free(run);
	free(trunc);
	free(text);
	free(other);
	free(newer);
	free(sum);
}

static void load_hist(const char *path, const char *func, struct hist *out)
{
	char *text = read_whole(path), err[256];
	struct snapshot s;

	cr_assert_eq(snapshot_from_json(text, strlen(text), &s, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < s.nseries; i++) {
		const char *f = labels_get(&s.series[i].labels, "func");

		if (s.series[i].kind == SERIES_HIST && f && !strcmp(f, func)) {
			*out = *s.series[i].hist;
			snapshot_free(&s);
			free(text);
			return;
		}
	}
	cr_assert_fail("no series of %s in %s", func, path);
}

Test(gates, merge_equals_one_run_holding_both, .init = make_dir, .fini = remove_dir)
{
	char *a = in_dir("a.json"), *b = in_dir("b.json"), *ab = in_dir("ab.json");
	struct hist *ha = malloc(sizeof(*ha)), *hb = malloc(sizeof(*hb)), *hm = malloc(sizeof(*hm));
	struct run r;

	cr_assert(ha && hb && hm);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-o", a, "--", TG("count"), "300",
				    "100000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-o", b, "--", TG("count"), "200",
				    "300000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	run_cmd(&r, 30, (char *[]){ TT, "merge", a, b, "-o", ab, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_str_eq(r.out, "", "-o: nothing on standard output");
	run_free(&r);
	load_hist(a, "work", ha);
	load_hist(b, "work", hb);
	load_hist(ab, "work", hm);
	cr_expect_eq(hm->count, 500, "300 + 200 calls, exactly: %llu",
		     (unsigned long long)hm->count);
	hist_merge(ha, hb);
	cr_expect_eq(memcmp(hm, ha, sizeof(*hm)), 0, "the merged histogram is the sum of both");
	for (int q = 0; q < HIST_NQUANTILES; q++)
		cr_expect_eq(hist_quantile(hm, hist_quantiles[q].q),
			     hist_quantile(ha, hist_quantiles[q].q), "%s", hist_quantiles[q].name);
	cr_expect_geq(hist_quantile(hm, 0.9), 290000, "p90 in the slower run's range");
	cr_expect_lt(hist_quantile(hm, 0.5), 200000, "p50 in the faster one's");
	free(ha);
	free(hb);
	free(hm);
	free(a);
	free(b);
	free(ab);
}
