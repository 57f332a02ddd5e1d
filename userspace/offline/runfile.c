// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Saved runs read back, the least that diff needs: the file read whole through safe_open
 * (a regular file, bounded) and parsed by the strict reader. The branch that owns saved
 * runs (report, merge) checks more: this one is replaced by it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/msg.h"
#include "core/safe_open.h"
#include "offline/runfile.h"
#include "report/json.h"

/* All of fd, at most max bytes, NUL-terminated; NULL with errno set. */
static char *read_all(int fd, uint64_t max, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1), *p;

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t got;

		if (n == cap) {
			if (cap >= max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap = cap * 2 > max ? (size_t)max : cap * 2;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

int runfile_load(const char *path, struct snapshot *out)
{
	bool in = !strcmp(path, "-");
	int fd = in ? 0 : safe_open(path, RUNFILE_MAX, NULL);
	char err[256], *text;
	size_t len;
	int ret;

	if (fd < 0) {
		const char *kind = safe_open_kind(fd);

		if (fd == -EFBIG)
			msg_error("%s: larger than any saved run (%llu MiB): give a run saved with "
				  "-o FILE.json", path, RUNFILE_MAX >> 20);
		else if (kind)
			msg_error("%s: %s, not a file; give a run saved with -o FILE.json",
				  path, kind);
		else
			msg_error("%s: %s; give a run saved with -o FILE.json", path,
				  strerror(-fd));
		return -1;
	}
	text = read_all(fd, RUNFILE_MAX, &len);
	if (!in)
		close(fd);
	if (!text) {
		msg_error("%s: cannot read it: %s; give a readable saved run", path,
			  strerror(errno));
		return -1;
	}
	ret = snapshot_from_json(text, len, out, err, sizeof(err));
	free(text);
	if (ret == -ENOMEM) {
		msg_error("%s: out of memory reading it; free some memory and try again", path);
		return -1;
	}
	if (ret) {
		msg_error("%s: not a tailtrace run (%s); give a run saved with -o FILE.json",
			  path, err);
		return -1;
	}
	return 0;
}
