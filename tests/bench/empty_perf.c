// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * empty_perf HZ: opens a cpu-clock sampling event at HZ on every CPU, as `tailtrace profile`
 * and libbpf-tools' profile do, with an empty BPF program attached to each; says "Tracing" on
 * stderr and waits for SIGINT or SIGTERM. The profile benchmark's floor: what any sampling
 * profiler built on BPF pays (the timer's interrupt, the program's entry) before its own work.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include "empty_perf.skel.h"

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

static int open_cpu_clock(unsigned long hz, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = hz,
	};

	return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int main(int argc, char **argv)
{
	struct empty_perf_bpf *skel;
	struct bpf_link **links;
	int ncpus, nlinks = 0, status = 1, sig;
	unsigned long hz;
	char *end;
	sigset_t set;

	hz = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 2 || *end || !hz) {
		fprintf(stderr, "usage: empty_perf HZ\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	libbpf_set_print(print_warnings);
	ncpus = libbpf_num_possible_cpus();
	skel = empty_perf_bpf__open_and_load();
	if (ncpus <= 0 || !skel) {
		fprintf(stderr, "empty_perf: cannot load the BPF program: %s (root?)\n",
			strerror(errno));
		empty_perf_bpf__destroy(skel);
		return 1;
	}
	links = calloc((size_t)ncpus, sizeof(*links));
	if (!links)
		goto out;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd = open_cpu_clock(hz, cpu);

		if (fd < 0 && errno == ENODEV)
			continue;	/* an offline CPU */
		if (fd < 0) {
			fprintf(stderr, "empty_perf: cannot open a cpu-clock event on CPU %d at "
				"%lu Hz: %s\n", cpu, hz, strerror(errno));
			goto out;
		}
		links[nlinks] = bpf_program__attach_perf_event(skel->progs.empty_sample, fd);
		if (!links[nlinks]) {
			fprintf(stderr, "empty_perf: cannot attach on CPU %d: %s\n", cpu,
				strerror(errno));
			close(fd);
			goto out;
		}
		nlinks++;
	}
	fprintf(stderr, "Tracing\n");
	sigwait(&set, &sig);
	status = 0;
out:
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	free(links);
	empty_perf_bpf__destroy(skel);
	return status;
}
