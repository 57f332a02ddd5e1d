/* Every user-facing error: the right exit code, a message that says what to do, and
 * nothing left attached. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

static char scratch_dir[] = "/tmp/tt-bad-input-XXXXXX";

static void make_scratch_dir(void)
{
	cr_assert_not_null(mkdtemp(scratch_dir), "mkdtemp");
}

static void remove_scratch_dir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch_dir);
	if (system(cmd))
		cr_log_warn("could not remove %s", scratch_dir);
}

static void expect(char *const argv[], int status, const char *message)
{
	struct run r;

	run_cmd(&r, 30, argv);
	cr_assert_eq(r.status, status, "'%s %s ...' exited %d, expected %d; stderr: %s", argv[1],
		     argv[2] ? argv[2] : "", r.status, status, r.err);
	assert_one_clear_line(&r, message);
	cr_assert_eq(r.out[0], 0, "no report on error: %s", r.out);
	run_free(&r);
	assert_no_leftovers(message);
}

Test(bad_input, not_root)
{
	struct run r;

	run_as_uid = 65534;
	/* nobody, with none of root's groups either */
	run_cmd(&r, 10, (char *[]){ "/usr/bin/id", "-G", NULL });
	cr_assert_str_eq(r.out, "65534\n", "groups of the unprivileged run: %s", r.out);
	run_free(&r);
	expect((char *[]){ TT, "func", "work", "--", TG("count"), NULL }, 1, "needs root");
	run_as_uid = 0;
}

/* An unprivileged uid with exactly CAP_BPF and CAP_PERFMON (ambient, so they survive the
 * exec) is let through the privilege check. On Linux 6.18 uprobe_multi then needs no more:
 * func runs. Single uprobes (perf_event_open of the uprobe PMU) need CAP_SYS_ADMIN there,
 * and the kernel's "Permission denied" is what is said, not "needs root". */
#define AS_NOBODY_WITH_BPF_PERFMON \
	"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", \
	"--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=-all,+bpf,+perfmon", "--"

Test(bad_input, not_root_with_cap_bpf_and_cap_perfmon)
{
	struct json_value *j;
	const struct json_value *s;
	struct run r;

	run_cmd(&r, 10, (char *[]){ AS_NOBODY_WITH_BPF_PERFMON, "/bin/grep", "-E",
				    "^(Uid|Groups|CapEff|CapPrm):", "/proc/self/status", NULL });
	cr_assert_eq(r.status, 0, "setpriv: %s", r.err);
	cr_assert(strstr(r.out, "Uid:\t65534\t65534\t65534\t65534") &&
			  strspn(strstr(r.out, "Groups:") + 7, " \t") ==
				  strcspn(strstr(r.out, "Groups:") + 7, "\n") &&
			  strstr(r.out, "CapEff:\t000000c000000000") &&
			  strstr(r.out, "CapPrm:\t000000c000000000"),
		  "nobody with exactly CAP_BPF (39) and CAP_PERFMON (38):\n%s", r.out);
	run_free(&r);

	run_cmd(&r, 60, (char *[]){ AS_NOBODY_WITH_BPF_PERFMON, TT, "func", "work", "--format",
				    "json", "--", TG("count"), "5", "1000", NULL });
	cr_assert_null(strstr(r.err, "needs root"), "past the privilege check: %s", r.err);
	cr_assert_eq(r.status, 0, "func with CAP_BPF+CAP_PERFMON: exit %d: %s", r.status, r.err);
	j = run_json(&r);
	s = find_series(j, "func.latency", "func", "work");
	cr_assert(s && json_u64_at(s, "count") == 5, "every call counted:\n%s", r.out);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("func with CAP_BPF+CAP_PERFMON");

	setenv("TAILTRACE_NO_UPROBE_MULTI", "1", 1);
	run_cmd(&r, 60, (char *[]){ AS_NOBODY_WITH_BPF_PERFMON, TT, "func", "work", "--",
				    TG("count"), "5", "1000", NULL });
	unsetenv("TAILTRACE_NO_UPROBE_MULTI");
	cr_assert_null(strstr(r.err, "needs root"), "past the privilege check: %s", r.err);
	if (r.status) {
		cr_assert_eq(r.status, 1, "%s", r.err);
		cr_assert(strstr(r.err, "(Permission denied)") &&
				  strstr(r.err, "no function could be probed"),
			  "the kernel's refusal, said: %s", r.err);
	}
	run_free(&r);
	assert_no_leftovers("single uprobes with CAP_BPF+CAP_PERFMON");
}

Test(bad_input, kernel_without_btf)
{
	setenv("TAILTRACE_SYSFS_BTF", "/nonexistent/vmlinux", 1);
	expect((char *[]){ TT, "func", "work", "--", TG("count"), NULL }, 1, "has no BTF");
	unsetenv("TAILTRACE_SYSFS_BTF");
}

