/* The emitters on a known snapshot: what a person reads, what a program parses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/histogram.h"
#include "model/model.h"
#include "report/emitter.h"
#include "report/json.h"

static void known(struct snapshot *s)
{
	struct hist *h = calloc(1, sizeof(*h));
	struct series *se;
	struct summary *sm;
	struct stack *st;

	cr_assert(h);
	for (uint64_t v = 1000; v <= 100000; v += 1000)
		hist_add(h, v, 1);
	cr_assert_eq(snapshot_init(s, "func"), 0);
	s->duration_ns = 1000000000;
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "work"), 0);
	memset(h, 0, sizeof(*h));
	cr_assert_eq(snapshot_add_hist(s, "func.latency", "ns", h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "never_called"), 0);
	cr_assert_eq(snapshot_describe_metric(s, "func.latency", "CALLS", 10, 0), 0);
	cr_assert_eq(snapshot_add_counter(s, "func.traced", "count", 2, NULL), 0);
	cr_assert_eq(snapshot_add_drop(s, "ringbuf", 4), 0);
	cr_assert_eq(snapshot_add_summary(s, "func.calls", "Calls", NULL, SUMMARY_LINE, &sm), 0);
	cr_assert_eq(summary_add_col(sm, "total", "func.latency", NULL, NULL, STAT_COUNT, false,
				     false), 0);
	cr_assert_eq(snapshot_add_stacks(s, "x.stacks", "ns", &se), 0);
	for (int i = 0; i < 2; i++) {
		/* two stacks of one comm that fold to the same line */
		cr_assert_eq(series_add_stack(se, 3000, 1, &st), 0);
		cr_assert_eq(stack_add_label(st, "comm", "evil\x1b[2J\nname"), 0);
		cr_assert_eq(stack_add_frame(st, 0x10 + i, "leaf", 0, NULL, NULL, FRAME_KERNEL), 0);
		cr_assert_eq(stack_add_frame(st, 0x20, "main", 0, "/bin/app", NULL, FRAME_USER), 0);
	}
	cr_assert_eq(frame_set_source(&st->frames[1], "app.c", 42, true), 0);
	free(h);
}

