/* The path walk that -o goes through, on directory trees made by the tests: links followed as
 * the kernel's fs.protected_symlinks would let the follower follow them, and no others. Root
 * is needed only to give a link to another user; without it, /tmp's links of ours stand in. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/path_walk.h"

#define NOBODY 65534

static char top[] = "/tmp/tt-walk-XXXXXX";
static char tmp_link[128];

static void make_top(void)
{
	cr_assert(mkdtemp(top), "mkdtemp: %s", strerror(errno));
}

static void remove_top(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	cr_assert_eq(system(cmd), 0);
	if (tmp_link[0])
		unlink(tmp_link);
}

static char *at(const char *rel)
{
	static char buf[8][4096];
	static int next;
	char *b = buf[next++ % 8];

	snprintf(b, 4096, "%s/%s", top, rel);
	return b;
}

static void dir(const char *rel, mode_t mode)
{
	cr_assert_eq(mkdir(at(rel), mode), 0, "mkdir %s: %s", rel, strerror(errno));
	cr_assert_eq(chmod(at(rel), mode), 0);
}

static void link_to(const char *target, const char *rel)
{
	cr_assert_eq(symlink(target, at(rel)), 0, "symlink %s: %s", rel, strerror(errno));
}

static void file(const char *rel)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_EXCL, 0600);

	cr_assert(fd >= 0, "create %s: %s", rel, strerror(errno));
	close(fd);
}

static ino_t ino(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
	return st.st_ino;
}

/* path leads to name in directory parent (a path), existing or not. */
static void expect_end(const char *path, uid_t follower, const char *parent, const char *name,
		       bool exists)
{
	struct path_refusal refused;
	struct path_end end;
	struct stat st;
	int err = path_walk(path, follower, &end, &refused);

	cr_assert_eq(err, 0, "%s: %s", path, strerror(-err));
	cr_assert_eq(end.objfd, -1, "%s", path);
	cr_assert_eq(fstat(end.dirfd, &st), 0);
	cr_assert_eq(st.st_ino, ino(parent), "%s ends in %s", path, parent);
	cr_assert_eq(end.dir_st.st_ino, st.st_ino);
	cr_assert_str_eq(end.name, name, "%s", path);
	cr_assert_eq(end.exists, exists, "%s: exists is %d", path, end.exists);
	path_end_close(&end);
}

static void expect_error(const char *path, uid_t follower, int want)
{
	struct path_refusal refused;
	struct path_end end;
	int err = path_walk(path, follower, &end, &refused);

	cr_assert_eq(err, want, "%s: %s, expected %s", path, strerror(-err), strerror(-want));
	cr_assert_eq(end.dirfd, -1, "nothing held after an error");
	cr_assert_eq(end.objfd, -1);
}

/* The walk refuses path at the link `link`, of owner. */
static void expect_refused(const char *path, uid_t follower, const char *link, uid_t owner)
{
	struct path_refusal refused;
	struct path_end end;
	int err = path_walk(path, follower, &end, &refused);

	cr_assert_eq(err, -EACCES, "%s is refused to uid %u: %s", path, follower, strerror(-err));
	cr_assert_str_eq(refused.link, link);
	cr_assert_eq(refused.owner, owner);
	cr_assert_eq(end.dirfd, -1);
}

