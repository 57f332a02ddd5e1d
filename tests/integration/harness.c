#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include "harness.h"

/* Every test starts here: where it cannot run, it is skipped with the reason. */
const char *tt_bin(void)
{
	const char *p = getenv("TAILTRACE");

	if (geteuid() != 0)
		cr_skip_test("integration tests load BPF programs: run them as root");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		cr_skip_test("this kernel has no BTF (/sys/kernel/btf/vmlinux)");

	cr_assert(p, "TAILTRACE is not set: run through 'make integration'");
	return p;
}

const char *target(const char *name)
{
	static char buf[8][4096];
	static int next;
	const char *dir = getenv("TARGETS");
	char *b = buf[next++ % 8];

	cr_assert(dir, "TARGETS is not set: run through 'make integration'");
	snprintf(b, 4096, "%s/%s", dir, name);
	return b;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	cr_assert(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = 0;
}

uid_t run_as_uid;

void bg_start(struct bg *b, char *const argv[])
{
	int out[2], err[2];

	memset(b, 0, sizeof(*b));
	b->r.out = calloc(1, 1);
	b->r.err = calloc(1, 1);
	b->start = now_s();
	cr_assert(!pipe2(out, O_CLOEXEC) && !pipe2(err, O_CLOEXEC));
	b->pid = fork();
	cr_assert(b->pid >= 0);
	if (b->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		setpgid(0, 0);
		if (run_as_uid && (setgid(run_as_uid) || setuid(run_as_uid)))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	b->fd[0] = out[0];
	b->fd[1] = err[0];
	b->name = argv[0];
}

/* Reads what is there for up to ms; false once both pipes are closed. */
static bool bg_read(struct bg *b, int ms)
{
	struct pollfd p[2] = { { b->fd[0], POLLIN, 0 }, { b->fd[1], POLLIN, 0 } };
	char buf[65536];

	if (b->fd[0] < 0 && b->fd[1] < 0)
		return false;
	if (poll(p, 2, ms) <= 0)
		return true;
	for (int i = 0; i < 2; i++) {
		ssize_t k;

		if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
			continue;
		k = read(p[i].fd, buf, sizeof(buf));
		if (k <= 0) {
			close(p[i].fd);
			b->fd[i] = -1;
			continue;
		}
		if (i == 0)
			append(&b->r.out, &b->olen, buf, k);
		else
			append(&b->r.err, &b->elen, buf, k);
	}
	return true;
}

void bg_wait_for(struct bg *b, const char *text, int timeout_s)
{
	while (!strstr(b->r.err, text)) {
		cr_assert(now_s() - b->start < timeout_s, "%s did not say '%s' in %d s: %s",
			  b->name, text, timeout_s, b->r.err);
		cr_assert(bg_read(b, 100), "%s ended before saying '%s': %s", b->name, text,
			  b->r.err);
	}
}

void bg_finish(struct bg *b, int sig, int timeout_s, struct run *r)
{
	int st;

	if (sig)
		kill(b->pid, sig);
	while (bg_read(b, 100)) {
		if (now_s() - b->start > timeout_s) {
			kill(-b->pid, SIGKILL);
			cr_log_error("%s timed out after %d s", b->name, timeout_s);
			break;
		}
	}
	for (int i = 0; i < 2; i++)
		if (b->fd[i] >= 0)
			close(b->fd[i]);
	waitpid(b->pid, &st, 0);
	*r = b->r;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->seconds = now_s() - b->start;
}

void run_cmd_signal(struct run *r, int timeout_s, char *const argv[], const char *ready,
		    int sig)
{
	struct bg b;

	bg_start(&b, argv);
	if (ready) {
		/* signal a moment after `ready`, once the traced program has done some work */
		bg_wait_for(&b, ready, timeout_s);
		usleep(300000);
	}
	bg_finish(&b, ready ? sig : 0, timeout_s, r);
}

void run_cmd(struct run *r, int timeout_s, char *const argv[])
{
	run_cmd_signal(r, timeout_s, argv, NULL, 0);
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

struct json_value *run_json(const struct run *r)
{
	char err[256];
	struct json_value *v = json_parse(r->out, strlen(r->out), err, sizeof(err));

	cr_assert(v, "output is not JSON (%s):\n%s\nstderr:\n%s", err, r->out, r->err);
	return v;
}

struct json_value *run_json_ok(struct run *r, char *const argv[])
{
	run_cmd(r, 60, argv);
	cr_assert_eq(r->status, 0, "exit %d: %s", r->status, r->err);
	return run_json(r);
}

uint64_t json_u64_at(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);
	uint64_t x = 0;

	cr_assert(v && !json_as_u64(v, &x), "no integer field '%s'", key);
	return x;
}

double quantile(const struct json_value *series, const char *q)
{
	const struct json_value *qs = json_get(series, "quantiles");
	uint64_t x = 0;

	cr_assert(qs && !json_as_u64(json_get(qs, q), &x), "no quantile %s", q);
	return (double)x;
}

const struct json_value *find_series(const struct json_value *root, const char *metric,
				     const char *key, const char *value)
{
	const struct json_value *series = json_get(root, "series");

	cr_assert(series, "no 'series' in the JSON");
	for (size_t i = 0; i < json_array_len(series); i++) {
		const struct json_value *s = json_array_at(series, i);
		const struct json_value *m = json_get(s, "metric");
		const struct json_value *labels = json_get(s, "labels");
		const struct json_value *l;

		if (!m || !json_as_string(m, NULL) || strcmp(json_as_string(m, NULL), metric))
			continue;
		if (!key)
			return s;
		l = labels ? json_get(labels, key) : NULL;
		if (l && json_as_string(l, NULL) && !strcmp(json_as_string(l, NULL), value))
			return s;
	}
	return NULL;
}

/* Ids of programs and links that running tailtrace processes hold (other runs, on a shared
 * machine, are not leftovers of ours). */
static size_t held_ids(__u32 *ids, size_t max, const char *what)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	size_t n = 0, wlen = strlen(what);

	while (proc && (p = readdir(proc))) {
		char path[300], comm[32] = "", line[256];
		struct dirent *fd;
		DIR *fds;
		FILE *f;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		if (strlen(p->d_name) > 20)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		if (strncmp(comm, "tailtrace", 9))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", p->d_name);
		fds = opendir(path);
		while (fds && (fd = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", p->d_name, fd->d_name);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f))
				if (!strncmp(line, what, wlen) && n < max)
					ids[n++] = (__u32)strtoul(line + wlen, NULL, 10);
			if (f)
				fclose(f);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	return n;
}

static bool held(const __u32 *ids, size_t n, __u32 id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool prog_is_ours(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = !bpf_prog_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "tt_", 3);
	close(fd);
	return ours;
}

int bpf_leftovers(void)
{
	static __u32 progs[65536];
	size_t nprogs = held_ids(progs, 65536, "prog_id:");
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id))
		n += prog_is_ours(id) && !held(progs, nprogs, id);
	id = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_link_get_info_by_fd(fd, &info, &len) && prog_is_ours(info.prog_id) &&
		    !held(progs, nprogs, info.prog_id))
			n++;
		close(fd);
	}
	return n;
}

void assert_no_leftovers(const char *after)
{
	int n = 0;

	/* Links of a process that just died are released by the kernel asynchronously. */
	for (int i = 0; i < 50; i++) {
		n = bpf_leftovers();
		if (!n)
			return;
		usleep(20000);
	}
	cr_assert_eq(n, 0, "%d tailtrace programs or links left after %s", n, after);
}

void expect_each(struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct run r;

		cases[i].argv[0] = (char *)tt_bin();
		run_cmd(&r, 30, cases[i].argv);
		cr_assert_eq(r.status, cases[i].status, "%s %s: exit %d: %s", cases[i].argv[1],
			     cases[i].argv[2], r.status, r.err);
		cr_assert(strstr(r.err, cases[i].message), "expected '%s' in: %s",
			  cases[i].message, r.err);
		run_free(&r);
	}
	assert_no_leftovers(cases[0].argv[1]);
}

pid_t spawn_bg(char *const argv[])
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

void kill_bg(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