static char *emit(const char *format, const struct snapshot *s)
{
	const struct emitter *e = emitter_find(format);
	struct emit_opts o = { .final = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(e && f);
	cr_assert_eq(e->write(f, s, &o), 0);
	fclose(f);
	return buf;
}

Test(emitters, text_of_a_known_snapshot)
{
	struct snapshot s;
	char *t;

	known(&s);
	t = emit("text", &s);
	cr_assert(strstr(t, "Calls: total 100\n"), "the summary line first:\n%s", t);
	cr_assert(strstr(t, "FUNC") && strstr(t, "CALLS"), "%s", t);
	cr_assert(strstr(t, "work") && strstr(t, "       100 "), "work's 100 calls:\n%s", t);
	cr_assert(strstr(t, "never_called           0"), "a function never called, at zero:\n%s", t);
	cr_assert(strstr(t, "Not recorded: ringbuf 4"), "%s", t);
	cr_assert(strstr(t, "func.traced"), "%s", t);
	cr_assert_null(strchr(t, '\x1b'), "no raw escape reaches a terminal:\n%s", t);
	cr_assert(strstr(t, "comm=evil\\x1b[2J\\nname"), "the name escaped:\n%s", t);
	free(t);
	snapshot_free(&s);
}

Test(emitters, folded_merges_identical_stacks)
{
	struct snapshot s;
	char *t;

	known(&s);
	t = emit("folded", &s);
	cr_assert_str_eq(t, "evil_[2J_name;main;leaf_[k] 6\n", "one line, 2 x 3 us");
	free(t);
	snapshot_free(&s);
}

Test(emitters, json_round_trip)
{
	struct snapshot s, back;
	char *t, err[256];

	known(&s);
	t = emit("json", &s);
	cr_assert(strstr(t, "\"summaries\""), "%s", t);
	cr_assert(strstr(t, "\"comm\": \"evil\\u001b[2J\\nname\""), "JSON keeps the raw name:\n%s",
		  t);
	cr_assert_eq(snapshot_from_json(t, strlen(t), &back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(back.nseries, s.nseries);
	cr_assert_eq(back.series[0].hist->count, 100);
	cr_assert_eq(back.series[1].hist->count, 0);
	cr_assert_eq(back.series[3].kind, SERIES_STACKS);
	cr_assert_eq(back.series[3].nstacks, 2);
	cr_assert_str_eq(back.series[3].stacks[0].frames[1].module, "/bin/app");
	cr_assert_eq(back.series[3].stacks[0].frames[0].kind, FRAME_KERNEL);
	cr_assert_null(back.series[3].stacks[0].frames[1].file, "no source: none read back");
	cr_assert_str_eq(back.series[3].stacks[1].frames[1].file, "app.c");
	cr_assert_eq(back.series[3].stacks[1].frames[1].line, 42);
	cr_assert(back.series[3].stacks[1].frames[1].inlined);
	free(t);
	snapshot_free(&back);
	snapshot_free(&s);
}

Test(emitters, table_and_extensions)
{
	cr_assert_eq(emitter_for_path("run.folded"), emitter_find("folded"));
	cr_assert_eq(emitter_for_path("run.ndjson"), emitter_find("ndjson"));
	cr_assert_eq(emitter_for_path("run.txt"), emitter_find("text"));
	cr_assert_eq(emitter_for_path("run.json"), emitter_find("json"));
	cr_assert_eq(emitter_for_path("-"), emitter_find("json"), "-o - is JSON, as before");
	cr_assert_null(emitter_find("xml"));
	cr_assert_eq(emitter_for_path("run.svg"), emitter_find("svg"));
	cr_assert_eq(emitter_for_path("cpu.pb.gz"), emitter_find("pprof"));
	cr_assert_eq(emitter_for_path("cpu.pprof"), emitter_find("pprof"));
	cr_assert_eq(emitter_for_path("run.gz"), emitter_find("json"), "gzip alone is not pprof");
	cr_assert(emitter_find("pprof")->binary && emitter_find("pprof")->stacks_only);
	cr_assert(emitter_find("svg")->stacks_only && !emitter_find("svg")->binary);
	cr_assert_str_eq(emitter_names(), "text, json, ndjson, folded, markdown, svg or pprof");
	cr_assert_eq(emitter_for_path("run.md"), emitter_find("markdown"));
	cr_assert(emitter_find("ndjson")->streams);
	cr_assert_not(emitter_find("json")->streams);
}

/* The cells of a Markdown table row: the text between unescaped '|', or -1 when the line is
 * not a row. */
static int md_cells(const char *line)
{
	int n = -1;

	if (line[0] != '|')
		return -1;
	for (const char *p = line; *p && *p != '\n'; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		n += *p == '|';
	}
	return n;
}

Test(emitters, markdown_parses_as_tables)
{
	struct snapshot s;
	struct series *se;
	struct check *c;
	struct hist h = { 0 };
	char *t, *line;
	int tables = 0, rows = 0;

	known(&s);
	hist_add(&h, 5000, 3);
	cr_assert_eq(snapshot_add_hist(&s, "func.latency", "ns", &h, &se), 0);
	cr_assert_eq(series_add_label(se, "func", "a|b<script>`x`_*"), 0);
	cr_assert_eq(snapshot_add_check(&s, "func.latency:p99<1ms", "p99", "ns", &c), 0);
	c->have = true;
	c->value = 2e6;
	c->bound = 1e6;
	t = emit("markdown", &s);
	cr_assert(strstr(t, "\n### func.latency\n"), "%s", t);
	cr_assert(strstr(t, "| work | 100 | 5.05 ms | 50.5 us |"), "work's row:\n%s", t);
	cr_assert(strstr(t, "a\\|b&lt;script&gt;\\`x\\`\\_\\*"), "a name is escaped:\n%s", t);
	cr_assert(strstr(t, "### Objectives: 0 of 1 met"), "%s", t);
	cr_assert(strstr(t, "| **FAIL** | func.latency:p99&lt;1ms | - | 2.00 ms |"), "%s", t);
	cr_assert_null(strchr(t, '\x1b'), "no raw escape:\n%s", t);
	/* every table: a header, a separator of as many cells, rows of as many */
	for (line = t; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		int head = md_cells(line), k;
		char *sep;

		if (head < 0)
			continue;
		tables++;
		sep = strchr(line, '\n') + 1;
		cr_assert_eq(md_cells(sep), head, "separator of the table at:\n%.200s", line);
		cr_assert(strncmp(sep, "|---", 4) == 0, "%.80s", sep);
		for (line = strchr(sep, '\n') + 1; (k = md_cells(line)) >= 0;
		     line = strchr(line, '\n') + 1) {
			cr_assert_eq(k, head, "a row of %d cells in a table of %d:\n%.200s", k, head,
				     line);
			rows++;
		}
	}
	cr_expect_geq(tables, 4, "summary, metric, counters, objectives: %d", tables);
	cr_expect_geq(rows, 6, "%d rows", rows);
	free(t);
	snapshot_free(&s);
}
