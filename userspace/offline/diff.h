/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tailtrace diff: saved runs compared, a verdict per series and quantile. */
#ifndef TAILTRACE_OFFLINE_DIFF_H
#define TAILTRACE_OFFLINE_DIFF_H

/* argv[0] is "diff". Returns the exit status: 0, EXIT_REGRESSION, 1 or 2. */
int offline_diff(int argc, char **argv);

#endif
