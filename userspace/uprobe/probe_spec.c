// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "uprobe/probe_spec.h"

/* Symbol names are C identifiers, C++/Rust mangled names (with '.' and '$'), and versioned
 * names with '@'; the glob adds * ? [ ] ! and - inside brackets. */
static int check_glob(const char *p, char *err, size_t errlen)
{
	int in_bracket = 0;

	for (const char *c = p; *c; c++) {
		if (in_bracket) {
			if (*c == ']' && c[-1] != '[' && !(c[-1] == '!' && c[-2] == '['))
				in_bracket = 0;
			continue;
		}
		if (*c == '[') {
			in_bracket = 1;
			continue;
		}
		if (isalnum((unsigned char)*c) || strchr("_.$@*?", *c))
			continue;
		/* C++ and Rust as demangled: std::vector<int, std::allocator<int> >::~vector
		 * (a scope's "::", a space after ',' or '>' only) */
		if (*c == ':' && c[1] == ':' && c[2] != ':') {
			c++;
			continue;
		}
		if (strchr("<>,~", *c) || (*c == ' ' && c > p && strchr(",>", c[-1])))
			continue;
		snprintf(err, errlen, "'%c' cannot be part of a function name", *c);
		return -EINVAL;
	}
	if (in_bracket) {
		snprintf(err, errlen, "'[' is not closed by ']'");
		return -EINVAL;
	}
	return 0;
}

int probe_spec_parse(const char *s, struct probe_spec *out, char *err, size_t errlen)
{
	/* The last ':' splits: paths may hold ':', symbol names only as C++'s and Rust's "::"
	 * (std::sort*), which never splits. */
	const char *colon = NULL, *func;
	int ret;

	for (const char *p = s; *p; p++)
		if (*p == ':' && p[1] != ':' && (p == s || p[-1] != ':'))
			colon = p;
	func = colon ? colon + 1 : s;

	out->binary = NULL;
	out->pattern = NULL;
	if (colon && colon == s) {
		snprintf(err, errlen, "nothing before ':' (give a binary or library, or drop ':')");
		return -EINVAL;
	}
	if (!*s) {
		snprintf(err, errlen, "no function given (e.g. ./app:main)");
		return -EINVAL;
	}
	if (!*func) {
		snprintf(err, errlen, "no function after the binary (e.g. %.*s:main)",
			 (int)(colon - s), s);
		return -EINVAL;
	}
	ret = check_glob(func, err, errlen);
	if (ret)
		return ret;
	if (colon) {
		out->binary = strndup(s, colon - s);
		if (!out->binary)
			return -ENOMEM;
	}
	out->pattern = strdup(func);
	if (!out->pattern) {
		probe_spec_free(out);
		return -ENOMEM;
	}
	return 0;
}

void probe_spec_free(struct probe_spec *p)
{
	free(p->binary);
	free(p->pattern);
	p->binary = p->pattern = NULL;
}

int probe_spec_is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}
