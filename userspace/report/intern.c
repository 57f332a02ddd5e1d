// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/intern.h"

void intern_init(struct intern *t)
{
	memset(t, 0, sizeof(*t));
}

void intern_free(struct intern *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->lens);
	free(t->slots);
	intern_init(t);
}

static uint64_t hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* The slot of key: where it is, or the empty one where it goes. */
static size_t find(const struct intern *t, const void *key, size_t len)
{
	size_t mask = t->nslots - 1, i = hash(key, len) & mask;

	while (t->slots[i]) {
		uint32_t id = t->slots[i] - 1;

		if (t->lens[id] == len && !memcmp(t->keys[id], key, len))
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* Keeps the table at most half full. */
static int grow_slots(struct intern *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : 256;
	uint32_t *old = t->slots;
	size_t oldn = t->nslots;

	t->slots = calloc(nslots, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	t->nslots = nslots;
	for (size_t i = 0; i < oldn; i++)
		if (old[i]) {
			uint32_t id = old[i] - 1;

			t->slots[find(t, t->keys[id], t->lens[id])] = old[i];
		}
	free(old);
	return 0;
}

int64_t intern_id(struct intern *t, const void *key, size_t len, bool *added)
{
	size_t slot;
	char *copy;

	if (added)
		*added = false;
	if ((t->n + 1) * 2 > t->nslots && grow_slots(t))
		return -ENOMEM;
	if (t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	slot = find(t, key, len);
	if (t->slots[slot])
		return t->slots[slot] - 1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **k = realloc(t->keys, cap * sizeof(*k));
		size_t *l;

		if (!k)
			return -ENOMEM;
		t->keys = k;
		l = realloc(t->lens, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		t->lens = l;
		t->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, key, len);
	copy[len] = 0;
	t->keys[t->n] = copy;
	t->lens[t->n] = len;
	t->slots[slot] = (uint32_t)++t->n;
	if (added)
		*added = true;
	return (int64_t)t->n - 1;
}
