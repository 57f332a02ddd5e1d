/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a path a user gave leads, found one component at a time through directory fds, so
 * that what was checked is what is used. A symlink is followed only as the kernel's
 * fs.protected_symlinks would let `follower` follow it, whatever that sysctl says here:
 * tailtrace runs as root and writes where users point it, often in /tmp.
 */
#ifndef TAILTRACE_PATH_WALK_H
#define TAILTRACE_PATH_WALK_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The kernel's rule for what lies in a sticky world-writable directory such as /tmp (fs/namei.c:
 * may_follow_link for fs.protected_symlinks, may_create_in_sticky for protected_regular and
 * protected_fifos): follower may follow a link there, or write to a file there, only when it
 * owns it or when the directory's owner does. Anywhere else, anything goes. */
bool sticky_rule_allows(const struct stat *dir, uid_t owner, uid_t follower);

/* The end of a walk: the directory the path's last component is in, held open, and that
 * component, which may not exist yet; or, when a link in /proc led to an object that has no
 * name there (/proc/PID/fd/N), that object. */
struct path_end {
	int dirfd;			/* O_PATH directory, or -1 */
	int objfd;			/* O_PATH object reached through /proc, or -1 */
	char name[NAME_MAX + 1];	/* the last component when dirfd >= 0 */
	bool exists;			/* name exists (and is not a symlink); st is its stat */
	struct stat st;			/* of name, or of the object */
	struct stat dir_st;		/* of dirfd */
};

/* A link the walk refused: where it was met, and whose it is. */
struct path_refusal {
	char link[PATH_MAX];
	uid_t owner;
};

/* 0, or -errno: -EACCES with *refused filled when a link is not to be followed, -ELOOP after
 * 40 links, -EISDIR when the path names a directory, -ENOENT or -ENOTDIR when a component
 * before the last is missing or not a directory. Links in /proc (the kernel's own, such as
 * /proc/self/fd/N) are followed by the kernel. On success, path_end_close() releases end. */
int path_walk(const char *path, uid_t follower, struct path_end *end,
	      struct path_refusal *refused);
void path_end_close(struct path_end *end);

#endif
