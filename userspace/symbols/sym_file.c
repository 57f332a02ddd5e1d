// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One ELF file's names and source lines, with its debug file's, and a cache of answers. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/array.h"
#include "symbols/debug_file.h"
#include "symbols/demangle.h"
#include "symbols/dwarf_src.h"
#include "symbols/elf_syms.h"
#include "symbols/sym_file.h"

/* Deepest inlining kept at one address (real code stays far below). */
#define INLINE_MAX	16
/* Answers remembered per file: a busy process's profile touches tens of thousands. */
#define CACHE_MAX	(1U << 20)
/* Files held open until their DWARF is first needed (reading it costs ~80 ms for libc's
 * debug file, at first sight of every process otherwise); past this many, it is read at once. */
#define DWARF_PENDING_MAX	256

static unsigned int dwarf_pending;

struct segment {
	uint64_t offset, vaddr, filesz;
};

struct cached {
	uint64_t key;		/* off * 4 + call * 2 + source, + 1 (0: empty slot) */
	uint32_t first;		/* into frames */
	uint32_t n;
};

struct sym_file {
	char build_id[129];
	bool shareable;
	struct elf_funcs fs, debug_fs;
	const struct elf_func **by_addr;	/* both tables' functions, by address */
	size_t nfuncs;
	struct segment *segs;
	size_t nsegs;
	struct dwarf_src *dwarf;
	int dwarf_fd;		/* where DWARF is, not read yet; -1: none or read */
	bool has_debug_file;
	struct cached *slots;			/* open addressing, a power of two */
	size_t nslots, nused;
	struct sym_file_frame *frames;
	size_t nframes, frames_cap;
};

static bool trusted(const struct stat *st)
{
	return dwarf_src_trusted(st);
}

