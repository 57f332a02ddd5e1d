// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <bpf/libbpf.h>
#include "core/array.h"
#include "core/clock.h"
#include "core/msg.h"
#include "uprobe/attach.h"

/* Releasing a uprobe waits for the kernel. A single uprobe's link (a perf event) waits for
 * three RCU Tasks Trace grace periods on 6.18 (~25 ms each): one as its program is detached,
 * two as the uprobe is unregistered, under the kernel's global event_mutex, which allows one
 * at a time. Released from a few threads, the first overlaps the others: 52 ms a link
 * instead of 77 (measured with 2 to 64 threads alike). Nothing in userspace batches the two
 * under the mutex; only uprobe_multi does (one wait per link of any size). */
#define RELEASE_THREADS		4
/* Fewer links are released in line: threads would not pay for themselves. */
#define RELEASE_IN_LINE		8
/* A release still going this long is timed, and said if it has long to go. */
#define RELEASE_NOTICE_NS	1000000000ull

/* 524 is the kernel's own ENOTSUPP, which strerror does not know. */
static const char *probe_error(int err)
{
	return err == -524 ? "the kernel cannot probe its first instruction" : strerror(-err);
}

static const char *probe_path(const struct uprobe_fn *f)
{
	return f->probe_path ? f->probe_path : f->binary;
}

static int add_link(struct uprobe_set *u, struct bpf_link *link)
{
	if (array_grow((void **)&u->links, u->nlinks, &u->cap, sizeof(*u->links))) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	u->links[u->nlinks++] = link;
	return 0;
}

static void destroy_from(struct uprobe_set *u, size_t from)
{
	while (u->nlinks > from)
		bpf_link__destroy(u->links[--u->nlinks]);
}

/* One uprobe_multi link for the functions idx[0..n) of one binary. */
static int attach_multi(struct uprobe_set *u, const struct uprobe_progs *p, pid_t pid,
			const struct uprobe_fn *fns, const size_t *idx, size_t n, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .retprobe = retprobe);
	unsigned long *offsets = calloc(n, sizeof(*offsets));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	struct bpf_link *link;
	int err = -ENOMEM;

	if (!offsets || !cookies)
		goto out;
	for (size_t k = 0; k < n; k++) {
		offsets[k] = fns[idx[k]].offset;
		cookies[k] = idx[k];
	}
	opts.offsets = offsets;
	opts.cookies = cookies;
	opts.cnt = n;
	link = bpf_program__attach_uprobe_multi(retprobe ? p->ret : p->entry, pid,
						probe_path(&fns[idx[0]]), NULL, &opts);
	err = link ? add_link(u, link) : -errno;
out:
	free(offsets);
	free(cookies);
	return err;
}

static int attach_pair(struct uprobe_set *u, const struct uprobe_progs *p, pid_t pid,
		       const struct uprobe_fn *fns, const size_t *idx, size_t n)
{
	size_t before = u->nlinks;
	int err = attach_multi(u, p, pid, fns, idx, n, false);

	if (!err)
		err = attach_multi(u, p, pid, fns, idx, n, true);
	if (err)
		destroy_from(u, before);
	return err;
}

/* A uprobe_multi link is all or nothing: a refused set is split in halves until the refused
 * functions stand alone; they are skipped, named in a warning. */
static int attach_bisect(struct uprobe_set *u, const struct uprobe_progs *p, pid_t pid,
			 const struct uprobe_fn *fns, const size_t *idx, size_t n)
{
	int err = attach_pair(u, p, pid, fns, idx, n);

	if (!err || err == -ENOMEM || err == -EMFILE)
		return err;
	if (n == 1) {
		msg_warn("cannot probe %s in %s (%s): skipped", fns[idx[0]].name, fns[idx[0]].binary,
			 probe_error(err));
		u->skipped++;
		return 0;
	}
	err = attach_bisect(u, p, pid, fns, idx, n / 2);
	return err ? err : attach_bisect(u, p, pid, fns, idx + n / 2, n - n / 2);
}

static int attach_one(struct uprobe_set *u, const struct uprobe_progs *p, pid_t pid,
		      const struct uprobe_fn *f, size_t i, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .bpf_cookie = i);
	struct bpf_link *link;

	link = bpf_program__attach_uprobe_opts(retprobe ? p->ret : p->entry, pid, probe_path(f),
					       f->offset, &opts);
	return link ? add_link(u, link) : -errno;
}

