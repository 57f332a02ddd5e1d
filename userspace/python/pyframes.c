// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include "abi/pystack.h"
#include "core/clock.h"
#include "core/msg.h"
#include "python/pycode.h"
#include "python/pyframes.h"
#include "python/pyproc.h"

/* A process still starting its interpreter is looked at again this often, this long. */
#define RECHECK_NS	20000000ull
#define RECHECK_FOR_NS	10000000000ull
/* The check reads a running process, which may be midway through pushing a frame: a layout
 * is refused only when this many checks in a row, RECHECK_NS apart, find it wrong. */
#define REFUSE_AFTER	5
/* Most code objects and named stacks kept: past them, stacks stay native (counted). */
#define CODES_MAX	65536
#define NAMED_MAX	65536
/* Most bytes kept of code objects (names, files) and named stacks together: 65536 code
 * objects of the longest names would take 1 GiB, 65536 stacks of 64 frames 100 MiB. */
#define KEPT_MAX	(64ull << 20)
/* Most time spent reading code objects, a share of each window: a process of 70,000 code
 * objects makes every stack new, and the ring's drain has other records to handle. Stacks
 * past it are not named now (the next sample of theirs may be). */
#define READ_WINDOW_NS	100000000ull
#define READ_BUDGET_NS	20000000ull
/* Most other versions warned about (each once). */
#define VERSIONS_MAX	8

enum proc_state { PROC_STARTING, PROC_PYTHON, PROC_NOT };

struct proc {
	int pid;
	enum proc_state state;
	uint32_t gen;		/* the reader's count of programs seen: code addresses of one
				 * program (a pid before an exec, or reused) are not another's */
	int mem_fd;		/* /proc/PID/mem while registered, else -1 */
	bool warned;		/* another version, or a layout refused: said once */
	int failed;		/* checks in a row that found the layout wrong */
	struct pyproc info;
	uint64_t first_ns, next_ns;
};

struct code {
	int pid;
	uint32_t gen;
	uint64_t addr;
	uint64_t ident;		/* as the kernel read it when it took the frame */
	int err;		/* 0: c holds it */
	struct pycode c;
};

struct named_frame {
	const struct code *code;
	uint32_t line;
	bool entry;
	uint64_t addr;
};

struct named {
	uint32_t id;
	size_t n;
	struct named_frame *f;	/* innermost first; NULL n 0: the stack could not be named */
};

struct pyframes {
	int procs_fd, stacks_fd;
	struct proc *procs;
	size_t nprocs, procs_cap;
	/* pid -> index in procs + 1, 0 empty; open addressing, linear probing, twice procs_cap:
	 * a fork storm's processes are looked up at every sample and removed at their exit */
	uint32_t *by_pid;
	size_t by_pid_mask;
	uint32_t gens;
	/* open addressing: pointers, NULL empty; tables twice their maximum */
	struct code **codes;
	size_t ncodes, codes_mask;
	struct named **named;
	size_t nnamed, named_mask;
	uint64_t kept;		/* bytes, against KEPT_MAX */
	uint64_t window_ns, spent_ns;	/* reading, in the window that began at window_ns */
	uint8_t *scratch;	/* a location table's bytes, PYCODE_LINETABLE_MAX */
	uint32_t versions[VERSIONS_MAX];
	size_t nversions;
	struct pyframes_stats stats;
};

struct pyframes *pyframes_new(int procs_fd, int stacks_fd)
{
	struct pyframes *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	pf->procs_fd = procs_fd;
	pf->stacks_fd = stacks_fd;
	pf->codes_mask = 2 * CODES_MAX - 1;
	pf->named_mask = 2 * NAMED_MAX - 1;
	pf->codes = calloc(2 * CODES_MAX, sizeof(*pf->codes));
	pf->named = calloc(2 * NAMED_MAX, sizeof(*pf->named));
	pf->scratch = malloc(PYCODE_LINETABLE_MAX);
	if (!pf->codes || !pf->named || !pf->scratch) {
		pyframes_free(pf);
		return NULL;
	}
	return pf;
}