static int load_segments(struct sym_file *f, int fd)
{
	size_t n, cap = 0;
	GElf_Phdr ph;
	Elf *elf;
	int err = 0;

	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -EBADMSG;
	if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n)) {
		elf_end(elf);
		return -EBADMSG;
	}
	for (size_t i = 0; i < n && i < 4096; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (array_grow((void **)&f->segs, f->nsegs, &cap, sizeof(*f->segs))) {
			err = -ENOMEM;
			break;
		}
		f->segs[f->nsegs++] = (struct segment){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
	elf_end(elf);
	return err;
}

/* The DWARF of the file on fd, for later: its fd kept, or read now when too many are. */
static void keep_dwarf(struct sym_file *f, int fd)
{
	if (!elf_has_section(fd, ".debug_info", ".zdebug_info"))
		return;
	if (dwarf_pending < DWARF_PENDING_MAX) {
		f->dwarf_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (f->dwarf_fd >= 0) {
			dwarf_pending++;
			return;
		}
	}
	f->dwarf = dwarf_src_open(fd);
}

static struct dwarf_src *dwarf_of(struct sym_file *f)
{
	if (f->dwarf_fd >= 0) {
		f->dwarf = dwarf_src_open(f->dwarf_fd);
		close(f->dwarf_fd);
		f->dwarf_fd = -1;
		dwarf_pending--;
	}
	return f->dwarf;
}

static int cmp_by_addr(const void *a, const void *b)
{
	const struct elf_func *x = *(const struct elf_func *const *)a;
	const struct elf_func *y = *(const struct elf_func *const *)b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Aliases: the lookup takes the last of them, so the plain name (not name@VERSION)
	 * and then the shortest go last. */
	if (!strchr(x->name, '@') != !strchr(y->name, '@'))
		return strchr(x->name, '@') ? -1 : 1;
	return strlen(x->name) > strlen(y->name) ? -1 : strlen(x->name) < strlen(y->name);
}

/* The functions of the file and of its debug file as one table: the debug file's .symtab
 * has the static functions a stripped binary lost. Addresses, not file offsets: a debug
 * file's segments have the binary's addresses but offsets of their own. */
static int index_funcs(struct sym_file *f)
{
	size_t n = f->fs.n + f->debug_fs.n, k = 0;

	if (!n)
		return 0;
	f->by_addr = malloc(n * sizeof(*f->by_addr));
	if (!f->by_addr)
		return -ENOMEM;
	for (size_t i = 0; i < f->fs.n; i++)
		f->by_addr[k++] = &f->fs.v[i];
	for (size_t i = 0; i < f->debug_fs.n; i++)
		f->by_addr[k++] = &f->debug_fs.v[i];
	qsort(f->by_addr, n, sizeof(*f->by_addr), cmp_by_addr);
	f->nfuncs = n;
	return 0;
}

struct sym_file *sym_file_load(int fd, const struct stat *st, const char *path, int pid)
{
	struct sym_file *f = calloc(1, sizeof(*f));
	struct stat dst;
	int dfd;

	if (!f)
		return NULL;
	f->dwarf_fd = -1;
	if (elf_build_id(fd, f->build_id, sizeof(f->build_id)))
		f->build_id[0] = 0;
	f->shareable = f->build_id[0] && trusted(st);
	/* What cannot be read is a file without names: its frames show module+offset. */
	if (load_segments(f, fd) == -ENOMEM)
		goto nomem;
	if (elf_funcs_load_fd(fd, &f->fs) == -ENOMEM)
		goto nomem;
	dfd = debug_file_open(fd, path, pid);
	if (dfd == -ENOMEM)
		goto nomem;
	if (dfd >= 0) {
		f->has_debug_file = true;
		if (elf_funcs_load_fd(dfd, &f->debug_fs) == -ENOMEM) {
			close(dfd);
			goto nomem;
		}
		/* libdw overreads on corrupt DWARF: only files no other user could write */
		if (!fstat(dfd, &dst) && trusted(&dst))
			keep_dwarf(f, dfd);
		close(dfd);
	}
	if (!f->dwarf && f->dwarf_fd < 0 && trusted(st))
		keep_dwarf(f, fd);
	if (index_funcs(f))
		goto nomem;
	return f;
nomem:
	sym_file_free(f);
	return NULL;
}

void sym_file_free(struct sym_file *f)
{
	if (!f)
		return;
	elf_funcs_free(&f->fs);
	elf_funcs_free(&f->debug_fs);
	free(f->by_addr);
	free(f->segs);
	dwarf_src_close(f->dwarf);
	if (f->dwarf_fd >= 0) {
		close(f->dwarf_fd);
		dwarf_pending--;
	}
	free(f->slots);
	free(f->frames);
	free(f);
}

const char *sym_file_build_id(const struct sym_file *f)
{
	return f->build_id;
}

bool sym_file_shareable(const struct sym_file *f)
{
	return f->shareable;
}

bool sym_file_has_debug_file(const struct sym_file *f)
{
	return f->has_debug_file;
}

static bool to_vaddr(const struct sym_file *f, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < f->nsegs; i++)
		if (off >= f->segs[i].offset && off - f->segs[i].offset < f->segs[i].filesz) {
			*vaddr = off - f->segs[i].offset + f->segs[i].vaddr;
			return true;
		}
	return false;
}

static const struct elf_func *func_at(const struct sym_file *f, uint64_t vaddr)
{
	size_t lo = 0, hi = f->nfuncs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->by_addr[mid]->addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && vaddr - f->by_addr[lo - 1]->addr < f->by_addr[lo - 1]->size)
		return f->by_addr[lo - 1];
	return NULL;
}

/* The name a report shows for fn: demangled, at its first need (a library has thousands of
 * functions, a profile meets a few). */
static const char *shown_name(const struct elf_func *fn)
{
	struct elf_func *f = (struct elf_func *)fn;	/* the file's own cache */

	if (!f->shown_set) {
		f->shown = demangle(f->name);
		f->shown_set = true;
	}
	return f->shown ? f->shown : f->name;
}

/* The answer for off, found afresh. */
static size_t resolve(struct sym_file *f, uint64_t off, bool call, bool source,
		      struct sym_file_frame *out, size_t max)
{
	struct src_frame src[INLINE_MAX];
	const struct elf_func *fn;
	uint64_t vaddr;
	size_t n = 0, k = 0;

