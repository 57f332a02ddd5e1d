/* Unwinding a copied stack with the call frame information: a program built without frame
 * pointers, whose stack runs through libc's qsort, takes its own registers and stack bytes as
 * the BPF side does (fixtures/unwind_qsort.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fixtures/fixtures.h"
#include "symbols/symbolizer.h"
#include "unwind/unwind.h"

#define MAX_FRAMES 64

/* The fixture, started and waited for until it wrote its sample; it lives until closed. */
struct captured {
	pid_t pid;
	int in;			/* its stdin: closing it ends it */
	struct ustack_sample s;
	size_t len;		/* bytes of s read */
};

static void capture_exe(struct captured *c, const char *exe, const char *mode)
{
	char out[] = "/tmp/tt-unwind-XXXXXX", line[64];
	int to[2], from[2], fd;
	FILE *f;

	fd = mkstemp(out);
	cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
	close(fd);
	/* close-on-exec: a second fixture must not hold the first one's stdin open */
	cr_assert(!pipe2(to, O_CLOEXEC) && !pipe2(from, O_CLOEXEC));
	c->pid = fork();
	cr_assert(c->pid >= 0);
	if (!c->pid) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execl(exe, exe, out, mode, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	c->in = to[1];
	f = fdopen(from[0], "r");
	cr_assert(f && fgets(line, sizeof(line), f), "the fixture never said it was ready");
	cr_assert_str_eq(line, "ready\n");
	fclose(f);
	f = fopen(out, "r");
	cr_assert(f, "%s: %s", out, strerror(errno));
	c->len = fread(&c->s, 1, sizeof(c->s), f);
	fclose(f);
	unlink(out);
	cr_assert_geq(c->len, USTACK_HEADER_SIZE);
	cr_assert_eq(c->s.tgid, (__u32)c->pid);
}

static void capture(struct captured *c, const char *mode)
{
	char exe[512];

	fixture_path(exe, sizeof(exe), "unwind_qsort");
	capture_exe(c, exe, mode);
}

static void release(struct captured *c)
{
	int status;

	close(c->in);
	cr_assert_eq(waitpid(c->pid, &status, 0), c->pid);
	cr_assert(WIFEXITED(status) && !WEXITSTATUS(status), "fixture status %d", status);
}

/* The names of the frames, leaf first; a return address is looked up at its call. */
static void names(struct symbolizer *sym, int pid, const uint64_t *ips, size_t n,
		  char out[][128])
{
	for (size_t i = 0; i < n; i++)
		symbolizer_user(sym, pid, ips[i] - (i > 0), out[i], sizeof(out[i]));
}

/* want appears in names in this order, each later than the one before; -1 if not. */
static int find_from(char names[][128], size_t n, size_t from, const char *want)
{
	for (size_t i = from; i < n; i++)
		if (!strcmp(names[i], want))
			return i;
	return -1;
}

static void print_stack(char nm[][128], size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_log_info("  #%zu %s", i, nm[i]);
}

static void assert_chain(char nm[][128], size_t n, const char *const *chain, size_t len)
{
	int at = 0;

	for (size_t i = 0; i < len; i++) {
		int found = find_from(nm, n, at, chain[i]);

		if (found < 0)
			print_stack(nm, n);
		cr_assert_geq(found, 0, "%s missing from the stack (or out of order)", chain[i]);
		at = found + 1;
	}
}

Test(unwind, a_qsort_callback_without_frame_pointers_unwinds_to_start)
{
	static const char *const chain[] = { "c", "cmp", "b", "a", "main", "_start" };
	struct unwinder *u = unwinder_new();
	struct symbolizer *sym = symbolizer_new("/nonexistent");
	uint64_t ips[MAX_FRAMES];
	char nm[MAX_FRAMES][128];
	struct captured c;
	bool complete;
	size_t n;
	int cmp_at, b_at, libc = 0;

	cr_assert(u && sym);
	capture(&c, "main");
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete), 0);
	names(sym, c.pid, ips, n, nm);
	if (!complete)
		print_stack(nm, n);
	cr_assert(complete, "the walk did not reach the thread's start (%zu frames)", n);
	cr_assert_eq(ips[0], c.s.regs[USTACK_REG_IP], "the leaf is the sampled instruction");
	assert_chain(nm, n, chain, sizeof(chain) / sizeof(chain[0]));
	cr_assert_str_eq(nm[0], "c");
	cr_assert_str_eq(nm[n - 1], "_start", "the outermost frame is _start");
	/* qsort's own frames lie between the callback and its caller */
	cmp_at = find_from(nm, n, 0, "cmp");
	b_at = find_from(nm, n, 0, "b");
	for (int i = cmp_at + 1; i < b_at; i++) {
		struct sym_frame f;

		symbolizer_user_frame(sym, c.pid, ips[i] - 1, &f);
		libc += f.module && strstr(f.module, "/libc.so");
	}
	cr_assert_geq(libc, 1, "no libc frame between cmp and b");
	release(&c);
	symbolizer_free(sym);
	unwinder_free(u);
}

