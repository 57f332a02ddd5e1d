/* The func collector on the real kernel, against targets of known behaviour. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

static void within(double got, double want, double rel, const char *what)
{
	cr_assert(fabs(got - want) <= rel * want, "%s: %.0f, expected %.0f +/- %.0f%%", what, got,
		  want, rel * 100);
}

static uint64_t calls(const struct json_value *root, const char *func)
{
	const struct json_value *s = find_series(root, "func.latency", "func", func);

	return s ? json_u64_at(s, "count") : 0;
}

static uint64_t drop(const struct json_value *root, const char *name)
{
	return json_u64_at(json_get(root, "drops"), name);
}

Test(func, exact_count_and_p50_of_known_busy_wait)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "other", "--format", "json", "--",
				    TG("count"), "500", "200000", NULL });
	s = find_series(j, "func.latency", "func", "work");
	cr_assert(s, "no series for work:\n%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 500);
	cr_assert_eq(calls(j, "other"), 250);
	within(quantile(s, "p50"), 200000, 0.05, "p50 of work");
	cr_assert_geq(json_u64_at(s, "min"), 200000, "no call is faster than its busy-wait");
	within(quantile(find_series(j, "func.latency", "func", "other"), "p50"), 100000, 0.05,
	       "p50 of other");
	cr_assert_str_eq(json_as_string(json_get(j, "command"), NULL), "func");
	cr_assert_eq(json_u64_at(j, "schema"), 1);
	cr_assert_eq(drop(j, "no_entry") + drop(j, "no_return") + drop(j, "ringbuf"), 0);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("a traced command");
}

/* Every function of a program, its entry point among them: _start is left out (a return
 * probe there overwrites argc), so the program still gets its arguments. */
Test(func, a_glob_of_everything_leaves_the_entry_point_alone)
{
	struct run r;
	struct json_value *j;

	j = run_json_ok(&r, (char *[]){ TT, "func", "*", "--format", "json", "--", TG("count"),
				    "3", "1000", NULL });
	cr_assert_eq(calls(j, "work"), 3, "count got its arguments: %s", r.out);
	cr_assert_null(find_series(j, "func.latency", "func", "_start"));
	cr_assert(strstr(r.err, "not timing _start"), "%s", r.err);
	json_free(j);
	run_free(&r);
}

/* A glob leaves out the parts of functions the compiler moved out of line (work.cold):
 * never called, they have no return to time; named alone, one is refused with why. */
Test(func, a_glob_leaves_cold_parts_out)
{
	struct run r;
	struct json_value *j;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work*", "--format", "json", "--",
				    TG("coldpart"), "100", NULL });
	cr_assert_eq(calls(j, "work"), 100, "%s", r.out);
	cr_assert_null(find_series(j, "func.latency", "func", "work.cold"), "%s", r.out);
	json_free(j);
	run_free(&r);

	run_cmd(&r, 60, (char *[]){ TT, "func", "work.cold", "--", TG("coldpart"), "10", NULL });
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "not timing work.cold in ") &&
		  strstr(r.err, "moved out of line, jumped to and never called"), "%s", r.err);
	run_free(&r);

	run_cmd(&r, 60, (char *[]){ TT, "func", "work.c*", "--", TG("coldpart"), "10", NULL });
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "no function in ") &&
		  strstr(r.err, "only 1 part of functions that the compiler moved out of line "
			 "(name.cold) matches"), "%s", r.err);
	run_free(&r);
	assert_no_leftovers("func work.cold");
}

/* C++ and Rust functions are named as written, "::" and all: matched on their demangled
 * names, labelled with the parameter types that tell overloads apart. */
Test(func, cpp_and_rust_names)
{
	struct run r;
	struct json_value *j;

	j = run_json_ok(&r, (char *[]){ TT, "func", "redis::Server::*", "mycrate::spin",
				    "--format", "json", "--", TG("mangled"), "50", NULL });
	cr_assert_eq(calls(j, "redis::Server::handle(long)"), 1, "%s", r.out);
	cr_assert_eq(calls(j, "mycrate::spin"), 1, "%s", r.out);
	json_free(j);
	run_free(&r);
	/* D0 and D1 both read Foo::~Foo(): the second keeps its symbol, two series apart */
	j = run_json_ok(&r, (char *[]){ TT, "func", "Foo::~Foo*", "--format", "json", "--",
				    TG("mangled"), "1", NULL });
	cr_assert_eq(calls(j, "Foo::~Foo()") + calls(j, "_ZN3FooD0Ev") + calls(j, "_ZN3FooD1Ev"),
		     2, "%s", r.out);
	cr_assert_eq(calls(j, "Foo::~Foo()"), 1, "%s", r.out);
	json_free(j);
	run_free(&r);
}

