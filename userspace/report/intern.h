/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Byte strings to dense ids (0, 1, 2, ... in order of first sight): the string table, the
 * functions, locations and mappings of a pprof profile, the nodes of a flame graph. Keys are
 * copied; lookups hash them (FNV-1a) into an open-addressed table.
 */
#ifndef TAILTRACE_INTERN_H
#define TAILTRACE_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intern {
	char **keys;		/* by id, each a copy of its key */
	size_t *lens;
	size_t n, cap;
	uint32_t *slots;	/* id + 1, 0: empty */
	size_t nslots;
};

void intern_init(struct intern *t);
void intern_free(struct intern *t);
/* The id of key, added when new (*added says so, may be NULL). The id, or -ENOMEM. */
int64_t intern_id(struct intern *t, const void *key, size_t len, bool *added);
/* The key of an id, as given, with a 0 after it (a string key is a C string). */
static inline const char *intern_key(const struct intern *t, size_t id, size_t *len)
{
	if (len)
		*len = t->lens[id];
	return t->keys[id];
}

#endif
