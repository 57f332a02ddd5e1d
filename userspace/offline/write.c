// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "core/msg.h"
#include "core/options.h"
#include "offline/write.h"
#include "runtime/output_file.h"

int offline_pick_format(const char *format)
{
	/* a closed pipe (| head) is the reader's choice: the write fails, quietly */
	signal(SIGPIPE, SIG_IGN);
	if (format && !emitter_find(format)) {
		usage_error("unknown format '%s': use %s", format, emitter_names());
		return 2;
	}
	if (format)
		msg_json = !strcmp(format, "json") || !strcmp(format, "ndjson");
	return 0;
}

int offline_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		   const char **files, size_t *nfiles, const char **output)
{
	int c;

	for (;;) {
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		if (c == -1 && optind < argc) {
			files[(*nfiles)++] = argv[optind++];
			continue;
		}
		if (c != 'o')
			return c;
		if (!*optarg) {
			usage_error("-o needs a file name ('-' for standard output)");
			return OFFLINE_OPT_BAD;
		}
		*output = optarg;
	}
}

struct job {
	const struct emitter *e;
	const struct snapshot *s;
	const struct emit_opts *eo;
};

static int write_job(FILE *f, void *ctx)
{
	const struct job *j = ctx;

	return j->e->write(f, j->s, j->eo);
}

static bool has_stacks(const struct snapshot *s)
{
	for (size_t i = 0; i < s->nseries; i++)
		if (s->series[i].kind == SERIES_STACKS)
			return true;
	return false;
}

int offline_write(const struct snapshot *s, const char *format, const char *output,
		  const struct emit_opts *eo)
{
	bool to_stdout = !output || !strcmp(output, "-");
	struct job j = { .s = s, .eo = eo };
	struct output_file of;
	int err;

	j.e = format ? emitter_find(format) :
	      !to_stdout ? emitter_for_path(output) : output ? emitter_find("json") :
	      emitter_find("text");
	if (j.e->stacks_only && !has_stacks(s)) {
		msg_error("the run has no stacks to fold: use --format text, json or markdown");
		return 1;
	}
	if (to_stdout) {
		err = j.e->write(stdout, s, eo);
		errno = 0;
		if (fflush(stdout) || ferror(stdout) || err)
			err = errno ? -errno : err ? err : -EIO;
		if (err && err != -EPIPE) {
			msg_error("cannot write the report: %s", strerror(-err));
			return 1;
		}
		return 0;
	}
	err = output_file_open(&of, output);
	if (!err)
		err = output_file_commit(&of, write_job, &j);
	if (err) {
		output_file_say_problem(&of, output, err);
		return 1;
	}
	return 0;
}
