// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include "core/path_walk.h"

#define MAX_LINKS 40	/* the kernel's MAXSYMLINKS */

bool sticky_rule_allows(const struct stat *dir, uid_t owner, uid_t follower)
{
	bool sticky_world_writable = (dir->st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH);

	return !sticky_world_writable || owner == follower || owner == dir->st_uid;
}

/* Links in /proc are the kernel's (/proc/self, /proc/PID/fd/N): no user plants them, and the
 * ones to pipes or sockets have no path text to walk. */
static bool in_procfs(int dirfd)
{
	struct statfs sf;

	return !fstatfs(dirfd, &sf) && sf.f_type == PROC_SUPER_MAGIC;
}

/* The path walked so far, for naming a refused link. */
static void shown_add(char *shown, const char *comp)
{
	size_t n = strlen(shown);

	snprintf(shown + n, PATH_MAX - n, "%s%s", n && shown[n - 1] != '/' ? "/" : "", comp);
}

static int replace_fd(int *fd, int with)
{
	if (with < 0)
		return -errno;
	close(*fd);
	*fd = with;
	return 0;
}

/* The walk ends at name in dirfd (st NULL: no such file yet). */
static int end_at(struct path_end *end, int dirfd, const char *name, const struct stat *st)
{
	if (fstat(dirfd, &end->dir_st)) {
		close(dirfd);
		return -errno;
	}
	end->dirfd = dirfd;
	snprintf(end->name, sizeof(end->name), "%s", name);
	end->exists = st != NULL;
	if (st)
		end->st = *st;
	return 0;
}

int path_walk(const char *path, uid_t follower, struct path_end *end,
	      struct path_refusal *refused)
{
	char rest[2 * PATH_MAX], next[2 * PATH_MAX], target[PATH_MAX], shown[PATH_MAX] = "";
	char *p = rest;
	int dirfd, links = 0, err = 0;

	memset(end, 0, sizeof(*end));
	end->dirfd = end->objfd = -1;
	refused->link[0] = 0;
	if (snprintf(rest, sizeof(rest), "%s", path) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (path[0] == '/')
		strcpy(shown, "/");
	dirfd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	for (;;) {
		char comp[NAME_MAX + 1];
		size_t n, shown_len = strlen(shown);
		bool slash, last;
		struct stat st, dir_st;
		ssize_t len;
		int fd;

		while (*p == '/')
			p++;
		if (!*p) {
			err = -EISDIR;	/* "/", "dir/", "dir/.." */
			break;
		}
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		p += n;
		slash = *p == '/';
		while (*p == '/')
			p++;
		/* the name the file gets: nothing after it, not even a slash ("new/" is a dir) */
		last = !*p && !slash;
		if (!strcmp(comp, "."))
			continue;
		shown_add(shown, comp);
		if (!strcmp(comp, "..")) {
			fd = openat(dirfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			err = replace_fd(&dirfd, fd);
			if (err)
				break;
			continue;
		}
		fd = openat(dirfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			if (err == -ENOENT && last)
				return end_at(end, dirfd, comp, NULL);
			if (err == -ENOENT && !*p)
				err = -EISDIR;
			break;
		}
		if (fstat(fd, &st) || fstat(dirfd, &dir_st)) {
			err = -errno;
			close(fd);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			replace_fd(&dirfd, fd);
			continue;
		}
		if (!S_ISLNK(st.st_mode)) {
			close(fd);
			if (last)
				return end_at(end, dirfd, comp, &st);
			err = -ENOTDIR;
			break;
		}
		/* A symlink: the kernel's rule, then its target in place of its name. */
		if (++links > MAX_LINKS) {
			err = -ELOOP;
		} else if (!sticky_rule_allows(&dir_st, st.st_uid, follower)) {
			snprintf(refused->link, sizeof(refused->link), "%s", shown);
			refused->owner = st.st_uid;
			err = -EACCES;
		}
		if (err) {
			close(fd);
			break;
		}
		if (in_procfs(dirfd)) {
			close(fd);
			fd = openat(dirfd, comp, O_PATH | O_CLOEXEC);
			if (fd < 0 || fstat(fd, &st)) {
				err = -errno;
				if (fd >= 0)
					close(fd);
				break;
			}
			if (S_ISDIR(st.st_mode)) {
				replace_fd(&dirfd, fd);
				continue;
			}
			if (!last) {
				close(fd);
				err = -ENOTDIR;
				break;
			}
			close(dirfd);
			end->objfd = fd;
			end->st = st;
			return 0;
		}
		len = readlinkat(fd, "", target, sizeof(target));
		err = len < 0 ? -errno : len == 0 ? -ENOENT :
		      len == (ssize_t)sizeof(target) ? -ENAMETOOLONG : 0;
		close(fd);
		if (err)
			break;
		target[len] = 0;
		n = snprintf(next, sizeof(next), "%s%s%s", target, slash ? "/" : "", p);
		if (n >= PATH_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		memcpy(rest, next, sizeof(rest));
		p = rest;
		/* a relative target goes on from the link's directory, an absolute one from / */
		shown[shown_len] = 0;
		if (target[0] == '/') {
			strcpy(shown, "/");
			err = replace_fd(&dirfd, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
			if (err)
				break;
		}
	}
	close(dirfd);
	return err;
}

void path_end_close(struct path_end *end)
{
	if (end->dirfd >= 0)
		close(end->dirfd);
	if (end->objfd >= 0)
		close(end->objfd);
	end->dirfd = end->objfd = -1;
}
