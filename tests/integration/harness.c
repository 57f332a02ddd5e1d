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
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "func.skel.h"
#include "net.skel.h"
#include "sched.skel.h"

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
sigset_t run_sig_ignored, run_sig_blocked;

/* Processes this test started (each bg_start is a process group of its own, which its
 * orphans keep), and those of them still meant to run: what the leftovers check may
 * blame, and what it must spare. */
static pid_t test_groups[1024];
static size_t ntest_groups;
static pid_t running[64];
static size_t nrunning;

static void set_running(pid_t pid, bool on)
{
	for (size_t i = 0; i < nrunning; i++) {
		if (running[i] == pid) {
			if (!on)
				running[i] = running[--nrunning];
			return;
		}
	}
	if (on && nrunning < sizeof(running) / sizeof(running[0]))
		running[nrunning++] = pid;
}

/* The child of bg_start: the signal state a shell gives a command it starts (every
 * disposition default, nothing blocked) unless the test asks for more, and the uid of
 * run_as_uid with no group of root's left. */
static void child_start(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, sigismember(&run_sig_ignored, sig) == 1 ?
			  &(struct sigaction){ .sa_handler = SIG_IGN } : &dfl, NULL);
	sigprocmask(SIG_SETMASK, &run_sig_blocked, NULL);
	setpgid(0, 0);
	if (run_as_uid && (setgroups(0, NULL) || setgid(run_as_uid) || setuid(run_as_uid)))
		_exit(126);
}

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
		child_start();
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(b->pid, b->pid);	/* either side may run first */
	if (ntest_groups < sizeof(test_groups) / sizeof(test_groups[0]))
		test_groups[ntest_groups++] = b->pid;
	set_running(b->pid, true);
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
	struct rusage ru = {};
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
	wait4(b->pid, &st, 0, &ru);
	set_running(b->pid, false);
	*r = b->r;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->seconds = now_s() - b->start;
	r->maxrss_kb = ru.ru_maxrss;
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

/* The BPF objects of the kernel that are ours: programs named tt_*, links to them, maps
 * those programs use or named as our skeletons name theirs (a map outlives its programs
 * when something still holds it). */
enum obj_kind { OBJ_PROG, OBJ_LINK, OBJ_MAP };
static const char *const kind_name[] = { "program", "link", "map" };

#define MAX_PROG_MAPS 32

struct obj {
	enum obj_kind kind;
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	pid_t holder;		/* a process of this test that holds it, or 0 */
	__u32 prog_id;		/* a link's program */
	__u32 maps[MAX_PROG_MAPS];	/* a program's maps */
	__u32 nmaps;
};

#define MAX_OBJS 1024

struct objs {
	struct obj v[MAX_OBJS];
	size_t n;
};

static char map_names[64][BPF_OBJ_NAME_LEN];
static size_t nmap_names;

#define ADD_MAP_NAMES(skel)							\
	do {									\
		struct skel *o = skel##__open();				\
		struct bpf_map *m;						\
										\
		cr_assert(o, "cannot open the skeleton " #skel);		\
		bpf_object__for_each_map(m, o->obj)				\
			if (nmap_names < 64)					\
				snprintf(map_names[nmap_names++], BPF_OBJ_NAME_LEN, \
					 "%s", bpf_map__name(m));		\
		skel##__destroy(o);						\
	} while (0)

/* Opened, not loaded: no privilege, nothing in the kernel. */
static void read_map_names(void)
{
	if (nmap_names)
		return;
	ADD_MAP_NAMES(func_bpf);
	ADD_MAP_NAMES(sched_bpf);
	ADD_MAP_NAMES(net_bpf);
}

static bool is_map_name(const char *name)
{
	for (size_t i = 0; i < nmap_names; i++)
		if (!strncmp(name, map_names[i], BPF_OBJ_NAME_LEN - 1))
			return true;
	return false;
}

static struct obj *add_obj(struct objs *o, enum obj_kind kind, __u32 id, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].kind == kind && o->v[i].id == id)
			return &o->v[i];
	if (o->n == MAX_OBJS)
		return NULL;
	o->v[o->n] = (struct obj){ .kind = kind, .id = id };
	snprintf(o->v[o->n].name, BPF_OBJ_NAME_LEN, "%s", name);
	return &o->v[o->n++];
}

