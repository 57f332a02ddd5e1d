// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "model/duration.h"
#include "core/msg.h"
#include "runtime/session.h"

#define DRAIN_NS 20000000ull	/* ring buffers are drained every 20 ms */

uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t unix_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t session_unix_ns(const struct session *s, uint64_t mono_ns)
{
	return s->start_unix_ns + (mono_ns - s->start_mono_ns);
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
		err = session_find_command(o->command[0], path, sizeof(path));
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

int session_find_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	struct stat st;

	if (strchr(cmd, '/')) {
		if (stat(cmd, &st))
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -EACCES;
		if (access(cmd, X_OK))
			return -errno;
		if (!realpath(cmd, buf))
			return -errno;
		if (snprintf(out, len, "%s", buf) >= (int)len)
			return -ENAMETOOLONG;
		return 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", cmd);
		if (!stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK)) {
			char real[PATH_MAX];

			if (!realpath(buf, real))
				return -errno;
			if (snprintf(out, len, "%s", real) >= (int)len)
				return -ENAMETOOLONG;
			return 0;
		}
		path = end ? end + 1 : path + n;
	}
	return -ENOENT;
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int timer_new(uint64_t first_ns, uint64_t period_ns)
{
	struct itimerspec its = {
		.it_value = { first_ns / 1000000000ull, first_ns % 1000000000ull },
		.it_interval = { period_ns / 1000000000ull, period_ns % 1000000000ull },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The child waits for one byte on go_fd, then execs; if exec fails it writes its errno to
 * exec_err_fd, which is close-on-exec, so EOF there means the command runs. */
static int spawn_paused(struct session *s, char **argv)
{
	int go[2], err[2];
	pid_t pid;

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
		sigset_t none;
		char c;
		int e;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
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

	memset(s, 0, sizeof(*s));
	s->opts = o;
	s->epfd = s->sigfd = s->tick_fd = s->end_fd = s->drain_fd = s->pidfd = -1;
	s->go_fd = s->exec_err_fd = -1;

	/* Signals become events of the loop; the traced command gets an unblocked mask. An
	 * ignored signal (inherited from a shell's background job) would never reach the
	 * signalfd, and `kill -INT` must always end a trace with its report. */
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
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->sigfd < 0 || s->epfd < 0) {
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

void session_set_ring_buffer(struct session *s, struct ring_buffer *rb)
{
	s->rb = rb;
}

void session_set_periodic(struct session *s, void (*fn)(void *ctx), void *ctx)
{
	s->periodic = fn;
	s->periodic_ctx = ctx;
}

static void drain(struct session *s)
{
	if (s->rb)
		ring_buffer__consume(s->rb);
}

static void read_timer(int fd)
{
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		msg_warn("timer read failed: %s", strerror(errno));
}

int session_run(struct session *s, int (*tick)(void *ctx, bool final), void *ctx)
{
	const struct common_opts *o = s->opts;
	struct epoll_event evs[8];
	int err = 0;

	s->start_mono_ns = mono_now_ns();
	s->start_unix_ns = unix_now_ns();
	if (o->interval_ns) {
		s->tick_fd = timer_new(o->interval_ns, o->interval_ns);
		if (s->tick_fd < 0 || epoll_add(s->epfd, s->tick_fd))
			goto fail;
	}
	if (o->duration_ns) {
		s->end_fd = timer_new(o->duration_ns, 0);
		if (s->end_fd < 0 || epoll_add(s->epfd, s->end_fd))
			goto fail;
	}
	if (s->rb || s->periodic) {
		s->drain_fd = timer_new(DRAIN_NS, DRAIN_NS);
		if (s->drain_fd < 0 || epoll_add(s->epfd, s->drain_fd))
			goto fail;
	}
	if (epoll_add(s->epfd, s->sigfd))
		goto fail;
	if (s->pidfd >= 0 && epoll_add(s->epfd, s->pidfd))
		goto fail;

	while (s->end == END_NONE) {
		int n = epoll_wait(s->epfd, evs, 8, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == s->sigfd) {
				struct signalfd_siginfo si;

				if (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
					s->end = END_SIGNAL;
					s->end_signal = (int)si.ssi_signo;
				}
			} else if (fd == s->end_fd) {
				read_timer(fd);
				s->end = END_DURATION;
			} else if (fd == s->pidfd) {
				s->end = END_TARGET;
			} else if (fd == s->drain_fd) {
				read_timer(fd);
				drain(s);
				if (s->periodic)
					s->periodic(s->periodic_ctx);
			} else if (fd == s->tick_fd) {
				read_timer(fd);
				/* A tick on the deadline (-d a multiple of -i) is the end: the final
				 * report covers this interval, not an empty one after it. */
				if (o->duration_ns && mono_now_ns() - s->start_mono_ns +
				    o->interval_ns / 100 >= o->duration_ns) {
					s->end = END_DURATION;
					continue;
				}
				drain(s);
				if (!err)
					err = tick(ctx, false);
			}
		}
	}
	drain(s);
	if (s->periodic)
		s->periodic(s->periodic_ctx);
	if (s->end == END_TARGET && s->own_child) {
		waitpid(s->pid, &s->wait_status, 0);
		s->own_child = false;
	}
	if (!err)
		err = tick(ctx, true);
	return err;
fail:
	msg_error("event loop failed: %s", strerror(errno));
	return -EIO;
}

int session_exit_code(const struct session *s)
{
	/* A command interrupted (Ctrl-C) ends as a shell reports it: 128 + the signal. Stopped
	 * by -d, the command's fate is ours, not a failure. Tracing -p or the whole host is
	 * meant to end by a signal. */
	if (s->opts->command && s->end == END_SIGNAL)
		return 128 + s->end_signal;
	if (!s->opts->command || !s->released || s->end != END_TARGET)
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
	int fds[] = { s->epfd, s->sigfd, s->tick_fd, s->end_fd, s->drain_fd, s->pidfd,
		      s->go_fd, s->exec_err_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	s->epfd = s->sigfd = s->tick_fd = s->end_fd = s->drain_fd = s->pidfd = -1;
	s->go_fd = s->exec_err_fd = -1;
}
