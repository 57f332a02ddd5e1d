/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A stack's frames as the symbolizer knows them: what every stack-producing collector adds. */
#ifndef TAILTRACE_SYM_FRAMES_H
#define TAILTRACE_SYM_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include "model/model.h"
#include "python/pyframes.h"
#include "symbols/symbolizer.h"

/*
 * Appends the frames of user address addr of pid to st: the functions inlined there (inlined,
 * with their file and line) and then the function holding it. call: addr is a return address
 * (every frame but a stack's leaf). A frame without a symbol keeps the offset in its module's
 * file, for "module+0xoffset". only_mapped: an address in no mapping known adds nothing.
 * py (NULL: none): a Python stack being merged (python/pyframes.h); where addr is in the
 * interpreter's evaluator, its Python frames take the place of the native ones.
 * 0, 1 (only_mapped, and nothing added), or -ENOMEM.
 */
int sym_frames_add_user(struct symbolizer *sym, struct stack *st, int pid, uint64_t addr,
			bool call, bool only_mapped, struct pymerge *py);
/* The same for a kernel address. */
int sym_frames_add_kernel(struct symbolizer *sym, struct stack *st, uint64_t addr);
/* Appends a kernel stack, ips[0..n) leaf first (a 0 ends it sooner), less its leaf frames in
 * the tracer itself (bpf_*, __bpf_*, __traceiter_*: a stack taken in a BPF program begins
 * there, not in the thread's code). 0 or -ENOMEM. */
int sym_frames_add_kernel_stack(struct symbolizer *sym, struct stack *st, const uint64_t *ips,
				size_t n);

#endif