Test(unwind, a_thread_unwinds_to_clone3)
{
	static const char *const chain[] = { "c", "cmp", "b", "a", "thread_main" };
	struct unwinder *u = unwinder_new();
	struct symbolizer *sym = symbolizer_new("/nonexistent");
	uint64_t ips[MAX_FRAMES];
	char nm[MAX_FRAMES][128];
	struct sym_frame f;
	struct captured c;
	bool complete;
	size_t n;

	cr_assert(u && sym);
	capture(&c, "thread");
	cr_assert_eq(c.s.tid != c.s.tgid, 1, "the sample is of a thread of its own");
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete), 0);
	names(sym, c.pid, ips, n, nm);
	if (!complete)
		print_stack(nm, n);
	cr_assert(complete);
	assert_chain(nm, n, chain, sizeof(chain) / sizeof(chain[0]));
	cr_assert_eq(find_from(nm, n, 0, "main"), -1, "a thread's stack does not run into main's");
	/* start_thread, then clone3: both libc's, after thread_main */
	symbolizer_user_frame(sym, c.pid, ips[n - 1] - 1, &f);
	cr_assert(f.module && strstr(f.module, "/libc.so"), "the outermost frame is libc's");
	cr_assert_eq(find_from(nm, n, 0, "thread_main"), (int)n - 3);
	release(&c);
	symbolizer_free(sym);
	unwinder_free(u);
}

/* A frame with no CFI (cmp_nocfi) but a frame pointer: libdwfl's frame-pointer step crosses
 * it, within the copy, and CFI takes over again in libc. */
Test(unwind, a_frame_without_cfi_is_crossed_by_its_frame_pointer)
{
	static const char *const chain[] = { "c", "cmp_nocfi", "qsort_r", "b", "a", "main",
					     "_start" };
	struct unwinder *u = unwinder_new();
	struct symbolizer *sym = symbolizer_new("/nonexistent");
	uint64_t ips[MAX_FRAMES];
	char nm[MAX_FRAMES][128];
	struct captured c;
	bool complete;
	size_t n;

	cr_assert(u && sym);
	capture(&c, "nocfi");
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete), 0);
	names(sym, c.pid, ips, n, nm);
	if (!complete)
		print_stack(nm, n);
	cr_assert(complete);
	assert_chain(nm, n, chain, sizeof(chain) / sizeof(chain[0]));
	release(&c);
	symbolizer_free(sym);
	unwinder_free(u);
}