Test(func, recursion_is_timed_per_level)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	/* rec(k) takes (k+1) * 300us for k = 0..4, 50 times each, plus the probes of the k
	 * calls nested in it. A tracer with one start time per thread would time every level
	 * from the innermost entry: 30% off or more. A long call also collects every stall of
	 * the host over its nested levels, hence 10% for the median of the depth-2 calls. */
	j = run_json_ok(&r, (char *[]){ TT, "func", "rec", "--format", "json", "--", TG("recurse"),
				    "50", "4", "300000", NULL });
	s = find_series(j, "func.latency", "func", "rec");
	cr_assert(s);
	cr_assert_eq(json_u64_at(s, "count"), 250);
	within(quantile(s, "p50"), 900000, 0.10, "p50 (the depth-2 calls)");
	within((double)json_u64_at(s, "min"), 300000, 0.05, "min (the innermost calls)");
	cr_assert_geq(json_u64_at(s, "max"), 1500000, "max (an outermost call)");
	cr_assert_eq(drop(j, "no_entry") + drop(j, "no_return") + drop(j, "depth"), 0);
	json_free(j);
	run_free(&r);
}

Test(func, threads_are_independent)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "--format", "json", "--", TG("threads"),
				    "4", "200", "100000", NULL });
	s = find_series(j, "func.latency", "func", "work");
	cr_assert(s);
	cr_assert_eq(json_u64_at(s, "count"), 800);
	/* 4 threads on 2 CPUs are preempted mid-call at times: the tail is theirs */
	cr_assert_geq(json_u64_at(s, "min"), 100000);
	within(quantile(s, "p50"), 100000, 0.05, "p50");
	json_free(j);
	run_free(&r);
}

Test(func, command_exit_status_is_passed_on)
{
	struct run r;
	struct json_value *j;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--format", "json", "--", TG("exitcode"),
				    "3", "7", NULL });
	cr_assert_eq(r.status, 7, "exit %d: %s", r.status, r.err);
	j = run_json(&r);
	cr_assert_eq(calls(j, "work"), 3, "attached before the first instruction");
	json_free(j);
	run_free(&r);
}

Test(func, shared_library_function)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;
	char probe[4200];

	snprintf(probe, sizeof(probe), "%s:ttlib_work", target("libttdemo.so"));
	j = run_json_ok(&r, (char *[]){ TT, "func", probe, "--format", "json", "--", TG("libcall"),
				    "300", "200000", NULL });
	s = find_series(j, "func.latency", "func", "ttlib_work");
	cr_assert(s, "%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 300);
	within(quantile(s, "p50"), 200000, 0.05, "p50");
	json_free(j);
	run_free(&r);
}

/* The offset of the one function a dry run lists ("  NAME   0x1151"), 0 if none. */
static unsigned long dry_run_offset(const char *out)
{
	const char *p = strstr(out, " 0x");

	return p ? strtoul(p + 1, NULL, 16) : 0;
}

/* A package upgrade renames a new library over the one a running process maps: probes must
 * go on the file the process runs (reached through /proc/PID/map_files), not on the new one
 * at the path, where they would count nothing. The new version has its functions at other
 * offsets, so the symbols must be read from the file run too. */
