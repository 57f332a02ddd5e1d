// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* User stacks unwound from a copy of their bytes with the binaries' CFI, by libdwfl. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <elfutils/libdwfl.h>
#include "core/array.h"
#include "core/clock.h"
#include "core/safe_open.h"
#include "core/slow_fs.h"
#include "unwind/elf_cache.h"
#include "unwind/unwind.h"

/* Sessions kept (a busy host has more processes; the least recently sampled go). */
#define PROCS_MAX	1024
#define PROC_BUCKETS	256
/* ELF files held open; those in use by a session are never dropped. */
#define FILES_MAX	256
/* A session is rebuilt from maps at most this often, when its code is not where maps said. */
#define REBUILD_NS	(100 * 1000 * 1000ULL)
/* A rebuild that did not help (a garbage stack's return addresses point nowhere, not to a
 * library loaded since) doubles the process's wait before the next, up to this: each costs
 * reading maps and reporting every module again, which a hostile process could otherwise
 * make tailtrace do ten times a second. */
#define REBUILD_MAX_NS	(10 * 1000 * 1000 * 1000ULL)

struct module {
	struct unwinder *u;
	struct mapped_file m;	/* its mapping at file offset 0 */
	uint64_t low, high;	/* the addresses of its mappings, reported to libdwfl */
	bool vdso;
	struct elf_file *file;	/* taken when libdwfl first needs the module's ELF */
};

struct proc {
	struct proc *next;	/* in its hash bucket */
	int pid;
	Dwfl *dwfl;
	struct module **mods;
	size_t nmods, mods_cap;
	uint64_t built_ns, last_used;
	uint64_t rebuild_wait_ns;	/* 0: REBUILD_NS */
	/* The sample being unwound: what memory_read may read. */
	const uint64_t *regs;
	uint64_t stack_addr;
	const unsigned char *stack;
	size_t len;
};

struct unwinder {
	struct elf_cache *files;
	struct proc *buckets[PROC_BUCKETS];
	size_t nprocs;
	uint64_t clock;
	struct unwind_stats st;
};

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	struct module *m = *userdata;

	(void)mod;
	(void)name;
	(void)base;
	(void)file_name;
	*elfp = NULL;
	if (!m)
		return -1;
	if (!m->file)
		m->file = m->vdso ? elf_cache_vdso(m->u->files) : elf_cache_get(m->u->files, &m->m);
	if (m->file)
		*elfp = elf_file_ref(m->file);
	/* No fd: libdwfl then never opens a path of its own, nor closes our file. */
	return -1;
}

/* .debug_frame, for code whose .eh_frame lacks it, from a debug file found by build id in
 * root's /usr/lib/debug only: never a path the traced process names. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			  const char *file_name, const char *debuglink, GElf_Word crc,
			  char **debuginfo_file_name)
{
	const unsigned char *bits;
	char path[200];
	GElf_Addr vaddr;
	int len, off, fd;

	(void)userdata;
	(void)name;
	(void)base;
	(void)file_name;
	(void)debuglink;
	(void)crc;
	len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len < 2 || len > 64)
		return -1;
	off = snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/", bits[0]);
	for (int i = 1; i < len; i++)
		off += snprintf(path + off, sizeof(path) - off, "%02x", bits[i]);
	snprintf(path + off, sizeof(path) - off, ".debug");
	fd = safe_open(path, SAFE_ELF_MAX, NULL);
	if (fd < 0)
		return -1;
	*debuginfo_file_name = strdup(path);
	return fd;
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct proc *p = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = p;
	return p->pid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)tid;
	*thread_argp = arg;
	return true;
}

/* Outside the stack copy: a word of a read-only segment of a mapped file, which is what the
 * process sees there. Writable memory is never read: it is not in the sample. */
