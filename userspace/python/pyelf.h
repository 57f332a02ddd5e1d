/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What tailtrace needs of a CPython interpreter's ELF file (the python binary, or
 * libpython3.X.so where the binary links it): the addresses of its runtime and of the types
 * whose objects a frame points at, from .dynsym (Debian strips .symtab), and its version.
 */
#ifndef TAILTRACE_PYELF_H
#define TAILTRACE_PYELF_H

#include <stdint.h>

struct pyelf {
	uint64_t runtime;		/* _PyRuntime, as linked (add the load bias) */
	uint64_t code_type;		/* PyCode_Type */
	uint64_t unicode_type;		/* PyUnicode_Type */
	uint64_t bytes_type;		/* PyBytes_Type */
	uint32_t version;		/* Py_Version (PY_VERSION_HEX; an unsigned long in 3.11, whose
					 * low 4 bytes are read), 0 when absent (< 3.11) */
	uint64_t first_load;		/* the first PT_LOAD's p_vaddr less its p_offset */
	int dyn;			/* ET_DYN: loaded at a bias */
};

/*
 * Reads the interpreter's symbols from fd, an ELF file opened by safe_open or
 * safe_open_mapping. 0; -ENOENT when it has no _PyRuntime (not an interpreter: a python
 * binary that links libpython, any other program); -ENOEXEC / -EBADMSG for what is not a
 * whole ELF file of this machine.
 */
int pyelf_read(int fd, struct pyelf *out);

#endif
