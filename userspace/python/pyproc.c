// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/types.h>
#include "abi/pystack.h"
#include "core/safe_open.h"
#include "core/slow_fs.h"
#include "python/pyelf.h"
#include "python/pyproc.h"

static bool interpreter_name(const char *base)
{
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

/*
 * Verdicts on files already read, shared by every process: each python* file a process maps
 * costs a whole .dynsym scan (200,000 symbols of a hostile 24 MB file take 60 ms), and the
 * processes of one interpreter all map the same file. A file is the same while its device,
 * inode, size and change time are; a few entries, replaced in turn, are enough for the few
 * interpreters of a host.
 */
#define VERDICTS_MAX	16

struct verdict {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec ctime;
	int err;
	struct pyelf pe;
};

static struct verdict verdicts[VERDICTS_MAX];
static size_t nverdicts, next_verdict;
static uint64_t elf_reads;

uint64_t pyproc_elf_reads(void)
{
	return elf_reads;
}

static int read_elf(int fd, const struct stat *st, struct pyelf *pe)
{
	struct verdict *v;

	for (size_t i = 0; i < nverdicts; i++) {
		v = &verdicts[i];
		if (v->dev == st->st_dev && v->ino == st->st_ino && v->size == st->st_size &&
		    v->ctime.tv_sec == st->st_ctim.tv_sec &&
		    v->ctime.tv_nsec == st->st_ctim.tv_nsec) {
			*pe = v->pe;
			return v->err;
		}
	}
	elf_reads++;
	v = &verdicts[next_verdict];
	next_verdict = (next_verdict + 1) % VERDICTS_MAX;
	if (nverdicts < VERDICTS_MAX)
		nverdicts++;
	v->dev = st->st_dev;
	v->ino = st->st_ino;
	v->size = st->st_size;
	v->ctime = st->st_ctim;
	v->err = pyelf_read(fd, &v->pe);
	*pe = v->pe;
	return v->err;
}

/* The interpreter's symbols, if the file mapped at start (file offset 0) is one. */
static int try_mapping(int pid, uint64_t start, uint64_t end, const char *path, uint64_t ino,
		       struct pyproc *out)
{
	const char *base = strrchr(path, '/');
	struct stat st;
	struct pyelf pe;
	uint64_t bias;
	int fd, err;

	base = base ? base + 1 : path;
	fd = safe_open_mapping(pid, start, end, path, ino, SAFE_ELF_MAX, &st);
	if (fd < 0)
		return fd;
	err = read_elf(fd, &st, &pe);
	close(fd);
	if (err)
		return err;
	bias = pe.dyn ? start - pe.first_load : 0;
	out->runtime = pe.runtime + bias;
	out->types.code = pe.code_type + bias;
	out->types.unicode = pe.unicode_type + bias;
	out->types.bytes = pe.bytes_type + bias;
	out->version = pe.version;
	snprintf(out->file, sizeof(out->file), "%s", base);
	return 0;
}

/* Whether the file (dev, ino) was tried already in this look-up; else it is noted, if
 * there is room (*full otherwise). */
static bool tried(dev_t *devs, uint64_t *inos, size_t *n, dev_t dev, uint64_t ino, bool *full)
{
	for (size_t i = 0; i < *n; i++)
		if (devs[i] == dev && inos[i] == ino)
			return true;
	if (*n == PYPROC_FILES_MAX) {
		*full = true;
		return true;
	}
	devs[*n] = dev;
	inos[(*n)++] = ino;
	return false;
}

enum pyproc_verdict pyproc_find(int pid, struct pyproc *out)
{
	char path[64], *line = NULL;
	enum pyproc_verdict v = PYPROC_NONE;
	dev_t devs[PYPROC_FILES_MAX];
	uint64_t inos[PYPROC_FILES_MAX];
	size_t cap = 0, ntried = 0;
	struct slow_fs slow;
	bool full = false;
	FILE *f;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = safe_fopen(path, SAFE_TEXT_MAX);
	if (!f)
		return PYPROC_NONE;
	slow_fs_read(pid, &slow);
	while (!full && getline(&line, &cap, f) > 0) {
		unsigned long long start, end, off, ino;
		unsigned int major, minor;
		const char *base;
		int pos = 0;
		dev_t dev;
		char *file;

		if (sscanf(line, "%llx-%llx %*s %llx %x:%x %llu %n", &start, &end, &off, &major,
			   &minor, &ino, &pos) != 6 || !pos || off || line[pos] != '/')
			continue;
		file = line + pos;
		file[strcspn(file, "\n")] = 0;
		base = strrchr(file, '/') + 1;
		dev = makedev(major, minor);
		/* a file on FUSE is never opened: its daemon may never
		 * answer, and tailtrace would wait with it (such an interpreter shows native) */
		if (!interpreter_name(base) || slow_fs_has(&slow, dev) ||
		    tried(devs, inos, &ntried, dev, ino, &full))
			continue;
		if (!try_mapping(pid, start, end, file, ino, out)) {
			v = out->version >> 16 == 0x030b ? PYPROC_311 : PYPROC_OTHER;
			break;
		}
	}
	free(line);
	fclose(f);
	slow_fs_free(&slow);
	return v;
}

static uint64_t read_u64(int fd, uint64_t addr, int *err)
{
	uint64_t v = 0;

	if (*err)
		return 0;
	if (!addr || pread(fd, &v, sizeof(v), (off_t)addr) != sizeof(v))
		*err = -EFAULT;
	return v;
}

int pyproc_check(int pid, int mem_fd, const struct pyproc *p, char *why, size_t len)
{
	uint64_t interp, ts, frame, code, tid;
	char task[64];
	int err = 0;

	interp = read_u64(mem_fd, p->runtime + PY311_RUNTIME_INTERP_HEAD, &err);
	if (!err && !interp)
		return -EAGAIN;
	ts = read_u64(mem_fd, interp + PY311_INTERP_THREADS_HEAD, &err);
	if (!err && !ts)
		return -EAGAIN;
	if (err) {
		snprintf(why, len, "_PyRuntime's interpreter at 0x%" PRIx64 " cannot be read",
			 interp);
		return -EBADMSG;
	}
	/* PyThreadState.interp, 8 bytes past next */
	if (read_u64(mem_fd, ts + PY311_TSTATE_NEXT + 8, &err) != interp) {
		snprintf(why, len, "the thread state at 0x%" PRIx64 " does not point back at its "
			 "interpreter", ts);
		return -EBADMSG;
	}
	tid = read_u64(mem_fd, ts + PY311_TSTATE_NATIVE_TID, &err);
	snprintf(task, sizeof(task), "/proc/%d/task/%" PRIu64, pid, tid);
	if (err || !tid || tid > INT32_MAX || access(task, F_OK)) {
		snprintf(why, len, "the thread state's native thread id %" PRIu64 " is no thread "
			 "of the process", tid);
		return -EBADMSG;
	}
	frame = read_u64(mem_fd, read_u64(mem_fd, ts + PY311_TSTATE_CFRAME, &err) +
			 PY311_CFRAME_CURRENT_FRAME, &err);
	if (!err && !frame)
		return -EAGAIN;
	code = read_u64(mem_fd, frame + PY311_FRAME_CODE, &err);
	if (err || read_u64(mem_fd, code + PY311_OBJECT_TYPE, &err) != p->types.code) {
		snprintf(why, len, "the current frame's code object at 0x%" PRIx64 " is not of "
			 "PyCode_Type", code);
		return -EBADMSG;
	}
	return 0;
}
