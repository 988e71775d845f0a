/*
 * -netdev stream end to end over real unix sockets: two netdevs talking
 * to each other (frames both ways, a GSO frame cut on the way out, flow
 * control through the socket when a guest is full), and one against a
 * raw peer of the test's (the framing on the wire, a peer that breaks
 * the protocol, reconnect=).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "net-test-util.h"
#include "net/net.h"

typedef struct Fixture {
    char *dir;
    char *path;
    EventLoop *loop;
    NetDevList *list;
    NetTestPort a, b;           /* on netdevs "a" (server) and "b" */
} Fixture;

static NetDevList *list_new(EventLoop *loop, const char *const *args)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qemu_opts_free);
    Error *err = NULL;
    NetDevList *list;

    for (; *args; args++) {
        QemuOpts *o = qemu_opts_parse(*args, "type", NULL);

        g_assert_nonnull(o);
        g_ptr_array_add(opts, o);
    }
    list = net_dev_list_new(loop, opts, &err);
    if (!list) {
        g_error("%s", error_get_pretty(err));
    }
    return list;
}

static void run(Fixture *f)
{
    g_assert_true(event_loop_run_once(f->loop, 100, NULL));
}

static void fixture_common(Fixture *f)
{
    f->dir = g_dir_make_tmp("test-net-stream-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->path = g_build_filename(f->dir, "sock", NULL);
    f->loop = event_loop_new(NULL);
    g_assert_nonnull(f->loop);
    net_test_port_init(&f->a);
    net_test_port_init(&f->b);
}

/* A free TCP port on the loopback, for the inet address. */
static unsigned free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* A server and a client netdev on one socket (@data: "inet" for TCP). */
static void fixture_pair(Fixture *f, gconstpointer data)
{
    g_autofree char *srv = NULL, *cli = NULL, *addr = NULL;

    fixture_common(f);
    if (data) {
        addr = g_strdup_printf("addr.type=inet,addr.host=127.0.0.1,"
                               "addr.port=%u", free_port());
    } else {
        addr = g_strdup_printf("addr.type=unix,addr.path=%s", f->path);
    }
    srv = g_strdup_printf("stream,id=a,server=on,%s", addr);
    cli = g_strdup_printf("stream,id=b,server=off,%s", addr);
    f->list = list_new(f->loop, (const char *const[]) { srv, cli, NULL });
    g_assert_true(net_dev_attach(net_dev_find(f->list, "a"),
                                 &net_test_port_ops, &f->a, NULL));
    g_assert_true(net_dev_attach(net_dev_find(f->list, "b"),
                                 &net_test_port_ops, &f->b, NULL));
    /*
     * Once a frame from the client reaches the server's guest, the
     * server has taken the connection (until then its frames are
     * dropped, as QEMU's are).
     */
    {
        uint8_t probe[60] = { 0 };
        struct iovec iov = { probe, sizeof(probe) };
        static const struct virtio_net_hdr none;

        g_assert_cmpint(net_dev_send(net_dev_find(f->list, "b"), 0, &none,
                                     &iov, 1), ==, 0);
        while (f->a.got->len < 1) {
            run(f);
        }
        g_ptr_array_set_size(f->a.got, 0);
    }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    net_dev_list_free(f->list);
    event_loop_free(f->loop);
    net_test_port_destroy(&f->a);
    net_test_port_destroy(&f->b);
    g_unlink(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed * 13 + i);
    }
}

static void check_frame(GByteArray *b, size_t len, unsigned seed)
{
    g_assert_cmpuint(b->len, ==, len);
    for (size_t i = 0; i < len; i++) {
        g_assert_cmpuint(b->data[i], ==, (uint8_t)(seed * 13 + i));
    }
}

static const struct virtio_net_hdr plain;

static size_t frame_size(unsigned i)
{
    return 60 + (i * 997) % 9000;
}

static void test_both_ways(Fixture *f, gconstpointer data)
{
    NetDev *a = net_dev_find(f->list, "a"), *b = net_dev_find(f->list, "b");
    uint8_t buf[9100];

    for (unsigned i = 0; i < 50; i++) {
        struct iovec iov[2] = { { buf, 20 }, { buf + 20, frame_size(i) - 20 } };

        fill(buf, frame_size(i), i);
        g_assert_cmpint(net_dev_send(b, 0, &plain, iov, 2), ==, 0);
        g_assert_cmpint(net_dev_send(a, 0, &plain, iov, 2), ==, 0);
    }
    while (f->a.got->len < 50 || f->b.got->len < 50) {
        run(f);
    }
    for (unsigned i = 0; i < 50; i++) {
        check_frame(g_ptr_array_index(f->a.got, i), frame_size(i), i);
        check_frame(g_ptr_array_index(f->b.got, i), frame_size(i), i);
    }
    g_assert_cmpuint(f->a.last_hdr.flags, ==, 0);
    g_assert_cmpuint(f->a.last_hdr.gso_type, ==, 0);
}