static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static int attach_singles(struct uprobe_set *u, const struct uprobe_progs *p, pid_t pid,
			  const struct uprobe_fn *fns, size_t n)
{
	raise_nofile();
	for (size_t i = 0; i < n; i++) {
		size_t before = u->nlinks;
		int err = attach_one(u, p, pid, &fns[i], i, false);

		if (!err)
			err = attach_one(u, p, pid, &fns[i], i, true);
		if (err == -EMFILE || err == -ENOMEM) {
			msg_error("cannot attach a uprobe to %s in %s: %s%s", fns[i].name,
				  fns[i].binary, strerror(-err),
				  err == -EMFILE ? " (too many open files: trace fewer functions)" : "");
			return err;
		}
		if (err) {
			destroy_from(u, before);
			msg_warn("cannot probe %s in %s (%s): skipped", fns[i].name, fns[i].binary,
				 probe_error(err));
			u->skipped++;
		}
	}
	return 0;
}

int uprobe_attach(struct uprobe_set *u, const struct uprobe_progs *p, pid_t pid,
		  const struct uprobe_fn *fns, size_t n)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	int err = 0;

	if (!idx || !done) {
		err = -ENOMEM;
		goto out;
	}
	if (!p->multi) {
		err = attach_singles(u, p, pid, fns, n);
		goto out;
	}
	/* binary by binary, in the order they come */
	for (size_t first = 0; first < n && !err; first++) {
		size_t m = 0;

		if (done[first])
			continue;
		for (size_t i = first; i < n; i++) {
			if (fns[i].binary == fns[first].binary) {
				idx[m++] = i;
				done[i] = true;
			}
		}
		err = attach_pair(u, p, pid, fns, idx, m);
		/* Refused even for one function: this kernel has no uprobe_multi (< 6.6). */
		if (err && u->nlinks == 0 && (err == -EOPNOTSUPP || err == -ENOSYS ||
					      err == -EINVAL) &&
		    attach_pair(u, p, pid, fns, idx, 1) == err) {
			msg_verbose("uprobe_multi refused (%s): one uprobe per function",
				    strerror(-err));
			err = -EOPNOTSUPP;
			goto out;
		}
		if (err && err != -ENOMEM && err != -EMFILE)
			err = attach_bisect(u, p, pid, fns, idx, m);
		if (err)
			msg_error("cannot attach uprobes to %s: %s", fns[first].binary,
				  strerror(-err));
	}
out:
	free(idx);
	free(done);
	return err;
}

struct release {
	struct bpf_link **links;
	size_t n;
	atomic_size_t next, done;
};

static void *release_links(void *arg)
{
	struct release *r = arg;
	size_t i;

	while ((i = atomic_fetch_add(&r->next, 1)) < r->n) {
		bpf_link__destroy(r->links[i]);
		atomic_fetch_add(&r->done, 1);
	}
	return NULL;
}

/* After a second of releasing, says how long the rest will take when that is long: the
 * report is out, and an exit that takes a minute must not look like a hang. */
static void say_release_time(struct release *r, uint64_t t0)
{
	const struct timespec tick = { 0, 10000000 };
	double elapsed, left;
	size_t done;

	while ((done = atomic_load(&r->done)) < r->n && mono_now_ns() - t0 < RELEASE_NOTICE_NS)
		nanosleep(&tick, NULL);
	if (done >= r->n || !done)
		return;
	elapsed = (double)(mono_now_ns() - t0) / 1e9;
	left = elapsed * (double)(r->n - done) / (double)done;
	if (left > 2)
		msg_info("Detaching %zu uprobes: about %.0f s more (the kernel releases them one "
			 "at a time).", r->n, left);
}

void uprobe_detach(struct uprobe_set *u)
{
	struct release r = { .links = u->links, .n = u->nlinks };
	pthread_t threads[RELEASE_THREADS];
	uint64_t t0 = mono_now_ns();
	size_t nthreads = 0;

	if (u->nlinks > RELEASE_IN_LINE) {
		while (nthreads < RELEASE_THREADS &&
		       !pthread_create(&threads[nthreads], NULL, release_links, &r))
			nthreads++;
		if (nthreads)
			say_release_time(&r, t0);
		for (size_t i = 0; i < nthreads; i++)
			pthread_join(threads[i], NULL);
	}
	/* the rest, or all of them if no thread could start */
	release_links(&r);
	free(u->links);
	u->links = NULL;
	u->nlinks = u->cap = 0;
}
