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

#include "net/net.h"
#include "net/net-offload.h"

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct Fixture {
    EventLoop *loop;
    NetDevList *list;
    NetDev *nd;
    GPtrArray *got;             /* GByteArray: frames to the guest */
    uint16_t port;              /* the forwarded host port */
} Fixture;

static uint16_t be16(const uint8_t *p)
{
    return p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static void set16(uint8_t *p, unsigned v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void set32(uint8_t *p, uint32_t v)
{
    set16(p, v >> 16);
    set16(p + 2, v);
}

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

/* An IPv4 header at @ip for @proto with @payload bytes after it. */
static void ip4(uint8_t *ip, uint8_t proto, size_t payload, const char *src,
                const char *dst)
{
    memset(ip, 0, 20);
    ip[0] = 0x45;
    set16(ip + 2, 20 + payload);
    ip[8] = 64;
    ip[9] = proto;
    inet_pton(AF_INET, src, ip + 12);
    inet_pton(AF_INET, dst, ip + 16);
    set16(ip + 10, ~net_csum_fold(net_csum_add(0, ip, 20)));
}

/* ---- DHCP ---------------------------------------------------------------- */

#define BOOTP_LEN 548

static size_t dhcp_frame(uint8_t *f, uint32_t xid, uint8_t type,
                         const char *requested, const char *server)
{
    uint8_t *udp = f + 34, *bp = udp + 8, *opt = bp + 240;

    memset(f, 0, 34 + 8 + BOOTP_LEN);
    memset(f, 0xff, 6);
    memcpy(f + 6, guest_mac, 6);
    set16(f + 12, 0x0800);
    ip4(f + 14, 17, 8 + BOOTP_LEN, "0.0.0.0", "255.255.255.255");
    set16(udp, 68);
    set16(udp + 2, 67);
    set16(udp + 4, 8 + BOOTP_LEN);
    bp[0] = 1;                  /* BOOTREQUEST */
    bp[1] = 1;
    bp[2] = 6;
    set32(bp + 4, xid);
    set16(bp + 10, 0x8000);     /* broadcast */
    memcpy(bp + 28, guest_mac, 6);
    memcpy(bp + 236, "\x63\x82\x53\x63", 4);
    *opt++ = 53;
    *opt++ = 1;
    *opt++ = type;
    if (requested) {
        *opt++ = 50;
        *opt++ = 4;
        inet_pton(AF_INET, requested, opt);
        opt += 4;
    }
    if (server) {
        *opt++ = 54;
        *opt++ = 4;
        inet_pton(AF_INET, server, opt);
        opt += 4;
    }
    *opt = 255;
    return 34 + 8 + BOOTP_LEN;
}

/* The DHCP reply of type @type to @xid among the frames: its yiaddr. */
static bool find_dhcp_reply(Fixture *f, uint32_t xid, uint8_t type,
                            char *yiaddr, char *server)
{
    for (guint i = 0; i < f->got->len; i++) {
        GByteArray *b = g_ptr_array_index(f->got, i);
        const uint8_t *bp = b->data + 42;
        size_t len = b->len;

        if (len < 42 + 240 || be16(b->data + 12) != 0x0800 ||
            b->data[23] != 17 || be16(b->data + 36) != 68 ||
            bp[0] != 2 || be32(bp + 4) != xid) {
            continue;
        }
        bool match = false;

        for (size_t o = 42 + 240; o + 2 <= len && b->data[o] != 255;
             o += 2 + b->data[o + 1]) {
            const uint8_t *opt = b->data + o;

            if (opt[0] == 54 && opt[1] == 4 && o + 6 <= len) {
                inet_ntop(AF_INET, opt + 2, server, INET_ADDRSTRLEN);
            }
            if (opt[0] == 53 && opt[1] == 1 && opt[2] == type) {
                match = true;
            }
        }
        if (match) {
            inet_ntop(AF_INET, bp + 16, yiaddr, INET_ADDRSTRLEN);
            return true;
        }
    }
    return false;
}

static void dhcp(Fixture *f, char *addr)
{
    uint8_t frame[34 + 8 + BOOTP_LEN];
    char server[INET_ADDRSTRLEN] = "", offered[INET_ADDRSTRLEN];

    send_frame(f, frame, dhcp_frame(frame, 0x1234, 1, NULL, NULL));
    while (!find_dhcp_reply(f, 0x1234, 2, offered, server)) {
        run(f);
    }
    g_assert_cmpstr(offered, ==, "10.0.2.15");
    g_assert_cmpstr(server, ==, "10.0.2.2");
    send_frame(f, frame, dhcp_frame(frame, 0x5678, 3, offered, server));
    while (!find_dhcp_reply(f, 0x5678, 5, addr, server)) {
        run(f);
    }
    g_assert_cmpstr(addr, ==, offered);
}

/* ---- TCP ----------------------------------------------------------------- */

/* A TCP segment from the guest's 10.0.2.15:@sport to @dst:@dport. */
static size_t tcp_frame(uint8_t *f, const uint8_t *dst_mac, const char *dst,
                        uint16_t sport, uint16_t dport, uint32_t seq,
                        uint32_t ack, uint8_t flags, const char *data)
{
    size_t dlen = data ? strlen(data) : 0;
    uint8_t *tcp = f + 34;
    uint32_t sum;

    memcpy(f, dst_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    set16(f + 12, 0x0800);
    ip4(f + 14, 6, 20 + dlen, "10.0.2.15", dst);
    memset(tcp, 0, 20);
    set16(tcp, sport);
    set16(tcp + 2, dport);
    set32(tcp + 4, seq);
    set32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    set16(tcp + 14, 65535);
    if (dlen) {
        memcpy(tcp + 20, data, dlen);
    }
    sum = net_csum_fold(net_csum_add(0, f + 26, 8)) + 6 + 20 + dlen;
    set16(tcp + 16, ~net_csum_fold(net_csum_add(sum, tcp, 20 + dlen)));
    return 34 + 20 + dlen;
}

/* The first TCP segment to the guest's @port at or after frame @from. */
static GByteArray *find_tcp(Fixture *f, guint *from, uint16_t port,
                            uint8_t flags, size_t min_data)
{
    for (; *from < f->got->len; (*from)++) {
        GByteArray *b = g_ptr_array_index(f->got, *from);

        if (b->len >= 54 && be16(b->data + 12) == 0x0800 &&
            b->data[23] == 6 && be16(b->data + 36) == port &&
            (b->data[47] & flags) == flags &&
            be16(b->data + 16) - 40 >= (int)min_data) {
            return b;
        }
    }
    return NULL;
}

/* ---- fixture ------------------------------------------------------------- */

static uint16_t free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *arg = NULL;
    QemuOpts *o;
    g_autoptr(GPtrArray) opts = g_ptr_array_new();
    Error *err = NULL;

    f->port = free_port();
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
    while (!(syn = find_tcp(f, &from, 8080, 0x02, 0))) {
        run(f);
    }
    g_assert_cmpuint(syn->data[47] & 0x10, ==, 0);     /* SYN, no ACK */
    memcpy(mac, syn->data + 6, 6);
    peer = be32(syn->data + 38) + 1;
    send_frame(f, frame, tcp_frame(frame, mac, "10.0.2.2", 8080,
                                   be16(syn->data + 34), seq, peer, 0x12,
                                   NULL));
    seq++;
    /* The client's bytes arrive at the guest... */
    while (!(seg = find_tcp(f, &from, 8080, 0x10, 5))) {
        run(f);
    }
    g_assert_cmpmem(seg->data + 54, 5, "hello", 5);
    peer += 5;
    /* ...and the guest's reach the client. */
    send_frame(f, frame, tcp_frame(frame, mac, "10.0.2.2", 8080,
                                   be16(syn->data + 34), seq, peer, 0x18,
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
    static const struct {
        const char *arg, *msg;
    } cases[] = {
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
    EventLoop *loop = event_loop_new(NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QemuOpts *o = qemu_opts_parse(cases[i].arg, "type", NULL);
        g_autoptr(GPtrArray) opts = g_ptr_array_new();
        g_autofree char *want = g_strdup_printf("-netdev %s: %s",
                                                cases[i].arg, cases[i].msg);
        Error *err = NULL;

        g_ptr_array_add(opts, o);
        g_assert_null(net_dev_list_new(loop, opts, &err));
        g_assert_cmpstr(error_get_pretty(err), ==, want);
        error_free(err);
        qemu_opts_free(o);
    }
    event_loop_free(loop);
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
