/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Saved runs read back (report, merge, diff): the JSON a run wrote with -o, checked whole.
 * A file is read as hostile: bounded in size (RUNFILE_MAX), nesting bounded by the parser,
 * every number range-checked, every histogram's buckets added up against its count.
 */
#ifndef TAILTRACE_RUNFILE_H
#define TAILTRACE_RUNFILE_H

#include "model/model.h"

/* No run tailtrace saves comes near this: 8,000 functions with every bucket used and
 * MAX_KEPT_EVENTS events are below 200 MiB. */
#define RUNFILE_MAX (256ull << 20)

/* Reads the run saved at path ("-": standard input) into *out (initialised here). Returns
 * 0, or -1 after printing one line: "tailtrace CMD: error: PATH: what is wrong; what to
 * do", with nothing left in *out to free. */
int runfile_load(const char *path, struct snapshot *out);

#endif
