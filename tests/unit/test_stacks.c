/* Functions of a series of stacks (self, total, recursion counted once) and the share of
 * user stacks that reach their thread's start; and how the text and JSON reports show them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json/json_parse.h"
#include "model/model.h"
#include "offline/runfile.h"
#include "report/emitter.h"

/* A stack of value and count, frames leaf first ("k:" marks a kernel frame, "?" an
 * unknown one at address 0x99). */
static void add(struct series *se, uint64_t value, uint64_t count, const char *const *names)
{
	struct stack *st;

	cr_assert_eq(series_add_stack(se, value, count, &st), 0);
	cr_assert_eq(stack_add_label(st, "comm", "app"), 0);
	for (size_t i = 0; names[i]; i++) {
		bool k = !strncmp(names[i], "k:", 2);
		const char *sym = k ? names[i] + 2 : names[i];

		cr_assert_eq(stack_add_frame(st, 0x1000 + i, strcmp(sym, "?") ? sym : NULL, 0,
					     k ? "[kernel]" : "/bin/app", NULL,
					     k ? FRAME_KERNEL : FRAME_USER), 0);
		if (!strcmp(sym, "?"))
			st->frames[st->nframes - 1].addr = 0x99;
	}
}

static const struct stack_func *find(const struct stack_func *v, size_t n, const char *sym,
				     enum frame_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == kind && (sym ? v[i].symbol && !strcmp(v[i].symbol, sym) :
					  !v[i].symbol))
			return &v[i];
	return NULL;
}

/* 10 samples in c under a, b; 5 in b itself; 3 in a recursion rec <- rec <- rec <- main;
 * 2 in the kernel's schedule above a user read (the kernel frame is the leaf). */
static void known(struct snapshot *s, struct series **out)
{
	struct series *se;

	cr_assert_eq(snapshot_init(s, "profile"), 0);
	s->duration_ns = 1000000000;
	cr_assert_eq(snapshot_add_stacks(s, "x.cpu", "ns", &se), 0);
	add(se, 100, 10, (const char *[]){ "c", "b", "a", "main", "__libc_start_call_main", NULL });
	add(se, 50, 5, (const char *[]){ "b", "a", "main", NULL });
	add(se, 30, 3, (const char *[]){ "rec", "rec", "rec", "main", "_start", NULL });
	add(se, 20, 2, (const char *[]){ "k:schedule", "k:ksys_read", "read", "?", NULL });
	*out = se;
}

Test(stacks, self_is_the_leaf_and_total_any_frame)
{
	struct snapshot s;
	struct series *se;
	struct stack_func *v;
	size_t n;

	known(&s, &se);
	cr_assert_eq(stacks_functions(se, &v, &n), 0);
	cr_assert_eq(n, 11, "c b a main __libc_start_call_main rec _start schedule ksys_read "
		     "read and one unknown: %zu", n);
	{
		const struct stack_func *c = find(v, n, "c", FRAME_USER), *b = find(v, n, "b", FRAME_USER);
		const struct stack_func *a = find(v, n, "a", FRAME_USER);
		const struct stack_func *m = find(v, n, "main", FRAME_USER);

		cr_assert(c && b && a && m);
		cr_assert_eq(c->self, 100);
		cr_assert_eq(c->total, 100);
		cr_assert_eq(b->self, 50, "b's own time only");
		cr_assert_eq(b->self_count, 5);
		cr_assert_eq(b->total, 150, "b's own and c's under it");
		cr_assert_eq(b->total_count, 15);
		cr_assert_eq(a->self, 0);
		cr_assert_eq(a->total, 150);
		cr_assert_eq(m->total, 180, "main holds every user stack but the read");
		cr_assert_str_eq(v[0].symbol, "main", "total weight first");
	}
	{
		const struct stack_func *k = find(v, n, "schedule", FRAME_KERNEL);
		const struct stack_func *r = find(v, n, "read", FRAME_USER);
		const struct stack_func *u = find(v, n, NULL, FRAME_USER);

		cr_assert(k && r && u);
		cr_assert_eq(k->self, 20, "a kernel leaf is the sample's self time");
		cr_assert_eq(r->self, 0);
		cr_assert_eq(r->total, 20);
		cr_assert_eq(u->addr, 0x99, "an unknown frame is its address");
	}
	free(v);
	snapshot_free(&s);
}

Test(stacks, recursion_counts_once_per_stack)
{
	struct snapshot s;
	struct series *se;
	struct stack_func *v;
	size_t n;
	const struct stack_func *rec;

	known(&s, &se);
	cr_assert_eq(stacks_functions(se, &v, &n), 0);
	rec = find(v, n, "rec", FRAME_USER);
	cr_assert(rec);
	cr_assert_eq(rec->self, 30);
	cr_assert_eq(rec->total, 30, "three frames of rec are the same 30 ns, not 90");
	cr_assert_eq(rec->total_count, 3);
	free(v);
	snapshot_free(&s);
}

