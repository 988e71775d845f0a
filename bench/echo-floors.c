/*
 * The unix socket echo floor by server design: the same 28-byte
 * message bounced off a child that echoes it with blocking read() and
 * write() (two system calls a round trip, xs-bench's floor), with
 * epoll_wait(), recv() and send() (three, as our xenstore server), and
 * with io_uring (one io_uring_enter() that sends the reply, submits the
 * next recv and waits for it). Each sleeps when idle. Measured in
 * alternating slices, so that a change in the machine's load shows in
 * all three: as the scheduler places the processes, then, where CPUs 0
 * and 1 are ours, pinned with the client and the servers on one CPU and
 * on two (see xs-bench.c for why placement decides so much); then the
 * cost of one system call here. Figures only.
 *
 * usage: echo-floors [SECONDS]
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <liburing.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-pin.h"

#define MSG_LEN 28
#define SLICES 20
#define BUF_LEN 65536

typedef enum {
    ECHO_BLOCKING,
    ECHO_EPOLL,
    ECHO_URING,
    ECHO_COUNT,
} EchoKind;

static const char *const echo_names[ECHO_COUNT] = {
    "read + write (2 calls)",
    "epoll_wait + recv + send (3 calls)",
    "io_uring (1 io_uring_enter)",
};

typedef struct Echo {
    int fd;
    pid_t pid;
    unsigned long n;
    double secs;
} Echo;

static void die(const char *what)
{
    fprintf(stderr, "echo-floors: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void)
{
    return g_get_monotonic_time() / 1e6;
}

static void serve_blocking(int fd)
{
    static char buf[BUF_LEN];
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        if (write(fd, buf, n) != n) {
            return;
        }
    }
}

static void serve_epoll(int fd)
{
    static char buf[BUF_LEN];
    struct epoll_event ev = { .events = EPOLLIN }, evs[64];
    int ep = epoll_create1(0);

    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        die("epoll");
    }
    for (;;) {
        int n = epoll_wait(ep, evs, G_N_ELEMENTS(evs), -1);

        for (int i = 0; i < n; i++) {
            ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

            if (len == 0 || (len < 0 && errno != EAGAIN)) {
                return;
            }
            if (len > 0 && send(fd, buf, len, MSG_NOSIGNAL) != len) {
                return;
            }
        }
    }
}

static void uring_recv(struct io_uring *ring, int fd, char *buf)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

    io_uring_prep_recv(sqe, fd, buf, BUF_LEN, 0);
    io_uring_sqe_set_data64(sqe, 1);
}

/* The reply goes from its own buffer: the next recv may fill buf first. */
static void serve_uring(int fd)
{
    static char buf[BUF_LEN], out[BUF_LEN];
    struct io_uring ring;
    int ret = io_uring_queue_init(8, &ring, IORING_SETUP_SINGLE_ISSUER |
                                  IORING_SETUP_DEFER_TASKRUN);

    if (ret < 0) {
        errno = -ret;
        die("io_uring_queue_init");
    }
    uring_recv(&ring, fd, buf);
    for (;;) {
        struct io_uring_cqe *cqe;
        struct io_uring_sqe *sqe;
        int len;

        /* A send that succeeds posts nothing: only the recv ends this. */
        if (io_uring_submit_and_wait(&ring, 1) < 0 ||
            io_uring_peek_cqe(&ring, &cqe) < 0) {
            return;
        }
        len = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
        if (len <= 0) {
            return;
        }
        memcpy(out, buf, len);
        sqe = io_uring_get_sqe(&ring);
        io_uring_prep_send(sqe, fd, out, len, MSG_NOSIGNAL);
        sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
        uring_recv(&ring, fd, buf);
    }
}

/* The child runs on @cpu, or where the scheduler puts it (-1). */
static void echo_start(Echo *e, EchoKind kind, int cpu)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        die("socketpair");
    }
    e->pid = fork();
    if (e->pid < 0) {
        die("fork");
    }
    if (e->pid == 0) {
        /* The earlier children's sockets stay open here: never read. */
        close(sv[0]);
        if (cpu >= 0 && !bench_pin(0, cpu, NULL)) {
            _exit(1);
        }
        if (kind == ECHO_BLOCKING) {
            serve_blocking(sv[1]);
        } else if (kind == ECHO_EPOLL) {
            serve_epoll(sv[1]);
        } else {
            serve_uring(sv[1]);
        }
        _exit(0);
    }
    close(sv[1]);
    e->fd = sv[0];
}