Test(func, library_replaced_on_disk_is_traced_where_the_process_runs_it)
{
	char dir[] = "/tmp/tt-upgrade-XXXXXX", cmd[8192], lib[64], probe[96], pidstr[16];
	const struct json_value *s;
	struct json_value *j;
	struct bg prog, tt;
	struct run r, pr, orig, dry;

	cr_assert(mkdtemp(dir));
	snprintf(lib, sizeof(lib), "%s/libttdemo.so", dir);
	snprintf(cmd, sizeof(cmd), "cp -p %s %s %s/", target("libwait"), target("libttdemo.so"),
		 dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(probe, sizeof(probe), "%s:ttlib_work", lib);
	run_cmd(&orig, 30, (char *[]){ TT, "func", "--dry-run", probe, NULL });
	snprintf(cmd, sizeof(cmd), "%s/libwait", dir);
	bg_start(&prog, (char *[]){ cmd, "200", "100000", NULL });
	bg_wait_for(&prog, "ready", 10);
	/* as dpkg does: the new file written beside, then renamed over the old one */
	snprintf(cmd, sizeof(cmd), "cp %s %s/.new && mv %s/.new %s", target("libttdemo-v2.so"),
		 dir, dir, lib);
	cr_assert_eq(system(cmd), 0, "%s", cmd);

	snprintf(pidstr, sizeof(pidstr), "%d", prog.pid);
	/* by short name too: found in the process's mappings, though replaced */
	run_cmd(&dry, 30, (char *[]){ TT, "func", "libttdemo:ttlib_work", "-p", pidstr,
				      "--dry-run", NULL });
	/* Without the capability /proc/PID/map_files needs: a clear error, never a silent 0 */
	if (!access("/usr/bin/setpriv", X_OK)) {
		struct run np;

		run_cmd(&np, 30, (char *[]){ "/usr/bin/setpriv",
					     "--inh-caps=-sys_admin,-checkpoint_restore",
					     "--bounding-set=-sys_admin,-checkpoint_restore", TT,
					     "func", probe, "-p", pidstr, "--dry-run", NULL });
		cr_assert_eq(np.status, 1, "exit %d: %s", np.status, np.err);
		cr_assert(strstr(np.err, "no longer names") && strstr(np.err, "map_files"),
			  "%s", np.err);
		run_free(&np);
	}
	bg_start(&tt, (char *[]){ TT, "func", probe, "-p", pidstr, "--format", "json", NULL });
	bg_wait_for(&tt, "Tracing", 30);
	kill(prog.pid, SIGUSR1);
	bg_finish(&tt, 0, 30, &r);
	bg_finish(&prog, 0, 10, &pr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(pr.status, 0, "libwait: %s", pr.err);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	j = run_json(&r);
	s = find_series(j, "func.latency", "func", "ttlib_work");
	cr_assert(s, "%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 200, "every call counted:\n%s\n%s", r.out, r.err);
	within(quantile(s, "p50"), 100000, 0.05, "p50");
	cr_assert_str_eq(json_as_string(json_get(json_get(s, "labels"), "binary"), NULL), lib,
			 "labelled with the path, not /proc/self/fd");
	cr_assert(strstr(r.err, "replaced"), "says the file was replaced: %s", r.err);
	cr_assert_eq(dry.status, 0, "dry run by short name: %s", dry.err);
	cr_assert(!strncmp(dry.out, lib, strlen(lib)), "found %s: %s", lib, dry.out);
	cr_assert(dry_run_offset(orig.out), "%s", orig.out);
	cr_assert_eq(dry_run_offset(dry.out), dry_run_offset(orig.out),
		     "the offset in the file run, not in the new one: %s / %s", dry.out, orig.out);
	json_free(j);
	run_free(&r);
	run_free(&pr);
	run_free(&orig);
	run_free(&dry);
	assert_no_leftovers("a replaced library");
}

Test(func, longjmp_frames_are_dropped_not_mismatched)
{
	struct run r;
	struct json_value *j;

	j = run_json_ok(&r, (char *[]){ TT, "func", "inner", "outer", "done", "--format", "json",
				    "--", TG("jumper"), "50", NULL });
	cr_assert_eq(calls(j, "done"), 50);
	cr_assert_eq(calls(j, "inner"), 0, "inner never returns");
	cr_assert_eq(calls(j, "outer"), 0, "outer never returns");
	within(quantile(find_series(j, "func.latency", "func", "done"), "p50"), 100000, 0.05,
	       "done is not charged with abandoned frames");
	cr_assert_geq(drop(j, "no_return"), 98, "abandoned frames are counted");
	cr_assert_eq(drop(j, "depth"), 0, "abandoned frames do not pile up");
	json_free(j);
	run_free(&r);
}

Test(func, pid_and_library_short_name)
{
	char *tick[] = { TG("ticker"), "5", NULL };
	pid_t pid = spawn_bg(tick);
	char pidstr[16];
	struct run r;
	struct json_value *j;
	uint64_t n;

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	usleep(100000);
	run_cmd(&r, 30, (char *[]){ TT, "func", "tick", "libc:usleep", "-p", pidstr, "-d", "1s",
				    "--format", "json", NULL });
	kill_bg(pid);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	j = run_json(&r);
	/* a 5 ms tick and a 5 ms sleep: about 100 a second */
	n = calls(j, "tick");
	cr_assert(n >= 50 && n <= 110, "tick called %llu times in 1 s", (unsigned long long)n);
	n = calls(j, "usleep");
	cr_assert(n >= 50 && n <= 110, "usleep (libc, found through the maps) %llu times",
		  (unsigned long long)n);
	within(quantile(find_series(j, "func.latency", "func", "tick"), "p50"), 5000000, 0.05,
	       "tick p50");
	json_free(j);
	run_free(&r);
	assert_no_leftovers("-p");
}

Test(func, pid_that_exits_ends_the_trace)
{
	char *tick[] = { TG("ticker"), "5", "1", NULL };
	pid_t pid = spawn_bg(tick);
	char pidstr[16];
	struct run r;
	struct json_value *j;

	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	usleep(50000);
	run_cmd(&r, 30, (char *[]){ TT, "func", "tick", "-p", pidstr, "-d", "20s", "--format",
				    "json", NULL });
	kill_bg(pid);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_lt(r.seconds, 5, "ended with the process, not after -d");
	cr_assert(strstr(r.err, "exited"), "says the process exited: %s", r.err);
	j = run_json(&r);
	cr_assert_gt(calls(j, "tick"), 20);
	json_free(j);
	run_free(&r);
}

Test(func, intervals_as_ndjson_add_up)
{
	struct run r;
	uint64_t total = 0;
	int lines = 0;

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-i", "300ms", "--format", "ndjson",
				    "--", TG("count"), "2000", "1000000", NULL });
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		char err[128];
		struct json_value *j = json_parse(line, strlen(line), err, sizeof(err));

		cr_assert(j, "line %d is not JSON: %s", lines + 1, err);
		total += calls(j, "work");
		lines++;
		json_free(j);
	}
	cr_assert_geq(lines, 4, "2 s in 300 ms intervals: %d objects", lines);
	cr_assert_eq(total, 2000, "intervals add up to every call exactly");
	run_free(&r);
}