/* A GSO frame leaves as the segments the kernel would have sent. */
static void test_gso(Fixture *f, gconstpointer data)
{
    NetDev *b = net_dev_find(f->list, "b");
    static uint8_t buf[54 + 5000];
    struct virtio_net_hdr hdr = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .gso_size = 1000,
        .csum_start = 34,
        .csum_offset = 16,
    };
    struct iovec iov = { buf, sizeof(buf) };

    memset(buf, 0, 54);
    buf[12] = 0x08;
    buf[14] = 0x45;
    buf[16] = (40 + 5000) >> 8;
    buf[17] = (40 + 5000) & 0xff;
    buf[23] = 6;
    buf[46] = 5 << 4;
    g_assert_cmpint(net_dev_send(b, 0, &hdr, &iov, 1), ==, 0);
    while (f->a.got->len < 5) {
        run(f);
    }
    for (unsigned i = 0; i < 5; i++) {
        GByteArray *seg = g_ptr_array_index(f->a.got, i);

        g_assert_cmpuint(seg->len, ==, 54 + 1000);
    }
    hdr.gso_size = 0;
    g_assert_cmpint(net_dev_send(b, 0, &hdr, &iov, 1), ==, -EINVAL);
}

/*
 * A guest with no room stops the reading; the socket fills up and the
 * sender is told -EAGAIN; once the guest has room everything arrives,
 * in order, and the sender hears writable().
 */
static void test_flow_control(Fixture *f, gconstpointer data)
{
    NetDev *a = net_dev_find(f->list, "a"), *b = net_dev_find(f->list, "b");
    static uint8_t buf[60000];
    struct iovec iov = { buf, sizeof(buf) };
    unsigned sent = 0;
    int ret;

    f->a.budget = 0;
    for (;;) {
        fill(buf, sizeof(buf), sent);
        ret = net_dev_send(b, 0, &plain, &iov, 1);
        if (ret == -EAGAIN) {
            break;
        }
        g_assert_cmpint(ret, ==, 0);
        sent++;
        /* Let the bytes move: the receiver stops only at its guest. */
        g_assert_true(event_loop_run_once(f->loop, 0, NULL));
    }
    g_assert_cmpuint(sent, >, 0);
    g_assert_cmpuint(f->a.got->len, ==, 0);
    g_assert_cmpuint(f->b.writable, ==, 0);

    f->a.budget = -1;
    net_dev_resume(a, 0);
    while (f->a.got->len < sent || !f->b.writable) {
        run(f);
    }
    g_assert_cmpuint(f->a.got->len, ==, sent);
    for (unsigned i = 0; i < sent; i++) {
        check_frame(g_ptr_array_index(f->a.got, i), sizeof(buf), i);
    }
    g_assert_cmpuint(f->b.writable, ==, 1);
}

/* ---- against a raw peer ------------------------------------------------ */

static int raw_listen(const char *path)
{
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(un.sun_path, path, sizeof(un.sun_path));
    g_assert_cmpint(bind(fd, (struct sockaddr *)&un, sizeof(un)), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    return fd;
}

/* Accepts the netdev's connection, running the loop until it comes. */
static int raw_accept(Fixture *f, int lfd)
{
    int fd;

    g_unix_set_fd_nonblocking(lfd, true, NULL);
    while ((fd = accept(lfd, NULL, NULL)) < 0) {
        g_assert_cmpint(errno, ==, EAGAIN);
        run(f);
    }
    g_unix_set_fd_nonblocking(fd, true, NULL);
    return fd;
}

static void raw_write(int fd, const void *buf, size_t len)
{
    g_assert_cmpint(write(fd, buf, len), ==, len);
}

/* Reads @len bytes, running the loop while they are on their way. */
static void raw_read(Fixture *f, int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);

        if (n < 0) {
            g_assert_cmpint(errno, ==, EAGAIN);
            run(f);
            continue;
        }
        g_assert_cmpint(n, >, 0);
        got += n;
    }
}

