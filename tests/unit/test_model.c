/* The model: deltas of cumulative snapshots, summaries computed from series, stacks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "model/histogram.h"
#include "model/model.h"

static struct hist *hist_of(const uint64_t *v, size_t n)
{
	struct hist *h = calloc(1, sizeof(*h));

	cr_assert(h);
	for (size_t i = 0; i < n; i++)
		hist_add(h, v[i], 1);
	return h;
}

/* A cumulative snapshot of a made-up run: two functions' histograms, a host counter, a keyed
 * (sparse) counter and a drop. */
static void make(struct snapshot *s, uint64_t scale, uint64_t duration_ns)
{
	uint64_t a[] = { 100, 200, 300, 400 }, b[] = { 5000, 6000 };
	struct hist *ha = calloc(1, sizeof(*ha)), *hb = calloc(1, sizeof(*hb));
	struct series *se;

	cr_assert(ha && hb);
	for (uint64_t k = 0; k < scale; k++) {
		for (size_t i = 0; i < 4; i++)
			hist_add(ha, a[i], 1);
		for (size_t i = 0; i < 2; i++)
			hist_add(hb, b[i], 1);
	}
	cr_assert_eq(snapshot_init(s, "func"), 0);
	s->start_unix_ns = 1000;
	s->duration_ns = duration_ns;
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", ha, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "a"), 0);
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", hb, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "b"), 0);
	cr_assert_eq(snapshot_add_counter(s, "x.total", "count", 10 * scale, NULL), 0);
	cr_assert_eq(snapshot_add_counter(s, "x.keyed", "count", scale > 1 ? 7 : 0, &se), 0);
	se->sparse = true;
	cr_assert_eq(series_add_label(se, "remote", "192.0.2.1"), 0);
	cr_assert_eq(snapshot_add_drop(s, "ringbuf", 3 * scale), 0);
	free(ha);
	free(hb);
}

static const struct series *find(const struct snapshot *s, const char *metric, const char *k,
				 const char *v)
{
	for (size_t i = 0; i < s->nseries; i++) {
		const char *l = k ? labels_get(&s->series[i].labels, k) : NULL;

		if (!strcmp(s->series[i].metric, metric) && (!k || (l && !strcmp(l, v))))
			return &s->series[i];
	}
	return NULL;
}

Test(model, diff_pairs_series_by_metric_and_labels)
{
	struct snapshot base, cur, d;
	const struct series *a, *b;

	make(&base, 1, 1000000000);
	make(&cur, 3, 3000000000ull);
	/* cur's series in another order than base's: pairing is by name and labels */
	struct series tmp = cur.series[0];

	cur.series[0] = cur.series[1];
	cur.series[1] = tmp;
	cr_assert_eq(snapshot_diff(&d, &cur, &base), 0);
	a = find(&d, "func.latency", "func", "a");
	b = find(&d, "func.latency", "func", "b");
	cr_assert(a && b);
	cr_assert_eq(a->hist->count, 8, "3 x 4 calls less 1 x 4");
	cr_assert_eq(a->hist->sum, 2000);
	cr_assert_eq(b->hist->count, 4);
	cr_assert_eq(find(&d, "x.total", NULL, NULL)->value, 20);
	cr_assert_eq(find(&d, "x.keyed", NULL, NULL)->value, 7);
	cr_assert_eq(snapshot_drop(&d, "ringbuf"), 6);
	cr_assert_eq(d.start_unix_ns, 1000 + 1000000000, "the delta starts where base ended");
	cr_assert_eq(d.duration_ns, 2000000000);
	snapshot_free(&d);
	snapshot_free(&base);
	snapshot_free(&cur);
}

Test(model, diff_leaves_out_empty_sparse_series_only)
{
	struct snapshot s1, s2, d;

	make(&s1, 1, 1000);
	make(&s2, 1, 2000);
	cr_assert_eq(snapshot_diff(&d, &s2, &s1), 0);
	cr_assert(find(&d, "func.latency", "func", "a"), "a traced function stays, at zero");
	cr_assert_eq(find(&d, "func.latency", "func", "a")->hist->count, 0);
	cr_assert(find(&d, "x.total", NULL, NULL), "a host counter stays at zero");
	cr_assert_null(find(&d, "x.keyed", NULL, NULL), "an empty keyed series is left out");
	snapshot_free(&d);
	/* without a base: a copy, with the sparse empty series left out too */
	cr_assert_eq(snapshot_diff(&d, &s1, NULL), 0);
	cr_assert_eq(d.nseries, 3);
	snapshot_free(&d);
	snapshot_free(&s1);
	snapshot_free(&s2);
}

