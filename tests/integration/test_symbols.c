/* Symbols everywhere a user has them, on real processes under profile: a stripped target's
 * names from its debug file (by build id in a debug folder of the test's, and by
 * .gnu_debuglink, refused when its CRC does not match), inlined functions with their file and
 * line from DWARF, libc's static functions from libc6-dbg, code of a JIT named by its perf map,
 * a binary in another mount namespace and a deleted one. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "../targets/inlined_lines.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

static const struct json_value *cpu_series(const struct json_value *j, const char *out)
{
	const struct json_value *se = find_series(j, "profile.cpu", NULL, NULL);

	cr_assert(se, "no profile.cpu series:\n%s", out);
	return se;
}

static const char *str_at(const struct json_value *o, const char *key)
{
	const struct json_value *v = json_get(o, key);

	return v ? json_as_string(v, NULL) : NULL;
}

static bool is_user(const struct json_value *fr)
{
	return !strcmp(str_at(fr, "kind"), "user");
}

static bool inlined(const struct json_value *fr)
{
	const struct json_value *v = json_get(fr, "inlined");
	bool b = false;

	return v && !json_as_bool(v, &b) && b;
}

static uint64_t line_of(const struct json_value *fr)
{
	const struct json_value *v = json_get(fr, "line");
	uint64_t n = 0;

	return v && !json_as_u64(v, &n) ? n : 0;
}

static bool file_is(const struct json_value *fr, const char *base)
{
	const char *f = str_at(fr, "file"), *slash = f ? strrchr(f, '/') : NULL;

	return f && !strcmp(slash ? slash + 1 : f, base);
}

/* Whether user frame i of st (leaf first, user frames only) is symbol (NULL: none). */
static const struct json_value *user_frame(const struct json_value *st, size_t i)
{
	const struct json_value *frames = json_get(st, "frames");

	for (size_t k = 0; k < json_array_len(frames); k++) {
		const struct json_value *fr = json_array_at(frames, k);

		if (is_user(fr) && !i--)
			return fr;
	}
	return NULL;
}

static bool named(const struct json_value *fr, const char *symbol)
{
	const char *s = fr ? str_at(fr, "symbol") : NULL;

	return s && !strcmp(s, symbol);
}

/* Whether a stack of the inlined target is leaf_mix inlined into work at their known lines,
 * then main (the whole of what DWARF says at the loop). */
static bool inlined_chain(const struct json_value *st)
{
	const struct json_value *leaf = user_frame(st, 0), *work = user_frame(st, 1);

	return named(leaf, "leaf_mix") && inlined(leaf) && file_is(leaf, "inlined.c") &&
	       line_of(leaf) == INLINED_LEAF_LINE && named(work, "work") && !inlined(work) &&
	       file_is(work, "inlined.c") && line_of(work) == INLINED_CALL_LINE &&
	       named(user_frame(st, 2), "main");
}

/* Samples of comm, and how many of them pass ok; example: the heaviest stack's user
 * symbols, for a failure's message. */
static uint64_t samples(const struct json_value *se, const char *comm,
			bool (*ok)(const struct json_value *), uint64_t *good, char *example,
			size_t len)
{
	const struct json_value *stacks = json_get(se, "stacks");
	uint64_t n = 0, top = 0;

	*good = 0;
	example[0] = 0;
	for (size_t i = 0; i < json_array_len(stacks); i++) {
		const struct json_value *st = json_array_at(stacks, i);
		const char *c = str_at(json_get(st, "labels"), "comm");
		uint64_t k = json_u64_at(st, "count");

		if (!c || strcmp(c, comm))
			continue;
		n += k;
		if (ok(st))
			*good += k;
		if (k > top) {
			size_t off = 0;

			top = k;
			for (size_t f = 0; user_frame(st, f) && off + 80 < len; f++) {
				const struct json_value *fr = user_frame(st, f);
				const char *s = str_at(fr, "symbol");

				off += snprintf(example + off, len - off, "%s%s:%llu;",
						s ? s : "?", inlined(fr) ? "(inlined)" : "",
						(unsigned long long)line_of(fr));
			}
		}
	}
	return n;
}

static void profile_json(struct run *r, struct json_value **j, char *const cmd[])
{
	char *argv[16] = { TT, "profile", "-F", "199", "--format", "json", "--" };
	size_t k = 7;

	for (size_t i = 0; cmd[i] && k < 15; i++)
		argv[k++] = cmd[i];
	argv[k] = NULL;
	*j = run_json_ok(r, argv);
}

