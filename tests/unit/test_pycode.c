/* Reading CPython 3.11's objects (userspace/python/pycode.c): the location table against
 * the lines CPython 3.11 itself gives (co_lines), strings of each kind, and code objects read
 * through a file that plays a process's memory, whole and corrupt. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/types.h>
#include "abi/pystack.h"
#include "python/pycode.h"

/* def f(a, b) (first line 2) of a 3.11 module: a loop, a call over two lines, a nested
 * comprehension, try/except; printed by /usr/bin/python3.11 from f.__code__.co_linetable
 * and co_lines() (lines of instructions without one are shown as the first line, as
 * pycode_line gives them). Its entries are of kinds 0-4, 11, 12, 14 (long) and 15 (none),
 * and its line deltas go both ways. */
static const uint8_t table[] = {
	0x80, 0x00, 0xd8, 0x0c, 0x0d, 0x80, 0x45, 0xdd, 0x0d, 0x12, 0x90, 0x31,
	0x89, 0x58, 0x8c, 0x58, 0xf0, 0x00, 0x06, 0x05, 0x0f, 0xf0, 0x00, 0x06,
	0x05, 0x0f, 0x88, 0x01, 0xd8, 0x08, 0x0d, 0x90, 0x21, 0xd8, 0x12, 0x13,
	0xf1, 0x03, 0x01, 0x13, 0x14, 0xf1, 0x00, 0x01, 0x09, 0x15, 0x88, 0x05,
	0xe0, 0x0b, 0x10, 0x90, 0x33, 0x8a, 0x3b, 0x88, 0x3b, 0xdd, 0x14, 0x17,
	0xf0, 0x00, 0x02, 0x19, 0x0e, 0xf0, 0x00, 0x02, 0x19, 0x0e, 0xdd, 0x1b,
	0x20, 0xa0, 0x11, 0x99, 0x38, 0x9c, 0x38, 0xf0, 0x03, 0x02, 0x19, 0x0e,
	0xf1, 0x00, 0x02, 0x19, 0x0e, 0xf4, 0x00, 0x02, 0x19, 0x0e, 0xf1, 0x00,
	0x02, 0x15, 0x0f, 0xf4, 0x00, 0x02, 0x15, 0x0f, 0x88, 0x45, 0xf8, 0xf0,
	0x06, 0x03, 0x05, 0x0d, 0xd8, 0x08, 0x09, 0x88, 0x41, 0x89, 0x05, 0x88,
	0x05, 0x88, 0x05, 0xf8, 0xdd, 0x0b, 0x1c, 0xf0, 0x00, 0x01, 0x05, 0x0d,
	0xf0, 0x00, 0x01, 0x05, 0x0d, 0xf0, 0x00, 0x01, 0x05, 0x0d, 0xd8, 0x08,
	0x0c, 0x88, 0x04, 0xf0, 0x03, 0x01, 0x05, 0x0d, 0xf8, 0xf8, 0xf8, 0xe0,
	0x0b, 0x10, 0x80, 0x4c,
};
static const int lines[] = {
	2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 5, 5, 6, 5, 5, 5, 5, 5, 7, 7, 7, 7,
	7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9,
	9, 9, 9, 9, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 2, 11, 12, 12, 12, 12, 12, 12,
	2, 13, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 13, 2, 2, 2,
	15, 15,
};

Test(pycode, lines_agree_with_cpython)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		cr_assert_eq(pycode_line(table, sizeof(table), 2, (int64_t)(2 * i)), lines[i],
			     "byte offset %zu", 2 * i);
	cr_assert_eq(pycode_line(table, sizeof(table), 2, -2), 2, "before the first");
	cr_assert_eq(pycode_line(table, sizeof(table), 2, 100000), 2, "past the end");
}

Test(pycode, corrupt_tables_give_the_first_line)
{
	uint8_t cut[] = { 0xf0, 0x03 };	/* a long entry cut short */
	uint8_t loose[] = { 0x05, 0x06 };	/* not an entry's first byte */
	uint8_t endless[16];

	memset(endless, 0xff, sizeof(endless));	/* a varint that never ends */
	cr_assert_eq(pycode_line(cut, sizeof(cut), 7, 0), 7);
	cr_assert_eq(pycode_line(loose, sizeof(loose), 7, 0), 7);
	cr_assert_eq(pycode_line(endless, sizeof(endless), 7, 30), 7);
	cr_assert_eq(pycode_line(NULL, 0, 7, 0), 7);
	/* a line delta of about 2^56 (the fuzzer found it overflowing the line) */
	uint8_t huge[] = { 0xf0, 0x7e, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x3f, 0, 0, 0 };
	cr_assert_eq(pycode_line(huge, sizeof(huge), 7, 0), 7);
}

