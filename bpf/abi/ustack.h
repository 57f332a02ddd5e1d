/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A user stack taken for unwinding in userspace (the way of `perf --call-graph dwarf`): the
 * thread's user registers and a slice of its stack from the stack pointer up, written by
 * bpf/lib/ustack.bpf.h and unwound by userspace/unwind/ with the binaries' call frame
 * information. x86-64 only.
 */
#ifndef TAILTRACE_USTACK_H
#define TAILTRACE_USTACK_H

/* The slice is copied in chunks this big, aligned to their size: the top of a stack is at a
 * page boundary, so a chunk is readable whole or not at all and the copy ends exactly there. */
#define USTACK_CHUNK	512
/*
 * Most bytes of stack copied. Measured (tests/integration/test_ustack.c prints it: the fewest
 * bytes from sp with which each walk still reaches _start): a -O2 C program through libc's
 * qsort needs 1.2-1.8 KiB, Debian's python3.11 running nested functions 1.3-1.8 KiB (3.11 runs
 * Python calls in one C frame; each re-entry through C, a key= callback or an __init__, adds a
 * few hundred bytes). 16 KiB leaves room for C++ and deep native recursion; what is copied
 * stops at a main thread's first frame (64 bytes above its start_stack: the 3-10 KiB of
 * environment, auxv and random gap above it are left), or at the top of another thread's
 * stack, so most records are 1-3 KiB.
 */
#define USTACK_MAX	(16 * 1024)

#define USTACK_COMM_LEN	16

/* The registers DWARF numbers 0 to 16 on x86-64, in that order, as libdw takes them. */
#define USTACK_NREGS	17
enum ustack_reg {
	USTACK_REG_AX, USTACK_REG_DX, USTACK_REG_CX, USTACK_REG_BX,
	USTACK_REG_SI, USTACK_REG_DI, USTACK_REG_BP, USTACK_REG_SP,
	USTACK_REG_R8, USTACK_REG_R9, USTACK_REG_R10, USTACK_REG_R11,
	USTACK_REG_R12, USTACK_REG_R13, USTACK_REG_R14, USTACK_REG_R15,
	USTACK_REG_IP,
};

enum ustack_flag {
	/* The registers are where the sample interrupted user code; without it, where the
	 * thread last entered the kernel (a system call, an interrupt, a fault). */
	USTACK_F_USER_SAMPLE	= 1 << 0,
	/* The copy stopped at USTACK_MAX, not at the top of the stack: the outermost frames
	 * may be out of reach. */
	USTACK_F_TRUNCATED	= 1 << 1,
};

struct ustack_sample {
	__u64 time_ns;		/* bpf_ktime_get_ns */
	__u64 cookie;		/* the caller's: what the sample is of (a weight, a stack id) */
	__u64 value;		/* the caller's too: a weight (a call's or a block's ns), or 0 */
	__u32 tgid, tid;
	__u32 flags;		/* enum ustack_flag */
	__u32 size;		/* bytes of stack[] copied */
	__u64 base;		/* the user address of stack[0]: sp rounded down to USTACK_CHUNK */
	char comm[USTACK_COMM_LEN];	/* the thread's name when sampled */
	__u64 regs[USTACK_NREGS];
	__u8 stack[USTACK_MAX];
};

/* Bytes of a record in the ring buffer: the header and what was copied. */
#define USTACK_HEADER_SIZE	__builtin_offsetof(struct ustack_sample, stack)

#endif /* TAILTRACE_USTACK_H */
