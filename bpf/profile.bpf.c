// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profile: CPU samples from a perf event on every CPU (cpu-clock, or cycles where a PMU
 * exists), counted here by thread group, thread name and pair of stacks (frame-pointer walks
 * kept in a stack map). The hot path is two stack walks and one hash update; userspace reads
 * the counts and symbolizes them once, at the end. With --call-graph dwarf, the user stack is
 * a copy of the thread's registers and stack sent through a ring buffer without wakeups,
 * unwound and counted in userspace, which drains it on a timer.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "abi/profile.h"
#define COUNTERS_MAX PROFILE_CNT_MAX
#include "lib/counters.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/pystack.bpf.h"
#include "lib/ustack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ENOENT 2
#define EFAULT 14
#define EEXIST 17
#define EAGAIN 11

/* --call-graph dwarf: user stacks copied whole into ustacks, not walked by frame pointers */
const volatile bool dwarf = false;
/* --wall: off-CPU stretches of the traced threads too, each with the stack it left in */
const volatile bool wall = false;

#define TASK_RUNNING 0

/* --wall: the stack a thread left the CPU in, kept until it runs again, when its time off
 * is known: then sent whole. 16 KiB a traced thread, while it lives. */
struct wall_task {
	__u64 off_since;	/* 0: not known to be off CPU */
	__s32 kstack;
	__u32 state;		/* enum profile_state */
	__u32 size;		/* bytes of s to send; 0: the stack could not be taken */
	__u32 pystack;		/* the Python frames' id, 0: none */
	struct ustack_sample s;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct wall_task);
} wall_tasks SEC(".maps");
/* Python frames of the processes userspace puts in pystack_procs */
const volatile bool python = false;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);		/* set by userspace */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PROFILE_STACK_DEPTH * sizeof(__u64));
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);		/* set by userspace */
	__type(key, struct profile_key);
	__type(value, __u64);
} samples SEC(".maps");

/* Stack copies for unwinding (dwarf); sized by userspace, a page when unused. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ustacks SEC(".maps");

/* New keys, so that userspace reads the mappings of their process while it lives. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} news SEC(".maps");

static __always_inline void tell(__u32 tgid, __u32 what, __u32 pystack)
{
	struct profile_new *n = bpf_ringbuf_reserve(&news, sizeof(*n), 0);

	if (n) {
		n->tgid = tgid;
		n->what = what;
		n->pystack = pystack;
		bpf_ringbuf_submit(n, BPF_RB_NO_WAKEUP);
	}
}

static __always_inline void add_sample(struct profile_key *key)
{
	static const __u64 one = 1;
	__u64 *v;

	v = bpf_map_lookup_elem(&samples, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(&samples, key, &one, BPF_NOEXIST)) {
		/* another CPU added it meanwhile, or the map is full */
		v = bpf_map_lookup_elem(&samples, key);
		if (v)
			__sync_fetch_and_add(v, 1);
		else
			count(PROFILE_DROP_FULL);
		return;
	}
	/* a lost notice costs only symbols of a process that exits within 20 ms; no counter */
	tell(key->tgid, PROFILE_NEW_KEY, key->pystack);
}

/* dwarf: sends the user stack with the kernel stack's id; 0 when sent, else what the count
 * map is to hold instead (the sample's time stays, its user stack unknown). */
static __always_inline int send_ustack(struct bpf_perf_event_data *ctx, struct profile_key *key)
{
	long err = ustack_capture(&ustacks, &ctx->regs,
				  (__u64)(__u32)key->kstack | (__u64)key->pystack << 32,
				  BPF_RB_NO_WAKEUP);

	if (!err)
		return 0;
	if (err == -ENOENT) {
		/* a thread with no user stack of its own (an io_uring worker, one exiting) */
		key->user = PROFILE_USER_NONE;
	} else {
		count(err == -EAGAIN ? PROFILE_DROP_RINGBUF : PROFILE_DROP_USTACK);
		key->user = PROFILE_USER_DWARF;
	}
	key->ustack = -1;
	return 1;
}

SEC("perf_event")
int tt_profile(struct bpf_perf_event_data *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct profile_key key = {};
	__u64 id = bpf_get_current_pid_tgid();

	/* the idle task of a CPU with nothing to run */
	if (!(__u32)id) {
		count(PROFILE_CNT_IDLE);
		return 0;
	}
	if (!task_selected(t))
		return 0;
	count(PROFILE_CNT_SAMPLES);
	key.tgid = id >> 32;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	/* -EFAULT: the sample came in user mode, there is no kernel stack */
	key.kstack = bpf_get_stackid(ctx, &stackmap, 0);
	if (key.kstack < 0) {
		if (key.kstack == -EEXIST)
			count(PROFILE_DROP_COLLIDE);
		else if (key.kstack != -EFAULT)
			count(PROFILE_DROP_KSTACK);
		key.kstack = -1;	/* one key for every failure */
	}
	key.ustack = -1;
	key.user = PROFILE_USER_NONE;
	if (python && pystack_take(&key.pystack) < 0)
		count(PROFILE_DROP_PYSTACK);
	if (!BPF_CORE_READ(t, mm)) {
		/* a kernel thread: no user stack */
	} else if (dwarf) {
		if (!send_ustack(ctx, &key))
			return 0;
	} else {
		key.user = PROFILE_USER_FP;
		key.ustack = bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
		if (key.ustack < 0) {
			count(key.ustack == -EEXIST ? PROFILE_DROP_COLLIDE : PROFILE_DROP_USTACK);
			key.ustack = -1;
		}
	}
	add_sample(&key);
	return 0;
}

