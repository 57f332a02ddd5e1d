// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The run every command shares. Collectors only produce cumulative snapshots and events;
 * here they are read on a timer, and every consumer takes what it needs: the interval
 * report its delta from its own base, the whole-run report and the -o file the cumulative
 * snapshot at the end, the events as they come (bounded, every one past a bound counted).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "core/clock.h"
#include "core/loop.h"
#include "core/msg.h"
#include "gates/slo.h"
#include "model/model.h"
#include "report/emitter.h"
#include "runtime/output_file.h"
#include "runtime/run.h"
#include "runtime/session.h"

/* After the run's end, the collectors' last drain (a backlog of stack copies to unwind) takes
 * at most this long, or ends at a second signal: then the reports are written. */
#define FINAL_DRAIN_NS 1000000000ull

struct instance {
	const struct collector *c;
	void *st;
	bool on;
	char **args;
	int nargs;
};

struct run {
	const char *name;		/* "func", "record" */
	/* every collector tailtrace has, on or not: to say where a metric comes from */
	const struct collector *const *all;
	size_t nall;
	struct common_opts o;
	struct instance *inst;
	size_t ninst;
	struct session sess;
	struct loop *loop;
	uint64_t start_mono, start_unix;
	char host[256], kernel[256];	/* for every snapshot's header */

	const struct emitter *out;	/* standard output */
	const struct emitter *file_fmt;	/* -o */
	struct output_file file;
	bool file_open;
	bool stdout_closed;
	int err;			/* the first error of a report */

	struct snapshot base;		/* the interval report's, after its first */
	bool have_base;
	struct event_sink sink;
	struct snapshot staging;	/* the event being filled in */
	struct snapshot interval_events, run_events;
	uint64_t interval_over, run_over;
	bool events_printed;

	struct slo_set slo;		/* --slo, --slo-file */
	bool slo_failed;		/* on the whole run */
};

static struct run *of_sink(struct event_sink *sink)
{
	return (struct run *)((char *)sink - offsetof(struct run, sink));
}

static uint64_t unix_of_mono(const struct run *r, uint64_t mono)
{
	return r->start_unix + (uint64_t)((int64_t)(mono - r->start_mono));
}

/* What the -o file's problem is, and what to do, in one line. */
static void say_output_problem(const struct run *r, int err)
{
	output_file_say_problem(&r->file, r->o.output, err);
}

/* Whether the whole run's events are kept: for a report that carries them. */
static bool keeps_run_events(const struct run *r)
{
	return r->file_open || (!r->out->event && !r->o.interval_ns);
}

/* A write to standard output failed: a closed pipe ends the run quietly. */
static void output_failed(struct run *r, int err)
{
	if (err == -EPIPE) {
		r->stdout_closed = true;
		if (r->sess.end == END_NONE)
			r->sess.end = END_OUTPUT;
		loop_stop(r->loop);
		return;
	}
	if (!r->err)
		msg_error("cannot write the report: %s", strerror(-err));
	r->err = r->err ? r->err : err;
	if (r->sess.end == END_NONE)
		r->sess.end = END_ERROR;
	loop_stop(r->loop);
}

/* A copy of e in dst while dst holds fewer than MAX_KEPT_EVENTS, else counted in *over. */
static int keep_event(struct snapshot *dst, const struct event *e, uint64_t *over)
{
	if (dst->nevents >= MAX_KEPT_EVENTS) {
		(*over)++;
		return 0;
	}
	return snapshot_copy_event(dst, e);
}

static struct event *sink_begin(struct event_sink *sink, const char *kind, uint64_t mono_ns,
				uint32_t pid, uint32_t tid, const char *comm,
				uint64_t duration_ns)
{
	struct run *r = of_sink(sink);
	struct event *e;

	if (snapshot_add_event(&r->staging, kind, unix_of_mono(r, mono_ns), pid, tid, comm,
			       duration_ns, &e))
		return NULL;
	return e;
}

/* The event in staging goes to every consumer that wants it: printed as it comes (text),
 * kept for the next interval report, kept for the whole run. */
static int sink_commit(struct event_sink *sink)
{
	struct run *r = of_sink(sink);
	const struct event *e = &r->staging.events[0];
	int err = 0;

	if (!r->staging.nevents)
		return 0;
	if (r->out->event && !r->stdout_closed) {
		r->out->event(stdout, e, !r->events_printed);
		r->events_printed = true;
		if (ferror(stdout))
			output_failed(r, errno == EPIPE ? -EPIPE : -EIO);
	}
	if (!r->out->event && r->o.interval_ns)
		err = keep_event(&r->interval_events, e, &r->interval_over);
	if (!err && keeps_run_events(r))
		err = keep_event(&r->run_events, e, &r->run_over);
	snapshot_clear_events(&r->staging);
	return err;
}

