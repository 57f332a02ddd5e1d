// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/emitter.h"
#include "report/folded.h"
#include "model/text_escape.h"
#include "report/stack_names.h"

struct line {
	char *text;
	uint64_t value;
};

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

/* A frame's name in a folded line: no ';' (the separator), no space or control character
 * (the value follows the last space), nothing that is not UTF-8 or that reorders or hides
 * text (U+202E): each is one '_'. */
static void put_name(char **p, char *end, const struct frame *fr)
{
	char buf[512];
	/* a frame without a name is its module and offset, never dropped nor all alike */
	const char *name = frame_label(fr, buf, sizeof(buf));

	for (const unsigned char *c = (const unsigned char *)name; *c && *p < end - 1;) {
		uint32_t cp;
		size_t k = text_utf8(c, &cp);

		if (!k || text_hidden(cp) || *c == ';' || *c == ' ') {
			*(*p)++ = '_';
			c += k ? k : 1;
			continue;
		}
		if (*p + k > end - 1)
			break;	/* a character is written whole or not at all */
		for (; k; k--)
			*(*p)++ = (char)*c++;
	}
	for (const char *k = fr->kind == FRAME_KERNEL ? "_[k]" : ""; *k && *p < end - 1; k++)
		*(*p)++ = *k;
}

/* "comm;root;...;leaf" of one stack. */
static char *fold(const struct stack *st)
{
	size_t len = 64;
	const char *comm = labels_get(&st->labels, "comm");
	char *buf, *p, *end;

	for (size_t i = 0; i < st->nframes; i++)
		len += (st->frames[i].symbol ? strlen(st->frames[i].symbol) :
			st->frames[i].module ? strlen(st->frames[i].module) + 24 : 16) + 6;
	len += comm ? strlen(comm) : 0;
	buf = malloc(len);
	if (!buf)
		return NULL;
	p = buf;
	end = buf + len;
	if (comm) {
		struct frame f = { .symbol = (char *)comm };

		put_name(&p, end, &f);
	}
	for (size_t i = st->nframes; i-- > 0;) {
		if (p != buf)
			*p++ = ';';
		put_name(&p, end, &st->frames[i]);
	}
	*p = 0;
	return buf;
}

/* Stacks for flamegraph.pl: one line per distinct folded stack, identical ones merged;
 * nanoseconds as microseconds. */
int report_folded_write(FILE *f, const struct snapshot *s, const struct emit_opts *o)
{
	struct line *v = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	(void)o;
	for (size_t i = 0; i < s->nseries && !err; i++) {
		const struct series *se = &s->series[i];

		if (se->kind != SERIES_STACKS)
			continue;
		for (size_t k = 0; k < se->nstacks && !err; k++) {
			if (n == cap) {
				struct line *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

				if (!nv) {
					err = -ENOMEM;
					break;
				}
				v = nv;
			}
			v[n].value = !strcmp(se->unit, "ns") ? (se->stacks[k].value + 500) / 1000 :
							       se->stacks[k].value;
			v[n].text = fold(&se->stacks[k]);
			if (!v[n].text)
				err = -ENOMEM;
			else
				n++;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), by_text);
	for (size_t i = 0; i < n; i++) {
		uint64_t total = v[i].value;

		while (i + 1 < n && !strcmp(v[i].text, v[i + 1].text))
			total += v[++i].value;
		if (!err)
			fprintf(f, "%s %llu\n", v[i].text, (unsigned long long)total);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