Test(path_walk, sticky_rule_is_the_kernels)
{
	const struct {
		mode_t dir_mode;
		uid_t dir_owner, owner, follower;
		bool allowed;
	} cases[] = {
		{ 01777, 0, NOBODY, 0, false },		/* another's link in /tmp */
		{ 01777, 0, NOBODY, NOBODY, true },	/* the follower's own */
		{ 01777, NOBODY, NOBODY, 0, true },	/* the directory owner's */
		{ 01777, 0, 0, NOBODY, true },
		{ 00777, 0, NOBODY, 0, true },		/* not sticky */
		{ 01775, 0, NOBODY, 0, true },		/* sticky, not world-writable */
		{ 01733, 1000, NOBODY, 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stat d = { .st_mode = S_IFDIR | cases[i].dir_mode,
				  .st_uid = cases[i].dir_owner };

		cr_assert_eq(sticky_rule_allows(&d, cases[i].owner, cases[i].follower),
			     cases[i].allowed, "case %zu", i);
	}
}

Test(path_walk, follows_links_to_where_the_file_goes, .init = make_top, .fini = remove_top)
{
	char abs_target[4096];
	uid_t me = geteuid();

	dir("real", 0755);
	file("real/file");
	link_to("real/file", "flink");
	link_to("real", "dlink");
	snprintf(abs_target, sizeof(abs_target), "%s/real/new.json", top);
	link_to(abs_target, "abs");
	link_to("dlink/../flink", "chain");	/* ".." of the link's target, as the kernel */
	link_to("missing.json", "real/dangling");

	expect_end(at("real/file"), me, at("real"), "file", true);
	expect_end(at("real/new.json"), me, at("real"), "new.json", false);
	expect_end(at("flink"), me, at("real"), "file", true);
	expect_end(at("dlink/x.json"), me, at("real"), "x.json", false);
	expect_end(at("abs"), me, at("real"), "new.json", false);
	expect_end(at("chain"), me, at("real"), "file", true);
	expect_end(at("real/dangling"), me, at("real"), "missing.json", false);
	expect_end(at("real/./../real//file"), me, at("real"), "file", true);
}

Test(path_walk, says_what_is_wrong_with_a_path, .init = make_top, .fini = remove_top)
{
	uid_t me = geteuid();

	dir("real", 0755);
	file("real/file");
	link_to("loop2", "loop1");
	link_to("loop1", "loop2");

	expect_error(at("real"), me, -EISDIR);
	expect_error(at("real/"), me, -EISDIR);
	expect_error(at("real/.."), me, -EISDIR);
	expect_error(at("new/"), me, -EISDIR);
	expect_error(at("real/file/x"), me, -ENOTDIR);
	expect_error(at("real/file/"), me, -ENOTDIR);
	expect_error(at("nope/x"), me, -ENOENT);
	expect_error(at("loop1"), me, -ELOOP);
	expect_error("/", me, -EISDIR);
}

/* A link in a sticky world-writable directory whose owner is not the link's: followed by its
 * owner only, whether it is the last component or one on the way. */
Test(path_walk, refuses_links_only_their_owner_may_follow, .init = make_top, .fini = remove_top)
{
	char link[128], through[160];
	const char *where;
	uid_t owner;

	dir("real", 0755);
	if (geteuid() == 0) {
		dir("sticky", 01777);
		where = at("sticky");
		owner = NOBODY;
	} else {
		struct stat st;

		/* /tmp is such a directory, of root's, for anyone else's links */
		if (stat("/tmp", &st) || (st.st_mode & 01002) != 01002 || st.st_uid == geteuid())
			cr_skip_test("needs root, or a sticky world-writable /tmp of another's");
		where = "/tmp";
		owner = geteuid();
	}
	cr_assert_lt(snprintf(link, sizeof(link), "%s/tt-walk-link-%d", where, (int)getpid()),
		     (int)sizeof(link));
	cr_assert_eq(symlink(at("real"), link), 0, "%s", strerror(errno));
	if (!strcmp(where, "/tmp"))
		memcpy(tmp_link, link, sizeof(tmp_link));
	cr_assert_eq(lchown(link, owner, owner), 0);
	snprintf(through, sizeof(through), "%s/run.json", link);

	expect_refused(link, owner + 1, link, owner);
	expect_refused(through, owner + 1, link, owner);
	expect_end(through, owner, at("real"), "run.json", false);
}

/* Outside sticky world-writable directories, and in one its owner's links are in, anyone's
 * link is followed: needs no root, the follower is the walk's argument. */
Test(path_walk, follows_links_the_rule_allows, .init = make_top, .fini = remove_top)
{
	uid_t other = geteuid() + 1;

	dir("real", 0755);
	dir("plain", 0777);
	dir("mine", 01777);
	link_to(at("real"), "plain/l");
	link_to(at("real"), "mine/l");

	expect_end(at("plain/l/run.json"), other, at("real"), "run.json", false);
	expect_end(at("mine/l/run.json"), other, at("real"), "run.json", false);
}

/* /proc's links are the kernel's: a directory behind one is walked on, anything else is the
 * end of the walk (a pipe has no path to walk). */
Test(path_walk, proc_links_are_resolved_by_the_kernel, .init = make_top, .fini = remove_top)
{
	struct path_refusal refused;
	struct path_end end;
	char path[64];
	int p[2];

	dir("real", 0755);
	cr_assert_eq(chdir(at("real")), 0);
	expect_end("/proc/self/cwd/run.json", geteuid(), at("real"), "run.json", false);
	expect_end("run.json", geteuid(), at("real"), "run.json", false);

	cr_assert_eq(pipe(p), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	cr_assert_eq(path_walk(path, geteuid(), &end, &refused), 0);
	cr_assert_eq(end.dirfd, -1);
	cr_assert(end.objfd >= 0 && S_ISFIFO(end.st.st_mode), "the pipe itself");
	path_end_close(&end);
}
