/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Network devices by name, and network namespaces by inode number. */
#ifndef TAILTRACE_LABELS_IFNAME_H
#define TAILTRACE_LABELS_IFNAME_H

#include <stddef.h>
#include <stdint.h>

/* The inode number of tailtrace's own network namespace (where names are known). 0 or
 * -errno. */
int netns_self(uint32_t *ino);
/* The name of device ifindex of namespace netns when that is own (tailtrace's), else
 * "ifindex N". Returns buf. */
const char *ifname_in(uint32_t ifindex, uint32_t netns, uint32_t own, char *buf, size_t len);

#endif
