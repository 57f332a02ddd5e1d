// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"

/* Whether two frames are the same function: by name where it is known (return addresses
 * differ with the call site), else by module and address. */
static bool same_function(const struct frame *a, const struct frame *b)
{
	if (a->kind != b->kind || !!a->symbol != !!b->symbol)
		return false;
	if (a->symbol)
		return !strcmp(a->symbol, b->symbol);
	return a->addr == b->addr;
}

static bool same_stack(const struct stack *a, const struct stack *b)
{
	if (a->nframes != b->nframes || a->complete != b->complete ||
	    !labels_equal(&a->labels, &b->labels))
		return false;
	for (size_t i = 0; i < a->nframes; i++)
		if (!same_function(&a->frames[i], &b->frames[i]))
			return false;
	return true;
}

static uint64_t fnv_str(uint64_t h, const char *p)
{
	for (; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

/* A hash that same_stack's equal stacks share: what same_function and labels_equal compare. */
static uint64_t stack_hash(const struct stack *st)
{
	uint64_t h = 1469598103934665603ull ^ (st->nframes * 2 + st->complete);

	for (size_t i = 0; i < st->labels.n; i++)
		h = fnv_str(fnv_str(h, st->labels.v[i].key), st->labels.v[i].value);
	for (size_t i = 0; i < st->nframes; i++) {
		const struct frame *f = &st->frames[i];

		h = (h ^ f->kind) * 1099511628211ull;
		h = f->symbol ? fnv_str(h, f->symbol) : (h ^ f->addr) * 1099511628211ull;
	}
	return h;
}

void series_merge_stacks(struct series *se)
{
	size_t n = 0, cap = 16, *table;	/* open addressing: index of a kept stack + 1 */

	while (cap < 2 * se->nstacks)
		cap *= 2;
	table = calloc(cap, sizeof(*table));
	for (size_t i = 0; i < se->nstacks; i++) {
		size_t j = n;

		if (table) {
			size_t slot = (size_t)(stack_hash(&se->stacks[i]) & (cap - 1));

			while (table[slot] && !same_stack(&se->stacks[table[slot] - 1],
							  &se->stacks[i]))
				slot = (slot + 1) & (cap - 1);
			if (table[slot])
				j = table[slot] - 1;
			else
				table[slot] = n + 1;
		} else {
			/* no memory for the table: the slow way, pair by pair */
			for (j = 0; j < n && !same_stack(&se->stacks[j], &se->stacks[i]); j++)
				;
		}
		if (j < n) {
			se->stacks[j].value += se->stacks[i].value;
			se->stacks[j].count += se->stacks[i].count;
			stack_free(&se->stacks[i]);
		} else {
			se->stacks[n++] = se->stacks[i];
		}
	}
	se->nstacks = n;
	free(table);
}

/* Where a frame without a symbol is: its offset in the file for user code with a module (what
 * stack_names shows, and the same in every process), else its address. */
static uint64_t nameless_place(const struct frame *f)
{
	return f->kind == FRAME_USER && f->module ? f->offset : f->addr;
}

/* What a function is keyed by: symbol and module, or its place when it has no symbol. */
static uint64_t func_hash(const struct frame *f)
{
	uint64_t h = 1469598103934665603ull ^ f->kind;

	for (const char *p = f->symbol; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = f->module; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	if (!f->symbol)
		h = (h ^ nameless_place(f)) * 1099511628211ull;
	return h;
}

static bool func_is(const struct stack_func *sf, const struct frame *f)
{
	if (sf->kind != f->kind || !sf->symbol != !f->symbol || !sf->module != !f->module)
		return false;
	if (sf->module && strcmp(sf->module, f->module))
		return false;
	return f->symbol ? !strcmp(sf->symbol, f->symbol) :
			   (sf->kind == FRAME_USER && sf->module ? sf->offset : sf->addr) ==
				   nameless_place(f);
}

static int by_total_desc(const void *a, const void *b)
{
	const struct stack_func *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	/* the same order every run */
	if (x->symbol && y->symbol)
		return strcmp(x->symbol, y->symbol);
	return !x->symbol - !y->symbol;
}

int stacks_functions(const struct series *se, struct stack_func **out, size_t *n)
{
	size_t frames = 0, cap = 16, nf = 0;
	struct stack_func *v = NULL;
	size_t *table = NULL;	/* open addressing: index into v, + 1; 0: empty */
	int err = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < se->nstacks; i++)
		frames += se->stacks[i].nframes;
	while (cap < 2 * frames)
		cap *= 2;
	table = calloc(cap, sizeof(*table));
	v = malloc((frames ? frames : 1) * sizeof(*v));
	if (!table || !v) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < se->nstacks; i++) {
		const struct stack *st = &se->stacks[i];

		for (size_t k = 0; k < st->nframes; k++) {
			const struct frame *f = &st->frames[k];
			size_t slot = (size_t)(func_hash(f) & (cap - 1));
			struct stack_func *sf;

			while (table[slot] && !func_is(&v[table[slot] - 1], f))
				slot = (slot + 1) & (cap - 1);
			if (!table[slot]) {
				v[nf] = (struct stack_func){ .symbol = f->symbol, .module = f->module,
							     .addr = f->addr,
							     .offset = f->symbol ? 0 : f->offset,
							     .kind = f->kind };
				table[slot] = ++nf;
			}
			sf = &v[table[slot] - 1];
			if (!k) {
				sf->self += st->value;
				sf->self_count += st->count;
			}
			/* a recursion's deeper frames are the same time again */
			if (sf->last_stack != i + 1) {
				sf->last_stack = i + 1;
				sf->total += st->value;
				sf->total_count += st->count;
			}
		}
	}
	qsort(v, nf, sizeof(*v), by_total_desc);
	*out = v;
	*n = nf;
	v = NULL;
out:
	free(table);
	free(v);
	return err;
}

bool frame_is_thread_start(const struct frame *f)
{
	static const char *const starts[] = {
		"_start", "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
		"start_thread", "clone", "__clone", "clone3", "__clone3",
		/* Go: a goroutine's first frame returns to goexit; the threads of the runtime
		 * begin in mstart, the first one in rt0_go (".abi0": the assembly's own name) */
		"runtime.goexit", "runtime.goexit.abi0", "runtime.mstart", "runtime.mstart.abi0",
		"runtime.rt0_go", "runtime.rt0_go.abi0",
	};

	if (f->kind == FRAME_KERNEL || !f->symbol)
		return false;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (!strcmp(f->symbol, starts[i]))
			return true;
	return false;
}

void stacks_user_complete(const struct series *se, uint64_t *with_user, uint64_t *complete)
{
	*with_user = *complete = 0;
	for (size_t i = 0; i < se->nstacks; i++) {
		const struct stack *st = &se->stacks[i];
		bool user = false, start = st->complete;

		for (size_t k = 0; k < st->nframes; k++) {
			user |= st->frames[k].kind != FRAME_KERNEL;
			start |= frame_is_thread_start(&st->frames[k]);
		}
		if (user)
			*with_user += st->count;
		if (start)
			*complete += st->count;
	}
}
