// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/stat.h>
#include "labels/ifname.h"

int netns_self(uint32_t *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*ino = (uint32_t)st.st_ino;
	return 0;
}

const char *ifname_in(uint32_t ifindex, uint32_t netns, uint32_t own, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (netns == own && if_indextoname(ifindex, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "ifindex %u", ifindex);
	return buf;
}
