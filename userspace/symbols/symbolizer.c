// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "core/array.h"
#include "core/safe_open.h"
#include "symbols/elf_syms.h"
#include "symbols/symbolizer.h"

struct ksym {
	uint64_t addr;
	char *name;
};

struct mapping {
	uint64_t start, end, pgoff;
	uint64_t dev, ino;	/* the mapped file, as /proc/PID/maps shows it */
	char *path;
};

struct proc_maps {
	int pid;
	struct mapping *v;
	size_t n, cap;
};

/* One ELF file's functions, sorted by file offset for lookups. Files are known by device and
 * inode: one path may name different files in two mount namespaces, or after a replace. */
struct elf_file {
	uint64_t dev, ino;
	char build_id[65];	/* hex, "" when it has none */
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

void symbolizer_kernel_frame(struct symbolizer *s, uint64_t addr, struct sym_frame *f)
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
	*f = (struct sym_frame){ .module = "[kernel]" };
	if (lo) {
		f->symbol = s->ksyms[lo - 1].name;
		f->offset = addr - s->ksyms[lo - 1].addr;
	}
}

const char *symbolizer_kernel(struct symbolizer *s, uint64_t addr, char *buf, size_t len)
{
	struct sym_frame f;

	symbolizer_kernel_frame(s, addr, &f);
	snprintf(buf, len, "%s", f.symbol ? f.symbol : "[unknown]");
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
	struct proc_maps fresh = { .pid = pid }, *p;
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = safe_fopen(path, SAFE_TEXT_MAX);
	if (!f)
		return -errno;	/* gone: what was read while it lived stays */
	/* getline, not a fixed buffer: the rest of a cut line would be read as a line of its
	 * own, and a process chooses its file names. */
	while (getline(&line, &cap, f) > 0) {
		uint64_t start, end, pgoff, ino;
		unsigned int major, minor;
		char perms[8];
		int name = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, perms, &pgoff, &major, &minor, &ino, &name) < 7 || !name)
			continue;
		line[strcspn(line, "\n")] = 0;
		/* executable mappings of files are where code addresses fall */
		if (perms[2] != 'x' || line[name] != '/')
			continue;
		if (array_grow((void **)&fresh.v, fresh.n, &fresh.cap, sizeof(*fresh.v)))
			break;
		fresh.v[fresh.n] = (struct mapping){ start, end, pgoff, makedev(major, minor), ino,
						     strdup(line + name) };
		if (fresh.v[fresh.n].path)
			fresh.n++;
	}
	free(line);
	fclose(f);
	p = find_proc(s, pid);
	/* A process that is exiting (a zombie) shows no mappings: what was read while it ran
	 * stays, for its stacks to be symbolized. */
	if (p && !fresh.n) {
		free(fresh.v);
		return 0;
	}
	if (!p) {
		if (array_grow((void **)&s->procs, s->nprocs, &s->procs_cap, sizeof(*s->procs))) {
			maps_clear(&fresh);
			free(fresh.v);
			return -ENOMEM;
		}
		p = &s->procs[s->nprocs++];
		memset(p, 0, sizeof(*p));
	}
	/* Libraries come and go (ld.so maps them after exec, dlopen later): the new list. */
	maps_clear(p);
	free(p->v);
	*p = fresh;
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

/* The functions of the file that m maps in pid, read once. */
static struct elf_file *elf_file(struct symbolizer *s, int pid, const struct mapping *m)
{
	struct elf_file *e;
	int fd;

	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].dev == m->dev && s->files[i].ino == m->ino)
			return &s->files[i];
	if (array_grow((void **)&s->files, s->nfiles, &s->files_cap, sizeof(*s->files)))
		return NULL;
	e = &s->files[s->nfiles];
	memset(e, 0, sizeof(*e));
	e->dev = m->dev;
	e->ino = m->ino;
	/* The file the process maps, not whatever its path names now (a FIFO, another file);
	 * an unreadable file is remembered as one without symbols. */
	fd = safe_open_mapping(pid, m->start, m->end, m->path, m->ino, SAFE_ELF_MAX, NULL);
	if (fd >= 0 && (elf_build_id(fd, e->build_id, sizeof(e->build_id)) ||
			lseek(fd, 0, SEEK_SET)))
		e->build_id[0] = 0;
	if (fd >= 0 && !elf_funcs_load_fd(fd, &e->fs) && e->fs.n) {
		e->by_offset = malloc(e->fs.n * sizeof(*e->by_offset));
		if (e->by_offset) {
			for (size_t i = 0; i < e->fs.n; i++)
				e->by_offset[i] = &e->fs.v[i];
			qsort(e->by_offset, e->fs.n, sizeof(*e->by_offset), cmp_by_offset);
		}
	}
	if (fd >= 0)
		close(fd);
	s->nfiles++;
	return e;
}

void symbolizer_user_frame(struct symbolizer *s, int pid, uint64_t addr, struct sym_frame *f)
{
	struct proc_maps *p = find_proc(s, pid);
	const struct mapping *m = NULL;
	struct elf_file *e;
	uint64_t off;
	size_t lo = 0, hi;

	*f = (struct sym_frame){ 0 };
	if (!p && !symbolizer_cache_pid(s, pid))
		p = find_proc(s, pid);
	for (size_t i = 0; p && i < p->n; i++)
		if (addr >= p->v[i].start && addr < p->v[i].end)
			m = &p->v[i];
	if (!m)
		return;
	off = addr - m->start + m->pgoff;
	f->module = m->path;
	f->file_offset = off;
	e = elf_file(s, pid, m);
	if (e && e->build_id[0])
		f->build_id = e->build_id;
	hi = e && e->by_offset ? e->fs.n : 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->by_offset[mid]->offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && off < e->by_offset[lo - 1]->offset + e->by_offset[lo - 1]->size) {
		f->symbol = e->by_offset[lo - 1]->name;
		f->offset = off - e->by_offset[lo - 1]->offset;
	}
}

const char *symbolizer_user(struct symbolizer *s, int pid, uint64_t addr, char *buf, size_t len)
{
	struct sym_frame f;

	symbolizer_user_frame(s, pid, addr, &f);
	if (f.symbol) {
		snprintf(buf, len, "%s", f.symbol);
	} else if (f.module) {
		const char *base = strrchr(f.module, '/');

		snprintf(buf, len, "[%s+0x%" PRIx64 "]", base ? base + 1 : f.module, f.file_offset);
	} else {
		snprintf(buf, len, "[unknown]");
	}
	return buf;
}
