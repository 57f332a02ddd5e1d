// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "core/array.h"
#include "core/clock.h"
#include "core/safe_open.h"
#include "core/slow_fs.h"
#include "symbols/dwarf_src.h"
#include "symbols/elf_syms.h"
#include "symbols/perf_map.h"
#include "symbols/sym_file.h"
#include "symbols/symbolizer.h"

/* Most frames inlined at one address that are shown (the holding function is one more). */
#define INLINED_MAX	15

struct ksym {
	uint64_t addr;
	char *name;
	const char *module;	/* "[kernel]", or one of the symbolizer's module names */
};

struct mapping {
	uint64_t start, end, pgoff;
	uint64_t dev, ino;	/* the mapped file, as /proc/PID/maps shows it */
	char *path;		/* NULL: anonymous executable memory (a JIT's) */
	struct sym_file *file;	/* found at the first address in it */
	bool file_tried;
	bool ours;		/* path names the same file in our mount namespace */
	bool vdso;		/* the kernel's [vdso] (path NULL) */
	bool vdso_ours;		/* ... whose ELF header is our own vdso's (checked while it ran) */
};

struct proc_maps {
	int pid;
	uid_t uid;		/* of /proc/PID: whose perf map to believe */
	struct mapping *v;
	size_t n, cap;
	struct perf_map jit;
	struct stat jit_st;	/* of the map read into jit */
	uint64_t jit_next_ns;	/* no new read of the map before */
	uint64_t jit_counted;	/* bytes of jit in the symbolizer's jit_bytes */
};

/* A file read, under one of its names: the inode /proc/PID/maps showed (a process that has
 * exited can no longer be asked for its files, only matched by that), and what fstat says
 * of the file opened (inode, size, mtime). One file has an entry per copy shared by build id
 * (each container's libc). */
struct file_entry {
	struct sym_file *f;
	uint64_t dev, ino;
	dev_t st_dev;
	ino_t st_ino;
	off_t st_size;
	struct timespec st_mtim;
};

