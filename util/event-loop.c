/*
 * An epoll event loop with QEMU's fd-handler interface.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/event-loop.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define MAX_SIGNALS 8

typedef struct FdHandler {
    int fd;
    IOHandler *fd_read;
    IOHandler *fd_write;
    void *opaque;
    bool deleted;
} FdHandler;

typedef struct Deferred {
    IOHandler *fn;
    void *opaque;
} Deferred;

typedef struct SignalEntry {
    int signo;
    SignalHandler *fn;
    void *opaque;
} SignalEntry;

struct EventLoop {
    int epfd;
    bool quit;
    GHashTable *handlers;       /* fd -> FdHandler */
    /*
     * Removed handlers stay allocated until the current epoll batch is
     * dispatched: a later event of that batch may still point at them.
     */
    GPtrArray *graveyard;
    GArray *deferred;           /* Deferred */
    int sigfd;
    sigset_t sigmask;
    SignalEntry signals[MAX_SIGNALS];
    unsigned nsignals;
};

EventLoop *event_loop_new(Error **errp)
{
    EventLoop *loop;
    int epfd = epoll_create1(EPOLL_CLOEXEC);

    if (epfd < 0) {
        error_setg_errno(errp, errno, "epoll_create1");
        return NULL;
    }
    loop = g_new0(EventLoop, 1);
    loop->epfd = epfd;
    loop->sigfd = -1;
    sigemptyset(&loop->sigmask);
    loop->handlers = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                           NULL, g_free);
    loop->graveyard = g_ptr_array_new_with_free_func(g_free);
    loop->deferred = g_array_new(false, false, sizeof(Deferred));
    return loop;
}

void event_loop_free(EventLoop *loop)
{
    if (!loop) {
        return;
    }
    if (loop->sigfd >= 0) {
        close(loop->sigfd);
        sigprocmask(SIG_UNBLOCK, &loop->sigmask, NULL);
    }
    g_hash_table_destroy(loop->handlers);
    g_ptr_array_free(loop->graveyard, true);
    g_array_free(loop->deferred, true);
    close(loop->epfd);
    g_free(loop);
}

static uint32_t handler_events(const FdHandler *h)
{
    return (h->fd_read ? EPOLLIN : 0) | (h->fd_write ? EPOLLOUT : 0);
}

bool event_loop_set_fd_handler(EventLoop *loop, int fd, IOHandler *fd_read,
                               IOHandler *fd_write, void *opaque,
                               Error **errp)
{
    FdHandler *h = g_hash_table_lookup(loop->handlers, GINT_TO_POINTER(fd));
    struct epoll_event ev = { 0 };

    if (!fd_read && !fd_write) {
        if (h) {
            epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
            g_hash_table_steal(loop->handlers, GINT_TO_POINTER(fd));
            h->deleted = true;
            g_ptr_array_add(loop->graveyard, h);
        }
        return true;
    }

    if (!h) {
        h = g_new0(FdHandler, 1);
        h->fd = fd;
        h->fd_read = fd_read;
        h->fd_write = fd_write;
        h->opaque = opaque;
        ev.events = handler_events(h);
        ev.data.ptr = h;
        if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            error_setg_errno(errp, errno, "epoll_ctl add fd %d", fd);
            g_free(h);
            return false;
        }
        g_hash_table_insert(loop->handlers, GINT_TO_POINTER(fd), h);
        return true;
    }

    if (handler_events(h) != ((fd_read ? EPOLLIN : 0) |
                              (fd_write ? EPOLLOUT : 0))) {
        ev.events = (fd_read ? EPOLLIN : 0) | (fd_write ? EPOLLOUT : 0);
        ev.data.ptr = h;
        if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
            error_setg_errno(errp, errno, "epoll_ctl mod fd %d", fd);
            return false;
        }
    }
    h->fd_read = fd_read;
    h->fd_write = fd_write;
    h->opaque = opaque;
    return true;
}

static void signal_fd_read(void *opaque)
{
    EventLoop *loop = opaque;
    struct signalfd_siginfo si;

    while (read(loop->sigfd, &si, sizeof(si)) == sizeof(si)) {
        for (unsigned i = 0; i < loop->nsignals; i++) {
            if (loop->signals[i].signo == (int)si.ssi_signo) {
                loop->signals[i].fn(loop->signals[i].opaque, si.ssi_signo);
            }
        }
    }
}

bool event_loop_add_signal(EventLoop *loop, int signo, SignalHandler *fn,
                           void *opaque, Error **errp)
{
    int fd;

    if (loop->nsignals == MAX_SIGNALS) {
        error_setg(errp, "too many signal handlers");
        return false;
    }
    sigaddset(&loop->sigmask, signo);
    if (sigprocmask(SIG_BLOCK, &loop->sigmask, NULL) < 0) {
        error_setg_errno(errp, errno, "sigprocmask");
        return false;
    }
    fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "signalfd");
        return false;
    }
    if (loop->sigfd < 0) {
        loop->sigfd = fd;
        if (!event_loop_set_fd_handler(loop, fd, signal_fd_read, NULL, loop,
                                       errp)) {
            return false;
        }
    }
    loop->signals[loop->nsignals++] = (SignalEntry) { signo, fn, opaque };
    return true;
}

static int deferred_find(EventLoop *loop, IOHandler *fn, void *opaque)
{
    for (guint i = 0; i < loop->deferred->len; i++) {
        Deferred *d = &g_array_index(loop->deferred, Deferred, i);

        if (d->fn == fn && d->opaque == opaque) {
            return i;
        }
    }
    return -1;
}

