/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where the commands that read saved runs write theirs: standard output, or -o FILE through
 * the same safe, whole-or-nothing output file as a run's. */
#ifndef TAILTRACE_OFFLINE_WRITE_H
#define TAILTRACE_OFFLINE_WRITE_H

#include <getopt.h>
#include <stddef.h>
#include "model/model.h"
#include "report/emitter.h"

/* Checks --format (NULL: none given), and lets a closed pipe end the output quietly. 0,
 * or 2 after a usage error. */
int offline_pick_format(const char *format);
/* getopt_long for a command that reads runs: the files named among the options are
 * collected in files[*nfiles] (room for argc), and -o FILE is kept in *output. The next
 * option, -1 at the end, or OFFLINE_OPT_BAD after a usage error (said). */
#define OFFLINE_OPT_BAD (-2)
int offline_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		   const char **files, size_t *nfiles, const char **output);
/* Writes s in format (NULL: by output's extension, text on standard output) to output
 * (NULL or "-": standard output). 0, or 1 after saying what went wrong; a closed pipe is
 * no error. */
int offline_write(const struct snapshot *s, const char *format, const char *output,
		  const struct emit_opts *eo);

#endif