Test(func, slow_ncallsstream_as_events)
{
	struct run r;
	struct json_value *j;
	const struct json_value *ev;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "--slower-than", "100us",
				    "--format", "json", "--", TG("count"), "100", "200000", NULL });
	ev = json_get(j, "events");
	/* every event is a call at least as slow as the threshold, and every such call is one */
	{
		size_t nwork = 0;

		for (size_t i = 0; i < json_array_len(ev); i++) {
			const struct json_value *e = json_array_at(ev, i);
			const char *f = json_as_string(json_get(json_get(e, "labels"), "func"), NULL);

			nwork += f && !strcmp(f, "work");
			cr_assert_geq(json_u64_at(e, "duration_ns"), 100000, "event %zu", i);
			cr_assert_str_eq(json_as_string(json_get(e, "comm"), NULL), "count");
		}
		cr_assert_eq(nwork, 100, "every work call is an event");
	}
	cr_assert_eq(drop(j, "ringbuf"), 0);
	json_free(j);
	run_free(&r);

	/* text: one line per slow call, as it happens */
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--slower-than", "100us", "--",
				    TG("count"), "10", "200000", NULL });
	cr_assert_eq(r.status, 0);
	{
		int n = 0;

		for (char *p = r.out; (p = strstr(p, " work ")); p++)
			n++;
		cr_assert_eq(n, 10, "10 event lines:\n%s", r.out);
	}
	run_free(&r);
}

Test(func, sampling_scales)
{
	struct run r;
	struct json_value *j;
	uint64_t n;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "--sample", "10", "--format", "json",
				    "--", TG("count"), "5000", "10000", NULL });
	cr_assert_eq(json_u64_at(j, "sampling"), 10);
	n = calls(j, "work");
	cr_assert(n >= 380 && n <= 620, "1 in 10 of 5000 calls: %llu", (unsigned long long)n);
	cr_assert_eq(drop(j, "depth"), 0);
	json_free(j);
	run_free(&r);

	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "--sample", "10", "--",
				    TG("count"), "100", "10000", NULL });
	cr_assert(strstr(r.out, "Sampled 1 call in 10"), "text says so:\n%s", r.out);
	run_free(&r);
}

