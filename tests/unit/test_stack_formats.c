/* The svg and pprof emitters on known snapshots: the pprof profile decoded field by field
 * (a reader of our own, here, so that the writer is checked against the schema and not
 * against itself), the flame graph's frames, widths and escapes, and 10,000 stacks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "model/model.h"
#include "report/emitter.h"
#include "report/pprof.h"
#include "report/svg.h"

/* --- a protobuf reader, enough for profile.proto --- */

struct field {
	uint32_t num;
	unsigned wire;
	uint64_t v;		/* a varint */
	const uint8_t *data;	/* length-delimited */
	size_t len;
};

struct msg {
	const uint8_t *p;
	size_t len;
};

static uint64_t varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	/* plain checks, not assertions: a counted assertion per byte costs more than the rest */
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			cr_assert_fail("a varint runs past its message");
		v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return v;
	}
	cr_assert_fail("a varint of more than ten bytes");
	return 0;
}

/* The nth field numbered num of m (n from 0); false when there are fewer. */
static bool field_at(struct msg m, uint32_t num, size_t n, struct field *f)
{
	const uint8_t *p = m.p, *end = m.p + m.len;

	while (p < end) {
		uint64_t key = varint(&p, end);

		f->num = (uint32_t)(key >> 3);
		f->wire = key & 7;
		if (f->wire == 0) {
			f->v = varint(&p, end);
		} else if (f->wire == 2) {
			f->len = varint(&p, end);
			if (f->len > (size_t)(end - p))
				cr_assert_fail("a length past the message");
			f->data = p;
			p += f->len;
		} else {
			cr_assert_fail("wire type %u: profile.proto has only varints and lengths",
				       f->wire);
		}
		if (f->num == num && n-- == 0)
			return true;
	}
	return false;
}

static size_t count_of(struct msg m, uint32_t num)
{
	struct field f;
	size_t n = 0;

	while (field_at(m, num, n, &f))
		n++;
	return n;
}

static uint64_t u(struct msg m, uint32_t num)
{
	struct field f;

	return field_at(m, num, 0, &f) ? f.v : 0;
}

static struct msg sub(struct msg m, uint32_t num, size_t n)
{
	struct field f;

	cr_assert(field_at(m, num, n, &f), "no field %u #%zu", num, n);
	return (struct msg){ f.data, f.len };
}

/* The packed varints of field num: up to max into v; how many. */
static size_t packed(struct msg m, uint32_t num, uint64_t *v, size_t max)
{
	struct msg p = sub(m, num, 0);
	const uint8_t *at = p.p, *end = p.p + p.len;
	size_t n = 0;

	while (at < end && n < max)
		v[n++] = varint(&at, end);
	return n;
}

static char strings[64][128];

static void read_strings(struct msg prof)
{
	size_t n = count_of(prof, 6);

	cr_assert_leq(n, 64);
	for (size_t i = 0; i < n; i++) {
		struct msg s = sub(prof, 6, i);

		cr_assert_lt(s.len, sizeof(strings[i]));
		memcpy(strings[i], s.p, s.len);
		strings[i][s.len] = 0;
	}
}

static const char *str_of(struct msg m, uint32_t num)
{
	return strings[u(m, num)];
}

/* The message of a table (mapping 3, location 4, function 5) whose id (field 1) is id. */
static struct msg by_id(struct msg prof, uint32_t table, uint64_t id)
{
	for (size_t i = 0; i < count_of(prof, table); i++) {
		struct msg m = sub(prof, table, i);

		if (u(m, 1) == id)
			return m;
	}
	cr_assert_fail("no id %llu in table %u", (unsigned long long)id, table);
	return (struct msg){ 0 };
}

/* --- known snapshots --- */

static struct stack *stack(struct series *se, uint64_t value, uint64_t count, const char *comm,
			   const char *pid)
{
	struct stack *st;

	cr_assert_eq(series_add_stack(se, value, count, &st), 0);
	cr_assert_eq(stack_add_label(st, "comm", comm), 0);
	cr_assert_eq(stack_add_label(st, "pid", pid), 0);
	return st;
}

