// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opening what another user controls: regular files only, without blocking, bounded. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "core/safe_open.h"

static int kind_error(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return 0;
	case S_IFDIR:
		return -EISDIR;
	case S_IFIFO:
		return -ESPIPE;
	case S_IFSOCK:
		return -ENXIO;
	default:
		return -ENODEV;
	}
}

const char *safe_open_kind(int err)
{
	switch (err) {
	case -EISDIR:
		return "a directory";
	case -ESPIPE:
		return "a FIFO";
	case -ENODEV:
		return "a device";
	case -ENXIO:
		return "a socket";
	default:
		return NULL;
	}
}

int safe_open(const char *path, uint64_t max_size, struct stat *st)
{
	char self[32];
	struct stat sb;
	int pfd, fd, err, flags;

	if (!st)
		st = &sb;
	/* O_PATH opens nothing yet: no FIFO waits for a writer, and no driver's open runs (a
	 * watchdog device starts counting down when opened). */
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, st))
		err = -errno;
	else
		err = kind_error(st->st_mode);
	if (!err && (uint64_t)st->st_size > max_size)
		err = -EFBIG;
	if (err) {
		close(pfd);
		return err;
	}
	/* Reopened through the fd, so it is the inode just checked, whatever path now names. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	err = fd < 0 ? -errno : 0;
	close(pfd);
	if (err)
		return err;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int safe_open_mapping(int pid, uint64_t start, uint64_t end, const char *path, uint64_t ino,
		      uint64_t max_size, struct stat *st)
{
	char link[96];
	struct stat sb;
	int fd;

	if (!st)
		st = &sb;
	snprintf(link, sizeof(link), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, start, end);
	fd = safe_open(link, max_size, st);
	if (fd != -ENOENT && fd != -EPERM && fd != -EACCES && fd != -ESRCH)
		return fd;
	/* map_files is not ours to read (it needs CAP_SYS_ADMIN): the path in the process's
	 * mount namespace. The process is gone, or a zombie (ESRCH): the path in ours. Either
	 * only if it still names what was mapped; a path from the process may since name
	 * anything. */
	fd = safe_open_in_root(pid, path, max_size, st);
	if (fd == -ENOENT || fd == -ESRCH || fd == -EACCES || fd == -EPERM)
		fd = safe_open(path, max_size, st);
	if (fd >= 0 && st->st_ino != ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int safe_open_in_root(int pid, const char *path, uint64_t max_size, struct stat *st)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[32], self[32];
	int rootfd, pfd, err;

	if (pid <= 0)
		return safe_open(path, max_size, st);
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	pfd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	err = pfd < 0 ? -errno : 0;
	close(rootfd);
	if (err)
		return err;
	/* The inode found, checked and reopened as safe_open does with any path. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	err = safe_open(self, max_size, st);
	close(pfd);
	return err;
}

struct bounded {
	int fd;
	uint64_t left;
};

static ssize_t bounded_read(void *cookie, char *buf, size_t size)
{
	struct bounded *b = cookie;
	ssize_t n;

	if (size > b->left)
		size = b->left;
	if (!size)
		return 0;
	do
		n = read(b->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->left -= n;
	return n;
}

static int bounded_close(void *cookie)
{
	struct bounded *b = cookie;
	int err = close(b->fd);

	free(b);
	return err;
}

FILE *safe_fopen(const char *path, uint64_t max_bytes)
{
	cookie_io_functions_t io = { .read = bounded_read, .close = bounded_close };
	struct bounded *b = malloc(sizeof(*b));
	FILE *f;

	if (!b)
		return NULL;
	b->fd = safe_open(path, max_bytes, NULL);
	if (b->fd < 0) {
		errno = -b->fd;
		free(b);
		return NULL;
	}
	b->left = max_bytes;
	f = fopencookie(b, "r", io);
	if (!f)
		bounded_close(b);
	return f;
}

bool safe_file_trusted(const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid()) &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}