Test(bad_input, binary_not_found)
{
	expect((char *[]){ TT, "func", "/nonexistent/app:main", NULL }, 1, "not found");
	expect((char *[]){ TT, "func", "libnosuchlib:f", "--", TG("count"), NULL }, 1,
	       "'libnosuchlib' not found");
}

Test(bad_input, not_an_elf_file)
{
	expect((char *[]){ TT, "func", "/etc/passwd:main", NULL }, 1, "not an ELF");
}

Test(bad_input, fifo_as_binary, .init = make_scratch_dir, .fini = remove_scratch_dir)
{
	char fifo[PATH_MAX], probe[PATH_MAX + 8];

	snprintf(fifo, sizeof(fifo), "%s/fifo", scratch_dir);
	cr_assert_eq(mkfifo(fifo, 0644), 0, "mkfifo %s", fifo);
	snprintf(probe, sizeof(probe), "%s:main", fifo);
	expect((char *[]){ TT, "func", probe, "-d", "1s", NULL }, 1, "is a FIFO, not a program");
}

/* A program cut short (a copy interrupted) is corrupt, not one without symbols. */
Test(bad_input, truncated_binary, .init = make_scratch_dir, .fini = remove_scratch_dir)
{
	char cmd[3 * PATH_MAX], path[PATH_MAX], probe[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/count", scratch_dir);
	snprintf(cmd, sizeof(cmd), "head -c $(($(stat -c %%s '%s') / 2)) '%s' > '%s'",
		 target("count"), target("count"), path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(probe, sizeof(probe), "%s:work", path);
	expect((char *[]){ TT, "func", probe, "-d", "1s", NULL }, 1, "is truncated or corrupt");
}

/* tests/targets/fifoexe, run from a copy it may delete, replaced by a FIFO at the name
 * /proc/PID/exe and /proc/PID/maps give. */
static struct bg fifoexe;

static void start_fifoexe(void)
{
	char cmd[3 * PATH_MAX], exe[PATH_MAX];

	make_scratch_dir();
	snprintf(exe, sizeof(exe), "%s/fifoexe", scratch_dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", target("fifoexe"), exe);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	bg_start(&fifoexe, (char *[]){ exe, NULL });
	bg_wait_for(&fifoexe, "ready", 10);
}

static void stop_fifoexe(void)
{
	struct run r;

	bg_finish(&fifoexe, SIGKILL, 120, &r);
	run_free(&r);
	remove_scratch_dir();
}

/* Each ends on time with its report, never waiting on the FIFO (the run's own limit is past
 * the assertion's, so a hang fails rather than hangs the suite). */
Test(bad_input, executable_replaced_by_a_fifo, .init = start_fifoexe, .fini = stop_fifoexe)
{
	char pid[16];
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	snprintf(pid, sizeof(pid), "%d", fifoexe.pid);
	run_cmd(&r, 20, (char *[]){ TT, "sched", "-p", pid, "--offcpu-stacks", "-d", "2s",
				    "--format", "folded", NULL });
	cr_assert_eq(r.status, 0, "sched exited %d after %.1f s: %s", r.status, r.seconds, r.err);
	cr_assert_lt(r.seconds, 8, "sched took %.1f s", r.seconds);
	/* Symbols come from the file the process maps, deleted as it is (the frame-pointer walk
	 * through libc's nanosleep skips nap). */
	cr_assert(strstr(r.out, "fifoexe;") && strstr(r.out, ";main;"),
		  "its stacks, symbolized from the deleted file:\n%s", r.out);
	run_free(&r);
	assert_no_leftovers("sched -p of a process whose executable is a FIFO");

	/* func probes the file the process runs, reached through /proc/PID/map_files: neither
	 * the FIFO nor the path it replaced is opened. */
	run_cmd(&r, 20, (char *[]){ TT, "func", "nap", "-p", pid, "-d", "2s", "--format", "json",
				    NULL });
	cr_assert_eq(r.status, 0, "func exited %d after %.1f s: %s", r.status, r.seconds, r.err);
	cr_assert_lt(r.seconds, 8, "func took %.1f s", r.seconds);
	cr_assert(strstr(r.err, "no longer names"), "says so: %s", r.err);
	j = run_json(&r);
	s = find_series(j, "func.latency", "func", "nap");
	cr_assert(s && json_u64_at(s, "count") > 20, "nap (every 10 ms) timed:\n%s", r.out);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("func -p of a process whose executable is a FIFO");
}

Test(bad_input, function_not_found_suggests_names)
{
	struct run r;

	expect((char *[]){ TT, "func", "wrok", "--", TG("count"), NULL }, 1,
	       "function 'wrok' not found");
	run_cmd(&r, 30, (char *[]){ TT, "func", "wrok", "--", TG("count"), NULL });
	cr_assert(strstr(r.err, "did you mean:") && strstr(r.err, " work"), "%s", r.err);
	run_free(&r);
	/* named in a library that was named: no advice to name the library */
	run_cmd(&r, 30, (char *[]){ TT, "func", "libc:zzqqxx_nothing", "--", TG("count"), NULL });
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "function 'zzqqxx_nothing' not found in "), "%s", r.err);
	cr_assert_null(strstr(r.err, "name the library"), "%s", r.err);
	run_free(&r);
}

Test(bad_input, glob_matching_nothing)
{
	expect((char *[]){ TT, "func", "zzz*", "--", TG("count"), NULL }, 1,
	       "no function in");
}

/* Each function traced holds a histogram of kernel memory: a glob matching more than the
 * cap is refused with how many it matched and what to do, before anything is loaded. */
Test(bad_input, more_functions_than_the_cap)
{
	expect((char *[]){ TT, "func", "f*", "--max-functions", "100", "--", TG("many"), NULL },
	       2, "'f*' matches 1000 functions, more than --max-functions allows (100;");
	expect((char *[]){ TT, "func", "f0*", "f1*", "--max-functions", "199", "--", TG("many"),
			   NULL },
	       2, "the PROBEs match 200 functions");
	expect((char *[]){ TT, "func", "f*", "--max-functions", "0", "--", TG("many"), NULL }, 2,
	       "--max-functions needs a whole number from 1");
}

Test(bad_input, invalid_glob)
{
	expect((char *[]){ TT, "func", "wo[rk", "--", TG("count"), NULL }, 2, "not closed");
}

Test(bad_input, pid_that_does_not_exist)
{
	expect((char *[]){ TT, "func", "libc:malloc", "-p", "4194000", NULL }, 1,
	       "no process with pid 4194000");
}

Test(bad_input, bad_durations_and_numbers)
{
	expect((char *[]){ TT, "func", "work", "-d", "5x", "--", TG("count"), NULL }, 2,
	       "invalid duration '5x' for -d");
	expect((char *[]){ TT, "func", "work", "-i", "0", "--", TG("count"), NULL }, 2,
	       "-i must be greater than zero");
	expect((char *[]){ TT, "func", "work", "--slower-than", "-1ms", "--", TG("count"), NULL },
	       2, "invalid duration '-1ms' for --slower-than");
	expect((char *[]){ TT, "func", "work", "--top", "0", "--", TG("count"), NULL }, 2,
	       "--top needs a whole number from 1");
	expect((char *[]){ TT, "func", "work", "--sample", "x", "--", TG("count"), NULL }, 2,
	       "--sample needs a whole number");
	expect((char *[]){ TT, "func", "work", "-p", "abc", NULL }, 2, "-p needs a whole number");
}

Test(bad_input, unwritable_output)
{
	expect((char *[]){ TT, "func", "work", "-o", "/nonexistent/dir/run.json", "--",
			   TG("count"), NULL },
	       1, "cannot write '/nonexistent/dir/run.json'");
	expect((char *[]){ TT, "func", "work", "-o", "/proc/version", "--", TG("count"), NULL }, 1,
	       "cannot write");
	expect((char *[]){ TT, "func", "work", "-o", "", "--", TG("count"), NULL }, 2,
	       "-o needs a file name");
}

Test(bad_input, command_that_cannot_run)
{
	expect((char *[]){ TT, "func", "/bin/true:main", "--", "/etc/passwd", NULL }, 1,
	       "cannot execute '/etc/passwd'");
	expect((char *[]){ TT, "func", "/bin/true:main", "--", "no-such-command-here", NULL }, 1,
	       "command not found");
}

Test(bad_input, usage_errors)
{
	expect((char *[]){ TT, "func", NULL }, 2, "give at least one PROBE");
	expect((char *[]){ TT, "func", "work", NULL }, 2, "names no binary");
	expect((char *[]){ TT, "nosuchcommand", NULL }, 2, "unknown command 'nosuchcommand'");
	expect((char *[]){ TT, "func", "work", "--format", "xml", "--", TG("count"), NULL }, 2,
	       "unknown format 'xml'");
	expect((char *[]){ TT, "func", "work", "--bogus", "--", TG("count"), NULL }, 2,
	       "unknown option '--bogus'");
	expect((char *[]){ TT, "func", "work", "-p", "1", "--", TG("count"), NULL }, 2,
	       "cannot be used together");
	expect((char *[]){ TT, "func", "work", "--", NULL }, 2, "followed by a command");
	expect((char *[]){ TT, "func", "work", "-i", "1s", "--format", "json", "--", TG("count"),
			   NULL },
	       2, "with -i, use --format ndjson");
}

static bool has_raw_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n')
			return true;
	return false;
}

