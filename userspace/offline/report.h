/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TAILTRACE_OFFLINE_REPORT_H
#define TAILTRACE_OFFLINE_REPORT_H

/* `tailtrace report FILE [options]` (argv[0] is "report"): the exit status. */
int offline_report(int argc, char **argv);

#endif
