// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Symbolized frames into the model's stacks. */
#include <errno.h>
#include <string.h>
#include "collectors/sym_frames.h"

/* Inlined frames shown at one address, and the function holding them. */
#define FRAMES_AT_ADDR	16

int sym_frames_add_user(struct symbolizer *sym, struct stack *st, int pid, uint64_t addr,
			bool call, bool only_mapped, struct pymerge *py)
{
	struct sym_frame f[FRAMES_AT_ADDR];
	size_t n = symbolizer_user_frames(sym, pid, addr, call, f, FRAMES_AT_ADDR);
	int err;

	if (only_mapped && !f[n - 1].module)
		return 1;
	/* an evaluator's frame (and what is inlined there): its Python frames in its place */
	err = py ? pymerge_frame(py, f[n - 1].symbol, st) : 0;
	if (err)
		return err < 0 ? err : 0;
	for (size_t i = 0; i < n; i++) {
		/* without a name, the place in the file: the same in every process */
		uint64_t off = f[i].symbol ? f[i].offset : f[i].file_offset;

		if (stack_add_frame(st, addr, f[i].symbol, off, f[i].module, f[i].build_id,
				    FRAME_USER))
			return -ENOMEM;
		if ((f[i].file || f[i].inlined) &&
		    frame_set_source(&st->frames[st->nframes - 1], f[i].file, f[i].line,
				     f[i].inlined))
			return -ENOMEM;
	}
	return 0;
}

int sym_frames_add_kernel(struct symbolizer *sym, struct stack *st, uint64_t addr)
{
	struct sym_frame f;

	symbolizer_kernel_frame(sym, addr, &f);
	return stack_add_frame(st, addr, f.symbol, f.offset, f.module, f.build_id, FRAME_KERNEL) ?
	       -ENOMEM : 0;
}

static bool in_tracer(const char *name)
{
	return name && (!strncmp(name, "bpf_", 4) || !strncmp(name, "__bpf_", 6) ||
			!strncmp(name, "__traceiter_", 12));
}

int sym_frames_add_kernel_stack(struct symbolizer *sym, struct stack *st, const uint64_t *ips,
				size_t n)
{
	size_t i = 0;

	for (; i < n && ips[i]; i++) {
		struct sym_frame f;

		symbolizer_kernel_frame(sym, ips[i], &f);
		if (!in_tracer(f.symbol))
			break;
	}
	for (; i < n && ips[i]; i++)
		if (sym_frames_add_kernel(sym, st, ips[i]))
			return -ENOMEM;
	return 0;
}
