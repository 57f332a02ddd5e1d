/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* "[BINARY_OR_LIBRARY:]FUNCTION_GLOB", as given on the command line. */
#ifndef TAILTRACE_PROBE_SPEC_H
#define TAILTRACE_PROBE_SPEC_H

struct probe_spec {
	char *binary;		/* NULL: the traced command's or pid's executable */
	char *pattern;		/* fnmatch glob over symbol names */
};

/* 0, -EINVAL (empty part, or characters no symbol has: why in err), -ENOMEM. */
int probe_spec_parse(const char *s, struct probe_spec *out, char *err, size_t errlen);
void probe_spec_free(struct probe_spec *p);
/* True when pattern has glob characters. */
int probe_spec_is_glob(const char *pattern);

#endif
