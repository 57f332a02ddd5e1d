// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tailtrace diff: reads the runs, compares them (gates/compare.c), prints the verdicts in
 * the format asked, and exits 3 when a quantile regressed. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/msg.h"
#include "core/options.h"
#include "gates/compare.h"
#include "offline/diff.h"
#include "offline/diff_print.h"
#include "offline/runfile.h"

static const char diff_help[] =
	"Usage: tailtrace diff BASE.json NEW.json [options]\n"
	"       tailtrace diff --base A.json [B.json ...] --new C.json [D.json ...] [options]\n"
	"\n"
	"Compares runs saved with -o FILE.json, series by series (same metric and labels; a\n"
	"pid label that a whole run shares is left out): for each latency quantile (p50,\n"
	"p90, p99, p99.9) the base, the new value, the change and a verdict, regressions\n"
	"first; then rates (calls/s, counters per second) and series found on one side only.\n"
	"\n"
	"A verdict is never a point estimate's: the change must be beyond the threshold and\n"
	"beyond noise. Every quantile compared shares the error alpha (Bonferroni: each\n"
	"comparison gets alpha / N for N comparisons).\n"
	"  One run a side: noise is the quantile's distribution-free confidence interval\n"
	"  from the run's buckets (order statistics, widened to the bucket edges). A\n"
	"  quantile regressed when both\n"
	"      new > base * (1 + threshold)   and   new_low > base_high\n"
	"  (the change passes the threshold, and the intervals do not overlap); improved\n"
	"  when new < base * (1 - threshold) and new_high < base_low. \"too few\": a run\n"
	"  has too few calls to bound the quantile at all (p99.9 needs thousands).\n"
	"  \"unstable\": the quantile sits on a gap between two modes and jumped across\n"
	"  it, while the share of calls above the gap moved within the threshold.\n"
	"  Several runs a side: noise is how runs differ. Each run's quantile is one value;\n"
	"  a quantile regressed when the Mann-Whitney U test (exact up to 60 runs in all)\n"
	"  gives p <= alpha / N and the median of the new runs is above the base runs'\n"
	"  median by more than the threshold. Runs too few to ever reach that p are said\n"
	"  (4 against 4 reach p = 0.029 at best, 5 against 5 0.0079, 6 against 6 0.0022).\n"
	"  Rates are said higher or lower when beyond noise (a Poisson interval, or the same\n"
	"  rank test) and the threshold; they never change the exit status.\n"
	"Runs of different commands, sampling, hosts or kernels, or durations more than 2x\n"
	"apart are compared with a warning.\n"
	"\n"
	"Options:\n"
	"      --base FILE...     the base runs (with --new, in place of BASE NEW)\n"
	"      --new FILE...      the new runs\n"
	"      --threshold T      the change that matters, in percent: one for every\n"
	"                         quantile and rate (10%), or per quantile,\n"
	"                         p99=20%,p50=5% (a bare one for the rest: 10%,p99=25%);\n"
	"                         default p50=5%,p90=10%,p99=20%,p999=20% and 5% for\n"
	"                         rates: tails move more from run to run than within one\n"
	"      --alpha A          the error of all the verdicts together, 0 < A < 0.5\n"
	"                         (default 0.05)\n"
	"      --format FMT       text (default; colour on a terminal unless NO_COLOR is\n"
	"                         set), json, or markdown (a table for a pull request)\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit status: 0 when no quantile regressed; 3 when one or more did; 1 when a run\n"
	"cannot be read; 2 for a usage error.\n"
	"\n"
	"Examples:\n"
	"  tailtrace diff baseline.json run.json\n"
	"  tailtrace diff baseline.json run.json --threshold p99=20%,p50=5% --format markdown\n"
	"  tailtrace diff --base b1.json b2.json b3.json b4.json b5.json \\\n"
	"                 --new n1.json n2.json n3.json n4.json n5.json\n";

enum { OPT_BASE = 1000, OPT_NEW, OPT_THRESHOLD, OPT_ALPHA, OPT_FORMAT };
enum { FMT_TEXT, FMT_JSON, FMT_MARKDOWN };

/* The files of each side, and those named before either --base or --new. */
struct sides {
	const char **v[3];
	size_t n[3];
};

static int parse_format(const char *arg, int *fmt)
{
	static const char *const names[] = { [FMT_TEXT] = "text", [FMT_JSON] = "json",
					      [FMT_MARKDOWN] = "markdown" };

	for (int i = 0; i < 3; i++) {
		if (!strcmp(arg, names[i])) {
			*fmt = i;
			return 0;
		}
	}
	usage_error("unknown --format '%s': diff writes text, json or markdown", arg);
	return -EINVAL;
}

static int parse_alpha(const char *arg, double *alpha)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !(v > 0 && v < 0.5)) {
		usage_error("--alpha needs a probability above 0 and below 0.5 (0.05), got '%s'",
			    arg);
		return -EINVAL;
	}
	*alpha = v;
	return 0;
}

