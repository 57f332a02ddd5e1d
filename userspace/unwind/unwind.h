/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whole user stacks of code built without frame pointers: a sample's registers and a copy
 * of its stack (bpf/abi/ustack.h) unwound with the binaries' call frame information
 * (.eh_frame, or .debug_frame from /usr/lib/debug/.build-id), by elfutils' libdwfl.
 *
 * Memory is read only from the copied slice and, outside it, from the read-only segments of
 * the mapped files: never from the live process. Where a frame has no CFI (JIT code, a file
 * built without unwind tables), libdwfl's x86-64 frame-pointer step is tried, within those
 * same bytes. One libdwfl session per process, built from /proc/PID/maps at its first sample
 * and again when a sample's code lies outside every module known (a dlopen, an exec); the
 * files are shared between processes (unwind/elf_cache.h). x86-64 only; one thread uses an
 * unwinder.
 */
#ifndef TAILTRACE_UNWIND_H
#define TAILTRACE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "abi/ustack.h"

struct unwinder;

struct unwind_stats {
	uint64_t samples;	/* unwound (unwinder_unwind calls that returned 0) */
	uint64_t complete;	/* of those, reached the thread's start */
	uint64_t truncated;	/* of those, stopped at max frames */
	uint64_t processes;	/* sessions built: a process's maps read and its modules listed */
	uint64_t rebuilt;	/* of those, for a process known already (maps changed) */
	uint64_t forgotten;	/* dropped for room (the least recently sampled first) */
	uint64_t files_opened;	/* ELF files opened and parsed */
	uint64_t files_shared;	/* found already open, by inode or build id */
	uint64_t files_failed;	/* could not be opened or parsed */
};

/* NULL: no memory. */
struct unwinder *unwinder_new(void);
void unwinder_free(struct unwinder *u);

/*
 * Unwinds the thread of process pid whose registers (DWARF order, enum ustack_reg) and stack
 * bytes [stack_addr, stack_addr + len) are given. Writes up to max return addresses to ips,
 * leaf first: ips[0] is the sampled instruction, each next one a return address (subtract
 * one to find its call). *complete: the walk reached the thread's start, the frame whose
 * CFI marks the return address undefined (glibc's _start and clone3/clone, below
 * __libc_start_call_main and start_thread). A walk that fails, or stops at max, leaves what
 * it found in ips, *complete false.
 * 0, or -ESRCH (pid's maps cannot be read: it exited before its first sample), -EINVAL
 * (max 0), -ENOMEM.
 */
int unwinder_unwind(struct unwinder *u, int pid, const uint64_t regs[USTACK_NREGS],
		    uint64_t stack_addr, const void *stack, size_t len, uint64_t *ips,
		    size_t max, size_t *n, bool *complete);

/* The same for a record as bpf/lib/ustack.bpf.h sends it, of rec_len bytes (the ring
 * buffer's); -EINVAL when rec_len does not hold what the record says it does. */
int unwinder_unwind_sample(struct unwinder *u, const struct ustack_sample *s, size_t rec_len,
			   uint64_t *ips, size_t max, size_t *n, bool *complete);

/* pid exited (or exec'd): its session goes, and the files only it used may go later. */
void unwinder_forget(struct unwinder *u, int pid);

void unwinder_stats(const struct unwinder *u, struct unwind_stats *st);

#endif
