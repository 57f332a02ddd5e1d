// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: any bytes as the memory of a process that passes for CPython 3.11, read
 * the way userspace/python/ names a frame: the code object at byte 64 (its pointers are
 * offsets into the same bytes; the types are the small numbers below), then the line of an
 * instruction from its location table; and the bytes as a location table and a str object
 * themselves. Run by `make fuzz` (tests/fuzz/fuzz.mk). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "python/pycode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pytypes types = { .code = 8, .unicode = 16, .bytes = 24 };
	static uint8_t scratch[PYCODE_LINETABLE_MAX];
	static int fd = -1;
	struct pycode c;
	int64_t addr = 0;
	char *s;

	if (fd < 0) {
		fd = memfd_create("fuzz_pycode", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	if (size >= 8)
		memcpy(&addr, data, 8);
	if (!pycode_read(fd, &types, 64, &c)) {
		pycode_line_at(fd, &c, addr, scratch);
		pycode_free(&c);
	}
	pycode_line(data, size, 1, addr);
	if (!pycode_unicode_utf8(data, size, &s))
		free(s);
	return 0;
}
