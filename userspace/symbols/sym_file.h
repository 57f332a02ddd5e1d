/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One ELF file's names for its addresses: the functions of its .symtab and .dynsym and of its
 * separate debug file (symbols/debug_file.h), and file, line and inlined functions from the
 * DWARF of either (symbols/dwarf_src.h), read at its first need. Every answer is remembered, so an
 * address seen again costs one hash lookup.
 */
#ifndef TAILTRACE_SYM_FILE_H
#define TAILTRACE_SYM_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct sym_file;

/* A frame at a file offset, innermost first (see symbolizer.h's sym_frame). The strings
 * belong to the sym_file. */
struct sym_file_frame {
	const char *symbol;	/* NULL: unknown */
	uint64_t offset;	/* into symbol */
	const char *file;	/* NULL: unknown */
	uint32_t line;
	bool inlined;
};

/*
 * The symbols of the ELF file open on fd, with fstat st; path is the process pid's name for
 * it (pid 0: ours; NULL: unknown), where its .gnu_debuglink is looked for. A file that is not
 * ELF, or is corrupt, has no symbols but is still a sym_file (frames show module+offset).
 * NULL: no memory.
 */
struct sym_file *sym_file_load(int fd, const struct stat *st, const char *path, int pid);
void sym_file_free(struct sym_file *f);
/* Hex build id, "" for none. */
const char *sym_file_build_id(const struct sym_file *f);
/* Whether f's build id can be believed to name its contents: the file is root's (or ours)
 * and no one else may write it, so no user passes a file of theirs off as a system one. */
bool sym_file_shareable(const struct sym_file *f);
/* Whether f has a separate debug file / DWARF (known once a lookup needed them). */
bool sym_file_has_debug_file(const struct sym_file *f);

/*
 * The frames at file offset off, at most max, innermost first: the functions inlined there
 * (inlined true), then the function holding it. call: off is a return address, so its
 * function, line and inlined functions are those of the call before it (the offset into the
 * function is still off's). source: with files, lines and inlined functions from DWARF
 * (read at the first such lookup); without, the function alone. Returns how many (>= 1 when max >= 1;
 * one frame with symbol NULL when nothing is known).
 */
size_t sym_file_lookup(struct sym_file *f, uint64_t off, bool call, bool source,
		       struct sym_file_frame *out, size_t max);

#endif
