/* Latency objectives: the syntax, its errors, files of them, and their checks on a snapshot
 * whose every statistic is known. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gates/slo.h"
#include "model/histogram.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

Test(slo, parses_each_part)
{
	static const struct {
		const char *expr, *metric, *stat;
		enum slo_stat kind;
		enum slo_op op;
		double bound, q;
		size_t nm;
	} cases[] = {
		{ "func.latency{func=handle_request}:p99<2ms", "func.latency", "p99", SLO_QUANTILE,
		  SLO_LT, 2e6, 0.99, 1 },
		{ "sched.runq_latency:p99<500us", "sched.runq_latency", "p99", SLO_QUANTILE, SLO_LT,
		  5e5, 0.99, 0 },
		{ "net.tcp_connect:count>=50", "net.tcp_connect", "count", SLO_COUNT, SLO_GE, 50, 0,
		  0 },
		{ "func.latency:mean<100us", "func.latency", "mean", SLO_MEAN, SLO_LT, 1e5, 0, 0 },
		{ "  m : p99.9 <= 1.5s  ", "m", "p99.9", SLO_QUANTILE, SLO_LE, 1.5e9, 0.999, 0 },
		{ "m:p999>10ns", "m", "p99.9", SLO_QUANTILE, SLO_GT, 10, 0.999, 0 },
		{ "m:p95<200ms", "m", "p95", SLO_QUANTILE, SLO_LT, 2e8, 0.95, 0 },
		{ "m:rate>=100/s", "m", "rate", SLO_RATE, SLO_GE, 100, 0, 0 },
		{ "m:rate<2.5", "m", "rate", SLO_RATE, SLO_LT, 2.5, 0, 0 },
		{ "m:total<1m", "m", "total", SLO_TOTAL, SLO_LT, 6e10, 0, 0 },
		{ "m:min>1us", "m", "min", SLO_MIN, SLO_GT, 1000, 0, 0 },
		{ "m:max<=1ms", "m", "max", SLO_MAX, SLO_LE, 1e6, 0, 0 },
		{ "m{a=x*, b = y }:p50<1ms", "m", "p50", SLO_QUANTILE, SLO_LT, 1e6, 0.5, 2 },
		/* the unit a word of its own, as people write it */
		{ "m:p99 < 5 us", "m", "p99", SLO_QUANTILE, SLO_LT, 5000, 0.99, 0 },
		{ "m:max<2 s ", "m", "max", SLO_MAX, SLO_LT, 2e9, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct slo o;
		char err[256] = "";

		cr_assert_eq(slo_parse(cases[i].expr, &o, err, sizeof(err)), 0, "'%s': %s",
			     cases[i].expr, err);
		cr_expect_str_eq(o.metric, cases[i].metric, "%s", cases[i].expr);
		cr_expect_str_eq(o.stat_name, cases[i].stat, "%s", cases[i].expr);
		cr_expect_eq(o.stat, cases[i].kind, "%s", cases[i].expr);
		cr_expect_eq(o.op, cases[i].op, "%s", cases[i].expr);
		cr_expect(fabs(o.bound - cases[i].bound) < 1e-6, "%s: bound %f", cases[i].expr,
			  o.bound);
		if (cases[i].kind == SLO_QUANTILE)
			cr_expect(fabs(o.q - cases[i].q) < 1e-12, "%s: q %f", cases[i].expr, o.q);
		cr_expect_eq(o.nm, cases[i].nm, "%s", cases[i].expr);
		slo_free(&o);
	}
}

