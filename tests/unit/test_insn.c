/* What the kernel does with a probed function's first instruction, on byte sequences. */
#include <criterion/criterion.h>
#include "uprobe/insn.h"

static uint64_t where(const unsigned char *b, size_t len, bool *past, bool *stepped)
{
	return insn_probe_offset(b, len, 0x1000, 64, false, past, stepped);
}

Test(insn, emulated_first_instructions)
{
	static const unsigned char push_rbp[8] = { 0x55, 0x48, 0x89, 0xe5 };
	static const unsigned char push_r12[8] = { 0x41, 0x54 };
	static const unsigned char nop5[8] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	static const unsigned char nop[8] = { 0x90 };
	static const unsigned char call[8] = { 0xe8, 0, 0, 0, 0 };
	static const unsigned char jmp8[8] = { 0xeb, 0x10 };

	cr_assert_not(insn_single_stepped(push_rbp));
	cr_assert_not(insn_single_stepped(push_r12), "push with a REX prefix");
	cr_assert_not(insn_single_stepped(nop5));
	cr_assert_not(insn_single_stepped(nop));
	cr_assert_not(insn_single_stepped(call));
	cr_assert_not(insn_single_stepped(jmp8));
}

Test(insn, single_stepped_first_instructions)
{
	static const unsigned char lea[8] = { 0x48, 0x8d, 0x05, 0, 0, 0, 0 };
	static const unsigned char mov[8] = { 0x89, 0xf8 };
	static const unsigned char test[8] = { 0x85, 0xff };
	static const unsigned char endbr64[8] = { 0xf3, 0x0f, 0x1e, 0xfa };

	cr_assert(insn_single_stepped(lea));
	cr_assert(insn_single_stepped(mov));
	cr_assert(insn_single_stepped(test));
	cr_assert(insn_single_stepped(endbr64), "the kernel cannot emulate endbr64");
}

Test(insn, refused_prefixes)
{
	static const unsigned char lock_add[8] = { 0xf0, 0x48, 0x83, 0x07, 0x01 };
	static const unsigned char opsize_lock[8] = { 0x66, 0xf0, 0x83, 0x07, 0x01 };
	static const unsigned char cs_jmp[8] = { 0x2e, 0xeb, 0x00 };
	static const unsigned char fs_mov[8] = { 0x64, 0x48, 0x8b, 0x04, 0x25 };
	bool past, stepped;

	cr_assert(insn_prefix_refused(lock_add, 4));
	cr_assert(insn_prefix_refused(opsize_lock, 4), "a LOCK after another prefix");
	cr_assert(insn_prefix_refused(cs_jmp, 4));
	cr_assert_not(insn_prefix_refused(fs_mov, 4), "FS is allowed");
	cr_assert_eq(where(lock_add, 8, &past, &stepped), PROBE_REFUSED);
}

Test(insn, probe_goes_past_endbr64)
{
	static const unsigned char endbr_push[8] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5 };
	static const unsigned char endbr_lea[8] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x8d, 0x05, 0 };
	static const unsigned char push[8] = { 0x55 };
	bool past, stepped;

	cr_assert_eq(where(endbr_push, 8, &past, &stepped), 0x1004);
	cr_assert(past);
	cr_assert_not(stepped, "the push after it is emulated");
	cr_assert_eq(where(endbr_lea, 8, &past, &stepped), 0x1004);
	cr_assert(stepped, "the lea after it is single-stepped");
	cr_assert_eq(insn_probe_offset(endbr_push, 8, 0x1000, 64, true, &past, &stepped), 0x1000,
		     "keep_endbr probes the endbr64 itself");
	cr_assert(stepped);
	cr_assert_eq(insn_probe_offset(endbr_push, 8, 0x1000, 4, false, &past, &stepped), 0x1000,
		     "a function of 4 bytes has nothing past its endbr64");
	cr_assert_eq(where(push, 8, &past, &stepped), 0x1000);
	cr_assert_not(past);
	cr_assert_eq(where(push, 0, &past, &stepped), 0x1000, "unread: the start");
}
