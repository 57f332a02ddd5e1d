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
	"      --format FMT       text (default), json, ndjson, markdown; for stacks also\n"
	"                         folded, svg (a flame graph) or pprof\n"
	"  -o, --output FILE      write it to FILE (format by extension unless --format)\n"
	"      --top N            the N rows with the most time per table\n"
	"      --label KEY=GLOB   only series with label KEY matching GLOB, and only stacks\n"
	"                         whose own labels match (comm, pid of profile's stacks);\n"
	"                         repeatable, all must match\n"
	"      --metric GLOB      only series of metrics matching GLOB (repeatable; any)\n"
	"      --slo OBJECTIVE    check an objective on the run, as on a collecting command\n"
	"                         (repeatable); the objectives saved with the run are\n"
	"                         replaced by these\n"
	"      --slo-file FILE    objectives from FILE, one a line, '#' for comments\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0; 3 when an objective given here failed; 1 when FILE cannot be\n"
	"read (not a tailtrace run, truncated, a newer schema, altered) or the filters match\n"
	"no series of it; 2 for a usage error.\n"
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

/* Whether every --label filter matches, the value taken from a (a series' labels) or else
 * from b (a stack's labels: comm and pid of profile's stacks; NULL for none). */
static bool labels_match(const struct filter *f, const struct labels *a, const struct labels *b)
{
	for (size_t i = 0; i < f->nlabels; i++) {
		const char *v = labels_get(a, f->label_key[i]);

		if (!v && b)
			v = labels_get(b, f->label_key[i]);
		if (!v || fnmatch(f->label_glob[i], v, 0))
			return false;
	}
	return true;
}

static bool metric_match(const struct filter *f, const struct series *se)
{
	bool any = !f->nmetrics;

	for (size_t i = 0; i < f->nmetrics && !any; i++)
		any = !fnmatch(f->metric[i], se->metric, 0);
	return any;
}

/* Whether the filters keep anything of se: its labels match, or those of one of its stacks. */
static bool series_matches(const struct filter *f, const struct series *se)
{
	if (!metric_match(f, se))
		return false;
	if (labels_match(f, &se->labels, NULL))
		return true;
	for (size_t i = 0; i < se->nstacks; i++)
		if (labels_match(f, &se->labels, &se->stacks[i].labels))
			return true;
	return false;
}

/* A series of stacks keeps the stacks the label filters match (a stack's own labels count). */
static void filter_stacks(struct snapshot *s, const struct filter *f)
{
	for (size_t i = 0; i < s->nseries; i++) {
		struct series *se = &s->series[i];
		size_t n = 0;

		if (!f->nlabels || !se->nstacks || !metric_match(f, se))
			continue;
		for (size_t k = 0; k < se->nstacks; k++) {
			if (labels_match(f, &se->labels, &se->stacks[k].labels))
				se->stacks[n++] = se->stacks[k];
			else
				stack_free(&se->stacks[k]);
		}
		se->nstacks = n;
	}
}

/* After filter_stacks: a series of stacks stays when a stack is left, another when its
 * labels match. */
static bool keep_series(const struct series *se, void *ctx)
{
	const struct filter *f = ctx;

	if (!metric_match(f, se))
		return false;
	return se->nstacks || labels_match(f, &se->labels, NULL);
}

static void filter_free(struct filter *f)
{
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->label_key[i]);
	free(f->label_key);
	free(f->label_glob);
	free(f->metric);
}

/* Adds v to buf (of len, holding *at) unless shown (of *n) has it: at most 8. */
static void add_value(const char *v, const char **shown, size_t *n, char *buf, size_t len,
		      size_t *at)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(shown[i], v))
			return;
	if (*n == 8)
		return;
	shown[(*n)++] = v;
	*at += (size_t)snprintf(buf + *at, len - *at, "%s%s", *n > 1 ? ", " : "", v);
	if (*at >= len)
		*at = len - 1;
}

/* Appends to buf (of len, holding *at) the distinct values of key among the series and
 * their stacks (the metrics' names when key is NULL), at most 8, comma-separated. */
static void list_values(const struct snapshot *s, const char *key, char *buf, size_t len,
			size_t *at)
{
	const char *shown[8];
	size_t n = 0;

	for (size_t i = 0; i < s->nseries && n < 8; i++) {
		const struct series *se = &s->series[i];
		const char *v = key ? labels_get(&se->labels, key) : se->metric;

		if (v)
			add_value(v, shown, &n, buf, len, at);
		for (size_t k = 0; key && k < se->nstacks && n < 8; k++)
			if ((v = labels_get(&se->stacks[k].labels, key)))
				add_value(v, shown, &n, buf, len, at);
	}
	if (!n)
		*at += (size_t)snprintf(buf + *at, len - *at, "(none)");
	if (*at >= len)
		*at = len - 1;
}

/* Filters that leave no series are a typo more often than a question: says what the run
 * holds instead (before the filtering). */
static void say_no_match(const struct snapshot *s, const struct filter *f, const char *file)
{
	char buf[2048];
	size_t at = 0;

	at += (size_t)snprintf(buf, sizeof(buf), "its metrics: ");
	list_values(s, NULL, buf, sizeof(buf), &at);
	for (size_t i = 0; i < f->nlabels; i++) {
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "; label %s: ",
				       f->label_key[i]);
		if (at >= sizeof(buf))
			at = sizeof(buf) - 1;
		list_values(s, f->label_key[i], buf, sizeof(buf), &at);
	}
	msg_error("no series of %s matches the --label and --metric filters (%s): check them "
		  "for a typo", file, buf);
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
	if (f.nlabels || f.nmetrics) {
		bool any = false;

		for (size_t i = 0; i < s.nseries && !any; i++)
			any = series_matches(&f, &s.series[i]);
		if (!any && s.nseries) {
			say_no_match(&s, &f, file);
			goto out;
		}
		filter_stacks(&s, &f);
		snapshot_keep_series(&s, keep_series, &f);
	}
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
