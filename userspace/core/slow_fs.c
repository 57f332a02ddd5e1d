// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "core/safe_open.h"
#include "core/slow_fs.h"

bool slow_fs_type(const char *t)
{
	static const char *const slow[] = {
		"fuse", "fuseblk", "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "afs",
		"glusterfs", "lustre", "gfs2", "ocfs2", "davfs", "coda", "ncpfs", "virtiofs",
	};

	if (!strncmp(t, "fuse.", 5))
		return true;
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++)
		if (!strcmp(t, slow[i]))
			return true;
	return false;
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
	if (!f)
		return -errno;
	/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": the device third,
	 * the type after the " - " that ends the optional fields */
	while (getline(&line, &cap, f) > 0) {
		unsigned int major, minor;
		char *sep = strstr(line, " - "), type[64];

		if (!sep || sscanf(line, "%*s %*s %u:%u", &major, &minor) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1 || !slow_fs_type(type))
			continue;
		if (out->n == SLOW_FS_MAX) {
			out->full = true;
			break;
		}
		out->dev[out->n++] = makedev(major, minor);
	}
	free(line);
	fclose(f);
	return 0;
}

bool slow_fs_has(const struct slow_fs *s, dev_t dev)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->dev[i] == dev)
			return true;
	return s->full;
}
