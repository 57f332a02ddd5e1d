/* Addresses to names: kallsyms and a live process's own functions. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>
#include "symbols/symbolizer.h"

__attribute__((noinline)) int symbolizer_probe_target(int x)
{
	return x * 3 + 1;
}

Test(symbolizer, kernel_symbols_from_kallsyms)
{
	char path[] = "/tmp/tt-kallsyms-XXXXXX", buf[64];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct symbolizer *s;

	cr_assert(f);
	/* unsorted, with data symbols that must be ignored and a zero address */
	fprintf(f, "ffffffff81000200 T schedule\n"
		   "ffffffff81000100 t __schedule\n"
		   "ffffffff81000300 D some_data\n"
		   "0000000000000000 T hidden\n"
		   "ffffffff81000400 W weak_func [module]\n");
	fclose(f);
	s = symbolizer_new(path);
	cr_assert(s);
	cr_assert_str_eq(symbolizer_kernel(s, 0xffffffff81000150, buf, sizeof(buf)), "__schedule");
	cr_assert_str_eq(symbolizer_kernel(s, 0xffffffff81000200, buf, sizeof(buf)), "schedule");
	cr_assert_str_eq(symbolizer_kernel(s, 0xffffffff81000350, buf, sizeof(buf)), "schedule",
			 "data symbols are not functions");
	cr_assert_str_eq(symbolizer_kernel(s, 0xffffffff81000410, buf, sizeof(buf)), "weak_func");
	cr_assert_str_eq(symbolizer_kernel(s, 0x1000, buf, sizeof(buf)), "[unknown]");
	symbolizer_free(s);
	unlink(path);
}

/* A module's functions are named, and their module is the module, not the kernel. */
Test(symbolizer, kernel_modules_from_kallsyms)
{
	char path[] = "/tmp/tt-kallsyms-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct symbolizer *s;
	struct sym_frame fr;

	cr_assert(f);
	fprintf(f, "ffffffff81000100 T schedule\n"
		   "ffffffffc0a01000 t ext4_file_read_iter\t[ext4]\n"
		   "ffffffffc0a02000 T ext4_map_blocks\t[ext4]\n"
		   "ffffffffc0b00000 t veth_xmit\t[veth]\n"
		   "ffffffffc0b00100 t odd_one\tnot_a_module\n");
	fclose(f);
	s = symbolizer_new(path);
	cr_assert(s);
	symbolizer_kernel_frame(s, 0xffffffff81000110, &fr);
	cr_assert_str_eq(fr.symbol, "schedule");
	cr_assert_str_eq(fr.module, "[kernel]");
	symbolizer_kernel_frame(s, 0xffffffffc0a01010, &fr);
	cr_assert_str_eq(fr.symbol, "ext4_file_read_iter");
	cr_assert_eq(fr.offset, 0x10);
	cr_assert_str_eq(fr.module, "[ext4]");
	symbolizer_kernel_frame(s, 0xffffffffc0a02004, &fr);
	cr_assert_str_eq(fr.module, "[ext4]");
	symbolizer_kernel_frame(s, 0xffffffffc0b00008, &fr);
	cr_assert_str_eq(fr.symbol, "veth_xmit");
	cr_assert_str_eq(fr.module, "[veth]");
	symbolizer_kernel_frame(s, 0xffffffffc0b00108, &fr);
	cr_assert_str_eq(fr.module, "[kernel]", "a fourth column that is no [module]");
	symbolizer_free(s);
	unlink(path);
}

Test(symbolizer, user_functions_of_a_live_process)
{
	struct symbolizer *s = symbolizer_new("/nonexistent");
	uintptr_t fn = (uintptr_t)&symbolizer_probe_target;
	char buf[128];

	cr_assert(s);
	cr_assert(!symbolizer_has_pid(s, getpid()));
	cr_assert_eq(symbolizer_cache_pid(s, getpid()), 0);
	cr_assert(symbolizer_has_pid(s, getpid()));
	cr_assert_str_eq(symbolizer_user(s, getpid(), fn, buf, sizeof(buf)),
			 "symbolizer_probe_target");
	cr_assert_str_eq(symbolizer_user(s, getpid(), fn + 4, buf, sizeof(buf)),
			 "symbolizer_probe_target", "inside the function, not only its start");
	/* a libc function, found through the mappings of libc */
	cr_assert_str_eq(symbolizer_user(s, getpid(), (uintptr_t)&getpid, buf, sizeof(buf)),
			 "getpid");
	cr_assert_str_eq(symbolizer_user(s, getpid(), 0x10, buf, sizeof(buf)), "[unknown]");
	cr_assert_str_eq(symbolizer_kernel(s, 0xffffffff81000000, buf, sizeof(buf)), "[unknown]",
			 "no kallsyms, no kernel names");
	cr_assert_eq(symbolizer_cache_pid(s, 4194000), -ENOENT, "a pid that is gone");
	symbolizer_free(s);
}

/* A frame's whole story: the function, the offset into it, the module and its build id. */
Test(symbolizer, frames_name_their_module_and_build_id)
{
	struct symbolizer *s = symbolizer_new("/nonexistent");
	uintptr_t fn = (uintptr_t)&symbolizer_probe_target;
	char exe[4096], cmd[4200], id[64] = "";
	struct sym_frame f;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *p;

	cr_assert(s && n > 0);
	exe[n] = 0;
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' | sed -n 's/.*Build ID: //p'", exe);
	p = popen(cmd, "r");
	cr_assert(p && fgets(id, sizeof(id), p));
	pclose(p);
	id[strcspn(id, "\n")] = 0;
	symbolizer_user_frame(s, getpid(), fn + 4, &f);
	cr_assert_str_eq(f.symbol, "symbolizer_probe_target");
	cr_assert_eq(f.offset, 4);
	cr_assert_str_eq(f.module, exe);
	cr_assert(f.build_id, "the test binary has a build id (%s)", id);
	cr_assert_str_eq(f.build_id, id, "as readelf reads it");
	symbolizer_user_frame(s, getpid(), 0x10, &f);
	cr_assert_null(f.symbol);
	cr_assert_null(f.module, "an address mapped by nothing");
	symbolizer_kernel_frame(s, 0xffffffff81000000, &f);
	cr_assert_null(f.symbol);
	cr_assert_str_eq(f.module, "[kernel]");
	symbolizer_free(s);
}