Test(model, the_intervals_sum_to_the_whole_run)
{
	struct snapshot s[4], d;
	uint64_t calls = 0, total = 0;

	for (int i = 0; i < 4; i++)
		make(&s[i], (uint64_t)i * i + 1, 1000 * (i + 1));
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(snapshot_diff(&d, &s[i], i ? &s[i - 1] : NULL), 0);
		calls += find(&d, "func.latency", "func", "a")->hist->count;
		total += find(&d, "x.total", NULL, NULL)->value;
		snapshot_free(&d);
	}
	cr_assert_eq(calls, find(&s[3], "func.latency", "func", "a")->hist->count);
	cr_assert_eq(total, find(&s[3], "x.total", NULL, NULL)->value);
	for (int i = 0; i < 4; i++)
		snapshot_free(&s[i]);
}

Test(model, stacks_diff_and_merge)
{
	struct snapshot base, cur, d;
	struct series *se;
	struct stack *st;

	for (int k = 0; k < 2; k++) {
		struct snapshot *s = k ? &cur : &base;

		cr_assert_eq(snapshot_init(s, "sched"), 0);
		cr_assert_eq(snapshot_add_stacks(s, "sched.offcpu_stack", "ns", &se), 0);
		/* the same functions at two call sites, and another stack */
		for (int site = 0; site < 2; site++) {
			cr_assert_eq(series_add_stack(se, 100 * (k + 1), 1 + k, &st), 0);
			cr_assert_eq(stack_add_label(st, "comm", "app"), 0);
			cr_assert_eq(stack_add_frame(st, 0x1000 + site, "leaf", 0, NULL, NULL,
						     FRAME_KERNEL), 0);
			cr_assert_eq(stack_add_frame(st, 0x2000 + site, "main", 0, "/app", NULL,
						     FRAME_USER), 0);
		}
		cr_assert_eq(series_add_stack(se, 50, 5, &st), 0);
		cr_assert_eq(stack_add_frame(st, 0x3000, NULL, 0, "/lib", NULL, FRAME_USER), 0);
		series_merge_stacks(se);
		cr_assert_eq(se->nstacks, 2, "one stack per distinct function sequence");
		cr_assert_eq(se->stacks[0].value, 200 * (k + 1));
		cr_assert_eq(se->stacks[0].count, 2 * (1 + k));
	}
	cr_assert_eq(snapshot_diff(&d, &cur, &base), 0);
	cr_assert_eq(d.nseries, 1);
	cr_assert_eq(d.series[0].nstacks, 1, "the unchanged stack is not in the delta");
	cr_assert_eq(d.series[0].stacks[0].value, 200);
	cr_assert_eq(d.series[0].stacks[0].count, 2);
	cr_assert_str_eq(d.series[0].stacks[0].frames[1].module, "/app");
	snapshot_free(&d);
	snapshot_free(&base);
	snapshot_free(&cur);
}

