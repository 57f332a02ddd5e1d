/* What a process maps may be a trap for the reader that looks for its Python interpreter
 * (userspace/python/pyproc.c): a file named like one on a FUSE mount whose daemon hung. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct fuse_trap t;
	struct bg app;
	struct run r;

	fuse_trap_mount(&t, TG("chain"), "python_fuse.so");
	bg_start(&app, (char *[]){ TG("mapfile"), t.file, "1", "30", NULL });
	bg_wait_for(&app, "ready", 10);
	fuse_trap_profile(&t, &app, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_lt(r.seconds, 10, "a 2 s run took %.1f s: it waited on the mount", r.seconds);
	cr_assert(strstr(r.out, "spin_ns"), "the process's native frames:\n%s", r.out);
	run_free(&r);
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
