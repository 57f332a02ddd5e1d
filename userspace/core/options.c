// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/duration.h"
#include "core/msg.h"
#include "core/options.h"

enum { OPT_FORMAT = 1000, OPT_HELP, OPT_TOP, OPT_SLO, OPT_SLO_FILE };

static const struct option common_long[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "slo", required_argument, NULL, OPT_SLO },
	{ "slo-file", required_argument, NULL, OPT_SLO_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
#define NCOMMON (sizeof(common_long) / sizeof(common_long[0]))

static const char *usage_cmd = "";

void usage_set_command(const char *cmd)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s ", cmd);
	usage_cmd = buf;
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	if (msg_json) {
		char hint[128];

		snprintf(hint, sizeof(hint), "Try 'tailtrace %s--help' for more information.",
			 usage_cmd);
		va_start(ap, fmt);
		msg_json_error("error", hint, fmt, ap);
		va_end(ap);
		return;
	}
	fprintf(stderr, "%s: error: ", msg_prog);
	va_start(ap, fmt);
	msg_vprint(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'tailtrace %s--help' for more information.\n", usage_cmd);
}

void usage_bad_option(char *const *argv, const char *optstring)
{
	if (optopt > 0 && optopt < 256 && strchr(optstring, optopt))
		usage_error("option -%c needs a value", optopt);
	else if (optopt > 0 && optopt < 256)
		usage_error("unknown option -%c", optopt);
	else if (optopt >= 256)
		usage_error("option '%s' needs a value", argv[optind - 1]);
	else
		usage_error("unknown option '%s'", argv[optind - 1]);
}

int opt_duration(const char *opt, const char *arg, bool allow_zero, uint64_t *ns)
{
	int err = duration_parse(arg, 1000000000ull, ns);

	if (err == -ERANGE) {
		usage_error("%s '%s' is too large", opt, arg);
		return -EINVAL;
	}
	if (err) {
		usage_error("invalid duration '%s' for %s: use a positive number with a unit "
			    "(ns, us, ms, s, m), e.g. 500ms or 5s", arg, opt);
		return -EINVAL;
	}
	if (!allow_zero && *ns == 0) {
		usage_error("%s must be greater than zero, got '%s'", opt, arg);
		return -EINVAL;
	}
	return 0;
}

int opt_uint(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (!arg || *arg < '0' || *arg > '9') {
		usage_error("%s needs a whole number from %llu to %llu, got '%s'", opt,
			    (unsigned long long)min, (unsigned long long)max, arg ? arg : "");
		return -EINVAL;
	}
	x = strtoull(arg, &end, 10);
	if (errno || *end || x < min || x > max) {
		usage_error("%s needs a whole number from %llu to %llu, got '%s'", opt,
			    (unsigned long long)min, (unsigned long long)max, arg);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

const char common_opts_help[] =
	       "\nCommon options:\n"
	       "  -p, --pid PID          trace only this process (and its threads)\n"
	       "  -d, --duration DUR     stop after DUR (e.g. 10s, 500ms); default: until Ctrl-C\n"
	       "                         or the traced process exits\n"
	       "  -i, --interval DUR     report every DUR, each report covering that interval\n"
	       "                         (stacks: once, at the end, for the whole run)\n"
	       "      --format FMT       of standard output: text (default), json, or ndjson\n"
	       "                         (one object a line, with -i one per interval);\n"
	       "                         folded, svg (a flame graph) or pprof for stacks;\n"
	       "                         markdown (tables for a pull request)\n"
	       "  -o, --output FILE      also save the whole run to FILE, as its extension says\n"
	       "                         (.txt, .ndjson, .folded, .svg, .pb.gz or .pprof;\n"
	       "                         otherwise JSON); '-': stdout\n"
	       "      --top N            show the N rows with the most time per table\n"
	       "      --slo OBJECTIVE    check a latency objective at the end (and each -i\n"
	       "                         interval), e.g. 'func.latency{func=handle}:p99<2ms',\n"
	       "                         'sched.runq_latency:p99.9<=500us', 'net.tcp_connect:\n"
	       "                         count>=50'; statistics count, rate, total, mean, min,\n"
	       "                         max, pNN; the report ends with a pass/fail table, and\n"
	       "                         exit status 3 says one failed (repeatable)\n"
	       "      --slo-file FILE    objectives from FILE, one a line, '#' for comments\n"
	       "  -v, --verbose          say what was found and attached (-vv: libbpf debug)\n"
	       "  -h, --help             this help\n"
	       "\nDurations take the units ns, us, ms, s and m; a bare number means seconds.\n";

static void print_help(const struct cmd_usage *u)
{
	printf("Usage: tailtrace %s\n\n%s%s", u->synopsis, u->doc, common_opts_help);
}

bool opts_want_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *v = !strcmp(argv[i], "--format") && i + 1 < argc ? argv[i + 1] :
				!strncmp(argv[i], "--format=", 9) ? argv[i] + 9 : NULL;

		if (v && (!strcmp(v, "json") || !strcmp(v, "ndjson")))
			return true;
	}
	return false;
}

enum opts_result common_opts_parse(int argc, char **argv, const struct option *extra,
				   const char *shortopts, opt_handler handler, void *ctx,
				   const struct cmd_usage *usage, struct common_opts *o)
{
	struct option longopts[64];
	char optstring[64] = "+p:d:i:o:vh";
	size_t n = 0;
	int nopt = argc, c, ret = OPTS_OK;
	uint64_t v;

	memset(o, 0, sizeof(*o));
	o->format = "text";
	/* errors come as JSON for a program that asked for JSON, also those of the options */
	msg_json = opts_want_json(argc, argv);
	usage_cmd = usage->synopsis;
	{
		/* "func PROBE..." -> "func " for the hint */
		static char cmd[32];
		const char *sp = strchr(usage->synopsis, ' ');
		size_t len = sp ? (size_t)(sp - usage->synopsis) : strlen(usage->synopsis);

		snprintf(cmd, sizeof(cmd), "%.*s ", (int)len, usage->synopsis);
		usage_cmd = cmd;
	}
	for (size_t i = 0; i < NCOMMON; i++)
		longopts[n++] = common_long[i];
	for (size_t i = 0; extra && extra[i].name && n < 63; i++)
		longopts[n++] = extra[i];
	memset(&longopts[n], 0, sizeof(longopts[n]));
	strncat(optstring, shortopts ? shortopts : "", sizeof(optstring) - strlen(optstring) - 1);

	/* Everything after "--" is the command, so getopt must never see or permute it. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nopt = i;
			o->command = &argv[i + 1];
			if (!o->command[0]) {
				usage_error("'--' must be followed by a command to run");
				return OPTS_USAGE;
			}
			break;
		}
	}
	o->args = calloc(argc + 1, sizeof(char *));
	o->slo = calloc(argc + 1, sizeof(char *));
	o->slo_files = calloc(argc + 1, sizeof(char *));
	if (!o->args || !o->slo || !o->slo_files)
		return OPTS_USAGE;

	optind = 1;
	opterr = 0;
	while (optind < nopt) {
		c = getopt_long(nopt, argv, optstring, longopts, NULL);
		if (c == -1) {
			/* a positional argument: keep it and go on */
			o->args[o->nargs++] = argv[optind++];
			continue;
		}
		switch (c) {
		case 'p':
			if (opt_uint("-p", optarg, 1, 4194304, &v))
				return OPTS_USAGE;
			o->pid = (pid_t)v;
			break;
		case 'd':
			if (opt_duration("-d", optarg, false, &o->duration_ns))
				return OPTS_USAGE;
			break;
		case 'i':
			if (opt_duration("-i", optarg, false, &o->interval_ns))
				return OPTS_USAGE;
			if (o->interval_ns < 10000000) {
				usage_error("-i must be at least 10ms, got '%s'", optarg);
				return OPTS_USAGE;
			}
			break;
		case OPT_FORMAT:
			o->format = optarg;	/* the run knows the emitters */
			break;
		case 'o':
			if (!*optarg) {
				usage_error("-o needs a file name ('-' for standard output)");
				return OPTS_USAGE;
			}
			if (o->output) {
				usage_error("-o given twice ('%s', then '%s'): a run writes one file; "
					    "save it as JSON and render the others from it "
					    "(tailtrace report RUN.json --format svg -o RUN.svg)",
					    o->output, optarg);
				return OPTS_USAGE;
			}
			o->output = optarg;
			break;
		case OPT_TOP:
			if (opt_uint("--top", optarg, 1, UINT32_MAX, &v))
				return OPTS_USAGE;
			o->top = (uint32_t)v;
			break;
		case OPT_SLO:
			o->slo[o->nslo++] = optarg;
			break;
		case OPT_SLO_FILE:
			o->slo_files[o->nslo_files++] = optarg;
			break;
		case 'v':
			msg_verbosity++;
			break;
		case 'h':
			print_help(usage);
			return OPTS_HELP;
		case '?':
			usage_bad_option(argv, optstring);
			return OPTS_USAGE;
		default:
			if (!handler || handler(c, optarg, ctx))
				return OPTS_USAGE;
			break;
		}
	}
	if (o->pid && o->command) {
		usage_error("-p and a command after '--' cannot be used together: pick one");
		return OPTS_USAGE;
	}
	return ret;
}

void common_opts_free(struct common_opts *o)
{
	free(o->args);
	free(o->slo);
	free(o->slo_files);
	o->args = NULL;
	o->slo = o->slo_files = NULL;
}
