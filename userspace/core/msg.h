/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Messages to the person at the terminal: one line each, on stderr, prefixed by the tool. */
#ifndef TAILTRACE_MSG_H
#define TAILTRACE_MSG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* The exit status of a run or comparison that worked but found a regression or a failed
 * objective: apart from 1 (runtime error) and 2 (usage error), for a CI script. */
#define EXIT_REGRESSION 3

extern int msg_verbosity;	/* -v count */
extern const char *msg_prog;	/* "tailtrace func" */
extern bool msg_json;		/* errors and warnings as one JSON object a line */

void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error and what may help, on lines of their own below it ("  hint"); hint may hold
 * several lines, or be empty. Under JSON, one object with a "hint". */
void msg_error_hint(const char *hint, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What fmt makes, on f, with every control character escaped (\x1b, \n): every message
 * goes through here, so that no name it echoes (a PROBE, a path, a comm, a symbol) reaches
 * a terminal raw. No newline is added. */
void msg_print(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_vprint(FILE *f, const char *fmt, va_list ap);
/* Routes libbpf's own messages: warnings always, debug with -vv. */
void msg_setup_libbpf(void);
/* {"prog": ..., kind: message, "hint": hint} on stderr (hint may be NULL). */
void msg_json_error(const char *kind, const char *hint, const char *fmt, va_list ap);

#endif