struct symbolizer {
	char *kallsyms_path;
	bool kallsyms_loaded;
	struct ksym *ksyms;
	size_t nksyms, ksyms_cap;
	char **kmods;		/* "[name]" of each kernel module seen */
	size_t nkmods, kmods_cap;
	struct proc_maps *procs;
	size_t nprocs, procs_cap;
	struct file_entry *files;
	size_t nfiles, files_cap;
	char *perf_map_dir;
	uint64_t jit_bytes;	/* of the JIT maps held, all processes together */
	/* our own [vdso], the kernel's image every process of our kind maps: read at the first
	 * address in one */
	struct sym_file *vdso;
	uint64_t vdso_size;
	bool vdso_tried;
	struct symbolizer_stats st;
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
	for (size_t i = 0; i < s->nkmods; i++)
		free(s->kmods[i]);
	for (size_t i = 0; i < s->nprocs; i++) {
		maps_clear(&s->procs[i]);
		free(s->procs[i].v);
		perf_map_free(&s->procs[i].jit);
	}
	/* entries share files: each is freed at its first entry */
	for (size_t i = 0; i < s->nfiles; i++) {
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = s->files[j].f != s->files[i].f;
		if (first)
			sym_file_free(s->files[i].f);
	}
	sym_file_free(s->vdso);
	free(s->kmods);
	free(s->perf_map_dir);
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

/* "[mod]" of kallsyms' module column, kept once per module (lines of one module come
 * together, so the last one is checked first). NULL: no memory. */
static const char *kmod_name(struct symbolizer *s, const char *mod)
{
	for (size_t i = s->nkmods; i-- > 0;)
		if (!strcmp(s->kmods[i], mod))
			return s->kmods[i];
	if (array_grow((void **)&s->kmods, s->nkmods, &s->kmods_cap, sizeof(*s->kmods)))
		return NULL;
	s->kmods[s->nkmods] = strdup(mod);
	return s->kmods[s->nkmods] ? s->kmods[s->nkmods++] : NULL;
}

/* Text symbols only; addresses are all zero for readers the kernel does not trust. A
 * module's symbols end in its name, "[ext4]". */
static void load_kallsyms(struct symbolizer *s)
{
	FILE *f = fopen(s->kallsyms_path, "r");
	char line[512], name[256], mod[80], type;
	uint64_t addr;
	int got;

	s->kallsyms_loaded = true;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *module = "[kernel]";

		got = sscanf(line, "%" SCNx64 " %c %255s %79s", &addr, &type, name, mod);
		if (got < 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (got == 4 && mod[0] == '[' && mod[strlen(mod) - 1] == ']' &&
		    !(module = kmod_name(s, mod)))
			break;
		if (array_grow((void **)&s->ksyms, s->nksyms, &s->ksyms_cap, sizeof(*s->ksyms)))
			break;
		s->ksyms[s->nksyms].addr = addr;
		s->ksyms[s->nksyms].name = strdup(name);
		s->ksyms[s->nksyms].module = module;
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
		f->module = s->ksyms[lo - 1].module;
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

static struct sym_file *file_of(struct symbolizer *s, int pid, struct mapping *m);

/* What of old is still mapped in fresh: its file, found already, is kept. */
static void keep_files(const struct proc_maps *old, struct proc_maps *fresh)
{
	size_t j = 0;

	for (size_t i = 0; i < fresh->n; i++) {
		struct mapping *m = &fresh->v[i];

		/* both are sorted by address: one pass */
		while (j < old->n && old->v[j].start < m->start)
			j++;
		if (j < old->n && old->v[j].start == m->start && old->v[j].end == m->end &&
		    old->v[j].pgoff == m->pgoff && old->v[j].dev == m->dev &&
		    old->v[j].ino == m->ino && !old->v[j].path == !m->path &&
		    old->v[j].vdso == m->vdso) {
			m->file = old->v[j].file;
			m->file_tried = old->v[j].file_tried;
			m->ours = old->v[j].ours;
			m->vdso_ours = old->v[j].vdso_ours;
		}
	}
}

/* The JIT map of a process that has anonymous executable memory, read while it lives (a JIT
 * may remove its map as it exits) and again when it changed (a JIT adds lines as it
 * compiles); a map that went away keeps what was read. */
/* The JIT maps of all processes together hold at most this many bytes (as files): each is
 * its process's to write, up to 64 MiB, and every process may have one. */
#define JIT_BYTES_MAX	(128ull << 20)
/* A map read again waits 20 times as long as its read took: a process that appends to a
 * large map all the time costs at most about 5% of a CPU. */
#define JIT_WAIT_FACTOR	20

static void read_jit_map(struct symbolizer *s, struct proc_maps *p)
{
	uint64_t before, after;
	bool anon = false;
	int err;

	for (size_t i = 0; i < p->n && !anon; i++)
		anon = !p->v[i].path && !p->v[i].vdso;
	before = mono_now_ns();
	if (!anon || before < p->jit_next_ns)
		return;
	/* the room left, this process's own map given back */
	err = perf_map_reload(s->perf_map_dir, p->pid, p->uid, &p->jit, &p->jit_st,
			      JIT_BYTES_MAX - (s->jit_bytes - p->jit_counted));
	if (err > 0)
		return;		/* unchanged */
	after = mono_now_ns();
	p->jit_next_ns = after + JIT_WAIT_FACTOR * (after - before);
	if (err == -EFBIG)
		s->st.jit_refused++;
	if (err < 0)
		return;		/* gone, refused, or too big: what was read stays */
	s->jit_bytes -= p->jit_counted;
	p->jit_counted = (uint64_t)p->jit_st.st_size;
	s->jit_bytes += p->jit_counted;
	s->st.jit_maps++;
}

/* Whether pid's [vdso] at m is the image we map: the same ELF header (class, machine, the
 * tables' places) read from its memory. A 32-bit process's vdso is another image, maybe of
 * the same size. */
static bool same_vdso(int pid, const struct mapping *m)
{
	const void *ours = (const void *)getauxval(AT_SYSINFO_EHDR);
	unsigned char hdr[64];
	char path[64];
	bool same;
	int fd;

	if (!ours)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	same = pread(fd, hdr, sizeof(hdr), (off_t)m->start) == (ssize_t)sizeof(hdr) &&
	       !memcmp(hdr, ours, sizeof(hdr));
	close(fd);
	return same;
}

int symbolizer_cache_pid(struct symbolizer *s, int pid)
{
	struct proc_maps fresh = { .pid = pid }, *p;
	char path[64], *line = NULL, ns[64] = "", our_ns[64] = "";
	struct slow_fs slow;
	struct stat st;
	size_t cap = 0;
	bool same_ns;
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
		/* executable mappings are where code addresses fall: of files, and anonymous
		 * ones (no name, or "[anon:...]") where a JIT writes code */
		if (perms[2] != 'x')
			continue;
		if (line[name] != '/' && line[name] && strncmp(line + name, "[anon:", 6) &&
		    strcmp(line + name, "[vdso]"))
			continue;
		if (array_grow((void **)&fresh.v, fresh.n, &fresh.cap, sizeof(*fresh.v)))
			break;
		fresh.v[fresh.n] = (struct mapping){ .start = start, .end = end, .pgoff = pgoff,
						     .dev = makedev(major, minor), .ino = ino,
						     .vdso = !strcmp(line + name, "[vdso]") };
		if (line[name] == '/' && !(fresh.v[fresh.n].path = strdup(line + name)))
			continue;
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
		p->pid = pid;
	}
	/* Libraries come and go (ld.so maps them after exec, dlopen later): the new list. */
	keep_files(p, &fresh);
	maps_clear(p);
	free(p->v);
	p->v = fresh.v;
	p->n = fresh.n;
	p->cap = fresh.cap;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (!stat(path, &st))
		p->uid = st.st_uid;
	read_jit_map(s, p);
	/* A file of a FUSE filesystem is never touched: its daemon can stop
	 * answering, and a stat or open would then wait forever (not even SIGKILL ends it).
	 * Its frames show module+offset. The process's mountinfo names each mount's device
	 * and type without touching it. */
	slow_fs_read(pid, &slow);
	/* A path of another mount namespace is not looked up in ours (where it may lead
	 * anywhere, a FUSE mount of ours included). */
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	same_ns = readlink(path, ns, sizeof(ns) - 1) > 0 &&
		  readlink("/proc/self/ns/mnt", our_ns, sizeof(our_ns) - 1) > 0 && !strcmp(ns, our_ns);
	/* A file our path does not reach (deleted, replaced, another mount namespace's) is
	 * read now, while the process lives: once it has exited, neither the files it mapped
	 * (map_files) nor its mount namespace (its root, where its debug links lead) can be
	 * reached, and stacks are often symbolized after that. The others are read at their
	 * first address, which most never have. */
	for (size_t i = 0; i < p->n; i++) {
		struct mapping *m = &p->v[i];

		if (m->vdso && !m->file_tried) {
			m->file_tried = true;
			m->vdso_ours = same_vdso(pid, m);
		}
		if (!m->path || m->file_tried)
			continue;
		if (slow_fs_has(&slow, m->dev)) {
			m->file_tried = true;
			s->st.files_slow++;
			continue;
		}
		m->ours = same_ns && !stat(m->path, &st) && st.st_dev == m->dev &&
			  st.st_ino == m->ino;
		if (!m->ours)
			file_of(s, pid, m);
	}
	slow_fs_free(&slow);
	return 0;
}

void symbolizer_set_perf_map_dir(struct symbolizer *s, const char *dir)
{
	free(s->perf_map_dir);
	s->perf_map_dir = dir ? strdup(dir) : NULL;
}

void symbolizer_stats(const struct symbolizer *s, struct symbolizer_stats *st)
{
	*st = s->st;
}

static struct sym_file *remember(struct symbolizer *s, struct sym_file *f, const struct mapping *m,
				  const struct stat *st)
{
	if (array_grow((void **)&s->files, s->nfiles, &s->files_cap, sizeof(*s->files)))
		return f;	/* only slower: found by opening it next time */
	s->files[s->nfiles++] = (struct file_entry){ f, m->dev, m->ino, st->st_dev, st->st_ino,
						     st->st_size, st->st_mtim };
	return f;
}

/* The file st describes is the one e was read from, unchanged since. */
static bool entry_is(const struct file_entry *e, const struct stat *st)
{
	return e->st_dev == st->st_dev && e->st_ino == st->st_ino && e->st_size == st->st_size &&
	       e->st_mtim.tv_sec == st->st_mtim.tv_sec && e->st_mtim.tv_nsec == st->st_mtim.tv_nsec;
}

static bool file_known(const struct symbolizer *s, const struct sym_file *f)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].f == f)
			return true;
	return false;
}