	out[0] = (struct sym_file_frame){ 0 };
	if (!to_vaddr(f, off, &vaddr))
		return 1;
	/* a return address may be just past the end of a function that calls one that does
	 * not return: the call is in the function before */
	fn = func_at(f, vaddr >= call ? vaddr - call : vaddr);
	if (source && vaddr >= call && dwarf_of(f))
		n = dwarf_src_lookup(f->dwarf, vaddr - call, src, INLINE_MAX);
	/* the inlined functions, then the one that holds them */
	for (size_t i = 0; n && i + 1 < n && k + 1 < max; i++)
		out[k++] = (struct sym_file_frame){ src[i].name, 0, src[i].file, src[i].line, true };
	out[k] = (struct sym_file_frame){ fn ? shown_name(fn) : n ? src[n - 1].name : NULL,
					  fn ? vaddr - fn->addr : 0, n ? src[n - 1].file : NULL,
					  n ? src[n - 1].line : 0, false };
	return k + 1;
}

static size_t slot_of(const struct sym_file *f, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;

	return (h >> 17) & (f->nslots - 1);
}

static int cache_grow(struct sym_file *f)
{
	size_t nslots = f->nslots ? f->nslots * 2 : 1024;
	struct cached *old = f->slots, *v = calloc(nslots, sizeof(*v));
	size_t oldn = f->nslots;

	if (!v)
		return -ENOMEM;
	f->slots = v;
	f->nslots = nslots;
	for (size_t i = 0; i < oldn; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = slot_of(f, old[i].key); v[j].key; j = (j + 1) & (nslots - 1))
			;
		v[j] = old[i];
	}
	free(old);
	return 0;
}

/* Remembers out[0..n) for key; without room it is only found afresh next time. */
static void cache_put(struct sym_file *f, uint64_t key, const struct sym_file_frame *out,
		      size_t n)
{
	size_t j;

	if (f->nused >= CACHE_MAX || f->nframes + n > UINT32_MAX)
		return;
	if ((f->nused + 1) * 2 > f->nslots && cache_grow(f))
		return;
	while (f->nframes + n > f->frames_cap) {
		size_t cap = f->frames_cap ? f->frames_cap * 2 : 1024;
		struct sym_file_frame *v = realloc(f->frames, cap * sizeof(*v));

		if (!v)
			return;
		f->frames = v;
		f->frames_cap = cap;
	}
	memcpy(f->frames + f->nframes, out, n * sizeof(*out));
	for (j = slot_of(f, key); f->slots[j].key; j = (j + 1) & (f->nslots - 1))
		;
	f->slots[j] = (struct cached){ key, (uint32_t)f->nframes, (uint32_t)n };
	f->nframes += n;
	f->nused++;
}

size_t sym_file_lookup(struct sym_file *f, uint64_t off, bool call, bool source,
		       struct sym_file_frame *out, size_t max)
{
	uint64_t key = (off << 2 | call << 1 | source) + 1;
	struct sym_file_frame tmp[INLINE_MAX + 1];
	size_t n;

	if (!max)
		return 0;
	for (size_t j = f->nslots ? slot_of(f, key) : 0; f->nslots && f->slots[j].key;
	     j = (j + 1) & (f->nslots - 1)) {
		if (f->slots[j].key != key)
			continue;
		n = f->slots[j].n < max ? f->slots[j].n : max;
		/* cut from the inner end: the holding function is always last */
		memcpy(out, f->frames + f->slots[j].first + (f->slots[j].n - n),
		       n * sizeof(*out));
		return n;
	}
	n = resolve(f, off, call, source, tmp, INLINE_MAX + 1);
	cache_put(f, key, tmp, n);
	if (n > max) {
		memcpy(out, tmp + (n - max), max * sizeof(*out));
		return max;
	}
	memcpy(out, tmp, n * sizeof(*out));
	return n;
}
