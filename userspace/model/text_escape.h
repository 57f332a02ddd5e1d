/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Names from a traced process or a user (comm, symbol, path, argument) made safe for a
 * terminal. Here, below core and report, so that messages and reports escape alike. */
#ifndef TAILTRACE_TEXT_ESCAPE_H
#define TAILTRACE_TEXT_ESCAPE_H

#include <stddef.h>

/* in with control characters and backslashes written as escapes (\x1b, \n, \\), into buf of
 * len bytes (cut short, never mid-escape, when it does not fit). Returns buf. */
const char *text_escape(const char *in, char *buf, size_t len);
/* The size of a buffer that holds text_escape of a string of n bytes whole. */
#define TEXT_ESCAPE_SIZE(n) (4 * (n) + 6)

#endif
