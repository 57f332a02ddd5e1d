/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of code generated at run time (JIT compilers: V8, the JVM, LuaJIT, CPython's perf
 * trampolines), from the map a process writes for perf: /tmp/perf-PID.map, one line a
 * function, "START SIZE name" with START and SIZE in hex. The file is the process's to write,
 * so it is read as hostile: not through a link, never blocking, bounded, every line checked.
 */
#ifndef TAILTRACE_PERF_MAP_H
#define TAILTRACE_PERF_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Most bytes read of one map, and the longest name kept: JIT maps of big programs reach a
 * few MB; a name longer than this is cut. */
#define PERF_MAP_MAX_BYTES	(64U << 20)
#define PERF_MAP_NAME_MAX	1024
/* Most entries kept (the rest are counted in dropped): bounds memory whatever the lines. */
#define PERF_MAP_MAX_ENTRIES	(1U << 20)

struct perf_sym {
	uint64_t start, size;
	char *name;		/* as written, without its newline; bytes other than NUL and
				 * newline kept: the emitters escape what they print */
	size_t line;		/* its line in the file, from 1 */
};

struct perf_map {
	struct perf_sym *v;	/* sorted by start; of entries with one start, the later
				 * line is kept (a JIT reuses the memory of code it dropped) */
	size_t n;
	size_t bad_lines;	/* skipped: not "hex hex name", a zero size, or a range that
				 * wraps */
	size_t dropped;		/* good lines past PERF_MAP_MAX_ENTRIES */
};

/* Parses len bytes of a map (no NUL needed). 0 or -ENOMEM; *out empty on error. */
int perf_map_parse(const char *buf, size_t len, struct perf_map *out);
/*
 * Reads the map of process pid, whose files are owned by uid: /tmp/perf-PID.map under dir
 * (NULL: "/tmp"), opened with O_NOFOLLOW | O_NONBLOCK, only if it is a regular file owned by
 * uid or root, of at most PERF_MAP_MAX_BYTES. 0, or -ENOENT (none), -ELOOP (a symlink),
 * -EPERM (another user's file), -ESPIPE, -ENODEV, -ENXIO, -EISDIR (not a regular file:
 * safe_open_kind names it), -EFBIG (too big), another -errno of open or read, -ENOMEM.
 */
int perf_map_load(const char *dir, int pid, uid_t uid, struct perf_map *out);
/* perf_map_load's, only when the file differs (size, mtime, inode) from *st, which it then
 * describes, and is at most max bytes (-EFBIG, out untouched, when larger: what the caller
 * can still hold); 1 when it is the same file unchanged (out untouched). */
int perf_map_reload(const char *dir, int pid, uid_t uid, struct perf_map *out, struct stat *st,
		    uint64_t max);
/* The entry holding addr, or NULL. */
const struct perf_sym *perf_map_find(const struct perf_map *m, uint64_t addr);
void perf_map_free(struct perf_map *m);

#endif