static bool read_file_word(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	struct module *m = NULL;
	void **userdata = NULL;
	Dwarf_Addr bias;
	size_t phnum;
	Elf *elf;

	if (!mod || !(elf = dwfl_module_getelf(mod, &bias)) || elf_getphdrnum(elf, &phnum))
		return false;
	dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	if (userdata)
		m = *userdata;
	if (!m || !m->file)
		return false;
	addr -= bias;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || (ph.p_flags & PF_W))
			continue;
		if (addr < ph.p_vaddr || ph.p_filesz < sizeof(*result) ||
		    addr - ph.p_vaddr > ph.p_filesz - sizeof(*result))
			continue;
		return !elf_file_read(m->file, ph.p_offset + (addr - ph.p_vaddr), result,
				      sizeof(*result));
	}
	return false;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct proc *p = arg;

	if (p->len >= sizeof(*result) && addr >= p->stack_addr &&
	    addr - p->stack_addr <= p->len - sizeof(*result)) {
		memcpy(result, p->stack + (addr - p->stack_addr), sizeof(*result));
		return true;
	}
	return read_file_word(dwfl, addr, result);
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct proc *p = arg;
	Dwarf_Word regs[USTACK_NREGS];

	for (int i = 0; i < USTACK_NREGS; i++)
		regs[i] = p->regs[i];
	if (!dwfl_thread_state_registers(thread, 0, USTACK_NREGS, regs))
		return false;
	dwfl_thread_state_register_pc(thread, p->regs[USTACK_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

struct unwinder *unwinder_new(void)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->files = elf_cache_new(FILES_MAX);
	if (!u->files) {
		free(u);
		return NULL;
	}
	return u;
}

/* The session's end: libdwfl's references to the files go first, then ours. */
static void session_end(struct unwinder *u, struct proc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	for (size_t i = 0; i < p->nmods; i++) {
		if (!p->mods[i]->vdso)
			elf_cache_put(u->files, p->mods[i]->file);
		free((char *)p->mods[i]->m.path);
		free(p->mods[i]);
	}
	free(p->mods);
	p->mods = NULL;
	p->nmods = p->mods_cap = 0;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	for (size_t b = 0; b < PROC_BUCKETS; b++) {
		while (u->buckets[b]) {
			struct proc *p = u->buckets[b];

			u->buckets[b] = p->next;
			session_end(u, p);
			free(p);
		}
	}
	elf_cache_free(u->files);
	free(u);
}

static struct proc **bucket(struct unwinder *u, int pid)
{
	return &u->buckets[(unsigned int)pid % PROC_BUCKETS];
}

static struct proc *find_proc(struct unwinder *u, int pid)
{
	for (struct proc *p = *bucket(u, pid); p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void drop_proc(struct unwinder *u, struct proc *p)
{
	struct proc **pp = bucket(u, p->pid);

	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	session_end(u, p);
	free(p);
	u->nprocs--;
}

void unwinder_forget(struct unwinder *u, int pid)
{
	struct proc *p = find_proc(u, pid);

	if (p)
		drop_proc(u, p);
}

/* A file's mappings from the one at offset 0 up, while they follow in maps; a module when one
 * of them is executable. The first is where its first PT_LOAD (file offset 0) lies: libdwfl
 * takes the load bias from its start. */
struct group {
	struct mapped_file m;
	uint64_t high;
	bool exec;
	char path[PATH_MAX];
};

static int add_module(struct proc *p, struct unwinder *u, const struct mapped_file *m,
		      uint64_t high, bool vdso)
{
	struct module *mod;

	if (array_grow((void **)&p->mods, p->nmods, &p->mods_cap, sizeof(*p->mods)))
		return -ENOMEM;
	mod = calloc(1, sizeof(*mod));
	if (!mod)
		return -ENOMEM;
	*mod = (struct module){ .u = u, .m = *m, .low = m->start, .high = high, .vdso = vdso };
	mod->m.path = strdup(m->path);
	if (!mod->m.path) {
		free(mod);
		return -ENOMEM;
	}
	p->mods[p->nmods++] = mod;
	return 0;
}

static int group_end(struct proc *p, struct unwinder *u, struct group *g)
{
	int err = 0;

	if (g->m.path && g->exec)
		err = add_module(p, u, &g->m, g->high, false);
	g->m.path = NULL;
	return err;
}

/* The executable files pid maps, and its vDSO, as the modules of p. */
static int read_maps(struct proc *p, struct unwinder *u)
{
	char path[64], *line = NULL;
	struct group g = { 0 };
	struct slow_fs slow;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", p->pid);
	f = safe_fopen(path, SAFE_TEXT_MAX);
	if (!f)
		return -ESRCH;
	/* a file of a FUSE filesystem could block its reader forever: not a
	 * module (its frames end the stack) */
	slow_fs_read(p->pid, &slow);
	while (!err && getline(&line, &cap, f) > 0) {
		uint64_t start, end, pgoff, ino;
		unsigned int major, minor;
		char perms[8];
		int name = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &start, &end, perms, &pgoff, &major, &minor, &ino, &name) < 7 || !name)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (g.m.path && makedev(major, minor) == g.m.dev && ino == g.m.ino && pgoff &&
		    start >= g.high) {
			g.high = end;
			g.exec |= perms[2] == 'x';
			continue;
		}
		err = group_end(p, u, &g);
		if (!err && !strcmp(line + name, "[vdso]")) {
			struct mapped_file m = { p->pid, start, end, 0, 0, "[vdso]" };

			err = add_module(p, u, &m, end, true);
		}
		/* a longer path is no file this process could have opened */
		if (err || line[name] != '/' || pgoff || strlen(line + name) >= sizeof(g.path) ||
		    slow_fs_has(&slow, makedev(major, minor)))
			continue;
		strcpy(g.path, line + name);
		g.m = (struct mapped_file){ p->pid, start, end, makedev(major, minor), ino, g.path };
		g.high = end;
		g.exec = perms[2] == 'x';
	}
	if (!err)
		err = group_end(p, u, &g);
	free(line);
	fclose(f);
	slow_fs_free(&slow);
	return err;
}

/* A libdwfl session for p from its maps: modules are only listed here; their files are
 * opened when an unwind first needs them (find_elf). */
static int session_build(struct unwinder *u, struct proc *p)
{
	struct elf_file *vdso;
	int err;

	session_end(u, p);
	err = read_maps(p, u);
	if (err)
		return err;
	p->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!p->dwfl)
		return -ENOMEM;
	dwfl_report_begin(p->dwfl);
	for (size_t i = 0; i < p->nmods; i++) {
		struct module *m = p->mods[i];
		Dwfl_Module *mod = dwfl_report_module(p->dwfl, m->m.path, m->low, m->high);
		void **userdata;

		/* NULL: it overlaps one reported already (a process may map anything) */
		if (mod && dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL))
			*userdata = m;
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
	/* The architecture is the host's (files for another are refused): any ELF of ours
	 * tells libdwfl, without opening one of the process's first. libdwfl does not
	 * release it. */
	vdso = elf_cache_vdso(u->files);
	if (!dwfl_attach_state(p->dwfl, vdso ? elf_file_elf(vdso) : NULL, p->pid,
			       &thread_callbacks, p)) {
		session_end(u, p);
		return -ENOMEM;
	}
	p->built_ns = mono_now_ns();
	u->st.processes++;
	return 0;
}