/* At 199 Hz for 2 s nearly every sample is in the loop: all but a few (the start, the
 * loop's test) must carry the whole inlined chain. Here and below, at least 100 samples (a
 * loaded machine, or the sanitizers, take up to half), for the share to mean something. */
static void expect_inlined_chain(const char *target_name, const char *comm)
{
	char example[1024];
	struct json_value *j;
	struct run r;
	uint64_t n, good;

	profile_json(&r, &j, (char *[]){ TG(target_name), "2", NULL });
	n = samples(cpu_series(j, r.out), comm, inlined_chain, &good, example, sizeof(example));
	cr_assert_geq(n, 100, "2 s at 199 Hz: %llu samples of %s", (unsigned long long)n, comm);
	cr_assert_geq(good, 0.9 * n, "%llu of %llu samples are leaf_mix (inlined, inlined.c:%d) "
		      "in work (inlined.c:%d) in main; the heaviest: %s", (unsigned long long)good,
		      (unsigned long long)n, INLINED_LEAF_LINE, INLINED_CALL_LINE, example);
	json_free(j);
	run_free(&r);
}

Test(symbols, inlined_functions_with_file_and_line)
{
	expect_inlined_chain("inlined", "inlined");
}

static bool libc_static_start(const struct json_value *st)
{
	for (size_t i = 0; user_frame(st, i); i++)
		if (named(user_frame(st, i), "__libc_start_call_main"))
			return file_is(user_frame(st, i), "libc_start_call_main.h") &&
			       line_of(user_frame(st, i)) > 0;
	return false;
}

/* __libc_start_call_main is a static function of libc: in no symbol table of libc.so.6,
 * only in libc6-dbg's debug file, found by libc's build id under /usr/lib/debug. */
Test(symbols, libc_static_functions_from_its_debug_file)
{
	char example[1024];
	struct json_value *j;
	struct run r;
	uint64_t n, good;

	profile_json(&r, &j, (char *[]){ TG("inlined"), "2", NULL });
	n = samples(cpu_series(j, r.out), "inlined", libc_static_start, &good, example,
		    sizeof(example));
	cr_assert_geq(good, 0.9 * n, "%llu of %llu samples pass through __libc_start_call_main "
		      "with its file and line (is libc6-dbg installed? make deps); the heaviest: %s",
		      (unsigned long long)good, (unsigned long long)n, example);
	json_free(j);
	run_free(&r);
}

Test(symbols, stripped_target_named_by_build_id_in_a_debug_dir)
{
	char list[PATH_MAX + 32];

	/* a folder that is not there first: each is looked in, in turn */
	snprintf(list, sizeof(list), "/nonexistent:%s.debugdir", target("inlined"));
	cr_assert_eq(setenv("TAILTRACE_DEBUG_DIRS", list, 1), 0);
	expect_inlined_chain("inlined-stripped", "inlined-strippe");
}

Test(symbols, stripped_target_named_by_debuglink)
{
	unsetenv("TAILTRACE_DEBUG_DIRS");
	expect_inlined_chain("inlined-linked", "inlined-linked");
}

static bool nameless_leaf(const struct json_value *st)
{
	const struct json_value *leaf = user_frame(st, 0);
	const char *m = leaf ? str_at(leaf, "module") : NULL;

	return leaf && !str_at(leaf, "symbol") && m && strstr(m, "/inlined-badcrc");
}

/* Its debuglink names a file whose CRC is not the one the link holds: another build's
 * addresses would name the wrong functions, so the file is not read, and a frame with no
 * symbol is still there, as its module and offset. */
