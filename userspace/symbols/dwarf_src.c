// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* File, line and inlined functions of an address, through libdw. */
#include <dwarf.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <elfutils/libdw.h>
#include "symbols/dwarf_src.h"

struct dwarf_src {
	int fd;
	Elf *elf;
	Dwarf *dw;
};

bool dwarf_src_trusted(const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid()) &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}

struct dwarf_src *dwarf_src_open(int fd)
{
	struct dwarf_src *d;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	/* libelf reads sections through the fd as libdw asks for them */
	d->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (d->fd < 0)
		goto fail;
	d->elf = elf_begin(d->fd, ELF_C_READ, NULL);
	if (!d->elf)
		goto fail;
	d->dw = dwarf_begin_elf(d->elf, DWARF_C_READ, NULL);
	if (!d->dw)
		goto fail;
	return d;
fail:
	dwarf_src_close(d);
	return NULL;
}

void dwarf_src_close(struct dwarf_src *d)
{
	if (!d)
		return;
	if (d->dw)
		dwarf_end(d->dw);
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

/* The file an inlined call sits in, by its DW_AT_call_file index into the CU's files. */
static const char *call_file(Dwarf_Die *cu, Dwarf_Die *inl)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx;
	size_t n;

	if (!dwarf_attr(inl, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) ||
	    dwarf_getsrcfiles(cu, &files, &n) || idx >= n)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static uint32_t call_line(Dwarf_Die *inl)
{
	Dwarf_Attribute attr;
	Dwarf_Word line;

	if (!dwarf_attr(inl, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line) ||
	    line > UINT32_MAX)
		return 0;
	return (uint32_t)line;
}

static bool is_function(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram;
}

size_t dwarf_src_lookup(struct dwarf_src *d, uint64_t vaddr, struct src_frame *out, size_t max)
{
	Dwarf_Die cu, *scopes = NULL, *chain = NULL;
	const char *file = NULL;
	Dwarf_Line *ln;
	uint32_t line = 0;
	size_t k = 0;
	int n, m = 0, lineno;

	if (!d || !max || !dwarf_addrdie(d->dw, vaddr, &cu))
		return 0;
	ln = dwarf_getsrc_die(&cu, vaddr);
	if (ln) {
		file = dwarf_linesrc(ln, NULL, NULL);
		if (!dwarf_lineno(ln, &lineno) && lineno > 0)
			line = (uint32_t)lineno;
	}
	/* The innermost function at vaddr; its concrete parents are the functions it is
	 * inlined into (dwarf_getscopes follows an inlined one with its abstract definition's
	 * scopes, which are not callers). */
	n = dwarf_getscopes(&cu, vaddr, &scopes);
	for (int i = 0; i < n; i++)
		if (is_function(dwarf_tag(&scopes[i]))) {
			m = dwarf_getscopes_die(&scopes[i], &chain);
			break;
		}
	free(scopes);
	for (int i = 0; i < m && k < max; i++) {
		int tag = dwarf_tag(&chain[i]);

		if (!is_function(tag))
			continue;
		out[k++] = (struct src_frame){ dwarf_diename(&chain[i]), file, line,
					       tag == DW_TAG_inlined_subroutine };
		if (tag == DW_TAG_subprogram)
			break;
		/* the caller is where the call was inlined */
		file = call_file(&cu, &chain[i]);
		line = call_line(&chain[i]);
	}
	free(chain);
	/* No function's scope (code of a CU without subprogram DIEs): still its line. */
	if (!k && file)
		out[k++] = (struct src_frame){ NULL, file, line, false };
	return k;
}
