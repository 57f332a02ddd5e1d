/* What every command shares through the run: consumers side by side, outputs by format,
 * a closed pipe, errors for programs. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define TT (char *)tt_bin()
#define TG(name) (char *)target(name)

static uint64_t count_of_work(const struct json_value *j)
{
	const struct json_value *s = find_series(j, "func.latency", "func", "work");

	cr_assert(s, "no series of work");
	return json_u64_at(s, "count");
}

/* -i with ndjson on standard output and -o in one run: each consumer has its own base, so
 * the intervals add up to the saved whole run, and every interval lists every function. */
Test(run, intervals_and_the_saved_run_side_by_side)
{
	char dir[] = "/tmp/tt-run-XXXXXX", path[64], *text = NULL;
	uint64_t sum = 0, whole, others = 0;
	int lines = 0;
	size_t len = 0;
	struct json_value *j;
	struct run r;
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "other", "-i", "100ms", "--format",
				    "ndjson", "-o", path, "--", TG("count"), "300", "2000000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
		char err[128];

		j = json_parse(line, strlen(line), err, sizeof(err));
		cr_assert(j, "line %d: %s", lines + 1, err);
		sum += count_of_work(j);
		others += find_series(j, "func.latency", "func", "other") != NULL;
		json_free(j);
		lines++;
	}
	cr_assert_geq(lines, 4, "~0.65 s in intervals of 100 ms");
	cr_assert_eq(others, (uint64_t)lines, "other is in every interval, called or not");
	f = fopen(path, "r");
	cr_assert(f);
	cr_assert_gt(getdelim(&text, &len, 0, f), 0);
	fclose(f);
	{
		char err[128];

		j = json_parse(text, strlen(text), err, sizeof(err));
		cr_assert(j, "%s", err);
	}
	whole = count_of_work(j);
	cr_assert_eq(whole, 300);
	cr_assert_eq(sum, whole, "the intervals add up to the whole run");
	json_free(j);
	free(text);
	run_free(&r);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_assert_eq(system(path), 0);
}

