// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <poll.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "core/clock.h"
#include "core/loop.h"

struct watch {
	int fd;
	bool timer;		/* fd is ours: a timerfd */
	bool periodic;		/* run again by loop_flush */
	void (*on_fd)(void *ctx, int fd);
	void (*on_timer)(void *ctx);
	void *ctx;
};

struct loop {
	int epfd;
	bool stop;
	struct watch **w;
	size_t nw;
	/* loop_flush_final */
	bool final, expired;
	uint64_t final_end_ns;
	int cancel_fd;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nw; i++) {
		if (l->w[i]->timer)
			close(l->w[i]->fd);
		free(l->w[i]);
	}
	free(l->w);
	close(l->epfd);
	free(l);
}

static int add(struct loop *l, struct watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	struct watch **v = realloc(l->w, (l->nw + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->w = v;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev))
		return -errno;
	l->w[l->nw++] = w;
	return 0;
}

int loop_add_fd(struct loop *l, int fd, void (*fn)(void *ctx, int fd), void *ctx)
{
	struct watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	*w = (struct watch){ .fd = fd, .on_fd = fn, .ctx = ctx };
	err = add(l, w);
	if (err)
		free(w);
	return err;
}

static int timer(struct loop *l, uint64_t first_ns, uint64_t period_ns, void (*fn)(void *ctx),
		 void *ctx, bool periodic)
{
	struct itimerspec its = {
		.it_value = { first_ns / 1000000000ull, first_ns % 1000000000ull },
		.it_interval = { period_ns / 1000000000ull, period_ns % 1000000000ull },
	};
	struct watch *w = calloc(1, sizeof(*w));
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK), err;

	if (!w || fd < 0) {
		err = w ? -errno : -ENOMEM;
		goto fail;
	}
	if (timerfd_settime(fd, 0, &its, NULL)) {
		err = -errno;
		goto fail;
	}
	*w = (struct watch){ .fd = fd, .timer = true, .periodic = periodic, .on_timer = fn,
			     .ctx = ctx };
	err = add(l, w);
	if (!err)
		return fd;
fail:
	if (fd >= 0)
		close(fd);
	free(w);
	return err;
}

int loop_add_timer(struct loop *l, uint64_t first_ns, uint64_t period_ns,
		   void (*fn)(void *ctx), void *ctx)
{
	return timer(l, first_ns ? first_ns : 1, period_ns, fn, ctx, false);
}

int loop_add_periodic(struct loop *l, uint64_t period_ns, void (*fn)(void *ctx), void *ctx)
{
	int fd = timer(l, period_ns, period_ns, fn, ctx, true);

	return fd < 0 ? fd : 0;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];

	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct watch *w = evs[i].data.ptr;

			if (w->timer) {
				uint64_t expirations;

				if (read(w->fd, &expirations, sizeof(expirations)) < 0)
					continue;	/* EAGAIN: already read */
				w->on_timer(w->ctx);
			} else {
				w->on_fd(w->ctx, w->fd);
			}
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

void loop_flush(struct loop *l)
{
	for (size_t i = 0; i < l->nw; i++)
		if (l->w[i]->periodic)
			l->w[i]->on_timer(l->w[i]->ctx);
}

void loop_flush_final(struct loop *l, uint64_t deadline_ns, int cancel_fd)
{
	l->final = true;
	l->expired = false;
	l->final_end_ns = deadline_ns;
	l->cancel_fd = cancel_fd;
	loop_flush(l);
	l->final = false;
}

bool loop_final_expired(struct loop *l)
{
	struct pollfd p = { .fd = l->cancel_fd, .events = POLLIN };

	if (!l->final || l->expired)
		return l->expired;
	l->expired = mono_now_ns() >= l->final_end_ns ||
		     (l->cancel_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN));
	return l->expired;
}

bool loop_in_final(const struct loop *l)
{
	return l->final;
}