/* 0 and the files of each side in *s, OPTS_HELP, or OPTS_USAGE (said). */
static int parse_args(int argc, char **argv, struct sides *s, struct compare_opts *o, int *fmt)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, OPT_BASE },
		{ "new", required_argument, NULL, OPT_NEW },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int side = 0, c;
	char err[256];

	for (int i = 0; i < 3; i++) {
		s->v[i] = calloc((size_t)argc, sizeof(char *));
		if (!s->v[i])
			return -ENOMEM;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1 || optind < argc) {
		switch (c) {
		case -1:
			/* a file: of the side named last, or a plain BASE NEW */
			s->v[side][s->n[side]++] = argv[optind++];
			break;
		case OPT_BASE:
		case OPT_NEW:
			side = c == OPT_BASE ? 1 : 2;
			s->v[side][s->n[side]++] = optarg;
			break;
		case OPT_THRESHOLD:
			if (compare_parse_threshold(optarg, o, err, sizeof(err))) {
				usage_error("--threshold '%s': %s", optarg, err);
				return OPTS_USAGE;
			}
			break;
		case OPT_ALPHA:
			if (parse_alpha(optarg, &o->alpha))
				return OPTS_USAGE;
			break;
		case OPT_FORMAT:
			if (parse_format(optarg, fmt))
				return OPTS_USAGE;
			break;
		case 'h':
			fputs(diff_help, stdout);
			return OPTS_HELP;
		default:
			usage_bad_option(argv, "+h");
			return OPTS_USAGE;
		}
	}
	if (s->n[1] || s->n[2]) {
		if (s->n[0] || !s->n[1] || !s->n[2]) {
			usage_error("%s", s->n[0] ? "give the runs either as BASE NEW or with --base "
				    "and --new, not both" : "--base and --new go together: give "
				    "the runs of both sides");
			return OPTS_USAGE;
		}
		return 0;
	}
	if (s->n[0] != 2) {
		usage_error("diff compares two runs, got %zu: tailtrace diff BASE.json NEW.json "
			    "(or --base ... --new ... for several a side)", s->n[0]);
		return OPTS_USAGE;
	}
	/* BASE NEW: one file a side */
	s->v[1][s->n[1]++] = s->v[0][0];
	s->v[2][s->n[2]++] = s->v[0][1];
	s->n[0] = 0;
	return 0;
}

static void free_runs(struct snapshot *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snapshot_free(&runs[i]);
	free(runs);
}

/* Every file of a side read, or NULL after saying which could not be. */
static struct snapshot *load_side(const char **files, size_t n)
{
	struct snapshot *runs = calloc(n, sizeof(*runs));

	if (!runs) {
		msg_error("out of memory reading the runs; free some memory and try again");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (runfile_load(files[i], &runs[i])) {
			free_runs(runs, i);
			return NULL;
		}
	}
	return runs;
}

static int print(const struct diff_report *d, int fmt)
{
	switch (fmt) {
	case FMT_JSON:
		return diff_print_json(stdout, d);
	case FMT_MARKDOWN:
		return diff_print_markdown(stdout, d);
	default:
		return diff_print_text(stdout, d, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	}
}

int offline_diff(int argc, char **argv)
{
	struct sides s = { 0 };
	struct compare_opts o;
	struct compare_result r;
	struct snapshot *base = NULL, *new = NULL;
	int fmt = FMT_TEXT, ret, err;

	usage_set_command("diff");
	msg_json = opts_want_json(argc, argv);
	compare_opts_default(&o);
	ret = parse_args(argc, argv, &s, &o, &fmt);
	if (ret) {
		if (ret == -ENOMEM)
			msg_error("out of memory; free some memory and try again");
		ret = ret == OPTS_HELP ? 0 : ret == OPTS_USAGE ? 2 : 1;
		goto out;
	}
	ret = 1;
	base = load_side(s.v[1], s.n[1]);
	if (!base)
		goto out;
	new = load_side(s.v[2], s.n[2]);
	if (!new)
		goto out;
	if (compare_runs(base, s.v[1], s.n[1], new, s.v[2], s.n[2], &o, &r)) {
		msg_error("out of memory comparing the runs; free some memory and try again");
		goto out;
	}
	for (size_t i = 0; i < r.nwarnings; i++)
		msg_warn("not comparable? %s", r.warnings[i]);
	/* a reader that closed the pipe (| head) does not change the verdict */
	signal(SIGPIPE, SIG_IGN);
	err = print(&(struct diff_report){ .r = &r, .o = &o, .base_names = s.v[1],
					   .new_names = s.v[2], .nbase = s.n[1], .nnew = s.n[2] },
		    fmt);
	if (err && err != -EPIPE) {
		msg_error("cannot write the comparison: %s; check where standard output goes",
			  strerror(-err));
	} else {
		ret = r.regressions ? EXIT_REGRESSION : 0;
	}
	compare_result_free(&r);
out:
	if (base)
		free_runs(base, s.n[1]);
	if (new)
		free_runs(new, s.n[2]);
	for (int i = 0; i < 3; i++)
		free(s.v[i]);
	return ret;
}
