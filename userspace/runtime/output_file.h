/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A file that appears whole or not at all. Opened before tracing starts (so an unwritable
 * path fails before anything is attached), written at the end, and only then given its name.
 */
#ifndef TAILTRACE_OUTPUT_FILE_H
#define TAILTRACE_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

struct output_file {
	char *path;		/* where the file gets its name (a symlink's target) */
	char *tmp_path;		/* fallback when the filesystem has no O_TMPFILE */
	int fd;
	bool direct;		/* "-", a device, a pipe: written in place, nothing renamed */
};

/* 0, or -errno (printable with strerror) when path's directory cannot take the file.
 * A regular file (or a symlink to one, followed) appears whole or not at all; "-" is
 * standard output, and a device or pipe (/dev/stdout, /dev/fd/N) is written directly. */
int output_file_open(struct output_file *of, const char *path);
/* Runs write(f, ctx) on the file, then gives it its name. 0 or -errno; on error no file. */
int output_file_commit(struct output_file *of, int (*write)(FILE *f, void *ctx), void *ctx);
/* Drops the file without naming it. */
void output_file_abort(struct output_file *of);

#endif
