/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Function symbols of an ELF file (.symtab and .dynsym), with the file offset a uprobe attaches
 * at, and close names for "function not found, did you mean".
 */
#ifndef TAILTRACE_ELF_SYMS_H
#define TAILTRACE_ELF_SYMS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct elf_func {
	char *name;		/* versioned non-default symbols as "name@VERSION"; default (@@)
				 * and unversioned ones as plain "name" */
	uint64_t addr;		/* st_value */
	uint64_t size;
	uint64_t offset;	/* file offset of addr, from the PT_LOAD segment containing it:
				 * what a uprobe attaches at */
	bool ifunc;		/* STT_GNU_IFUNC: addr is the resolver, run once at load */
	/* name demangled (symbols/demangle.h), set by sym_file at its first lookup: NULL and
	 * shown_set false until then; NULL after it when name is not mangled */
	char *shown;
	bool shown_set;
};

struct elf_funcs {
	struct elf_func *v;	/* sorted by name, then address */
	size_t n;
	int is_pie_or_dyn;	/* ET_DYN: PIE executable or shared library */
};

/*
 * Defined STT_FUNC and STT_GNU_IFUNC symbols of nonzero size from .symtab and .dynsym; one entry
 * per (name, address), so aliases are all there. An IFUNC's address is its resolver's.
 * path is opened with safe_open (core/safe_open.h), so it may be anyone's.
 * 0, or -ENOENT/-EACCES (cannot open; other open(2) errors as -errno), safe_open's errors for
 * what is not a regular file (safe_open_kind names it) or is larger than SAFE_ELF_MAX,
 * -ENOEXEC (not an ELF file, or not for this machine's class/arch), -EBADMSG (an ELF file
 * truncated or corrupt), -EFBIG (more symbols than tailtrace keeps of one file), -ENOMEM.
 * On error *out is left empty.
 */
int elf_funcs_load(const char *path, struct elf_funcs *out);
/* The same from fd, a regular file opened for reading (by safe_open or safe_open_mapping). */
int elf_funcs_load_fd(int fd, struct elf_funcs *out);
void elf_funcs_free(struct elf_funcs *fs);

/*
 * Up to max distinct names closest to name, for "function not found, did you mean": first the
 * names containing it (case-insensitive), fewest extra characters first, then names within a
 * small edit distance (case-insensitive, a transposition counts as one edit), closest first;
 * ties alphabetically. Returns how many were written; the pointers are into fs.
 */
size_t elf_funcs_suggest(const struct elf_funcs *fs, const char *name, const char **out,
			 size_t max);

/* The GNU build id of the ELF file open on fd, as hex in hex[len] (len >= 41 for SHA-1).
 * 0, -ENOENT (none), or -errno. */
int elf_build_id(int fd, char *hex, size_t len);
/* Whether the ELF file open on fd has a section with contents (not SHT_NOBITS) named a or
 * b (NULL: only a). */
bool elf_has_section(int fd, const char *a, const char *b);
/* Whether the ELF file open on fd was built by Go's toolchain (a .go.buildinfo or
 * .note.go.buildid section). */
bool elf_is_go(int fd);

#endif /* TAILTRACE_ELF_SYMS_H */
