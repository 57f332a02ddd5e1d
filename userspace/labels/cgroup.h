/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroup v2: a path given by a user to the id the kernel keys it by, and an id back to the
 * path a person knows. */
#ifndef TAILTRACE_LABELS_CGROUP_H
#define TAILTRACE_LABELS_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Where cgroup v2 is mounted (in buf), or NULL. */
const char *cgroup2_mount(char *buf, size_t len);
/* arg (absolute, or relative to the cgroup v2 mount) as a path (in path) and its id, the
 * inode number of its directory (the kernfs id). 0, -errno of stat (it does not exist), or
 * -ENOTDIR (not a cgroup v2 directory). */
int cgroup_resolve(const char *arg, char *path, size_t len, uint64_t *id);
/* cgroup_resolve for a --cgroup option, saying what is wrong (and where cgroup v2 is
 * mounted) when it fails. 0, or 1 after printing the problem. */
int cgroup_resolve_option(const char *arg, char *path, size_t len, uint64_t *id);
/* The path of cgroup id relative to the mount ("/system.slice/x.service"), found by a walk
 * of the tree; the id as a number when none has it. Returns buf. */
const char *cgroup_name(uint64_t id, char *buf, size_t len);

#endif
