/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stacks of a snapshot as a pprof profile (github.com/google/pprof, proto/profile.proto),
 * gzip-compressed: what `go tool pprof` and other pprof readers open.
 */
#ifndef TAILTRACE_REPORT_PPROF_H
#define TAILTRACE_REPORT_PPROF_H

#include <stdio.h>
#include "model/model.h"
#include "report/protobuf.h"

struct emit_opts;

/* The Profile message, not compressed, into out (initialised here). 0 or -ENOMEM. */
int pprof_encode(const struct snapshot *s, struct pb *out);
/* The Profile, gzip-compressed, to f. 0 or -errno. */
int report_pprof_write(FILE *f, const struct snapshot *s, const struct emit_opts *o);

#endif
