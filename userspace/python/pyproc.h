/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether a process runs a CPython interpreter, which version, and whether its memory holds
 * the 3.11 layout that bpf/lib/pystack.bpf.h reads (abi/pystack.h).
 */
#ifndef TAILTRACE_PYPROC_H
#define TAILTRACE_PYPROC_H

#include <stddef.h>
#include <stdint.h>
#include "python/pycode.h"

enum pyproc_verdict {
	PYPROC_NONE,		/* no interpreter mapped */
	PYPROC_OTHER,		/* an interpreter of another version */
	PYPROC_311,		/* CPython 3.11 */
};

struct pyproc {
	uint64_t runtime;	/* _PyRuntime in the process */
	struct pytypes types;	/* in the process */
	uint32_t version;	/* Py_Version, 0 when the interpreter has none (before 3.11) */
	char file[64];		/* the interpreter's file name (no directory) */
};

/* Most distinct files named python* or libpython* read in one process's look-up: a process
 * maps one interpreter, and a hostile one could map thousands of such files. */
#define PYPROC_FILES_MAX	4

/* Looks through pid's mappings for an interpreter (a file named python* or libpython*
 * with a _PyRuntime), read as mapped (safe_open_mapping). Each distinct file (device, inode)
 * is read once, at most PYPROC_FILES_MAX of them, none on FUSE
 * (core/slow_fs.h), and a file read for another process (same device, inode, size and
 * change time) is not read again. PYPROC_NONE also when pid is gone or its maps cannot be
 * read. */
enum pyproc_verdict pyproc_find(int pid, struct pyproc *out);
/* ELF files read so far by pyproc_find (the cost the checks above bound): for tests. */
uint64_t pyproc_elf_reads(void);

/*
 * Checks the 3.11 layout against the live process through its /proc/PID/mem on mem_fd: the
 * interpreter's first thread state points back at its interpreter, has the native id of one
 * of the process's threads, and its current frame's code object is of PyCode_Type.
 * 0; -EAGAIN when the interpreter has not started yet (no thread state or no frame yet: try
 * later); -EBADMSG with what failed in why.
 */
int pyproc_check(int pid, int mem_fd, const struct pyproc *p, char *why, size_t len);

#endif
