/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the kernel does with the first instruction of a probed function (x86-64): refuse it,
 * emulate it, or single-step it out of line; and where to put the probe so that it costs the
 * least and times the same frame.
 */
#ifndef TAILTRACE_UPROBE_INSN_H
#define TAILTRACE_UPROBE_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel refuses to probe an instruction with a LOCK or ES/CS/SS/DS prefix (x86
 * uprobes' is_prefix_bad); other prefixes before them count too. */
bool insn_prefix_refused(const unsigned char *insn, size_t len);
/* Whether the kernel must single-step insn (about 15 us a call, 13 inside the timed window)
 * rather than emulate it: it emulates a push of a register, nops, relative jumps and
 * calls. insn has at least 4 readable bytes. */
bool insn_single_stepped(const unsigned char *insn);

#define PROBE_REFUSED UINT64_MAX

/* Where to probe a function of size bytes at offset whose first len bytes are insn: its
 * start, 4 bytes further past an endbr64 (the kernel cannot emulate endbr64; it changes
 * neither the stack nor the return address, so the frame is the same), or PROBE_REFUSED.
 * *past_endbr and *stepped tell what was found. keep_endbr probes the endbr64 itself. */
uint64_t insn_probe_offset(const unsigned char *insn, size_t len, uint64_t offset,
			   uint64_t size, bool keep_endbr, bool *past_endbr, bool *stepped);

#endif