Test(stacks, same_name_in_kernel_and_user_is_two_functions)
{
	struct snapshot s;
	struct series *se;
	struct stack_func *v;
	size_t n;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "x.cpu", "ns", &se), 0);
	add(se, 7, 1, (const char *[]){ "k:read", "read", NULL });
	cr_assert_eq(stacks_functions(se, &v, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(find(v, n, "read", FRAME_KERNEL)->self, 7);
	cr_assert_eq(find(v, n, "read", FRAME_USER)->self, 0);
	free(v);
	snapshot_free(&s);
}

Test(stacks, an_empty_series_has_no_functions)
{
	struct snapshot s;
	struct series *se;
	struct stack_func *v;
	size_t n = 5;
	uint64_t u = 1, c = 1;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "x.cpu", "ns", &se), 0);
	cr_assert_eq(stacks_functions(se, &v, &n), 0);
	cr_assert_eq(n, 0);
	free(v);
	stacks_user_complete(se, &u, &c);
	cr_assert_eq(u, 0);
	cr_assert_eq(c, 0);
	snapshot_free(&s);
}

Test(stacks, user_stacks_complete_when_they_reach_the_start)
{
	struct snapshot s;
	struct series *se;
	uint64_t with_user, complete;

	known(&s, &se);
	/* a kernel thread: no user stack, not counted either way */
	add(se, 40, 4, (const char *[]){ "k:worker_thread", "k:kthread", NULL });
	/* a thread's stack through start_thread, and one cut short */
	add(se, 10, 1, (const char *[]){ "work", "start_thread", NULL });
	add(se, 10, 1, (const char *[]){ "work", NULL });
	stacks_user_complete(se, &with_user, &complete);
	cr_assert_eq(with_user, 10 + 5 + 3 + 2 + 1 + 1, "samples with user frames: %llu",
		     (unsigned long long)with_user);
	cr_assert_eq(complete, 10 + 3 + 1, "through __libc_start_call_main, _start, "
		     "start_thread: %llu", (unsigned long long)complete);
	{
		struct frame k = { .symbol = "_start", .kind = FRAME_KERNEL };
		struct frame none = { .kind = FRAME_USER };
		struct frame clone3 = { .symbol = "clone3", .kind = FRAME_USER };

		cr_assert_not(frame_is_thread_start(&k), "a kernel function of that name is not");
		cr_assert_not(frame_is_thread_start(&none));
		cr_assert(frame_is_thread_start(&clone3));
		/* Go's goroutines begin at goexit's return address, its threads in mstart */
		cr_assert(frame_is_thread_start(&(struct frame){ .symbol = "runtime.goexit.abi0",
								  .kind = FRAME_USER }));
		cr_assert(frame_is_thread_start(&(struct frame){ .symbol = "runtime.mstart",
								  .kind = FRAME_USER }));
		cr_assert_not(frame_is_thread_start(&(struct frame){ .symbol = "runtime.goexit1",
								      .kind = FRAME_USER }));
	}
	snapshot_free(&s);
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

Test(stacks, text_tables_and_the_complete_line)
{
	struct snapshot s;
	struct series *se;
	char *t;

	known(&s, &se);
	t = emit("text", &s);
	/* _start and __libc_start_call_main hold their threads' every sample: left out */
	cr_assert(strstr(t, "x.cpu: the top 9 of 9 functions by total time (of 200 ns, 20 "
			    "samples; threads' start frames left out)"), "%s", t);
	cr_assert_null(strstr(t, "_start ("), "%s", t);
	cr_assert(strstr(t, "x.cpu: the top 4 functions by self time"),
		  "c, b, rec and schedule have time of their own:\n%s", t);
	cr_assert(strstr(t, "      50 ns  25.0%     150 ns  75.0%  b (app)"), "b's row:\n%s", t);
	cr_assert(strstr(t, "      20 ns  10.0%      20 ns  10.0%  schedule [k]"), "%s", t);
	cr_assert(strstr(t, "x.cpu: 65.0% of 20 samples with a user stack reach the thread's "
			    "start (13 complete)"), "%s", t);
	free(t);
	snapshot_free(&s);
}

Test(stacks, json_functions_and_user_stacks)
{
	struct snapshot s;
	struct series *se;
	struct json_value *j;
	const struct json_value *x, *fs, *us;
	char err[128], *t;

	known(&s, &se);
	t = emit("json", &s);
	j = json_parse(t, strlen(t), err, sizeof(err));
	cr_assert(j, "%s", err);
	x = json_array_at(json_get(j, "series"), 0);
	fs = json_get(x, "functions");
	cr_assert_eq(json_array_len(fs), 11);
	cr_assert_str_eq(json_as_string(json_get(json_array_at(fs, 0), "symbol"), NULL), "main");
	{
		uint64_t total;

		cr_assert_eq(json_as_u64(json_get(json_array_at(fs, 0), "total"), &total), 0);
		cr_assert_eq(total, 180);
	}
	us = json_get(x, "user_stacks");
	cr_assert(us, "%s", t);
	{
		uint64_t samples, complete;

		cr_assert_eq(json_as_u64(json_get(us, "samples"), &samples), 0);
		cr_assert_eq(json_as_u64(json_get(us, "complete"), &complete), 0);
		cr_assert_eq(samples, 20);
		cr_assert_eq(complete, 13);
	}
	json_free(j);
	free(t);
	snapshot_free(&s);
}

/* A stack the unwinder found whole counts as complete without a start symbol (a stripped or
 * dynamic binary's _start has none); the mark survives a delta, a saved run read back, and
 * keeps it apart from the same frames cut short. */
Test(stacks, complete_by_the_unwinders_word)
{
	struct snapshot s, d, back;
	struct series *se;
	char path[] = "/tmp/tt-stacks-XXXXXX", *t;
	uint64_t with_user, complete;
	int fd;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "x.cpu", "ns", &se), 0);
	add(se, 70, 7, (const char *[]){ "c", "b", "?", NULL });
	se->stacks[0].complete = true;
	add(se, 30, 3, (const char *[]){ "c", "b", "?", NULL });
	series_merge_stacks(se);
	cr_assert_eq(se->nstacks, 2, "a whole stack and one cut short are two stacks");
	stacks_user_complete(se, &with_user, &complete);
	cr_assert_eq(with_user, 10);
	cr_assert_eq(complete, 7);

	cr_assert_eq(snapshot_diff(&d, &s, NULL), 0);
	stacks_user_complete(&d.series[0], &with_user, &complete);
	cr_assert_eq(complete, 7, "a copy keeps the mark");
	snapshot_free(&d);

	t = emit("json", &s);
	cr_assert(strstr(t, "\"complete\": true") || strstr(t, "\"complete\":true"), "%s", t);
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, t, strlen(t)), (ssize_t)strlen(t));
	close(fd);
	cr_assert_eq(runfile_load(path, &back), 0);
	unlink(path);
	cr_assert_eq(back.nseries, 1);
	stacks_user_complete(&back.series[0], &with_user, &complete);
	cr_assert_eq(with_user, 10);
	cr_assert_eq(complete, 7, "read back from the saved run");
	snapshot_free(&back);
	free(t);
	snapshot_free(&s);
}

