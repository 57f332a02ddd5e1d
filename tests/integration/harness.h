/* Integration harness: runs the real tailtrace binary on the real kernel. */
#ifndef TT_HARNESS_H
#define TT_HARNESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "json/json_parse.h"

struct run {
	int status;		/* exit code, or 128 + signal */
	char *out, *err;	/* everything printed */
	double seconds;
	long maxrss_kb;		/* peak RSS of the command and of what it waited for */
};

/* Nonzero: the uid the next run_cmd drops to, with no supplementary group (the not-root
 * case). */
extern uid_t run_as_uid;
/* What a command is started with: every disposition default but the ignored ones, and the
 * blocked mask (both empty unless a test sets them, as a shell would give). */
extern sigset_t run_sig_ignored, run_sig_blocked;
/* Runs argv (NULL-terminated) with a time limit, capturing stdout and stderr. */
void run_cmd(struct run *r, int timeout_s, char *const argv[]);
/* Like run_cmd, but sends sig to the command 0.3 s after its stderr shows `ready`. */
void run_cmd_signal(struct run *r, int timeout_s, char *const argv[], const char *ready,
		    int sig);
void run_free(struct run *r);

/* A command in the background: started, waited on until its stderr shows text, then ended
 * with a signal (0: none, it ends by itself) and collected into a struct run. */
struct bg {
	pid_t pid;
	int fd[2];
	const char *name;
	struct run r;
	size_t olen, elen;
	double start;
};
void bg_start(struct bg *b, char *const argv[]);
void bg_wait_for(struct bg *b, const char *text, int timeout_s);
void bg_finish(struct bg *b, int sig, int timeout_s, struct run *r);

/* $TAILTRACE and $TARGETS/name, set by `make integration`. */
const char *tt_bin(void);
const char *target(const char *name);

/* Parses r->out as JSON; fails the test with the output when it is not. */
struct json_value *run_json(const struct run *r);
/* run_cmd (60 s), then asserts exit 0 and returns stdout parsed as JSON. */
struct json_value *run_json_ok(struct run *r, char *const argv[]);
/* The series of metric whose label key has value (key NULL: the first of metric). */
const struct json_value *find_series(const struct json_value *root, const char *metric,
				     const char *key, const char *value);
uint64_t json_u64_at(const struct json_value *obj, const char *key);
double quantile(const struct json_value *series, const char *q);

/* Our BPF objects in the kernel (programs named tt_*, links to them, their maps and maps
 * named as our skeletons' are) that are held by no process, or only by processes this test
 * started that are not meant to run any more (bg_start until bg_finish is): what a run
 * that ended left behind (pinned, held by the traced command or a tailtrace that lingers).
 * Other runs of tailtrace on the machine are not this test's to judge. */
int bpf_leftovers(void);
/* Fails the test, naming them, when such objects stay for a second. */
void assert_no_leftovers(const char *after);

/* r's stderr is one error line (tailtrace ...: error: ...) that says message, and below it
 * nothing but a usage error's "Try 'tailtrace ...--help'" or hints indented by two spaces;
 * or, under a JSON format, one JSON object on one line. */
void assert_one_clear_line(const struct run *r, const char *message);
/* A usage or runtime error: tailtrace with argv[1..] (argv[0] is filled in) must exit with
 * status and say message on stderr, and leave nothing attached. */
struct bad_case {
	char *argv[10];
	int status;
	const char *message;
};
void expect_each(struct bad_case *cases, size_t n);

/*
 * A FUSE mount that stops answering (tests/targets/fuse_stall), in a folder of its own: file
 * (the file served, from the targets) is reached as t->file. fuse_trap_mount skips the test
 * when the kernel has no FUSE. fuse_trap_profile stalls the mount, runs tailtrace profile
 * -p on app (started from the mount, ready) for 2 s into *r, then ends app and the daemon
 * (the daemon first: a process faulting on the mount waits for it, even killed) and
 * removes the mount and its folder.
 */
struct fuse_trap {
	char dir[32], mnt[64], file[128];
	struct bg fuse;
};
void fuse_trap_mount(struct fuse_trap *t, const char *serve, const char *name);
void fuse_trap_profile(struct fuse_trap *t, struct bg *app, struct run *r);

/* Starts a command in the background (not meant to hold any BPF object); returns its pid. */
pid_t spawn_bg(char *const argv[]);
void kill_bg(pid_t pid);

#endif
