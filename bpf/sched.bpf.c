// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sched: run-queue latency, off-CPU time (sleeping or preempted) and on-CPU time, from the
 * scheduler's tracepoints, aggregated here into histograms per --by key.
 *
 * Programs come in tp_btf and raw_tp twins (userspace loads one set). Per-task timestamps
 * live in task storage on the tp_btf path and in an LRU hash by tid on the raw_tp path.
 * A histogram's slot is found through a hash of its key once per task and kind, then kept
 * in the task's state, so the hot path is array lookups and atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "lib/hist.bpf.h"
#include "abi/sched.h"
#define COUNTERS_MAX SCHED_CNT_MAX
#include "lib/counters.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/slots.bpf.h"
#include "lib/pystack.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TASK_RUNNING		0
#define TASK_UNINTERRUPTIBLE	2

/* Set by userspace before load. */
const volatile __u32 by = SCHED_BY_COMM;
const volatile __u32 ncpus = 1;		/* slots [0, SCHED_KINDS * ncpus) for --by cpu */
const volatile __u32 max_slots = 1;
const volatile bool offcpu_stacks = false;
const volatile __u64 stack_min_ns = 0;
/* --offcpu-stacks: Python frames of the processes userspace puts in pystack_procs */
const volatile bool python = false;

__u32 next_slot = 0;

struct task_state {
	__u64 runq_since;	/* 0: not waiting to run */
	__u64 off_since;	/* 0: not known to be off CPU */
	__u64 on_since;		/* 0: not known to be on CPU */
	__u32 off_kind;
	__u32 slot[SCHED_KINDS];	/* slot + 1, 0: not looked up yet */
	__s32 kstack, ustack;		/* taken when it blocked (--offcpu-stacks) */
	__u32 pystack;			/* its Python frames then, 0: none */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

/* raw_tp twin: no trusted task pointers there, so no task storage. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct task_state);
} tid_states SEC(".maps");

SLOT_MAPS(struct sched_key);

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);		/* set by userspace when --offcpu-stacks */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, SCHED_STACK_DEPTH * sizeof(__u64));
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);		/* set by userspace when --offcpu-stacks */
	__type(key, struct offcpu_key);
	__type(value, struct offcpu_val);
} offcpu SEC(".maps");

static __always_inline bool traced(struct task_struct *t)
{
	/* The idle tasks (pid 0) do not wait to run: their "latency" would be noise. */
	return BPF_CORE_READ(t, pid) && task_selected(t);
}

