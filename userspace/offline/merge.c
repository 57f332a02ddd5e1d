// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tailtrace merge A.json B.json ... -o ALL.json: runs added together (several hosts, several
 * runs of one test), exactly: see snapshot_merge. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/msg.h"
#include "core/options.h"
#include "offline/merge.h"
#include "offline/runfile.h"
#include "offline/write.h"

static const char merge_help[] =
	"Usage: tailtrace merge FILE FILE... [-o OUT.json] [--format FMT]\n"
	"\n"
	"Adds saved runs together, as one run holding them all (several hosts, several runs of\n"
	"one test): histograms merged bucket by bucket (counts, sums, min, max and every\n"
	"quantile as if one run had seen every sample), counters added, stacks merged, events\n"
	"kept up to 100,000 (the rest counted as dropped). The merged run spans the earliest\n"
	"start to the latest end; hosts, kernels and commands that differ are listed in its\n"
	"header, and said. Series pair by metric and labels; a pid label with one value in a\n"
	"whole run (func's -p or command) is the run's, not a series', and is left out so\n"
	"that runs of one program pair. Objectives saved with the runs are left out: check\n"
	"the merged run with 'tailtrace report OUT.json --slo ...'.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      write the merged run to FILE (JSON unless its extension says\n"
	"                         otherwise); default: JSON on standard output\n"
	"      --format FMT       json (default), ndjson, text, markdown or folded\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0; 1 when a file cannot be read or the runs were sampled differently;\n"
	"2 for a usage error.\n"
	"\n"
	"Example:\n"
	"  tailtrace merge host1.json host2.json host3.json -o all.json\n";

enum { OPT_FORMAT = 1000 };

/* Says what differs between the first run and the one of file, in a line each. */
static void say_differences(const struct snapshot *first, const char *first_file,
			    const struct snapshot *s, const char *file)
{
	if (strcmp(first->host, s->host))
		msg_warn("%s comes from host '%s', %s from '%s': the merged run spans both",
			 file, s->host, first_file, first->host);
	if (strcmp(first->kernel, s->kernel))
		msg_warn("%s ran on kernel %s, %s on %s", file, s->kernel, first_file,
			 first->kernel);
	if (strcmp(first->command, s->command))
		msg_warn("%s is a run of '%s', %s of '%s': series of each are kept", file,
			 s->command, first_file, first->command);
}

int offline_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = NULL, *output = NULL, **files;
	struct emit_opts eo = { .final = true };
	struct snapshot all = { 0 }, first = { 0 }, s;
	bool have_all = false;
	size_t nfiles = 0;
	int c, ret = 2;

	usage_set_command("merge");
	msg_json = opts_want_json(argc, argv);
	files = calloc((size_t)argc, sizeof(char *));
	if (!files)
		return 1;
	optind = 1;
	opterr = 0;
	while ((c = offline_getopt(argc, argv, "+o:h", longopts, files, &nfiles, &output)) !=
	       -1) {
		switch (c) {
		case OFFLINE_OPT_BAD:
			goto out;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'h':
			fputs(merge_help, stdout);
			ret = 0;
			goto out;
		default:
			usage_bad_option(argv, "+o:h");
			goto out;
		}
	}
	if (nfiles < 2) {
		usage_error("name at least two runs to merge, e.g. tailtrace merge a.json b.json "
			    "-o all.json");
		goto out;
	}
	ret = offline_pick_format(format ? format : output ? NULL : "json");
	if (ret)
		goto out;
	ret = 1;
	for (size_t i = 0; i < nfiles; i++) {
		int err;

		if (runfile_load(files[i], &s))
			goto out;
		/* func labels its series with the pid of its -p or command, which differs
		 * from run to run: kept, no series of two runs would pair */
		snapshot_drop_run_label(&s, "pid");
		if (!have_all) {
			/* the first run is the base; a copy of its header speaks for it */
			all = s;
			have_all = true;
			if (snapshot_init(&first, all.command) ||
			    snapshot_set_origin(&first, all.host, all.kernel)) {
				msg_error("out of memory merging the runs");
				goto out;
			}
			snapshot_clear_checks(&all);
			continue;
		}
		say_differences(&first, files[0], &s, files[i]);
		err = snapshot_merge(&all, &s, MAX_KEPT_EVENTS);
		if (err == -EDOM)
			msg_error("%s was sampled 1 call in %u, %s 1 in %u: their counts cannot be "
				  "added; merge runs sampled alike", files[i], s.sampling, files[0],
				  all.sampling);
		else if (err)
			msg_error("out of memory merging %s", files[i]);
		snapshot_free(&s);
		if (err)
			goto out;
	}
	ret = offline_write(&all, format ? format : output ? NULL : "json", output, &eo);
out:
	if (have_all)
		snapshot_free(&all);
	snapshot_free(&first);
	free(files);
	return ret;
}