Test(symbols, debuglink_with_a_bad_crc_is_refused)
{
	char example[1024], want[PATH_MAX + 8];
	struct json_value *j;
	struct run r;
	uint64_t n, good;

	unsetenv("TAILTRACE_DEBUG_DIRS");
	profile_json(&r, &j, (char *[]){ TG("inlined-badcrc"), "2", NULL });
	n = samples(cpu_series(j, r.out), "inlined-badcrc", nameless_leaf, &good, example,
		    sizeof(example));
	cr_assert_geq(n, 100, "2 s at 199 Hz: %llu samples", (unsigned long long)n);
	cr_assert_geq(good, 0.9 * n, "%llu of %llu samples have a leaf without a name; the "
		      "heaviest: %s", (unsigned long long)good, (unsigned long long)n, example);
	cr_assert(!strstr(r.out, "\"leaf_mix\"") && !strstr(r.out, "\"work\""),
		  "names from the debug file with the wrong CRC:\n%s", r.out);
	json_free(j);
	run_free(&r);

	/* text and folded show such a frame as module+0xoffset (the loop: work+0x30 in the
	 * file, at least 0x1000 in) */
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--format", "folded", "--",
				    TG("inlined-badcrc"), "1", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "[%s+0x", target("inlined-badcrc"));
	cr_assert(strstr(r.out, want), "folded: no frame %s...]:\n%s", want, r.out);
	run_free(&r);
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--", TG("inlined-badcrc"), "1",
				    NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, want), "text: no frame %s...]:\n%s", want, r.out);
	run_free(&r);
}

static bool jit_leaf(const struct json_value *st)
{
	const struct json_value *leaf = user_frame(st, 0);

	return named(leaf, "jit_spin_loop") && !strcmp(str_at(leaf, "module"), "[jit]");
}

Test(symbols, jit_code_named_by_its_perf_map)
{
	char example[1024];
	struct json_value *j;
	struct run r;
	uint64_t n, good;

	profile_json(&r, &j, (char *[]){ TG("jit"), "2", NULL });
	n = samples(cpu_series(j, r.out), "jit", jit_leaf, &good, example, sizeof(example));
	cr_assert_geq(n, 100, "2 s at 199 Hz: %llu samples", (unsigned long long)n);
	cr_assert_geq(good, 0.9 * n, "%llu of %llu samples are in jit_spin_loop [jit]; the "
		      "heaviest: %s", (unsigned long long)good, (unsigned long long)n, example);
	json_free(j);
	run_free(&r);
}

/* A name in a perf map is the process's to choose: the text output escapes it. */
Test(symbols, jit_names_are_escaped_in_text)
{
	struct run r;

	run_cmd(&r, 60, (char *[]){ TT, "profile", "-F", "199", "--", TG("jit"), "1",
				    "evil\x1b[2Jname", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "evil\\x1b[2Jname"), "the name, escaped:\n%s", r.out);
	cr_assert(!strchr(r.out, '\x1b'), "a raw escape in the output");
	run_free(&r);
}

/* chain's c, b, a and main in a stack of comm chain. */
static bool chain_named(const struct json_value *st)
{
	return named(user_frame(st, 0), "c") && named(user_frame(st, 1), "b") &&
	       named(user_frame(st, 2), "a") && named(user_frame(st, 3), "main");
}

