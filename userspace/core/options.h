/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Options every collector shares, parsed once; collectors add their own through a handler. */
#ifndef TAILTRACE_OPTIONS_H
#define TAILTRACE_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct common_opts {
	pid_t pid;			/* -p: trace only this process; 0: none */
	uint64_t duration_ns;		/* -d: 0 = until Ctrl-C or the target exits */
	uint64_t interval_ns;		/* -i: 0 = one report at the end */
	const char *format;		/* --format: the emitter of standard output ("text") */
	const char *output;		/* -o FILE: the whole run, written atomically */
	uint32_t top;			/* --top N: rows per metric in text; 0 = the default */
	const char **slo;		/* --slo EXPR, in order (the run parses them) */
	size_t nslo;
	const char **slo_files;		/* --slo-file FILE */
	size_t nslo_files;
	bool stacks_wanted;		/* set by the run: an output writes only stacks */
	char **command;			/* after --: NULL-terminated, or NULL */
	char **args;			/* positional arguments */
	int nargs;
};

/* Returns 0, or -EINVAL after printing what was wrong with arg. */
typedef int (*opt_handler)(int key, const char *arg, void *ctx);

struct cmd_usage {
	const char *synopsis;	/* "func PROBE... [options] [-- COMMAND [ARGS...]]" */
	const char *doc;	/* what the command does, options, examples */
};

enum opts_result {
	OPTS_OK = 0,
	OPTS_HELP = 1,		/* --help printed: exit 0 */
	OPTS_USAGE = 2,		/* usage error printed: exit 2 */
};

/* extra: the collector's own long options (terminated by a zero entry), short: their short
 * letters in getopt form; handler gets every option that is not a common one. */
enum opts_result common_opts_parse(int argc, char **argv, const struct option *extra,
				   const char *shortopts, opt_handler handler, void *ctx,
				   const struct cmd_usage *usage, struct common_opts *o);
/* The text of --help's common options, after a command's own. */
extern const char common_opts_help[];
/* Whether argv asks for --format json or ndjson (before any "--"). */
bool opts_want_json(int argc, char **argv);
/* The command usage errors point to ("report" gives "Try 'tailtrace report --help'"), for
 * commands that parse their own options. */
void usage_set_command(const char *cmd);
/* Prints "<prog>: error: <msg>" and "Try 'tailtrace CMD --help'." for usage errors. */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Frees what common_opts_parse allocated (args, slo, slo_files). */
void common_opts_free(struct common_opts *o);

/* The usage error of getopt_long's '?' (opterr 0): an unknown option, or one without its
 * value. */
void usage_bad_option(char *const *argv, const char *optstring);

/* Parsers for option values that print a usage error naming the option on failure. */
int opt_duration(const char *opt, const char *arg, bool allow_zero, uint64_t *ns);
int opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *v);

#endif
