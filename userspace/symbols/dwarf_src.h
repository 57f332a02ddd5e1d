/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where an address is in the source, from DWARF (elfutils libdw): file and line, and the
 * functions inlined there. libdw trusts what it reads and can overread on corrupt DWARF, so
 * callers give it only files no one but root (or tailtrace's own user) could have written
 * (dwarf_src_trusted).
 */
#ifndef TAILTRACE_DWARF_SRC_H
#define TAILTRACE_DWARF_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct dwarf_src;

/* One frame at an address, innermost first: each inlined function (inlined true, name its
 * own), then the function they are inlined into (inlined false). file and line: where that
 * frame is at the address (an inlined function's caller is at the call's file and line). The
 * strings belong to the dwarf_src. */
struct src_frame {
	const char *name;	/* NULL when DWARF names none */
	const char *file;	/* NULL when unknown */
	uint32_t line;
	bool inlined;
};

/* Whether a file with this fstat may be given to libdw: a regular file owned by root or by
 * us, writable by no one else. */
bool dwarf_src_trusted(const struct stat *st);

/* The DWARF of the ELF file on fd (read, not mapped: a file truncated meanwhile must not
 * SIGBUS us); fd is dup'ed. NULL when it has none (or on error). */
struct dwarf_src *dwarf_src_open(int fd);
/* The frames at vaddr (an address of the ELF file as linked), at most max, innermost first.
 * Returns how many (0: no DWARF covers it). */
size_t dwarf_src_lookup(struct dwarf_src *d, uint64_t vaddr, struct src_frame *out, size_t max);
void dwarf_src_close(struct dwarf_src *d);

#endif
