/*
 * The process's event loop: file descriptor handlers and signals over
 * epoll. One loop per process, created in main() and passed down.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_EVENT_LOOP_H
#define UTIL_EVENT_LOOP_H

#include <stdbool.h>

#include "util/error.h"

typedef struct EventLoop EventLoop;
typedef void IOHandler(void *opaque);
typedef void SignalHandler(void *opaque, int signo);

EventLoop *event_loop_new(Error **errp);
void event_loop_free(EventLoop *loop);

/*
 * Installs, changes or (with both handlers NULL) removes the handlers of
 * @fd, as QEMU's qemu_set_fd_handler does. A handler may remove any
 * handler, its own included, while it runs.
 */
bool event_loop_set_fd_handler(EventLoop *loop, int fd, IOHandler *fd_read,
                               IOHandler *fd_write, void *opaque,
                               Error **errp);

/* Blocks @signo and delivers it through the loop instead. */
bool event_loop_add_signal(EventLoop *loop, int signo, SignalHandler *fn,
                           void *opaque, Error **errp);

/*
 * Runs @fn once, after the handlers of the current iteration, like QEMU's
 * bottom halves: for work that must not happen inside a callback.
 * Scheduling the same fn/opaque pair again before it ran is a no-op.
 */
void event_loop_schedule(EventLoop *loop, IOHandler *fn, void *opaque);
/* Forgets a scheduled fn/opaque pair, e.g. before freeing @opaque. */
void event_loop_cancel(EventLoop *loop, IOHandler *fn, void *opaque);

/*
 * Runs until event_loop_quit(), at once if it was called before; returns
 * false if epoll itself failed.
 */
bool event_loop_run(EventLoop *loop, Error **errp);
void event_loop_quit(EventLoop *loop);
/* True from event_loop_quit() until event_loop_run() returns for it. */
bool event_loop_quit_pending(const EventLoop *loop);

/*
 * Blocks until @fd is readable or a signal of the loop's arrives, whose
 * handler then runs; nothing else is dispatched. For a wait before the
 * loop runs (a chardev's wait=on at start-up) that must not leave the
 * process deaf to SIGTERM, since the loop's signals are blocked and
 * only delivered through it: the caller checks
 * event_loop_quit_pending() after each return. Returns false if poll()
 * itself failed.
 */
bool event_loop_wait_readable(EventLoop *loop, int fd, Error **errp);

/*
 * A periodic timer, for state that can only be polled (a pty slave being
 * opened shows up on no file descriptor). Each timer is a timerfd.
 */
typedef struct EventLoopTimer EventLoopTimer;

/* Calls @fn every @period_ms milliseconds, the first time after one period. */
EventLoopTimer *event_loop_add_timer(EventLoop *loop, unsigned period_ms,
                                     IOHandler *fn, void *opaque,
                                     Error **errp);
/* Stops and frees @timer (NULL: no-op); allowed from inside its own @fn. */
void event_loop_del_timer(EventLoop *loop, EventLoopTimer *timer);

/*
 * One iteration of event_loop_run(): the pending bottom halves, then at
 * most @timeout_ms (-1: no limit) of waiting for one batch of events,
 * dispatched. For callers that drive the loop themselves, such as tests.
 * Returns false if epoll itself failed.
 */
bool event_loop_run_once(EventLoop *loop, int timeout_ms, Error **errp);

#endif /* UTIL_EVENT_LOOP_H */
