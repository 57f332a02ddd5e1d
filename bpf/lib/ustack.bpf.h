/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A user stack for unwinding in userspace (abi/ustack.h): the current thread's user registers
 * and up to USTACK_MAX bytes of its stack from the stack pointer up, sent whole through a ring
 * buffer the caller owns. Works in perf_event, uprobe, tp_btf and raw_tp programs; needs
 * bpf_task_pt_regs (Linux 5.15) and bpf_find_vma (5.17). Costs a per-CPU record of 16 KiB
 * (ustack_scratch).
 *
 * The one place where tailtrace takes user stacks in the kernel (profile's samples and
 * off-CPU blocks, func's slow calls): what more a frame needs (an interpreter's state) is
 * added here, once. An object built with BPF_NO_PRESERVE_ACCESS_INDEX (func's, which must
 * make libbpf skip the kernel's BTF) uses only ustack_capture_uregs, which reads no kernel
 * struct by CO-RE.
 */
#ifndef TAILTRACE_USTACK_BPF_H
#define TAILTRACE_USTACK_BPF_H

#include "abi/ustack.h"

#define USTACK_PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#define USTACK_PF_IO_WORKER	0x00000010
#define USTACK_ENOENT		2		/* errno values, which vmlinux.h lacks */
#define USTACK_EFAULT		14

#ifdef BPF_NO_PRESERVE_ACCESS_INDEX
/* No CO-RE: vm_end is the second word of vm_area_struct in every kernel that has
 * bpf_find_vma (5.17 on), and the verifier checks the offset against the running kernel's
 * BTF at load, so a kernel where it moved refuses the program rather than misreads. */
#define USTACK_VMA_END(vma)	((vma)->vm_end)
#else
#define USTACK_VMA_END(vma)	BPF_CORE_READ(vma, vm_end)
#endif

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
	((struct ustack_vma *)data)->end = USTACK_VMA_END(vma);
	return 0;
}

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
/* Functions a return probe times (func's, or anyone's) wait to return with their return
 * address on the stack replaced by the kernel's trampoline: an unwind stops there. The
 * kernel keeps the real ones in the thread's return instances, each with the stack slot it
 * replaced: put back into the copy, the copy is the stack as the program wrote it. */
#define USTACK_URETPROBES_MAX	16

static __always_inline void ustack_put_back_returns(struct ustack_sample *s,
						    struct task_struct *task, __u64 size)
{
	struct return_instance *ri;
	__u64 tramp;
	__u32 i;

	/* a kernel without uprobes has no such field: nothing to put back */
	if (!bpf_core_field_exists(task->utask))
		return;
	ri = BPF_CORE_READ(task, utask, return_instances);
	/* the trampoline is the first slot of the process's uprobe area */
	tramp = BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);
	for (i = 0; i < USTACK_URETPROBES_MAX && ri && tramp; i++) {
		__u64 at = BPF_CORE_READ(ri, stack), off = at - s->base;

		/* only where the trampoline still is: an instance a longjmp or an exception
		 * left stale (the kernel drops them at the next return) points at a slot that
		 * is another frame's now */
		if (at >= s->base && off + 8 <= size && off <= USTACK_MAX - 8 &&
		    *(__u64 *)(s->stack + off) == tramp)
			*(__u64 *)(s->stack + off) = BPF_CORE_READ(ri, orig_ret_vaddr);
		ri = BPF_CORE_READ(ri, next);
	}
}
#endif

/* Bytes above a main thread's start_stack (its argc) that the copy keeps: the outermost frame,
 * _start's, lies below it; what is above (argv, the environment, auxv, a random gap of up to
 * 8 KiB) is no frame's, and unwinding never reads it. */
#define USTACK_ABOVE_START	64

