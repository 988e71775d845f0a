/*
 * -netdev user (libslirp) from the guest's side: the test plays a guest
 * that gets its address by DHCP (DISCOVER, OFFER, REQUEST, ACK, built
 * and read by hand) and then takes a TCP connection that a client on the
 * host's loopback makes through hostfwd=, data both ways. restrict=on
 * throughout: nothing but the forwarded port is reachable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "net-test-util.h"
#include "net/net.h"
#include "net/net-offload.h"
#include "slirp-guest.h"

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct Fixture {
    EventLoop *loop;
    NetDevList *list;
    NetDev *nd;
    GPtrArray *got;             /* GByteArray: frames to the guest */
    uint16_t port;              /* the forwarded host port */
} Fixture;

static bool guest_receive(void *opaque, unsigned queue,
                          const struct virtio_net_hdr *hdr,
                          const struct iovec *iov, int iovcnt)
{
    Fixture *f = opaque;
    GByteArray *b = g_byte_array_new();

    for (int i = 0; i < iovcnt; i++) {
        g_byte_array_append(b, iov[i].iov_base, iov[i].iov_len);
    }
    g_ptr_array_add(f->got, b);
    return true;
}

static void guest_writable(void *opaque, unsigned queue)
{
}

static const NetDevPortOps guest_ops = {
    .receive = guest_receive,
    .writable = guest_writable,
};

static void run(Fixture *f)
{
    g_assert_true(event_loop_run_once(f->loop, 50, NULL));
}

static void send_frame(Fixture *f, const uint8_t *frame, size_t len)
{
    static const struct virtio_net_hdr plain;
    struct iovec iov = { (void *)frame, len };

    g_assert_cmpint(net_dev_send(f->nd, 0, &plain, &iov, 1), ==, 0);
}

/* ---- DHCP ---------------------------------------------------------------- */

static void dhcp(Fixture *f, char *addr)
{
    uint8_t frame[SLIRP_GUEST_DHCP_LEN];
    char server[INET_ADDRSTRLEN] = "", offered[INET_ADDRSTRLEN];

    send_frame(f, frame, slirp_guest_dhcp_frame(frame, guest_mac, 0x1234, 1,
                                                NULL, NULL));
    while (!slirp_guest_find_dhcp_reply(f->got, 0x1234, 2, offered,
                                        server)) {
        run(f);
    }
    g_assert_cmpstr(offered, ==, "10.0.2.15");
    g_assert_cmpstr(server, ==, "10.0.2.2");
    send_frame(f, frame, slirp_guest_dhcp_frame(frame, guest_mac, 0x5678, 3,
                                                offered, server));
    while (!slirp_guest_find_dhcp_reply(f->got, 0x5678, 5, addr, server)) {
        run(f);
    }
    g_assert_cmpstr(addr, ==, offered);
}

/* ---- TCP ----------------------------------------------------------------- */

/* ---- fixture ------------------------------------------------------------- */

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *arg = NULL;
    QemuOpts *o;
    g_autoptr(GPtrArray) opts = g_ptr_array_new();
    Error *err = NULL;

    f->port = slirp_guest_free_port();
    arg = g_strdup_printf("user,id=u,restrict=on,"
                          "hostfwd=tcp:127.0.0.1:%u-:8080", f->port);
    o = qemu_opts_parse(arg, "type", NULL);
    g_ptr_array_add(opts, o);
    f->loop = event_loop_new(NULL);
    f->list = net_dev_list_new(f->loop, opts, &err);
    if (!f->list) {
        g_error("%s", error_get_pretty(err));
    }
    qemu_opts_free(o);
    f->nd = net_dev_find(f->list, "u");
    f->got = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);
    g_assert_true(net_dev_attach(f->nd, &guest_ops, f, NULL));
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    net_dev_list_free(f->list);
    event_loop_free(f->loop);
    g_ptr_array_free(f->got, true);
}

/* ---- tests --------------------------------------------------------------- */

static void test_dhcp(Fixture *f, gconstpointer data)
{
    char addr[INET_ADDRSTRLEN];

    dhcp(f, addr);
}

static void test_hostfwd(Fixture *f, gconstpointer data)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    char addr[INET_ADDRSTRLEN], reply[6] = { 0 };
    uint8_t frame[128], mac[6];
    GByteArray *syn, *seg;
    uint32_t seq = 1000, peer;
    guint from = 0;
    int fd;
    ssize_t n;

    dhcp(f, addr);
    /* A client on the host's loopback, through the forwarded port. */
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sin_port = htons(f->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_unix_set_fd_nonblocking(fd, true, NULL);
    g_assert_cmpint(write(fd, "hello", 5), ==, 5);

    /* slirp opens the connection to the guest's port 8080. */
    while (!(syn = slirp_guest_find_tcp(f->got, &from, 8080, 0x02, 0))) {
        run(f);
    }
    g_assert_cmpuint(syn->data[47] & 0x10, ==, 0);     /* SYN, no ACK */
    memcpy(mac, syn->data + 6, 6);
    peer = slirp_guest_be32(syn->data + 38) + 1;
    send_frame(f, frame, slirp_guest_tcp_frame(
                   frame, guest_mac, mac, "10.0.2.15", "10.0.2.2", 8080,
                   slirp_guest_be16(syn->data + 34), seq, peer, 0x12, NULL));
    seq++;
    /* The client's bytes arrive at the guest... */
    while (!(seg = slirp_guest_find_tcp(f->got, &from, 8080, 0x10, 5))) {
        run(f);
    }
    g_assert_cmpmem(seg->data + 54, 5, "hello", 5);
    peer += 5;
    /* ...and the guest's reach the client. */
    send_frame(f, frame, slirp_guest_tcp_frame(
                   frame, guest_mac, mac, "10.0.2.15", "10.0.2.2", 8080,
                   slirp_guest_be16(syn->data + 34), seq, peer, 0x18,
                   "world"));
    while ((n = read(fd, reply, 5)) < 0) {
        g_assert_cmpint(errno, ==, EAGAIN);
        run(f);
    }
    g_assert_cmpint(n, ==, 5);
    g_assert_cmpstr(reply, ==, "world");
    close(fd);
}

static void test_options(void)
{
    static const NetTestRefusal cases[] = {
        { "user,id=u,restrict=yes",
          "Parameter 'restrict' expects 'on' or 'off'" },
        { "user,id=u,net=10.0.2.300", "Invalid network '10.0.2.300'" },
        { "user,id=u,host=10.0.3.2",
          "host address 10.0.3.2 is not in the network" },
        { "user,id=u,hostfwd=tcp:127.0.0.1:99999-:80",
          "Invalid host forwarding rule 'tcp:127.0.0.1:99999-:80' "
          "(Bad host port)" },
        { "user,id=u,hostfwd=sctp::1-:80",
          "Invalid host forwarding rule 'sctp::1-:80' (Bad protocol "
          "name)" },
        { "user,id=u,hostfwd=tcp::1:80",
          "Invalid host forwarding rule 'tcp::1:80' (Missing - "
          "separator)" },
    };
    net_test_refused(cases, G_N_ELEMENTS(cases));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-slirp/options", test_options);
    g_test_add("/net-slirp/dhcp", Fixture, NULL, fixture_setup, test_dhcp,
               fixture_teardown);
    g_test_add("/net-slirp/hostfwd", Fixture, NULL, fixture_setup,
               test_hostfwd, fixture_teardown);
    return g_test_run();
}
