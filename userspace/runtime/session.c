// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "model/duration.h"
#include "core/msg.h"
#include "runtime/session.h"
#include "symbols/binary_resolve.h"

/* The signal state tailtrace was started with, restored in the traced command. */
static sigset_t start_mask;
static struct sigaction start_actions[NSIG];
static const int run_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->sigfd = s->pidfd = s->go_fd = s->exec_err_fd = -1;
}

static bool has_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = data[0].effective | ((uint64_t)data[1].effective << 32);
#ifndef CAP_BPF
#define CAP_PERFMON 38
#define CAP_BPF 39
#endif
	if (eff & (1ull << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON));
}

int session_tgid_of(int tid)
{
	char path[64], line[128];
	int tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

void session_say_tracing(const struct session *s, const char *what)
{
	const struct common_opts *o = s->opts;
	char d[32] = "", ends[96];

	if (o->duration_ns)
		duration_format(o->duration_ns, d, sizeof(d));
	if (o->command)
		snprintf(ends, sizeof(ends), "Ends when the command exits%s%s, or on Ctrl-C.",
			 *d ? ", after " : "", d);
	else if (o->pid)
		snprintf(ends, sizeof(ends), "Ends when process %d exits%s%s, or on Ctrl-C.",
			 o->pid, *d ? ", after " : "", d);
	else if (*d)
		snprintf(ends, sizeof(ends), "Ends after %s, or on Ctrl-C.", d);
	else
		snprintf(ends, sizeof(ends), "Hit Ctrl-C to end.");
	msg_info("Tracing %s%s. %s", what, o->pid || o->command ? "" : " in all processes", ends);
}

int session_check_target(const struct common_opts *o)
{
	char path[PATH_MAX];
	int err;

	if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
		msg_error("no process with pid %d: check the pid (ps -e)", o->pid);
		return 1;
	}
	if (o->command) {
		err = binary_find_command(o->command[0], path, sizeof(path));
		if (err) {
			msg_error("cannot execute '%s': %s", o->command[0],
				  err == -ENOENT && !strchr(o->command[0], '/') ?
				  "command not found in $PATH" : strerror(-err));
			return 1;
		}
	}
	return 0;
}

int session_check_env(void)
{
	if (geteuid() != 0 && !has_caps()) {
		msg_error("tracing needs root or the capabilities CAP_BPF and CAP_PERFMON: "
			  "run with sudo, or grant them (setcap cap_bpf,cap_perfmon+ep)");
		return 1;
	}
	/* TAILTRACE_SYSFS_BTF lets the tests play a kernel without BTF. */
	const char *btf = getenv("TAILTRACE_SYSFS_BTF");

	if (!btf)
		btf = "/sys/kernel/btf/vmlinux";
	if (access(btf, R_OK)) {
		msg_error("this kernel has no BTF (%s is missing): tailtrace needs a kernel "
			  "built with CONFIG_DEBUG_INFO_BTF=y", btf);
		return 1;
	}
	return 0;
}

/* The child waits for one byte on go_fd, then execs; if exec fails it writes its errno to
 * exec_err_fd, which is close-on-exec, so EOF there means the command runs. */
static int spawn_paused(struct session *s, char **argv)
{
	int go[2], err[2];
	pid_t pid, tracer = getpid();

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		int e = -errno;

		close(go[0]);
		close(go[1]);
		return e;
	}
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return e;
	}
	if (pid == 0) {
		char c;
		int e;

		/* The command lives no longer than its tracer, killed outright too (SIGKILL,
		 * the OOM killer): it never runs on untraced, with nobody to report or end it.
		 * A tracer gone before the prctl is seen in getppid. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != tracer)
			_exit(127);
		/* The command starts as it would have without tailtrace: the dispositions and
		 * the mask tailtrace was given (SIGPIPE not ignored, SIGHUP as it was). */
		for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++)
			sigaction(run_signals[i], &start_actions[run_signals[i]], NULL);
		sigprocmask(SIG_SETMASK, &start_mask, NULL);
		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* tailtrace gave up before starting us */
		execvp(argv[0], argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	s->pid = pid;
	s->own_child = true;
	s->go_fd = go[1];
	s->exec_err_fd = err[0];
	return 0;
}

