/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The current thread's Python frames (CPython 3.11, abi/pystack.h), for any program that
 * takes stacks: profile's samples, sched's blocking points, func's slow calls. A process is
 * walked only once userspace has put it in pystack_procs (it maps a 3.11 interpreter whose
 * layout it checked). Its thread state is the one holding the GIL when that is this thread,
 * else the one of the interpreter's threads whose native id is this thread's (a thread
 * blocked, or waiting for the GIL); from it the chain of _PyInterpreterFrame is read, each
 * frame's code object and last instruction kept. Every pointer is the process's to corrupt:
 * each is read with bpf_probe_read_user and the walks are bounded. The frames are stored once
 * in pystacks under a 32-bit hash of the process and the frames, which a sample carries.
 */
#ifndef TAILTRACE_PYSTACK_BPF_H
#define TAILTRACE_PYSTACK_BPF_H

#include "abi/pystack.h"

#define PYSTACK_EEXIST	17	/* errno values, which vmlinux.h lacks */
#define PYSTACK_E2BIG	7

/* Python processes: tgid -> where their runtime is. Sized by userspace (1 when unused). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack_proc);
} pystack_procs SEC(".maps");

/* Distinct Python stacks by id. Sized by userspace (1 when unused). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack);
} pystacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pystack);
} pystack_scratch SEC(".maps");

static __always_inline __u64 pystack_read_u64(__u64 addr)
{
	__u64 v = 0;

	if (!addr || bpf_probe_read_user(&v, sizeof(v), (const void *)addr))
		return 0;
	return v;
}

/* The thread state of thread tid, or 0. */
static __always_inline __u64 pystack_tstate(__u64 runtime, __u32 tid)
{
	__u64 ts = pystack_read_u64(runtime + PY311_RUNTIME_TSTATE_CURRENT), interp;
	__u32 i;

	if (ts && pystack_read_u64(ts + PY311_TSTATE_NATIVE_TID) == tid)
		return ts;
	interp = pystack_read_u64(runtime + PY311_RUNTIME_INTERP_HEAD);
	ts = pystack_read_u64(interp + PY311_INTERP_THREADS_HEAD);
	for (i = 0; i < PYSTACK_MAX_THREADS && ts; i++) {
		if (pystack_read_u64(ts + PY311_TSTATE_NATIVE_TID) == tid)
			return ts;
		ts = pystack_read_u64(ts + PY311_TSTATE_NEXT);
	}
	return 0;
}

/* One str of a code object into its identity (pystack_ident in abi/pystack.h). */
static __always_inline __u64 pystack_ident_str(__u64 h, __u64 str, int last)
{
	__u8 head[PY311_UNICODE_HEAD];
	__u64 bytes, data, v = 0;

	if (!str || bpf_probe_read_user(head, sizeof(head),
					(const void *)(str + PY311_UNICODE_LENGTH)))
		return pystack_fold(h, 0);
	bytes = pystack_str_span(*(__u64 *)head,
				 *(__u32 *)(head + (PY311_UNICODE_STATE - PY311_UNICODE_LENGTH)),
				 &data);
	if (last && bytes > 8)
		data += bytes - 8;
	if (bytes)
		bpf_probe_read_user(&v, sizeof(v), (const void *)(str + data));
	return pystack_fold(pystack_fold(h, bytes), pystack_str_bits(v, bytes));
}

/* The identity of the code object at code, or 0 when it cannot be read. */
static __always_inline __u64 pystack_ident(__u64 code)
{
	__u8 co[PY311_CODE_LINETABLE - PY311_CODE_FIRSTLINENO];
	__u64 h = PYSTACK_IDENT_SEED;

	if (bpf_probe_read_user(co, sizeof(co), (const void *)(code + PY311_CODE_FIRSTLINENO)))
		return 0;
	h = pystack_fold(h, *(__u32 *)co);
	h = pystack_ident_str(h, *(__u64 *)(co + (PY311_CODE_QUALNAME - PY311_CODE_FIRSTLINENO)),
			      0);
	return pystack_ident_str(h, *(__u64 *)(co + (PY311_CODE_FILENAME -
						     PY311_CODE_FIRSTLINENO)), 1);
}

static __always_inline __u64 pystack_mix(__u64 h, __u64 v)
{
	return (h ^ v) * 1099511628211ull;
}

#define PYSTACK_NEW	1

/*
 * Takes the current thread's Python frames into pystacks. *id: their id, or 0 when there are
 * none (not a Python process, a thread that runs no Python). 0, PYSTACK_NEW when the stack
 * was not there before (for a caller whose record reaches userspace late, to have it named
 * while the process lives), -EEXIST when another stack has the same id (the frames are
 * lost), or the map's error when it is full (-E2BIG).
 */
static __always_inline long pystack_take(__u32 *id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), h = 1469598103934665603ull;
	__u32 tgid = pid_tgid >> 32, zero = 0, i, key;
	struct pystack_proc *proc;
	struct pystack *s, *old;
	__u64 frame;
	long err;

	*id = 0;
	proc = bpf_map_lookup_elem(&pystack_procs, &tgid);
	if (!proc)
		return 0;
	s = bpf_map_lookup_elem(&pystack_scratch, &zero);
	if (!s)
		return 0;
	frame = pystack_tstate(proc->runtime, (__u32)pid_tgid);
	frame = pystack_read_u64(pystack_read_u64(frame + PY311_TSTATE_CFRAME) +
				 PY311_CFRAME_CURRENT_FRAME);
	s->tgid = tgid;
	s->flags = 0;
	h = pystack_mix(h, tgid);
	for (i = 0; i < PYSTACK_MAX_FRAMES && frame; i++) {
		__u8 f[PY311_FRAME_SIZE];
		__u64 code;

		if (bpf_probe_read_user(f, sizeof(f), (const void *)frame))
			break;
		code = *(__u64 *)(f + PY311_FRAME_CODE);
		if (!code || (code & 7))
			break;
		if (f[PY311_FRAME_IS_ENTRY])
			code |= PYSTACK_ENTRY;
		s->frames[i].code = code;
		s->frames[i].instr = *(__u64 *)(f + PY311_FRAME_PREV_INSTR);
		s->frames[i].ident = pystack_ident(code & ~PYSTACK_ENTRY);
		h = pystack_mix(pystack_mix(pystack_mix(h, code), s->frames[i].instr),
				s->frames[i].ident);
		frame = *(__u64 *)(f + PY311_FRAME_PREVIOUS);
	}
	if (!i)
		return 0;
	s->nframes = i;
	if (i == PYSTACK_MAX_FRAMES && frame)
		s->flags |= PYSTACK_F_TRUNCATED;
	key = (__u32)(h ^ (h >> 32));
	if (!key)
		key = 1;
	old = bpf_map_lookup_elem(&pystacks, &key);
	if (old) {
		if (old->tgid != s->tgid || old->nframes != s->nframes)
			return -PYSTACK_EEXIST;
		for (i = 0; i < PYSTACK_MAX_FRAMES && i < s->nframes; i++) {
			if (old->frames[i].code != s->frames[i].code ||
			    old->frames[i].instr != s->frames[i].instr ||
			    old->frames[i].ident != s->frames[i].ident)
				return -PYSTACK_EEXIST;
		}
		*id = key;
		return 0;
	}
	err = bpf_map_update_elem(&pystacks, &key, s, BPF_NOEXIST);
	if (err && err != -PYSTACK_EEXIST)
		return err;
	/* -EEXIST: another CPU stored it meanwhile, most likely the same frames */
	*id = key;
	return err ? 0 : PYSTACK_NEW;
}

#endif
