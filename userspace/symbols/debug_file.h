/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A binary's separate debug file (its full .symtab, its DWARF), where distributions put them:
 * by build id, DIR/.build-id/xx/rest.debug, and by .gnu_debuglink (a name and the CRC32 of the
 * debug file), beside the binary, in its .debug/ folder, and DIR/<the binary's folder>/; DIR
 * is each folder of $TAILTRACE_DEBUG_DIRS (colon-separated) and then /usr/lib/debug.
 */
#ifndef TAILTRACE_DEBUG_FILE_H
#define TAILTRACE_DEBUG_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The environment variable naming extra folders to look in first. */
#define DEBUG_DIRS_ENV	"TAILTRACE_DEBUG_DIRS"

/*
 * An fd of the debug file of the binary open on fd, whose path (as process pid names it in
 * its mount namespace; pid 0: ours) is path; path may be NULL when unknown (no debuglink
 * folders then) and may end in " (deleted)". A file found by build id must carry the same
 * build id; one found by debuglink, the CRC32 the binary names. Every file is opened as
 * safe_open does, the binary's folders inside the process's root.
 * The fd, or -ENOENT (none found or none matched), -ENOMEM.
 */
int debug_file_open(int fd, const char *path, int pid);

/* The .gnu_debuglink of the ELF file on fd: the name (a plain file name, checked: no '/')
 * into name[len] and its CRC. 0, -ENOENT (none), -EBADMSG (malformed), -ENAMETOOLONG. */
int debug_link(int fd, char *name, size_t len, uint32_t *crc);
/* The CRC32 .gnu_debuglink uses (zlib's) of the whole file on fd. 0 or -errno. */
int debug_file_crc(int fd, uint32_t *crc);

#endif
