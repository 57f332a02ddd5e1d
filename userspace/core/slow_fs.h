/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Filesystems whose every stat, open or read may wait on someone else: FUSE (its daemon can
 * stop answering, and a process waiting on it cannot even be killed) and network filesystems.
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

#define SLOW_FS_MAX 64

struct slow_fs {
	dev_t dev[SLOW_FS_MAX];
	size_t n;
	bool full;		/* more than SLOW_FS_MAX: every unknown device is slow */
};

/* The devices of pid's mounts that may block (pid 0: ours). 0, or -errno when its
 * mountinfo cannot be read (then no device is known slow). */
int slow_fs_read(int pid, struct slow_fs *out);
/* Whether a file of device dev (as /proc/PID/maps shows it) is on such a filesystem. */
bool slow_fs_has(const struct slow_fs *s, dev_t dev);
/* Whether fstype, as mountinfo names it, may block: fuse, fuse.*, fuseblk, and the network
 * filesystems (nfs, nfs4, cifs, smb3, 9p, ceph, afs, glusterfs, lustre...). */
bool slow_fs_type(const char *fstype);

#endif