/* A str object as 3.11 lays it out: a header of PY311_UNICODE_ASCII_DATA bytes (ASCII) or
 * PY311_UNICODE_COMPACT_DATA, then the characters. */
static size_t make_str(uint8_t *buf, uint64_t type, unsigned kind, bool ascii, const void *data,
		       uint64_t length)
{
	uint32_t state = kind << 2 | 1u << 5 | (ascii ? 1u << 6 : 0) | 1u << 7;
	size_t head = ascii ? PY311_UNICODE_ASCII_DATA : PY311_UNICODE_COMPACT_DATA;

	memset(buf, 0, head);
	memcpy(buf + PY311_OBJECT_TYPE, &type, 8);
	memcpy(buf + PY311_UNICODE_LENGTH, &length, 8);
	memcpy(buf + PY311_UNICODE_STATE, &state, 4);
	memcpy(buf + head, data, length * kind);
	return head + length * kind;
}

Test(pycode, strings_of_each_kind)
{
	static const uint16_t ucs2[] = { 'p', 0xe9, 0x4e2d };
	static const uint32_t ucs4[] = { 'x', 0x1f600 };
	uint8_t buf[256];
	char *s;
	size_t n;

	n = make_str(buf, 1, 1, true, "Worker.run", 10);
	cr_assert_eq(pycode_unicode_utf8(buf, n, &s), 0);
	cr_assert_str_eq(s, "Worker.run");
	free(s);
	n = make_str(buf, 1, 1, false, "caf\xe9", 4);
	cr_assert_eq(pycode_unicode_utf8(buf, n, &s), 0);
	cr_assert_str_eq(s, "caf\xc3\xa9", "Latin-1 as UTF-8");
	free(s);
	n = make_str(buf, 1, 2, false, ucs2, 3);
	cr_assert_eq(pycode_unicode_utf8(buf, n, &s), 0);
	cr_assert_str_eq(s, "p\xc3\xa9\xe4\xb8\xad");
	free(s);
	n = make_str(buf, 1, 4, false, ucs4, 2);
	cr_assert_eq(pycode_unicode_utf8(buf, n, &s), 0);
	cr_assert_str_eq(s, "x\xf0\x9f\x98\x80");
	free(s);
	/* what no str is: cut short, of no kind, too long, not compact */
	n = make_str(buf, 1, 1, true, "abc", 3);
	cr_assert_eq(pycode_unicode_utf8(buf, n - 1, &s), -EBADMSG);
	cr_assert_null(s);
	buf[PY311_UNICODE_STATE] = (uint8_t)(3 << 2 | 1 << 5 | 1 << 7);
	cr_assert_eq(pycode_unicode_utf8(buf, n, &s), -EBADMSG);
	n = make_str(buf, 1, 1, true, "abc", 3);
	memcpy(buf + PY311_UNICODE_LENGTH, &(uint64_t){ PYCODE_STR_MAX + 1 }, 8);
	cr_assert_eq(pycode_unicode_utf8(buf, sizeof(buf), &s), -EBADMSG);
	n = make_str(buf, 1, 1, true, "abc", 3);
	buf[PY311_UNICODE_STATE] &= (uint8_t)~(1 << 5);
	cr_assert_eq(pycode_unicode_utf8(buf, n, &s), -EBADMSG);
}

/* A process's memory in a memfd: a code object at CODE, its strings and table after it. */
enum { CODE = 0x1000, NAME = 0x1400, FILE_ = 0x1800, TABLE = 0x1c00, MEM = 0x4000 };
static const struct pytypes types = { .code = 0x100, .unicode = 0x200, .bytes = 0x300 };