/*
 * Where the copy of a main thread's stack can end, without bpf_find_vma: its first frame is
 * at mm->start_stack, which exec set, a few KiB below the top of its mapping. 0 when sp is
 * not within USTACK_MAX below it (another thread's stack, an alternate signal stack, a
 * process that moved its stack or its start_stack): then the stack's mapping bounds the copy.
 * Saves, per sample, the VMA lookup (its mmap lock is released by an irq_work when interrupts
 * are off: an interrupt more) and the 2-8 KiB above main, each byte of which the ring buffer
 * write pays for. An object without CO-RE cannot find mm's fields: 0.
 */
static __always_inline __u64 ustack_main_end(struct task_struct *task, __u64 base)
{
#ifdef BPF_NO_PRESERVE_ACCESS_INDEX
	return 0;
#else
	struct mm_struct *mm = task->mm;
	__u64 start;

	if (!mm)
		return 0;
	start = mm->start_stack;
	if (start <= base || start - base > USTACK_MAX - USTACK_ABOVE_START)
		return 0;
	return start + USTACK_ABOVE_START;
#endif
}

/*
 * Fills s with the current thread's user registers r (a copy) and its stack from r's stack
 * pointer up (return addresses a return probe took put back); flags go to s->flags. Returns
 * the bytes of s to send (header and stack), or -EFAULT when not even the first chunk could
 * be read.
 */
static __always_inline long ustack_fill(struct ustack_sample *s, const struct pt_regs *r,
					__u32 flags, __u64 cookie, __u64 value)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ustack_vma vma = { 0 };
	__u64 size = 0, end, id;
	__u32 i;

	s->flags = flags;
	s->regs[USTACK_REG_AX] = r->ax;
	s->regs[USTACK_REG_DX] = r->dx;
	s->regs[USTACK_REG_CX] = r->cx;
	s->regs[USTACK_REG_BX] = r->bx;
	s->regs[USTACK_REG_SI] = r->si;
	s->regs[USTACK_REG_DI] = r->di;
	s->regs[USTACK_REG_BP] = r->bp;
	s->regs[USTACK_REG_SP] = r->sp;
	s->regs[USTACK_REG_R8] = r->r8;
	s->regs[USTACK_REG_R9] = r->r9;
	s->regs[USTACK_REG_R10] = r->r10;
	s->regs[USTACK_REG_R11] = r->r11;
	s->regs[USTACK_REG_R12] = r->r12;
	s->regs[USTACK_REG_R13] = r->r13;
	s->regs[USTACK_REG_R14] = r->r14;
	s->regs[USTACK_REG_R15] = r->r15;
	s->regs[USTACK_REG_IP] = r->ip;
	/* From sp rounded down, up to the main thread's first frame or else the end of the
	 * stack's mapping, in one read: a read costs about 1.4 us a call on our VMs, more than
	 * its bytes, and one past the end faults, which costs more than the whole copy.
	 * bpf_find_vma fails when the mmap lock is taken, and the read when a page is swapped
	 * out: then aligned chunks, up to the first that faults (the top of the stack, or that
	 * page); everything below it is taken. */
	s->base = r->sp & ~(__u64)(USTACK_CHUNK - 1);
	end = ustack_main_end(task, s->base);
	if (end) {
		size = end - s->base;
		if (size > USTACK_MAX || bpf_probe_read_user(s->stack, size, (const void *)s->base))
			size = 0;
	}
	if (!size && !bpf_find_vma(task, r->sp, ustack_vma_end, &vma, 0) && vma.end > s->base) {
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
#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
	ustack_put_back_returns(s, task, size);
#endif
	s->size = size;
	id = bpf_get_current_pid_tgid();
	s->tgid = id >> 32;
	s->tid = (__u32)id;
	s->cookie = cookie;
	s->value = value;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	s->time_ns = bpf_ktime_get_ns();
	return USTACK_HEADER_SIZE + size;
}

/*
 * Sends the current thread's stack, in a uprobe or uretprobe: uregs is its ctx, the user
 * registers where the probe hit (at a uretprobe: the return address, in the caller, and the
 * caller's stack pointer). Reads no kernel struct but the VMA's end. 0, -EFAULT, or
 * bpf_ringbuf_output's error (-EAGAIN: the ring is full).
 */
