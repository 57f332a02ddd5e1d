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
#include "report/output_file.h"

int output_file_open(struct output_file *of, const char *path)
{
	char *copy = strdup(path);
	char *dir;
	struct stat st;
	int err;

	of->fd = -1;
	of->tmp_path = NULL;
	of->path = NULL;
	if (!copy)
		return -ENOMEM;
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		free(copy);
		return -EISDIR;
	}
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
	if (!err && fsync(fileno(f)))
		err = -errno;
	fclose(f);
	if (err)
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