static void frame(struct stack *st, uint64_t addr, const char *sym, const char *module,
		  const char *bid, enum frame_kind kind, const char *file, uint32_t line,
		  bool inlined)
{
	/* a frame without a symbol has its offset in the module's file, as collectors add it */
	cr_assert_eq(stack_add_frame(st, addr, sym, sym ? 0 : addr & 0xffff, module, bid, kind), 0);
	cr_assert_eq(frame_set_source(&st->frames[st->nframes - 1], file, line, inlined), 0);
}

/*
 * Off-CPU stacks of two processes and a CPU profile: an inlined function, source lines, a
 * frame no symbol covers, kernel frames, and names no XML or script may take as they are.
 */
static void known(struct snapshot *s)
{
	struct series *se;
	struct stack *st;

	cr_assert_eq(snapshot_init(s, "record"), 0);
	cr_assert_eq(snapshot_set_origin(s, "host1", "6.18"), 0);
	s->start_unix_ns = 1700000000000000000ULL;
	s->duration_ns = 2000000000;
	cr_assert_eq(snapshot_add_counter(s, "sched.switches", "count", 99, NULL), 0);
	cr_assert_eq(snapshot_add_drop(s, "stack_missing", 3), 0);
	cr_assert_eq(snapshot_add_stacks(s, "sched.offcpu_stack", "ns", &se), 0);
	st = stack(se, 3000, 2, "evil\x1b[2J\nname", "42");
	frame(st, 0xffffffff81001000, "schedule", "[kernel]", NULL, FRAME_KERNEL, NULL, 0, false);
	frame(st, 0x401010, "inl<script>alert(1)</script>", "/bin/app", "abcd", FRAME_USER,
	      "a.c", 7, true);
	frame(st, 0x401010, "caller&\"quote'", "/bin/app", "abcd", FRAME_USER, "a.c", 20, false);
	frame(st, 0x7f0000002222, NULL, "/lib/libc.so.6", NULL, FRAME_USER, NULL, 0, false);
	st = stack(se, 1000, 1, "evil\x1b[2J\nname", "43");
	frame(st, 0x401010, "caller&\"quote'", "/bin/app", "abcd", FRAME_USER, "a.c", 20, false);
	frame(st, 0x7f0000002222, NULL, "/lib/libc.so.6", NULL, FRAME_USER, NULL, 0, false);
	cr_assert_eq(snapshot_add_stacks(s, "profile.cpu", "ns", &se), 0);
	st = stack(se, 20000000, 2, "py", "7");
	frame(st, 0x10, "work ]]> \xff\xfe caf\xc3\xa9", "app.py", NULL, FRAME_INTERP, "app.py", 3,
	      false);
	frame(st, 0x401000, "main", "/bin/app", "abcd", FRAME_USER, NULL, 0, false);
}

static char *emit(const char *format, const struct snapshot *s, size_t *len)
{
	const struct emitter *e = emitter_find(format);
	struct emit_opts o = { .final = true };
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert(e && f);
	cr_assert_eq(e->write(f, s, &o), 0);
	fclose(f);
	return buf;
}

