// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * empty_net [packets]: attaches empty programs to the tracepoints that `tailtrace net` uses
 * (with "packets": those of `tailtrace net --packets`), says "Tracing" on stderr, and waits
 * for SIGINT or SIGTERM. The net benchmark's floor: what any tracer of these tracepoints pays
 * before its own work.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "empty_net.skel.h"

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

int main(int argc, char **argv)
{
	bool packets = argc > 1 && !strcmp(argv[1], "packets");
	struct empty_net_bpf *skel;
	sigset_t set;
	int sig, err;

	if (argc > 2 || (argc == 2 && !packets)) {
		fprintf(stderr, "usage: empty_net [packets]\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	libbpf_set_print(print_warnings);
	skel = empty_net_bpf__open();
	if (skel && !packets) {
		bpf_program__set_autoload(skel->progs.empty_net_dev_queue, false);
		bpf_program__set_autoload(skel->progs.empty_net_dev_xmit, false);
		bpf_program__set_autoload(skel->progs.empty_skb_copy_datagram_iovec, false);
	}
	if (skel && empty_net_bpf__load(skel)) {
		empty_net_bpf__destroy(skel);
		skel = NULL;
	}
	if (!skel) {
		fprintf(stderr, "empty_net: cannot load the BPF programs: %s (root?)\n",
			strerror(errno));
		return 1;
	}
	err = empty_net_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "empty_net: cannot attach: %s\n", strerror(-err));
		empty_net_bpf__destroy(skel);
		return 1;
	}
	fprintf(stderr, "Tracing (empty programs)\n");
	sigwait(&set, &sig);
	empty_net_bpf__destroy(skel);
	return 0;
}