/* The cumulative snapshot of every collector, now. */
static int read_all(struct run *r, struct snapshot *s, bool stacks)
{
	int err;

	if (snapshot_init(s, r->name))
		return -ENOMEM;
	if (snapshot_set_origin(s, r->host, r->kernel)) {
		snapshot_free(s);
		return -ENOMEM;
	}
	s->start_unix_ns = r->start_unix;
	s->duration_ns = mono_now_ns() - r->start_mono;
	for (size_t i = 0; i < r->ninst; i++) {
		if (!r->inst[i].on)
			continue;
		err = r->inst[i].c->read(r->inst[i].st, s, stacks);
		if (err) {
			snapshot_free(s);
			return err;
		}
	}
	return 0;
}

static int write_stdout(struct run *r, const struct snapshot *s, bool interval, bool final)
{
	struct emit_opts eo = { .top = r->o.top, .interval = interval, .final = final };
	int err;

	if (r->stdout_closed)
		return 0;
	err = r->out->write(stdout, s, &eo);
	/* the stream knows the cause (ENOSPC, EPIPE) once it is flushed */
	errno = 0;
	if (fflush(stdout) || ferror(stdout) || err)
		err = errno ? -errno : err ? err : -EIO;
	if (err)
		output_failed(r, err);
	return err;
}

/* The objectives on interval d: each violation said on stderr as it happens. An interval
 * with nothing to measure (no samples, no series) is no violation: the end decides. */
static int interval_objectives(struct run *r, struct snapshot *d)
{
	struct slo_set some = { 0 };
	char when[32], line[768];
	time_t t = (time_t)((d->start_unix_ns + d->duration_ns) / 1000000000ull);
	struct tm tm;
	int err;

	some.v = malloc((r->slo.n + 1) * sizeof(*some.v));
	if (!some.v)
		return -ENOMEM;
	for (size_t i = 0; i < r->slo.n; i++)
		if (slo_per_interval(&r->slo.v[i]))
			some.v[some.n++] = r->slo.v[i];	/* borrowed, not freed */
	err = slo_evaluate(&some, d);
	free(some.v);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	for (size_t i = 0; !err && i < d->nchecks; i++)
		if (d->checks[i].have && !d->checks[i].passed)
			msg_warn("objective failed in the interval to %s: %s", when,
				 slo_check_text(&d->checks[i], line, sizeof(line)));
	snapshot_clear_checks(d);
	return err;
}

/* The interval report: what changed since its base; cur becomes the base. The last one
 * ends with the objectives of the whole run, already in cur. */
static void interval_report(struct run *r, struct snapshot *cur, bool final)
{
	struct snapshot d;

	if (snapshot_diff(&d, cur, r->have_base ? &r->base : NULL)) {
		output_failed(r, -ENOMEM);
		return;
	}
	if ((r->slo.n && interval_objectives(r, &d)) || (final && snapshot_copy_checks(&d, cur))) {
		snapshot_free(&d);
		output_failed(r, -ENOMEM);
		return;
	}
	if (!r->out->event) {
		snapshot_take_events(&d, &r->interval_events, SIZE_MAX, NULL);
		if (r->interval_over)
			snapshot_add_drop(&d, "event_limit", r->interval_over);
		r->interval_over = 0;
	}
	write_stdout(r, &d, true, final);
	snapshot_free(&d);
}

static void on_interval(void *data)
{
	struct run *r = data;
	struct snapshot cur;

	/* A tick on the deadline (-d a multiple of -i) is the end: the final report covers
	 * this interval, not an empty one after it. */
	if (r->o.duration_ns && mono_now_ns() - r->start_mono + r->o.interval_ns / 100 >=
	    r->o.duration_ns) {
		r->sess.end = END_DURATION;
		loop_stop(r->loop);
		return;
	}
	loop_flush(r->loop);
	if (read_all(r, &cur, false)) {
		output_failed(r, -ENOMEM);
		return;
	}
	interval_report(r, &cur, false);
	if (r->have_base)
		snapshot_free(&r->base);
	r->base = cur;
	r->have_base = true;
}