/* A second process of the same program finds both its files open already. */
Test(unwind, files_are_shared_between_processes_and_forget_drops_a_session)
{
	struct unwinder *u = unwinder_new();
	struct unwind_stats st, st2;
	uint64_t ips[MAX_FRAMES];
	struct captured c1, c2;
	bool complete;
	size_t n;

	cr_assert(u);
	capture(&c1, "main");
	capture(&c2, "main");
	cr_assert_eq(unwinder_unwind_sample(u, &c1.s, c1.len, ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(complete);
	unwinder_stats(u, &st);
	cr_assert_eq(st.processes, 1);
	cr_assert_geq(st.files_opened, 2, "the program and libc");
	cr_assert_eq(unwinder_unwind_sample(u, &c2.s, c2.len, ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(complete);
	unwinder_stats(u, &st2);
	cr_assert_eq(st2.processes, 2);
	cr_assert_eq(st2.files_opened, st.files_opened, "nothing opened again");
	cr_assert_geq(st2.files_shared, st.files_shared + 2);
	/* the same sample again: the session is kept */
	cr_assert_eq(unwinder_unwind_sample(u, &c2.s, c2.len, ips, MAX_FRAMES, &n, &complete), 0);
	unwinder_stats(u, &st);
	cr_assert_eq(st.processes, 2);
	unwinder_forget(u, c2.pid);
	cr_assert_eq(unwinder_unwind_sample(u, &c2.s, c2.len, ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(complete);
	unwinder_stats(u, &st);
	cr_assert_eq(st.processes, 3, "forgotten: its maps are read again");
	cr_assert_eq(st.samples, 4);
	cr_assert_eq(st.complete, 4);
	release(&c1);
	release(&c2);
	unwinder_free(u);
}

/* Without CAP_SYS_ADMIN there is no /proc/PID/map_files: the files are opened by their path
 * inside the process's root, symlinks resolved there, and checked to be the inode mapped. */
Test(unwind, without_map_files_files_are_found_in_the_process_root)
{
	struct unwinder *u;
	struct unwind_stats st;
	uint64_t ips[MAX_FRAMES];
	struct captured c;
	bool complete;
	size_t n;

	if (!getuid())
		cr_assert(!setgroups(0, NULL) && !setgid(65534) && !setuid(65534),
			  "drop to nobody: %s", strerror(errno));
	u = unwinder_new();
	cr_assert(u);
	capture(&c, "main");
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(complete, "%zu frames, not to _start", n);
	unwinder_stats(u, &st);
	cr_assert_geq(st.files_opened, 2);
	cr_assert_eq(st.files_failed, 0);
	release(&c);
	unwinder_free(u);
}

/* A program deleted while it runs is still the file mapped: map_files reaches it. */
Test(unwind, a_deleted_program_is_read_as_mapped)
{
	char src[512], dir[] = "/tmp/tt-unwind-exe-XXXXXX", exe[600], cmd[1300];
	struct unwinder *u = unwinder_new();
	uint64_t ips[MAX_FRAMES];
	struct captured c;
	bool complete;
	size_t n;

	if (getuid())
		cr_skip_test("/proc/PID/map_files needs CAP_SYS_ADMIN: run as root");
	cr_assert(u && mkdtemp(dir));
	fixture_path(src, sizeof(src), "unwind_qsort");
	snprintf(exe, sizeof(exe), "%s/unwind_qsort", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, exe);
	cr_assert_eq(system(cmd), 0);
	capture_exe(&c, exe, "main");
	cr_assert(!unlink(exe) && !rmdir(dir));
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(complete, "%zu frames, not to _start", n);
	release(&c);
	unwinder_free(u);
}

/* What the copy does not hold is not made up: the walk stops, incomplete. */
Test(unwind, a_stack_cut_short_or_garbage_is_incomplete)
{
	struct unwinder *u = unwinder_new();
	uint64_t ips[MAX_FRAMES], regs[USTACK_NREGS];
	struct captured c;
	struct ustack_sample *g;
	bool complete;
	size_t n, full;

	cr_assert(u);
	capture(&c, "main");
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &full, &complete), 0);
	cr_assert(complete);
	/* only the first chunk: c's frame and a few above it */
	c.s.size = USTACK_CHUNK;
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(!complete);
	cr_assert(n >= 1 && n < full, "%zu frames of %zu", n, full);
	cr_assert_eq(ips[0], c.s.regs[USTACK_REG_IP]);
	/* no stack at all */
	for (int i = 0; i < USTACK_NREGS; i++)
		regs[i] = c.s.regs[i];
	cr_assert_eq(unwinder_unwind(u, c.pid, regs, c.s.base, c.s.stack, 0, ips, MAX_FRAMES, &n,
				     &complete), 0);
	cr_assert(!complete && n >= 1);
	/* bytes that are no stack */
	g = malloc(sizeof(*g));
	cr_assert(g);
	memcpy(g, &c.s, USTACK_HEADER_SIZE);
	memset(g->stack, 0xa5, sizeof(g->stack));
	g->size = USTACK_MAX;
	cr_assert_eq(unwinder_unwind_sample(u, g, sizeof(*g), ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(!complete);
	/* a stack pointer and instruction pointer nowhere */
	g->regs[USTACK_REG_IP] = 0x10;
	g->regs[USTACK_REG_SP] = 0x20;
	cr_assert_eq(unwinder_unwind_sample(u, g, sizeof(*g), ips, MAX_FRAMES, &n, &complete), 0);
	cr_assert(!complete);
	free(g);
	release(&c);
	unwinder_free(u);
}

Test(unwind, max_frames_a_record_that_lies_and_a_pid_that_is_gone)
{
	struct unwinder *u = unwinder_new();
	struct unwind_stats st;
	uint64_t ips[MAX_FRAMES];
	struct captured c;
	bool complete;
	size_t n;

	cr_assert(u);
	capture(&c, "main");
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, 3, &n, &complete), 0);
	cr_assert_eq(n, 3);
	cr_assert(!complete, "stopped at max is not the whole stack");
	unwinder_stats(u, &st);
	cr_assert_eq(st.truncated, 1);
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, 0, &n, &complete), -EINVAL);
	/* a record claiming more bytes than it has */
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, USTACK_HEADER_SIZE + 8, ips, MAX_FRAMES, &n,
					    &complete), -EINVAL);
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, 8, ips, MAX_FRAMES, &n, &complete), -EINVAL);
	release(&c);
	/* gone before its first sample: nothing to read its modules from */
	unwinder_forget(u, c.pid);
	cr_assert_eq(unwinder_unwind_sample(u, &c.s, c.len, ips, MAX_FRAMES, &n, &complete),
		     -ESRCH);
	cr_assert_eq(n, 0);
	unwinder_free(u);
}
