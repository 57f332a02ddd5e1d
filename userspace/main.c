// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* tailtrace: kernel-assisted latency tracer. One binary; one subcommand per collector. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
