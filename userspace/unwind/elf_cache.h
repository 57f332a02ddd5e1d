/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ELF files traced processes map, opened once and shared by every process that maps them:
 * known by device and inode, and a system file (root's, writable by no one else) also by its
 * build id, so that each container's copy of libc is parsed once, not once per pid. Files are
 * reached as the process maps them (/proc/PID/map_files, else its path inside /proc/PID/root),
 * never by a path it controls in our own mount namespace.
 */
#ifndef TAILTRACE_ELF_CACHE_H
#define TAILTRACE_ELF_CACHE_H

#include <gelf.h>
#include <stdint.h>

struct elf_cache;

/* A file mapping, as a line of /proc/PID/maps shows it. */
struct mapped_file {
	int pid;
	uint64_t start, end;	/* one mapping of the file, for /proc/PID/map_files */
	uint64_t dev, ino;
	const char *path;	/* the process's name for it, in its mount namespace */
};

struct elf_cache_stats {
	uint64_t opened;	/* files opened and parsed */
	uint64_t shared;	/* found open already, by inode or build id */
	uint64_t failed;	/* could not be opened, or not ELF */
	uint64_t evicted;	/* dropped for room (max_files) */
};

/* At most max_files files held open (the least recently used go first). NULL: no memory. */
struct elf_cache *elf_cache_new(size_t max_files);
void elf_cache_free(struct elf_cache *c);

/* One file of the cache, held while a process's modules use it. */
struct elf_file;

/*
 * The file m maps, counted as in use until elf_cache_put. NULL when it cannot be had: the
 * process is gone, the file is not regular, not ELF for this machine, bigger than SAFE_ELF_MAX,
 * no longer the inode maps showed, or every file of a full cache is in use.
 */
struct elf_file *elf_cache_get(struct elf_cache *c, const struct mapped_file *m);
/* The kernel's vDSO: the same image in every 64-bit process of this host, so ours is read.
 * Never dropped; put is not needed. NULL if there is none. */
struct elf_file *elf_cache_vdso(struct elf_cache *c);
/* A new libelf reference to f's Elf, for libdwfl to own (it calls elf_end); the file stays
 * open until elf_cache_put. NULL: no memory. */
Elf *elf_file_ref(struct elf_file *f);
/* f's Elf itself, borrowed. */
Elf *elf_file_elf(struct elf_file *f);
void elf_cache_put(struct elf_cache *c, struct elf_file *f);
/* len bytes of f's contents at offset off: 0, or -EIO when they are not all there. */
int elf_file_read(const struct elf_file *f, uint64_t off, void *buf, size_t len);

void elf_cache_stats(const struct elf_cache *c, struct elf_cache_stats *st);

#endif