static void copy_file(const char *from, const char *to)
{
	char cmd[2 * PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* chain copied (with the library it links) into a private tmpfs of a mount namespace of its
 * own, run from there: its path names nothing in ours. */
Test(symbols, a_binary_in_another_mount_namespace)
{
	char dir[] = "/tmp/tt-mntns-XXXXXX", script[4 * PATH_MAX], example[1024];
	struct json_value *j;
	struct run r;
	uint64_t n, good;

	cr_assert(mkdtemp(dir));
	snprintf(script, sizeof(script),
		 "mount -t tmpfs tt-mntns '%s' && cp '%s' '%s' '%s/' && exec '%s/chain' 2", dir,
		 target("chain"), target("libttdemo.so"), dir, dir);
	profile_json(&r, &j, (char *[]){ "unshare", "-m", "--propagation", "private", "sh", "-c",
					 script, NULL });
	n = samples(cpu_series(j, r.out), "chain", chain_named, &good, example, sizeof(example));
	cr_assert_geq(n, 100, "2 s at 199 Hz: %llu samples of chain", (unsigned long long)n);
	cr_assert_geq(good, 0.9 * n, "%llu of %llu samples are c, b, a, main; the heaviest: %s",
		      (unsigned long long)good, (unsigned long long)n, example);
	{
		char path[PATH_MAX + 8];
		struct stat st;

		snprintf(path, sizeof(path), "%s/chain", dir);
		cr_assert(strstr(r.out, path), "frames name the path in its namespace");
		cr_assert(stat(path, &st), "%s is not in ours: the test shows nothing", path);
	}
	json_free(j);
	run_free(&r);
	rmdir(dir);
}

/* chain copied, started, and its file deleted before profile starts. */
Test(symbols, a_deleted_binary)
{
	char dir[] = "/tmp/tt-deleted-XXXXXX", exe[PATH_MAX], lib[PATH_MAX], pid[16];
	char example[1024];
	struct json_value *j;
	struct run r, rb;
	struct bg b;
	uint64_t n, good;

	cr_assert(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/chain", dir);
	snprintf(lib, sizeof(lib), "%s/libttdemo.so", dir);
	copy_file(target("chain"), exe);
	copy_file(target("libttdemo.so"), lib);
	bg_start(&b, (char *[]){ exe, "4", NULL });
	bg_wait_for(&b, "ready", 10);
	cr_assert_eq(unlink(exe), 0);
	snprintf(pid, sizeof(pid), "%d", b.pid);
	j = run_json_ok(&r, (char *[]){ TT, "profile", "-p", pid, "-F", "199", "-d", "1500ms",
					"--format", "json", NULL });
	bg_finish(&b, SIGKILL, 10, &rb);
	n = samples(cpu_series(j, r.out), "chain", chain_named, &good, example, sizeof(example));
	cr_assert_geq(n, 100, "1.5 s at 199 Hz: %llu samples", (unsigned long long)n);
	cr_assert_geq(good, 0.9 * n, "%llu of %llu samples are c, b, a, main; the heaviest: %s",
		      (unsigned long long)good, (unsigned long long)n, example);
	json_free(j);
	run_free(&r);
	run_free(&rb);
	unlink(lib);
	rmdir(dir);
}

/* jit's map replaced, while it runs, by what a hostile process could put there: a FIFO no
 * one writes, a link to a file of root's, a huge sparse file. profile neither hangs nor reads
 * them: it ends on time, and the JIT's code is nameless. */
Test(symbols, a_hostile_perf_map_never_hangs, .timeout = 120)
{
	static const char *const kinds[] = { "fifo", "symlink", "huge" };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char map[64], pid[16];
		struct json_value *j;
		struct run r, rb;
		struct bg b;
		int fd;

		bg_start(&b, (char *[]){ TG("jit"), "5", NULL });
		bg_wait_for(&b, "ready", 10);
		snprintf(map, sizeof(map), "/tmp/perf-%d.map", b.pid);
		cr_assert_eq(unlink(map), 0, "%s", map);
		if (!strcmp(kinds[k], "fifo")) {
			cr_assert_eq(mkfifo(map, 0644), 0);
		} else if (!strcmp(kinds[k], "symlink")) {
			cr_assert_eq(symlink("/etc/passwd", map), 0);
		} else {
			fd = open(map, O_WRONLY | O_CREAT | O_EXCL, 0644);
			cr_assert_geq(fd, 0);
			cr_assert_eq(ftruncate(fd, 1LL << 40), 0, "1 TiB, sparse");
			close(fd);
		}
		snprintf(pid, sizeof(pid), "%d", b.pid);
		j = run_json_ok(&r, (char *[]){ TT, "profile", "-p", pid, "-F", "199", "-d", "1s",
						"--format", "json", NULL });
		bg_finish(&b, SIGKILL, 10, &rb);
		unlink(map);
		cr_assert_lt(r.seconds, 10, "%s: a 1 s profile took %.1f s", kinds[k], r.seconds);
		cr_assert(!strstr(r.out, "\"[jit]\""), "%s: a name from it:\n%s", kinds[k], r.out);
		json_free(j);
		run_free(&r);
		run_free(&rb);
	}
}

/* A program run from a FUSE mount whose daemon stopped answering: a stat or open of its file
 * would wait until the daemon dies, and not even SIGKILL ends the waiter. tailtrace never
 * touches it (mountinfo names its filesystem): the run ends on time, its frames named
 * module+offset. fuse_stall exits after 40 s whatever happens, which bounds a failure. */
Test(symbols, a_hung_fuse_mount_is_never_touched, .timeout = 90)
{
	struct fuse_trap t;
	struct bg app;
	struct run r;
	char want[160];

	fuse_trap_mount(&t, TG("chain"), "prog");
	bg_start(&app, (char *[]){ t.file, "30", NULL });
	bg_wait_for(&app, "ready", 10);
	fuse_trap_profile(&t, &app, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_lt(r.seconds, 10, "a 2 s run took %.1f s: it waited on the mount", r.seconds);
	snprintf(want, sizeof(want), "[%s+0x", t.file);
	cr_assert(strstr(r.out, want), "frames of prog shown as module+offset:\n%s", r.out);
	run_free(&r);
}
