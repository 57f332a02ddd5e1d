/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/sched.bpf.c and userspace/sched.c. */
#ifndef TAILTRACE_SCHED_H
#define TAILTRACE_SCHED_H

#define SCHED_COMM_LEN 16

/* What a histogram measures; one slot (histogram) per kind and --by key. */
enum sched_kind {
	SCHED_RUNQ,		/* woken or preempted, until on a CPU again */
	SCHED_OFF_SLEEP,	/* off CPU, blocked (interruptible) */
	SCHED_OFF_SLEEP_D,	/* off CPU, blocked in D state */
	SCHED_OFF_PREEMPTED,	/* off CPU while still runnable */
	SCHED_ONCPU,		/* one stretch on a CPU */
	SCHED_KINDS,
};

enum sched_by {
	SCHED_BY_COMM,
	SCHED_BY_PID,
	SCHED_BY_TID,
	SCHED_BY_CPU,
	SCHED_BY_CGROUP,
};

/* The --by key of a histogram: only the field of the chosen --by is set (comm is also kept
 * with pid and tid, so that a program's name survives its exit). */
struct sched_key {
	__u32 kind;
	__u32 id;		/* pid, tid or cpu */
	__u64 cgroup;		/* cgroup v2 id */
	char comm[SCHED_COMM_LEN];
};

/* Global counters of what the filter admits (per-CPU array). */
enum sched_count {
	SCHED_CNT_VOLUNTARY,	/* switches out of a task that blocked */
	SCHED_CNT_INVOLUNTARY,	/* switches out of a task still runnable */
	SCHED_CNT_WAKEUPS,
	SCHED_CNT_MIGRATIONS,
	/* what was not recorded, never silent */
	SCHED_DROP_SLOTS,	/* more keys than histogram slots: not recorded */
	SCHED_DROP_STORAGE,	/* per-task state could not be had */
	SCHED_DROP_STACK,	/* a blocked thread's kernel stack could not be taken */
	SCHED_DROP_STACK_FULL,	/* more distinct blocking stacks than the map holds */
	SCHED_DROP_PYSTACK,	/* Python frames not stored (pystacks full, or an id taken) */
	SCHED_CNT_MAX,
};

#define SCHED_STACK_DEPTH 127

/* --offcpu-stacks: blocked time summed per thread group and pair of stacks. */
struct offcpu_key {
	__u32 tgid;
	__s32 kstack;		/* stack map ids; < 0: none */
	__s32 ustack;
	__u32 pystack;		/* the id of its Python frames in pystacks, 0: none */
	char comm[SCHED_COMM_LEN];
};

struct offcpu_val {
	__u64 total_ns;
	__u64 count;
};

#endif /* TAILTRACE_SCHED_H */
