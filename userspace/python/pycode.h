/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A CPython 3.11 code object read from a live process: its qualified name, file, first line
 * and location table, and the line of an instruction. Everything read is the process's to
 * corrupt: every size is bounded, every object's type checked.
 */
#ifndef TAILTRACE_PYCODE_H
#define TAILTRACE_PYCODE_H

#include <stddef.h>
#include <stdint.h>

/* Longest name or file kept (in characters of the string; UTF-8 may take up to 4 bytes a
 * character), and longest location table read. */
#define PYCODE_STR_MAX		1024
#define PYCODE_LINETABLE_MAX	(256 * 1024)
/* Most bytes of one location table entry: a first byte and four varints of 11 bytes. */
#define PYCODE_ENTRY_MAX	45

/* The type objects a code object and its fields must point at, in the process. */
struct pytypes {
	uint64_t code, unicode, bytes;
};

struct pycode {
	char *qualname;		/* UTF-8 */
	char *filename;
	int firstlineno;
	/* the location table stays in the process: a copy of each would cost up to
	 * PYCODE_LINETABLE_MAX bytes a code object, which a script of 70,000 functions
	 * sharing one huge table turned into gigabytes; what a line needs is read then */
	uint64_t linetable;	/* the address of its bytes */
	size_t linetable_len;
	uint64_t ident;		/* what tells it from others at its address (abi/pystack.h) */
};

/*
 * Reads the code object at addr through the process's /proc/PID/mem, open on mem_fd.
 * 0; -EFAULT when some of it cannot be read (the process is gone, a wild pointer), -EBADMSG
 * when it is not what a 3.11 code object is (a type, a size, a string that is not one),
 * -ENOMEM.
 */
int pycode_read(int mem_fd, const struct pytypes *types, uint64_t addr, struct pycode *out);
void pycode_free(struct pycode *c);

/* The line that the instruction at byte offset addr of the code runs, from the 3.11
 * location table (Objects/locations.md); firstlineno when the table does not say (an
 * instruction without a location, a table cut short). */
int pycode_line(const uint8_t *table, size_t len, int firstlineno, int64_t addr);
/* The same for code object c of the process (mem_fd), reading of its location table only
 * the entries that may come before addr (PYCODE_ENTRY_MAX bytes a code unit) into scratch,
 * of PYCODE_LINETABLE_MAX bytes; firstlineno when the table cannot be read. */
int pycode_line_at(int mem_fd, const struct pycode *c, int64_t addr, uint8_t *scratch);

/* A 3.11 str object's characters as UTF-8, from its header (PY311_UNICODE_ASCII_DATA
 * bytes at least) and data bytes following it: exposed for tests. */
int pycode_unicode_utf8(const uint8_t *obj, size_t len, char **out);

#endif
