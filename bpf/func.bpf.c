// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * func: latency of user functions, timed between a uprobe at entry and a uretprobe at
 * return, aggregated here into one histogram per function.
 *
 * Each thread keeps a stack of open calls in task storage (freed by the kernel when the
 * thread exits). A frame is keyed by the stack pointer at entry: at return the stack pointer
 * is exactly 8 bytes above it (the return address was popped), so recursion and tail calls
 * are matched without guessing. Frames abandoned by longjmp or exceptions are dropped as the
 * kernel drops their return probes: a new call at stack pointer S proves every frame below S
 * dead, and also one at S itself that was entered from the same return address (a live tail
 * caller's return address would have been replaced by the uretprobe trampoline).
 */
/* No CO-RE in this object: the one kernel struct it reads is pt_regs, the uprobe context,
 * whose layout is UAPI. Without CO-RE relocations (nor typed ksyms, tp_btf or fentry)
 * libbpf never parses the kernel's BTF, which costs ~50 ms and ~11 MiB at start-up. The
 * build checks that it stays so. */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "abi/func.h"
#include "lib/hist.bpf.h"
#define COUNTERS_MAX FUNC_STAT_MAX
#include "lib/counters.bpf.h"
#include "lib/pystack.bpf.h"
#include "lib/ustack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u32 nshards = 1;	/* power of two; shard = cpu & (nshards - 1) */
const volatile __u32 sample_every = 1;	/* record 1 call in N */
const volatile __u64 slow_ns = 0;	/* stream calls at least this slow; 0: none */
const volatile bool slow_stacks = false;	/* --stacks: with the user stack of each */
/* --stacks: and the Python frames of the processes userspace puts in pystack_procs */
const volatile bool python = false;
/* Set by userspace at the end: nothing more is recorded, so that the last read of the
 * histograms and the last slow calls streamed describe the same calls. */
bool stopped = false;

struct call_stack {
	__u32 depth;
	__u32 pad;
	__u64 sp[FUNC_MAX_DEPTH];
	__u64 ret_addr[FUNC_MAX_DEPTH];
	__u64 ts[FUNC_MAX_DEPTH];
	__u32 func_id[FUNC_MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_stack);
} calls SEC(".maps");

/* Index func_id * nshards + shard; max_entries is set by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* 1 MiB: ~18,000 slow calls between two drains (20 ms); ring_buffer__new maps it
	 * twice, all of it tailtrace's memory */
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* --stacks: slow calls with their stacks (a page when unused; sized by userspace) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ustacks SEC(".maps");

static __always_inline int on_entry(struct pt_regs *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct call_stack *st;
	__u64 sp, ret_addr;
	__u32 d;

	if (sample_every > 1 && bpf_get_prandom_u32() % sample_every)
		return 0;
	st = bpf_task_storage_get(&calls, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count(FUNC_STAT_NO_STORAGE);
		return 0;
	}
	sp = PT_REGS_SP(ctx);
	if (bpf_probe_read_user(&ret_addr, sizeof(ret_addr), (void *)sp))
		ret_addr = 0;
	d = st->depth;
	for (int i = 0; i < FUNC_MAX_UNWIND; i++) {
		__u32 top;

		if (d == 0 || d > FUNC_MAX_DEPTH)
			break;
		top = (d - 1) & (FUNC_MAX_DEPTH - 1);
		if (st->sp[top] > sp || (st->sp[top] == sp && st->ret_addr[top] != ret_addr))
			break;
		count(FUNC_STAT_ABANDONED);
		d--;
	}
	if (d >= FUNC_MAX_DEPTH) {
		st->depth = d;
		count(FUNC_STAT_DEPTH);
		return 0;
	}
	st->sp[d] = sp;
	st->ret_addr[d] = ret_addr;
	st->func_id[d] = (__u32)bpf_get_attach_cookie(ctx);
	st->depth = d + 1;
	/* Last, so that this program's own run time is not charged to the call. */
	st->ts[d] = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void emit_slow(struct pt_regs *ctx, __u32 func_id, __u64 now, __u64 dur)
{
	struct func_event *e;
	__u64 id;

	/* At the return, the caller's frames are as they were at entry: the uretprobe has put
	 * the return address back in ip, and the stack above sp is the caller's. Taken here,
	 * only slow calls pay for the copy. */
	if (slow_stacks) {
		__u32 py = 0;
		long err;

		if (python && pystack_take(&py) < 0) {
			count(FUNC_STAT_PYSTACK);
			py = 0;
		}
		err = ustack_capture_uregs(&ustacks, ctx, (__u64)py << 32 | func_id, dur,
					   BPF_RB_NO_WAKEUP);

		if (!err)
			return;
		count(FUNC_STAT_STACK);
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(FUNC_STAT_RINGBUF_DROP);
		return;
	}
	id = bpf_get_current_pid_tgid();
	e->ts_ns = now;
	e->duration_ns = dur;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->func_id = func_id;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* Userspace drains on a timer: a wakeup per event would cost more than the probe. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline int on_return(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 func_id = (__u32)bpf_get_attach_cookie(ctx);
	__u64 sp = PT_REGS_SP(ctx) - 8;
	struct call_stack *st;
	struct hist *h;
	__u32 d, top = 0, idx;
	__u64 dur;

	if (stopped)
		return 0;
	st = bpf_task_storage_get(&calls, task, 0, 0);
	if (!st)
		return 0;
	d = st->depth;
	/* Drop frames deeper than this one: their functions left without returning. */
	for (int i = 0; i < FUNC_MAX_UNWIND; i++) {
		if (d == 0 || d > FUNC_MAX_DEPTH)
			break;
		top = (d - 1) & (FUNC_MAX_DEPTH - 1);
		if (st->sp[top] >= sp)
			break;
		count(FUNC_STAT_ABANDONED);
		d--;
	}
	if (d == 0 || d > FUNC_MAX_DEPTH || st->sp[top] != sp || st->func_id[top] != func_id) {
		st->depth = d;
		/* With sampling, returns of calls not sampled are expected here. */
		if (sample_every <= 1)
			count(FUNC_STAT_UNMATCHED);
		return 0;
	}
	st->depth = d - 1;
	dur = now - st->ts[top];

	idx = func_id * nshards + (bpf_get_smp_processor_id() & (nshards - 1));
	h = bpf_map_lookup_elem(&hists, &idx);
	if (h && !hist_record(h, dur))
		count(FUNC_STAT_RACE);
	if (slow_ns && dur >= slow_ns)
		emit_slow(ctx, func_id, now, dur);
	return 0;
}

/* uprobe_multi (one link for any number of functions) where the kernel has it ... */
SEC("uprobe.multi")
int tt_func_entry_multi(struct pt_regs *ctx)
{
	return on_entry(ctx);
}

SEC("uretprobe.multi")
int tt_func_return_multi(struct pt_regs *ctx)
{
	return on_return(ctx);
}

/* ... and one uprobe per function where it does not (kernels before 6.6). */
SEC("uprobe")
int tt_func_entry(struct pt_regs *ctx)
{
	return on_entry(ctx);
}

SEC("uretprobe")
int tt_func_return(struct pt_regs *ctx)
{
	return on_return(ctx);
}