/* A child read while it runs, then again as a zombie (no mappings left to show): what was
 * read while it ran stays, so its stacks are still symbolized after it exits. */
Test(symbolizer, a_zombie_keeps_what_was_read_while_it_ran)
{
	struct symbolizer *s = symbolizer_new("/dev/null");
	uintptr_t fn = (uintptr_t)symbolizer_probe_target;
	int ready[2], go[2];
	struct sym_frame f;
	pid_t child;
	char c;

	cr_assert(s);
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (!child) {
		/* the same image as ours: the function is at the same address in it */
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	cr_assert_eq(symbolizer_cache_pid(s, child), 0);
	cr_assert_eq(write(go[1], "g", 1), 1);
	/* a zombie until reaped: its maps file opens and reads empty */
	for (int i = 0; i < 200; i++) {
		char path[64], st = 0;
		FILE *sf;

		snprintf(path, sizeof(path), "/proc/%d/stat", child);
		sf = fopen(path, "r");
		if (sf && fscanf(sf, "%*d %*s %c", &st) != 1)
			st = 0;
		if (sf)
			fclose(sf);
		if (st == 'Z')
			break;
		usleep(10000);
	}
	cr_assert_eq(symbolizer_cache_pid(s, child), 0, "a zombie's maps still open");
	symbolizer_user_frame(s, child, fn + 4, &f);
	cr_assert(f.symbol && !strcmp(f.symbol, "symbolizer_probe_target"),
		  "the zombie's function from the mappings read while it ran: %s",
		  f.symbol ? f.symbol : f.module ? f.module : "(none)");
	waitpid(child, NULL, 0);
	symbolizer_free(s);
}

static pid_t start_sleep(const char *path)
{
	pid_t pid = fork();

	if (!pid) {
		execl(path, path, "30", (char *)NULL);
		_exit(127);
	}
	cr_assert_gt(pid, 0);
	/* until it runs the binary, not our image */
	for (int i = 0; i < 200; i++) {
		char exe[64], target[4096] = "";

		snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
		if (readlink(exe, target, sizeof(target) - 1) > 0 && strstr(target, "sleep"))
			break;
		usleep(10000);
	}
	usleep(50000);	/* its libraries mapped */
	return pid;
}

/* An address in every executable mapping of pid symbolized: each file it maps is read. */
static void touch_files(struct symbolizer *s, pid_t pid)
{
	char path[64], line[4096], perms[8];
	struct sym_frame f;
	FILE *m;

	cr_assert_eq(symbolizer_cache_pid(s, pid), 0);
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	m = fopen(path, "r");
	cr_assert(m);
	while (fgets(line, sizeof(line), m)) {
		unsigned long start;

		if (sscanf(line, "%lx-%*x %7s", &start, perms) == 2 && perms[2] == 'x')
			symbolizer_user_frame(s, pid, start, &f);
	}
	fclose(m);
}

/* A file is read once for every process that maps it, and a copy of a system file (a
 * container's, another inode) is found read by its build id; a copy others may write is not
 * believed, and read again. */
Test(symbolizer, files_are_read_once_and_shared_by_build_id, .timeout = 30)
{
	char dir[] = "/tmp/tt-share-XXXXXX", copy[64], loose[64], cmd[256];
	struct symbolizer *s = symbolizer_new("/nonexistent");
	struct symbolizer_stats st0, st1, st2, st3;
	pid_t a, b, c, d;

	if (geteuid())
		cr_skip_test("the copies must be root's, as system files are");
	cr_assert(s && mkdtemp(dir));
	snprintf(copy, sizeof(copy), "%s/sleep", dir);
	snprintf(loose, sizeof(loose), "%s/sleep-loose", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s && cp /bin/sleep %s && chmod 0757 %s", copy,
		 loose, loose);
	cr_assert_eq(system(cmd), 0);
	a = start_sleep("/bin/sleep");
	b = start_sleep("/bin/sleep");
	c = start_sleep(copy);
	d = start_sleep(loose);
	touch_files(s, a);
	symbolizer_stats(s, &st0);
	cr_assert_geq(st0.files_read, 2, "sleep, libc, ld.so: %llu",
		      (unsigned long long)st0.files_read);
	touch_files(s, b);
	symbolizer_stats(s, &st1);
	cr_assert_eq(st1.files_read, st0.files_read, "the same files: none read again");
	cr_assert_geq(st1.files_shared, st0.files_read);
	touch_files(s, c);
	symbolizer_stats(s, &st2);
	cr_assert_eq(st2.files_read, st0.files_read, "a copy of root's, by build id");
	touch_files(s, d);
	symbolizer_stats(s, &st3);
	cr_assert_eq(st3.files_read, st0.files_read + 1, "a copy others may write: read again");
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	kill(c, SIGKILL);
	kill(d, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	waitpid(c, NULL, 0);
	waitpid(d, NULL, 0);
	symbolizer_free(s);
	unlink(copy);
	unlink(loose);
	rmdir(dir);
}
