// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tests' own cpu-clock sampler of one process's user stacks (lib/ustack.bpf.h), for
 * test_ustack.c: what a profiler built on it sends, without a profiler around it. */
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

__u64 sent, failed;

SEC("perf_event")
int tt_ustack_sample(struct bpf_perf_event_data *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 != target_tgid)
		return 0;
	if (ustack_capture(&tt_ustack_ring, &ctx->regs, 0, BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&failed, 1);
	else
		__sync_fetch_and_add(&sent, 1);
	return 0;
}