Test(model, summary_rows_by_key_sorted_by_weight)
{
	struct snapshot s;
	struct summary *sm;
	struct summary_row *rows;
	size_t n, total;
	struct series *se;
	uint64_t slow[] = { 1000000, 2000000, 3000000 }, fast[] = { 1000 };

	cr_assert_eq(snapshot_init(&s, "net"), 0);
	s.duration_ns = 2000000000;
	const char *remotes[] = { "192.0.2.1:80", "192.0.2.2:443" };
	for (int r = 0; r < 2; r++) {
		struct hist *h = r ? hist_of(slow, 3) : hist_of(fast, 1);

		cr_assert_eq(snapshot_add_hist(&s, "net.tcp_connect", "ns", h, &se), 0);
		cr_assert_eq(series_add_label(se, "remote", remotes[r]), 0);
		cr_assert_eq(snapshot_add_counter(&s, "net.tcp_connect_failed", "count", r + 1, &se),
			     0);
		cr_assert_eq(series_add_label(se, "remote", remotes[r]), 0);
		cr_assert_eq(series_add_label(se, "reason", "reset"), 0);
		free(h);
	}
	cr_assert_eq(snapshot_add_summary(&s, "net.by_remote", "Connections", "remote",
					  SUMMARY_TABLE, &sm), 0);
	cr_assert_eq(summary_add_col(sm, "CONNECTS", "net.tcp_connect", NULL, NULL, STAT_COUNT,
				     true, false), 0);
	cr_assert_eq(summary_add_col(sm, "FAILED", "net.tcp_connect_failed", "reason", "reset",
				     STAT_COUNT, true, false), 0);
	cr_assert_eq(summary_add_col(sm, "P99", "net.tcp_connect", NULL, NULL, STAT_P99, false,
				     false), 0);
	cr_assert_eq(summary_add_col(sm, "RATE", "net.tcp_connect", NULL, NULL, STAT_RATE, false,
				     false), 0);
	cr_assert_eq(summary_rows(&s, sm, &rows, &n, &total), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(rows[0].key, "192.0.2.2:443", "3 connects + 2 failed weigh more");
	cr_assert_eq(rows[0].v[0], 3);
	cr_assert_eq(rows[0].v[1], 2);
	cr_assert(rows[0].v[2] >= 2.9e6 && rows[0].v[2] <= 3.1e6, "p99 %f", rows[0].v[2]);
	cr_assert_float_eq(rows[0].v[3], 1.5, 1e-9, "3 connects in 2 s");
	cr_assert_eq(rows[1].v[0], 1);
	summary_rows_free(rows, n);
	sm->top = 1;
	cr_assert_eq(summary_rows(&s, sm, &rows, &n, &total), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(total, 2);
	summary_rows_free(rows, n);
	/* prefer_min: a row with enough samples first, even with a smaller weight */
	sm->prefer_min = 2;
	cr_assert_eq(summary_rows(&s, sm, &rows, &n, &total), 0);
	cr_assert_str_eq(rows[0].key, "192.0.2.2:443");
	summary_rows_free(rows, n);
	snapshot_free(&s);
}

Test(model, keyless_summary_has_a_row_only_with_data)
{
	struct snapshot s;
	struct summary *sm;
	struct summary_row *rows;
	size_t n, total;

	cr_assert_eq(snapshot_init(&s, "sched"), 0);
	cr_assert_eq(snapshot_add_summary(&s, "sched.host", "Host", NULL, SUMMARY_LINE, &sm), 0);
	cr_assert_eq(summary_add_col(sm, "switches", "sched.switches", NULL, NULL, STAT_COUNT,
				     false, false), 0);
	cr_assert_eq(summary_rows(&s, sm, &rows, &n, &total), 0);
	cr_assert_eq(n, 0);
	summary_rows_free(rows, n);
	cr_assert_eq(snapshot_add_counter(&s, "sched.switches", "count", 5, NULL), 0);
	cr_assert_eq(snapshot_add_counter(&s, "sched.switches", "count", 7, NULL), 0);
	sm = &s.summaries[0];
	cr_assert_eq(summary_rows(&s, sm, &rows, &n, &total), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(rows[0].v[0], 12, "counters summed");
	summary_rows_free(rows, n);
	snapshot_free(&s);
}

/* Merging many stacks keeps the first of each in its place and adds the rest to it: 30,000
 * stacks of 3,000 distinct (by a frame's name, an unnamed frame's address, a label). */
Test(model, many_stacks_merge_into_the_distinct_ones_in_order)
{
	struct snapshot s;
	struct series *se;
	struct stack *st;
	char name[32], pid[16];

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "profile.cpu", "ns", &se), 0);
	for (int round = 0; round < 10; round++)
		for (int i = 0; i < 3000; i++) {
			cr_assert_eq(series_add_stack(se, (uint64_t)i + 1, 1, &st), 0);
			snprintf(pid, sizeof(pid), "%d", i % 3);
			cr_assert_eq(stack_add_label(st, "pid", pid), 0);
			snprintf(name, sizeof(name), "f%d", i / 3 % 500);
			cr_assert_eq(stack_add_frame(st, 0x1000 + (uint64_t)round, name, 0, NULL,
						     NULL, FRAME_USER), 0);
			cr_assert_eq(stack_add_frame(st, 0x9000 + (uint64_t)(i / 1500), NULL, 0,
						     "/app", NULL, FRAME_USER), 0);
		}
	series_merge_stacks(se);
	cr_assert_eq(se->nstacks, 3000);
	for (int i = 0; i < 3000; i++) {
		cr_assert_eq(se->stacks[i].value, 10 * ((uint64_t)i + 1), "stack %d", i);
		cr_assert_eq(se->stacks[i].count, 10);
	}
	snapshot_free(&s);
}
