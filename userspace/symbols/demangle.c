/* Demangling through libiberty's cplus_demangle, the demangler of binutils and perf. */
#include <stdlib.h>
#include <string.h>
#include <libiberty/demangle.h>
#include "symbols/demangle.h"

static char *demangle_with(const char *name, int options)
{
	const char *at = strchr(name, '@');
	size_t len = at ? (size_t)(at - name) : strlen(name);
	char *base, *shown, *out;

	if (len < 3 || len > DEMANGLE_MAX_IN || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	base = strndup(name, len);
	if (!base)
		return NULL;
	/* DMGL_AUTO: GNU v3 (C++), Rust legacy and v0. The recursion limit stays on. */
	shown = cplus_demangle(base, options);
	free(base);
	if (!shown || !at)
		return shown;
	out = malloc(strlen(shown) + strlen(at) + 1);
	if (out) {
		strcpy(out, shown);
		strcat(out, at);
	}
	free(shown);
	return out;
}

/* Without DMGL_PARAMS the overloads of one function are one name, as in perf's reports. */
char *demangle(const char *name)
{
	return demangle_with(name, DMGL_AUTO);
}

char *demangle_params(const char *name)
{
	return demangle_with(name, DMGL_AUTO | DMGL_PARAMS | DMGL_ANSI);
}