/* The symbols of the file that m maps in pid: read once per file, shared by every process
 * that maps it. NULL when it cannot be opened and was never read. */
static struct sym_file *file_of(struct symbolizer *s, int pid, struct mapping *m)
{
	char bid[129];
	struct sym_file *f;
	struct stat st;
	int fd;

	if (m->file_tried)
		return m->file;
	m->file_tried = true;
	/* The file the process maps, not whatever its path names now (a FIFO, another file,
	 * the same path in our mount namespace) */
	fd = safe_open_mapping(pid, m->start, m->end, m->path, m->ino, SAFE_ELF_MAX, &st);
	if (fd < 0) {
		/* gone: a file read for it, or another process, earlier */
		for (size_t i = 0; i < s->nfiles; i++)
			if (s->files[i].dev == m->dev && s->files[i].ino == m->ino)
				return m->file = s->files[i].f;
		return NULL;
	}
	for (size_t i = 0; i < s->nfiles; i++)
		if (entry_is(&s->files[i], &st)) {
			s->st.files_shared++;
			close(fd);
			return m->file = s->files[i].f;
		}
	/* Another copy of a system file (a container's libc): its build id is believed only
	 * of files no user but root could have written. */
	if (dwarf_src_trusted(&st) && !elf_build_id(fd, bid, sizeof(bid)))
		for (size_t i = 0; i < s->nfiles; i++) {
			f = s->files[i].f;
			if (sym_file_shareable(f) && !strcmp(sym_file_build_id(f), bid)) {
				s->st.files_shared++;
				close(fd);
				return m->file = remember(s, f, m, &st);
			}
		}
	if (lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return NULL;
	}
	/* a file of our mount namespace: its debug links are found in ours, also once the
	 * process (and its root) is gone */
	f = sym_file_load(fd, &st, m->path, m->ours ? 0 : pid);
	close(fd);
	if (!f)
		return NULL;
	s->st.files_read++;
	s->st.debug_files += sym_file_has_debug_file(f);
	remember(s, f, m, &st);
	if (!file_known(s, f)) {
		/* not even one entry: kept by the mapping alone would leak it */
		sym_file_free(f);
		return NULL;
	}
	return m->file = f;
}

