/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Addresses to function names: kernel ones through /proc/kallsyms, user ones through the
 * process's mappings and the ELF symbol tables (elf_syms). A process's mappings are gone
 * once it exits, so they are cached while it lives (symbolizer_cache_pid).
 */
#ifndef TAILTRACE_SYMBOLIZER_H
#define TAILTRACE_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/* kallsyms: NULL for /proc/kallsyms (the tests give a file of their own). */
struct symbolizer *symbolizer_new(const char *kallsyms);
void symbolizer_free(struct symbolizer *s);
/* Reads the mappings of pid again and keeps them; when it is gone, those read while it
 * lived stay. 0 or -errno. */
int symbolizer_cache_pid(struct symbolizer *s, int pid);
/* Whether the mappings of pid were ever read. */
bool symbolizer_has_pid(struct symbolizer *s, int pid);
/* What is known of an address: the function holding it (NULL: none), addr's offset into it,
 * the module (a binary's path, "[kernel]"; NULL: not mapped) and its build id (NULL: none).
 * The strings belong to the symbolizer. */
struct sym_frame {
	const char *symbol;
	uint64_t offset;
	const char *module;
	const char *build_id;
	uint64_t file_offset;	/* user: the offset in the module's file */
};

void symbolizer_kernel_frame(struct symbolizer *s, uint64_t addr, struct sym_frame *f);
void symbolizer_user_frame(struct symbolizer *s, int pid, uint64_t addr, struct sym_frame *f);
/* The same as one string: "name", or "[unknown]" / "[path+0xoff]" when no function is
 * known. The result is in buf. */
const char *symbolizer_kernel(struct symbolizer *s, uint64_t addr, char *buf, size_t len);
const char *symbolizer_user(struct symbolizer *s, int pid, uint64_t addr, char *buf, size_t len);

#endif