Test(slo, matchers_and_text)
{
	struct slo o;
	char err[256];

	cr_assert_eq(slo_parse(" m{a=x*, b = y }:p50<1ms ", &o, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(o.text, "m{a=x*, b = y }:p50<1ms", "the text, trimmed");
	cr_expect_str_eq(o.m[0].key, "a");
	cr_expect_str_eq(o.m[0].value, "x*");
	cr_expect_str_eq(o.m[1].key, "b");
	cr_expect_str_eq(o.m[1].value, "y", "blanks around a value are not part of it");
	slo_free(&o);
}

Test(slo, errors_name_the_place)
{
	static const struct {
		const char *expr, *err;
	} cases[] = {
		{ "", "at character 1: empty objective" },
		{ ":p99<1ms", "at character 1: expected a metric name" },
		{ "m", "at character 2: expected ':' and a statistic after the metric, found the end" },
		{ "m p99<1ms", "at character 3: expected ':' and a statistic after the metric, "
			       "found 'p99<1ms'" },
		{ "m:", "at character 3: expected a statistic" },
		{ "m:p9x<1ms", "at character 3: unknown statistic 'p9x'" },
		{ "m:p100<1ms", "at character 3: unknown statistic 'p100'" },
		{ "m:median<1ms", "at character 3: unknown statistic 'median': use count, rate" },
		{ "m:p99", "at character 6: expected a comparison (<, <=, > or >=)" },
		{ "m:p99=1ms", "at character 6: expected a comparison" },
		{ "m:p99<", "at character 7: expected a bound" },
		{ "m:p99<2", "at character 7: p99 is a time: give the bound a unit" },
		{ "m:p99<2parsecs", "at character 7: invalid duration '2parsecs'" },
		{ "m:p99<-2ms", "at character 7: invalid duration '-2ms'" },
		{ "m:count>=5ms", "at character 10: count needs a plain number as its bound" },
		{ "m:count>=0x10", "at character 10: count needs a plain number" },
		{ "m:p99<2ms junk", "at character 11: unexpected 'junk' after the bound" },
		{ "m{func}:p99<1ms", "at character 7: expected '=' after the label name, found '}" },
		{ "m{=x}:p99<1ms", "at character 3: expected a label name" },
		{ "m{func=}:p99<1ms", "the label func has no value" },
		{ "m{func=x:p99<1ms", "expected '}' to close the label matchers" },
		{ "m{a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9}:p99<1ms", "at most 8 label matchers" },
		{ "m\x1b[2J:p99<1ms", "found '\\x1b[2J:p99<1ms'" },
		{ "m:p99 < 5", "p99 is a time: give the bound a unit" },
		{ "m:p99<5 us x", "unexpected 'x' after the bound" },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct slo o;
		char err[256] = "";

		cr_expect_eq(slo_parse(cases[i].expr, &o, err, sizeof(err)), -EINVAL,
			     "'%s' was accepted", cases[i].expr);
		cr_expect(strstr(err, cases[i].err), "'%s':\n  got      %s\n  expected %s",
			  cases[i].expr, err, cases[i].err);
		cr_expect_null(o.text, "nothing kept after an error");
	}
}

static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/tt-slo-XXXXXX");
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(slo, file_with_comments)
{
	char *path = temp_file("# targets of the service\n\n"
			       "func.latency{func=handle}:p99<2ms   # the API\n"
			       "   \t\n"
			       "net.tcp_connect:count>=50\r\n");
	struct slo_set set = { 0 };
	char err[256] = "";

	cr_assert_eq(slo_set_load(&set, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(set.n, 2);
	cr_expect_str_eq(set.v[0].text, "func.latency{func=handle}:p99<2ms");
	cr_expect_str_eq(set.v[1].text, "net.tcp_connect:count>=50", "CRLF lines read too");
	slo_set_free(&set);
	unlink(path);
	free(path);
}

Test(slo, file_errors_name_file_and_line)
{
	char *path = temp_file("func.latency:p99<2ms\n# fine\nfunc.latency:p99<2\n");
	char want[256], err[256] = "";
	struct slo_set set = { 0 };

	cr_assert_eq(slo_set_load(&set, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: at character 18: p99 is a time", path);
	cr_expect(strstr(err, want), "got %s", err);
	slo_set_free(&set);
	unlink(path);
	free(path);

	cr_assert_eq(slo_set_load(&set, "/nonexistent/slo", err, sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "/nonexistent/slo: No such file"), "got %s", err);
	cr_assert(slo_set_load(&set, "/tmp", err, sizeof(err)) < 0);
	cr_expect(strstr(err, "/tmp: a directory"), "got %s", err);
	cr_assert(slo_set_load(&set, "/dev/zero", err, sizeof(err)) < 0, "a device is refused");
	cr_expect_eq(set.n, 0);
}

/* work: 100 calls of 1..100 us; idle: traced, never called; a counter of 7. 2 s long. */
static void known(struct snapshot *s)
{
	struct hist *h = calloc(1, sizeof(*h));
	struct series *se;

	cr_assert(h);
	cr_assert_eq(snapshot_init(s, "func"), 0);
	s->duration_ns = 2000000000ull;
	for (uint64_t v = 1000; v <= 100000; v += 1000)
		hist_add(h, v, 1);
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "work"), 0);
	memset(h, 0, sizeof(*h));
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "idle"), 0);
	cr_assert_eq(snapshot_add_counter(s, "net.tcp_retransmits", "count", 7, NULL), 0);
	free(h);
}

/* The one check of expr on the known snapshot. */
static struct check one_check(struct snapshot *s, const char *expr)
{
	struct slo_set set = { 0 };
	char err[256] = "";

	snapshot_clear_checks(s);
	cr_assert_eq(slo_set_add(&set, expr, err, sizeof(err)), 0, "%s: %s", expr, err);
	cr_assert_eq(slo_evaluate(&set, s), 0);
	cr_assert_eq(s->nchecks, 1, "%s: %zu checks", expr, s->nchecks);
	slo_set_free(&set);
	return s->checks[0];
}

Test(slo, each_statistic_passes_and_fails)
{
	/* the values as hist_quantile gives them: the midpoint of the bucket that holds the
	 * rank (50,000 is in [49,152, 50,176): 49,664) */
	static const struct {
		const char *pass, *fail;
		double value;
	} cases[] = {
		{ "func.latency{func=work}:count>=100", "func.latency{func=work}:count>100", 100 },
		{ "func.latency{func=work}:rate>=50/s", "func.latency{func=work}:rate>50", 50 },
		{ "func.latency{func=work}:total<=5.05ms", "func.latency{func=work}:total<5.05ms",
		  5050000 },
		{ "func.latency{func=work}:mean<51us", "func.latency{func=work}:mean<50us", 50500 },
		{ "func.latency{func=work}:min>=1us", "func.latency{func=work}:min>1us", 1000 },
		{ "func.latency{func=work}:max<=100us", "func.latency{func=work}:max<100us", 100000 },
		{ "func.latency{func=work}:p50<51us", "func.latency{func=work}:p50<49us", 49664 },
		{ "func.latency{func=work}:p90<91us", "func.latency{func=work}:p90<89us", 89088 },
		{ "func.latency{func=work}:p99<=100us", "func.latency{func=work}:p99<98us", 99328 },
		{ "func.latency{func=work}:p99.9>99us", "func.latency{func=work}:p99.9>101us",
		  99328 },
		{ "net.tcp_retransmits:count<10", "net.tcp_retransmits:count<=6", 7 },
		{ "net.tcp_retransmits:rate<4", "net.tcp_retransmits:rate>4", 3.5 },
	};
	struct snapshot s;

	known(&s);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct check c = one_check(&s, cases[i].pass);

		cr_expect(c.have && c.passed, "%s should pass: value %f", cases[i].pass, c.value);
		cr_expect(fabs(c.value - cases[i].value) < 1e-6, "%s: value %f, want %f",
			  cases[i].pass, c.value, cases[i].value);
		cr_expect_str_eq(labels_get(&c.labels, "func") ? labels_get(&c.labels, "func") :
				 "work", "work", "the series it was taken on");
		c = one_check(&s, cases[i].fail);
		cr_expect(c.have && !c.passed, "%s should fail: value %f", cases[i].fail, c.value);
	}
	snapshot_free(&s);
}

Test(slo, each_series_and_no_series)
{
	struct snapshot s;
	struct check c;
	struct slo_set set = { 0 };
	char err[256];

	known(&s);
	/* without matchers: every series of the metric, the empty one failing for want of
	 * samples */
	cr_assert_eq(slo_set_add(&set, "func.latency:p99<1ms", err, sizeof(err)), 0);
	cr_assert_eq(slo_evaluate(&set, &s), 0);
	cr_assert_eq(s.nchecks, 2);
	cr_expect(s.checks[0].passed);
	cr_expect_str_eq(labels_get(&s.checks[0].labels, "func"), "work");
	cr_expect(!s.checks[1].passed && !s.checks[1].have);
	cr_expect_str_eq(s.checks[1].note, "no samples");
	cr_expect(snapshot_checks_failed(&s));
	slo_set_free(&set);
	/* but a count of nothing is 0, a value */
	c = one_check(&s, "func.latency{func=idle}:count<1");
	cr_expect(c.have && c.passed);
	c = one_check(&s, "func.latency{func=nosuch}:p99<1ms");
	cr_expect(!c.passed && !c.have);
	cr_expect_str_eq(c.note, "no series of func.latency has these labels");
	c = one_check(&s, "sched.runq_latency:p99<1ms");
	cr_expect(!c.passed);
	cr_expect_str_eq(c.note, "no series of sched.runq_latency in this run");
	c = one_check(&s, "net.tcp_retransmits:p99<1ms");
	cr_expect(!c.passed);
	cr_expect_str_eq(c.note, "a counter: only count and rate apply");
	c = one_check(&s, "func.latency{func=w*}:count>=100");
	cr_expect(c.passed, "a glob matches");
	snapshot_free(&s);
}

Test(slo, sampling_scales_counts)
{
	struct snapshot s;
	struct check c;

	known(&s);
	s.sampling = 10;
	c = one_check(&s, "func.latency{func=work}:count>=1000");
	cr_expect(c.passed, "100 seen, 1 in 10 timed: 1000 calls; got %f", c.value);
	c = one_check(&s, "func.latency{func=work}:p50<51us");
	cr_expect(c.passed, "quantiles are not scaled");
	snapshot_free(&s);
}
