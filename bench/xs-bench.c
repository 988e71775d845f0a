/*
 * Xenstore benchmark: one synchronous client on the socket of a running
 * qemu-xenpv. Prints round trips per second for read, write, directory
 * and transactions, watch events per second with 10,000 watches
 * registered, and the server's resident memory for 100,000 nodes.
 * Figures only: nothing here passes or fails on speed.
 *
 * usage: xs-bench SOCKET SERVER_PID [SECONDS_PER_FIGURE] [read]
 * With "read", only the read round trips beside the echo floor, as the
 * scheduler places them: the figure to profile the server under (perf,
 * strace -c, callgrind).
 *
 * Without it, the floor and the read are measured again, on a machine
 * with two CPUs or more, pinned alike: the client, the echo process and
 * the server on one CPU, then the client on one and both servers on
 * another. Pinning the server needs the right to set its affinity (root,
 * or the same user); what was refused is said.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "bench-pin.h"

#define WATCHES 10000
#define MEM_NODES 100000
#define MEM_VALUE "0123456789abcdef"

/*
 * Replies are read through a buffer so that one read() usually takes a
 * whole reply, as the echo floor's client does: a header read and a
 * payload read would charge the server with a system call of the
 * client's.
 */
#define RBUF_SIZE (4 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX))

typedef struct Client {
    int fd;
    uint32_t req_id;
    uint8_t payload[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg hdr;
    uint8_t rbuf[RBUF_SIZE];
    size_t rstart, rend;
} Client;

static void die(const char *what)
{
    fprintf(stderr, "xs-bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            die("write");
        }
        p += n;
        len -= n;
    }
}

static void read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = read(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            errno = n ? errno : ECONNRESET;
            die("read");
        }
        p += n;
        len -= n;
    }
}

/* Sends one request made of nul-separated parts; no reply is read. */
static void send_req(Client *c, uint32_t type, uint32_t tx,
                     const void *body, size_t len)
{
    uint8_t buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg hdr = { type, ++c->req_id, tx, len };

    memcpy(buf, &hdr, sizeof(hdr));
    memcpy(buf + sizeof(hdr), body, len);
    write_all(c->fd, buf, sizeof(hdr) + len);
}

/* Copies @len bytes of the stream to @buf, reading only when empty. */
static void recv_bytes(Client *c, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        size_t have = c->rend - c->rstart, take;

        if (!have) {
            ssize_t n = read(c->fd, c->rbuf, sizeof(c->rbuf));

            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                errno = n ? errno : ECONNRESET;
                die("read");
            }
            c->rstart = 0;
            c->rend = n;
            continue;
        }
        take = MIN(have, len);
        memcpy(p, c->rbuf + c->rstart, take);
        c->rstart += take;
        p += take;
        len -= take;
    }
}

/* Reads the next message; returns its type. */
static uint32_t recv_msg(Client *c)
{
    recv_bytes(c, &c->hdr, sizeof(c->hdr));
    if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
        fprintf(stderr, "xs-bench: oversized reply\n");
        exit(1);
    }
    recv_bytes(c, c->payload, c->hdr.len);
    c->payload[c->hdr.len] = '\0';
    return c->hdr.type;
}

static void call(Client *c, uint32_t type, uint32_t tx, const void *body,
                 size_t len)
{
    send_req(c, type, tx, body, len);
    while (recv_msg(c) == XS_WATCH_EVENT) {
        /* Events raised by our own request may come first. */
    }
    if (c->hdr.type == XS_ERROR) {
        fprintf(stderr, "xs-bench: request %u failed: %s\n", type,
                c->payload);
        exit(1);
    }
}

static size_t args2(char *buf, const char *a, const char *b, size_t blen)
{
    size_t alen = strlen(a) + 1;

    memcpy(buf, a, alen);
    memcpy(buf + alen, b, blen);
    return alen + blen;
}

static double now(void)
{
    return g_get_monotonic_time() / 1e6;
}

static void report(const char *what, unsigned long n, double secs)
{
    printf("%-40s %12.0f /s  (%lu in %.2f s)\n", what, n / secs, n, secs);
}

/*
 * The floor: the same message sizes bounced off a process that does
 * nothing but echo, over a unix socket pair.
 */
typedef struct Echo {
    int fd;
    pid_t pid;
    uint8_t msg[sizeof(struct xsd_sockmsg) + 12];
} Echo;