/* The size of our own [vdso] mapping, from our maps; 0 when not found. */
static uint64_t own_vdso_size(void)
{
	char *line = NULL;
	size_t cap = 0;
	uint64_t size = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (!size && getline(&line, &cap, f) > 0) {
		uint64_t start, end;

		if (strstr(line, "[vdso]") &&
		    sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 && end > start)
			size = end - start;
	}
	free(line);
	fclose(f);
	return size;
}

/*
 * The symbols of a process's [vdso] of size bytes: the kernel maps one image into every
 * process of an ABI, so ours, copied out of our memory into a memfd, names theirs (a process
 * of another ABI, 32-bit, maps one of another size: not named). NULL when unknown.
 */
static struct sym_file *vdso_file(struct symbolizer *s, uint64_t size)
{
	const void *image = (const void *)getauxval(AT_SYSINFO_EHDR);
	struct stat st;
	int fd;

	if (!s->vdso_tried) {
		s->vdso_tried = true;
		s->vdso_size = own_vdso_size();
		fd = image && s->vdso_size ? memfd_create("tailtrace-vdso", MFD_CLOEXEC) : -1;
		if (fd >= 0) {
			if (write(fd, image, s->vdso_size) == (ssize_t)s->vdso_size &&
			    !fstat(fd, &st) && !lseek(fd, 0, SEEK_SET))
				s->vdso = sym_file_load(fd, &st, NULL, 0);
			close(fd);
		}
	}
	return size == s->vdso_size ? s->vdso : NULL;
}