/* A name a message echoes (a PROBE, a command, an option, a path) is written escaped: it
 * cannot clear the screen or forge a line. Under --format json it stays as it was given. */
Test(bad_input, names_in_messages_are_escaped)
{
	struct { char *argv[8]; int status; const char *said; } cases[] = {
		{ { TT, "func", "\x1b[2Jx", NULL }, 2, "invalid PROBE '\\x1b[2Jx'" },
		{ { TT, "\x1b[2J\nfake", NULL }, 2, "unknown command '\\x1b[2J\\nfake'" },
		{ { TT, "func", "work", "--\x1b[2J", "--", TG("count"), NULL }, 2,
		  "unknown option '--\\x1b[2J'" },
		{ { TT, "func", "work", "--format", "\x07\x1b]0;x\x07", "--", TG("count"), NULL }, 2,
		  "unknown format '\\x07\\x1b]0;x\\x07'" },
		{ { TT, "func", "/tmp/\x1b[2Jno\rsuch:main", NULL }, 1,
		  "binary '/tmp/\\x1b[2Jno\\x0dsuch' not found" },
		{ { TT, "func", "work", "-o", "/nonexistent/\x1b[2J/run.json", "--", TG("count"),
		    NULL }, 1, "cannot write '/nonexistent/\\x1b[2J/run.json'" },
	};
	struct json_value *j;
	struct run r;
	char err[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_cmd(&r, 30, cases[i].argv);
		cr_assert_eq(r.status, cases[i].status, "case %zu: exit %d: %s", i, r.status, r.err);
		cr_assert(!has_raw_control(r.err), "case %zu: a raw control character in: %s", i,
			  r.err);
		assert_one_clear_line(&r, cases[i].said);
		run_free(&r);
	}
	run_cmd(&r, 30, (char *[]){ TT, "func", "\x1b[2Jx", "--format", "json", NULL });
	cr_assert_eq(r.status, 2, "%s", r.err);
	j = json_parse(r.err, strlen(r.err), err, sizeof(err));
	cr_assert(j, "one JSON object: %s (%s)", r.err, err);
	cr_assert(strstr(json_as_string(json_get(j, "error"), NULL), "'\x1b[2Jx'"),
		  "the name as given, JSON-escaped: %s", r.err);
	json_free(j);
	run_free(&r);
}

