/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where the commands that read saved runs write theirs: standard output, or -o FILE through
 * the same safe, whole-or-nothing output file as a run's. */
#ifndef TAILTRACE_OFFLINE_WRITE_H
#define TAILTRACE_OFFLINE_WRITE_H

#include "model/model.h"
#include "report/emitter.h"

/* Checks --format (NULL: none given), and lets a closed pipe end the output quietly. 0,
 * or 2 after a usage error. */
int offline_pick_format(const char *format);
/* Writes s in format (NULL: by output's extension, text on standard output) to output
 * (NULL or "-": standard output). 0, or 1 after saying what went wrong; a closed pipe is
 * no error. */
int offline_write(const struct snapshot *s, const char *format, const char *output,
		  const struct emit_opts *eo);

#endif