static int write_file(FILE *f, void *data)
{
	struct emit_opts eo = { .final = true };
	void **args = data;

	return ((const struct emitter *)args[0])->write(f, args[1], &eo);
}

/* The end: the last interval or the whole run on standard output, and the saved run. */
static void final_reports(struct run *r)
{
	struct snapshot cur;
	int err;

	if (read_all(r, &cur, true)) {
		output_failed(r, -ENOMEM);
		return;
	}
	if (r->slo.n && slo_evaluate(&r->slo, &cur)) {
		snapshot_free(&cur);
		output_failed(r, -ENOMEM);
		return;
	}
	r->slo_failed = snapshot_checks_failed(&cur);
	if (r->o.interval_ns)
		interval_report(r, &cur, true);
	snapshot_take_events(&cur, &r->run_events, SIZE_MAX, NULL);
	if (r->run_over)
		snapshot_add_drop(&cur, "event_limit", r->run_over);
	if (!r->o.interval_ns)
		write_stdout(r, &cur, false, true);
	if (r->file_open) {
		void *args[] = { (void *)r->file_fmt, &cur };

		r->file_open = false;
		err = output_file_commit(&r->file, write_file, args);
		if (err) {
			say_output_problem(r, err);
			r->err = r->err ? r->err : err;
		}
	}
	snapshot_free(&cur);
}

static void on_signal(void *data, int fd)
{
	struct run *r = data;

	(void)fd;
	session_read_signal(&r->sess);
	if (r->sess.end != END_NONE)
		loop_stop(r->loop);
}

static void on_target_exit(void *data, int fd)
{
	struct run *r = data;

	(void)fd;
	r->sess.end = END_TARGET;
	loop_stop(r->loop);
}

static void on_deadline(void *data)
{
	struct run *r = data;

	r->sess.end = END_DURATION;
	loop_stop(r->loop);
}

/* Checks the formats against the collectors. 0 or 2 (printed). */
static int check_formats(struct run *r)
{
	bool stacks = false, always = false;
	size_t can = 0;

	for (size_t i = 0; i < r->ninst; i++) {
		unsigned int fl = r->inst[i].on ? r->inst[i].c->flags : 0;

		stacks |= fl & COLLECTOR_STACKS;
		can += !!(fl & COLLECTOR_STACKS);
		always |= fl & COLLECTOR_ALWAYS_STACKS;
	}
	r->out = emitter_find(r->o.format);
	if (!r->out) {
		usage_error("unknown format '%s': use %s", r->o.format, emitter_names());
		return 2;
	}
	if (r->o.interval_ns && !r->out->streams) {
		usage_error("--format %s is one document for the whole run: with -i, use --format "
			    "ndjson (one object per interval)", r->out->name);
		return 2;
	}
	if (r->o.output)
		r->file_fmt = emitter_for_path(r->o.output);
	/* -o - is the saved run on standard output, in place of the report there: one
	 * document, not two */
	if (r->o.output && (!strcmp(r->o.output, "-") || !strcmp(r->o.output, "/dev/stdout"))) {
		if (r->o.interval_ns) {
			usage_error("-o %s writes the whole run to standard output, where -i writes "
				    "its intervals: save it to a file, or drop -i", r->o.output);
			return 2;
		}
		/* in the format asked for, if one was; JSON otherwise, as a saved run */
		if (!strcmp(r->out->name, "text"))
			r->out = r->file_fmt;
		r->o.format = r->out->name;
		r->o.output = NULL;
		r->file_fmt = NULL;
	}
	/* a compressed profile on a terminal is noise, and can be control sequences */
	if (r->out->binary && isatty(STDOUT_FILENO)) {
		usage_error("--format %s is binary: redirect standard output to a file, or save "
			    "it with -o FILE%s", r->out->name, r->out->ext);
		return 2;
	}
	r->o.stacks_wanted = r->out->stacks_only || (r->file_fmt && r->file_fmt->stacks_only);
	if (r->o.stacks_wanted && !stacks) {
		usage_error("%s has no stacks to fold or draw (%s output): use text, json or ndjson",
			    r->name, r->out->stacks_only ? r->out->name : r->file_fmt->name);
		return 2;
	}
	/* the one collector that could give them must (func needs --stacks); with profile
	 * in the run, or several that could, none is asked: record --func f --profile folds
	 * profile's stacks */
	if (always || can > 1)
		r->o.stacks_wanted = false;
	return 0;
}