void event_loop_schedule(EventLoop *loop, IOHandler *fn, void *opaque)
{
    Deferred d = { fn, opaque };

    if (deferred_find(loop, fn, opaque) < 0) {
        g_array_append_val(loop->deferred, d);
    }
}

void event_loop_cancel(EventLoop *loop, IOHandler *fn, void *opaque)
{
    int i = deferred_find(loop, fn, opaque);

    if (i >= 0) {
        g_array_remove_index(loop->deferred, i);
    }
}

/*
 * Runs the bottom halves scheduled so far; those they schedule wait for
 * the next iteration, after a look at the file descriptors, so that one
 * that keeps rescheduling itself cannot starve everything else.
 */
static void run_deferred(EventLoop *loop)
{
    for (guint n = loop->deferred->len; n && loop->deferred->len; n--) {
        Deferred d = g_array_index(loop->deferred, Deferred, 0);

        g_array_remove_index(loop->deferred, 0);
        d.fn(d.opaque);
    }
}

/* Waits up to @timeout_ms for one batch of events and dispatches it. */
static bool loop_wait(EventLoop *loop, int timeout_ms, Error **errp)
{
    struct epoll_event events[MAX_EVENTS];
    int n;

    /* Bottom halves still due: only poll. */
    if (loop->deferred->len) {
        timeout_ms = 0;
    }
    n = epoll_wait(loop->epfd, events, MAX_EVENTS, timeout_ms);

    if (n < 0) {
        if (errno == EINTR) {
            return true;
        }
        error_setg_errno(errp, errno, "epoll_wait");
        return false;
    }
    for (int i = 0; i < n; i++) {
        FdHandler *h = events[i].data.ptr;
        uint32_t ev = events[i].events;

        /* Errors and hang-ups are reported to whichever side listens. */
        if (!h->deleted && h->fd_read &&
            (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
            h->fd_read(h->opaque);
        }
        if (!h->deleted && h->fd_write &&
            (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
            h->fd_write(h->opaque);
        }
    }
    g_ptr_array_set_size(loop->graveyard, 0);
    return true;
}

bool event_loop_run(EventLoop *loop, Error **errp)
{
    bool ok = true;

    /*
     * A quit asked for before the loop ran (a signal during a start-up
     * wait) stops it at once: the flag is cleared on the way out only.
     */
    while (!loop->quit) {
        run_deferred(loop);
        if (loop->quit) {
            break;
        }
        if (!loop_wait(loop, -1, errp)) {
            ok = false;
            break;
        }
    }
    loop->quit = false;
    return ok;
}

void event_loop_quit(EventLoop *loop)
{
    loop->quit = true;
}

bool event_loop_quit_pending(const EventLoop *loop)
{
    return loop->quit;
}

bool event_loop_wait_readable(EventLoop *loop, int fd, Error **errp)
{
    struct pollfd pfd[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = loop->sigfd, .events = POLLIN },
    };

    /* A loop without signals has sigfd -1, which poll() skips. */
    if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
        error_setg_errno(errp, errno, "poll");
        return false;
    }
    if (pfd[1].revents) {
        signal_fd_read(loop);
    }
    return true;
}

struct EventLoopTimer {
    int fd;
    IOHandler *fn;
    void *opaque;
};

static void timer_fd_read(void *opaque)
{
    EventLoopTimer *timer = opaque;
    uint64_t expirations;

    /* Drained first: @fn may delete the timer. Missed periods collapse. */
    if (read(timer->fd, &expirations, sizeof(expirations)) !=
        sizeof(expirations)) {
        return;
    }
    timer->fn(timer->opaque);
}

EventLoopTimer *event_loop_add_timer(EventLoop *loop, unsigned period_ms,
                                     IOHandler *fn, void *opaque,
                                     Error **errp)
{
    struct itimerspec its = { 0 };
    EventLoopTimer *timer;
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

    if (fd < 0) {
        error_setg_errno(errp, errno, "timerfd_create");
        return NULL;
    }
    its.it_interval.tv_sec = period_ms / 1000;
    its.it_interval.tv_nsec = (long)(period_ms % 1000) * 1000000;
    if (!period_ms) {
        /* A zero it_value would disarm the timer instead. */
        its.it_interval.tv_nsec = 1;
    }
    its.it_value = its.it_interval;
    if (timerfd_settime(fd, 0, &its, NULL) < 0) {
        error_setg_errno(errp, errno, "timerfd_settime");
        close(fd);
        return NULL;
    }
    timer = g_new0(EventLoopTimer, 1);
    timer->fd = fd;
    timer->fn = fn;
    timer->opaque = opaque;
    if (!event_loop_set_fd_handler(loop, fd, timer_fd_read, NULL, timer,
                                   errp)) {
        close(fd);
        g_free(timer);
        return NULL;
    }
    return timer;
}

void event_loop_del_timer(EventLoop *loop, EventLoopTimer *timer)
{
    if (!timer) {
        return;
    }
    event_loop_set_fd_handler(loop, timer->fd, NULL, NULL, NULL, NULL);
    close(timer->fd);
    g_free(timer);
}

bool event_loop_run_once(EventLoop *loop, int timeout_ms, Error **errp)
{
    run_deferred(loop);
    return loop_wait(loop, timeout_ms, errp);
}
