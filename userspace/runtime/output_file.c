// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "runtime/output_file.h"
#include "core/msg.h"
#include "core/path_walk.h"

/* Tries at an unused random name before giving up (each has 64 random bits). */
#define NAME_TRIES 100

/* A hidden name no other user can guess: a planted file cannot take its place. */
static int random_name(char *buf, size_t len)
{
	unsigned long long r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return errno ? -errno : -EIO;
	snprintf(buf, len, ".tailtrace-%016llx", r);
	return 0;
}

/* The descriptor that "-", /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N names, as a
 * shell or awk reads them: written in place, wherever it leads; -1 for any other path. */
static int stream_fd(const char *path)
{
	static const char *const fd_dirs[] = { "/dev/fd/", "/proc/self/fd/" };
	char *end;
	long n;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"))
		return 1;
	if (!strcmp(path, "/dev/stderr"))
		return 2;
	for (size_t i = 0; i < sizeof(fd_dirs) / sizeof(fd_dirs[0]); i++) {
		size_t len = strlen(fd_dirs[i]);

		if (strncmp(path, fd_dirs[i], len) || path[len] < '0' || path[len] > '9')
			continue;
		errno = 0;
		n = strtol(path + len, &end, 10);
		if (!*end && !errno && n <= INT_MAX)
			return (int)n;
	}
	return -1;
}

static int refuse(struct output_file *of, enum output_refusal why, const char *link,
		  uid_t owner, mode_t mode, int err)
{
	of->refusal = why;
	snprintf(of->refused_link, sizeof(of->refused_link), "%s", link ? link : "");
	of->refused_owner = owner;
	of->refused_mode = mode;
	return err;
}

/* A FIFO or a terminal, written in place: opened without blocking (a FIFO nobody reads would
 * hold start-up forever), then made blocking for the writes at the end. */
static int open_in_place(struct output_file *of, const struct path_end *end)
{
	const int flags = O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	char proc[64];
	struct stat st;
	int fl;

	if (!S_ISFIFO(end->st.st_mode) && !S_ISCHR(end->st.st_mode))
		return refuse(of, OUTPUT_NOT_WRITABLE, NULL, end->st.st_uid, end->st.st_mode,
			      -EINVAL);
	if (end->dirfd >= 0) {
		of->fd = openat(end->dirfd, end->name, flags | O_NOFOLLOW);
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", end->objfd);
		of->fd = open(proc, flags);
	}
	if (of->fd < 0) {
		if (errno == ENXIO && S_ISFIFO(end->st.st_mode))
			return refuse(of, OUTPUT_NO_READER, NULL, end->st.st_uid, end->st.st_mode,
				      -ENXIO);
		return -errno;
	}
	/* what was opened is what was walked to, not something put in its place since */
	if (fstat(of->fd, &st) || st.st_dev != end->st.st_dev || st.st_ino != end->st.st_ino)
		return -EAGAIN;
	fl = fcntl(of->fd, F_GETFL);
	if (fl < 0 || fcntl(of->fd, F_SETFL, fl & ~O_NONBLOCK))
		return -errno;
	of->direct = true;
	return 0;
}

/* A file without a name in dirfd (O_TMPFILE), or, where the filesystem has none, one under a
 * random hidden name; readable by root only until it is complete. */