static __always_inline long ustack_capture_uregs(void *ringbuf, const struct pt_regs *uregs,
						 __u64 cookie, __u64 value, __u64 rb_flags)
{
	struct ustack_sample *s;
	struct pt_regs r;
	__u32 zero = 0;
	long size;

	s = bpf_map_lookup_elem(&ustack_scratch, &zero);
	if (!s || bpf_probe_read_kernel(&r, sizeof(r), uregs))
		return -USTACK_EFAULT;
	size = ustack_fill(s, &r, USTACK_F_USER_SAMPLE, cookie, value);
	if (size < 0)
		return size;
	if (size > (long)sizeof(*s))	/* never; for the verifier */
		return -USTACK_EFAULT;
	return bpf_ringbuf_output(ringbuf, s, size, rb_flags);
}

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
/*
 * The user registers of the current thread: those the program was given (a perf_event's
 * &ctx->regs) when they are user mode, else those saved when it entered the kernel (a system
 * call, an interrupt, a fault; regs NULL: a tracepoint). *flags: USTACK_F_USER_SAMPLE or 0.
 * 0, -ENOENT for a thread with no user stack (a kernel thread, a task exiting), -EFAULT.
 */
static __always_inline long ustack_user_regs(const void *regs, struct pt_regs *r, __u32 *flags)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if ((BPF_CORE_READ(task, flags) & (USTACK_PF_KTHREAD | USTACK_PF_IO_WORKER)) ||
	    !BPF_CORE_READ(task, mm))
		return -USTACK_ENOENT;
	*flags = 0;
	/* A ctx is no pointer the verifier lets us read through both ways: copy it. */
	if (regs && !bpf_probe_read_kernel(r, sizeof(*r), regs) && (r->cs & 3) == 3) {
		*flags = USTACK_F_USER_SAMPLE;
		return 0;
	}
	regs = (const void *)bpf_task_pt_regs(task);
	if (!regs || bpf_probe_read_kernel(r, sizeof(*r), regs))
		return -USTACK_EFAULT;
	return 0;
}

/*
 * Fills s (any ustack_sample the program owns: the scratch, a task's storage) with the
 * current thread's user stack; regs as ustack_user_regs takes them. The bytes of s to send,
 * or -ENOENT, -EFAULT.
 */
static __always_inline long ustack_take(struct ustack_sample *s, const void *regs, __u64 cookie,
					__u64 value)
{
	struct pt_regs r;
	__u32 flags;
	long err = ustack_user_regs(regs, &r, &flags);

	return err ? err : ustack_fill(s, &r, flags, cookie, value);
}

/*
 * Sends the current thread's user stack to ringbuf. regs: the registers the program was given
 * (a perf_event's &ctx->regs, a uprobe's ctx), or NULL where there are none (tracepoints); when
 * they are not user mode (the sample hit the kernel), the registers saved when the thread
 * entered the kernel are taken. cookie and value are copied into the record; rb_flags go to
 * bpf_ringbuf_output: BPF_RB_NO_WAKEUP with the reader consuming on a timer, since a wakeup
 * per record costs about 11 us, most of a capture's cost. 0, -ENOENT for a thread with no
 * user stack (a kernel thread, a task exiting), -EFAULT when not even the first chunk could
 * be read, or bpf_ringbuf_output's error (-EAGAIN: the ring is full).
 */
static __always_inline long ustack_capture(void *ringbuf, const void *regs, __u64 cookie,
					   __u64 rb_flags)
{
	struct ustack_sample *s;
	__u32 zero = 0;
	long size;

	s = bpf_map_lookup_elem(&ustack_scratch, &zero);
	if (!s)
		return -USTACK_ENOENT;
	size = ustack_take(s, regs, cookie, 0);
	if (size < 0)
		return size;
	if (size > (long)sizeof(*s))	/* never; for the verifier */
		return -USTACK_EFAULT;
	return bpf_ringbuf_output(ringbuf, s, size, rb_flags);
}
#endif

#endif
