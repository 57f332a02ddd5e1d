// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * empty_pair BINARY FUNC -- CMD [ARGS...]: attaches an empty uprobe and an empty uretprobe to
 * FUNC in BINARY (for every process), says "attached" on stderr, runs CMD and exits with its
 * status. The overhead benchmark's floor: what any entry+return tracer pays before its own work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "empty_pair.skel.h"

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

static struct bpf_link *attach(struct bpf_program *prog, const char *binary, const char *func,
			       bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = func, .retprobe = retprobe);

	return bpf_program__attach_uprobe_opts(prog, -1, binary, 0, &opts);
}

/* Runs argv and waits: its exit status, 128 + signal if killed, or -1 if it could not start. */
static int run(char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "empty_pair: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	struct empty_pair_bpf *skel;
	struct bpf_link *entry = NULL, *ret = NULL;
	int status = 1;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: empty_pair BINARY FUNC -- CMD [ARGS...]\n");
		return 2;
	}
	libbpf_set_print(print_warnings);
	skel = empty_pair_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "empty_pair: cannot load the BPF programs: %s (root?)\n",
			strerror(errno));
		return 1;
	}
	entry = attach(skel->progs.empty_entry, argv[1], argv[2], false);
	if (entry)
		ret = attach(skel->progs.empty_return, argv[1], argv[2], true);
	if (!entry || !ret) {
		fprintf(stderr, "empty_pair: cannot attach to %s:%s: %s\n", argv[1], argv[2],
			strerror(errno));
		goto out;
	}
	fprintf(stderr, "attached\n");
	status = run(argv + 4);
	if (status < 0) {
		fprintf(stderr, "empty_pair: cannot run %s: %s\n", argv[4], strerror(errno));
		status = 1;
	}
out:
	bpf_link__destroy(ret);
	bpf_link__destroy(entry);
	empty_pair_bpf__destroy(skel);
	return status;
}