Test(pprof, a_known_snapshot_decodes_to_the_profile_it_describes)
{
	struct snapshot s;
	struct pb p;
	struct msg prof, m, loc, fn, map;
	uint64_t v[8], ids[8];
	size_t n;

	known(&s);
	cr_assert_eq(pprof_encode(&s, &p), 0);
	prof = (struct msg){ p.buf, p.len };
	read_strings(prof);
	cr_assert_str_eq(strings[0], "", "the string table starts with \"\"");

	cr_assert_eq(count_of(prof, 1), 4, "a count and a weight per stack metric");
	cr_assert_str_eq(str_of(sub(prof, 1, 0), 1), "blocks");
	cr_assert_str_eq(str_of(sub(prof, 1, 0), 2), "count");
	cr_assert_str_eq(str_of(sub(prof, 1, 1), 1), "off_cpu");
	cr_assert_str_eq(str_of(sub(prof, 1, 1), 2), "nanoseconds");
	cr_assert_str_eq(str_of(sub(prof, 1, 2), 1), "samples");
	cr_assert_str_eq(str_of(sub(prof, 1, 3), 1), "cpu");

	cr_assert_eq(count_of(prof, 2), 3, "a sample per stack");
	m = sub(prof, 2, 0);
	n = packed(m, 2, v, 8);
	cr_assert(n == 4 && v[0] == 2 && v[1] == 3000 && v[2] == 0 && v[3] == 0,
		  "its own columns, zero in the others");
	n = packed(m, 1, ids, 8);
	cr_assert_eq(n, 3, "kernel frame, the inlined function with its caller, libc: %zu", n);
	cr_assert_eq(count_of(m, 3), 2, "labels comm and pid");
	cr_assert_str_eq(str_of(sub(m, 3, 0), 1), "comm");
	cr_assert_str_eq(str_of(sub(m, 3, 0), 2), "evil\x1b[2J\nname", "names as they are");
	cr_assert_str_eq(str_of(sub(m, 3, 1), 2), "42");

	loc = by_id(prof, 4, ids[1]);
	cr_assert_eq(u(loc, 3), 0x401010, "the address");
	cr_assert_eq(count_of(loc, 4), 2, "two lines at one address");
	fn = by_id(prof, 5, u(sub(loc, 4, 0), 1));
	cr_assert_str_eq(str_of(fn, 2), "inl<script>alert(1)</script>", "innermost first");
	cr_assert_str_eq(str_of(fn, 4), "a.c");
	cr_assert_eq(u(sub(loc, 4, 0), 2), 7);
	fn = by_id(prof, 5, u(sub(loc, 4, 1), 1));
	cr_assert_str_eq(str_of(fn, 2), "caller&\"quote'");
	cr_assert_eq(u(sub(loc, 4, 1), 2), 20);
	map = by_id(prof, 3, u(loc, 2));
	cr_assert_str_eq(str_of(map, 5), "/bin/app");
	cr_assert_str_eq(str_of(map, 6), "abcd", "the build id");
	cr_assert(u(map, 7) && u(map, 9) && u(map, 10), "functions, lines, inlined frames");

	loc = by_id(prof, 4, ids[2]);
	cr_assert_eq(count_of(loc, 4), 1);
	fn = by_id(prof, 5, u(sub(loc, 4, 0), 1));
	cr_assert_str_eq(str_of(fn, 2), "[/lib/libc.so.6+0x2222]",
			 "a frame without a symbol keeps its module and its offset in it");
	map = by_id(prof, 3, u(loc, 2));
	cr_assert_eq(u(map, 7), 0, "libc's frames have no function names");
	cr_assert_str_eq(str_of(by_id(prof, 3, u(by_id(prof, 4, ids[0]), 2)), 5), "[kernel]");
	/* the first mapping is pprof's main binary ("File:"): the program, though the kernel's
	 * frames came first */
	cr_assert_str_eq(str_of(sub(prof, 3, 0), 5), "/bin/app");

	m = sub(prof, 2, 1);
	n = packed(m, 1, ids, 8);
	cr_assert_eq(n, 2);
	cr_assert_eq(count_of(by_id(prof, 4, ids[0]), 4), 1,
		     "caller alone is another location than caller with inl");
	m = sub(prof, 2, 2);
	n = packed(m, 2, v, 8);
	cr_assert(n == 4 && v[2] == 2 && v[3] == 20000000, "profile.cpu's columns");

	cr_assert_str_eq(str_of(sub(prof, 11, 0), 1), "off_cpu", "period type: the first's");
	cr_assert_eq(u(prof, 12), 0, "no one period: 3000 / 2 and 1000 / 1 differ");
	cr_assert_str_eq(strings[u(prof, 14)], "off_cpu", "the default sample type");
	cr_assert_eq(u(prof, 9), 1700000000000000000ULL);
	cr_assert_eq(u(prof, 10), 2000000000);
	cr_assert_eq(count_of(prof, 13), 2, "comments: the run and what was not recorded");
	cr_assert_str_eq(strings[u(prof, 13)], "tailtrace record on host1, Linux 6.18");
	{
		struct field f;

		cr_assert(field_at(prof, 13, 1, &f));
		cr_assert_str_eq(strings[f.v], "not recorded: stack_missing 3");
	}
	pb_free(&p);
	snapshot_free(&s);
}

