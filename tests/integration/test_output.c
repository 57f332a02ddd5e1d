/* -o FILE where other users can reach: tailtrace runs as root, the files and links around the
 * path may be planted. What the hostile tester did, each a test. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)
#define NOBODY 65534

static char base[] = "/tmp/tt-output-XXXXXX";
static bool made;

/* A fresh directory of the test's, with mode and owner, under /tmp: "<dir>/name". */
static char *test_dir(const char *name, mode_t mode, uid_t owner)
{
	char *p;

	if (!made) {
		cr_assert(mkdtemp(base), "mkdtemp: %s", strerror(errno));
		made = true;
	}
	cr_assert(asprintf(&p, "%s/%s", base, name) > 0);
	cr_assert_eq(mkdir(p, mode), 0, "mkdir %s: %s", p, strerror(errno));
	cr_assert_eq(chmod(p, mode), 0);	/* past the umask */
	cr_assert_eq(chown(p, owner, owner), 0);
	return p;
}

/* Skips, before any setup, where integration tests cannot run. */
static void need_root(void)
{
	tt_bin();
}

static void remove_test_dirs(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (made)
		cr_assert_eq(system(cmd), 0);
}

static char *path_in(const char *dir, const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void write_file(const char *path, const char *text, mode_t mode, uid_t owner)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	cr_assert(fd >= 0, "create %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, mode), 0);
	cr_assert_eq(fchown(fd, owner, owner), 0);
	close(fd);
}

static void plant_link(const char *target, const char *link, uid_t owner)
{
	cr_assert_eq(symlink(target, link), 0, "symlink %s: %s", link, strerror(errno));
	cr_assert_eq(lchown(link, owner, owner), 0);
}

/* The file's content, "" when it cannot be read. */
static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void assert_json_file(const char *path)
{
	char err[128], *text = slurp(path);
	struct json_value *j = json_parse(text, strlen(text), err, sizeof(err));

	cr_assert(j, "%s is not the run's JSON (%s): %.300s", path, err, text);
	cr_assert(json_get(j, "series"), "%s has the run's series", path);
	json_free(j);
}

static int entries(const char *dir)
{
	char cmd[300];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	cr_assert(p);
	cr_assert_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void run_to(struct run *r, const char *out)
{
	run_cmd(r, 30, (char *[]){ TT, "func", "work", "-o", (char *)out, "--", TG("count"), "5",
				   "1000", NULL });
}

static void expect_refused(const char *out, const char *message)
{
	struct run r;

	run_to(&r, out);
	cr_assert_eq(r.status, 1, "-o %s: exit %d, expected 1: %s", out, r.status, r.err);
	cr_assert(strstr(r.err, message), "-o %s: expected '%s' in: %s", out, message, r.err);
	cr_assert(!strchr(r.err, '\n') || !strchr(strchr(r.err, '\n') + 1, '\n'),
		  "one line: %s", r.err);
	cr_assert_eq(r.out[0], 0, "no report when nothing was traced: %s", r.out);
	run_free(&r);
	assert_no_leftovers(out);
}

/* As the hostile tester did it: uid 65534 plants links in a sticky world-writable directory,
 * to a root-only file and to a name in a root-only directory. */
Test(output, planted_link_is_not_followed, .init = need_root, .fini = remove_test_dirs)
{
	char *shared = test_dir("shared", 01777, 0), *vault = test_dir("vault", 0700, 0);
	char *victim = path_in(vault, "victim"), *missing = path_in(vault, "missing");
	char *link = path_in(shared, "run.json"), *to_missing = path_in(shared, "new.json");
	char *to_dir = path_in(shared, "d"), *through = path_in(to_dir, "run.json"), *message;
	struct stat st;

	write_file(victim, "secret\n", 0600, 0);
	plant_link(victim, link, NOBODY);
	plant_link(missing, to_missing, NOBODY);
	plant_link(vault, to_dir, NOBODY);

	expect_refused(link, "is a symlink of uid 65534 in a sticky world-writable directory");
	expect_refused(to_missing, "remove the link");
	cr_assert(asprintf(&message, "'%s' is a symlink of uid 65534", to_dir) > 0);
	expect_refused(through, message);

	cr_assert_str_eq(slurp(victim), "secret\n", "the victim's content is untouched");
	cr_assert_eq(stat(victim, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "the victim's mode is untouched: %o", st.st_mode);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(access(missing, F_OK), -1, "nothing is created through a planted link");
	cr_assert_eq(access(path_in(vault, "run.json"), F_OK), -1);
	cr_assert_eq(entries(vault), 1, "nothing left in the link's target directory");
	cr_assert_eq(entries(shared), 3, "nothing left beside the links");
}

/* What the kernel lets the user follow is followed: a link of the user's own in a sticky
 * directory, another user's in a directory that is not sticky, or in a sticky one of the link
 * owner's. The link stays a link, its target gets the JSON. */
Test(output, links_the_user_could_follow_are_followed, .init = need_root,
     .fini = remove_test_dirs)
{
	char *shared = test_dir("shared", 01777, 0), *plain = test_dir("plain", 0755, 0);
	char *theirs = test_dir("theirs", 01777, NOBODY), *dest = test_dir("dest", 0755, 0);
	const struct {
		char *dir;
		uid_t owner;
	} cases[] = { { shared, 0 }, { plain, NOBODY }, { theirs, NOBODY } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32], *link = path_in(cases[i].dir, "run.json"), *real;
		struct stat st;
		struct run r;

		snprintf(name, sizeof(name), "real%zu.json", i);
		real = path_in(dest, name);
		plant_link(real, link, cases[i].owner);
		run_to(&r, link);
		cr_assert_eq(r.status, 0, "-o %s (link of uid %u): %s", link, cases[i].owner,
			     r.err);
		cr_assert(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "%s stays a link", link);
		assert_json_file(real);
		cr_assert_eq(entries(cases[i].dir), 1, "nothing left beside %s", link);
		run_free(&r);
	}
	cr_assert_eq(entries(dest), 3, "the three targets and nothing else");
}

/* A file that is replaced keeps its owner and mode: another user's 0600 file stays theirs and
 * 0600, only its content is the run's. */
Test(output, existing_file_keeps_owner_and_mode, .init = need_root, .fini = remove_test_dirs)
{
	char *dir = test_dir("out", 0755, 0), *out = path_in(dir, "run.json");
	struct stat st;
	struct run r;

	write_file(out, "old\n", 0600, NOBODY);
	run_to(&r, out);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_json_file(out);
	cr_assert_eq(stat(out, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode kept: %o", st.st_mode & 07777);
	cr_assert_eq(st.st_uid, NOBODY, "owner kept: %u", st.st_uid);
	cr_assert_eq(st.st_gid, NOBODY, "group kept: %u", st.st_gid);
	cr_assert_eq(entries(dir), 1, "nothing but run.json");
	run_free(&r);
}

/* Temporary names that others can guess would let them put their own file in place: with
 * every <out>.tmp<pid>.<i> and <out>.tmp<i> taken beforehand, by the pid tailtrace runs as,
 * the output still lands and none of the planted files moves. */
Test(output, temporary_names_cannot_be_planted, .init = need_root, .fini = remove_test_dirs)
{
	char *dir = test_dir("shared", 01777, 0), *out = path_in(dir, "run.json"), *check;
	char *plant = "for i in $(seq 0 99); do "
		      "echo foreign > \"$1.tmp$$.$i\"; echo foreign > \"$1.tmp$i\"; done; "
		      "chown 65534:65534 \"$1\".tmp*; "
		      "exec \"$0\" func work -o \"$1\" -- \"$2\" 5 1000";
	struct run r;

	run_cmd(&r, 30, (char *[]){ "/bin/sh", "-c", plant, TT, out, TG("count"), NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_json_file(out);
	cr_assert_eq(entries(dir), 201, "run.json beside the 200 planted files");
	cr_assert(asprintf(&check, "cd '%s' && test -z \"$(grep -L foreign run.json.tmp*)\"",
			   dir) > 0);
	cr_assert_eq(system(check), 0, "the planted files are all there, unchanged");
	run_free(&r);
}

/* Started with standard output closed, tailtrace must not let the -o file take its number:
 * the text report would land inside the JSON. */
Test(output, closed_stdout_stays_out_of_the_file, .init = need_root, .fini = remove_test_dirs)
{
	char *dir = test_dir("out", 0755, 0), *out = path_in(dir, "run.json");
	struct run r;

	run_cmd(&r, 30, (char *[]){ "/bin/sh", "-c", "exec \"$0\" func work -o \"$1\" -- "
				    "\"$2\" 5 1000 >&-", TT, out, TG("count"), NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_json_file(out);
	/* the text table's heading (the JSON names the count column "CALLS" too) */
	cr_assert(!strstr(slurp(out), "P99.9"), "no text report in the file");
	run_free(&r);
}

/* A FIFO nobody reads would block open(2) for ever: the run must end, well within its -d,
 * saying why. With a reader, the FIFO gets the JSON. */
Test(output, fifo_without_reader_does_not_block, .init = need_root, .fini = remove_test_dirs)
{
	char *dir = test_dir("out", 0755, 0), *fifo = path_in(dir, "run.fifo");
	char buf[65536], err[128];
	struct json_value *j;
	struct run r;
	ssize_t n;
	int rd;

	cr_assert_eq(mkfifo(fifo, 0600), 0);
	run_cmd(&r, 10, (char *[]){ TT, "func", "work", "-o", fifo, "-d", "3s", "--",
				    TG("count"), "5", "1000", NULL });
	cr_assert_lt(r.seconds, 5, "ended within its -d (took %.1f s)", r.seconds);
	cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "is a FIFO that no process reads: start its reader first"),
		  "%s", r.err);
	run_free(&r);
	assert_no_leftovers("-o FIFO");

	/* the test reads: the JSON (a few KiB) fits in the pipe */
	rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	cr_assert(rd >= 0, "%s", strerror(errno));
	run_to(&r, fifo);
	cr_assert_eq(r.status, 0, "%s", r.err);
	n = read(rd, buf, sizeof(buf) - 1);
	cr_assert(n > 0, "the reader got the JSON");
	buf[n] = 0;
	j = json_parse(buf, n, err, sizeof(err));
	cr_assert(j, "%s: %.300s", err, buf);
	json_free(j);
	close(rd);
	run_free(&r);
}

/* "-", /dev/stdout and /dev/fd/N are tailtrace's own descriptors, written in place: nothing
 * is renamed over them, and /dev/stdout stays what it is. */
Test(output, streams_are_written_in_place, .init = need_root, .fini = remove_test_dirs)
{
	char *dir = test_dir("out", 0755, 0), *out = path_in(dir, "fd7.json");
	struct run r;

	run_cmd(&r, 30, (char *[]){ TT, "func", "work", "-o", "/dev/stdout", "--", TG("count"),
				    "5", "1000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"schema\": 1"), "%s", r.out);
	cr_assert_eq(system("test -L /dev/stdout"), 0, "/dev/stdout is still a symlink");
	run_free(&r);
	run_cmd(&r, 30, (char *[]){ TT, "func", "work", "-o", "-", "--", TG("count"), "5", "1000",
				    NULL });
	cr_assert(strstr(r.out, "\"schema\": 1"), "-o - is standard output: %s", r.out);
	run_free(&r);
	run_cmd(&r, 30, (char *[]){ "/bin/sh", "-c", "exec \"$0\" func work -o /dev/fd/7 -- "
				    "\"$2\" 5 1000 7>\"$1\"", TT, out, TG("count"), NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_json_file(out);
	run_free(&r);
}
