/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Types shared by bpf/func.bpf.c and userspace/func.c. */
#ifndef TAILTRACE_FUNC_H
#define TAILTRACE_FUNC_H

#define FUNC_COMM_LEN	16
/* Nested traced calls kept per thread; the kernel itself stops installing return probes past
 * 64 nested ones (MAX_URETPROBE_DEPTH), so deeper ones could not be timed anyway. */
#define FUNC_MAX_DEPTH	64
/* Abandoned frames (longjmp, exceptions, missed returns) dropped on one return. */
#define FUNC_MAX_UNWIND	8

/* Per-CPU counters of what was not recorded, never silent. */
enum func_stat {
	FUNC_STAT_RINGBUF_DROP,	/* slow call not streamed: ring buffer full */
	FUNC_STAT_DEPTH,	/* call nested deeper than FUNC_MAX_DEPTH: not timed */
	FUNC_STAT_NO_STORAGE,	/* per-thread storage could not be allocated: not timed */
	FUNC_STAT_ABANDONED,	/* entry without a return (longjmp, exception, thread killed) */
	FUNC_STAT_UNMATCHED,	/* return without a recorded entry */
	FUNC_STAT_RACE,		/* min/max update lost to contention (count and buckets kept) */
	FUNC_STAT_STACK,	/* --stacks: a slow call's stack not taken (streamed without) */
	FUNC_STAT_PYSTACK,	/* --stacks: a slow call's Python frames not stored */
	FUNC_STAT_MAX,
};

struct func_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC at return */
	__u64 duration_ns;
	__u32 pid;
	__u32 tid;
	__u32 func_id;
	__u32 pad;
	char comm[FUNC_COMM_LEN];
};

/* --stacks: a slow call comes as a user stack (abi/ustack.h) taken at its return, the
 * function's id in the cookie and its duration in the value; a func_event only when the
 * stack could not be taken. */

#endif /* TAILTRACE_FUNC_H */
