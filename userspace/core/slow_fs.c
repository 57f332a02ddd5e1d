// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "core/array.h"
#include "core/safe_open.h"
#include "core/slow_fs.h"

bool slow_fs_type(const char *t)
{
	/* FUSE, whose daemon is any user's program (fusermount lets users mount). Not the
	 * network filesystems: their servers are the host's, and a host with /home on NFS
	 * would lose every name; nor virtiofs and 9p, a VM's host shares (a root of one). */
	return !strcmp(t, "fuse") || !strcmp(t, "fuseblk") || !strncmp(t, "fuse.", 5);
}

int slow_fs_read(int pid, struct slow_fs *out)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	f = safe_fopen(path, SAFE_TEXT_MAX);
	if (!f) {
		out->all = true;
		return -errno;
	}
	/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": the device third,
	 * the type after the " - " that ends the optional fields */
	while (getline(&line, &cap, f) > 0) {
		unsigned int major, minor;
		char *sep = strstr(line, " - "), type[64];

		if (!sep || sscanf(line, "%*s %*s %u:%u", &major, &minor) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1 || !slow_fs_type(type))
			continue;
		if (array_grow((void **)&out->dev, out->n, &out->cap, sizeof(*out->dev))) {
			out->all = true;
			break;
		}
		out->dev[out->n++] = makedev(major, minor);
	}
	free(line);
	fclose(f);
	return out->all ? -ENOMEM : 0;
}

bool slow_fs_has(const struct slow_fs *s, dev_t dev)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->dev[i] == dev)
			return true;
	return s->all;
}

void slow_fs_free(struct slow_fs *s)
{
	free(s->dev);
	memset(s, 0, sizeof(*s));
}
