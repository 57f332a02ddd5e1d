/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stacks of a snapshot as an interactive flame graph in one SVG file: a graph per stack
 * series, one above the other; click a frame to zoom, Search (or Ctrl-F) to mark frames by a
 * regular expression with the share they hold, tooltips with counts, time and %. The script
 * is a constant: names reach the file only as escaped XML text, never as code.
 */
#ifndef TAILTRACE_REPORT_SVG_H
#define TAILTRACE_REPORT_SVG_H

#include <stdio.h>
#include "model/model.h"

struct emit_opts;

/* Frames drawn at most per graph: the narrowest beyond it are left out, their weight kept in
 * their callers, so that 10,000 distinct stacks still make a file of a few MiB. */
#define SVG_MAX_FRAMES 12000

int report_svg_write(FILE *f, const struct snapshot *s, const struct emit_opts *o);
/* A name as XML text: & < > " ' as entities, control characters, backslashes and bytes that
 * are not UTF-8 as \x1b, \\ escapes (XML cannot hold them), at most max characters of the
 * name (then "..."; 0: all). */
void svg_escape(FILE *f, const char *name, size_t max);

#endif