Test(func, output_file_is_written_whole)
{
	char dir[] = "/tmp/tt-out-XXXXXX", path[64], cmd[128];
	struct run r;
	FILE *f;
	char *buf;
	long len;
	struct json_value *j;
	char err[128];

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-o", path, "--", TG("count"), "50",
				    "10000", NULL });
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.out, "work"), "the text report is still printed");
	f = fopen(path, "r");
	cr_assert(f, "%s was written", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len + 1);
	cr_assert_eq(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	j = json_parse(buf, len, err, sizeof(err));
	cr_assert(j, "%s", err);
	cr_assert_eq(calls(j, "work"), 50);
	json_free(j);
	free(buf);
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) -eq 1", dir);
	cr_assert_eq(system(cmd), 0, "nothing but run.json in %s", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	run_free(&r);
}

Test(func, ctrl_c_prints_the_report_and_detaches)
{
	struct run r;

	run_cmd_signal(&r, 30, (char *[]){ TT, "func", "tick", "--", TG("ticker"), "5", NULL },
		       "Tracing", SIGINT);
	/* the command was interrupted: exit as a shell would report it */
	cr_assert_eq(r.status, 128 + SIGINT, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.out, "tick"), "report printed:\n%s", r.out);
	run_free(&r);
	assert_no_leftovers("SIGINT");

	run_cmd_signal(&r, 30, (char *[]){ TT, "func", "tick", "--", TG("ticker"), "5", NULL },
		       "Tracing", SIGTERM);
	cr_assert_eq(r.status, 128 + SIGTERM, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.out, "tick"), "report printed:\n%s", r.out);
	run_free(&r);
	assert_no_leftovers("SIGTERM");
}

/* The one child of pid (tailtrace is one thread), or 0. */
static pid_t child_of(pid_t pid)
{
	char path[64];
	int child = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (f && fscanf(f, "%d", &child) != 1)
		child = 0;
	if (f)
		fclose(f);
	return child;
}

/* pid runs, and is still the program named comm (not a zombie, not a pid used again). */
static bool runs_as(pid_t pid, const char *comm)
{
	char path[64], buf[256], name[32];
	char state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return sscanf(buf, "%*d (%31[^)]) %c", name, &state) == 2 && !strcmp(name, comm) &&
	       state != 'Z' && state != 'X';
}

/* tailtrace killed outright detaches everything (the kernel closes its fds), and the
 * command it started dies with it (PR_SET_PDEATHSIG) instead of running on untraced. */
Test(func, sigkill_leaves_nothing_attached_and_takes_the_command)
{
	struct bg b;
	struct run r;
	pid_t cmd;
	bool gone = false;

	bg_start(&b, (char *[]){ TT, "func", "tick", "-d", "60s", "--", TG("ticker"), "5", "60",
				 NULL });
	bg_wait_for(&b, "Tracing", 30);
	usleep(300000);
	cmd = child_of(b.pid);
	cr_assert(cmd > 0 && runs_as(cmd, "ticker"), "the traced command (pid %d) runs", cmd);
	kill(b.pid, SIGKILL);
	for (int i = 0; i < 100 && !gone; i++) {
		gone = !runs_as(cmd, "ticker");
		if (!gone)
			usleep(20000);
	}
	if (!gone)
		kill(cmd, SIGKILL);	/* so that it does not outlive the test */
	bg_finish(&b, 0, 30, &r);
	cr_assert_eq(r.status, 128 + SIGKILL, "%s", r.err);
	cr_assert(gone, "the traced command %d still ran 2 s after tailtrace was killed", cmd);
	run_free(&r);
	assert_no_leftovers("SIGKILL");
}

/* A flood of events for 10 s without -i: every call of a hot function is "slow" (~100k a
 * second here). The whole-run report keeps a bounded number of them and counts the rest as
 * dropped ("event_limit"), so tailtrace's memory stays bounded (it grew to ~300 MiB when
 * every event waited in memory for the end). Standard output is /dev/null; the saved run
 * says what was kept. The peak RSS is tailtrace's (wait4: its own, or its command's, which
 * is small). Not under ASan, whose shadow memory has a size of its own. */
