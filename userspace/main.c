// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tailtrace: kernel-assisted latency tracer. One binary; a command per collector, and
 * record for several at once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "collectors/collectors.h"
#include "core/msg.h"
#include "offline/diff.h"
#include "offline/merge.h"
#include "offline/report.h"
#include "runtime/run.h"

#ifndef TAILTRACE_VERSION
#define TAILTRACE_VERSION "0.0.0"
#endif

/* Every collector: its command, and what record can run together. */
static const struct collector *const collectors[] = {
	&func_collector,
	&sched_collector,
	&net_collector,
	&profile_collector,
};
#define NCOLLECTORS (sizeof(collectors) / sizeof(collectors[0]))

/* Commands that trace nothing: they read runs saved with -o. */
static const struct {
	const char *name, *summary;
	int (*main)(int argc, char **argv);
} offline_commands[] = {
	{ "diff", "compare saved runs: a verdict per quantile, exit 3 on a regression",
	  offline_diff },
	{ "report", "render a saved run again: any format, filters, objectives", offline_report },
	{ "merge", "add saved runs together (hosts, repeated runs), exactly", offline_merge },
};
#define NOFFLINE (sizeof(offline_commands) / sizeof(offline_commands[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tailtrace COMMAND [options] [-- PROGRAM [ARGS...]]\n"
		"\n"
		"Kernel-assisted latency tracing: histograms and percentiles measured in the kernel\n"
		"with BPF, at an overhead low enough to leave running.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOLLECTORS; i++)
		fprintf(f, "  %-8s %s\n", collectors[i]->name, collectors[i]->summary);
	fprintf(f, "  %-8s %s\n", "record", "several of them over one target, in one run");
	fprintf(f, "\nCommands on saved runs (-o FILE.json):\n");
	for (size_t i = 0; i < NOFFLINE; i++)
		fprintf(f, "  %-8s %s\n", offline_commands[i].name, offline_commands[i].summary);
	fprintf(f,
		"\n"
		"Examples:\n"
		"  tailtrace func 'handle_*' -- ./server          time every handle_* call\n"
		"  tailtrace func libc:malloc -p 1234 -d 10s      malloc latency of pid 1234\n"
		"  tailtrace sched -p 1234 --by tid -d 5s        why its threads wait\n"
		"  tailtrace profile -p 1234 -d 10s              where its CPU time goes\n"
		"  tailtrace record --func 'handle_*' --sched --net -- ./server\n"
		"  tailtrace diff baseline.json run.json         exit 3 if a quantile regressed\n"
		"  tailtrace func 'handle_*' --slo 'func.latency:p99<2ms' -o run.json -- ./test\n"
		"  tailtrace report run.json --format markdown\n"
		"\n"
		"'tailtrace COMMAND --help' tells more. Tracing needs root (or CAP_BPF and\n"
		"CAP_PERFMON) and a kernel with BTF.\n");
}

/* Started with 0, 1 or 2 closed (`tailtrace ... >&-`), the next file opened would take that
 * number and what is printed would land in it (the -o file): hold each closed one with
 * /dev/null, as setuid programs do. 0, or -1 when even that is impossible. */
static int hold_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number: fd itself */
		got = open("/dev/null", O_RDWR);
		if (got != fd) {
			if (got >= 0)
				close(got);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char prog[64];

	if (hold_standard_fds()) {
		fprintf(stderr, "tailtrace: error: standard input, output or error is closed and "
			"/dev/null cannot be opened in its place: run it with them open\n");
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("tailtrace %s\n", TAILTRACE_VERSION);
		return 0;
	}
	snprintf(prog, sizeof(prog), "tailtrace %s", argv[1]);
	if (!strcmp(argv[1], "record")) {
		msg_prog = prog;
		return run_record(collectors, NCOLLECTORS, argc - 1, argv + 1);
	}
	for (size_t i = 0; i < NOFFLINE; i++) {
		if (strcmp(argv[1], offline_commands[i].name))
			continue;
		msg_prog = prog;
		return offline_commands[i].main(argc - 1, argv + 1);
	}
	for (size_t i = 0; i < NCOLLECTORS; i++) {
		if (strcmp(argv[1], collectors[i]->name))
			continue;
		msg_prog = prog;
		return run_command(collectors, NCOLLECTORS, collectors[i], argc - 1, argv + 1);
	}
	msg_print(stderr, "tailtrace: error: unknown command '%s'", argv[1]);
	fputs("\nTry 'tailtrace --help' for the list of commands.\n", stderr);
	return 2;
}
