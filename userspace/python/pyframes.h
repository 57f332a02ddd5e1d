/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Python frames in native stacks, for every collector that takes stacks with
 * bpf/lib/pystack.bpf.h. It finds the processes that run CPython 3.11 (by the interpreter
 * they map: the python binary or libpython3.11.so), checks that each holds the layout the
 * kernel side reads (abi/pystack.h) and puts it in the collector's pystack_procs map; it
 * names the frames of each Python stack the kernel stored (the code objects read from the
 * process's memory while it lives); and it merges them into a native stack: each
 * _PyEval_EvalFrameDefault frame stands for the Python frames of one evaluator call, which
 * take its place, the native frames above and below staying where they are.
 * A process of another Python version keeps its native frames, with one warning per
 * version; one whose memory does not hold what 3.11 holds there, with one warning.
 */
#ifndef TAILTRACE_PYFRAMES_H
#define TAILTRACE_PYFRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

struct pyframes;

struct pyframes_stats {
	uint64_t processes;	/* registered: CPython 3.11 with the layout checked */
	uint64_t rejected;	/* 3.11 whose memory failed the check */
	uint64_t other;		/* processes of another Python version */
	uint64_t stacks;	/* Python stacks named */
	uint64_t failed;	/* Python stacks that could not be named (shown native) */
	uint64_t codes;		/* code objects read */
	uint64_t stale;		/* frames whose code object was freed before it was named */
	uint64_t deferred;	/* stacks not named when seen: past the time or memory bound */
	uint64_t known;		/* processes known now (any seen, until its exit) */
};

/* procs_fd, stacks_fd: the pystack_procs and pystacks maps of the collector's programs.
 * NULL: no memory. */
struct pyframes *pyframes_new(int procs_fd, int stacks_fd);
void pyframes_free(struct pyframes *pf);

/* A process seen by the collector: looked at once (again every 20 ms while its interpreter
 * is still starting, up to 10 s), and registered when it runs CPython 3.11. Cheap after. */
void pyframes_note_pid(struct pyframes *pf, int pid);
/* A collector that is not told of exec (sched) calls this now and then for each process it
 * sees: a process found to run no interpreter is looked at again (it may have run exec
 * since). */
void pyframes_recheck(struct pyframes *pf, int pid);
/* pid ran exec: what was known of it is another program's. */
void pyframes_exec(struct pyframes *pf, int pid);
/* pid is gone: it leaves the kernel's map; the frames named stay for the report. */
void pyframes_exit(struct pyframes *pf, int pid);

/* Names the frames of Python stack id (from a sample), once: call it while the process
 * lives, as soon as the id is seen. */
void pyframes_resolve(struct pyframes *pf, uint32_t id);

/* Merges the Python frames of one stack into the native user frames given one by one, leaf
 * first. */
struct pymerge {
	const struct pyframes *pf;
	const void *res;	/* the named stack, NULL: none (native frames stay) */
	size_t next;		/* its next frame to place */
};

void pymerge_begin(struct pyframes *pf, uint32_t id, struct pymerge *m);
/* Before a native frame of symbol (NULL: unknown) is added: 1 when it is an evaluator's
 * frame whose Python frames were added to st in its place (the caller adds nothing), 0 when
 * the caller adds it, -ENOMEM. */
int pymerge_frame(struct pymerge *m, const char *symbol, struct stack *st);
/* After the last native frame: the Python frames not placed (a native walk cut short, a
 * frame-pointer walk that never reached the evaluator) go above it. 0 or -ENOMEM. */
int pymerge_end(struct pymerge *m, struct stack *st);

void pyframes_stats(const struct pyframes *pf, struct pyframes_stats *st);

#endif
