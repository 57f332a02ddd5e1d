/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/profile.bpf.c and userspace/collectors/profile.c. */
#ifndef TAILTRACE_PROFILE_H
#define TAILTRACE_PROFILE_H

#define PROFILE_COMM_LEN 16
#define PROFILE_STACK_DEPTH 127

/* Where a sample's user frames come from. Frame-pointer stacks are counted in the kernel by
 * stack id; another source (registers and a copy of the stack, unwound in userspace) would
 * add its own value here and its own path beside the stack map. */
enum profile_user {
	PROFILE_USER_NONE,	/* a kernel thread: no user stack to take */
	PROFILE_USER_FP,	/* ustack: a stack map id, or < 0 when the walk failed */
};

/* Samples counted per thread group, thread name and pair of stacks. */
struct profile_key {
	__u32 tgid;
	__s32 kstack;		/* stack map ids; < 0: none (a sample in user mode) */
	__s32 ustack;
	__u32 user;		/* enum profile_user */
	char comm[PROFILE_COMM_LEN];
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
	PROFILE_CNT_MAX,
};

/* Told once per new key, so that userspace reads a process's mappings while it lives, and
 * at each exec, after which the mappings read before are another program's. */
struct profile_new {
	__u32 tgid;
	__u32 exec;		/* 1: tgid ran exec */
};

#endif /* TAILTRACE_PROFILE_H */