/* The same code of a library, loaded at two addresses in two processes, is one function, and
 * the table names it by its place in the file, as the stacks do. */
Test(stacks, a_nameless_user_frame_is_its_offset_in_the_file)
{
	struct snapshot s;
	struct series *se;
	struct stack_func *v;
	size_t n;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "x.cpu", "ns", &se), 0);
	for (int i = 0; i < 2; i++) {
		struct stack *st;

		cr_assert_eq(series_add_stack(se, 10 + i, 1, &st), 0);
		cr_assert_eq(stack_add_frame(st, 0x7f0000628059ull + 0x100000000ull * i, NULL,
					     0x228059, "/usr/bin/python3.11", NULL, FRAME_USER), 0);
		cr_assert_eq(stack_add_frame(st, 0xffffffff81000000ull + i, NULL, 0, "[kernel]",
					     NULL, FRAME_KERNEL), 0);
	}
	cr_assert_eq(stacks_functions(se, &v, &n), 0);
	cr_assert_eq(n, 3, "one user function at one offset, two kernel addresses: %zu", n);
	{
		const struct stack_func *u = find(v, n, NULL, FRAME_USER);

		cr_assert(u);
		cr_assert_eq(u->offset, 0x228059);
		cr_assert_eq(u->total, 21);
		cr_assert_eq(u->self, 21);
	}
	free(v);
	snapshot_free(&s);
}

/* A label key is there once, the last value kept: a run written with a key twice could not be
 * read back (its reader refuses an object with a key twice). */
Test(stacks, a_label_key_given_twice_keeps_the_last_value)
{
	struct snapshot s;
	struct series *se;
	struct stack *st;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "x.cpu", "ns", &se), 0);
	cr_assert_eq(series_add_label(se, "pid", "1"), 0);
	cr_assert_eq(series_add_label(se, "pid", "2"), 0);
	cr_assert_eq(se->labels.n, 1);
	cr_assert_str_eq(labels_get(&se->labels, "pid"), "2");
	cr_assert_eq(series_add_stack(se, 1, 1, &st), 0);
	cr_assert_eq(stack_add_label(st, "comm", "a"), 0);
	cr_assert_eq(stack_add_label(st, "comm", "b"), 0);
	cr_assert_eq(st->labels.n, 1);
	cr_assert_str_eq(labels_get(&st->labels, "comm"), "b");
	snapshot_free(&s);
}