static void find_ours(struct objs *o)
{
	__u32 id = 0;

	read_map_names();
	o->n = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info), maps[MAX_PROG_MAPS];
		int fd = bpf_prog_get_fd_by_id(id);
		struct obj *p;

		if (fd < 0)
			continue;
		info.nr_map_ids = MAX_PROG_MAPS;
		info.map_ids = (__u64)(unsigned long)maps;
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) && !strncmp(info.name, "tt_", 3) &&
		    (p = add_obj(o, OBJ_PROG, id, info.name))) {
			p->nmaps = info.nr_map_ids < MAX_PROG_MAPS ? info.nr_map_ids : MAX_PROG_MAPS;
			memcpy(p->maps, maps, p->nmaps * sizeof(maps[0]));
			for (__u32 i = 0; i < p->nmaps; i++)
				add_obj(o, OBJ_MAP, maps[i], "");
		}
		close(fd);
	}
	id = 0;
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_map_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		for (size_t i = 0; i < o->n; i++)	/* maps first seen through a program */
			if (o->v[i].kind == OBJ_MAP && o->v[i].id == id)
				snprintf(o->v[i].name, BPF_OBJ_NAME_LEN, "%s", info.name);
		if (is_map_name(info.name))
			add_obj(o, OBJ_MAP, id, info.name);
		close(fd);
	}
	id = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		for (size_t i = 0; !bpf_link_get_info_by_fd(fd, &info, &len) && i < o->n; i++) {
			struct obj *l;

			if (o->v[i].kind == OBJ_PROG && o->v[i].id == info.prog_id &&
			    (l = add_obj(o, OBJ_LINK, id, o->v[i].name)))
				l->prog_id = info.prog_id;
		}
		close(fd);
	}
}

struct proc {
	pid_t pid, ppid, pgid, sid;
};

static bool read_proc(const char *pid, struct proc *p)
{
	char path[64], buf[512], *end;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	end = strrchr(buf, ')');	/* the comm may hold anything, ')' too */
	p->pid = atoi(pid);
	return end && sscanf(end + 1, " %*c %d %d %d", &p->ppid, &p->pgid, &p->sid) == 3;
}

/* Started by this test: below it, or in a process group it started (an orphan keeps its
 * group); in its session either way, so that a pid used again elsewhere is not taken. */
static bool of_this_test(const struct proc *p, const struct proc *all, size_t n)
{
	pid_t me = getpid(), up = p->ppid;

	if (p->sid != getsid(0))
		return false;
	for (size_t i = 0; i < ntest_groups; i++)
		if (p->pgid == test_groups[i])
			return true;
	for (int depth = 0; up > 1 && depth < 64; depth++) {
		size_t i;

		if (up == me)
			return true;
		for (i = 0; i < n && all[i].pid != up; i++)
			;
		if (i == n)
			break;
		up = all[i].ppid;
	}
	return false;
}

static bool is_running(pid_t pid)
{
	for (size_t i = 0; i < nrunning; i++)
		if (running[i] == pid)
			return true;
	return false;
}