/* --wall: a traced thread leaves the CPU (its stack is taken: it is current) or comes back
 * (its time off, with that stack, is sent). */
SEC("tp_btf/sched_switch")
int BPF_PROG(tt_profile_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	__u64 now = bpf_ktime_get_ns();
	struct wall_task *w;
	long size, err;

	if (prev->pid && prev->mm && task_selected(prev)) {
		w = bpf_task_storage_get(&wall_tasks, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (w) {
			w->state = preempt || prev_state == TASK_RUNNING ? PROFILE_PREEMPTED :
									   PROFILE_BLOCKED;
			w->kstack = bpf_get_stackid(ctx, &stackmap, 0);
			/* prev is current: its Python frames are those it blocks in; new ones are
			 * named now, while it lives (the record comes when it runs again, maybe
			 * after its last sleep, as it exits) */
			if (!python)
				w->pystack = 0;
			else if ((err = pystack_take(&w->pystack)) < 0)
				w->pystack = 0;
			else if (err == PYSTACK_NEW)
				tell(prev->tgid, PROFILE_NEW_KEY, w->pystack);
			size = ustack_take(&w->s, NULL, 0, 0);
			w->size = size > 0 ? (__u32)size : 0;
			w->off_since = now;
		} else {
			count(PROFILE_DROP_USTACK);
		}
	}
	if (!next->pid || !task_selected(next))
		return 0;
	w = bpf_task_storage_get(&wall_tasks, next, 0, 0);
	if (!w || !w->off_since || now <= w->off_since)
		return 0;
	w->s.cookie = (__u64)w->pystack << 32 | (__u32)w->kstack;
	w->s.value = now - w->off_since;
	w->off_since = 0;
	if (!w->size) {
		/* no stack: the time still counts, under one unknown frame */
		w->s.size = 0;
		w->s.flags = 0;
		w->s.tgid = next->tgid;
		w->s.tid = next->pid;
		w->s.time_ns = now;
		__builtin_memcpy(w->s.comm, next->comm, sizeof(w->s.comm));
		w->size = USTACK_HEADER_SIZE;
		count(PROFILE_DROP_USTACK);
	}
	w->s.flags = (w->s.flags & ((1u << PROFILE_STATE_SHIFT) - 1)) |
		     w->state << PROFILE_STATE_SHIFT;
	size = w->size;
	if (size > (long)sizeof(w->s))
		return 0;
	if (bpf_ringbuf_output(&ustacks, &w->s, size, BPF_RB_NO_WAKEUP))
		count(PROFILE_DROP_RINGBUF);
	return 0;
}

/* A traced process that runs exec: its mappings are new (a command is sampled before its
 * exec too, while tailtrace's child starts it). */
static __always_inline int on_exec(struct task_struct *p)
{
	if (task_selected(p))
		tell(BPF_CORE_READ(p, tgid), PROFILE_NEW_EXEC, 0);
	return 0;
}

/* dwarf: a process is gone when its last thread exits (do_exit has counted it out of
 * signal->live before this tracepoint); any process, since one sampled may have left the
 * filter's view (a command's child forgotten by the follow programs first). */
static __always_inline int on_exit(struct task_struct *p)
{
	if (!BPF_CORE_READ(p, signal, live.counter))
		tell(BPF_CORE_READ(p, tgid), PROFILE_NEW_EXIT, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tt_profile_gone, struct task_struct *p)
{
	return on_exit(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(tt_profile_gone_raw, struct task_struct *p)
{
	return on_exit(p);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tt_profile_exec, struct task_struct *p)
{
	return on_exec(p);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(tt_profile_exec_raw, struct task_struct *p)
{
	return on_exec(p);
}

/* A command's children are its own; tp_btf programs and their raw_tp twins. */
FOLLOW_PROGRAMS(tt_profile_fork, tt_profile_exit, "tp_btf", PROFILE_DROP_FOLLOW)
FOLLOW_PROGRAMS(tt_profile_fork_raw, tt_profile_exit_raw, "raw_tp", PROFILE_DROP_FOLLOW)
