/*
 * The net core (net/net.c) over a netdev type of the test's own: the
 * -netdev options and QEMU's messages, one device per netdev, and flow
 * control both ways.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "net-test-util.h"
#include "net/net-int.h"

/* ---- a netdev type that records what it is given ---------------------- */

typedef struct FakeHost {
    GPtrArray *sent;            /* GByteArray per frame taken */
    bool full;                  /* send() answers -EAGAIN */
    int budget;                 /* frames taken before full (-1: any) */
    struct virtio_net_hdr last_hdr;
    bool reading;
    unsigned resumed;
    bool closed;
    NetOffloads offloads;
} FakeHost;

static const char *const fake_keys[] = { "vnet", "queues", "fail", NULL };

static bool fake_open(NetDev *nd, QemuOpts *opts, Error **errp)
{
    FakeHost *h = g_new0(FakeHost, 1);
    uint64_t queues;

    h->budget = -1;
    h->sent = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_byte_array_unref);
    nd->state = h;
    if (qemu_opt_get(opts, "fail")) {
        error_setg(errp, "fake: cannot open");
        return false;
    }
    if (!qemu_opt_get_number(opts, "queues", 1, NET_QUEUES_MAX, &queues,
                             errp)) {
        return false;
    }
    nd->queues = queues;
    nd->vnet_hdr = qemu_opt_get(opts, "vnet") != NULL;
    return true;
}

static void fake_close(NetDev *nd)
{
    FakeHost *h = nd->state;

    g_ptr_array_free(h->sent, true);
    g_free(h);
}

static void fake_start(NetDev *nd)
{
    ((FakeHost *)nd->state)->reading = true;
}

static void fake_stop(NetDev *nd)
{
    ((FakeHost *)nd->state)->reading = false;
}

static void fake_resume(NetDev *nd, unsigned queue)
{
    FakeHost *h = nd->state;

    h->resumed++;
    h->reading = true;
}

static int fake_send(NetDev *nd, unsigned queue,
                     const struct virtio_net_hdr *hdr,
                     const struct iovec *iov, int iovcnt)
{
    FakeHost *h = nd->state;
    GByteArray *b;

    if (h->full || h->budget == 0) {
        return -EAGAIN;
    }
    if (h->budget > 0) {
        h->budget--;
    }
    if (hdr) {
        h->last_hdr = *hdr;
    }
    b = g_byte_array_new();
    for (int i = 0; i < iovcnt; i++) {
        g_byte_array_append(b, iov[i].iov_base, iov[i].iov_len);
    }
    g_ptr_array_add(h->sent, b);
    return 0;
}

static void fake_set_offloads(NetDev *nd, const NetOffloads *guest)
{
    ((FakeHost *)nd->state)->offloads = *guest;
}

static const NetDevClass fake_class = {
    .type = "fake",
    .keys = fake_keys,
    .open = fake_open,
    .close = fake_close,
    .start = fake_start,
    .stop = fake_stop,
    .resume = fake_resume,
    .send = fake_send,
    .set_offloads = fake_set_offloads,
};

static const NetDevClass *const fake_classes[] = { &fake_class, NULL };

/* ---- a fixture: the fake netdev, a recording port on it --------------- */

typedef struct Fixture {
    EventLoop *loop;
    NetDevList *list;
    NetDev *nd;
    FakeHost *host;
    NetTestPort guest;
} Fixture;

static NetDevList *list_from(EventLoop *loop, const char *const *args,
                             Error **errp)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qemu_opts_free);

    for (; *args; args++) {
        QemuOpts *o = qemu_opts_parse(*args, "type", NULL);

        g_assert_nonnull(o);
        g_ptr_array_add(opts, o);
    }
    return net_dev_list_new_classes(loop, fake_classes, opts, errp);
}

static void fixture_setup(Fixture *f, const char *arg)
{
    const char *args[] = { arg, NULL };

    f->loop = event_loop_new(NULL);
    g_assert_nonnull(f->loop);
    f->list = list_from(f->loop, args, NULL);
    g_assert_nonnull(f->list);
    f->nd = net_dev_find(f->list, "n0");
    g_assert_nonnull(f->nd);
    f->host = f->nd->state;
    net_test_port_init(&f->guest);
    g_assert_true(net_dev_attach(f->nd, &net_test_port_ops, &f->guest,
                                 NULL));
}

static void fixture_teardown(Fixture *f)
{
    net_dev_list_free(f->list);
    event_loop_free(f->loop);
    net_test_port_destroy(&f->guest);
}