static size_t user_frames(struct symbolizer *s, int pid, uint64_t addr, bool call, bool source,
			  struct sym_frame *out, size_t max)
{
	struct sym_file_frame ff[INLINED_MAX + 1];
	struct proc_maps *p = find_proc(s, pid);
	struct mapping *m = NULL;
	const struct perf_sym *jit;
	struct sym_file *file;
	uint64_t off;
	size_t n;

	if (!max)
		return 0;
	out[0] = (struct sym_frame){ 0 };
	if (!p && !symbolizer_cache_pid(s, pid))
		p = find_proc(s, pid);
	for (size_t i = 0; p && i < p->n; i++)
		if (addr >= p->v[i].start && addr < p->v[i].end)
			m = &p->v[i];
	/* Code a JIT wrote: in anonymous memory, or where no mapping is known (mapped since
	 * maps was read) */
	if (p && (!m || (!m->path && !m->vdso)) && (jit = perf_map_find(&p->jit, addr))) {
		out[0].symbol = jit->name;
		out[0].offset = addr - jit->start;
		out[0].module = "[jit]";
		return 1;
	}
	if (m && m->vdso) {
		off = addr - m->start;
		file = m->vdso_ours ? vdso_file(s, m->end - m->start) : NULL;
	} else if (m && m->path) {
		off = addr - m->start + m->pgoff;
		file = file_of(s, pid, m);
	} else {
		return 1;
	}
	n = file ? sym_file_lookup(file, off, call, source, ff,
				   max < INLINED_MAX + 1 ? max : INLINED_MAX + 1) : 0;
	if (!n) {
		ff[0] = (struct sym_file_frame){ 0 };
		n = 1;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (struct sym_frame){
			.symbol = ff[i].symbol, .offset = ff[i].offset,
			.module = m->vdso ? "[vdso]" : m->path,
			.build_id = file && sym_file_build_id(file)[0] ? sym_file_build_id(file) :
									 NULL,
			.file_offset = off, .file = ff[i].file, .line = ff[i].line,
			.inlined = ff[i].inlined,
		};
	return n;
}

size_t symbolizer_user_frames(struct symbolizer *s, int pid, uint64_t addr, bool call,
			      struct sym_frame *out, size_t max)
{
	return user_frames(s, pid, addr, call, true, out, max);
}

void symbolizer_user_frame(struct symbolizer *s, int pid, uint64_t addr, struct sym_frame *f)
{
	struct sym_frame v[INLINED_MAX + 1];
	size_t n = symbolizer_user_frames(s, pid, addr, false, v, INLINED_MAX + 1);

	*f = v[n - 1];
}

const char *symbolizer_user(struct symbolizer *s, int pid, uint64_t addr, char *buf, size_t len)
{
	struct sym_frame f;

	/* a name alone: no DWARF read for it */
	user_frames(s, pid, addr, false, false, &f, 1);
	if (f.symbol) {
		snprintf(buf, len, "%s", f.symbol);
	} else if (f.module) {
		const char *base = strrchr(f.module, '/');

		snprintf(buf, len, f.module[0] == '[' ? "%s+0x%" PRIx64 : "[%s+0x%" PRIx64 "]",
			 base ? base + 1 : f.module, f.file_offset);
	} else {
		snprintf(buf, len, "[unknown]");
	}
	return buf;
}