static void say_tracing(struct run *r)
{
	char what[512] = "", one[256];
	size_t n = 0;

	for (size_t i = 0; i < r->ninst; i++) {
		if (!r->inst[i].on)
			continue;
		one[0] = 0;
		r->inst[i].c->describe(r->inst[i].st, one, sizeof(one));
		n += (size_t)snprintf(what + n, n < sizeof(what) ? sizeof(what) - n : 0, "%s%s",
				      n ? "; " : "", one);
	}
	session_say_tracing(&r->sess, what);
}

/* The collector that makes metric, or NULL. */
static const struct collector *maker_of(const struct run *r, const char *metric)
{
	for (size_t i = 0; i < r->nall; i++)
		for (const char *const *m = r->all[i]->metrics; m && *m; m++)
			if (!strcmp(*m, metric))
				return r->all[i];
	return NULL;
}

static bool collector_on(const struct run *r, const struct collector *c)
{
	for (size_t i = 0; i < r->ninst; i++)
		if (r->inst[i].c == c && r->inst[i].on)
			return true;
	return false;
}

/* --slo and --slo-file, parsed and their metrics checked against the collectors before
 * anything is attached. 0, 1 (a file) or 2 (an expression), printed. */
static int load_objectives(struct run *r)
{
	char err[512], known[1024];
	int ret;

	for (size_t i = 0; i < r->o.nslo; i++) {
		ret = slo_set_add(&r->slo, r->o.slo[i], err, sizeof(err));
		if (ret == -ENOMEM)
			return 1;
		if (ret) {
			usage_error("--slo '%s': %s", r->o.slo[i], err);
			return 2;
		}
	}
	for (size_t i = 0; i < r->o.nslo_files; i++) {
		ret = slo_set_load(&r->slo, r->o.slo_files[i], err, sizeof(err));
		if (ret == -ENOMEM)
			return 1;
		if (ret) {
			msg_error("--slo-file %s: fix the file, or give the objectives with --slo",
				  err);
			return 1;
		}
	}
	for (size_t i = 0; i < r->slo.n; i++) {
		const struct slo *o = &r->slo.v[i];
		const struct collector *c = maker_of(r, o->metric);
		size_t n = 0;

		if (c && collector_on(r, c))
			continue;
		if (c) {
			usage_error("objective '%s': %s is a metric of %s, which this run does not "
				    "use: run 'tailtrace record --%s ...' with every collector the "
				    "objectives check", o->text, o->metric, c->name, c->name);
			return 2;
		}
		known[0] = 0;
		for (size_t c = 0; c < r->ninst; c++)
			for (const char *const *m = r->inst[c].c->metrics; r->inst[c].on && m && *m;
			     m++)
				n += (size_t)snprintf(known + n, n < sizeof(known) ?
						      sizeof(known) - n : 0, "%s%s", n ? ", " : "",
						      *m);
		usage_error("objective '%s': unknown metric '%s': this run has %s", o->text,
			    o->metric, known);
		return 2;
	}
	return 0;
}

