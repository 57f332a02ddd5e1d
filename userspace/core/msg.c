// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "core/msg.h"
#include "json/json_writer.h"
#include "model/text_escape.h"

int msg_verbosity;
const char *msg_prog = "tailtrace";

bool msg_json;

/* Under --format json|ndjson an error is one JSON object on stderr, for the program that
 * reads the output. */
static void json_msg(const char *kind, const char *text, const char *hint)
{
	struct json_writer *w = jsonw_new(stderr, false);

	if (!w)
		return;
	jsonw_start_object(w);
	jsonw_string_field(w, "prog", msg_prog);
	jsonw_string_field(w, kind, text);
	if (hint)
		jsonw_string_field(w, "hint", hint);
	jsonw_end_object(w);
	jsonw_destroy(w);
}

void msg_json_error(const char *kind, const char *hint, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	json_msg(kind, text, hint);
}

/* text on f with every control character escaped; with lines, a newline stays one. */
static void put_escaped(FILE *f, const char *text, bool lines)
{
	char piece[257], esc[TEXT_ESCAPE_SIZE(256)];

	while (*text) {
		size_t n = lines ? strcspn(text, "\n") : strlen(text);
		size_t k = n < 256 ? n : 256;

		memcpy(piece, text, k);
		piece[k] = 0;
		fputs(text_escape(piece, esc, sizeof(esc)), f);
		text += k;
		if (k == n && *text == '\n') {
			fputc('\n', f);
			text++;
		}
	}
}

void msg_vprint(FILE *f, const char *fmt, va_list ap)
{
	char text[8192];

	vsnprintf(text, sizeof(text), fmt, ap);
	put_escaped(f, text, false);
}

void msg_print(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprint(f, fmt, ap);
	va_end(ap);
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	if (msg_json && (kind[0] == 'e' || kind[0] == 'w')) {
		msg_json_error(kind[0] == 'e' ? "error" : "warning", NULL, fmt, ap);
		return;
	}
	fprintf(stderr, "%s: %s", msg_prog, kind);
	msg_vprint(stderr, fmt, ap);
	fputc('\n', stderr);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void msg_error_hint(const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (msg_json) {
		msg_json_error("error", *hint ? hint : NULL, fmt, ap);
	} else {
		vmsg("error: ", fmt, ap);
		for (const char *p = hint; *p;) {
			size_t n = strcspn(p, "\n");

			msg_print(stderr, "  %.*s", (int)n, p);
			fputc('\n', stderr);
			p += n + (p[n] == '\n');
		}
	}
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vprint(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void msg_verbose(const char *fmt, ...)
{
	va_list ap;

	if (msg_verbosity < 1)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *text;

	if (level == LIBBPF_DEBUG && msg_verbosity < 2)
		return 0;
	if (level == LIBBPF_INFO && msg_verbosity < 1)
		return 0;
	/* libbpf's messages say "libbpf:" themselves; they name paths and symbols of the
	 * traced binaries, escaped here as everywhere, their own lines kept. */
	if (vasprintf(&text, fmt, ap) < 0)
		return 0;
	put_escaped(stderr, text, true);
	free(text);
	return 0;
}

void msg_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