Test(pprof, the_file_is_the_profile_gzip_compressed)
{
	struct snapshot s;
	struct pb p;
	size_t len;
	char *gz;
	uint8_t out[8192];
	z_stream z = { 0 };

	known(&s);
	cr_assert_eq(pprof_encode(&s, &p), 0);
	gz = emit("pprof", &s, &len);
	cr_assert(len > 18 && (uint8_t)gz[0] == 0x1f && (uint8_t)gz[1] == 0x8b, "a gzip member");
	cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = sizeof(out);
	cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	cr_assert_eq(z.total_out, p.len);
	cr_assert_eq(memcmp(out, p.buf, p.len), 0);
	inflateEnd(&z);
	free(gz);
	pb_free(&p);
	snapshot_free(&s);
}

Test(pprof, a_common_period_is_found)
{
	struct snapshot s;
	struct series *se;
	struct pb p;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "profile.cpu", "ns", &se), 0);
	stack(se, 3 * 20408163, 3, "a", "1");
	stack(se, 20408163, 1, "a", "1");
	cr_assert_eq(pprof_encode(&s, &p), 0);
	cr_assert_eq(u((struct msg){ p.buf, p.len }, 12), 20408163, "49 Hz in ns");
	pb_free(&p);
	snapshot_free(&s);
}

