/* snapshot_merge: two runs added together equal one run that saw both. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"
#include "model/model.h"

/* A run on host of n calls of values from lo in steps of step, and a counter. */
static void run_of(struct snapshot *s, const char *host, uint64_t lo, uint64_t step, int n,
		   uint64_t counter, struct hist *both)
{
	struct hist *h = calloc(1, sizeof(*h));
	struct series *se;
	struct stack *st;

	cr_assert(h);
	cr_assert_eq(snapshot_init(s, "func"), 0);
	cr_assert_eq(snapshot_set_origin(s, host, "6.18"), 0);
	for (int i = 0; i < n; i++) {
		hist_add(h, lo + (uint64_t)i * step, 1);
		if (both)
			hist_add(both, lo + (uint64_t)i * step, 1);
	}
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "work"), 0);
	cr_assert_eq(snapshot_add_counter(s, "net.tcp_retransmits", "count", counter, NULL), 0);
	cr_assert_eq(snapshot_add_counter(s, "func.traced", "count", 1, &se), 0);
	se->gauge = true;
	cr_assert_eq(snapshot_add_stacks(s, "sched.offcpu_stack", "ns", &se), 0);
	cr_assert_eq(series_add_stack(se, 1000, 2, &st), 0);
	cr_assert_eq(stack_add_frame(st, 0x10, "leaf", 0, NULL, NULL, FRAME_KERNEL), 0);
	cr_assert_eq(snapshot_add_drop(s, "ringbuf", 3), 0);
	cr_assert_eq(snapshot_add_event(s, "slow_call", 1, 1, 1, "app", 5, NULL), 0);
	free(h);
}

Test(merge, equals_one_run_holding_both)
{
	struct hist *both = calloc(1, sizeof(*both));
	struct snapshot a, b;
	const struct hist *m;

	cr_assert(both);
	run_of(&a, "h1", 1000, 37, 1000, 2, both);
	run_of(&b, "h1", 200000, 1013, 500, 5, both);
	a.start_unix_ns = 100;
	a.duration_ns = 50;
	b.start_unix_ns = 120;
	b.duration_ns = 100;
	cr_assert_eq(snapshot_merge(&a, &b, MAX_KEPT_EVENTS), 0);
	m = a.series[0].hist;
	cr_expect_eq(m->count, 1500, "counts exact: %llu", (unsigned long long)m->count);
	cr_expect_eq(m->sum, both->sum);
	cr_expect_eq(hist_min(m), hist_min(both));
	cr_expect_eq(m->max, both->max);
	cr_expect_eq(memcmp(m->buckets, both->buckets, sizeof(m->buckets)), 0, "every bucket");
	for (int q = 0; q < HIST_NQUANTILES; q++)
		cr_expect_eq(hist_quantile(m, hist_quantiles[q].q),
			     hist_quantile(both, hist_quantiles[q].q), "%s from the merged buckets",
			     hist_quantiles[q].name);
	cr_expect_gt(hist_quantile(m, 0.99), 200000, "p99 is in the second run's range");
	cr_expect_lt(hist_quantile(m, 0.5), 200000, "p50 in the first's");
	cr_expect_eq(a.series[1].value, 7, "counters add");
	cr_expect_eq(a.series[2].value, 1, "a gauge is a level, not a sum");
	cr_expect_eq(a.series[3].nstacks, 1, "the same stack merged");
	cr_expect_eq(a.series[3].stacks[0].value, 2000);
	cr_expect_eq(a.series[3].stacks[0].count, 4);
	cr_expect_eq(snapshot_drop(&a, "ringbuf"), 6);
	cr_expect_eq(a.nevents, 2);
	cr_expect_eq(a.start_unix_ns, 100);
	cr_expect_eq(a.duration_ns, 120, "from the first start to the last end");
	cr_expect_str_eq(a.host, "h1", "the same host once");
	snapshot_free(&a);
	snapshot_free(&b);
	free(both);
}

Test(merge, hosts_series_of_one_side_and_limits)
{
	struct snapshot a, b, c;
	struct series *se;
	struct hist h = { 0 };

	run_of(&a, "h1", 1000, 1, 10, 0, NULL);
	run_of(&b, "h2", 1000, 1, 10, 0, NULL);
	run_of(&c, "h3", 1000, 1, 10, 0, NULL);
	hist_add(&h, 5, 3);
	cr_assert_eq(snapshot_add_hist(&b, "func.latency", "ns", &h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "only_in_b"), 0);
	cr_assert_eq(snapshot_merge(&a, &b, 2), 0);
	cr_assert_eq(snapshot_merge(&a, &c, 2), 0);
	cr_expect_str_eq(a.host, "h1,h2,h3", "every host listed once");
	cr_expect_str_eq(a.kernel, "6.18");
	cr_assert_eq(a.nseries, 5, "the series only in b is added");
	cr_expect_str_eq(labels_get(&a.series[4].labels, "func"), "only_in_b");
	cr_expect_eq(a.series[4].hist->count, 3);
	cr_expect_eq(a.series[0].hist->count, 30);
	cr_expect_eq(a.nevents, 2, "events up to the limit");
	cr_expect_eq(snapshot_drop(&a, "event_limit"), 1, "the rest counted");
	snapshot_free(&a);
	snapshot_free(&b);
	snapshot_free(&c);
}

Test(merge, refuses_different_sampling)
{
	struct snapshot a, b;

	run_of(&a, "h1", 1000, 1, 10, 0, NULL);
	run_of(&b, "h1", 1000, 1, 10, 0, NULL);
	b.sampling = 10;
	cr_expect_eq(snapshot_merge(&a, &b, 10), -EDOM);
	cr_expect_eq(a.series[0].hist->count, 10, "nothing merged");
	snapshot_free(&a);
	snapshot_free(&b);
}

Test(merge, histograms_settle_to_their_buckets)
{
	struct hist h = { 0 };
	struct snapshot s;

	hist_add(&h, 100, 4);
	h.count = 6;	/* read while two calls were between their bucket and the count */
	cr_assert_eq(snapshot_init(&s, "func"), 0);
	cr_assert_eq(snapshot_add_hist(&s, "func.latency", "ns", &h, NULL), 0);
	cr_expect_eq(s.series[0].hist->count, 4, "the count the buckets hold");
	snapshot_free(&s);
}

Test(merge, a_run_wide_label_is_dropped_a_key_is_not)
{
	struct snapshot s;
	struct series *se;
	struct hist h = { 0 };

	cr_assert_eq(snapshot_init(&s, "func"), 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(snapshot_add_hist(&s, "func.latency", "ns", &h, &se), 0);
		cr_assert_eq(series_add_label(se, "func", i ? "a" : "b"), 0);
		cr_assert_eq(series_add_label(se, "pid", "42"), 0);
	}
	cr_assert_eq(snapshot_add_counter(&s, "func.traced", "count", 2, NULL), 0);
	cr_expect(snapshot_drop_run_label(&s, "pid"));
	cr_expect_null(labels_get(&s.series[0].labels, "pid"));
	cr_expect_null(labels_get(&s.series[1].labels, "pid"));
	cr_expect_str_eq(labels_get(&s.series[1].labels, "func"), "a");
	/* sched --by pid: the pid tells series apart */
	cr_assert_eq(series_add_label(&s.series[0], "pid", "1"), 0);
	cr_assert_eq(series_add_label(&s.series[1], "pid", "2"), 0);
	cr_expect_not(snapshot_drop_run_label(&s, "pid"));
	cr_expect_str_eq(labels_get(&s.series[1].labels, "pid"), "2");
	snapshot_free(&s);
}