/* The echo process runs on @cpu, or where the scheduler puts it (-1). */
static void echo_start(Echo *e, int cpu)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        die("socketpair");
    }
    memset(e->msg, 0, sizeof(e->msg));
    e->pid = fork();
    if (e->pid < 0) {
        die("fork");
    }
    if (e->pid == 0) {
        close(sv[0]);
        if (cpu >= 0 && !bench_pin(0, cpu, NULL)) {
            _exit(1);
        }
        while (read(sv[1], e->msg, sizeof(e->msg)) > 0 &&
               write(sv[1], e->msg, sizeof(e->msg)) > 0) {
        }
        _exit(0);
    }
    close(sv[1]);
    e->fd = sv[0];
}

/* Returns the CPU time, in microseconds, the echo process used. */
static double echo_stop(Echo *e)
{
    struct rusage ru;

    close(e->fd);
    if (wait4(e->pid, NULL, 0, &ru) < 0) {
        return 0;
    }
    return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

/* Round trips for @secs; *@spent gets the time they took. */
static unsigned long echo_run(Echo *e, double secs, double *spent)
{
    unsigned long n;
    double t0, t;

    for (n = 0, t0 = now(); (t = now()) - t0 < secs; n++) {
        write_all(e->fd, e->msg, sizeof(e->msg));
        read_all(e->fd, e->msg, sizeof(e->msg));
    }
    *spent += t - t0;
    return n;
}

static unsigned long read_run(Client *c, double secs, double *spent)
{
    unsigned long n;
    double t0, t;

    for (n = 0, t0 = now(); (t = now()) - t0 < secs; n++) {
        call(c, XS_READ, 0, "/bench/node", 12);
    }
    *spent += t - t0;
    return n;
}

/*
 * Where the two ends of a round trip run decides more than either end
 * does: on the development machine the floor went from 22,000 round
 * trips a second on two CPUs to 100,000 on one, where a wake-up is a
 * switch rather than an interrupt to a sleeping CPU. Left to itself the
 * scheduler puts the forked echo process and the long-running server in
 * different places from one run to the next, so the pinned figures are
 * the ones that compare the two servers alone.
 */
typedef struct Placement {
    const char *what;
    int client_cpu, server_cpu;     /* -1: as the scheduler places it */
} Placement;

/*
 * The floor and our read, in alternating slices of a tenth of @secs
 * each: on a shared machine the load changes from one second to the
 * next, and a ratio of two figures taken apart would measure that.
 */
static void read_vs_floor(Client *c, pid_t server, double secs,
                          const Placement *pl)
{
    unsigned long nf = 0, nr = 0;
    double tf = 0, tr = 0, echo_us;
    cpu_set_t client_set, server_set;
    Echo e;

    if (pl->client_cpu >= 0) {
        if (!bench_pin(0, pl->client_cpu, &client_set)) {
            printf("%s: not measured, the client could not be pinned: "
                   "%s\n", pl->what, strerror(errno));
            return;
        }
        if (!bench_pin(server, pl->server_cpu, &server_set)) {
            printf("%s: not measured, the server could not be pinned: "
                   "%s\n", pl->what, strerror(errno));
            sched_setaffinity(0, sizeof(client_set), &client_set);
            return;
        }
    }
    echo_start(&e, pl->server_cpu);
    for (int i = 0; i < 10; i++) {
        nf += echo_run(&e, secs / 10, &tf);
        nr += read_run(c, secs / 10, &tr);
    }
    echo_us = echo_stop(&e);
    if (pl->client_cpu >= 0) {
        sched_setaffinity(server, sizeof(server_set), &server_set);
        sched_setaffinity(0, sizeof(client_set), &client_set);
        printf("%s:\n", pl->what);
    }
    report("unix socket echo round trips (floor)", nf, tf);
    report("read round trips", nr, tr);
    printf("%-40s %12.2f\n", "read / floor", (nr / tr) / (nf / tf));
    /*
     * Beside the server's own (bench/xenstore-profile.sh): what the
     * load changes less than the rates.
     */
    printf("%-40s %12.2f us\n", "echo process CPU a round trip",
           echo_us / nf);
}

/* The same, pinned alike, where there are two CPUs to place them on. */
static void read_vs_floor_pinned(Client *c, pid_t server, double secs)
{
    static const Placement placements[] = {
        { "pinned: client, echo process and server on one CPU", 0, 0 },
        { "pinned: client on one CPU, echo process and server on another",
          0, 1 },
    };
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) < 0 ||
        !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)) {
        printf("pinned: not measured, CPUs 0 and 1 are not both ours\n");
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(placements); i++) {
        read_vs_floor(c, server, secs, &placements[i]);
    }
}

static long rss_kib(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *status = NULL;
    const char *line;

    if (!g_file_get_contents(path, &status, NULL, NULL) ||
        !(line = strstr(status, "VmRSS:"))) {
        return -1;
    }
    return strtol(line + 6, NULL, 10);
}

