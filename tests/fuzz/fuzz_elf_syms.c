// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: any bytes as the ELF file elf_funcs_load_fd reads, the way the symbolizer
 * and func read a traced process's binaries, and as the binary whose build id and
 * .gnu_debuglink lead to its debug file (symbols/debug_file.c). Run by `make fuzz`
 * (tests/fuzz/fuzz.mk). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "symbols/debug_file.h"
#include "symbols/elf_syms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct elf_funcs fs;
	const char *near[4];
	char name[256], id[129];
	uint32_t crc;

	/* One memory file for every input: a real fd, as safe_open gives. */
	if (fd < 0) {
		fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	if (!elf_funcs_load_fd(fd, &fs)) {
		if (fs.n)
			elf_funcs_suggest(&fs, fs.v[0].name, near, 4);
		elf_funcs_free(&fs);
	}
	elf_build_id(fd, id, sizeof(id));
	debug_link(fd, name, sizeof(name), &crc);
	return 0;
}