static __always_inline struct task_state *state_of(struct task_struct *t, bool btf, bool create)
{
	struct task_state *st;

	if (btf) {
		st = bpf_task_storage_get(&task_states, t, 0,
					  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	} else {
		__u32 tid = BPF_CORE_READ(t, pid);

		st = bpf_map_lookup_elem(&tid_states, &tid);
		if (!st && create) {
			static const struct task_state zero;

			bpf_map_update_elem(&tid_states, &tid, &zero, BPF_NOEXIST);
			st = bpf_map_lookup_elem(&tid_states, &tid);
		}
	}
	if (!st && create)
		count(SCHED_DROP_STORAGE);
	return st;
}

/* The slot of kind for task t, from its cache or the key hash (allocating one). */
static __always_inline __u32 slot_of(struct task_struct *t, struct task_state *st, __u32 kind)
{
	struct sched_key key = {};
	__u32 slot;

	if (kind >= SCHED_KINDS)
		return max_slots;
	if (by == SCHED_BY_CPU)
		return kind * ncpus + bpf_get_smp_processor_id();
	if (st->slot[kind])
		return st->slot[kind] - 1;

	key.kind = kind;
	switch (by) {
	case SCHED_BY_PID:
		key.id = BPF_CORE_READ(t, tgid);
		BPF_CORE_READ_STR_INTO(&key.comm, t, group_leader, comm);
		break;
	case SCHED_BY_TID:
		key.id = BPF_CORE_READ(t, pid);
		BPF_CORE_READ_STR_INTO(&key.comm, t, comm);
		break;
	case SCHED_BY_CGROUP:
		key.cgroup = task_cgroup(t);
		break;
	default:
		BPF_CORE_READ_STR_INTO(&key.comm, t, comm);
		break;
	}
	slot = slot_find(&slots, &key, &next_slot, max_slots);
	if (slot >= max_slots) {
		count(SCHED_DROP_SLOTS);
		return max_slots;
	}
	st->slot[kind] = slot + 1;
	return slot;
}

static __always_inline void record(struct task_struct *t, struct task_state *st, __u32 kind,
				   __u64 v)
{
	__u32 slot = slot_of(t, st, kind);
	struct hist *h;

	if (slot >= max_slots)
		return;
	h = bpf_map_lookup_elem(&hists, &slot);
	if (h)
		hist_record(h, v);
}

static __always_inline int on_wakeup(struct task_struct *p, bool btf)
{
	struct task_state *st;

	if (!traced(p))
		return 0;
	st = state_of(p, btf, true);
	if (!st)
		return 0;
	count(SCHED_CNT_WAKEUPS);
	if (!st->runq_since)
		st->runq_since = bpf_ktime_get_ns();
	return 0;
}

/* Adds a blocked stretch to the time of its stacks. */
static __always_inline void add_offcpu_stack(struct task_struct *t, struct task_state *st,
					     __u64 dur)
{
	struct offcpu_key key = {};
	struct offcpu_val *v, one = { dur, 1 };

	key.tgid = BPF_CORE_READ(t, tgid);
	key.kstack = st->kstack;
	key.ustack = st->ustack;
	key.pystack = st->pystack;
	BPF_CORE_READ_STR_INTO(&key.comm, t, comm);
	v = bpf_map_lookup_elem(&offcpu, &key);
	if (v) {
		__sync_fetch_and_add(&v->total_ns, dur);
		__sync_fetch_and_add(&v->count, 1);
	} else if (bpf_map_update_elem(&offcpu, &key, &one, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&offcpu, &key);
		if (v) {
			__sync_fetch_and_add(&v->total_ns, dur);
			__sync_fetch_and_add(&v->count, 1);
		} else {
			count(SCHED_DROP_STACK_FULL);
		}
	}
}

static __always_inline int on_switch(void *ctx, bool preempt, struct task_struct *prev,
				     struct task_struct *next, unsigned int prev_state, bool btf)
{
	__u64 now = bpf_ktime_get_ns();
	struct task_state *st;

	if (traced(prev) && (st = state_of(prev, btf, true))) {
		if (st->on_since && now > st->on_since)
			record(prev, st, SCHED_ONCPU, now - st->on_since);
		st->on_since = 0;
		st->off_since = now;
		/* As the kernel counts nvcsw/nivcsw: involuntary unless it blocked. */
		if (preempt || prev_state == TASK_RUNNING) {
			st->off_kind = SCHED_OFF_PREEMPTED;
			st->runq_since = now;
			count(SCHED_CNT_INVOLUNTARY);
		} else {
			st->off_kind = prev_state & TASK_UNINTERRUPTIBLE ? SCHED_OFF_SLEEP_D :
									   SCHED_OFF_SLEEP;
			st->runq_since = 0;
			count(SCHED_CNT_VOLUNTARY);
			/* prev is still current here: its stacks are the ones it blocked in. */
			if (offcpu_stacks) {
				st->kstack = bpf_get_stackid(ctx, &stackmap, 0);
				st->ustack = bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
				if (st->kstack < 0)
					count(SCHED_DROP_STACK);
				if (python && pystack_take(&st->pystack) < 0)
					count(SCHED_DROP_PYSTACK);
			}
		}
	}
	if (traced(next) && (st = state_of(next, btf, true))) {
		if (st->runq_since && now > st->runq_since)
			record(next, st, SCHED_RUNQ, now - st->runq_since);
		if (st->off_since && now > st->off_since) {
			record(next, st, st->off_kind, now - st->off_since);
			if (offcpu_stacks && st->off_kind != SCHED_OFF_PREEMPTED &&
			    now - st->off_since >= stack_min_ns && st->kstack >= 0)
				add_offcpu_stack(next, st, now - st->off_since);
		}
		st->runq_since = 0;
		st->off_since = 0;
		st->on_since = now;
	}
	return 0;
}

static __always_inline int on_exec(struct task_struct *p, bool btf)
{
	struct task_state *st = state_of(p, btf, false);

	/* A new program, or a new name (exec, prctl): the keys that hold comm change. */
	if (st)
		__builtin_memset(st->slot, 0, sizeof(st->slot));
	return 0;
}

static __always_inline int on_migrate(struct task_struct *p)
{
	if (traced(p))
		count(SCHED_CNT_MIGRATIONS);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tt_sched_wakeup, struct task_struct *p)
{
	return on_wakeup(p, true);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tt_sched_wakeup_new, struct task_struct *p)
{
	return on_wakeup(p, true);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tt_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	return on_switch(ctx, preempt, prev, next, prev_state, true);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tt_sched_exec, struct task_struct *p)
{
	return on_exec(p, true);
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(tt_sched_migrate, struct task_struct *p)
{
	return on_migrate(p);
}

SEC("tp_btf/task_rename")
int BPF_PROG(tt_sched_rename, struct task_struct *p)
{
	return on_exec(p, true);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(tt_sched_wakeup_raw, struct task_struct *p)
{
	return on_wakeup(p, false);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(tt_sched_wakeup_new_raw, struct task_struct *p)
{
	return on_wakeup(p, false);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(tt_sched_switch_raw, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	return on_switch(ctx, preempt, prev, next, prev_state, false);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(tt_sched_exec_raw, struct task_struct *p)
{
	return on_exec(p, false);
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(tt_sched_migrate_raw, struct task_struct *p)
{
	return on_migrate(p);
}

SEC("raw_tp/task_rename")
int BPF_PROG(tt_sched_rename_raw, struct task_struct *p)
{
	return on_exec(p, false);
}

/* A command's children are its own; tp_btf programs and their raw_tp twins. */
FOLLOW_PROGRAMS(tt_sched_fork, tt_sched_exit, "tp_btf", SCHED_DROP_STORAGE)
FOLLOW_PROGRAMS(tt_sched_fork_raw, tt_sched_exit_raw, "raw_tp", SCHED_DROP_STORAGE)
