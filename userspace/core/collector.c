// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/collector.h"

int collector_no_args(char **args, int nargs)
{
	(void)args;
	if (!nargs)
		return 0;
	usage_error("unexpected argument '%s' (a command to run goes after '--')", args[0]);
	return SETUP_USAGE;
}

size_t record_options(const struct collector *const *all, size_t n, struct option *out,
		      size_t max, char (*names)[RECORD_NAME_MAX])
{
	size_t nl = 0;

	for (size_t i = 0; i < n && nl < max; i++) {
		const struct collector *c = all[i];

		out[nl++] = (struct option){ c->name, c->args_name ? required_argument :
						       no_argument, NULL, RECORD_ENABLE + (int)i };
		for (size_t k = 0; c->options && c->options[k].name && nl < max; k++) {
			snprintf(names[nl], RECORD_NAME_MAX, "%s-%s", c->name, c->options[k].name);
			out[nl] = c->options[k];
			out[nl].name = names[nl];
			out[nl].val = (int)((i + 1) << 16) | c->options[k].val;
			nl++;
		}
	}
	memset(&out[nl], 0, sizeof(out[nl]));
	return nl;
}

int record_option_decode(int key, size_t n, size_t *index, int *own)
{
	if (key >= RECORD_ENABLE && key < RECORD_ENABLE + (int)n) {
		*index = (size_t)(key - RECORD_ENABLE);
		*own = 0;
		return 0;
	}
	if ((key >> 16) < 1 || (size_t)(key >> 16) > n)
		return -EINVAL;
	*index = (size_t)(key >> 16) - 1;
	*own = key & 0xffff;
	return 0;
}

/* Whether text starts with the name of one of c's options, as a whole word. */
static size_t own_option_at(const struct collector *c, const char *text)
{
	for (size_t k = 0; c->options && c->options[k].name; k++) {
		size_t l = strlen(c->options[k].name);
		char next = text[l];

		if (!strncmp(text, c->options[k].name, l) && next != '-' &&
		    !(next >= 'a' && next <= 'z'))
			return l;
	}
	return 0;
}

/* Appends text[0..len) to out at *n, with each of c's own options renamed: "--by" as
 * "--sched-by" (common options such as --format stay). */
static void put_renamed(const struct collector *c, const char *text, size_t len, char *out,
			size_t cap, size_t *n)
{
	for (size_t i = 0; i < len && *n + 1 < cap; i++) {
		if (text[i] == '-' && i + 2 < len && text[i + 1] == '-' && (i == 0 || text[i - 1] != '-') &&
		    own_option_at(c, text + i + 2)) {
			*n += (size_t)snprintf(out + *n, cap - *n, "--%s-", c->name);
			i++;
			continue;
		}
		out[(*n)++] = text[i];
	}
	if (*n < cap)
		out[*n] = 0;
}

void record_doc(const struct collector *c, char *out, size_t len)
{
	const char *p = strstr(c->doc, "Options:\n");
	size_t n = 0;

	n += (size_t)snprintf(out + n, len - n, "  --%s%s%s\n      %s\n", c->name,
			      c->args_name ? " " : "", c->args_name ? c->args_name : "",
			      c->summary);
	if (!p)
		return;
	for (p += strlen("Options:\n"); *p && *p != '\n' && n + 1 < len; ) {
		const char *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		/* "  -F, --frequency": record knows only the long name */
		if (!strncmp(p, "  -", 3) && p[3] != '-' && p[4] == ',' && p[5] == ' ') {
			n += (size_t)snprintf(out + n, len - n, "      ");
			p += 6;
		}
		/* a description's next line: as far right as the names moved */
		if (strncmp(p + strspn(p, " "), "--", 2) && *p == ' ')
			n += (size_t)snprintf(out + n, len - n, "%*s", (int)strlen(c->name) + 1, "");
		put_renamed(c, p, (size_t)(eol - p), out, len, &n);
		if (n + 1 < len)
			out[n++] = '\n';
		out[n < len ? n : len - 1] = 0;
		p = *eol ? eol + 1 : eol;
	}
}
