// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "uprobe/insn.h"

bool insn_prefix_refused(const unsigned char *insn, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (insn[i]) {
		case 0xf0: case 0x26: case 0x2e: case 0x36: case 0x3e:
			return true;
		case 0x66: case 0x67: case 0xf2: case 0xf3: case 0x64: case 0x65:
			continue;	/* other prefixes: the next byte may be one too */
		default:
			return false;
		}
	}
	return false;
}

bool insn_single_stepped(const unsigned char *insn)
{
	const unsigned char *op = insn + (insn[0] >= 0x40 && insn[0] <= 0x4f);	/* REX */

	if (*op >= 0x50 && *op <= 0x57)		/* push %reg */
		return false;
	if (*op == 0x90 || (op[0] == 0x0f && op[1] == 0x1f) ||
	    (op[0] == 0x66 && (op[1] == 0x90 || (op[1] == 0x0f && op[2] == 0x1f))))
		return false;			/* nops */
	if (*op == 0xe8 || *op == 0xe9 || *op == 0xeb || (*op >= 0x70 && *op <= 0x7f) ||
	    (op[0] == 0x0f && op[1] >= 0x80 && op[1] <= 0x8f))
		return false;			/* call, jmp, jcc */
	return true;
}

uint64_t insn_probe_offset(const unsigned char *insn, size_t len, uint64_t offset,
			   uint64_t size, bool keep_endbr, bool *past_endbr, bool *stepped)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

	*past_endbr = false;
	*stepped = false;
	if (len < 4)
		return offset;	/* nothing known: the kernel will say */
	if (insn_prefix_refused(insn, 4))
		return PROBE_REFUSED;
	if (size <= 4 || keep_endbr || len < 8 || memcmp(insn, endbr64, 4)) {
		*stepped = insn_single_stepped(insn);
		return offset;
	}
	*past_endbr = true;
	*stepped = insn_single_stepped(insn + 4);
	return offset + 4;
}
