// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "symbols/elf_syms.h"
#include "symbols/symbolizer.h"

struct ksym {
	uint64_t addr;
	char *name;
};

struct mapping {
	uint64_t start, end, pgoff;
	char *path;
};

struct proc_maps {
	int pid;
	struct mapping *v;
	size_t n, cap;
};

/* One ELF file's functions, sorted by file offset for lookups. */
struct elf_file {
	char *path;
	struct elf_funcs fs;
	const struct elf_func **by_offset;
};

struct symbolizer {
	char *kallsyms_path;
	bool kallsyms_loaded;
	struct ksym *ksyms;
	size_t nksyms, ksyms_cap;
	struct proc_maps *procs;
	size_t nprocs, procs_cap;
	struct elf_file *files;
	size_t nfiles, files_cap;
};

static void maps_clear(struct proc_maps *p)
{
	for (size_t j = 0; j < p->n; j++)
		free(p->v[j].path);
	p->n = 0;
}

struct symbolizer *symbolizer_new(const char *kallsyms)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kallsyms_path = strdup(kallsyms ? kallsyms : "/proc/kallsyms");
	if (!s->kallsyms_path) {
		free(s);
		return NULL;
	}
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nksyms; i++)
		free(s->ksyms[i].name);
	for (size_t i = 0; i < s->nprocs; i++) {
		maps_clear(&s->procs[i]);
		free(s->procs[i].v);
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].path);
		elf_funcs_free(&s->files[i].fs);
		free(s->files[i].by_offset);
	}
	free(s->ksyms);
	free(s->procs);
	free(s->files);
	free(s->kallsyms_path);
	free(s);
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Text symbols only; addresses are all zero for readers the kernel does not trust. */
static void load_kallsyms(struct symbolizer *s)
{
	FILE *f = fopen(s->kallsyms_path, "r");
	char line[512], name[256], type;
	uint64_t addr;

	s->kallsyms_loaded = true;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (array_grow((void **)&s->ksyms, s->nksyms, &s->ksyms_cap, sizeof(*s->ksyms)))
			break;
		s->ksyms[s->nksyms].addr = addr;
		s->ksyms[s->nksyms].name = strdup(name);
		if (!s->ksyms[s->nksyms].name)
			break;
		s->nksyms++;
	}
	fclose(f);
	qsort(s->ksyms, s->nksyms, sizeof(*s->ksyms), cmp_ksym);
}

const char *symbolizer_kernel(struct symbolizer *s, uint64_t addr, char *buf, size_t len)
{
	size_t lo = 0, hi;

	if (!s->kallsyms_loaded)
		load_kallsyms(s);
	hi = s->nksyms;
	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	snprintf(buf, len, "%s", lo ? s->ksyms[lo - 1].name : "[unknown]");
	return buf;
}

static struct proc_maps *find_proc(struct symbolizer *s, int pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

bool symbolizer_has_pid(struct symbolizer *s, int pid)
{
	return find_proc(s, pid) != NULL;
}

int symbolizer_cache_pid(struct symbolizer *s, int pid)
{
	char path[64], line[4608], file[4096];
	struct proc_maps *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;	/* gone: what was read while it lived stays */
	p = find_proc(s, pid);
	if (!p) {
		if (array_grow((void **)&s->procs, s->nprocs, &s->procs_cap, sizeof(*s->procs))) {
			fclose(f);
			return -ENOMEM;
		}
		p = &s->procs[s->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
	}
	/* Libraries come and go (ld.so maps them after exec, dlopen later): re-read. */
	maps_clear(p);
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end, pgoff;
		char perms[8];

		file[0] = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %4095[^\n]",
			   &start, &end, perms, &pgoff, file) < 4)
			continue;
		/* executable mappings of files are where code addresses fall */
		if (perms[2] != 'x' || file[0] != '/')
			continue;
		if (array_grow((void **)&p->v, p->n, &p->cap, sizeof(*p->v)))
			break;
		p->v[p->n] = (struct mapping){ start, end, pgoff, strdup(file) };
		if (p->v[p->n].path)
			p->n++;
	}
	fclose(f);
	return 0;
}

static int cmp_by_offset(const void *a, const void *b)
{
	const struct elf_func *x = *(const struct elf_func *const *)a;
	const struct elf_func *y = *(const struct elf_func *const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* Aliases: the lookup takes the last of them, so the plain name (not name@VERSION)
	 * and then the shortest go last. */
	if (!strchr(x->name, '@') != !strchr(y->name, '@'))
		return strchr(x->name, '@') ? -1 : 1;
	return strlen(x->name) > strlen(y->name) ? -1 : strlen(x->name) < strlen(y->name);
}

static struct elf_file *elf_file(struct symbolizer *s, const char *path)
{
	struct elf_file *e;

	for (size_t i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].path, path))
			return &s->files[i];
	if (array_grow((void **)&s->files, s->nfiles, &s->files_cap, sizeof(*s->files)))
		return NULL;
	e = &s->files[s->nfiles];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	/* An unreadable file is remembered as one without symbols. */
	if (!elf_funcs_load(path, &e->fs) && e->fs.n) {
		e->by_offset = malloc(e->fs.n * sizeof(*e->by_offset));
		if (e->by_offset) {
			for (size_t i = 0; i < e->fs.n; i++)
				e->by_offset[i] = &e->fs.v[i];
			qsort(e->by_offset, e->fs.n, sizeof(*e->by_offset), cmp_by_offset);
		}
	}
	s->nfiles++;
	return e;
}

const char *symbolizer_user(struct symbolizer *s, int pid, uint64_t addr, char *buf, size_t len)
{
	struct proc_maps *p = find_proc(s, pid);
	const struct mapping *m = NULL;
	struct elf_file *e;
	uint64_t off;
	size_t lo = 0, hi;

	if (!p && !symbolizer_cache_pid(s, pid))
		p = find_proc(s, pid);
	for (size_t i = 0; p && i < p->n; i++)
		if (addr >= p->v[i].start && addr < p->v[i].end)
			m = &p->v[i];
	if (!m) {
		snprintf(buf, len, "[unknown]");
		return buf;
	}
	off = addr - m->start + m->pgoff;
	e = elf_file(s, m->path);
	hi = e && e->by_offset ? e->fs.n : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->by_offset[mid]->offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && off < e->by_offset[lo - 1]->offset + e->by_offset[lo - 1]->size) {
		snprintf(buf, len, "%s", e->by_offset[lo - 1]->name);
	} else {
		const char *base = strrchr(m->path, '/');

		snprintf(buf, len, "[%s+0x%" PRIx64 "]", base ? base + 1 : m->path, off);
	}
	return buf;
}