static void run_pending(Fixture *f)
{
    g_assert_true(event_loop_run_once(f->loop, 0, NULL));
}

/* ---- options ----------------------------------------------------------- */

static void check_error(const char *arg, const char *msg)
{
    const char *args[] = { "fake,id=n0", arg, NULL };
    EventLoop *loop = event_loop_new(NULL);
    Error *err = NULL;

    g_assert_null(list_from(loop, args, &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, msg);
    error_free(err);
    event_loop_free(loop);
}

static void test_options(void)
{
    check_error("foo,id=x",
                "-netdev foo,id=x: Parameter 'type' does not accept value "
                "'foo'");
    check_error("id=x", "-netdev id=x: Parameter 'type' is missing");
    check_error("fake", "-netdev fake: Parameter 'id' is missing");
    check_error("fake,id=1x",
                "-netdev fake,id=1x: Parameter 'id' expects an identifier\n"
                "Identifiers consist of letters, digits, '-', '.', '_', "
                "starting with a letter.");
    check_error("fake,id=x,bogus=1",
                "-netdev fake,id=x,bogus=1: Invalid parameter 'bogus'");
    check_error("fake,id=n0", "-netdev fake,id=n0: Duplicate ID 'n0' for "
                "netdev");
    check_error("fake,id=x,fail=a,,b",
                "-netdev fake,id=x,fail=a,,b: fake: cannot open");
}

static void test_list(void)
{
    const char *args[] = { "fake,id=a", "type=fake,id=b,queues=4", NULL };
    EventLoop *loop = event_loop_new(NULL);
    NetDevList *list = list_from(loop, args, NULL);
    QemuOpts *opts = qemu_opts_parse("fake,id=c", "type", NULL);
    NetDev *a, *b, *c;

    g_assert_nonnull(list);
    a = net_dev_find(list, "a");
    b = net_dev_find(list, "b");
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    g_assert_null(net_dev_find(list, "c"));
    g_assert_cmpstr(net_dev_id(b), ==, "b");
    g_assert_cmpstr(net_dev_type(b), ==, "fake");
    g_assert_cmpuint(net_dev_queues(a), ==, 1);
    g_assert_cmpuint(net_dev_queues(b), ==, 4);
    g_assert_null(net_dev_ifname(a));
    c = net_dev_add(list, opts, NULL);
    g_assert_nonnull(c);
    g_assert_true(net_dev_find(list, "c") == c);
    net_dev_remove(list, a);
    g_assert_null(net_dev_find(list, "a"));
    qemu_opts_free(opts);
    net_dev_list_free(list);
    event_loop_free(loop);
}

/* ---- attach ------------------------------------------------------------ */

static void test_attach(Fixture *f, gconstpointer data)
{
    NetTestPort other = { 0 };
    Error *err = NULL;

    g_assert_true(f->host->reading);
    g_assert_false(net_dev_attach(f->nd, &net_test_port_ops, &other, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Property 'netdev' can't take value 'n0', it's in use");
    error_free(err);
    net_dev_detach(f->nd);
    g_assert_false(f->host->reading);
    g_assert_true(net_dev_attach(f->nd, &net_test_port_ops, &other, NULL));
    g_assert_true(f->host->reading);
}

static void test_offloads(Fixture *f, gconstpointer data)
{
    NetOffloads o = { .csum4 = true, .tso4 = true };

    net_dev_set_offloads(f->nd, &o);
    g_assert_true(f->host->offloads.csum4);
    g_assert_false(f->host->offloads.csum6);
    g_assert_true(f->host->offloads.tso4);
    g_assert_false(f->host->offloads.tso6);
}

/* ---- flow control ------------------------------------------------------ */

static const struct virtio_net_hdr plain;

static void test_send(Fixture *f, gconstpointer data)
{
    uint8_t a[60] = { 1 }, b[] = { 2, 3 };
    struct iovec iov[] = { { a, sizeof(a) }, { b, sizeof(b) } };
    GByteArray *got;

    g_assert_cmpint(net_dev_send(f->nd, 0, &plain, iov, 2), ==, 0);
    g_assert_cmpuint(f->host->sent->len, ==, 1);
    got = g_ptr_array_index(f->host->sent, 0);
    g_assert_cmpuint(got->len, ==, 62);
    g_assert_cmpuint(got->data[60], ==, 2);

    f->host->full = true;
    g_assert_cmpint(net_dev_send(f->nd, 0, &plain, iov, 2), ==, -EAGAIN);
    /* Not writable yet: no callback. */
    g_assert_cmpuint(f->guest.writable, ==, 0);
    f->host->full = false;
    net_dev_host_writable(f->nd, 0);
    g_assert_cmpuint(f->guest.writable, ==, 1);
    /* Owed once only. */
    net_dev_host_writable(f->nd, 0);
    g_assert_cmpuint(f->guest.writable, ==, 1);

    g_assert_cmpint(net_dev_send(f->nd, 0, &plain, iov, 0), ==, -EINVAL);
}

static void test_receive(Fixture *f, gconstpointer data)
{
    uint8_t a[60] = { 7 };
    struct iovec iov = { a, sizeof(a) };
    GByteArray *got;

    g_assert_true(net_dev_deliver(f->nd, 0, NULL, &iov, 1));
    g_assert_cmpuint(f->guest.got->len, ==, 1);

    f->guest.full = true;
    g_assert_false(net_dev_deliver(f->nd, 0, NULL, &iov, 1));
    /* The core keeps the frame: a copy, not the type's buffer. */
    a[0] = 8;
    net_dev_resume(f->nd, 0);
    run_pending(f);
    g_assert_cmpuint(f->guest.got->len, ==, 1);
    g_assert_cmpuint(f->host->resumed, ==, 0);

    f->guest.full = false;
    net_dev_resume(f->nd, 0);
    run_pending(f);
    g_assert_cmpuint(f->guest.got->len, ==, 2);
    got = g_ptr_array_index(f->guest.got, 1);
    g_assert_cmpuint(got->data[0], ==, 7);
    g_assert_cmpuint(f->host->resumed, ==, 1);
}

static void test_detach_drops(Fixture *f, gconstpointer data)
{
    uint8_t a[60] = { 7 };
    struct iovec iov = { a, sizeof(a) };

    f->guest.full = true;
    g_assert_false(net_dev_deliver(f->nd, 0, NULL, &iov, 1));
    net_dev_resume(f->nd, 0);
    f->guest.full = false;
    net_dev_detach(f->nd);
    run_pending(f);
    /* No callback after detach: the held frame went with it. */
    g_assert_cmpuint(f->guest.got->len, ==, 0);
    g_assert_true(net_dev_attach(f->nd, &net_test_port_ops, &f->guest,
                                 NULL));
    g_assert_true(net_dev_deliver(f->nd, 0, NULL, &iov, 1));
    g_assert_cmpuint(f->guest.got->len, ==, 1);
}

/* A resume the device asks for just before its netdev goes. */
static void test_resume_then_remove(Fixture *f, gconstpointer data)
{
    net_dev_detach(f->nd);
    net_dev_resume(f->nd, 0);
    net_dev_remove(f->list, f->nd);
    run_pending(f);
    g_assert_null(net_dev_find(f->list, "n0"));
}

static void test_queues(Fixture *f, gconstpointer data)
{
    uint8_t a[60] = { 0 };
    struct iovec iov = { a, sizeof(a) };

    g_assert_cmpuint(net_dev_queues(f->nd), ==, 3);
    f->guest.full = true;
    g_assert_false(net_dev_deliver(f->nd, 1, NULL, &iov, 1));
    f->guest.full = false;
    /* Another queue is not held up by queue 1. */
    g_assert_true(net_dev_deliver(f->nd, 2, NULL, &iov, 1));
    g_assert_false(net_dev_deliver(f->nd, 1, NULL, &iov, 1));
    net_dev_resume(f->nd, 1 + 3);   /* device queue 4 is netdev queue 1 */
    run_pending(f);
    g_assert_cmpuint(f->guest.got->len, ==, 2);
    g_assert_true(net_dev_deliver(f->nd, 1, NULL, &iov, 1));
}

/* ---- offloads in software ----------------------------------------------- */

/* A TCP/IPv4 frame of @payload bytes; checksums are net-offload's tests'. */
static size_t tcp4_frame(uint8_t *b, size_t payload,
                         struct virtio_net_hdr *hdr, unsigned mss)
{
    memset(b, 0, 54);
    b[12] = 0x08;
    b[14] = 0x45;
    b[16] = (40 + payload) >> 8;
    b[17] = (40 + payload) & 0xff;
    b[23] = 6;
    b[46] = 5 << 4;
    for (size_t i = 0; i < payload; i++) {
        b[54 + i] = i;
    }
    *hdr = (struct virtio_net_hdr) {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = mss ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_NONE,
        .gso_size = mss,
        .csum_start = 34,
        .csum_offset = 16,
    };
    return 54 + payload;
}

/*
 * A TCP/IPv6 frame of @payload bytes after @vlan tags, its checksum blank
 * and holding the pseudo-header's sum, as the host's stack leaves it.
 */
static size_t tcp6_frame(uint8_t *b, size_t payload, bool vlan,
                         struct virtio_net_hdr *hdr)
{
    size_t ip = vlan ? 18 : 14, tcp = ip + 40;
    uint32_t sum;

    memset(b, 0, tcp + 20);
    if (vlan) {
        b[12] = 0x81;
        b[15] = 7;
    }
    b[ip - 2] = 0x86;
    b[ip - 1] = 0xdd;
    b[ip] = 0x60;
    b[ip + 4] = (20 + payload) >> 8;
    b[ip + 5] = (20 + payload) & 0xff;
    b[ip + 6] = 6;
    b[ip + 7] = 64;
    b[ip + 8 + 15] = 1;
    b[ip + 24 + 15] = 2;
    b[tcp + 12] = 5 << 4;
    for (size_t i = 0; i < payload; i++) {
        b[tcp + 20 + i] = i * 7;
    }
    sum = net_csum_add(0, b + ip + 8, 32) + 6 + 20 + payload;
    b[tcp + 16] = net_csum_fold(sum) >> 8;
    b[tcp + 17] = net_csum_fold(sum) & 0xff;
    *hdr = (struct virtio_net_hdr) {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .csum_start = tcp,
        .csum_offset = 16,
    };
    return tcp + 20 + payload;
}

/* Whether tcp6_frame()'s frame in @b now has a right TCP checksum. */
static bool tcp6_csum_ok(const GByteArray *b, bool vlan)
{
    size_t ip = vlan ? 18 : 14, tcp = ip + 40;
    uint32_t sum = net_csum_add(0, b->data + ip + 8, 32) + 6 + b->len - tcp;

    return net_csum_fold(net_csum_add(sum, b->data + tcp, b->len - tcp)) ==
           0xffff;
}

static uint8_t frame_buf[NET_FRAME_MAX];

static void test_send_segments(Fixture *f, gconstpointer data)
{
    struct virtio_net_hdr hdr;
    size_t len = tcp4_frame(frame_buf, 5000, &hdr, 1000);
    struct iovec iov = { frame_buf, len };

    /* The host side has room for two segments: the rest waits here. */
    f->host->budget = 2;
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, 0);
    g_assert_cmpuint(f->host->sent->len, ==, 2);
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, -EAGAIN);
    f->host->budget = -1;
    net_dev_host_writable(f->nd, 0);
    g_assert_cmpuint(f->host->sent->len, ==, 5);
    g_assert_cmpuint(f->guest.writable, ==, 1);
    for (guint i = 0; i < 5; i++) {
        GByteArray *b = g_ptr_array_index(f->host->sent, i);

        g_assert_cmpuint(b->len, ==, 54 + 1000);
        g_assert_cmpuint(b->data[54], ==, (uint8_t)(i * 1000));
    }

    /* A checksum only: finished, one frame. */
    len = tcp4_frame(frame_buf, 100, &hdr, 0);
    iov.iov_len = len;
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, 0);
    g_assert_cmpuint(f->host->sent->len, ==, 6);

    /* Headers that do not fit the frame are refused. */
    len = tcp4_frame(frame_buf, 100, &hdr, 0);
    hdr.csum_start = len;
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, -EINVAL);
    len = tcp4_frame(frame_buf, 100, &hdr, 0);
    hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, -EINVAL);
    g_assert_cmpuint(f->host->sent->len, ==, 6);
}