/* Everything after the options: the stages of every collector, the loop, the reports. */
static int run_main(struct run *r)
{
	struct run_target t;
	uint64_t stopped;
	int ret, err;

	msg_json = !strcmp(r->o.format, "json") || !strcmp(r->o.format, "ndjson");
	ret = check_formats(r);
	if (ret)
		return ret;
	ret = load_objectives(r);
	if (ret)
		return ret;
	if (session_check_target(&r->o))
		return 1;
	for (size_t i = 0; i < r->ninst; i++) {
		struct instance *in = &r->inst[i];

		if (!in->on)
			continue;
		ret = in->c->setup(in->st, &r->o, in->args, in->nargs);
		if (ret == SETUP_DONE)
			return 0;
		if (ret)
			return ret;
	}
	if (session_check_env())
		return 1;
	if (snapshot_init(&r->staging, r->name) || snapshot_init(&r->interval_events, r->name) ||
	    snapshot_init(&r->run_events, r->name))
		return 1;
	if (r->o.output) {
		err = output_file_open(&r->file, r->o.output);
		if (err) {
			say_output_problem(r, err);
			return 1;
		}
		r->file_open = true;
	}
	msg_setup_libbpf();
	if (session_open(&r->sess, &r->o))
		return 1;
	r->loop = loop_new();
	if (!r->loop || loop_add_fd(r->loop, r->sess.sigfd, on_signal, r) ||
	    (r->sess.pidfd >= 0 && loop_add_fd(r->loop, r->sess.pidfd, on_target_exit, r))) {
		msg_error("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	t = (struct run_target){ .pid = r->sess.pid, .command = r->o.command != NULL,
				 .exe = r->sess.exe[0] ? r->sess.exe : NULL };
	r->sink.begin = sink_begin;
	r->sink.commit = sink_commit;
	for (size_t i = 0; i < r->ninst; i++)
		if (r->inst[i].on && r->inst[i].c->attach(r->inst[i].st, &t, r->loop, &r->sink))
			return 1;
	/* The run starts when the command is let go: taken after, a command that outruns
	 * tailtrace (SCHED_FIFO, a loaded machine) could end before the clock started. */
	r->start_mono = mono_now_ns();
	r->start_unix = unix_now_ns();
	if (session_release(&r->sess))
		return 1;
	say_tracing(r);
	{
		struct utsname u;

		snprintf(r->kernel, sizeof(r->kernel), "%s", uname(&u) ? "" : u.release);
		if (gethostname(r->host, sizeof(r->host) - 1))
			r->host[0] = 0;
	}
	if ((r->o.interval_ns &&
	     loop_add_timer(r->loop, r->o.interval_ns, r->o.interval_ns, on_interval, r) < 0) ||
	    (r->o.duration_ns && loop_add_timer(r->loop, r->o.duration_ns, 0, on_deadline, r) < 0) ||
	    loop_run(r->loop)) {
		msg_error("event loop failed: %s", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < r->ninst; i++)
		if (r->inst[i].on && r->inst[i].c->stop)
			r->inst[i].c->stop(r->inst[i].st);
	stopped = mono_now_ns();
	loop_flush_final(r->loop, stopped + FINAL_DRAIN_NS, r->sess.sigfd);
	msg_verbose("stopped at +%.3f s; the last drain took %.3f s",
		    (double)(stopped - r->start_mono) / 1e9, (double)(mono_now_ns() - stopped) / 1e9);
	/* a second signal cut the drain short: read, so that it does not end the reports too */
	session_read_signal(&r->sess);
	if (r->sess.end == END_TARGET) {
		session_target_exited(&r->sess);
		if (!r->o.command)
			msg_info("Process %d exited.", r->o.pid);
	}
	session_unblock_signals(&r->sess);
	if (r->sess.end != END_ERROR)
		final_reports(r);
	if (r->err)
		return 1;
	/* the traced command's own failure comes first: it is what went wrong */
	ret = r->sess.end == END_OUTPUT ? 0 : session_exit_code(&r->sess);
	return !ret && r->slo_failed ? EXIT_REGRESSION : ret;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->ninst; i++) {
		if (r->inst[i].st && r->inst[i].c->free)
			r->inst[i].c->free(r->inst[i].st);
		free(r->inst[i].st);
		free(r->inst[i].args);
	}
	free(r->inst);
	if (r->file_open)
		output_file_abort(&r->file);
	loop_free(r->loop);
	session_close(&r->sess);
	if (r->have_base)
		snapshot_free(&r->base);
	snapshot_free(&r->staging);
	snapshot_free(&r->interval_events);
	snapshot_free(&r->run_events);
	slo_set_free(&r->slo);
	common_opts_free(&r->o);
}

static int new_instances(struct run *r, const struct collector *const *all, size_t n)
{
	session_init(&r->sess);
	r->inst = calloc(n, sizeof(*r->inst));
	if (!r->inst)
		return -ENOMEM;
	r->ninst = n;
	for (size_t i = 0; i < n; i++) {
		r->inst[i].c = all[i];
		r->inst[i].st = calloc(1, all[i]->size);
		if (!r->inst[i].st)
			return -ENOMEM;
		if (all[i]->init)
			all[i]->init(r->inst[i].st);
	}
	return 0;
}

/* The exit code that parsing the options ends with (--help: 0, a usage error: 2), or -1 to
 * go on. */
static int parse_exit(enum opts_result res)
{
	return res == OPTS_HELP ? 0 : res == OPTS_USAGE ? 2 : -1;
}

static int one_option(int key, const char *arg, void *data)
{
	struct instance *in = data;

	return in->c->option(in->st, key, arg);
}

int run_command(const struct collector *const *all, size_t n, const struct collector *c,
		int argc, char **argv)
{
	struct run r = { .name = c->name, .all = all, .nall = n };
	char synopsis[128];
	struct cmd_usage usage = { synopsis, c->doc };
	int ret = 1;

	snprintf(synopsis, sizeof(synopsis), "%s %s%s[options] [-- COMMAND [ARGS...]]", c->name,
		 c->args_name ? c->args_name : "", c->args_name ? "... " : "");
	if (new_instances(&r, &c, 1))
		goto out;
	r.inst[0].on = true;
	ret = parse_exit(common_opts_parse(argc, argv, c->options,
					   c->shortopts ? c->shortopts : "", one_option, &r.inst[0],
					   &usage, &r.o));
	if (ret >= 0)
		goto out;
	/* the positional arguments are the collector's */
	r.inst[0].args = calloc((size_t)r.o.nargs + 1, sizeof(char *));
	if (!r.inst[0].args) {
		ret = 1;
		goto out;
	}
	memcpy(r.inst[0].args, r.o.args, (size_t)r.o.nargs * sizeof(char *));
	r.inst[0].nargs = r.o.nargs;
	ret = run_main(&r);
out:
	run_free(&r);
	return ret;
}

struct record_parse {
	struct run *r;
};

static int record_option(int key, const char *arg, void *data)
{
	struct run *r = ((struct record_parse *)data)->r;
	struct instance *in;
	size_t i;
	int own;

	if (record_option_decode(key, r->ninst, &i, &own))
		return -EINVAL;
	in = &r->inst[i];
	in->on = true;	/* an option of a collector asks for it */
	if (own)
		return in->c->option(in->st, own, arg);
	if (arg) {
		char **v = realloc(in->args, ((size_t)in->nargs + 2) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		in->args = v;
		in->args[in->nargs++] = (char *)arg;
		in->args[in->nargs] = NULL;
	}
	return 0;
}

int run_record(const struct collector *const *all, size_t n, int argc, char **argv)
{
	struct run r = { .name = "record", .all = all, .nall = n };
	struct record_parse rp = { &r };
	struct option longopts[48];
	char names[48][RECORD_NAME_MAX], doc[8192], synopsis[160];
	struct cmd_usage usage = { synopsis, doc };
	size_t dn = 0, sn = 0;
	bool any = false;
	int ret = 1;

	if (new_instances(&r, all, n))
		goto out;
	sn += (size_t)snprintf(synopsis, sizeof(synopsis), "record");
	dn += (size_t)snprintf(doc, sizeof(doc),
			       "Several collectors over one target, in one run: one report, one JSON\n"
			       "document with every collector's series, one exit status. Each\n"
			       "collector's own options are written with its name in front, and\n"
			       "turn it on (--sched-by tid is --sched --sched-by tid). sched and net\n"
			       "follow a command into its children; func times the command's own\n"
			       "process only: for a server that forks workers, name the binary\n"
			       "(--func /usr/sbin/nginx:'ngx_*') and leave out -p and the command.\n\n"
			       "Collectors and their options:\n");
	record_options(all, n, longopts, 47, names);
	for (size_t i = 0; i < n; i++) {
		const struct collector *c = all[i];

		sn += (size_t)snprintf(synopsis + sn, sizeof(synopsis) - sn, " [--%s%s%s]%s",
				       c->name, c->args_name ? " " : "",
				       c->args_name ? c->args_name : "", c->args_name ? "..." : "");
		record_doc(c, doc + dn, sizeof(doc) - dn);
		dn = strlen(doc);
	}
	snprintf(synopsis + sn, sizeof(synopsis) - sn, " [options] [-- COMMAND [ARGS...]]");
	snprintf(doc + dn, sizeof(doc) - dn,
		 "\nExamples:\n"
		 "  tailtrace record --func 'handle_*' --sched --net -- ./server\n"
		 "  tailtrace record --func libc:malloc --sched --sched-by tid -p 1234 -d 10s\n"
		 "  tailtrace record --sched --net -i 1s --format ndjson -o run.json -d 1m\n");
	ret = parse_exit(common_opts_parse(argc, argv, longopts, "", record_option, &rp, &usage,
					   &r.o));
	if (ret >= 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		any |= r.inst[i].on;
	if (r.o.nargs) {
		usage_error("unexpected argument '%s': a collector's arguments follow its option "
			    "(--func PROBE), a command to run goes after '--'", r.o.args[0]);
		ret = 2;
		goto out;
	}
	if (!any) {
		usage_error("name at least one collector: --func PROBE, --sched, --net");
		ret = 2;
		goto out;
	}
	ret = run_main(&r);
out:
	run_free(&r);
	return ret;
}
