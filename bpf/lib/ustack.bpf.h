/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A user stack for unwinding in userspace (abi/ustack.h): the current thread's user registers
 * and up to USTACK_MAX bytes of its stack from the stack pointer up, sent whole through a ring
 * buffer the caller owns. Works in perf_event, uprobe, tp_btf and raw_tp programs; needs
 * bpf_task_pt_regs (Linux 5.15) and bpf_find_vma (5.17). Costs a per-CPU record of 16 KiB
 * (ustack_scratch).
 */
#ifndef TAILTRACE_USTACK_BPF_H
#define TAILTRACE_USTACK_BPF_H

#include "abi/ustack.h"

#define USTACK_PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#define USTACK_PF_IO_WORKER	0x00000010
#define USTACK_ENOENT		2		/* errno values, which vmlinux.h lacks */
#define USTACK_EFAULT		14

/* The record is built here, then sent with the size copied: a ring buffer reservation has a
 * size fixed at load, and most slices stop short of USTACK_MAX at the top of the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ustack_sample);
} ustack_scratch SEC(".maps");

struct ustack_vma {
	__u64 end;
};

static long ustack_vma_end(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	((struct ustack_vma *)data)->end = BPF_CORE_READ(vma, vm_end);
	return 0;
}

/*
 * Sends the current thread's user stack to ringbuf. regs: the registers the program was given
 * (a perf_event's &ctx->regs, a uprobe's ctx), or NULL where there are none (tracepoints); when
 * they are not user mode (the sample hit the kernel), the registers saved when the thread
 * entered the kernel are taken. cookie is copied into the record; rb_flags go to
 * bpf_ringbuf_output: BPF_RB_NO_WAKEUP with the reader consuming on a timer, since a wakeup
 * per record costs about 11 us, most of a capture's cost. 0, -ENOENT for a thread with no
 * user stack (a kernel thread, a task exiting), -EFAULT when not even the first chunk could
 * be read, or bpf_ringbuf_output's error (-EAGAIN: the ring is full).
 */
static __always_inline long ustack_capture(void *ringbuf, const void *regs, __u64 cookie,
					   __u64 rb_flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ustack_vma vma = { 0 };
	__u64 size = 0;
	__u32 zero = 0, i;
	struct ustack_sample *s;
	struct pt_regs r;
	__u64 id;

	/* a kernel thread, or a task whose memory is gone (it is exiting) */
	if ((BPF_CORE_READ(task, flags) & (USTACK_PF_KTHREAD | USTACK_PF_IO_WORKER)) ||
	    !BPF_CORE_READ(task, mm))
		return -USTACK_ENOENT;
	s = bpf_map_lookup_elem(&ustack_scratch, &zero);
	if (!s)
		return -USTACK_ENOENT;
	s->flags = 0;
	/* A ctx is no pointer the verifier lets us read through both ways: copy it. */
	if (regs && !bpf_probe_read_kernel(&r, sizeof(r), regs) && (r.cs & 3) == 3) {
		s->flags = USTACK_F_USER_SAMPLE;
	} else {
		regs = (const void *)bpf_task_pt_regs(task);
		if (!regs || bpf_probe_read_kernel(&r, sizeof(r), regs))
			return -USTACK_EFAULT;
	}
	s->regs[USTACK_REG_AX] = r.ax;
	s->regs[USTACK_REG_DX] = r.dx;
	s->regs[USTACK_REG_CX] = r.cx;
	s->regs[USTACK_REG_BX] = r.bx;
	s->regs[USTACK_REG_SI] = r.si;
	s->regs[USTACK_REG_DI] = r.di;
	s->regs[USTACK_REG_BP] = r.bp;
	s->regs[USTACK_REG_SP] = r.sp;
	s->regs[USTACK_REG_R8] = r.r8;
	s->regs[USTACK_REG_R9] = r.r9;
	s->regs[USTACK_REG_R10] = r.r10;
	s->regs[USTACK_REG_R11] = r.r11;
	s->regs[USTACK_REG_R12] = r.r12;
	s->regs[USTACK_REG_R13] = r.r13;
	s->regs[USTACK_REG_R14] = r.r14;
	s->regs[USTACK_REG_R15] = r.r15;
	s->regs[USTACK_REG_IP] = r.ip;
	/* From sp rounded down, up to the end of the stack's mapping, in one read: a read costs
	 * about 1.4 us a call on our VMs, more than its bytes, and one past the end faults,
	 * which costs more than the whole copy. bpf_find_vma fails when the mmap lock is
	 * taken, and the read when a page is swapped out: then aligned chunks, up to the first
	 * that faults (the top of the stack, or that page); everything below it is taken. */
	s->base = r.sp & ~(__u64)(USTACK_CHUNK - 1);
	if (!bpf_find_vma(task, r.sp, ustack_vma_end, &vma, 0) && vma.end > s->base) {
		size = vma.end - s->base;
		if (size > USTACK_MAX) {
			size = USTACK_MAX;
			s->flags |= USTACK_F_TRUNCATED;
		}
		if (bpf_probe_read_user(s->stack, size, (const void *)s->base))
			size = 0;
	}
	if (!size) {
		for (i = 0; i < USTACK_MAX / USTACK_CHUNK; i++) {
			if (bpf_probe_read_user(s->stack + i * USTACK_CHUNK, USTACK_CHUNK,
						(const void *)(s->base + i * USTACK_CHUNK)))
				break;
		}
		size = i * USTACK_CHUNK;
		if (size == USTACK_MAX)
			s->flags |= USTACK_F_TRUNCATED;
	}
	if (!size)
		return -USTACK_EFAULT;
	s->size = size;
	id = bpf_get_current_pid_tgid();
	s->tgid = id >> 32;
	s->tid = (__u32)id;
	s->cookie = cookie;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	s->time_ns = bpf_ktime_get_ns();
	return bpf_ringbuf_output(ringbuf, s, USTACK_HEADER_SIZE + size, rb_flags);
}

#endif
