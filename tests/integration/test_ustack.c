/*
 * User stacks without frame pointers, end to end on the real kernel: a cpu-clock perf event
 * runs bpf/lib/ustack.bpf.h (tests/integration/bpf/ustack_sampler.bpf.c), the records come
 * through a ring buffer and userspace/unwind unwinds them, on a -O2 -fomit-frame-pointer C
 * program through libc's qsort and on Debian's python3.11. Prints what it measured: the share
 * of complete stacks, the CPU time per unwind, the cost of a new process, the stack bytes needed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "symbols/symbolizer.h"
#include "unwind/unwind.h"
#include "tests/ustack_sampler.skel.h"

#define MAX_FRAMES	128
#define SAMPLE_HZ	499
#define NEED_SAMPLES	100	/* complete samples whose needed stack bytes are measured */

struct sampling {
	struct unwinder *u;
	struct symbolizer *sym;
	const char *const *chain;	/* names, leaf first, that every stack should hold */
	size_t chain_len;
	size_t samples, complete, chained, failed;
	double first_us;		/* the first unwind of the process */
	double *us;			/* every later one */
	size_t nus, us_cap;
	size_t need[NEED_SAMPLES];	/* bytes of stack the walk needed */
	size_t nneed;
	char stack_example[2048];	/* the first stack missing the chain */
};

/* Whether the names of the frames hold the chain in order. */
static bool has_chain(struct sampling *s, int pid, const uint64_t *ips, size_t n)
{
	size_t at = 0;
	char buf[128];

	for (size_t i = 0; i < n && at < s->chain_len; i++)
		if (!strcmp(symbolizer_user(s->sym, pid, ips[i] - (i > 0), buf, sizeof(buf)),
			    s->chain[at]))
			at++;
	return at == s->chain_len;
}

static void describe(struct sampling *s, int pid, const uint64_t *ips, size_t n, bool complete)
{
	size_t off = snprintf(s->stack_example, sizeof(s->stack_example), "complete=%d:",
			      complete);
	char buf[128];

	for (size_t i = 0; i < n && off < sizeof(s->stack_example); i++)
		off += snprintf(s->stack_example + off, sizeof(s->stack_example) - off, " %s",
				symbolizer_user(s->sym, pid, ips[i] - (i > 0), buf, sizeof(buf)));
}

/* The fewest chunks of the copy the same walk still completes with. */
static size_t bytes_needed(struct sampling *s, const struct ustack_sample *rec, size_t len)
{
	struct ustack_sample *cut = malloc(len);
	uint64_t ips[MAX_FRAMES];
	size_t n, size = rec->size;
	bool complete;

	cr_assert(cut);
	memcpy(cut, rec, len);
	for (size_t sz = USTACK_CHUNK; sz <= rec->size; sz += USTACK_CHUNK) {
		cut->size = sz;
		if (!unwinder_unwind_sample(s->u, cut, len, ips, MAX_FRAMES, &n, &complete) &&
		    complete) {
			size = sz;
			break;
		}
	}
	free(cut);
	/* from sp, not from the chunk boundary below it */
	return size - (rec->regs[USTACK_REG_SP] - rec->base);
}

