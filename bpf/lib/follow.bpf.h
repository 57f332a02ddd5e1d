/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A traced command and its descendants: userspace puts the command's pid in tgids and sets
 * follow_children before load; a program on sched_process_fork (follow_fork) adds every new
 * process whose parent is in the set, and one on sched_process_exit (follow_exit) takes out
 * each that ends. Threads share their process's entry.
 */
#ifndef TAILTRACE_FOLLOW_BPF_H
#define TAILTRACE_FOLLOW_BPF_H

const volatile bool follow_children = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

static __always_inline bool tgid_followed(__u32 tgid)
{
	return bpf_map_lookup_elem(&tgids, &tgid) != NULL;
}

/* Whether a process of tgid is traced, by -p or -- COMMAND (filter_tgid; 0: every one). */
static __always_inline bool tgid_traced(__u32 tgid, __u32 filter_tgid)
{
	if (!filter_tgid)
		return true;
	return follow_children ? tgid_followed(tgid) : tgid == filter_tgid;
}

/* A fork: the child follows its parent into the set. False when the set is full (the caller
 * counts it). */
static __always_inline bool follow_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (!follow_children || ptgid == ctgid || !tgid_followed(ptgid))
		return true;
	return !bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY);
}

/* A process ends (its main thread exits): it leaves the set, and its pid can be reused by
 * anyone. */
static __always_inline void follow_exit(struct task_struct *task)
{
	__u32 pid = BPF_CORE_READ(task, pid), tgid = BPF_CORE_READ(task, tgid);

	if (follow_children && pid == tgid)
		bpf_map_delete_elem(&tgids, &tgid);
}

/* The two programs of a collector that follows a command's children: on fork and exit, of
 * program type sec ("tp_btf" or "raw_tp"); full is the counter of a full set. Needs
 * lib/counters.bpf.h. */
#define FOLLOW_PROGRAMS(fork_prog, exit_prog, sec, full)					\
SEC(sec "/sched_process_fork")								\
int BPF_PROG(fork_prog, struct task_struct *parent, struct task_struct *child)		\
{											\
	if (!follow_fork(parent, child))						\
		count(full);								\
	return 0;									\
}											\
SEC(sec "/sched_process_exit")								\
int BPF_PROG(exit_prog, struct task_struct *task)					\
{											\
	follow_exit(task);								\
	return 0;									\
}

#endif
