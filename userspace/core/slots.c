// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "core/slots.h"

int slots_for_each(int fd, size_t key_size, uint32_t max_slots,
		   int (*fn)(void *ctx, const void *key, uint32_t slot), void *ctx)
{
	char *key = malloc(key_size), *next = malloc(key_size);
	bool first = true;
	int err = 0;

	if (!key || !next) {
		err = -ENOMEM;
		goto out;
	}
	while (!err && !bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		__u32 slot;

		first = false;
		memcpy(key, next, key_size);
		if (bpf_map_lookup_elem(fd, key, &slot) || slot >= max_slots)
			continue;
		err = fn(ctx, key, slot);
	}
out:
	free(key);
	free(next);
	return err;
}