Test(func, an_event_flood_keeps_memory_bounded_and_counts_what_it_drops)
{
	char dir[] = "/tmp/tt-flood-XXXXXX", path[64], cmd[8192], *text = NULL;
	const struct json_value *s;
	struct json_value *j;
	struct run r;
	uint64_t ncalls, kept, over;
	size_t len = 0;
	char err[128];
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	snprintf(cmd, sizeof(cmd), "exec %s func work --slower-than 1ns -d 10s --format json -o %s "
		 "-- %s 1 1000000000 0 >/dev/null", TT, path, TG("threads"));
	run_cmd(&r, 60, (char *[]){ "/bin/sh", "-c", cmd, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_lt(r.maxrss_kb, 60 * 1024, "peak RSS %ld KiB in a flood of events", r.maxrss_kb);
	f = fopen(path, "r");
	cr_assert(f, "%s", path);
	cr_assert_gt(getdelim(&text, &len, 0, f), 0);
	fclose(f);
	j = json_parse(text, strlen(text), err, sizeof(err));
	cr_assert(j, "%s", err);
	s = find_series(j, "func.latency", "func", "work");
	cr_assert(s);
	ncalls = json_u64_at(s, "count");
	kept = json_array_len(json_get(j, "events"));
	over = drop(j, "event_limit");
	cr_assert_gt(over, 0, "a flood past the bound of kept events (%llu calls, %llu kept)",
		     (unsigned long long)ncalls, (unsigned long long)kept);
	/* every call is an event: kept, or counted as not kept (calls that end after the last
	 * drain are in the histogram only) */
	cr_assert_geq(kept + over + drop(j, "ringbuf"), ncalls * 95 / 100,
		      "%llu calls, %llu events kept, %llu over the limit", (unsigned long long)ncalls,
		      (unsigned long long)kept, (unsigned long long)over);
	cr_assert_leq(kept + over + drop(j, "ringbuf"), ncalls);
	json_free(j);
	free(text);
	run_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(func, single_uprobes_where_uprobe_multi_is_missing)
{
	struct run r;
	struct json_value *j;

	setenv("TAILTRACE_NO_UPROBE_MULTI", "1", 1);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "other", "-v", "--format", "json", "--",
				    TG("count"), "200", "10000", NULL });
	unsetenv("TAILTRACE_NO_UPROBE_MULTI");
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "(uprobe)"), "attached with single uprobes: %s", r.err);
	j = run_json(&r);
	cr_assert_eq(calls(j, "work"), 200);
	cr_assert_eq(calls(j, "other"), 100);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("single uprobes");
}

static double verbose_ms(const char *err, const char *what)
{
	const char *p = strstr(err, what);
	const char *in = p ? strstr(p, " in ") : NULL;

	cr_assert(in, "no '%s ... in N ms' in:\n%s", what, err);
	return strtod(in + 4, NULL);
}

