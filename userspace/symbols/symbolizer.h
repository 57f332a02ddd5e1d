/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Addresses to function names: kernel ones through /proc/kallsyms (modules included), user
 * ones through the process's mappings: the ELF symbol tables of the file mapped (opened as the
 * process maps it: /proc/PID/map_files, so deleted, replaced and other mount namespaces' files
 * too) and of its separate debug file (symbols/debug_file.h), file, line and inlined functions
 * from DWARF (symbols/dwarf_src.h), and perf's JIT map for code generated at run time
 * (symbols/perf_map.h). A file is read once, known by inode and, for a system file, by build
 * id: each container's copy of libc is read once. A process's mappings are gone once it exits,
 * so they are cached while it lives (symbolizer_cache_pid).
 */
#ifndef TAILTRACE_SYMBOLIZER_H
#define TAILTRACE_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/* kallsyms: NULL for /proc/kallsyms (the tests give a file of their own). */
struct symbolizer *symbolizer_new(const char *kallsyms);
void symbolizer_free(struct symbolizer *s);
/* Reads the mappings of pid again and keeps them; when it is gone, those read while it
 * lived stay. 0 or -errno. */
int symbolizer_cache_pid(struct symbolizer *s, int pid);
/* Whether the mappings of pid were ever read. */
bool symbolizer_has_pid(struct symbolizer *s, int pid);
/* What is known of an address: the function holding it (NULL: none), addr's offset into it,
 * the module (a binary's path, "[kernel]"; NULL: not mapped) and its build id (NULL: none).
 * The strings belong to the symbolizer. */
struct sym_frame {
	const char *symbol;
	uint64_t offset;
	const char *module;	/* user: a path, or "[jit]" (from perf's map); kernel:
				 * "[kernel]" or a module as "[name]" */
	const char *build_id;
	uint64_t file_offset;	/* user: the offset in the module's file */
	const char *file;	/* source file from DWARF, NULL when unknown */
	uint32_t line;
	bool inlined;		/* a function inlined into the next frame */
};

/* Where perf-PID.map files are read from, for tests: NULL for /tmp. */
void symbolizer_set_perf_map_dir(struct symbolizer *s, const char *dir);

void symbolizer_kernel_frame(struct symbolizer *s, uint64_t addr, struct sym_frame *f);
/* The function holding addr, with its file and line (the call's, when inlined code is there). */
void symbolizer_user_frame(struct symbolizer *s, int pid, uint64_t addr, struct sym_frame *f);
/*
 * Every frame at addr of pid, at most max, innermost first: the functions inlined at addr
 * (inlined true, each at its line), then the one holding them (symbolizer_user_frame's).
 * call: addr is a return address, so the function, lines and inlined functions are the
 * call's (at addr - 1: a call that never returns may end its function); the offset is addr's. Returns how many (>= 1 when max >= 1).
 */
size_t symbolizer_user_frames(struct symbolizer *s, int pid, uint64_t addr, bool call,
			      struct sym_frame *out, size_t max);

struct symbolizer_stats {
	uint64_t files_read;	/* ELF files read (symbols, debug file) */
	uint64_t files_shared;	/* found read already: same inode, or same build id */
	uint64_t debug_files;	/* of those read, with a separate debug file */
	uint64_t jit_maps;	/* perf JIT maps read */
	uint64_t jit_refused;	/* JIT maps left unread: all of them together held too much */
	uint64_t files_slow;	/* mappings of files on FUSE filesystems: not read */
};
void symbolizer_stats(const struct symbolizer *s, struct symbolizer_stats *st);
/* The same as one string: "name", or "[unknown]" / "[path+0xoff]" when no function is
 * known. The result is in buf. */
const char *symbolizer_kernel(struct symbolizer *s, uint64_t addr, char *buf, size_t len);
const char *symbolizer_user(struct symbolizer *s, int pid, uint64_t addr, char *buf, size_t len);

#endif
