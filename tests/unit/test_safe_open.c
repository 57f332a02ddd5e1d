// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* safe_open and its kin against what a hostile process can put where a file is expected:
 * each must come back at once (the timeouts fail a hang) with the kind named. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/safe_open.h"
#include "fixtures/fixtures.h"

static void expect_refused(const char *path, int want, const char *kind)
{
	struct stat st;
	int fd = safe_open(path, SAFE_ELF_MAX, &st);

	if (fd >= 0)
		close(fd);
	cr_assert_eq(fd, want, "%s: got %d (%s), want %d (%s)", path, fd, strerror(-fd), want,
		     strerror(-want));
	cr_assert_str_eq(safe_open_kind(fd), kind, "%s is %s", path, kind);
}

Test(safe_open, regular_file, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 10)
{
	char path[PATH_MAX], link[PATH_MAX], buf[8] = "";
	struct stat st;
	int fd, flags;

	snprintf(path, sizeof(path), "%s/file", tmpdir);
	write_file(path, "content", 7, 0644);
	fd = safe_open(path, SAFE_ELF_MAX, &st);
	cr_assert_geq(fd, 0, "open: %s", strerror(-fd));
	cr_assert_eq(st.st_size, 7);
	flags = fcntl(fd, F_GETFL);
	cr_assert(!(flags & O_NONBLOCK), "O_NONBLOCK is cleared once the file is known regular");
	cr_assert_eq(flags & O_ACCMODE, O_RDONLY);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC, "close-on-exec");
	cr_assert_eq(read(fd, buf, sizeof(buf) - 1), 7);
	cr_assert_str_eq(buf, "content");
	close(fd);

	snprintf(link, sizeof(link), "%s/link", tmpdir);
	cr_assert_eq(symlink(path, link), 0);
	fd = safe_open(link, SAFE_ELF_MAX, NULL);
	cr_assert_geq(fd, 0, "a symlink to a regular file is followed: %s", strerror(-fd));
	close(fd);

	cr_assert_eq(safe_open(path, 6, NULL), -EFBIG, "larger than the stated maximum");
	cr_assert_null(safe_open_kind(-EFBIG));
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	cr_assert_eq(safe_open(path, SAFE_ELF_MAX, NULL), -ENOENT);
}

Test(safe_open, fifo_directory_device, .init = make_tmpdir, .fini = remove_tmpdir,
     .timeout = 10)
{
	char fifo[PATH_MAX], link[PATH_MAX];

	snprintf(fifo, sizeof(fifo), "%s/prog (deleted)", tmpdir);
	cr_assert_eq(mkfifo(fifo, 0644), 0, "mkfifo");
	expect_refused(fifo, -ESPIPE, "a FIFO");
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	cr_assert_eq(symlink(fifo, link), 0);
	expect_refused(link, -ESPIPE, "a FIFO");
	expect_refused(tmpdir, -EISDIR, "a directory");
	expect_refused("/dev/null", -ENODEV, "a device");
}

/* An executable mapping of this test program, from /proc/self/maps. */
static void own_mapping(uint64_t *start, uint64_t *end, uint64_t *ino, char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128], perms[8];

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %" SCNu64 " %4095s", start, end,
			   perms, ino, path) == 5 && perms[2] == 'x' && path[0] == '/') {
			fclose(f);
			return;
		}
	}
	cr_assert_fail("no executable file mapping in /proc/self/maps");
}

Test(safe_open, mapping_is_the_mapped_file, .timeout = 10)
{
	uint64_t start, end, ino;
	char path[PATH_MAX];
	struct stat st;
	int fd;

	own_mapping(&start, &end, &ino, path);
	fd = safe_open_mapping(getpid(), start, end, "/nonexistent", ino, SAFE_ELF_MAX, &st);
	if (geteuid() == 0) {
		cr_assert_geq(fd, 0, "through map_files, whatever the path: %s", strerror(-fd));
		cr_assert_eq(st.st_ino, ino);
		close(fd);
	}
	/* Gone (no such pid): the path, only while it is still the inode that was mapped. */
	fd = safe_open_mapping(4194000, start, end, path, ino, SAFE_ELF_MAX, &st);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(-fd));
	cr_assert_eq(st.st_ino, ino);
	close(fd);
	cr_assert_eq(safe_open_mapping(4194000, start, end, "/etc/passwd", ino, SAFE_ELF_MAX, NULL),
		     -ESTALE, "another file at the path");
}

Test(safe_open, fopen_stops_at_its_bound, .timeout = 10)
{
	char line[256];
	FILE *f = safe_fopen("/proc/self/maps", 10);
	size_t n = 0;

	cr_assert_not_null(f, "%s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += strlen(line);
	fclose(f);
	cr_assert_eq(n, 10, "read %zu bytes of at most 10", n);
	errno = 0;
	cr_assert_null(safe_fopen("/dev/null", SAFE_TEXT_MAX));
	cr_assert_eq(errno, ENODEV);
}

/* A file only another mount namespace has (a private tmpfs of a child's): reached through the
 * child's root, where our own path names nothing; and links there resolve there. */
Test(safe_open, in_root_of_another_mount_namespace, .timeout = 20)
{
	char dir[] = "/tmp/tt-inroot-XXXXXX", file[64], link[64], buf[8] = "";
	int ready[2], done[2], fd;
	struct stat st;
	pid_t child;
	char c;

	if (geteuid())
		cr_skip_test("a mount namespace of its own needs root");
	cr_assert(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/only-there", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(done), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (!child) {
		FILE *f;

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tt-inroot", dir, "tmpfs", 0, NULL) || !(f = fopen(file, "w")))
			_exit(1);
		fputs("ns", f);
		fclose(f);
		/* absolute: resolved in the child's root, it is the child's file */
		if (symlink(file, link) || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(done[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1, "the child set up its namespace");
	cr_assert_lt(safe_open(file, SAFE_ELF_MAX, NULL), 0, "not in our namespace");
	fd = safe_open_in_root(child, file, SAFE_ELF_MAX, &st);
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_assert_eq(pread(fd, buf, 2, 0), 2);
	cr_assert_str_eq(buf, "ns");
	close(fd);
	fd = safe_open_in_root(child, link, SAFE_ELF_MAX, NULL);
	cr_assert_geq(fd, 0, "the link, followed inside the child's root: %s", strerror(-fd));
	close(fd);
	cr_assert_eq(safe_open_in_root(child, "/proc/self/exe", SAFE_ELF_MAX, NULL), -ELOOP,
		     "no magic link leads out");
	cr_assert_eq(write(done[1], "d", 1), 1);
	waitpid(child, NULL, 0);
	rmdir(dir);
}
