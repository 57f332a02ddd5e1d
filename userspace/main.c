// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tailtrace: kernel-assisted latency tracer. One binary; one subcommand per collector. */
#include <stdio.h>
#include <string.h>
#include "collectors/collectors.h"
#include "core/msg.h"

#ifndef TAILTRACE_VERSION
#define TAILTRACE_VERSION "0.0.0"
#endif

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "func", cmd_func, "latency of user-space functions (uprobes)" },
	{ "sched", cmd_sched, "run-queue latency, off-CPU and on-CPU time (scheduler)" },
	{ "net", cmd_net, "TCP connect, RTT and lifetime, transmit queueing, drops" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tailtrace COMMAND [options] [-- PROGRAM [ARGS...]]\n"
		"\n"
		"Kernel-assisted latency tracing: histograms and percentiles measured in the kernel\n"
		"with BPF, at an overhead low enough to leave running.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Examples:\n"
		"  tailtrace func 'handle_*' -- ./server          time every handle_* call\n"
		"  tailtrace func libc:malloc -p 1234 -d 10s      malloc latency of pid 1234\n"
		"  tailtrace sched -p 1234 --by tid -d 5s        why its threads wait\n"
		"\n"
		"'tailtrace COMMAND --help' tells more. Tracing needs root (or CAP_BPF and\n"
		"CAP_PERFMON) and a kernel with BTF.\n");
}

int main(int argc, char **argv)
{
	static char prog[64];

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
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		snprintf(prog, sizeof(prog), "tailtrace %s", commands[i].name);
		msg_prog = prog;
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "tailtrace: error: unknown command '%s'\n"
		"Try 'tailtrace --help' for the list of commands.\n", argv[1]);
	return 2;
}
