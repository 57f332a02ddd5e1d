/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BINARY part of a probe spec ("libc", "./app", "/usr/bin/sqlite3", "python3") as the
 * absolute, symlink-free path of a file to read symbols from and attach uprobes to.
 */
#ifndef TAILTRACE_BINARY_RESOLVE_H
#define TAILTRACE_BINARY_RESOLVE_H

#include <stddef.h>

/*
 * A name with a '/' is a path (relative to the working directory) that must exist. A bare name
 * is looked for, in order: with pid > 0, among the files mapped by that process; in the ld.so
 * cache; as an executable in $PATH. In the first two, "libc" matches a basename "libc",
 * "libc.so", "libc.so.*" or "libc-*" (libc.so.6, libsqlite3.so.0.8.6, libelf-0.188.so); the
 * shortest such name wins, and in the cache this machine's 64-bit entries first.
 * 0 and the path in out, or -ENOENT (not found anywhere), -ENAMETOOLONG (out too small), or
 * another -errno of realpath(3) for a path (-EACCES, -ELOOP).
 */
int binary_resolve(const char *name, int pid, char *out, size_t outlen);

/* Path of the executable of pid (readlink /proc/PID/exe), 0 or -errno (-ENOENT: no such pid,
 * -ENAMETOOLONG: out too small). A deleted executable keeps the kernel's " (deleted)" suffix. */
int binary_of_pid(int pid, char *out, size_t outlen);

/*
 * The file that process pid runs from path, when path no longer names it: replaced on disk
 * (a package upgrade renames a new file over the old one) or deleted. Probes placed through
 * path would sit on the new file, and see none of the calls the process makes. path's
 * trailing " (deleted)" (as /proc/PID/exe shows a replaced executable) is removed, in place.
 * 0 and *fd = -1: path names the file pid runs, pid runs nothing from path, or its maps
 * cannot be read; 0 and *fd an fd of the file pid runs, opened through /proc/PID/map_files
 * (its symbols are read, and its uprobes attached, through /proc/self/fd/N); or -errno of
 * map_files (-EPERM: it needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE), -ESTALE when the mapping changed meanwhile.
 */
int binary_open_mapped(int pid, char *path, int *fd);

/* Whether pid maps path as code (by the path its maps show, " (deleted)" aside): 1, 0, or
 * -errno when its maps cannot be read. Read from maps alone: path is not looked up. */
int binary_mapped(int pid, const char *path);

/* What execvp would run for cmd, as an absolute path: a path with a '/' must be an
 * executable regular file; a bare name is looked for in $PATH (an empty element is the
 * working directory). 0, or -ENOENT, -EACCES, -ENAMETOOLONG or another -errno. */
int binary_find_command(const char *cmd, char *out, size_t outlen);

/* Tests: read the ld.so cache from path instead of /etc/ld.so.cache; NULL restores it. */
void binary_resolve_set_ldcache(const char *path);

#endif /* TAILTRACE_BINARY_RESOLVE_H */
