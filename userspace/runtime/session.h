/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every collector's run has in common: checking the environment, starting the traced
 * command paused (so probes are attached before its first instruction), watching a pid, and
 * one epoll loop over signals, timers, the traced process and ring buffers.
 */
#ifndef TAILTRACE_SESSION_H
#define TAILTRACE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/options.h"

struct ring_buffer;

enum session_end {
	END_NONE,
	END_SIGNAL,	/* Ctrl-C or SIGTERM */
	END_DURATION,	/* -d expired */
	END_TARGET,	/* the traced command or pid exited */
};

struct session {
	const struct common_opts *opts;
	int epfd, sigfd, tick_fd, end_fd, drain_fd, pidfd;
	pid_t pid;		/* traced process: -p, or the command started */
	bool own_child;		/* pid is our child, paused until session_release */
	bool released;
	int go_fd, exec_err_fd;	/* child side of the start handshake */
	int wait_status;	/* the command's, once it exited */
	enum session_end end;
	int end_signal;		/* with END_SIGNAL: which */
	struct ring_buffer *rb;
	void (*periodic)(void *ctx);
	void *periodic_ctx;
	uint64_t start_mono_ns, start_unix_ns;
};

/* The process (thread group) of a thread id, or -1. */
int session_tgid_of(int tid);
/* "Tracing <what> (all processes). Ends ..." on stderr, saying what ends the trace. */
void session_say_tracing(const struct session *s, const char *what);
/* That -p names a live process and the command after -- can be executed, before anything
 * is attached. Prints why not; returns 0 or 1. */
int session_check_target(const struct common_opts *o);
/* Root or CAP_BPF+CAP_PERFMON, and kernel BTF. Prints why not; returns 0 or 1. */
int session_check_env(void);
/* Absolute path of what "command" would execute, via $PATH like execvp. 0 or -errno. */
int session_find_command(const char *cmd, char *out, size_t len);

/* Sets up fds; with -p checks that the pid exists, with a command forks it paused.
 * 0, or 1 after printing the problem. */
int session_open(struct session *s, const struct common_opts *o);
/* Lets the paused command exec. 0, or 1 (printed) when it could not be executed. */
int session_release(struct session *s);
/* Drains ring buffer rb on a short timer while the session runs (events use NO_WAKEUP). */
void session_set_ring_buffer(struct session *s, struct ring_buffer *rb);
/* Calls fn(ctx) every 20 ms while the session runs, and once at its end (to look at
 * processes while they live). */
void session_set_periodic(struct session *s, void (*fn)(void *ctx), void *ctx);
/* Runs until a signal, -d, or the target's exit; calls tick(ctx, false) every -i interval
 * and tick(ctx, true) once at the end. Returns tick's first error, else 0. */
int session_run(struct session *s, int (*tick)(void *ctx, bool final), void *ctx);
/* Exit code for the tool: the command's own status when one was run, else 0. */
int session_exit_code(const struct session *s);
/* Closes everything; a command still paused is killed and reaped. */
void session_close(struct session *s);

uint64_t mono_now_ns(void);
/* Converts a CLOCK_MONOTONIC timestamp (bpf_ktime_get_ns) to Unix time. */
uint64_t session_unix_ns(const struct session *s, uint64_t mono_ns);

#endif
