/* Saved runs read back: exactly, and each kind of bad file refused in one line that names
 * the file and what is wrong. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model/histogram.h"
#include "offline/runfile.h"
#include "report/emitter.h"
#include "report/json.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char dir[] = "/tmp/tt-runfile-XXXXXX";

static void make_dir(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static char *put(const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	cr_assert(f);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

/* runfile_load's return, with what it printed on stderr in *said. */
static int load(const char *path, struct snapshot *s, char **said)
{
	FILE *t = tmpfile();
	int saved = dup(2), ret;
	size_t n;

	cr_assert(t && saved >= 0);
	fflush(stderr);
	dup2(fileno(t), 2);
	ret = runfile_load(path, s);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = (size_t)ftell(t);
	*said = calloc(1, n + 1);
	rewind(t);
	cr_assert_eq(fread(*said, 1, n, t), n);
	fclose(t);
	return ret;
}

/* A run with a summary, metric infos, a sparse series, a gauge, events and checks. */
static void full_run(struct snapshot *s)
{
	struct hist h = { 0 };
	struct series *se;
	struct summary *sm;
	struct check *c;

	cr_assert_eq(snapshot_init(s, "record"), 0);
	cr_assert_eq(snapshot_set_origin(s, "host", "6.18.0"), 0);
	s->start_unix_ns = 1700000000000000000ull;
	s->duration_ns = 3000000000ull;
	for (uint64_t v = 1; v < 5000000; v = v * 3 + 1)
		hist_add(&h, v, v % 7 + 1);
	cr_assert_eq(snapshot_add_hist(s, "sched.runq_latency", "ns", &h, &se), 0);
	cr_assert_eq(series_add_label(se, "comm", "a|b<c>"), 0);
	se->sparse = true;
	cr_assert_eq(snapshot_add_counter(s, "func.traced", "count", 3, &se), 0);
	se->gauge = true;
	cr_assert_eq(snapshot_describe_metric(s, "sched.runq_latency", "WAITS", 2, 15), 0);
	cr_assert_eq(snapshot_add_summary(s, "sched.worst", "Worst", "comm", SUMMARY_TABLE, &sm),
		     0);
	sm->top = 5;
	sm->prefer_min = 20;
	cr_assert_eq(summary_set_note(sm, "a note"), 0);
	cr_assert_eq(summary_add_col(sm, "P99", "sched.runq_latency", "comm", "a|b<c>",
				     STAT_P99, true, false), 0);
	cr_assert_eq(summary_add_col(sm, "N", "sched.runq_latency", NULL, NULL, STAT_COUNT, false,
				     true), 0);
	cr_assert_eq(snapshot_add_event(s, "slow_call", 5, 6, 7, "app", 8, NULL), 0);
	{
		/* func --stacks: a slow call with where it came from */
		struct event *e;
		struct stack *st;

		cr_assert_eq(snapshot_add_event(s, "slow_call", 9, 6, 7, "app", 10, &e), 0);
		cr_assert_eq(event_add_stack(e, &st), 0);
		cr_assert_eq(stack_add_frame(st, 0x1000, "work", 0, "/bin/app", NULL, FRAME_USER), 0);
		cr_assert_eq(stack_add_frame(st, 0x2004, "caller_b", 4, "/bin/app", "ab12",
					     FRAME_USER), 0);
		st->complete = true;
	}
	cr_assert_eq(snapshot_add_check(s, "sched.runq_latency:p99<1ms", "p99", "ns", &c), 0);
	c->have = true;
	c->value = 123456;
	c->bound = 1e6;
	c->passed = true;
	cr_assert_eq(check_add_label(c, "comm", "a|b<c>"), 0);
	cr_assert_eq(snapshot_add_check(s, "x:count>=1", "count", "count", &c), 0);
	c->note = strdup("no series of x in this run");
}