/* This thread's CPU time: what an unwind costs, whatever else the machine runs. */
static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int on_sample(void *ctx, void *data, size_t len)
{
	struct sampling *s = ctx;
	const struct ustack_sample *rec = data;
	uint64_t ips[MAX_FRAMES], t0, t1;
	bool complete;
	size_t n;

	t0 = cpu_now_ns();
	if (unwinder_unwind_sample(s->u, rec, len, ips, MAX_FRAMES, &n, &complete)) {
		s->failed++;
		return 0;
	}
	t1 = cpu_now_ns();
	if (!s->samples++) {
		s->first_us = (t1 - t0) / 1e3;
	} else {
		if (s->nus == s->us_cap) {
			s->us_cap = s->us_cap ? 2 * s->us_cap : 1024;
			s->us = realloc(s->us, s->us_cap * sizeof(*s->us));
			cr_assert(s->us);
		}
		s->us[s->nus++] = (t1 - t0) / 1e3;
	}
	s->complete += complete;
	if (complete && has_chain(s, rec->tgid, ips, n))
		s->chained++;
	else if (!s->stack_example[0])
		describe(s, rec->tgid, ips, n, complete);
	if (complete && s->nneed < NEED_SAMPLES)
		s->need[s->nneed++] = bytes_needed(s, rec, len);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Starts argv, waits for "ready" on its stdout. */
static pid_t start(char *const argv[])
{
	int out[2];
	char line[64];
	pid_t pid;
	FILE *f;

	cr_assert(!pipe2(out, O_CLOEXEC));
	pid = fork();
	cr_assert(pid >= 0);
	if (!pid) {
		dup2(out[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	cr_assert(f && fgets(line, sizeof(line), f), "%s never said it was ready", argv[0]);
	fclose(f);
	return pid;
}

/* Samples pid's user stacks until it exits, unwinding each as it comes: at SAMPLE_HZ of its
 * CPU time, or (off_cpu) each time one of its threads leaves a CPU. */
static void sample_until_exit(struct sampling *s, pid_t pid, bool off_cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		/* a period, not a frequency: as many samples as CPU time, from the start */
		.sample_period = 1000000000 / SAMPLE_HZ,
	};
	struct bpf_prog_info info = { 0 };
	__u32 info_len = sizeof(info);
	struct ustack_sampler_bpf *skel = ustack_sampler_bpf__open();
	struct bpf_link *link;
	struct ring_buffer *rb;
	int pfd, status, done = 0, stats;

	cr_assert(skel, "open the sampler");
	/* the programs' run time, while this fd is open (the sysctl is left alone) */
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	skel->rodata->target_tgid = pid;
	/* both programs are loaded: the verifier takes ustack_capture in either */
	cr_assert_eq(ustack_sampler_bpf__load(skel), 0, "the verifier takes ustack_capture");
	pfd = syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	cr_assert(pfd >= 0, "perf_event_open: %s", strerror(errno));
	if (off_cpu)
		link = bpf_program__attach(skel->progs.tt_ustack_switch);
	else
		link = bpf_program__attach_perf_event(skel->progs.tt_ustack_sample, pfd);
	cr_assert(link, "attach the sampler");
	rb = ring_buffer__new(bpf_map__fd(skel->maps.tt_ustack_ring), on_sample, s, NULL);
	cr_assert(rb);
	/* records come without a wakeup (BPF_RB_NO_WAKEUP): read them every 20 ms */
	while (!done) {
		usleep(20000);
		ring_buffer__consume(rb);
		done = waitpid(pid, &status, WNOHANG) == pid;
	}
	ring_buffer__consume(rb);
	cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "the target's status: %d", status);
	fprintf(stderr, "ustack: %llu records sent, %llu failed, %llu of a thread with no user "
		"stack (exiting)\n", (unsigned long long)skel->bss->sent,
		(unsigned long long)skel->bss->failed, (unsigned long long)skel->bss->no_stack);
	cr_assert_eq(skel->bss->failed, 0);
	if (stats >= 0 && !off_cpu &&
	    !bpf_prog_get_info_by_fd(bpf_program__fd(skel->progs.tt_ustack_sample), &info,
				     &info_len) && info.run_cnt)
		fprintf(stderr, "ustack: BPF capture %llu ns per sample (%llu runs)\n",
			(unsigned long long)(info.run_time_ns / info.run_cnt),
			(unsigned long long)info.run_cnt);
	if (stats >= 0)
		close(stats);

	ring_buffer__free(rb);
	bpf_link__destroy(link);
	close(pfd);
	ustack_sampler_bpf__destroy(skel);
}

static void report(struct sampling *s, const char *what)
{
	double median = 0, p99 = 0;

	if (s->nus) {
		qsort(s->us, s->nus, sizeof(*s->us), cmp_double);
		median = s->us[s->nus / 2];
		p99 = s->us[s->nus * 99 / 100];
	}
	qsort(s->need, s->nneed, sizeof(*s->need), cmp_size);
	/* stderr, not only the log: the figures the README and ustack.h quote */
	fprintf(stderr,
		"ustack %s: %zu samples, %.1f%% complete, %.1f%% with the whole chain; "
		"unwind CPU median %.1f us, p99 %.1f us; first sample of the process %.0f us; "
		"stack bytes needed from sp: median %zu, max %zu (of %zu measured)\n",
		what, s->samples, 100.0 * s->complete / (s->samples ? s->samples : 1),
		100.0 * s->chained / (s->samples ? s->samples : 1), median, p99, s->first_us,
		s->nneed ? s->need[s->nneed / 2] : 0, s->nneed ? s->need[s->nneed - 1] : 0,
		s->nneed);
	if (s->stack_example[0])
		fprintf(stderr, "ustack %s: a stack without the chain: %s\n", what,
			s->stack_example);
}

static void sampling_init(struct sampling *s, struct unwinder *u, const char *const *chain,
			  size_t len)
{
	memset(s, 0, sizeof(*s));
	s->u = u;
	s->sym = symbolizer_new("/nonexistent");
	s->chain = chain;
	s->chain_len = len;
	cr_assert(s->sym);
}

static void sampling_end(struct sampling *s)
{
	symbolizer_free(s->sym);
	free(s->us);
}

Test(ustack, c_without_frame_pointers_through_qsort, .timeout = 60)
{
	static const char *const chain[] = { "c", "cmp", "b", "a", "main", "_start" };
	char *argv[] = { (char *)target("nofp_qsort"), "3", NULL };
	struct unwinder *u = unwinder_new();
	struct unwind_stats st;
	struct sampling s;
	pid_t pid;

	cr_assert(u);
	sampling_init(&s, u, chain, 6);
	pid = start(argv);
	sample_until_exit(&s, pid, false);
	report(&s, "C -O2 -fomit-frame-pointer, cold");
	cr_assert_geq(s.samples, 100, "%zu samples in 3 s at %d Hz", s.samples, SAMPLE_HZ);
	cr_assert_geq(s.complete * 100, s.samples * 95, "%zu of %zu complete", s.complete,
		      s.samples);
	cr_assert_geq(s.chained * 100, s.samples * 95, "%zu of %zu hold c<-cmp<-b<-a<-main<-_start",
		      s.chained, s.samples);
	sampling_end(&s);

	/* A second process of the same program: its files are open already. */
	unwinder_forget(u, pid);
	sampling_init(&s, u, chain, 6);
	pid = start(argv);
	sample_until_exit(&s, pid, false);
	report(&s, "C, a second process");
	unwinder_stats(u, &st);
	cr_assert_eq(st.processes, 2);
	cr_assert_geq(s.complete * 100, s.samples * 95);
	sampling_end(&s);
	unwinder_free(u);
}

/* Debian's python3.11 (no frame pointers, non-PIE, .dynsym only) running script for 3 s:
 * 95% of its stacks must be whole and hold the interpreter's native chain. */
static void python_case(const char *script, bool off_cpu, const char *what)
{
	static const char *const chain[] = { "_PyEval_EvalFrameDefault", "Py_RunMain",
					     "Py_BytesMain", "_start" };
	char *argv[] = { "/usr/bin/python3.11", "-c", (char *)script, "3", NULL };
	struct unwinder *u = unwinder_new();
	struct sampling s;

	if (access(argv[0], X_OK))
		cr_skip_test("no %s (make deps installs it)", argv[0]);
	cr_assert(u);
	sampling_init(&s, u, chain, 4);
	sample_until_exit(&s, start(argv), off_cpu);
	report(&s, what);
	cr_assert_geq(s.samples, 100);
	cr_assert_geq(s.complete * 100, s.samples * 95, "%zu of %zu complete", s.complete,
		      s.samples);
	cr_assert_geq(s.chained * 100, s.samples * 95, "%zu of %zu hold the interpreter's chain",
		      s.chained, s.samples);
	sampling_end(&s);
	unwinder_free(u);
}

/* On the CPU, in nested Python functions. */
Test(ustack, python3_11_without_frame_pointers, .timeout = 60)
{
	python_case("import sys, time\n"
		    "def inner(n):\n"
		    "    s = 0\n"
		    "    for i in range(n):\n"
		    "        s += i * i\n"
		    "    return s\n"
		    "def middle(n):\n"
		    "    return inner(n) + 1\n"
		    "def outer(end):\n"
		    "    while time.monotonic() < end:\n"
		    "        middle(20000)\n"
		    "print('ready', flush=True)\n"
		    "outer(time.monotonic() + float(sys.argv[1]))\n",
		    false, "python3.11");
}

/* Where it blocks (time.sleep in nested functions): the stack of its system call, from the
 * registers saved at kernel entry, taken at sched_switch as off-CPU stacks are. */
Test(ustack, python3_11_blocked_in_a_system_call, .timeout = 60)
{
	python_case("import sys, time\n"
		    "def inner():\n"
		    "    time.sleep(0.001)\n"
		    "def middle():\n"
		    "    inner()\n"
		    "def outer(end):\n"
		    "    while time.monotonic() < end:\n"
		    "        middle()\n"
		    "print('ready', flush=True)\n"
		    "outer(time.monotonic() + float(sys.argv[1]))\n",
		    true, "python3.11 off-CPU (sched_switch)");
}
