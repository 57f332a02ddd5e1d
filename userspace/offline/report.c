// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tailtrace report FILE: a saved run rendered again, in any format, filtered, checked
 * against objectives. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/msg.h"
#include "core/options.h"
#include "gates/slo.h"
#include "offline/report.h"
#include "offline/runfile.h"
#include "offline/write.h"
#include "report/emitter.h"

static const char report_help[] =
	"Usage: tailtrace report FILE [options]\n"
	"\n"
	"Renders a run saved with -o FILE.json again, in any format, as it was reported\n"
	"(the same numbers: the histograms are saved whole), optionally filtered and checked\n"
	"against latency objectives. FILE '-' is standard input.\n"
	"\n"
	"Options:\n"
	"      --format FMT       text (default), json, ndjson, folded or markdown\n"
	"  -o, --output FILE      write it to FILE (format by extension unless --format)\n"
	"      --top N            the N rows with the most time per table\n"
	"      --label KEY=GLOB   only series with label KEY matching GLOB (repeatable; all\n"
	"                         must match)\n"
	"      --metric GLOB      only series of metrics matching GLOB (repeatable; any)\n"
	"      --slo OBJECTIVE    check an objective on the run, as on a collecting command\n"
	"                         (repeatable); the objectives saved with the run are\n"
	"                         replaced by these\n"
	"      --slo-file FILE    objectives from FILE, one a line, '#' for comments\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0; 3 when an objective given here failed; 1 when FILE cannot be\n"
	"read (not a tailtrace run, truncated, a newer schema, altered); 2 for a usage error.\n"
	"\n"
	"Examples:\n"
	"  tailtrace report run.json --top 5\n"
	"  tailtrace report run.json --format markdown --label func='handle_*'\n"
	"  tailtrace report run.json --slo 'func.latency{func=handle}:p99<2ms'\n";

enum { OPT_FORMAT = 1000, OPT_TOP, OPT_LABEL, OPT_METRIC, OPT_SLO, OPT_SLO_FILE };

struct filter {
	char **label_key, **label_glob;
	size_t nlabels;
	const char **metric;
	size_t nmetrics;
};

static bool keep_series(const struct series *se, void *ctx)
{
	const struct filter *f = ctx;
	bool any = !f->nmetrics;

	for (size_t i = 0; i < f->nmetrics && !any; i++)
		any = !fnmatch(f->metric[i], se->metric, 0);
	for (size_t i = 0; i < f->nlabels && any; i++) {
		const char *v = labels_get(&se->labels, f->label_key[i]);

		any = v && !fnmatch(f->label_glob[i], v, 0);
	}
	return any;
}

static void filter_free(struct filter *f)
{
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->label_key[i]);
	free(f->label_key);
	free(f->label_glob);
	free(f->metric);
}

/* --label KEY=GLOB. 0, or -EINVAL (said). */
static int add_label_filter(struct filter *f, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1]) {
		usage_error("--label needs KEY=GLOB (func=handle_*), got '%s'", arg);
		return -EINVAL;
	}
	f->label_key[f->nlabels] = strndup(arg, (size_t)(eq - arg));
	if (!f->label_key[f->nlabels])
		return -ENOMEM;
	f->label_glob[f->nlabels++] = (char *)eq + 1;
	return 0;
}

int offline_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "slo", required_argument, NULL, OPT_SLO },
		{ "slo-file", required_argument, NULL, OPT_SLO_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct filter f = { 0 };
	struct slo_set slo = { 0 };
	struct snapshot s = { 0 };
	struct emit_opts eo = { .final = true };
	const char *format = NULL, *output = NULL, *file = NULL, **files = NULL;
	size_t nfiles = 0;
	char err[512];
	bool loaded = false, checked = false;
	uint64_t v;
	int c, ret = 2;

	usage_set_command("report");
	msg_json = opts_want_json(argc, argv);
	f.label_key = calloc((size_t)argc, sizeof(char *));
	f.label_glob = calloc((size_t)argc, sizeof(char *));
	f.metric = calloc((size_t)argc, sizeof(char *));
	files = calloc((size_t)argc, sizeof(char *));
	if (!f.label_key || !f.label_glob || !f.metric || !files) {
		ret = 1;
		goto out;
	}
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
		case OPT_TOP:
			if (opt_uint("--top", optarg, 1, UINT32_MAX, &v))
				goto out;
			eo.top = (uint32_t)v;
			break;
		case OPT_LABEL:
			if (add_label_filter(&f, optarg))
				goto out;
			break;
		case OPT_METRIC:
			f.metric[f.nmetrics++] = optarg;
			break;
		case OPT_SLO:
			checked = true;
			if (slo_set_add(&slo, optarg, err, sizeof(err))) {
				usage_error("--slo '%s': %s", optarg, err);
				goto out;
			}
			break;
		case OPT_SLO_FILE:
			checked = true;
			if (slo_set_load(&slo, optarg, err, sizeof(err))) {
				msg_error("--slo-file %s: fix the file, or give the objectives with "
					  "--slo", err);
				ret = 1;
				goto out;
			}
			break;
		case 'h':
			fputs(report_help, stdout);
			ret = 0;
			goto out;
		default:
			usage_bad_option(argv, "+o:h");
			goto out;
		}
	}
	if (nfiles != 1) {
		usage_error(nfiles ? "report reads one run, got %zu files: merge them first "
			    "(tailtrace merge A.json B.json -o ALL.json)" :
			    "name the run to report: tailtrace report FILE.json", nfiles);
		goto out;
	}
	file = files[0];
	ret = offline_pick_format(format);
	if (ret)
		goto out;
	ret = 1;
	if (runfile_load(file, &s))
		goto out;
	loaded = true;
	if (f.nlabels || f.nmetrics)
		snapshot_keep_series(&s, keep_series, &f);
	if (checked) {
		snapshot_clear_checks(&s);
		if (slo_evaluate(&slo, &s)) {
			msg_error("out of memory checking the objectives");
			goto out;
		}
	}
	ret = offline_write(&s, format, output, &eo);
	if (!ret && checked && snapshot_checks_failed(&s))
		ret = EXIT_REGRESSION;
out:
	if (loaded)
		snapshot_free(&s);
	slo_set_free(&slo);
	filter_free(&f);
	free(files);
	return ret;
}