/* The ids a process holds an fd of (its fdinfo: prog_id, map_id, link_id). */
static void scan_fds(pid_t pid, void (*held)(void *, enum obj_kind, __u32, pid_t), void *arg)
{
	static const struct { const char *key; enum obj_kind kind; } keys[] = {
		{ "prog_id:", OBJ_PROG }, { "map_id:", OBJ_MAP }, { "link_id:", OBJ_LINK },
	};
	char path[300], line[256];
	struct dirent *fd;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	fds = opendir(path);
	while (fds && (fd = readdir(fds))) {
		FILE *f;

		if (fd->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				if (!strncmp(line, keys[k].key, strlen(keys[k].key)))
					held(arg, keys[k].kind,
					     (__u32)strtoul(line + strlen(keys[k].key), NULL, 10), pid);
		if (f)
			fclose(f);
	}
	if (fds)
		closedir(fds);
}

/* Held by a process that is not this test's, or is one meant to still run: spared. */
static void spare(void *arg, enum obj_kind kind, __u32 id, pid_t pid)
{
	struct objs *o = arg;

	(void)pid;
	for (size_t i = 0; i < o->n; i++) {
		if (o->v[i].kind != kind || o->v[i].id != id)
			continue;
		o->v[i] = o->v[--o->n];
		break;
	}
}

/* Held by a process of this test that should be gone: named in the failure. */
static void blame(void *arg, enum obj_kind kind, __u32 id, pid_t pid)
{
	struct objs *o = arg;

	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].kind == kind && o->v[i].id == id)
			o->v[i].holder = pid;
}

/* What a program that is spared uses is spared with it: its maps, the links to it. */
static void spare_what_spared_programs_use(struct objs *o, const struct objs *all)
{
	for (size_t i = 0; i < all->n; i++) {
		const struct obj *p = &all->v[i];
		bool left = false;

		if (p->kind != OBJ_PROG)
			continue;
		for (size_t j = 0; j < o->n && !left; j++)
			left = o->v[j].kind == OBJ_PROG && o->v[j].id == p->id;
		if (left)
			continue;
		for (__u32 m = 0; m < p->nmaps; m++)
			spare(o, OBJ_MAP, p->maps[m], 0);
		for (size_t j = o->n; j-- > 0;)
			if (o->v[j].kind == OBJ_LINK && o->v[j].prog_id == p->id)
				o->v[j] = o->v[--o->n];
	}
}

/* Our objects that nothing spares: held by no process (pinned, or kept by the kernel), or
 * only by processes of this test that are not meant to run any more. Other runs of
 * tailtrace on a shared machine, and this test's own runs still going, are spared. */
static void find_leftovers(struct objs *left)
{
	static struct objs all;
	static struct proc procs[8192];
	DIR *proc = opendir("/proc");
	struct dirent *p;
	size_t n = 0;

	find_ours(&all);
	*left = all;
	while (proc && (p = readdir(proc)) && n < 8192)
		if (p->d_name[0] >= '1' && p->d_name[0] <= '9' && read_proc(p->d_name, &procs[n]))
			n++;
	if (proc)
		closedir(proc);
	for (size_t i = 0; i < n; i++) {
		bool ours = of_this_test(&procs[i], procs, n);

		scan_fds(procs[i].pid, ours && !is_running(procs[i].pid) ? blame : spare, left);
	}
	spare_what_spared_programs_use(left, &all);
}

int bpf_leftovers(void)
{
	static struct objs left;

	find_leftovers(&left);
	return (int)left.n;
}

void assert_no_leftovers(const char *after)
{
	static struct objs left, now;
	char what[2048] = "";
	size_t w = 0;

	/* The kernel releases the links of a process that just died asynchronously, and other
	 * runs on the machine come and go: what is left is what stays, scan after scan. */
	find_leftovers(&left);
	for (int i = 0; i < 50 && left.n; i++) {
		usleep(20000);
		find_leftovers(&now);
		for (size_t j = left.n; j-- > 0;) {
			bool still = false;

			for (size_t k = 0; k < now.n && !still; k++)
				still = now.v[k].kind == left.v[j].kind && now.v[k].id == left.v[j].id;
			if (!still)
				left.v[j] = left.v[--left.n];
		}
	}
	for (size_t i = 0; i < left.n && w < sizeof(what) - 1; i++) {
		char holder[32] = "held by no process";

		if (left.v[i].holder)
			snprintf(holder, sizeof(holder), "held by pid %d", (int)left.v[i].holder);
		w += (size_t)snprintf(what + w, sizeof(what) - w, "; %s %u %s (%s)",
				      kind_name[left.v[i].kind], left.v[i].id, left.v[i].name, holder);
	}
	cr_assert_eq(left.n, 0, "%zu tailtrace programs, links or maps left after %s%s", left.n,
		     after, what);
}