static size_t occurrences(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

Test(svg, a_known_snapshot_holds_its_frames_escaped)
{
	struct snapshot s;
	size_t len;
	char *t;

	known(&s);
	t = emit("svg", &s, &len);
	cr_assert_eq(strlen(t), len, "no zero byte");
	cr_assert(!strncmp(t, "<?xml", 5), "%s", t);
	cr_assert_eq(occurrences(t, "<g class=\"graph\">"), 2, "a graph per stack series");
	cr_assert(strstr(t, ">sched.offcpu_stack: 4.00 us in 3 blocks, 2 stacks<"), "%s", t);
	cr_assert(strstr(t, ">profile.cpu: 20.0 ms in 2 samples, 1 stacks<"), "%s", t);
	/* the callers hold everything; schedule 3 of 4 us: 75% of 1180 px */
	cr_assert(strstr(t, "<title>caller&amp;&quot;quote&#39;\n3 blocks, 4.00 us, 100.00%, a.c</title>"),
		  "%s", t);
	cr_assert(strstr(t, "<title>schedule\n2 blocks, 3.00 us, 75.00% (kernel)</title><rect "
			    "x=\"10.00\" y=\"96\" width=\"885.00\""), "%s", t);
	cr_assert(strstr(t, "<title>[/lib/libc.so.6+0x2222]\n3 blocks, 4.00 us, 100.00%, "
			    "libc.so.6</title>"), "its module: %s", t);
	cr_assert(strstr(t, "\n2 blocks, 3.00 us, 75.00%, a.c, inlined</title>"), "%s", t);
	cr_assert_eq(occurrences(t, "http"), 1, "nothing to fetch, only the SVG namespace");
	cr_assert(strstr(t, "inl&lt;script&gt;alert(1)&lt;/script&gt;"), "%s", t);
	cr_assert_eq(occurrences(t, "<script"), 1, "the one script is ours");
	cr_assert(strstr(t, "<title>evil\\x1b[2J\\x0aname\n3 blocks"), "the comm: %s", t);
	cr_assert(strstr(t, "work ]]&gt; \\xff\\xfe caf\xc3\xa9\n2 samples, 20.0 ms, 100.00% "
			    "(interpreted), app.py</title>"), "not UTF-8 escaped, UTF-8 kept: %s", t);
	cr_assert_eq(occurrences(t, "]]>"), 2, "only the style and the script end their CDATA");
	for (const unsigned char *c = (const unsigned char *)t; *c; c++)
		cr_assert(*c >= 0x20 || *c == '\n', "control byte %02x at %zu", *c,
			  (size_t)(c - (const unsigned char *)t));
	cr_assert(strstr(t, "fill=\"rgb(") && strstr(t, "data-k=\"k\"") && strstr(t, "data-k=\"i\""),
		  "kinds told apart");
	free(t);
	snapshot_free(&s);
}

Test(svg, no_stacks_is_said)
{
	struct snapshot s;
	struct series *se;
	size_t len;
	char *t;

	cr_assert_eq(snapshot_init(&s, "sched"), 0);
	t = emit("svg", &s, &len);
	cr_assert(strstr(t, "no stack series in this run"), "%s", t);
	free(t);
	cr_assert_eq(snapshot_add_stacks(&s, "sched.offcpu_stack", "ns", &se), 0);
	t = emit("svg", &s, &len);
	cr_assert(strstr(t, ">no stacks recorded<"), "%s", t);
	cr_assert_eq(occurrences(t, "<g class=\"f\""), 0);
	free(t);
	snapshot_free(&s);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds an emitter may take for 10,000 stacks (about 0.3 s here): ample, on a loaded
 * machine too, but not under the sanitizers, which only check memory here. */
#ifdef __SANITIZE_ADDRESS__
#define SLOW_S 600.0
#else
#define SLOW_S 3.0
#endif

/* Draws and encodes s: frames drawn within [min_frames, SVG_MAX_FRAMES], some left out. */
static void bounded_and_fast(const struct snapshot *s, size_t min_frames, const char *what)
{
	size_t len, frames;
	double t0, svg_s, pprof_s;
	struct pb p;
	char *t;

	t0 = now();
	t = emit("svg", s, &len);
	svg_s = now() - t0;
	frames = occurrences(t, "<g class=\"f\"");
	cr_assert_leq(frames, SVG_MAX_FRAMES, "%s: %zu frames drawn", what, frames);
	cr_assert_gt(frames, min_frames, "%s: %zu frames drawn", what, frames);
	cr_assert(strstr(t, "too narrow to draw are left out"), "says what it left out");
	cr_assert_lt(len, 6 << 20, "%s: %zu bytes", what, len);
	cr_assert_lt(svg_s, SLOW_S, "%s: %.2f s to draw", what, svg_s);
	free(t);
	t0 = now();
	cr_assert_eq(pprof_encode(s, &p), 0);
	pprof_s = now() - t0;
	cr_assert_eq(count_of((struct msg){ p.buf, p.len }, 2), 10000, "every stack a sample");
	cr_assert_lt(pprof_s, SLOW_S, "%s: %.2f s to encode", what, pprof_s);
	cr_log_info("10,000 stacks (%s weights): svg %zu bytes, %zu frames, %.3f s; pprof %zu "
		    "bytes before gzip, %.3f s", what, len, frames, svg_s, p.len, pprof_s);
	pb_free(&p);
}

/* 10,000 distinct stacks, 24 frames deep, over 40 processes: a busy host's profile, with
 * heavy-tailed weights as real profiles have; then the same with even weights, where every
 * frame is wide enough to draw and the cap decides. */
Test(svg, ten_thousand_stacks_stay_bounded_and_fast)
{
	struct snapshot s;
	struct series *se;
	int err = 0;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "profile.cpu", "ns", &se), 0);
	srand(1);
	for (int i = 0; i < 10000; i++) {
		char comm[16], pid[16], name[64];
		struct stack *st;

		snprintf(comm, sizeof(comm), "proc%d", i % 40);
		snprintf(pid, sizeof(pid), "%d", 1000 + i % 40);
		st = stack(se, (uint64_t)(1 + rand() % 1000) * (rand() % 50 ? 1 : 1000) * 10101, 1,
			   comm, pid);
		for (int d = 23; d >= 0; d--) {
			snprintf(name, sizeof(name), "ns::fn_%d_%d", d, d < 12 ? i % (d + 3) : i);
			/* one check at the end: 240,000 assertions cost more than the test */
			err |= stack_add_frame(st, 0x400000 + (uint64_t)d * 16, name, 0,
					       "/usr/bin/app", "feed", FRAME_USER);
		}
	}
	cr_assert_eq(err, 0, "stack_add_frame");
	bounded_and_fast(&s, 1000, "heavy-tailed");
	for (size_t i = 0; i < se->nstacks; i++)
		se->stacks[i].value = 10101;
	bounded_and_fast(&s, SVG_MAX_FRAMES / 2, "even");
	snapshot_free(&s);
}

