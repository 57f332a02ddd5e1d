// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* File, line and inlined functions of an address, through libdw. */
#include <dwarf.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>
#include "core/safe_open.h"
#include "symbols/dwarf_src.h"

/* Nesting of scopes followed at most: real code stays far below. */
#define DEPTH_MAX	256

/* A function's concrete instance in a CU: a subprogram, or an inlined call of one. */
struct fnode {
	Dwarf_Die die;
	int parent;		/* the function it is in (its caller when inlined), -1: none */
	uint32_t first, n;	/* its ranges in cu_index.own */
	bool inlined;
};

struct frange {
	uint64_t lo, hi;
	uint32_t node;
	uint32_t depth;
};

/* The functions of one CU by address, built at the CU's first lookup: one walk of its DIEs,
 * where libdw's dwarf_getscopes walks them again for every address. */
struct cu_index {
	Dwarf_Off off;
	struct fnode *nodes;
	size_t nnodes, nodes_cap;
	struct frange *own;	/* each node's ranges, together */
	size_t nown, own_cap;
	struct frange *by_lo;	/* all of them by start, the deeper after at one start */
};

struct dwarf_src {
	int fd;
	Elf *elf;
	Dwarf *dw;
	struct cu_index *cus;	/* by offset */
	size_t ncus, cus_cap;
};

bool dwarf_src_trusted(const struct stat *st)
{
	return safe_file_trusted(st);
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
	for (size_t i = 0; i < d->ncus; i++) {
		free(d->cus[i].nodes);
		free(d->cus[i].own);
		free(d->cus[i].by_lo);
	}
	free(d->cus);
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

/* Scopes that may hold functions' code: the others (types, variables) are not entered. */
static bool may_hold_code(int tag)
{
	return is_function(tag) || tag == DW_TAG_lexical_block || tag == DW_TAG_namespace ||
	       tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
	       tag == DW_TAG_union_type || tag == DW_TAG_module;
}

static int add_node(struct cu_index *c, Dwarf_Die *die, int parent, bool inlined,
		    unsigned int depth)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;
	size_t first = c->nown;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (c->nown == c->own_cap) {
			size_t cap = c->own_cap ? c->own_cap * 2 : 64;
			struct frange *v = realloc(c->own, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			c->own = v;
			c->own_cap = cap;
		}
		c->own[c->nown++] = (struct frange){ lo, hi, (uint32_t)c->nnodes, depth };
	}
	if (c->nown == first)
		return -ENOENT;	/* no code of its own: an abstract definition */
	if (c->nnodes == c->nodes_cap) {
		size_t cap = c->nodes_cap ? c->nodes_cap * 2 : 32;
		struct fnode *v = realloc(c->nodes, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->nodes = v;
		c->nodes_cap = cap;
	}
	c->nodes[c->nnodes] = (struct fnode){ *die, parent, (uint32_t)first,
					      (uint32_t)(c->nown - first), inlined };
	return (int)c->nnodes++;
}

static int walk(struct cu_index *c, Dwarf_Die *scope, int parent, unsigned int depth)
{
	Dwarf_Die child;

	if (depth > DEPTH_MAX || dwarf_child(scope, &child))
		return 0;
	do {
		int tag = dwarf_tag(&child), me = parent;

		if (!may_hold_code(tag))
			continue;
		if (is_function(tag)) {
			me = add_node(c, &child, parent, tag == DW_TAG_inlined_subroutine, depth);
			if (me == -ENOMEM)
				return -ENOMEM;
			if (me < 0)
				continue;
		}
		if (walk(c, &child, me, depth + 1))
			return -ENOMEM;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int cmp_lo(const void *a, const void *b)
{
	const struct frange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

/* The index of cu, built at its first need. NULL: no memory. */
static struct cu_index *cu_index(struct dwarf_src *d, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	size_t lo = 0, hi = d->ncus;
	struct cu_index *c;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->cus[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->ncus && d->cus[lo].off == off)
		return &d->cus[lo];
	if (d->ncus == d->cus_cap) {
		size_t cap = d->cus_cap ? d->cus_cap * 2 : 64;
		struct cu_index *v = realloc(d->cus, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->cus = v;
		d->cus_cap = cap;
	}
	memmove(&d->cus[lo + 1], &d->cus[lo], (d->ncus - lo) * sizeof(*d->cus));
	d->ncus++;
	c = &d->cus[lo];
	*c = (struct cu_index){ .off = off };
	/* what cannot be indexed for want of memory is an index with less in it */
	if (!walk(c, cu, -1, 0) && c->nown) {
		c->by_lo = malloc(c->nown * sizeof(*c->by_lo));
		if (c->by_lo) {
			memcpy(c->by_lo, c->own, c->nown * sizeof(*c->by_lo));
			qsort(c->by_lo, c->nown, sizeof(*c->by_lo), cmp_lo);
		}
	}
	return c;
}

static bool node_holds(const struct cu_index *c, int n, uint64_t vaddr)
{
	for (uint32_t i = 0; i < c->nodes[n].n; i++)
		if (vaddr >= c->own[c->nodes[n].first + i].lo &&
		    vaddr < c->own[c->nodes[n].first + i].hi)
			return true;
	return false;
}

/* The innermost function instance holding vaddr, or -1. The last range to start at or
 * before vaddr is it when it holds vaddr; else, scopes nesting, that range lies inside the
 * innermost one that does, which is one of its node's outer functions. */
static int innermost(const struct cu_index *c, uint64_t vaddr)
{
	size_t lo = 0, hi = c->by_lo ? c->nown : 0;
	int n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->by_lo[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	for (n = (int)c->by_lo[lo - 1].node; n >= 0 && !node_holds(c, n, vaddr);
	     n = c->nodes[n].parent)
		;
	return n;
}

size_t dwarf_src_lookup(struct dwarf_src *d, uint64_t vaddr, struct src_frame *out, size_t max)
{
	const char *file = NULL;
	struct cu_index *c;
	Dwarf_Line *ln;
	Dwarf_Die cu;
	uint32_t line = 0;
	size_t k = 0;
	int lineno;

	if (!d || !max || !dwarf_addrdie(d->dw, vaddr, &cu))
		return 0;
	ln = dwarf_getsrc_die(&cu, vaddr);
	if (ln) {
		file = dwarf_linesrc(ln, NULL, NULL);
		if (!dwarf_lineno(ln, &lineno) && lineno > 0)
			line = (uint32_t)lineno;
	}
	c = cu_index(d, &cu);
	/* innermost first, each inlined one's caller at the call's file and line */
	for (int n = c ? innermost(c, vaddr) : -1; n >= 0 && k < max; n = c->nodes[n].parent) {
		struct fnode *fn = &c->nodes[n];

		out[k++] = (struct src_frame){ dwarf_diename(&fn->die), file, line, fn->inlined };
		if (!fn->inlined)
			break;
		file = call_file(&cu, &fn->die);
		line = call_line(&fn->die);
	}
	/* No function's scope (code of a CU without subprogram DIEs): still its line. */
	if (!k && file)
		out[k++] = (struct src_frame){ NULL, file, line, false };
	return k;
}
