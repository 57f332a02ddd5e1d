/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The traced process and the signals of a run: checking the environment, starting the traced
 * command paused (so probes are attached before its first instruction) with the signal state
 * tailtrace itself was started with, killed by the kernel if tailtrace dies, watching a pid, and turning SIGINT, SIGTERM and SIGHUP
 * into an fd the loop reads.
 */
#ifndef TAILTRACE_SESSION_H
#define TAILTRACE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/options.h"

enum session_end {
	END_NONE,
	END_SIGNAL,	/* Ctrl-C or SIGTERM */
	END_DURATION,	/* -d expired */
	END_TARGET,	/* the traced command or pid exited */
	END_OUTPUT,	/* standard output was closed (| head): end quietly */
	END_ERROR,	/* a report could not be written */
};

struct session {
	const struct common_opts *opts;
	int sigfd, pidfd;
	pid_t pid;		/* traced process: -p, or the command started */
	char exe[4096];		/* the command's executable, when one was started */
	bool own_child;		/* pid is our child, paused until session_release */
	bool released;
	int go_fd, exec_err_fd;	/* child side of the start handshake */
	int wait_status;	/* the command's, once it exited */
	enum session_end end;
	int end_signal;		/* with END_SIGNAL: which */
};

/* Every fd unset, so that session_close on a session never opened closes nothing. Call it
 * first. */
void session_init(struct session *s);
/* The process (thread group) of a thread id, or -1. */
int session_tgid_of(int tid);
/* "Tracing <what> (all processes). Ends ..." on stderr, saying what ends the trace. */
void session_say_tracing(const struct session *s, const char *what);
/* That -p names a live process and the command after -- can be executed, before anything
 * is attached. Prints why not; returns 0 or 1. */
int session_check_target(const struct common_opts *o);
/* Root or CAP_BPF+CAP_PERFMON, and kernel BTF. Prints why not; returns 0 or 1. */
int session_check_env(void);

/* Blocks the signals that end a run into an fd; with -p checks that the pid exists, with
 * a command forks it paused. 0, or 1 after printing the problem. */
int session_open(struct session *s, const struct common_opts *o);
/* Lets the paused command exec. 0, or 1 (printed) when it could not be executed. */
int session_release(struct session *s);
/* The loop is over: from now on SIGINT, SIGTERM and SIGHUP end tailtrace at once, as they
 * would any program (a final write that a stalled reader blocks can always be stopped; the
 * kernel then detaches every probe with the process). */
void session_unblock_signals(struct session *s);
/* Reads the signal that arrived on sigfd: sets end and end_signal. */
void session_read_signal(struct session *s);
/* The traced process exited: reaps our command. */
void session_target_exited(struct session *s);
/* Exit code for the tool: the command's own status when one was run, else 0. */
int session_exit_code(const struct session *s);
/* Closes everything; a command still paused is killed and reaped. */
void session_close(struct session *s);

#endif