static void echo_run(Echo *e, double secs)
{
    char msg[MSG_LEN] = { 0 };
    double t0 = now(), t;

    while ((t = now()) - t0 < secs) {
        if (write(e->fd, msg, sizeof(msg)) != sizeof(msg) ||
            recv(e->fd, msg, sizeof(msg), MSG_WAITALL) != sizeof(msg)) {
            die("echo");
        }
        e->n++;
    }
    e->secs += t - t0;
}

static double tv_us(struct timeval tv)
{
    return tv.tv_sec * 1e6 + tv.tv_usec;
}

/* Nanoseconds a call of @fn takes, over many. */
static double call_ns(void (*fn)(void *), void *opaque)
{
    const int n = 1000000;
    double t0 = now();

    for (int i = 0; i < n; i++) {
        fn(opaque);
    }
    return (now() - t0) / n * 1e9;
}

static void call_getppid(void *opaque)
{
    syscall(SYS_getppid);
}

static void call_epoll_wait(void *opaque)
{
    struct epoll_event ev;

    epoll_wait(*(int *)opaque, &ev, 1, 0);
}

/*
 * The three designs, the client on @client_cpu and the servers on
 * @server_cpu (-1 for both: as the scheduler places them).
 */
static void run_designs(double secs, const char *what, int client_cpu,
                        int server_cpu)
{
    Echo echoes[ECHO_COUNT] = { 0 };
    cpu_set_t client_set;
    double floor0;

    if (client_cpu >= 0 && !bench_pin(0, client_cpu, &client_set)) {
        printf("%s: not measured: %s\n", what, strerror(errno));
        return;
    }
    for (int k = 0; k < ECHO_COUNT; k++) {
        echo_start(&echoes[k], k, server_cpu);
    }
    for (int s = 0; s < SLICES; s++) {
        for (int k = 0; k < ECHO_COUNT; k++) {
            echo_run(&echoes[k], secs / SLICES);
        }
    }
    /* All closed first: each child holds the earlier ones' sockets. */
    for (int k = 0; k < ECHO_COUNT; k++) {
        close(echoes[k].fd);
    }
    if (client_cpu >= 0) {
        sched_setaffinity(0, sizeof(client_set), &client_set);
    }
    printf("%s:\n", what);
    floor0 = echoes[0].n / echoes[0].secs;
    for (int k = 0; k < ECHO_COUNT; k++) {
        Echo *e = &echoes[k];
        struct rusage ru;

        if (wait4(e->pid, NULL, 0, &ru) < 0) {
            die("wait4");
        }
        printf("%-36s %8.0f /s  %.2f  server %.2f us CPU, %.2f+%.2f "
               "switches a round trip\n", echo_names[k], e->n / e->secs,
               e->n / e->secs / floor0,
               (tv_us(ru.ru_utime) + tv_us(ru.ru_stime)) / e->n,
               (double)ru.ru_nvcsw / e->n, (double)ru.ru_nivcsw / e->n);
    }
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    cpu_set_t set;
    int ep;

    printf("unix socket echo by server design, %.1f s each, in %d "
           "alternating slices\n", secs, SLICES);
    run_designs(secs, "as the scheduler places them", -1, -1);
    if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
        CPU_ISSET(0, &set) && CPU_ISSET(1, &set)) {
        run_designs(secs, "pinned: client and servers on one CPU", 0, 0);
        run_designs(secs, "pinned: client on one CPU, servers on another",
                    0, 1);
    } else {
        printf("pinned: not measured, CPUs 0 and 1 are not both ours\n");
    }
    ep = epoll_create1(0);
    if (ep < 0) {
        die("epoll_create1");
    }
    printf("%-36s %8.0f ns\n", "a system call (getppid)",
           call_ns(call_getppid, NULL));
    printf("%-36s %8.0f ns\n", "epoll_wait with nothing ready",
           call_ns(call_epoll_wait, &ep));
    close(ep);
    return 0;
}
