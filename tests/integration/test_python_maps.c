/* What a process maps may be a trap for the reader that looks for its Python interpreter
 * (userspace/python/pyproc.c): a file named like one on a FUSE mount whose daemon hung. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

/* A process maps python_fuse.so from a FUSE mount that then stops answering: an open of it
 * would wait until the daemon dies (fuse_stall exits after 40 s, which bounds a failure).
 * tailtrace never opens it: the run ends on time, the process's stacks native. */
Test(python, an_interpreter_on_a_hung_fuse_mount_is_never_opened, .timeout = 90)
{
	char dir[] = "/tmp/tt-pyfuse-XXXXXX", mnt[64], file[96];
	struct bg fuse, app;
	struct run r, rf, ra;
	char pid[16];

	if (access("/dev/fuse", R_OK | W_OK))
		cr_skip_test("no /dev/fuse: the kernel has no FUSE");
	cr_assert(mkdtemp(dir));
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	snprintf(file, sizeof(file), "%s/python_fuse.so", mnt);
	cr_assert_eq(mkdir(mnt, 0755), 0);
	bg_start(&fuse, (char *[]){ TG("fuse_stall"), mnt, TG("chain"), "40", "python_fuse.so",
				    NULL });
	bg_wait_for(&fuse, "mounted", 10);
	bg_start(&app, (char *[]){ TG("mapfile"), file, "1", "30", NULL });
	bg_wait_for(&app, "ready", 10);
	kill(fuse.pid, SIGUSR1);	/* from now on, nothing on the mount answers */
	usleep(100000);
	snprintf(pid, sizeof(pid), "%d", app.pid);
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-p", pid, "-F", "199", "-d", "2s", "--format",
				    "folded", NULL });
	/* the daemon first: a process that faults on the mount waits for it, even killed */
	kill(app.pid, SIGKILL);
	bg_finish(&fuse, SIGKILL, 10, &rf);
	bg_finish(&app, SIGKILL, 10, &ra);
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	rmdir(dir);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_lt(r.seconds, 10, "a 2 s run took %.1f s: it waited on the mount", r.seconds);
	cr_assert(strstr(r.out, "spin_ns"), "the process's native frames:\n%s", r.out);
	run_free(&r);
	run_free(&ra);
	run_free(&rf);
}

/* 20,000 code objects that share one location table of 262,000 bytes, called at random: the
 * reader kept a copy of the table of each code object it named (900 MB for 3 s of the
 * hostile tester's 70,000, 2.9 GB in its longer run). It keeps what names need, within
 * bounds, and still names the functions. */
Test(python, huge_location_tables_cost_no_memory, .timeout = 90)
{
	struct bg app;
	struct run r, ra;
	char pid[16];

	bg_start(&app, (char *[]){ "/usr/bin/python3.11", TG("python/manycodes.py"), "20000",
				   "262000", "30", NULL });
	bg_wait_for(&app, "ready", 30);
	snprintf(pid, sizeof(pid), "%d", app.pid);
	run_cmd(&r, 60, (char *[]){ TT, "profile", "-p", pid, "-F", "999", "-d", "2s",
				    "--format", "folded", NULL });
	kill(app.pid, SIGKILL);
	bg_finish(&app, SIGKILL, 10, &ra);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_log_info("python/huge_location_tables: %.1f s, %ld KB\n", r.seconds, r.maxrss_kb);
	cr_assert_lt(r.maxrss_kb, 150 * 1024, "%ld KB", r.maxrss_kb);
	cr_assert_lt(r.seconds, 10, "a 2 s run took %.1f s", r.seconds);
	cr_assert(strstr(r.out, ";f1") || strstr(r.out, ";f2"), "no function named:\n%.2000s",
		  r.out);
	run_free(&r);
	run_free(&ra);
}