int main(int argc, char **argv)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    Client c = { 0 };
    char buf[XENSTORE_PAYLOAD_MAX];
    double secs, t0, t;
    unsigned long n;
    pid_t server;
    long rss0, rss1;
    uint32_t tx;

    if (argc < 3) {
        fprintf(stderr, "usage: xs-bench SOCKET SERVER_PID [SECONDS] "
                "[read]\n");
        return 2;
    }
    server = atoi(argv[2]);
    secs = argc > 3 ? atof(argv[3]) : 2.0;
    g_strlcpy(addr.sun_path, argv[1], sizeof(addr.sun_path));
    c.fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&addr,
                            sizeof(addr)) < 0) {
        die("connect");
    }

    call(&c, XS_WRITE, 0, buf, args2(buf, "/bench/node", "value", 5));
    for (int i = 0; i < 10; i++) {
        g_autofree char *p = g_strdup_printf("/bench/dir/child%d", i);

        call(&c, XS_WRITE, 0, buf, args2(buf, p, "", 0));
    }

    read_vs_floor(&c, server, secs,
                  &(Placement){ "as the scheduler places them", -1, -1 });
    if (argc > 4 && !strcmp(argv[4], "read")) {
        close(c.fd);
        return 0;
    }
    read_vs_floor_pinned(&c, server, secs);

    for (n = 0, t0 = now(); (t = now()) - t0 < secs; n++) {
        call(&c, XS_WRITE, 0, buf, args2(buf, "/bench/node", "value", 5));
    }
    report("write round trips", n, t - t0);

    for (n = 0, t0 = now(); (t = now()) - t0 < secs; n++) {
        call(&c, XS_DIRECTORY, 0, "/bench/dir", 11);
    }
    report("directory round trips (10 children)", n, t - t0);

    /* A transaction as a toolstack makes one: start, read, write, commit. */
    for (n = 0, t0 = now(); (t = now()) - t0 < secs; n++) {
        call(&c, XS_TRANSACTION_START, 0, "", 1);
        tx = strtoul((char *)c.payload, NULL, 10);
        call(&c, XS_READ, tx, "/bench/node", 12);
        call(&c, XS_WRITE, tx, buf, args2(buf, "/bench/node", "v", 1));
        call(&c, XS_TRANSACTION_END, tx, "T", 2);
    }
    report("transactions (start, read, write, commit)", n, t - t0);

    /* Watches elsewhere in the tree must not slow delivery down. */
    for (int i = 0; i < WATCHES; i++) {
        g_autofree char *p = g_strdup_printf("/bench/watch/%d", i);
        g_autofree char *tok = g_strdup_printf("t%d", i);
        size_t len = args2(buf, p, tok, strlen(tok) + 1);

        call(&c, XS_WATCH, 0, buf, len);
        recv_msg(&c);   /* the registration event */
    }
    call(&c, XS_WATCH, 0, buf, args2(buf, "/bench/ev", "hot", 4));
    recv_msg(&c);       /* the registration event */
    for (n = 0, t0 = now(); (t = now()) - t0 < secs;) {
        send_req(&c, XS_WRITE, 0, buf, args2(buf, "/bench/ev/x", "1", 1));
        /* One reply and one event per write, in either order. */
        for (int got = 0; got < 2; got++) {
            n += recv_msg(&c) == XS_WATCH_EVENT;
        }
    }
    report("watch events (10,000 watches registered)", n, t - t0);

    /* Pipelined, so that filling the tree is quick. */
    rss0 = rss_kib(server);
    for (int i = 0; i < MEM_NODES; i++) {
        g_autofree char *p = g_strdup_printf("/mem/%d/%d", i / 100, i % 100);

        send_req(&c, XS_WRITE, 0, buf,
                 args2(buf, p, MEM_VALUE, sizeof(MEM_VALUE) - 1));
        if (i % 64 == 63) {
            for (int k = 0; k < 64; k++) {
                recv_msg(&c);
            }
        }
    }
    for (int k = 0; k < MEM_NODES % 64; k++) {
        recv_msg(&c);
    }
    rss1 = rss_kib(server);
    if (rss0 >= 0 && rss1 >= 0) {
        /* 101,000 nodes: the 1,000 directories as well. */
        unsigned long nodes = MEM_NODES + MEM_NODES / 100;
        double per_node = (rss1 - rss0) * 1024.0 / nodes;
        /* Data: the name (about 2.9 bytes) and the 16-byte value. */
        double data = (2.9 * MEM_NODES + 16.0 * MEM_NODES) / nodes;

        printf("%-40s %12ld KiB  (%.0f bytes per node, "
               "%.0f of them overhead)\n",
               "resident memory for 100,000 nodes", rss1 - rss0, per_node,
               per_node - data);
    }
    close(c.fd);
    return 0;
}