int session_open(struct session *s, const struct common_opts *o)
{
	sigset_t mask;
	int err;

	s->opts = o;
	/* Signals become events of the loop. An ignored signal (inherited from a shell's
	 * background job) would never reach the signalfd, and `kill -INT` must always end a
	 * trace with its report. What tailtrace was started with is kept for the command. */
	sigprocmask(SIG_SETMASK, NULL, &start_mask);
	for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++)
		sigaction(run_signals[i], NULL, &start_actions[run_signals[i]]);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd < 0) {
		msg_error("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	if (o->pid) {
		s->pid = o->pid;
		s->pidfd = (int)syscall(SYS_pidfd_open, o->pid, 0);
		if (s->pidfd < 0) {
			int tgid = session_tgid_of(o->pid);

			if (tgid > 0 && tgid != o->pid)
				msg_error("%d is a thread of process %d: use -p %d", o->pid, tgid, tgid);
			else if (errno == ESRCH)
				msg_error("no process with pid %d: check the pid (ps -e)", o->pid);
			else
				msg_error("cannot watch pid %d: %s", o->pid, strerror(errno));
			return 1;
		}
	} else if (o->command) {
		err = binary_find_command(o->command[0], s->exe, sizeof(s->exe));
		if (err) {
			msg_error("cannot execute '%s': %s", o->command[0], strerror(-err));
			return 1;
		}
		err = spawn_paused(s, o->command);
		if (err) {
			msg_error("cannot start '%s': %s", o->command[0], strerror(-err));
			return 1;
		}
		s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
		if (s->pidfd < 0) {
			msg_error("cannot watch the command: %s", strerror(errno));
			return 1;
		}
	}
	return 0;
}

int session_release(struct session *s)
{
	char go = 1;
	int child_errno;
	ssize_t n;

	if (!s->own_child || s->released)
		return 0;
	s->released = true;
	if (write(s->go_fd, &go, 1) != 1) {
		msg_error("cannot start the command: %s", strerror(errno));
		return 1;
	}
	close(s->go_fd);
	s->go_fd = -1;
	do
		n = read(s->exec_err_fd, &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(s->exec_err_fd);
	s->exec_err_fd = -1;
	if (n == sizeof(child_errno)) {
		msg_error("cannot execute '%s': %s", s->opts->command[0], strerror(child_errno));
		waitpid(s->pid, &s->wait_status, 0);
		s->own_child = false;
		return 1;
	}
	return 0;
}

void session_unblock_signals(struct session *s)
{
	sigset_t mask;

	(void)s;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
}

void session_read_signal(struct session *s)
{
	struct signalfd_siginfo si;

	if (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		s->end = END_SIGNAL;
		s->end_signal = (int)si.ssi_signo;
	}
}

void session_target_exited(struct session *s)
{
	if (s->own_child) {
		waitpid(s->pid, &s->wait_status, 0);
		s->own_child = false;
	}
}

int session_exit_code(const struct session *s)
{
	/* A command interrupted (Ctrl-C) ends as a shell reports it: 128 + the signal. Stopped
	 * by -d, the command's fate is ours, not a failure. Tracing -p or the whole host is
	 * meant to end by a signal. */
	if (s->opts && s->opts->command && s->end == END_SIGNAL)
		return 128 + s->end_signal;
	if (!s->opts || !s->opts->command || !s->released || s->end != END_TARGET)
		return 0;
	if (WIFEXITED(s->wait_status))
		return WEXITSTATUS(s->wait_status);
	if (WIFSIGNALED(s->wait_status))
		return 128 + WTERMSIG(s->wait_status);
	return 0;
}

void session_close(struct session *s)
{
	if (s->own_child) {
		/* Never leave the command behind: paused, or still running when we stop early. */
		if (!s->released) {
			kill(s->pid, SIGKILL);
		} else if (s->end != END_TARGET) {
			/* SIGTERM first; a command that ignores it gets SIGKILL after a second. */
			kill(s->pid, SIGTERM);
			for (int i = 0; i < 100; i++) {
				if (waitpid(s->pid, &s->wait_status, WNOHANG) == s->pid)
					break;
				if (i == 99)
					kill(s->pid, SIGKILL);
				usleep(10000);
			}
		}
		waitpid(s->pid, &s->wait_status, 0);
		s->own_child = false;
	}
	int fds[] = { s->sigfd, s->pidfd, s->go_fd, s->exec_err_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	s->sigfd = s->pidfd = s->go_fd = s->exec_err_fd = -1;
}
