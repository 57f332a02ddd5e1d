/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The task filters every collector shares, set by userspace before load so that the
 * verifier prunes what a run does not use: -p (a process, or a command and its children:
 * lib/follow.bpf.h), --comm and --cgroup (cgroup v2 id).
 */
#ifndef TAILTRACE_FILTER_BPF_H
#define TAILTRACE_FILTER_BPF_H

#include "lib/follow.bpf.h"

#define FILTER_COMM_LEN 16	/* TASK_COMM_LEN */

const volatile __u32 filter_tgid = 0;
const volatile bool filter_by_comm = false;
const volatile char filter_comm[FILTER_COMM_LEN] = {};
const volatile __u64 filter_cgroup = 0;
const volatile __u32 self_tgid = 0;	/* tailtrace's own: never part of what it reports */

static __always_inline __u64 task_cgroup(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* Whether a process of tgid is traced by -p or -- COMMAND (every one without either). */
static __always_inline bool tgid_selected(__u32 tgid)
{
	return tgid_traced(tgid, filter_tgid);
}

/* Whether task t passes -p, --comm and --cgroup, and is not tailtrace itself. */
static __always_inline bool task_selected(struct task_struct *t)
{
	if (self_tgid || filter_tgid) {
		__u32 tgid = BPF_CORE_READ(t, tgid);

		if (tgid == self_tgid || (filter_tgid && !tgid_selected(tgid)))
			return false;
	}
	if (filter_by_comm) {
		char comm[FILTER_COMM_LEN];

		BPF_CORE_READ_STR_INTO(&comm, t, comm);
		for (int i = 0; i < FILTER_COMM_LEN; i++) {
			if (comm[i] != filter_comm[i])
				return false;
			if (!comm[i])
				break;
		}
	}
	if (filter_cgroup && task_cgroup(t) != filter_cgroup)
		return false;
	return true;
}

#endif
