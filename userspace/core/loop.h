/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One event loop for the whole run: any number of fd watches (signals, the traced process,
 * timers, listening sockets, a terminal) and periodic work (draining ring buffers, looking
 * at processes while they live), in one thread.
 */
#ifndef TAILTRACE_LOOP_H
#define TAILTRACE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

/* The period of the collectors' periodic work: ring buffers drained (they never wake the
 * loop: BPF_RB_NO_WAKEUP), processes looked at while they live. */
#define LOOP_PERIOD_NS 20000000ull

struct loop *loop_new(void);
void loop_free(struct loop *l);
/* Calls fn(ctx, fd) whenever fd is readable. 0 or -errno. */
int loop_add_fd(struct loop *l, int fd, void (*fn)(void *ctx, int fd), void *ctx);
/* Calls fn(ctx) after first_ns, then every period_ns (0: once). The timer's expirations
 * are read before fn runs. Returns the timer's fd, or -errno. */
int loop_add_timer(struct loop *l, uint64_t first_ns, uint64_t period_ns,
		   void (*fn)(void *ctx), void *ctx);
/* Work done every period_ns while the loop runs, and once more by loop_flush (a ring
 * buffer drained, processes looked at before they are gone). 0 or -errno. */
int loop_add_periodic(struct loop *l, uint64_t period_ns, void (*fn)(void *ctx), void *ctx);
/* Runs until loop_stop. 0, or -errno when waiting failed. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
/* Runs every periodic work once, now. */
void loop_flush(struct loop *l);
/* The last run of every periodic work, after the run's end: work that can take long (a
 * backlog of stack copies to unwind) is to be done by deadline_ns, or stopped at once when
 * cancel_fd becomes readable (a second signal; it is left unread). */
void loop_flush_final(struct loop *l, uint64_t deadline_ns, int cancel_fd);
/* Within loop_flush_final: true once its deadline has passed or it was cancelled. */
bool loop_final_expired(struct loop *l);
/* Within loop_flush_final: true. */
bool loop_in_final(const struct loop *l);

#endif
