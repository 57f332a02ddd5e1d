/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Names from a traced process or a user (comm, symbol, path, argument) made safe for a
 * terminal. Here, below core and report, so that messages and reports escape alike. */
#ifndef TAILTRACE_TEXT_ESCAPE_H
#define TAILTRACE_TEXT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* in with control characters, backslashes, bytes that are not UTF-8 and the characters that
 * reorder or hide text (text_hidden) written as escapes (\x1b, \n, \\, \xff, \u202e), into buf
 * of len bytes (cut short, never mid-escape, when it does not fit). Returns buf. */
const char *text_escape(const char *in, char *buf, size_t len);
/* The size of a buffer that holds text_escape of a string of n bytes whole. */
#define TEXT_ESCAPE_SIZE(n) (4 * (n) + 6)

/* The length of the well-formed UTF-8 sequence at p (1 to 4, its code point in *cp), or 0
 * when the byte at p begins none (an invalid byte, an overlong form, a surrogate); p ends
 * at its NUL. */
size_t text_utf8(const unsigned char *p, uint32_t *cp);
/* Whether code point cp is one a name must never carry raw: C0 and C1 controls, DEL, and the
 * marks that reorder or hide what follows on the line (bidi embeddings, overrides, isolates,
 * LRM/RLM/ALM, zero-width and invisible separators): a symbol name with U+202E reads
 * backwards. */
bool text_hidden(uint32_t cp);

#endif
