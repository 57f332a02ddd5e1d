/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one way tailtrace writes a file a user names. Opened before tracing starts (so a path it
 * will not write fails before anything is attached), written at the end, and only then given
 * its name, whole or not at all. tailtrace runs as root and users point it at shared places
 * such as /tmp: the path is walked by core/path_walk (no link the user could not follow),
 * the temporary file has an unguessable name or none, an existing file keeps its owner and
 * mode, and nothing opened on the way can block.
 */
#ifndef TAILTRACE_OUTPUT_FILE_H
#define TAILTRACE_OUTPUT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Why output_file_open or _commit refused a path where root, left to the kernel, would have
 * written (or waited for ever). */
enum output_refusal {
	OUTPUT_OK,
	OUTPUT_FOREIGN_LINK,	/* a symlink the invoking user could not follow */
	OUTPUT_FOREIGN_FILE,	/* another user's file in a sticky world-writable directory */
	OUTPUT_NO_READER,	/* a FIFO that no process has open for reading */
	OUTPUT_NOT_WRITABLE,	/* a socket, a block device, an open file reached through /proc */
};

struct output_file {
	int fd;			/* written: an unnamed or hidden file, or, direct, the thing */
	int dirfd;		/* the directory the file gets its name in; -1 when direct */
	char name[NAME_MAX + 1];
	char tmp_name[32];	/* the temporary's name in dirfd while it has one, else "" */
	mode_t new_mode;	/* a new file's: 0666 less the umask */
	bool direct;		/* "-", /dev/stdout, a FIFO, a terminal: written in place */
	/* when a call returned an error because of the above */
	enum output_refusal refusal;
	char refused_link[PATH_MAX];	/* OUTPUT_FOREIGN_LINK: the link, as walked to */
	uid_t refused_owner;		/* of the link or file refused */
	mode_t refused_mode;
};

/* 0, or -errno (printable with strerror, or explained by of->refusal when that is set).
 * A regular file (new, or replacing one) appears whole or not at all; "-", /dev/stdout,
 * /dev/stderr and /dev/fd/N are written in place on tailtrace's own descriptor; a FIFO or a
 * character device is opened without blocking and written in place, a FIFO only when it
 * already has a reader. */
int output_file_open(struct output_file *of, const char *path);
/* Runs write(f, ctx) on the file, then gives it its name. 0 or -errno; on error no file. */
int output_file_commit(struct output_file *of, int (*write)(FILE *f, void *ctx), void *ctx);
/* Says in one line (msg_error) what is wrong with writing path, from err and of->refusal,
 * and what to do. */
void output_file_say_problem(const struct output_file *of, const char *path, int err);
/* Drops the file without naming it. */
void output_file_abort(struct output_file *of);

#endif
