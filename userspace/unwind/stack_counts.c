// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "unwind/stack_counts.h"

struct stack_counts {
	struct stack_count *v;
	size_t n, v_cap, max;
	/* open addressing over v: index + 1, 0 empty; at least twice max, so never full */
	size_t *table;
	size_t mask;
};

struct stack_counts *stack_counts_new(size_t max)
{
	struct stack_counts *c = calloc(1, sizeof(*c));
	size_t cap = 16;

	if (!c || !max) {
		free(c);
		return NULL;
	}
	while (cap < 2 * max)
		cap *= 2;
	c->table = calloc(cap, sizeof(*c->table));
	if (!c->table) {
		free(c);
		return NULL;
	}
	c->mask = cap - 1;
	c->max = max;
	return c;
}

void stack_counts_free(struct stack_counts *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].ips);
	free(c->v);
	free(c->table);
	free(c);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 1099511628211ull;
}

static uint64_t key_hash(const struct stack_count *k)
{
	uint64_t h = 1469598103934665603ull;

	h = mix(h, k->pid);
	h = mix(h, (uint32_t)k->kstack);
	h = mix(h, k->tag);
	h = mix(h, k->pystack);
	h = mix(h, k->complete);
	for (size_t i = 0; i < STACK_COUNTS_COMM_LEN && k->comm[i]; i++)
		h = mix(h, (unsigned char)k->comm[i]);
	for (uint32_t i = 0; i < k->n; i++)
		h = mix(h, k->ips[i]);
	return h;
}

static bool same(const struct stack_count *a, const struct stack_count *b)
{
	return a->hash == b->hash && a->pid == b->pid && a->kstack == b->kstack &&
	       a->tag == b->tag && a->pystack == b->pystack &&
	       a->complete == b->complete && a->n == b->n &&
	       !strncmp(a->comm, b->comm, STACK_COUNTS_COMM_LEN) &&
	       !memcmp(a->ips, b->ips, a->n * sizeof(*a->ips));
}

int stack_counts_add(struct stack_counts *c, const struct stack_count *key)
{
	struct stack_count k = *key, *e;
	size_t slot;

	k.hash = key_hash(&k);
	slot = (size_t)k.hash & c->mask;
	while (c->table[slot]) {
		e = &c->v[c->table[slot] - 1];
		if (same(e, &k)) {
			e->count++;
			e->value += key->value;
			return 0;
		}
		slot = (slot + 1) & c->mask;
	}
	if (c->n == c->max)
		return -ENOSPC;
	if (c->n == c->v_cap) {
		size_t cap = c->v_cap ? 2 * c->v_cap : 64;
		struct stack_count *v;

		if (cap > c->max)
			cap = c->max;
		v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->v_cap = cap;
	}
	k.ips = malloc((k.n ? k.n : 1) * sizeof(*k.ips));
	if (!k.ips)
		return -ENOMEM;
	memcpy(k.ips, key->ips, k.n * sizeof(*k.ips));
	k.count = 1;
	c->v[c->n++] = k;
	c->table[slot] = c->n;
	return 0;
}

size_t stack_counts_len(const struct stack_counts *c)
{
	return c->n;
}

const struct stack_count *stack_counts_at(const struct stack_counts *c, size_t i)
{
	return &c->v[i];
}
