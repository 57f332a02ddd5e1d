/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Filesystems whose every stat, open or read may wait on someone else's program: FUSE (its
 * daemon, which any user may run, can stop answering, and a process waiting on it cannot
 * even be killed).
 * A traced process may map files from one; tailtrace reads the files processes map (symbols,
 * call frame information, an interpreter's layout), so it must know which not to touch
 * before it touches them. Devices are looked up in the process's /proc/PID/mountinfo,
 * which names every mount's device and type without touching the mount.
 */
#ifndef TAILTRACE_SLOW_FS_H
#define TAILTRACE_SLOW_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct slow_fs {
	dev_t *dev;
	size_t n, cap;
	bool all;		/* mountinfo unreadable, or no memory: every device may block */
};

/* The devices of pid's mounts that may block (pid 0: ours), in out (free with slow_fs_free).
 * 0, or -errno when its mountinfo cannot be read or memory ran out: then every device counts
 * as one that may block. */
int slow_fs_read(int pid, struct slow_fs *out);
void slow_fs_free(struct slow_fs *s);
/* Whether a file of device dev (as /proc/PID/maps shows it) is on such a filesystem. */
bool slow_fs_has(const struct slow_fs *s, dev_t dev);
/* Whether fstype, as mountinfo names it, is one of those: fuse, fuse.*, fuseblk. */
bool slow_fs_type(const char *fstype);

#endif