static struct proc *get_proc(struct unwinder *u, int pid, int *err)
{
	struct proc *p = find_proc(u, pid), *lru = NULL;

	*err = 0;
	if (p)
		return p;
	if (u->nprocs >= PROCS_MAX) {
		for (size_t b = 0; b < PROC_BUCKETS; b++)
			for (struct proc *q = u->buckets[b]; q; q = q->next)
				if (!lru || q->last_used < lru->last_used)
					lru = q;
		drop_proc(u, lru);
		u->st.forgotten++;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->pid = pid;
	*err = session_build(u, p);
	if (*err) {
		session_end(u, p);
		free(p);
		return NULL;
	}
	p->next = *bucket(u, pid);
	*bucket(u, pid) = p;
	u->nprocs++;
	return p;
}

struct walk {
	uint64_t *ips;
	size_t max, n;
	bool full;
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;

	if (!dwfl_frame_pc(state, &pc, NULL))
		return DWARF_CB_ABORT;
	w->ips[w->n++] = pc;
	if (w->n < w->max)
		return DWARF_CB_OK;
	w->full = true;
	return DWARF_CB_ABORT;
}

/* The module of the walk's last frame, looked up where its call is (a return address may be
 * the first byte past its function). */
static Dwfl_Module *last_module(Dwfl *dwfl, const struct walk *w)
{
	if (!w->n)
		return NULL;
	return dwfl_addrmodule(dwfl, w->ips[w->n - 1] - (w->n > 1));
}

/* 1 when the CFI of pc marks the return address undefined (the frame has no caller), 0 when
 * it says where it is, -1 when it has nothing for pc. */
static int ra_undefined(Dwarf_CFI *cfi, Dwarf_Addr pc)
{
	Dwarf_Op ops_mem[3], *ops;
	Dwarf_Frame *frame;
	size_t nops;
	int ra, undefined;

	if (!cfi || dwarf_cfi_addrframe(cfi, pc, &frame))
		return -1;
	ra = dwarf_frame_info(frame, NULL, NULL, NULL);
	undefined = ra >= 0 && !dwarf_frame_register(frame, ra, ops_mem, &ops, &nops) && !nops &&
		    ops == ops_mem;
	free(frame);
	return undefined;
}

/*
 * Whether the walk reached the thread's start. libdwfl ends a walk the same way when the
 * CFI says there is no caller and when the return address could not be read (past the end
 * of the copy), so the last frame's CFI is asked: glibc's _start and clone3/clone mark the
 * return address undefined, and nothing else does. .debug_frame only where .eh_frame has
 * nothing: it means reading a debug file.
 */
static bool reached_start(Dwfl *dwfl, const struct walk *w)
{
	Dwfl_Module *mod = last_module(dwfl, w);
	Dwarf_Addr pc, bias = 0;
	Dwarf_CFI *cfi;
	int found;

	if (!mod)
		return false;
	pc = w->ips[w->n - 1] - (w->n > 1);
	cfi = dwfl_module_eh_cfi(mod, &bias);
	found = ra_undefined(cfi, pc - bias);
	if (found >= 0)
		return found;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	return ra_undefined(cfi, pc - bias) > 0;
}

/* 0 when the walk reached the thread's start, 1 when it stopped before. */
static int walk(struct proc *p, struct walk *w)
{
	int rc;

	w->n = 0;
	w->full = false;
	rc = dwfl_getthread_frames(p->dwfl, p->pid, frame_cb, w);
	return rc || w->full || !reached_start(p->dwfl, w);
}

int unwinder_unwind(struct unwinder *u, int pid, const uint64_t regs[USTACK_NREGS],
		    uint64_t stack_addr, const void *stack, size_t len, uint64_t *ips,
		    size_t max, size_t *n, bool *complete)
{
	struct walk w = { .ips = ips, .max = max };
	struct proc *p;
	int err;

	*n = 0;
	*complete = false;
	if (!max)
		return -EINVAL;
	p = get_proc(u, pid, &err);
	if (!p)
		return err;
	p->last_used = ++u->clock;
	p->regs = regs;
	p->stack_addr = stack_addr;
	p->stack = stack;
	p->len = len;
	err = walk(p, &w);
	/* Code where no module is: maps changed since they were read (dlopen, exec). */
	if (err && !w.full && !last_module(p->dwfl, &w) &&
	    mono_now_ns() - p->built_ns >= (p->rebuild_wait_ns ? p->rebuild_wait_ns : REBUILD_NS)) {
		u->st.rebuilt++;
		if (session_build(u, p)) {
			drop_proc(u, p);
			return -ESRCH;
		}
		err = walk(p, &w);
		if (err && !w.full && !last_module(p->dwfl, &w))
			p->rebuild_wait_ns = p->rebuild_wait_ns * 2 > REBUILD_MAX_NS ? REBUILD_MAX_NS :
					     p->rebuild_wait_ns ? p->rebuild_wait_ns * 2 :
								  2 * REBUILD_NS;
		else
			p->rebuild_wait_ns = 0;
	}
	p->stack = NULL;
	p->len = 0;
	*n = w.n;
	*complete = !err;
	u->st.samples++;
	u->st.complete += !err;
	u->st.truncated += w.full;
	return 0;
}

int unwinder_unwind_sample(struct unwinder *u, const struct ustack_sample *s, size_t rec_len,
			   uint64_t *ips, size_t max, size_t *n, bool *complete)
{
	uint64_t regs[USTACK_NREGS];

	*n = 0;
	*complete = false;
	if (rec_len < USTACK_HEADER_SIZE || s->size > USTACK_MAX ||
	    s->size > rec_len - USTACK_HEADER_SIZE)
		return -EINVAL;
	/* __u64 is another type than uint64_t, for the compiler's aliasing rules */
	for (int i = 0; i < USTACK_NREGS; i++)
		regs[i] = s->regs[i];
	return unwinder_unwind(u, s->tgid, regs, s->base, s->stack, s->size, ips, max, n,
			       complete);
}

void unwinder_stats(const struct unwinder *u, struct unwind_stats *st)
{
	struct elf_cache_stats fs;

	*st = u->st;
	elf_cache_stats(u->files, &fs);
	st->files_opened = fs.opened;
	st->files_shared = fs.shared;
	st->files_failed = fs.failed;
}