void assert_one_clear_line(const struct run *r, const char *message)
{
	const char *line = r->err, *end = strchr(line, '\n');

	cr_assert(end, "an error line, ended by a newline: '%s'", r->err);
	/* warnings about what was found may come first: they are messages of their own */
	while (end && !strncmp(line, "tailtrace", 9) && memmem(line, end - line, ": warning: ", 11)) {
		line = end + 1;
		end = strchr(line, '\n');
	}
	cr_assert(end, "an error line after the warnings: '%s'", r->err);
	if (line[0] == '{') {	/* under a JSON format: one object, its hint inside */
		cr_assert(!end[1] && memmem(line, end - line, message, strlen(message)),
			  "one JSON line that says '%s': %s", message, r->err);
		return;
	}
	cr_assert(!strncmp(line, "tailtrace", 9) && memmem(line, end - line, ": error: ", 9),
		  "the first line is the error: %s", r->err);
	cr_assert(memmem(line, end - line, message, strlen(message)),
		  "the first line says '%s': %s", message, r->err);
	for (line = end + 1; *line; line = end + 1) {
		end = strchr(line, '\n');
		cr_assert(end, "every line ends: '%s'", r->err);
		/* a usage error's pointer to --help, or a hint of msg_error_hint below it */
		cr_assert(!strncmp(line, "Try 'tailtrace ", 15) ||
				  (line[0] == ' ' && line[1] == ' ' && line[2] > ' '),
			  "one clear line (and hints indented by two spaces, or 'Try ...--help'), "
			  "not '%.*s': %s", (int)(end - line), line, r->err);
	}
}

void expect_each(struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct run r;

		cases[i].argv[0] = (char *)tt_bin();
		run_cmd(&r, 30, cases[i].argv);
		cr_assert_eq(r.status, cases[i].status, "%s %s: exit %d: %s", cases[i].argv[1],
			     cases[i].argv[2], r.status, r.err);
		assert_one_clear_line(&r, cases[i].message);
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

void fuse_trap_mount(struct fuse_trap *t, const char *serve, const char *name)
{
	if (access("/dev/fuse", R_OK | W_OK))
		cr_skip_test("no /dev/fuse: the kernel has no FUSE");
	snprintf(t->dir, sizeof(t->dir), "/tmp/tt-fuse-XXXXXX");
	cr_assert(mkdtemp(t->dir));
	snprintf(t->mnt, sizeof(t->mnt), "%s/mnt", t->dir);
	snprintf(t->file, sizeof(t->file), "%s/%s", t->mnt, name);
	cr_assert_eq(mkdir(t->mnt, 0755), 0);
	/* fuse_stall exits after 40 s whatever happens, which bounds a failure */
	bg_start(&t->fuse, (char *[]){ (char *)target("fuse_stall"), t->mnt, (char *)serve, "40",
				       (char *)name, NULL });
	bg_wait_for(&t->fuse, "mounted", 10);
}

void fuse_trap_profile(struct fuse_trap *t, struct bg *app, struct run *r)
{
	struct run rf, ra;
	char pid[16];

	kill(t->fuse.pid, SIGUSR1);	/* from now on, nothing on the mount answers */
	usleep(100000);
	snprintf(pid, sizeof(pid), "%d", app->pid);
	run_cmd(r, 30, (char *[]){ (char *)tt_bin(), "profile", "-p", pid, "-F", "199", "-d", "2s",
				   "--format", "folded", NULL });
	kill(app->pid, SIGKILL);
	bg_finish(&t->fuse, SIGKILL, 10, &rf);
	bg_finish(app, SIGKILL, 10, &ra);
	umount2(t->mnt, MNT_DETACH);
	rmdir(t->mnt);
	rmdir(t->dir);
	run_free(&rf);
	run_free(&ra);
}