void pyframes_free(struct pyframes *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->nprocs; i++)
		if (pf->procs[i].mem_fd >= 0)
			close(pf->procs[i].mem_fd);
	for (size_t i = 0; pf->codes && i <= pf->codes_mask; i++) {
		if (pf->codes[i]) {
			pycode_free(&pf->codes[i]->c);
			free(pf->codes[i]);
		}
	}
	for (size_t i = 0; pf->named && i <= pf->named_mask; i++) {
		if (pf->named[i]) {
			free(pf->named[i]->f);
			free(pf->named[i]);
		}
	}
	free(pf->codes);
	free(pf->named);
	free(pf->scratch);
	free(pf->procs);
	free(pf->by_pid);
	free(pf);
}

static size_t pid_home(const struct pyframes *pf, int pid)
{
	/* the product's high half depends on every bit of pid */
	return (size_t)((((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ull) >> 32) &
			pf->by_pid_mask);
}

/* The slot of pid in by_pid, or the empty slot where it would go. */
static uint32_t *pid_slot(struct pyframes *pf, int pid)
{
	size_t i = pid_home(pf, pid);

	while (pf->by_pid[i] && pf->procs[pf->by_pid[i] - 1].pid != pid)
		i = (i + 1) & pf->by_pid_mask;
	return &pf->by_pid[i];
}

static struct proc *find_proc(struct pyframes *pf, int pid)
{
	uint32_t *slot;

	if (!pf->by_pid)
		return NULL;
	slot = pid_slot(pf, pid);
	return *slot ? &pf->procs[*slot - 1] : NULL;
}

/* Room for one more process: procs and by_pid grown (by_pid rebuilt). 0 or -ENOMEM. */
static int procs_reserve(struct pyframes *pf)
{
	size_t cap = pf->procs_cap ? 2 * pf->procs_cap : 32;
	struct proc *v;
	uint32_t *t;

	if (pf->nprocs < pf->procs_cap)
		return 0;
	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	v = realloc(pf->procs, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pf->procs = v;
	t = calloc(2 * cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	free(pf->by_pid);
	pf->by_pid = t;
	pf->by_pid_mask = 2 * cap - 1;
	pf->procs_cap = cap;
	for (size_t i = 0; i < pf->nprocs; i++)
		*pid_slot(pf, pf->procs[i].pid) = (uint32_t)i + 1;
	return 0;
}

/* Forgets p (unregistered already): the last process takes its place in procs, and the
 * slots after its own move back where their probe allows (deletion in linear probing). */
static void remove_proc(struct pyframes *pf, struct proc *p)
{
	size_t idx = (size_t)(p - pf->procs), hole = pid_slot(pf, p->pid) - pf->by_pid;
	size_t last = pf->nprocs - 1;

	pf->by_pid[hole] = 0;
	for (size_t i = (hole + 1) & pf->by_pid_mask; pf->by_pid[i];
	     i = (i + 1) & pf->by_pid_mask) {
		size_t home = pid_home(pf, pf->procs[pf->by_pid[i] - 1].pid);

		/* it may fill the hole when its home is not cyclically in (hole, i] */
		if (((i - home) & pf->by_pid_mask) >= ((i - hole) & pf->by_pid_mask)) {
			pf->by_pid[hole] = pf->by_pid[i];
			pf->by_pid[i] = 0;
			hole = i;
		}
	}
	if (idx != last) {
		pf->procs[idx] = pf->procs[last];
		*pid_slot(pf, pf->procs[idx].pid) = (uint32_t)idx + 1;
	}
	pf->nprocs--;
}

static void unregister(struct pyframes *pf, struct proc *p)
{
	__u32 key = (__u32)p->pid;

	if (p->mem_fd >= 0) {
		bpf_map_delete_elem(pf->procs_fd, &key);
		close(p->mem_fd);
		p->mem_fd = -1;
	}
}

static void warn_other(struct pyframes *pf, struct proc *p)
{
	uint32_t v = p->info.version;

	p->warned = true;
	pf->stats.other++;
	for (size_t i = 0; i < pf->nversions; i++)
		if (pf->versions[i] == v)
			return;
	if (pf->nversions < VERSIONS_MAX)
		pf->versions[pf->nversions++] = v;
	if (v)
		msg_warn("pid %d runs Python %u.%u (%s): tailtrace reads the frames of CPython "
			 "3.11 only; the stacks of Python %u.%u processes show native frames",
			 p->pid, v >> 24, (v >> 16) & 0xff, p->info.file, v >> 24,
			 (v >> 16) & 0xff);
	else
		msg_warn("pid %d runs a Python older than 3.11 (%s): tailtrace reads the frames "
			 "of CPython 3.11 only; the stacks of such processes show native frames",
			 p->pid, p->info.file);
}

/* Checks a 3.11 process's layout and registers it; p->state says what came of it. */
static void check(struct pyframes *pf, struct proc *p, uint64_t now)
{
	struct pystack_proc val = { .runtime = p->info.runtime };
	__u32 key = (__u32)p->pid;
	char path[64], why[160];
	int err;

	if (p->mem_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/mem", p->pid);
		p->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->mem_fd < 0) {
			p->state = PROC_NOT;	/* gone */
			return;
		}
	}
	err = pyproc_check(p->pid, p->mem_fd, &p->info, why, sizeof(why));
	p->failed = err == -EBADMSG ? p->failed + 1 : 0;
	if (err == -EBADMSG && p->failed < REFUSE_AFTER)
		err = -EAGAIN;
	if (err == -EAGAIN && now - p->first_ns < RECHECK_FOR_NS) {
		p->next_ns = now + RECHECK_NS;
		return;
	}
	if (err == -EBADMSG) {
		p->warned = true;
		pf->stats.rejected++;
		msg_warn("pid %d maps CPython 3.11 (%s) but its memory does not hold what 3.11 "
			 "holds there: %s; its stacks show native frames", p->pid, p->info.file,
			 why);
	}
	if (!err && bpf_map_update_elem(pf->procs_fd, &key, &val, BPF_ANY)) {
		msg_verbose("pid %d: no room to take its Python frames: %s", p->pid,
			    strerror(errno));
		err = -ENOSPC;
	}
	if (err) {
		close(p->mem_fd);
		p->mem_fd = -1;
		p->state = PROC_NOT;
		return;
	}
	pf->stats.processes++;
	msg_verbose("pid %d runs CPython 3.11 (%s, _PyRuntime at 0x%llx): its stacks show "
		    "Python frames", p->pid, p->info.file, (unsigned long long)p->info.runtime);
	p->state = PROC_PYTHON;
}

void pyframes_note_pid(struct pyframes *pf, int pid)
{
	struct proc *p = find_proc(pf, pid);
	uint64_t now = mono_now_ns();

	if (!p) {
		if (procs_reserve(pf))
			return;
		p = &pf->procs[pf->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = pid;
		p->gen = ++pf->gens;
		p->mem_fd = -1;
		*pid_slot(pf, pid) = (uint32_t)pf->nprocs;
		p->first_ns = now;
		switch (pyproc_find(pid, &p->info)) {
		case PYPROC_NONE:
			p->state = PROC_NOT;
			return;
		case PYPROC_OTHER:
			p->state = PROC_NOT;
			warn_other(pf, p);
			return;
		case PYPROC_311:
			p->state = PROC_STARTING;
			break;
		}
	}
	if (p->state == PROC_STARTING && now >= p->next_ns)
		check(pf, p, now);
}

void pyframes_exec(struct pyframes *pf, int pid)
{
	struct proc *p = find_proc(pf, pid);

	if (!p)
		return;
	unregister(pf, p);
	/* looked at anew when next seen, its code objects another program's */
	p->gen = ++pf->gens;
	p->state = PROC_STARTING;
	p->first_ns = mono_now_ns();
	p->next_ns = 0;
	if (pyproc_find(pid, &p->info) != PYPROC_311) {
		p->state = PROC_NOT;
		if (p->info.file[0])
			warn_other(pf, p);
	}
}

void pyframes_recheck(struct pyframes *pf, int pid)
{
	struct proc *p = find_proc(pf, pid);

	if (!p || p->state != PROC_NOT || p->warned)
		return;
	if (pyproc_find(pid, &p->info) != PYPROC_311) {
		if (p->info.file[0])
			warn_other(pf, p);
		return;
	}
	p->gen = ++pf->gens;
	p->state = PROC_STARTING;
	p->first_ns = mono_now_ns();
	p->next_ns = 0;
	check(pf, p, p->first_ns);
}

void pyframes_exit(struct pyframes *pf, int pid)
{
	struct proc *p = find_proc(pf, pid);

	if (p) {
		unregister(pf, p);
		remove_proc(pf, p);
	}
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 1099511628211ull;
}

/* The code object at addr whose identity the kernel read as ident, or NULL: unreadable, not
 * a code object, or another one by now (the one of the frame was freed, and its address
 * reused: its name would be wrong). */
static const struct code *get_code(struct pyframes *pf, struct proc *p, uint64_t addr,
				   uint64_t ident)
{
	uint64_t h = mix(mix(mix(mix(1469598103934665603ull, (uint64_t)p->pid), p->gen), addr),
			 ident);
	size_t slot = h & pf->codes_mask;
	struct code *c;

	for (; pf->codes[slot]; slot = (slot + 1) & pf->codes_mask) {
		c = pf->codes[slot];
		if (c->pid == p->pid && c->gen == p->gen && c->addr == addr && c->ident == ident)
			return c->err ? NULL : c;
	}
	if (pf->ncodes == CODES_MAX || p->mem_fd < 0 || pf->kept >= KEPT_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pid = p->pid;
	c->gen = p->gen;
	c->addr = addr;
	c->ident = ident;
	c->err = pycode_read(p->mem_fd, &p->info.types, addr, &c->c);
	/* a process gone is not a code object that is not one: read it again next time; a
	 * code object that is not the frame's may be some other frame's */
	if (c->err == -EFAULT || c->err == -ENOMEM || (!c->err && c->c.ident != ident)) {
		if (!c->err)
			pf->stats.stale++;
		pycode_free(&c->c);
		free(c);
		return NULL;
	}
	pf->codes[slot] = c;
	pf->ncodes++;
	pf->kept += sizeof(*c);
	if (!c->err)
		pf->kept += strlen(c->c.qualname) + strlen(c->c.filename) + 2;
	pf->stats.codes++;
	return c->err ? NULL : c;
}

static struct named **named_slot(const struct pyframes *pf, uint32_t id)
{
	size_t slot = mix(1469598103934665603ull, id) & pf->named_mask;

	while (pf->named[slot] && pf->named[slot]->id != id)
		slot = (slot + 1) & pf->named_mask;
	return &pf->named[slot];
}

/* The frames of ps named, or -EFAULT / -EBADMSG / -ENOMEM. */
static int name_frames(struct pyframes *pf, struct proc *p, const struct pystack *ps,
		       struct named *nd)
{
	size_t n = ps->nframes < PYSTACK_MAX_FRAMES ? ps->nframes : PYSTACK_MAX_FRAMES;

	nd->f = calloc(n ? n : 1, sizeof(*nd->f));
	if (!nd->f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t addr = ps->frames[i].code & ~PYSTACK_ENTRY;
		const struct code *c = get_code(pf, p, addr, ps->frames[i].ident);
		int64_t at;

		if (!c)
			return -EBADMSG;
		/* prev_instr: the last instruction run, an offset in code units from the
		 * first; before it (a frame not started) the function's first line */
		at = (int64_t)(ps->frames[i].instr - (addr + PY311_CODE_ADAPTIVE));
		nd->f[i].code = c;
		nd->f[i].addr = addr;
		nd->f[i].entry = ps->frames[i].code & PYSTACK_ENTRY;
		nd->f[i].line = (uint32_t)pycode_line_at(p->mem_fd, &c->c,
							 ps->frames[i].instr < addr +
							 PY311_CODE_ADAPTIVE ? -1 : at,
							 pf->scratch);
	}
	nd->n = n;
	return 0;
}

void pyframes_resolve(struct pyframes *pf, uint32_t id)
{
	struct named **slot, *nd;
	struct pystack ps;
	struct proc *p;
	uint64_t now;
	int err;

	if (!id || pf->nnamed == NAMED_MAX)
		return;
	slot = named_slot(pf, id);
	if (*slot)
		return;
	now = mono_now_ns();
	if (now - pf->window_ns >= READ_WINDOW_NS) {
		pf->window_ns = now;
		pf->spent_ns = 0;
	}
	if (pf->spent_ns >= READ_BUDGET_NS || pf->kept >= KEPT_MAX) {
		pf->stats.deferred++;
		return;
	}
	if (bpf_map_lookup_elem(pf->stacks_fd, &id, &ps))
		return;
	p = find_proc(pf, (int)ps.tgid);
	if (!p || p->state != PROC_PYTHON)
		return;
	nd = calloc(1, sizeof(*nd));
	if (!nd)
		return;
	nd->id = id;
	err = name_frames(pf, p, &ps, nd);
	pf->spent_ns += mono_now_ns() - now;
	pf->kept += sizeof(*nd) + nd->n * sizeof(*nd->f);
	if (err) {
		/* shown native; not tried again (a hostile process could make it costly) */
		free(nd->f);
		nd->f = NULL;
		nd->n = 0;
		pf->stats.failed++;
	} else {
		pf->stats.stacks++;
	}
	*slot = nd;
	pf->nnamed++;
}

void pymerge_begin(struct pyframes *pf, uint32_t id, struct pymerge *m)
{
	struct named *nd = id ? *named_slot(pf, id) : NULL;

	m->pf = pf;
	m->res = nd && nd->n ? nd : NULL;
	m->next = 0;
}

static int add_python_frame(struct stack *st, const struct named_frame *f)
{
	if (stack_add_frame(st, f->addr, f->code->c.qualname, 0, f->code->c.filename, NULL,
			    FRAME_INTERP))
		return -ENOMEM;
	return frame_set_source(&st->frames[st->nframes - 1], f->code->c.filename, f->line,
				false);
}

int pymerge_frame(struct pymerge *m, const char *symbol, struct stack *st)
{
	const struct named *nd = m->res;

	if (!nd || m->next >= nd->n || !symbol || strcmp(symbol, "_PyEval_EvalFrameDefault"))
		return 0;
	/* one evaluator call: its frames up to and with the one it was entered with */
	while (m->next < nd->n) {
		const struct named_frame *f = &nd->f[m->next++];

		if (add_python_frame(st, f))
			return -ENOMEM;
		if (f->entry)
			break;
	}
	return 1;
}

int pymerge_end(struct pymerge *m, struct stack *st)
{
	const struct named *nd = m->res;

	while (nd && m->next < nd->n)
		if (add_python_frame(st, &nd->f[m->next++]))
			return -ENOMEM;
	return 0;
}

void pyframes_stats(const struct pyframes *pf, struct pyframes_stats *st)
{
	*st = pf->stats;
	st->known = pf->nprocs;
}