static int fake_memory(void)
{
	static uint8_t mem[MEM];
	uint64_t v;
	int32_t first = 2;
	int fd = memfd_create("pymem", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	memset(mem, 0, sizeof(mem));
	memcpy(mem + CODE + PY311_OBJECT_TYPE, &types.code, 8);
	memcpy(mem + CODE + PY311_CODE_FIRSTLINENO, &first, 4);
	v = NAME;
	memcpy(mem + CODE + PY311_CODE_QUALNAME, &v, 8);
	v = FILE_;
	memcpy(mem + CODE + PY311_CODE_FILENAME, &v, 8);
	v = TABLE;
	memcpy(mem + CODE + PY311_CODE_LINETABLE, &v, 8);
	make_str(mem + NAME, types.unicode, 1, true, "f", 1);
	make_str(mem + FILE_, types.unicode, 1, true, "f.py", 4);
	memcpy(mem + TABLE + PY311_OBJECT_TYPE, &types.bytes, 8);
	v = sizeof(table);
	memcpy(mem + TABLE + PY311_VAROBJECT_SIZE, &v, 8);
	memcpy(mem + TABLE + PY311_BYTES_DATA, table, sizeof(table));
	cr_assert_eq(pwrite(fd, mem, sizeof(mem), 0), (ssize_t)sizeof(mem));
	return fd;
}

static void poke(int fd, uint64_t at, uint64_t v)
{
	cr_assert_eq(pwrite(fd, &v, 8, (off_t)at), 8);
}

Test(pycode, code_objects_read_and_checked)
{
	static uint8_t scratch[PYCODE_LINETABLE_MAX];
	int fd = fake_memory();
	struct pycode c;

	cr_assert_eq(pycode_read(fd, &types, CODE, &c), 0);
	cr_assert_str_eq(c.qualname, "f");
	cr_assert_str_eq(c.filename, "f.py");
	cr_assert_eq(c.firstlineno, 2);
	cr_assert_eq(c.linetable_len, sizeof(table));
	cr_assert_eq(c.linetable, TABLE + PY311_BYTES_DATA);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		cr_assert_eq(pycode_line_at(fd, &c, (int64_t)(2 * i), scratch), lines[i],
			     "instruction %zu", i);
	cr_assert_eq(pycode_line_at(fd, &c, -2, scratch), 2, "before the first");
	pycode_free(&c);

	cr_assert_eq(pycode_read(fd, &types, 0, &c), -EFAULT, "NULL");
	cr_assert_eq(pycode_read(fd, &types, MEM - 8, &c), -EFAULT, "past the memory's end");
	cr_assert_eq(pycode_read(fd, &types, UINT64_MAX - 16, &c), -EFAULT, "wrapping");
	cr_assert_eq(pycode_read(fd, &types, NAME, &c), -EBADMSG, "a str is no code object");
	poke(fd, CODE + PY311_CODE_QUALNAME, TABLE);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), -EBADMSG, "a name that is bytes");
	poke(fd, CODE + PY311_CODE_QUALNAME, 0xdead0000);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), -EFAULT, "a name nowhere");
	poke(fd, CODE + PY311_CODE_QUALNAME, NAME);
	poke(fd, TABLE + PY311_VAROBJECT_SIZE, 1ull << 50);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), -EBADMSG, "a table of 2^50 bytes");
	cr_assert_null(c.qualname, "nothing kept of what failed");
	poke(fd, TABLE + PY311_VAROBJECT_SIZE, MEM);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), -EFAULT, "a table past the end");
	close(fd);
}

/* Two code objects at one address (one freed, another made there) differ in their identity
 * when their first lines, names or files do; the same object keeps it. */
Test(pycode, identity_tells_code_objects_apart)
{
	int fd = fake_memory();
	struct pycode c;
	uint64_t first;

	cr_assert_eq(pycode_read(fd, &types, CODE, &c), 0);
	first = c.ident;
	pycode_free(&c);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), 0);
	cr_assert_eq(c.ident, first, "the same code object");
	pycode_free(&c);
	cr_assert_eq(pwrite(fd, "g", 1, NAME + PY311_UNICODE_ASCII_DATA), 1);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), 0);
	cr_assert_str_eq(c.qualname, "g");
	cr_assert_neq(c.ident, first, "another name");
	pycode_free(&c);
	cr_assert_eq(pwrite(fd, "f", 1, NAME + PY311_UNICODE_ASCII_DATA), 1);
	cr_assert_eq(pwrite(fd, "g", 1, FILE_ + PY311_UNICODE_ASCII_DATA + 3), 1);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), 0);
	cr_assert_str_eq(c.filename, "f.pg");
	cr_assert_neq(c.ident, first, "another file");
	pycode_free(&c);
	cr_assert_eq(pwrite(fd, "y", 1, FILE_ + PY311_UNICODE_ASCII_DATA + 3), 1);
	cr_assert_eq(pwrite(fd, &(int32_t){ 3 }, 4, CODE + PY311_CODE_FIRSTLINENO), 4);
	cr_assert_eq(pycode_read(fd, &types, CODE, &c), 0);
	cr_assert_neq(c.ident, first, "another first line");
	pycode_free(&c);
	close(fd);
}
