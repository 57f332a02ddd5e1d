// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* perf's JIT maps (/tmp/perf-PID.map), read as what they are: text written by the process. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/array.h"
#include "symbols/perf_map.h"

/* A hex number of at most 16 digits, optionally "0x"-prefixed; *p moves past it. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits == 16)
			return false;
		v = v << 4 | d;
	}
	if (!digits)
		return false;
	*p = s;
	*out = v;
	return true;
}

/* One line [s, end) without its newline: 1 when it is an entry (in *e, name allocated), 0
 * when it is not, -ENOMEM. */
static int parse_line(const char *s, const char *end, struct perf_sym *e)
{
	uint64_t start, size;
	size_t len;

	if (!parse_hex(&s, end, &start) || s == end || *s != ' ')
		return 0;
	s++;
	if (!parse_hex(&s, end, &size) || s == end || *s != ' ')
		return 0;
	s++;
	len = end - s;
	if (!size || start + size < start || !len || memchr(s, '\0', len))
		return 0;
	if (len > PERF_MAP_NAME_MAX)
		len = PERF_MAP_NAME_MAX;
	e->name = strndup(s, len);
	if (!e->name)
		return -ENOMEM;
	e->start = start;
	e->size = size;
	return 1;
}

static int cmp_start(const void *a, const void *b)
{
	const struct perf_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

int perf_map_parse(const char *buf, size_t len, struct perf_map *out)
{
	const char *p = buf, *end = buf + len;
	size_t cap = 0, j = 0, lineno = 0;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p), *le = nl ? nl : end;
		struct perf_sym e;
		int r;

		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			p = nl ? nl + 1 : end;
			continue;	/* blank lines are not worth counting */
		}
		r = parse_line(p, le, &e);
		p = nl ? nl + 1 : end;
		if (r < 0)
			goto nomem;
		if (!r) {
			out->bad_lines++;
			continue;
		}
		if (out->n >= PERF_MAP_MAX_ENTRIES) {
			free(e.name);
			out->dropped++;
			continue;
		}
		if (array_grow((void **)&out->v, out->n, &cap, sizeof(*out->v))) {
			free(e.name);
			goto nomem;
		}
		e.line = lineno;
		out->v[out->n++] = e;
	}
	if (!out->n)
		return 0;
	qsort(out->v, out->n, sizeof(*out->v), cmp_start);
	/* of one start, the last line stays */
	for (size_t i = 1; i < out->n; i++) {
		if (out->v[i].start == out->v[j].start) {
			free(out->v[j].name);
			out->v[j] = out->v[i];
		} else {
			out->v[++j] = out->v[i];
		}
	}
	out->n = j + 1;
	return 0;
nomem:
	perf_map_free(out);
	return -ENOMEM;
}

static int load(const char *dir, int pid, uid_t uid, struct perf_map *out, struct stat *seen,
		uint64_t max)
{
	char path[4096];
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, err = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/perf-%d.map", dir ? dir : "/tmp", pid) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	/* /tmp is everyone's: a link planted there could point at any file of root's, and a
	 * FIFO would block the read. O_NONBLOCK also keeps a device's open from waiting. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : S_ISFIFO(st.st_mode) ? -ESPIPE :
		      S_ISSOCK(st.st_mode) ? -ENXIO : -ENODEV;
	} else if (st.st_uid != uid && st.st_uid != 0) {
		/* another user's map would name someone else's code */
		err = -EPERM;
	} else if ((uint64_t)st.st_size > PERF_MAP_MAX_BYTES || (uint64_t)st.st_size > max) {
		err = -EFBIG;
	}
	if (!err && seen && st.st_ino == seen->st_ino && st.st_dev == seen->st_dev &&
	    st.st_size == seen->st_size && st.st_mtim.tv_sec == seen->st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == seen->st_mtim.tv_nsec)
		err = 1;
	if (err) {
		close(fd);
		return err;
	}
	if (seen)
		*seen = st;
	perf_map_free(out);
	/* The size read is bounded by the cap, not by st_size: the process may be writing
	 * the map as it is read (a short last line is counted as bad). */
	buf = malloc(st.st_size ? st.st_size : 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		got += n;
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	if (!err)
		err = perf_map_parse(buf, got, out);
	free(buf);
	return err;
}

int perf_map_load(const char *dir, int pid, uid_t uid, struct perf_map *out)
{
	memset(out, 0, sizeof(*out));
	return load(dir, pid, uid, out, NULL, PERF_MAP_MAX_BYTES);
}

int perf_map_reload(const char *dir, int pid, uid_t uid, struct perf_map *out, struct stat *st,
		    uint64_t max)
{
	return load(dir, pid, uid, out, st, max);
}

const struct perf_sym *perf_map_find(const struct perf_map *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr - m->v[lo - 1].start < m->v[lo - 1].size)
		return &m->v[lo - 1];
	return NULL;
}

void perf_map_free(struct perf_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].name);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