Test(bad_input, help_and_version)
{
	struct run r;

	run_cmd(&r, 10, (char *[]){ TT, "func", "--help", NULL });
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "Examples:") && strstr(r.out, "--slower-than"), "%s", r.out);
	run_free(&r);
	run_cmd(&r, 10, (char *[]){ TT, "--version", NULL });
	cr_assert_eq(r.status, 0);
	cr_assert(!strncmp(r.out, "tailtrace ", 10), "%s", r.out);
	run_free(&r);
}

/* Go copies a goroutine's stack as it grows and dies on a return probe's trampoline in it
 * ("fatal error: unknown caller pc", found on a net/http server): func refuses Go programs,
 * told by the section Go's linker writes, and leaves nothing behind. */
Test(bad_input, a_go_program_is_refused_before_it_runs, .init = make_scratch_dir,
     .fini = remove_scratch_dir)
{
	char cmd[4 * PATH_MAX], path[PATH_MAX], note[PATH_MAX], probe[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/gocount", scratch_dir);
	snprintf(note, sizeof(note), "%s/note", scratch_dir);
	snprintf(cmd, sizeof(cmd), "printf 'go build id' > '%s' && objcopy --add-section "
		 ".note.go.buildid='%s' '%s' '%s'", note, note, target("count"), path);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(probe, sizeof(probe), "%s:work", path);
	expect((char *[]){ TT, "func", probe, "-d", "1s", NULL }, 1, "is a Go program");
	expect((char *[]){ TT, "func", "work", "--", path, "3", NULL }, 1, "is a Go program");
}

/* A library named for a process that does not map it (a static program has its own libc):
 * said, not a silent run of 0 calls. */
Test(bad_input, a_library_the_process_does_not_map_is_said)
{
	struct bg b;
	struct run r, rb;
	char pid[16];

	bg_start(&b, (char *[]){ TG("chain-static"), "3", NULL });
	bg_wait_for(&b, "ready", 10);
	snprintf(pid, sizeof(pid), "%d", b.pid);
	run_cmd(&r, 30, (char *[]){ TT, "func", "libc:write", "-p", pid, "-d", "300ms", NULL });
	bg_finish(&b, SIGKILL, 10, &rb);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, "does not map ") && strstr(r.err, "libc.so.6: its calls are "
								"counted only once it loads it"),
		  "%s", r.err);
	run_free(&r);
	run_free(&rb);
	assert_no_leftovers("func libc:write -p of a static program");
}