static void fixture_raw(Fixture *f, gconstpointer data)
{
    fixture_common(f);
}

static void test_raw_peer(Fixture *f, gconstpointer data)
{
    g_autofree char *cli = g_strdup_printf(
        "stream,id=b,addr.type=unix,addr.path=%s,reconnect=1", f->path);
    int lfd = raw_listen(f->path), fd;
    static const uint8_t zero_len[4];
    uint8_t frame[4 + 70], got[4 + 100];
    struct iovec iov = { frame + 4, 70 };
    NetDev *b;
    char c;

    f->list = list_new(f->loop, (const char *const[]) { cli, NULL });
    b = net_dev_find(f->list, "b");
    g_assert_true(net_dev_attach(b, &net_test_port_ops, &f->b, NULL));
    fd = raw_accept(f, lfd);

    /* On the wire: the length, big-endian, then the frame. */
    fill(frame + 4, 70, 1);
    g_assert_cmpint(net_dev_send(b, 0, &plain, &iov, 1), ==, 0);
    raw_read(f, fd, got, 4 + 70);
    g_assert_cmpmem(got, 4, "\0\0\0\x46", 4);
    g_assert_cmpmem(got + 4, 70, frame + 4, 70);

    /* From the peer, a byte at a time. */
    frame[0] = frame[1] = 0;
    frame[2] = 0;
    frame[3] = 70;
    for (size_t i = 0; i < sizeof(frame); i++) {
        raw_write(fd, frame + i, 1);
        run(f);
    }
    while (f->b.got->len < 1) {
        run(f);
    }
    check_frame(g_ptr_array_index(f->b.got, 0), 70, 1);

    /* A length of 0 is not the protocol: the netdev hangs up... */
    raw_write(fd, zero_len, 4);
    for (;;) {
        ssize_t n = read(fd, &c, 1);

        if (n == 0) {
            break;
        }
        g_assert_cmpint(errno, ==, EAGAIN);
        run(f);
    }
    close(fd);
    /* ...and, with reconnect=, comes back. */
    fd = raw_accept(f, lfd);
    raw_write(fd, frame, sizeof(frame));
    while (f->b.got->len < 2) {
        run(f);
    }
    check_frame(g_ptr_array_index(f->b.got, 1), 70, 1);
    close(fd);
    close(lfd);
}

static void test_options(void)
{
    static const NetTestRefusal cases[] = {
        { "stream,id=s", "Parameter 'addr' is missing" },
        { "stream,id=s,addr.path=/x", "Parameter 'addr.type' is missing" },
        { "stream,id=s,addr.type=fd", "Parameter 'addr.type' does not "
          "accept value 'fd'" },
        { "stream,id=s,addr.type=unix", "Parameter 'addr.path' is missing" },
        { "stream,id=s,addr.type=inet,addr.host=127.0.0.1",
          "Parameter 'addr.port' is missing" },
        { "stream,id=s,addr.type=unix,addr.path=/x,addr.port=1",
          "Parameter 'addr.port' is unexpected" },
        { "stream,id=s,server=maybe,addr.type=unix,addr.path=/x",
          "Parameter 'server' expects 'on' or 'off'" },
        { "stream,id=s,server=on,reconnect=1,addr.type=unix,addr.path=/x",
          "'reconnect' option is incompatible with socket in server "
          "listening mode" },
        { "stream,id=s,addr.type=unix,addr.path=/nonexistent/sock",
          "Failed to connect to '/nonexistent/sock': No such file or "
          "directory" },
    };
    net_test_refused(cases, G_N_ELEMENTS(cases));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-stream/options", test_options);
#define ADD(path, setup, fn, data) \
    g_test_add(path, Fixture, data, setup, fn, fixture_teardown)
    ADD("/net-stream/both-ways", fixture_pair, test_both_ways, NULL);
    ADD("/net-stream/both-ways-inet", fixture_pair, test_both_ways, "inet");
    ADD("/net-stream/gso", fixture_pair, test_gso, NULL);
    ADD("/net-stream/flow-control", fixture_pair, test_flow_control, NULL);
    ADD("/net-stream/flow-control-inet", fixture_pair, test_flow_control,
        "inet");
    ADD("/net-stream/raw-peer", fixture_raw, test_raw_peer, NULL);
#undef ADD
    return g_test_run();
}