Test(svg, a_name_is_cut_to_its_frame)
{
	struct snapshot s;
	struct series *se;
	size_t len;
	char *t;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "profile.cpu", "ns", &se), 0);
	/* 1% is 11.8 px: no room for a character; 5% is 59 px: 7 characters */
	frame(stack(se, 1, 1, "a", "1"), 1, "one_percent_and_a_long_name", NULL, NULL, FRAME_USER,
	      NULL, 0, false);
	frame(stack(se, 5, 1, "a", "1"), 2, "five_percent_long_name", NULL, NULL, FRAME_USER, NULL,
	      0, false);
	frame(stack(se, 94, 1, "a", "1"), 3, "big", NULL, NULL, FRAME_USER, NULL, 0, false);
	t = emit("svg", &s, &len);
	cr_assert(strstr(t, "<title>one_percent_and_a_long_name\n") &&
		  strstr(t, "width=\"11.80\" height=\"15\" fill=\"rgb("), "%s", t);
	cr_assert(strstr(t, "/><text x=\"1181.20\" y=\"108\"></text>"), "nothing fits:\n%s", t);
	cr_assert(strstr(t, ">five...</text>"), "its start and ...:\n%s", t);
	cr_assert(strstr(t, ">big</text>"), "%s", t);
	free(t);
	snapshot_free(&s);
}

Test(pprof, another_metric_is_named_by_itself)
{
	struct snapshot s;
	struct series *se;
	struct pb p;
	struct msg prof;

	cr_assert_eq(snapshot_init(&s, "func"), 0);
	cr_assert_eq(snapshot_add_stacks(&s, "func.slow_stack", "ns", &se), 0);
	stack(se, 5000, 1, "a", "1");
	cr_assert_eq(snapshot_add_stacks(&s, "mem.alloc_stack", "bytes", &se), 0);
	stack(se, 4096, 2, "a", "1");
	cr_assert_eq(pprof_encode(&s, &p), 0);
	prof = (struct msg){ p.buf, p.len };
	read_strings(prof);
	cr_assert_str_eq(str_of(sub(prof, 1, 0), 1), "func.slow_stack.count");
	cr_assert_str_eq(str_of(sub(prof, 1, 1), 1), "func.slow_stack");
	cr_assert_str_eq(str_of(sub(prof, 1, 1), 2), "nanoseconds");
	cr_assert_str_eq(str_of(sub(prof, 1, 2), 1), "mem.alloc_stack.count");
	cr_assert_str_eq(str_of(sub(prof, 1, 3), 2), "bytes");
	cr_assert_eq(u(prof, 12), 0, "slow calls are not sampled: no period");
	pb_free(&p);
	snapshot_free(&s);
}

/* A name that would read backwards (U+202E) or hide text, and bytes that are no UTF-8: escaped
 * in the SVG, one '_' each in a folded line. */
Test(svg, names_that_reorder_text_are_escaped)
{
	struct snapshot s;
	struct series *se;
	struct stack *st;
	size_t len;
	char *t;

	cr_assert_eq(snapshot_init(&s, "profile"), 0);
	s.duration_ns = 1000000000;
	cr_assert_eq(snapshot_add_stacks(&s, "profile.cpu", "ns", &se), 0);
	st = stack(se, 1000, 1, "app", "7");
	frame(st, 0x401010, "evil\xe2\x80\xaegnp.exe\x7f\xff", "/bin/app", NULL, FRAME_USER, NULL, 0,
	      false);
	t = emit("svg", &s, &len);
	cr_assert(strstr(t, "evil\\u202egnp.exe\\x7f\\xff"), "%s", t);
	cr_assert_null(strstr(t, "\xe2\x80\xae"), "U+202E raw");
	free(t);
	t = emit("folded", &s, &len);
	cr_assert(strstr(t, "app;evil_gnp.exe__ "), "%s", t);
	free(t);
	snapshot_free(&s);
}