static void test_send_vnet(Fixture *f, gconstpointer data)
{
    struct virtio_net_hdr hdr;
    size_t len = tcp4_frame(frame_buf, 5000, &hdr, 1000);
    struct iovec iov = { frame_buf, len };

    /* A host side that takes offloads gets the frame whole. */
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, 0);
    g_assert_cmpuint(f->host->sent->len, ==, 1);
    g_assert_cmpuint(f->host->last_hdr.gso_size, ==, 1000);
    hdr.gso_size = 0;
    g_assert_cmpint(net_dev_send(f->nd, 0, &hdr, &iov, 1), ==, -EINVAL);
}

static void test_receive_segments(Fixture *f, gconstpointer data)
{
    NetOffloads all = { .csum4 = true, .csum6 = true, .tso4 = true,
                        .tso6 = true, .ecn = true };
    struct virtio_net_hdr hdr;
    size_t len = tcp4_frame(frame_buf, 5000, &hdr, 1000);
    struct iovec iov = { frame_buf, len };

    /* No offloads said yet: the guest gets segments. */
    f->guest.budget = 3;
    g_assert_false(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
    g_assert_cmpuint(f->guest.got->len, ==, 3);
    g_assert_cmpuint(f->guest.last_hdr.gso_type, ==, 0);
    g_assert_cmpuint(f->guest.last_hdr.flags, ==, 0);
    f->guest.budget = -1;
    net_dev_resume(f->nd, 0);
    run_pending(f);
    g_assert_cmpuint(f->guest.got->len, ==, 5);
    g_assert_cmpuint(f->host->resumed, ==, 1);

    /* A guest that takes TSO gets it whole. */
    net_dev_set_offloads(f->nd, &all);
    g_assert_true(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
    g_assert_cmpuint(f->guest.got->len, ==, 6);
    g_assert_cmpuint(f->guest.last_hdr.gso_size, ==, 1000);

    /* A bad header from the host side is dropped, not passed on. */
    all.tso4 = false;
    net_dev_set_offloads(f->nd, &all);
    hdr.gso_size = 0;
    g_assert_true(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
    g_assert_cmpuint(f->guest.got->len, ==, 6);
}

/* A guest may take blank checksums over one IP version only. */
static void test_receive_csum_versions(Fixture *f, gconstpointer data)
{
    NetOffloads v4 = { .csum4 = true }, v6 = { .csum6 = true };
    struct virtio_net_hdr hdr;
    struct iovec iov = { frame_buf, 0 };
    GPtrArray *got = f->guest.got;

    net_dev_set_offloads(f->nd, &v4);
    iov.iov_len = tcp4_frame(frame_buf, 100, &hdr, 0);
    g_assert_true(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
    g_assert_cmpuint(got->len, ==, 1);
    g_assert_cmpuint(f->guest.last_hdr.flags, ==,
                     VIRTIO_NET_HDR_F_NEEDS_CSUM);
    /* IPv6, plain and tagged: finished here, passed on without the flag. */
    for (int vlan = 0; vlan < 2; vlan++) {
        iov.iov_len = tcp6_frame(frame_buf, 333, vlan, &hdr);
        g_assert_false(tcp6_csum_ok(&(GByteArray) { frame_buf,
                                                    iov.iov_len }, vlan));
        g_assert_true(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
        g_assert_cmpuint(got->len, ==, 2 + vlan);
        g_assert_cmpuint(f->guest.last_hdr.flags, ==, 0);
        g_assert_true(tcp6_csum_ok(g_ptr_array_index(got, 1 + vlan), vlan));
    }

    net_dev_set_offloads(f->nd, &v6);
    iov.iov_len = tcp6_frame(frame_buf, 333, true, &hdr);
    g_assert_true(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
    g_assert_cmpuint(f->guest.last_hdr.flags, ==,
                     VIRTIO_NET_HDR_F_NEEDS_CSUM);
    g_assert_false(tcp6_csum_ok(g_ptr_array_index(got, 3), true));
    /* A frame of neither version needs both flags. */
    iov.iov_len = tcp6_frame(frame_buf, 333, false, &hdr);
    frame_buf[12] = 0x88;
    frame_buf[13] = 0xb5;
    g_assert_true(net_dev_deliver(f->nd, 0, &hdr, &iov, 1));
    g_assert_cmpuint(got->len, ==, 5);
    g_assert_cmpuint(f->guest.last_hdr.flags, ==, 0);
}

static void fixture_plain(Fixture *f, gconstpointer data)
{
    fixture_setup(f, data ? data : "fake,id=n0");
}

static void fixture_down(Fixture *f, gconstpointer data)
{
    fixture_teardown(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/options", test_options);
    g_test_add_func("/net/list", test_list);
#define ADD(path, fn, arg) \
    g_test_add(path, Fixture, arg, fixture_plain, fn, fixture_down)
    ADD("/net/attach", test_attach, NULL);
    ADD("/net/offloads", test_offloads, NULL);
    ADD("/net/send", test_send, NULL);
    ADD("/net/receive", test_receive, NULL);
    ADD("/net/detach-drops", test_detach_drops, NULL);
    ADD("/net/queues", test_queues, "fake,id=n0,queues=3");
    ADD("/net/resume-then-remove", test_resume_then_remove, NULL);
    ADD("/net/send-segments", test_send_segments, NULL);
    ADD("/net/send-vnet", test_send_vnet, "fake,id=n0,vnet=on");
    ADD("/net/receive-segments", test_receive_segments, NULL);
    ADD("/net/receive-csum-versions", test_receive_csum_versions, NULL);
#undef ADD
    return g_test_run();
}
