/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/profile.bpf.c and userspace/collectors/profile.c. */
#ifndef TAILTRACE_PROFILE_H
#define TAILTRACE_PROFILE_H

#define PROFILE_COMM_LEN 16
#define PROFILE_STACK_DEPTH 127

/* Where a sample's user frames come from. Frame-pointer stacks are counted in the kernel by
 * stack id. With --call-graph dwarf a sample of a user task goes to userspace whole (its
 * registers and a copy of its stack, abi/ustack.h, the kernel stack's id in the cookie's low
 * 32 bits and the Python frames' id, abi/pystack.h, in its high 32 bits) and
 * is counted there; the count map holds only those that could not be sent. */
enum profile_user {
	PROFILE_USER_NONE,	/* a kernel thread: no user stack to take */
	PROFILE_USER_FP,	/* ustack: a stack map id, or < 0 when the walk failed */
	PROFILE_USER_DWARF,	/* ustack -1: the copy could not be taken or sent */
};

/* Samples counted per thread group, thread name and pair of stacks. */
struct profile_key {
	__u32 tgid;
	__s32 kstack;		/* stack map ids; < 0: none (a sample in user mode) */
	__s32 ustack;
	__u32 user;		/* enum profile_user */
	char comm[PROFILE_COMM_LEN];
	__u32 pystack;		/* the id of its Python frames in pystacks, 0: none */
	__u32 pad;
};

/* Counters (per-CPU array). */
enum profile_count {
	PROFILE_CNT_SAMPLES,	/* samples of traced tasks, counted by stack */
	PROFILE_CNT_IDLE,	/* samples of an idle CPU (not reported as stacks) */
	/* what was not recorded, or only in part, never silent */
	PROFILE_DROP_FULL,	/* more distinct stacks than the count map holds */
	PROFILE_DROP_KSTACK,	/* the kernel stack could not be stored (stack map full) */
	PROFILE_DROP_USTACK,	/* a user task's stack could not be walked or stored */
	PROFILE_DROP_COLLIDE,	/* a stack whose hash bucket holds another stack: lost */
	PROFILE_DROP_FOLLOW,	/* a command's child not followed: the set of processes is full */
	PROFILE_DROP_RINGBUF,	/* dwarf: a stack copy the ring buffer had no room for */
	PROFILE_DROP_PYSTACK,	/* Python frames not stored (pystacks full, or an id taken) */
	PROFILE_CNT_MAX,
};

/* --wall: what a stack copy in ustacks is of, in bits PROFILE_STATE_SHIFT and up of its
 * flags (abi/ustack.h's own flags are the low bits); its cookie is a sample's (the kernel
 * stack's id and the Python frames' id) and its value the ns of an off-CPU stretch. */
#define PROFILE_STATE_SHIFT 16
enum profile_state {
	PROFILE_RUNNING,	/* an on-CPU sample: weighs one period */
	PROFILE_BLOCKED,	/* off CPU, asleep (S or D), from switch-out to switch-in */
	PROFILE_PREEMPTED,	/* off CPU while runnable (waiting for a CPU) */
};

/* Told once per new key, so that userspace reads a process's mappings while it lives; at
 * each exec, after which the mappings read before are another program's; and with
 * --call-graph dwarf when a process is gone, so that its unwinding state goes too. */
enum profile_news {
	PROFILE_NEW_KEY,
	PROFILE_NEW_EXEC,
	PROFILE_NEW_EXIT,	/* the last thread of tgid exited */
};

struct profile_new {
	__u32 tgid;
	__u32 what;		/* enum profile_news */
	__u32 pystack;		/* PROFILE_NEW_KEY: the key's Python frames, to be named while
				 * the process lives */
};

#endif /* TAILTRACE_PROFILE_H */