Test(func, a_thousand_functions)
{
	struct run r;
	struct json_value *j;
	const struct json_value *series;
	size_t nfunc = 0;

	run_cmd(&r, 60, (char *[]){ TT, "func", "f*", "--dry-run", "--", TG("many"), NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, ": 1000 functions"), "%s", r.out);
	run_free(&r);

	/* exactly as many as --max-functions allows */
	run_cmd(&r, 60, (char *[]){ TT, "func", "f*", "-v", "--max-functions", "1000", "--format",
				    "json", "--", TG("many"), "3", NULL });
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_assert_lt(verbose_ms(r.err, "attached"), 2000, "attach 1,000 functions in < 2 s");
	cr_assert_lt(verbose_ms(r.err, "detached"), 2000, "detach in < 2 s");
	j = run_json(&r);
	series = json_get(j, "series");
	for (size_t i = 0; i < json_array_len(series); i++) {
		const struct json_value *s = json_array_at(series, i);

		if (strcmp(json_as_string(json_get(s, "metric"), NULL), "func.latency"))
			continue;
		cr_assert_eq(json_u64_at(s, "count"), 3, "each function 3 times");
		nfunc++;
	}
	cr_assert_eq(nfunc, 1000);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("1,000 functions");
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One uprobe per function (kernels before 6.6) on many functions, ended by Ctrl-C. Each
 * single uprobe's release waits for the kernel: three RCU Tasks Trace grace periods on 6.18,
 * two of them under a global mutex, ~50 ms a link at best, one link at a time; 200 links
 * took 13.7 s released in line, ~11 s from a few threads. So the exit cannot be fast on
 * this path: it must be as fast as the kernel allows, say how long it will take rather than
 * look hung, and keep the counts exact and leave nothing attached. */
Test(func, single_uprobes_on_many_functions_end_promptly_and_say_so)
{
	struct bg b;
	struct run r;
	struct json_value *j;
	size_t nfunc = 0;
	double sigint_at, took;

	setenv("TAILTRACE_NO_UPROBE_MULTI", "1", 1);
	bg_start(&b, (char *[]){ TT, "func", "f0??", "--format", "json", "--", TG("many"), "3",
				 "wait", NULL });
	unsetenv("TAILTRACE_NO_UPROBE_MULTI");
	bg_wait_for(&b, "done", 60);
	sigint_at = mono_s();
	kill(b.pid, SIGINT);
	bg_finish(&b, 0, 120, &r);
	took = mono_s() - sigint_at;
	cr_assert_eq(r.status, 128 + SIGINT, "exit %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "Detaching 200 uprobes: about "), "says how long: %s", r.err);
	/* 100 ms a link: the kernel's pace with room for a loaded machine, not a hang */
	cr_assert_lt(took, 20, "from SIGINT to exit: %.1f s", took);
	j = run_json(&r);
	for (size_t i = 0; i < json_array_len(json_get(j, "series")); i++) {
		const struct json_value *s = json_array_at(json_get(j, "series"), i);

		if (strcmp(json_as_string(json_get(s, "metric"), NULL), "func.latency"))
			continue;
		cr_assert_eq(json_u64_at(s, "count"), 3, "each function 3 times");
		nfunc++;
	}
	cr_assert_eq(nfunc, 100);
	cr_log_info("single uprobes, 100 functions: %.1f s from SIGINT to exit", took);
	json_free(j);
	run_free(&r);
	assert_no_leftovers("single uprobes on many functions");
}

Test(func, probe_past_endbr64_keeps_counts_and_timing)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;
	double p50[2];

	for (int keep = 0; keep < 2; keep++) {
		if (keep)
			setenv("TAILTRACE_KEEP_ENDBR", "1", 1);
		run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-v", "--format", "json", "--",
					    TG("cet"), "300", "100000", NULL });
		unsetenv("TAILTRACE_KEEP_ENDBR");
		cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
		cr_assert_eq(strstr(r.err, "past endbr64") != NULL, !keep, "%s", r.err);
		j = run_json(&r);
		s = find_series(j, "func.latency", "func", "work");
		cr_assert(s);
		cr_assert_eq(json_u64_at(s, "count"), 300, "keep_endbr=%d", keep);
		p50[keep] = quantile(s, "p50");
		if (!keep)
			within(p50[keep], 100000, 0.05, "p50, probe past endbr64");
		json_free(j);
		run_free(&r);
	}
	/* On the endbr64, the single-step lands inside the timed window */
	cr_assert_gt(p50[1], p50[0], "probe on endbr64: p50 %.0f, past it: %.0f", p50[1], p50[0]);
}

Test(func, functions_the_kernel_cannot_probe_are_skipped_by_name)
{
	struct run r;
	struct json_value *j;

	j = run_json_ok(&r, (char *[]){ TT, "func", "probe_me", "locked", "stepped", "--format",
					"json", "--", TG("refused"), "10", NULL });
	cr_assert(strstr(r.err, "cannot probe locked") && strstr(r.err, "skipped"), "%s", r.err);
	cr_assert_eq(calls(j, "probe_me"), 10, "the others are traced all the same");
	cr_assert_eq(calls(j, "stepped"), 10);
	/* a single-stepped probe's time is in its numbers: they say so */
	cr_assert(find_series(j, "func.latency", "probe", "single-step") ==
			  find_series(j, "func.latency", "func", "stepped"),
		  "stepped is labelled probe=single-step");
	cr_assert(!json_get(json_get(find_series(j, "func.latency", "func", "probe_me"), "labels"),
			    "probe"),
		  "probe_me (push) is not");
	json_free(j);
	run_free(&r);

	run_cmd(&r, 30, (char *[]){ TT, "func", "locked", "--", TG("refused"), "10", NULL });
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "none of the functions matched can be probed"), "%s", r.err);
	run_free(&r);
	assert_no_leftovers("refused functions");
}