static int open_temporary(struct output_file *of)
{
	int err;

	of->fd = openat(of->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (of->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR)
		return -errno;
	for (int i = 0; i < NAME_TRIES; i++) {
		err = random_name(of->tmp_name, sizeof(of->tmp_name));
		if (err)
			return err;
		of->fd = openat(of->dirfd, of->tmp_name,
				O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (of->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	err = -errno;
	of->tmp_name[0] = 0;
	return err;
}

int output_file_open(struct output_file *of, const char *path)
{
	struct path_refusal refused;
	struct path_end end;
	mode_t mask;
	int err, fd;

	memset(of, 0, sizeof(*of));
	of->fd = of->dirfd = -1;
	fd = stream_fd(path);
	if (fd >= 0) {
		of->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		of->direct = true;
		return of->fd < 0 ? -errno : 0;
	}
	err = path_walk(path, geteuid(), &end, &refused);
	if (err == -EACCES && refused.link[0])
		return refuse(of, OUTPUT_FOREIGN_LINK, refused.link, refused.owner, S_IFLNK, err);
	if (err)
		return err;
	if (end.exists && !sticky_rule_allows(&end.dir_st, end.st.st_uid, geteuid()))
		err = refuse(of, OUTPUT_FOREIGN_FILE, NULL, end.st.st_uid, end.st.st_mode,
			     -EACCES);
	else if (end.objfd >= 0 || (end.exists && !S_ISREG(end.st.st_mode)))
		err = open_in_place(of, &end);
	if (err || of->direct) {
		path_end_close(&end);
		if (err)
			output_file_abort(of);
		return err;
	}
	of->dirfd = end.dirfd;
	memcpy(of->name, end.name, sizeof(of->name));
	mask = umask(0);
	umask(mask);
	of->new_mode = 0666 & ~mask;
	err = open_temporary(of);
	if (err)
		output_file_abort(of);
	return err;
}

/* The file it replaces keeps its owner and mode (less set-id bits: this is no program); a new
 * one is the user's, as open(2) would make it. Another user's file that appeared in a sticky
 * directory during the run is not replaced, as it would not have been at the start. */
static int take_place_of(struct output_file *of)
{
	struct stat st, dir_st, mine;

	if (fstatat(of->dirfd, of->name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
		return fchmod(of->fd, of->new_mode) ? -errno : 0;
	if (fstat(of->dirfd, &dir_st) || fstat(of->fd, &mine))
		return -errno;
	if (!sticky_rule_allows(&dir_st, st.st_uid, geteuid()))
		return refuse(of, OUTPUT_FOREIGN_FILE, NULL, st.st_uid, st.st_mode, -EACCES);
	if ((st.st_uid != mine.st_uid || st.st_gid != mine.st_gid) &&
	    fchown(of->fd, st.st_uid, st.st_gid))
		return -errno;
	return fchmod(of->fd, st.st_mode & 0777) ? -errno : 0;
}

/* Gives the complete file its name. An O_TMPFILE file gets a random one first: linkat
 * cannot replace an existing file, rename can. */
static int name_file(struct output_file *of)
{
	char proc[64];
	int err = 0;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", of->fd);
	for (int i = 0; !of->tmp_name[0] && i < NAME_TRIES; i++) {
		err = random_name(of->tmp_name, sizeof(of->tmp_name));
		if (!err && linkat(AT_FDCWD, proc, of->dirfd, of->tmp_name, AT_SYMLINK_FOLLOW))
			err = -errno;
		if (err)
			of->tmp_name[0] = 0;
		if (err != -EEXIST)
			break;
	}
	if (err)
		return err;
	if (renameat(of->dirfd, of->tmp_name, of->dirfd, of->name))
		return -errno;
	of->tmp_name[0] = 0;
	return 0;
}

int output_file_commit(struct output_file *of, int (*write)(FILE *f, void *ctx), void *ctx)
{
	FILE *f;
	int err, fd;

	fd = dup(of->fd);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto out;
	}
	err = write(f, ctx);
	if (fflush(f) || ferror(f))
		err = err ? err : -EIO;
	fclose(f);
	if (err || of->direct)
		goto out;
	err = take_place_of(of);
	if (!err && fsync(of->fd))
		err = -errno;
	if (!err)
		err = name_file(of);
out:
	output_file_abort(of);
	return err;
}

void output_file_abort(struct output_file *of)
{
	if (of->fd >= 0)
		close(of->fd);
	if (of->tmp_name[0])
		unlinkat(of->dirfd, of->tmp_name, 0);
	if (of->dirfd >= 0)
		close(of->dirfd);
	of->fd = of->dirfd = -1;
	of->tmp_name[0] = 0;
}

/* What the -o file's problem is, and what to do, in one line. */
void output_file_say_problem(const struct output_file *of, const char *path, int err)
{
	mode_t m = of->refused_mode;
	char via[PATH_MAX + 8] = "";

	switch (of->refusal) {
	case OUTPUT_FOREIGN_LINK:
		/* the link may be one on the way to path */
		if (strcmp(path, of->refused_link))
			snprintf(via, sizeof(via), ": '%s'", of->refused_link);
		msg_error("-o '%s'%s is a symlink of uid %u in a sticky world-writable directory "
			  "of another owner, which tailtrace does not follow (the "
			  "fs.protected_symlinks rule): give -o the file's real path, or remove "
			  "the link", path, via, (unsigned)of->refused_owner);
		break;
	case OUTPUT_FOREIGN_FILE:
		msg_error("-o '%s' is a file of uid %u in a sticky world-writable directory of "
			  "another owner, which tailtrace does not replace (the "
			  "fs.protected_regular rule): remove it, or choose another path for -o",
			  path, (unsigned)of->refused_owner);
		break;
	case OUTPUT_NO_READER:
		msg_error("-o '%s' is a FIFO that no process reads: start its reader first, or "
			  "give -o a file", path);
		break;
	case OUTPUT_NOT_WRITABLE:
		msg_error("-o '%s' is %s: give -o a file, a FIFO, a terminal or '-'", path,
			  S_ISSOCK(m) ? "a socket" : S_ISBLK(m) ? "a block device" :
			  S_ISREG(m) ? "a file open in a process (through /proc)" : "not a file");
		break;
	case OUTPUT_OK:
		msg_error("cannot write '%s': %s: choose a writable path for -o", path,
			  strerror(-err));
		break;
	}
}