static char *as_text(const char *format, const struct snapshot *s)
{
	struct emit_opts o = { .final = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	cr_assert_eq(emitter_find(format)->write(f, s, &o), 0);
	fclose(f);
	return buf;
}

Test(runfile, round_trip_is_exact, .init = make_dir, .fini = remove_dir)
{
	struct snapshot s, back;
	char *json, *path, *said, *again;

	full_run(&s);
	json = as_text("json", &s);
	path = put("run.json", json, strlen(json));
	cr_assert_eq(load(path, &back, &said), 0, "%s", said);
	cr_expect_str_eq(said, "");
	cr_expect_eq(memcmp(back.series[0].hist, s.series[0].hist, sizeof(struct hist)), 0);
	cr_expect(back.series[0].sparse && !back.series[0].gauge);
	cr_expect(back.series[1].gauge && !back.series[1].sparse);
	cr_assert_eq(back.nsummaries, 1);
	cr_expect_eq(back.summaries[0].top, 5);
	cr_expect_eq(back.summaries[0].prefer_min, 20);
	cr_expect_str_eq(back.summaries[0].note, "a note");
	cr_assert_eq(back.summaries[0].ncols, 2);
	cr_expect_str_eq(back.summaries[0].cols[0].label_value, "a|b<c>");
	cr_expect(back.summaries[0].cols[0].weight && back.summaries[0].cols[1].hidden);
	cr_expect_eq(back.summaries[0].cols[1].stat, STAT_COUNT);
	cr_expect_str_eq(back.metrics[0].count_name, "WAITS");
	cr_expect_eq(back.metrics[0].top, 15);
	cr_assert_eq(back.nchecks, 2);
	cr_expect(back.checks[0].passed && back.checks[0].have);
	cr_expect_eq(back.checks[0].value, 123456);
	cr_expect_str_eq(labels_get(&back.checks[0].labels, "comm"), "a|b<c>");
	cr_expect(!back.checks[1].have && !back.checks[1].passed);
	cr_expect_str_eq(back.checks[1].note, "no series of x in this run");
	cr_assert_eq(back.nevents, 2);
	cr_expect_null(back.events[0].stack);
	cr_assert(back.events[1].stack, "a slow call's stack is read back");
	cr_assert_eq(back.events[1].stack->nframes, 2);
	cr_expect_str_eq(back.events[1].stack->frames[1].symbol, "caller_b");
	cr_expect_str_eq(back.events[1].stack->frames[1].build_id, "ab12");
	cr_expect(back.events[1].stack->complete);
	/* written again, it is the same document, byte for byte; and so is every format */
	again = as_text("json", &back);
	cr_expect_str_eq(again, json);
	free(again);
	for (int i = 0; i < 2; i++) {
		const char *fmt = i ? "markdown" : "text";
		char *x = as_text(fmt, &s), *y = as_text(fmt, &back);

		cr_expect_str_eq(y, x, "%s of the run read back", fmt);
		free(x);
		free(y);
	}
	snapshot_free(&back);
	snapshot_free(&s);
	free(said);
	free(json);
	free(path);
}

Test(runfile, bad_files_one_line_each, .init = make_dir, .fini = remove_dir)
{
	struct snapshot s;
	char *json, *bad, *p;
	static const struct {
		const char *name, *text, *said;
	} fixed[] = {
		{ "empty.json", "", "empty.json: empty: not a tailtrace run" },
		{ "text.json", "\nfunc.latency ...\n", "text.json: not a tailtrace run (not JSON" },
		{ "other.json", "{\"name\": \"package\", \"version\": 3}",
		  "other.json: not a tailtrace run (a JSON object without \"schema\"" },
		{ "array.json", "[1, 2]", "array.json: not a tailtrace run (a JSON array" },
		{ "newer.json", "{\"schema\": 2, \"tool\": \"tailtrace\", \"future\": []}",
		  "newer.json: written by a newer tailtrace (schema 2; this one reads schema 1)" },
		{ "deep.json", NULL, "deep.json: not valid JSON (1:257: nesting deeper than 256" },
		{ "huge.json", "{\"schema\": 1, \"command\": \"func\", \"start_unix_ns\": "
			       "99999999999999999999}",
		  "huge.json: not a run this tailtrace can read: start_unix_ns: out of range" },
	};

	full_run(&s);
	json = as_text("json", &s);
	snapshot_free(&s);
	for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
		char deep[600], *said;

		memset(deep, '[', sizeof(deep) - 1);
		deep[sizeof(deep) - 1] = 0;
		p = put(fixed[i].name, fixed[i].text ? fixed[i].text : deep,
			strlen(fixed[i].text ? fixed[i].text : deep));
		cr_expect_eq(load(p, &s, &said), -1, "%s was read", fixed[i].name);
		cr_expect(strstr(said, fixed[i].said), "%s:\n  got      %s  expected %s",
			  fixed[i].name, said, fixed[i].said);
		cr_expect(strchr(said, '\n') == said + strlen(said) - 1, "one line: %s", said);
		cr_expect(strstr(said, "; "), "and what to do: %s", said);
		free(said);
		free(p);
	}

	/* cut short anywhere */
	for (size_t cut = 1; cut < strlen(json) - 2; cut += 97) {
		char *said;

		p = put("cut.json", json, cut);
		cr_expect_eq(load(p, &s, &said), -1, "cut at %zu was read", cut);
		cr_expect(strstr(said, "cut.json: truncated JSON"), "cut at %zu: %s", cut, said);
		free(said);
		free(p);
	}

	/* a histogram whose buckets do not add up to its count */
	bad = strdup(json);
	p = strstr(bad, "\"count\": ");
	cr_assert(p);
	p[9] = p[9] == '9' ? '8' : p[9] + 1;
	{
		char *said;

		p = put("altered.json", bad, strlen(bad));
		cr_expect_eq(load(p, &s, &said), -1);
		cr_expect(strstr(said, "altered.json: not a run this tailtrace can read: "
				 "series[0].buckets: they add up to"), "%s", said);
		free(said);
		free(p);
		cr_expect_eq(load("/nonexistent.json", &s, &said), -1);
		cr_expect(strstr(said, "/nonexistent.json: No such file or directory; give"), "%s",
			  said);
		free(said);
		cr_expect_eq(load("/dev/zero", &s, &said), -1);
		cr_expect(strstr(said, "/dev/zero: a device, not a file"), "%s", said);
		free(said);
	}
	free(bad);
	free(json);
}

Test(runfile, standard_input, .init = make_dir, .fini = remove_dir)
{
	struct snapshot s, back;
	char *json, *path, *said;
	int saved = dup(0), fd;

	full_run(&s);
	json = as_text("json", &s);
	path = put("run.json", json, strlen(json));
	fd = open(path, O_RDONLY);
	cr_assert(fd >= 0 && saved >= 0);
	dup2(fd, 0);
	close(fd);
	cr_expect_eq(load("-", &back, &said), 0, "%s", said);
	dup2(saved, 0);
	close(saved);
	cr_expect_eq(back.nseries, s.nseries);
	snapshot_free(&back);
	free(said);
	/* an empty one is named as what it is */
	fd = open("/dev/null", O_RDONLY);
	saved = dup(0);
	dup2(fd, 0);
	close(fd);
	cr_expect_eq(load("-", &back, &said), -1);
	dup2(saved, 0);
	close(saved);
	cr_expect(strstr(said, "standard input: empty: not a tailtrace run"), "%s", said);
	free(said);
	snapshot_free(&s);
	free(json);
	free(path);
}
