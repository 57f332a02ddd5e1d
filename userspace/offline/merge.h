/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TAILTRACE_OFFLINE_MERGE_H
#define TAILTRACE_OFFLINE_MERGE_H

/* `tailtrace merge A.json B.json ... [-o ALL.json]` (argv[0] is "merge"): the exit
 * status. */
int offline_merge(int argc, char **argv);

#endif
