/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Opening for reading what a traced process or another user controls (their binaries, the
 * files they map, /proc/PID/maps): regular files only, never blocking, never running a device
 * driver's open, and no bigger than the caller's stated maximum. Every such read goes through
 * here; see "Trust" in ARCHITECTURE.md.
 */
#ifndef TAILTRACE_SAFE_OPEN_H
#define TAILTRACE_SAFE_OPEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* Largest ELF file read (its symbol tables are read and walked whole): far above any real
 * program or library, low enough that a sparse file cannot keep tailtrace busy for long. */
#define SAFE_ELF_MAX	(4ULL << 30)
/* Most bytes read from a /proc text file (maps): a process with the kernel's default
 * 65530 mappings of long paths stays far below. */
#define SAFE_TEXT_MAX	(64ULL << 20)

/*
 * A read-only, close-on-exec fd of the regular file at path, following symlinks, of at most
 * max_size bytes (st_size; 0 for /proc files), with *st its fstat when st is given.
 * Returns the fd, or -errno: of open(2) (-ENOENT, -EACCES, -ELOOP, ...), -EISDIR (a
 * directory), -ESPIPE (a FIFO), -ENODEV (a character or block device), -ENXIO (a socket),
 * -EFBIG (larger than max_size). safe_open_kind() names the kinds.
 */
int safe_open(const char *path, uint64_t max_size, struct stat *st);

/*
 * The file pid maps at [start, end) (a line of /proc/PID/maps), through
 * /proc/PID/map_files: the very file mapped, even deleted or replaced at its path since.
 * When that is not allowed, path in the process's mount namespace (safe_open_in_root); when
 * the process has exited, path as this process sees it; either only if it is still the inode
 * ino that /proc/PID/maps showed (-ESTALE if not).
 * Otherwise as safe_open.
 */
int safe_open_mapping(int pid, uint64_t start, uint64_t end, const char *path, uint64_t ino,
		      uint64_t max_size, struct stat *st);

/*
 * path as process pid sees it (pid 0: as we do): resolved inside /proc/PID/root, so that the
 * links of another mount namespace (a container's) resolve in its root, never in ours, and
 * no magic link (/proc/self/...) leads out. Otherwise as safe_open; -ESRCH-like errors of
 * /proc/PID/root as -errno (-ENOENT: no such process).
 */
int safe_open_in_root(int pid, const char *path, uint64_t max_size, struct stat *st);

/* safe_open's path as a stdio stream that ends (EOF) after max_bytes: for text that /proc
 * makes up from what a process controls. NULL with errno set. */
FILE *safe_fopen(const char *path, uint64_t max_bytes);

/* Whether a file with this fstat is root's own (or ours): a regular file owned by root or by
 * us that no one else may write. What it claims (a build id, DWARF) may be believed. */
bool safe_file_trusted(const struct stat *st);

/* "a directory", "a FIFO", "a device", "a socket" for safe_open's errors of a file that is not
 * a regular one; NULL for any other err. */
const char *safe_open_kind(int err);

#endif /* TAILTRACE_SAFE_OPEN_H */