/* A function never called is listed, at zero, not left out. */
Test(run, functions_never_called_are_listed)
{
	struct run r;
	struct json_value *j;
	const struct json_value *s;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "other", "--format", "json", "--",
					TG("count"), "1", "1000", NULL });
	s = find_series(j, "func.latency", "func", "other");
	cr_assert(s, "other, never called (1 round):\n%s", r.out);
	cr_assert_eq(json_u64_at(s, "count"), 0);
	json_free(j);
	run_free(&r);
	run_cmd(&r, 60, (char *[]){ TT, "func", "other", "--", TG("count"), "1", "1000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "other") && strstr(r.out, "CALLS"), "a row at zero:\n%s", r.out);
	run_free(&r);
}

/* -o saves any format, chosen by the file's extension. */
Test(run, the_saved_run_takes_the_format_of_its_extension)
{
	char dir[] = "/tmp/tt-run-XXXXXX", cmd[256];
	struct run r;

	cr_assert(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/off.folded", dir);
	run_cmd(&r, 60, (char *[]){ TT, "sched", "--comm", "sleeper", "--offcpu-stacks", "-o", cmd,
				    "--", TG("sleeper"), "20", "5", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Host:"), "standard output has the text report:\n%s", r.out);
	run_free(&r);
	snprintf(cmd, sizeof(cmd), "grep -q '^sleeper;.*__schedule_\\[k\\] [0-9]*$' %s/off.folded",
		 dir);
	cr_assert_eq(system(cmd), 0, "folded lines in the file");
	snprintf(cmd, sizeof(cmd), "%s/run.txt", dir);
	run_cmd(&r, 60, (char *[]){ TT, "func", "work", "-o", cmd, "--format", "json", "--",
				    TG("count"), "5", "1000", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	snprintf(cmd, sizeof(cmd), "grep -q '^FUNC *CALLS' %s/run.txt", dir);
	cr_assert_eq(system(cmd), 0, "the text report in run.txt");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* `tailtrace ... | head` ends quietly when head has read enough. */
Test(run, a_closed_pipe_ends_quietly)
{
	char cmd[512];
	struct run r;

	snprintf(cmd, sizeof(cmd), "set -o pipefail; %s func work -i 20ms -- %s 1000 2000000 "
		 "| head -c 1; echo \" status ${PIPESTATUS[0]}\"", TT, TG("count"));
	run_cmd(&r, 60, (char *[]){ "/bin/bash", "-c", cmd, NULL });
	cr_assert(strstr(r.out, " status 0"), "exit 0: %s", r.out);
	cr_assert_null(strstr(r.err, "error"), "no error: %s", r.err);
	cr_assert_lt(r.seconds, 1.5, "ended when the pipe closed, not after the command's 2 s");
	run_free(&r);
	assert_no_leftovers("a closed pipe");
}

/* Under --format json, an error is one JSON object on stderr. */
Test(run, errors_are_json_under_a_json_format)
{
	struct run r;
	struct json_value *j;
	char err[128];

	run_cmd(&r, 30, (char *[]){ TT, "func", "nosuchfunction", "--format", "json", "--",
				    TG("count"), NULL });
	cr_assert_eq(r.status, 1);
	j = json_parse(r.err, strlen(r.err), err, sizeof(err));
	cr_assert(j, "stderr is one JSON object: %s (%s)", r.err, err);
	cr_assert(strstr(json_as_string(json_get(j, "error"), NULL), "not found"), "%s", r.err);
	json_free(j);
	run_free(&r);
	run_cmd(&r, 30, (char *[]){ TT, "sched", "--by", "nothing", "--format", "ndjson", NULL });
	cr_assert_eq(r.status, 2);
	j = json_parse(r.err, strlen(r.err), err, sizeof(err));
	cr_assert(j, "a usage error too: %s (%s)", r.err, err);
	cr_assert(json_get(j, "error") && json_get(j, "hint"), "one key for every error: %s",
		  r.err);
	json_free(j);
	run_free(&r);
}

/* -o - is the saved run in place of the report: standard output holds one document. */
Test(run, the_saved_run_on_stdout_is_the_only_document)
{
	struct run r;
	struct json_value *j;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "-o", "-", "--", TG("count"), "5",
					"1000", NULL });
	cr_assert_eq(count_of_work(j), 5);
	json_free(j);
	run_free(&r);
	run_cmd(&r, 30, (char *[]){ TT, "sched", "-i", "100ms", "-o", "-", "-d", "1", NULL });
	cr_assert_eq(r.status, 2, "-i and -o - both on stdout: %s", r.err);
	cr_assert(strstr(r.err, "-o -"), "%s", r.err);
	run_free(&r);
}

/* The end of a run freezes what it records: with -d stopping a command still running, the
 * slow calls streamed are exactly the calls counted. */
Test(run, events_and_counts_agree_at_the_end)
{
	struct run r;
	struct json_value *j;
	uint64_t calls, events, dropped;

	j = run_json_ok(&r, (char *[]){ TT, "func", "work", "--slower-than", "1ns", "-d", "1s",
					"--format", "json", "--", TG("count"), "200000", "20000",
					NULL });
	calls = count_of_work(j);
	events = json_array_len(json_get(j, "events"));
	dropped = json_u64_at(json_get(j, "drops"), "ringbuf");
	if (json_get(json_get(j, "drops"), "event_limit"))
		dropped += json_u64_at(json_get(j, "drops"), "event_limit");
	cr_assert_gt(calls, 1000, "the command was still running at -d");
	cr_assert_eq(events + dropped, calls, "%llu calls, %llu events, %llu dropped",
		     (unsigned long long)calls, (unsigned long long)events,
		     (unsigned long long)dropped);
	json_free(j);
	run_free(&r);
}

/* A final write that a stalled reader blocks can still be ended: Ctrl-C works, and the
 * kernel takes the probes away with the process. */
Test(run, a_stalled_reader_cannot_keep_tailtrace)
{
	char cmd[512];
	struct run r;

	snprintf(cmd, sizeof(cmd), "%s func 'f*' --format json -- %s 1 2>/dev/null | sleep 30 & "
		 "sleep 2; pkill -INT -f '^%s func f\\*'; sleep 1; "
		 "pgrep -f '^%s func f\\*' >/dev/null && echo still || echo gone; kill %%1",
		 TT, TG("many"), TT, TT);
	run_cmd(&r, 60, (char *[]){ "/bin/bash", "-c", cmd, NULL });
	cr_assert(strstr(r.out, "gone"), "SIGINT ended the blocked write: %s %s", r.out, r.err);
	run_free(&r);
	assert_no_leftovers("a stalled reader");
}

Test(run, record_options)
{
	struct bad_case cases[] = {
		{ { NULL, "record", NULL }, 2, "name at least one collector" },
		{ { NULL, "record", "--sched", "stray", NULL }, 2, "unexpected argument 'stray'" },
		{ { NULL, "record", "--sched-by", "nothing", NULL }, 2, "unknown --by key" },
		{ { NULL, "record", "--net", "--format", "folded", NULL }, 2, "no stacks to fold" },
		{ { NULL, "record", "--func", NULL }, 2, "needs a value" },
		{ { NULL, "sched", "-o", "/tmp/tt-nostacks.folded", NULL }, 2,
		  "add --offcpu-stacks" },
	};
	struct run r;

	expect_each(cases, sizeof(cases) / sizeof(cases[0]));
	run_cmd(&r, 30, (char *[]){ TT, "record", "--help", NULL });
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "--func PROBE") && strstr(r.out, "--func-slower-than DUR") &&
			  strstr(r.out, "--sched-by KEY") && strstr(r.out, "--net-remote ADDR"),
		  "each collector's options, prefixed:\n%s", r.out);
	run_free(&r);
}

/* The SigBlk and SigIgn lines of a command that prints its /proc/self/status. */
static void sig_state(const char *out, char *state, size_t len)
{
	const char *blk = strstr(out, "SigBlk:"), *ign = strstr(out, "SigIgn:");

	cr_assert(blk && ign, "no signal state in:\n%s", out);
	snprintf(state, len, "%.*s %.*s", (int)strcspn(blk, "\n"), blk, (int)strcspn(ign, "\n"),
		 ign);
}

/* The command starts with the signal state tailtrace was given, as if it had been started
 * without tailtrace, not with tailtrace's own (SIGPIPE ignored; SIGINT, SIGTERM and SIGHUP
 * blocked for the signalfd): first as a shell starts a command, then as nohup does with a
 * signal blocked too. */
Test(run, the_command_gets_the_signal_state_tailtrace_was_given)
{
	char *status[] = { "/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status", NULL };
	char direct[128], traced[128];
	struct run r;

	for (int given = 0; given < 2; given++) {
		if (given) {
			sigaddset(&run_sig_ignored, SIGHUP);
			sigaddset(&run_sig_blocked, SIGUSR1);
		}
		run_cmd(&r, 30, status);
		cr_assert_eq(r.status, 0, "%s", r.err);
		sig_state(r.out, direct, sizeof(direct));
		run_free(&r);
		run_cmd(&r, 60, (char *[]){ TT, "func", "libc:free", "--", status[0], status[1],
					    status[2], status[3], NULL });
		cr_assert_eq(r.status, 0, "%s", r.err);
		sig_state(r.out, traced, sizeof(traced));
		run_free(&r);
		cr_assert_str_eq(traced, direct, "%s: traced '%s', started directly '%s'",
				 given ? "SIGHUP ignored, SIGUSR1 blocked" : "a shell's start",
				 traced, direct);
	}
	sigemptyset(&run_sig_ignored);
	sigemptyset(&run_sig_blocked);

	/* SIGPIPE as a shell leaves it: yes ends quietly when head has read its line */
	run_cmd(&r, 60, (char *[]){ TT, "func", "libc:free", "--", "/bin/sh", "-c",
				    "yes | head -1", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strncmp(r.out, "y\n", 2), "head's line first:\n%s", r.out);
	cr_assert_null(strstr(r.err, "Broken pipe"), "yes was not killed by SIGPIPE: %s", r.err);
	run_free(&r);
}
