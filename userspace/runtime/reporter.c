// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "core/msg.h"
#include "report/folded.h"
#include "report/json.h"
#include "runtime/reporter.h"
#include "runtime/session.h"

/* Events kept for a whole-run JSON report; more are counted as dropped ("event_limit"). */
#define MAX_KEPT_EVENTS 100000

/* What the -o file's problem is, and what to do, in one line. */
static void say_output_problem(const struct reporter *r, int err)
{
	const struct output_file *of = &r->out;
	const char *path = r->c->output;
	mode_t m = of->refused_mode;
	char via[PATH_MAX + 8] = "";

	switch (of->refusal) {
	case OUTPUT_FOREIGN_LINK:
		/* the link may be one on the way to path */
		if (strcmp(path, of->refused_link))
			snprintf(via, sizeof(via), ": '%s'", of->refused_link);
		msg_error("-o '%s'%s is a symlink of uid %u in a sticky world-writable directory "
			  "of another owner, which tailtrace does not follow (the "
			  "fs.protected_symlinks rule): give -o the file's real path, or remove "
			  "the link", path, via, (unsigned)of->refused_owner);
		break;
	case OUTPUT_FOREIGN_FILE:
		msg_error("-o '%s' is a file of uid %u in a sticky world-writable directory of "
			  "another owner, which tailtrace does not replace (the "
			  "fs.protected_regular rule): remove it, or choose another path for -o",
			  path, (unsigned)of->refused_owner);
		break;
	case OUTPUT_NO_READER:
		msg_error("-o '%s' is a FIFO that no process reads: start its reader first, or "
			  "give -o a file", path);
		break;
	case OUTPUT_NOT_WRITABLE:
		msg_error("-o '%s' is %s: give -o a file, a FIFO, a terminal or '-'", path,
			  S_ISSOCK(m) ? "a socket" : S_ISBLK(m) ? "a block device" :
			  S_ISREG(m) ? "a file open in a process (through /proc)" : "not a file");
		break;
	case OUTPUT_OK:
		msg_error("cannot write '%s': %s: choose a writable path for -o", path,
			  strerror(-err));
		break;
	}
}

int reporter_init(struct reporter *r)
{
	int err;

	if (snapshot_init(&r->pending, r->command) || snapshot_init(&r->run_events, r->command)) {
		msg_error("out of memory");
		return 1;
	}
	if (!r->c->output)
		return 0;
	err = output_file_open(&r->out, r->c->output);
	if (err) {
		say_output_problem(r, err);
		return 1;
	}
	r->out_open = true;
	return 0;
}

struct event *reporter_new_event(struct reporter *r, const char *kind, uint64_t mono_ns,
				 uint32_t pid, uint32_t tid, const char *comm,
				 uint64_t duration_ns)
{
	struct event *e;

	if (snapshot_add_event(&r->pending, kind, session_unix_ns(r->sess, mono_ns), pid, tid,
			       comm, duration_ns, &e))
		return NULL;
	return e;
}

void reporter_event_seen(struct reporter *r, const struct event *e)
{
	if (r->c->format != FORMAT_TEXT)
		return;
	report_text_event(stdout, e, !r->event_header_done);
	r->event_header_done = true;
}

/* An empty snapshot with the header of [from_ns, now), CLOCK_MONOTONIC. */
static int snapshot_start(struct reporter *r, struct snapshot *s, uint64_t from_ns,
			  uint64_t now)
{
	struct utsname u;
	char host[256] = "";

	if (snapshot_init(s, r->command))
		return -ENOMEM;
	if (!uname(&u)) {
		free(s->kernel);
		s->kernel = strdup(u.release);
	}
	if (!gethostname(host, sizeof(host) - 1)) {
		free(s->host);
		s->host = strdup(host);
	}
	if (!s->kernel || !s->host) {
		snapshot_free(s);
		return -ENOMEM;
	}
	s->start_unix_ns = session_unix_ns(r->sess, from_ns);
	s->duration_ns = now - from_ns;
	s->sampling = r->sampling ? r->sampling : 1;
	return 0;
}

static int build(struct reporter *r, struct snapshot *s, bool delta)
{
	uint64_t now = mono_now_ns();
	uint64_t from = delta && r->prev_tick_ns ? r->prev_tick_ns : r->sess->start_mono_ns;
	int err = snapshot_start(r, s, from, now);

	if (!err)
		err = r->build(r->ctx, s, delta);
	if (err)
		snapshot_free(s);
	else if (delta)
		r->prev_tick_ns = now;
	return err;
}

static int emit(struct reporter *r, struct snapshot *s, bool final)
{
	int err = 0;

	switch (r->c->format) {
	case FORMAT_TEXT:
		if (r->c->interval_ns) {
			char when[32];
			time_t t = time(NULL);
			struct tm tm;

			localtime_r(&t, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
			printf("\n--- %s (%s) ---\n", when, final ? "last interval" : "interval");
		} else {
			printf("\n");
		}
		if (r->text_header)
			r->text_header(r->ctx, stdout, s);
		err = report_text_write(stdout, s, &r->text) ? -EIO : 0;
		break;
	case FORMAT_JSON:
		if (!final)
			return 0;
		err = report_json_write(stdout, s, true);
		break;
	case FORMAT_NDJSON:
		if (!r->c->interval_ns && !final)
			return 0;
		err = report_json_write(stdout, s, false);
		break;
	case FORMAT_FOLDED:
		if (!final)
			return 0;
		err = report_folded_write(stdout, s);
		break;
	}
	if (!err && fflush(stdout))
		err = -errno;
	if (err)
		msg_error("cannot write the report: %s", strerror(-err));
	return err;
}

static int write_saved(FILE *f, void *data)
{
	return report_json_write(f, data, true);
}

static bool keeps_events(const struct reporter *r)
{
	return r->out_open || (r->c->format != FORMAT_TEXT && !r->c->interval_ns);
}

int reporter_tick(void *data, bool final)
{
	struct reporter *r = data;
	struct snapshot s;
	int err;

	/* With -i every report is an interval; otherwise one report of the whole run. */
	if (r->c->interval_ns) {
		err = build(r, &s, true);
		if (err)
			return err;
		if (r->c->format != FORMAT_TEXT)
			err = snapshot_take_events(&s, &r->pending, SIZE_MAX, NULL);
		if (!err)
			err = emit(r, &s, final);
		snapshot_free(&s);
		if (err)
			return err;
	}
	/* Events seen since the last report stay for a whole-run JSON report, if one comes:
	 * text has printed them already, -i reports have carried them. */
	err = snapshot_take_events(&r->run_events, &r->pending,
				   keeps_events(r) ? MAX_KEPT_EVENTS : 0,
				   keeps_events(r) ? &r->events_over_limit : NULL);
	if (err || !final || (r->c->interval_ns && !r->out_open))
		return err;

	err = build(r, &s, false);
	if (err)
		return err;
	err = snapshot_take_events(&s, &r->run_events, SIZE_MAX, NULL);
	if (!err && r->events_over_limit)
		err = snapshot_add_drop(&s, "event_limit", r->events_over_limit);
	if (!err && !r->c->interval_ns)
		err = emit(r, &s, true);
	if (!err && r->out_open) {
		r->out_open = false;
		err = output_file_commit(&r->out, write_saved, &s);
		if (err)
			say_output_problem(r, err);
	}
	snapshot_free(&s);
	return err;
}

void reporter_free(struct reporter *r)
{
	if (r->out_open)
		output_file_abort(&r->out);
	r->out_open = false;
	snapshot_free(&r->pending);
	snapshot_free(&r->run_events);
}
