/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Growing arrays: the one helper the model, the JSON parser and the collectors share. */
#ifndef TAILTRACE_ARRAY_H
#define TAILTRACE_ARRAY_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for one more element of size sz in *v, which has n in use and *cap allocated
 * (doubling, from 16). The new room is zeroed. 0 or -ENOMEM, *v untouched on failure. */
static inline int array_grow(void **v, size_t n, size_t *cap, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*v, ncap * sz);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
	*v = p;
	*cap = ncap;
	return 0;
}

#endif
