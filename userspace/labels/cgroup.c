// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "core/msg.h"
#include "labels/cgroup.h"

const char *cgroup2_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char dev[256], dir[PATH_MAX], type[64];
	const char *found = NULL;

	if (!f)
		return NULL;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			found = buf;
			break;
		}
	}
	fclose(f);
	return found;
}

int cgroup_resolve(const char *arg, char *path, size_t len, uint64_t *id)
{
	char mnt[PATH_MAX];
	const char *root = cgroup2_mount(mnt, sizeof(mnt));
	struct statfs sfs;
	struct stat st;

	if (arg[0] == '/' || !root)
		snprintf(path, len, "%s", arg);
	else
		snprintf(path, len, "%s/%s", root, arg);
	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || statfs(path, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}

/* nftw has no context argument: the id looked for and the path found. */
static uint64_t walk_id;
static char walk_path[PATH_MAX];

static int walk_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && st->st_ino == walk_id) {
		snprintf(walk_path, sizeof(walk_path), "%s", path);
		return 1;
	}
	return 0;
}

const char *cgroup_name(uint64_t id, char *buf, size_t len)
{
	char mnt[PATH_MAX];
	const char *root = cgroup2_mount(mnt, sizeof(mnt));

	walk_id = id;
	walk_path[0] = 0;
	if (root && nftw(root, walk_visit, 16, FTW_PHYS) == 1) {
		const char *rel = walk_path + strlen(root);

		snprintf(buf, len, "%s", *rel ? rel : "/");
	} else {
		snprintf(buf, len, "%llu", (unsigned long long)id);
	}
	return buf;
}

int cgroup_resolve_option(const char *arg, char *path, size_t len, uint64_t *id)
{
	char mnt[PATH_MAX];
	const char *root = cgroup2_mount(mnt, sizeof(mnt));
	int err = cgroup_resolve(arg, path, len, id);

	if (err == -ENOTDIR)
		msg_error("'%s' is not a cgroup v2 directory%s%s", path,
			  root ? ": cgroup v2 is mounted at " : ": no cgroup v2 is mounted",
			  root ? root : "");
	else if (err)
		msg_error("cgroup '%s' does not exist (%s)%s%s", arg, strerror(-err),
			  root ? ": cgroup v2 is mounted at " : ": no cgroup v2 is mounted",
			  root ? root : "");
	return err ? 1 : 0;
}
