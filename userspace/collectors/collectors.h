/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Entry points of the subcommands, dispatched from main.c's table. */
#ifndef TAILTRACE_COLLECTORS_H
#define TAILTRACE_COLLECTORS_H

/* Each returns the process exit code: 0, 1 (runtime error), 2 (usage), or the traced
 * command's own status. argv[0] is the subcommand's name. */
int cmd_func(int argc, char **argv);
int cmd_sched(int argc, char **argv);
int cmd_net(int argc, char **argv);

#endif
