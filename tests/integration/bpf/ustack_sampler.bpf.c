// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tests' own samplers of one process's user stacks (lib/ustack.bpf.h), for
 * test_ustack.c: on the cpu-clock, as a profiler takes them, and where its threads block, as
 * off-CPU stacks are taken (the registers saved when the thread entered the kernel). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/ustack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 target_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} tt_ustack_ring SEC(".maps");

__u64 sent, failed, no_stack;

static __always_inline void count(long err)
{
	if (!err)
		__sync_fetch_and_add(&sent, 1);
	else if (err == -USTACK_ENOENT)
		__sync_fetch_and_add(&no_stack, 1);
	else
		__sync_fetch_and_add(&failed, 1);
}

SEC("perf_event")
int tt_ustack_sample(struct bpf_perf_event_data *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 != target_tgid)
		return 0;
	count(ustack_capture(&tt_ustack_ring, &ctx->regs, 0, BPF_RB_NO_WAKEUP));
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tt_ustack_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	/* prev is still current: its user registers are those of its system call */
	if (prev->tgid != target_tgid)
		return 0;
	count(ustack_capture(&tt_ustack_ring, NULL, 0, BPF_RB_NO_WAKEUP));
	return 0;
}
