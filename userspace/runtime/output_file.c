// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "runtime/output_file.h"

/* Follows symlinks (up to 16) to the path a file would be created at. 0 or -errno. */
static int resolve_links(const char *path, char *out, size_t len)
{
	char cur[PATH_MAX], target[PATH_MAX];
	struct stat st;

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return -ENAMETOOLONG;
	for (int i = 0; i < 16; i++) {
		ssize_t n;

		if (lstat(cur, &st) || !S_ISLNK(st.st_mode)) {
			snprintf(out, len, "%s", cur);
			return 0;
		}
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = 0;
		if (target[0] == '/') {
			memcpy(cur, target, sizeof(cur));
		} else {
			char *slash = strrchr(cur, '/');
			char joined[PATH_MAX];

			if (snprintf(joined, sizeof(joined), "%.*s%s",
				     slash ? (int)(slash - cur + 1) : 0, cur, target) >=
			    (int)sizeof(joined))
				return -ENAMETOOLONG;
			memcpy(cur, joined, sizeof(cur));
		}
	}
	return -ELOOP;
}

int output_file_open(struct output_file *of, const char *path)
{
	char *copy, *dir, real[PATH_MAX];
	struct stat st;
	int err;

	of->fd = -1;
	of->tmp_path = NULL;
	of->path = NULL;
	of->direct = false;
	if (!strcmp(path, "-") || (!stat(path, &st) && !S_ISREG(st.st_mode) &&
				   !S_ISDIR(st.st_mode))) {
		/* nothing to rename over: written in place */
		of->fd = strcmp(path, "-") ? open(path, O_WRONLY | O_CLOEXEC) : dup(1);
		if (of->fd < 0)
			return -errno;
		of->direct = true;
		of->path = strdup(path);
		return of->path ? 0 : -ENOMEM;
	}
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return -EISDIR;
	/* A symlink's target gets the new file, the link stays a link: even one whose target
	 * does not exist yet. */
	if (resolve_links(path, real, sizeof(real)) == 0)
		path = real;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	of->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (of->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* No O_TMPFILE here: a hidden temporary name, renamed at the end. */
		if (asprintf(&of->tmp_path, "%s/.tailtrace-XXXXXX", dir) < 0) {
			of->tmp_path = NULL;
			free(copy);
			return -ENOMEM;
		}
		of->fd = mkostemp(of->tmp_path, O_CLOEXEC);
	}
	err = of->fd < 0 ? -errno : 0;
	free(copy);
	if (err) {
		free(of->tmp_path);
		of->tmp_path = NULL;
		return err;
	}
	of->path = strdup(path);
	if (!of->path) {
		output_file_abort(of);
		return -ENOMEM;
	}
	return 0;
}

int output_file_commit(struct output_file *of, int (*write)(FILE *f, void *ctx), void *ctx)
{
	char proc[64], tmp[PATH_MAX];
	FILE *f;
	int err, fd;

	fd = dup(of->fd);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		goto out;
	}
	err = write(f, ctx);
	if (fflush(f) || ferror(f))
		err = err ? err : -EIO;
	if (!err && !of->direct && fsync(fileno(f)))
		err = -errno;
	fclose(f);
	if (err || of->direct)
		goto out;
	if (of->tmp_path) {
		if (rename(of->tmp_path, of->path))
			err = -errno;
		else {
			free(of->tmp_path);
			of->tmp_path = NULL;
		}
		goto out;
	}
	/* linkat cannot replace an existing file: link under a fresh name, then rename. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", of->fd);
	for (int i = 0; i < 100; i++) {
		snprintf(tmp, sizeof(tmp), "%s.tmp%d.%d", of->path, (int)getpid(), i);
		if (!linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW))
			break;
		if (errno != EEXIST) {
			err = -errno;
			goto out;
		}
	}
	if (rename(tmp, of->path)) {
		err = -errno;
		unlink(tmp);
	}
out:
	output_file_abort(of);
	return err;
}

void output_file_abort(struct output_file *of)
{
	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	if (of->tmp_path)
		unlink(of->tmp_path);
	free(of->tmp_path);
	of->tmp_path = NULL;
	free(of->path);
	of->path = NULL;
}
