/*
 * The net backend in-process, against the test netfront negotiating as
 * Linux's xen-netfront does: queues 1 to 4 with and without split event
 * channels, each offload on and off, the control ring, a reconnect after
 * close, two vifs at once and RX flow control, with frames both ways
 * through a stream netdev on a unix socket the test holds; and the net
 * guest program's bridge between two such vifs. (test-xen-net is the
 * backend's own test, with rings written by hand.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* netif.h's own Toeplitz hash, the reference for the hash extra. */
#define XEN_NETIF_DEFINE_TOEPLITZ

#include <glib.h>
#include <string.h>

#include "netfront-fixture.h"
#include "xenner/guests/guest-net.h"
#include "xenner/guests/netfront-csum.h"

/* The frame sizes sent both ways: the smallest, one MTU, jumbo ones. */
static const size_t sizes[] = { 60, 1514, 4000, 9014 };

static void assert_same(GBytes *got, GBytes *want)
{
    g_assert_cmpuint(g_bytes_get_size(got), ==, g_bytes_get_size(want));
    g_assert_true(g_bytes_equal(got, want));
}

/* The guest sends @n frames of each size on every queue; all arrive. */
static void guest_to_host(Vif *v, unsigned n)
{
    unsigned seed = 0;

    for (unsigned q = 0; q < netfront_nr_queues(v->nf); q++) {
        for (unsigned i = 0; i < n; i++) {
            for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
                g_autoptr(GBytes) fr = make_frame(sizes[s], seed++);
                g_autoptr(GBytes) got = NULL;
                gsize len;
                const void *p = g_bytes_get_data(fr, &len);

                g_assert_cmpint(netfront_send(v->nf, q, NULL, p, len), ==, 0);
                got = vif_host_recv(v);
                assert_same(got, fr);
            }
        }
    }
}

/* The host sends @n frames of each size; all reach the netfront. */
static void host_to_guest(Vif *v, unsigned n, bool sg)
{
    unsigned seed = 1000;

    for (unsigned i = 0; i < n; i++) {
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
            g_autoptr(GBytes) fr = make_frame(sizes[s], seed++);
            gsize len;
            const void *p = g_bytes_get_data(fr, &len);
            RxFrame *r;

            if (!sg && len > 1514) {
                continue;       /* more than a non-SG frontend takes */
            }
            vif_host_send(v, p, len);
            r = vif_guest_recv(v);
            assert_same(r->data, fr);
            g_assert_cmpuint(r->queue, <, netfront_nr_queues(v->nf));
            /* Copied into pages: one slot per page it needs at least. */
            g_assert_cmpuint(r->info.slots, >=, (len + 4095) / 4096);
            rx_frame_free(r);
        }
    }
}

/* ---- negotiation variants -------------------------------------------- */

typedef struct Variant {
    unsigned queues;
    bool split;
} Variant;

static void test_queues(NetFixture *f, gconstpointer data)
{
    const Variant *var = data;
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    XenNicOpts opts = { .max_queues = 4 };
    g_autofree char *state = NULL, *num = NULL, *split_key = NULL;
    g_autofree char *want = g_strdup_printf("%u", var->queues);
    Vif *v;

    cfg.nr_queues = var->queues;
    cfg.split = var->split;
    v = vif_new(f, 0, &opts, &cfg, false);
    state = vif_be_key(v, "state");
    g_assert_cmpstr(state, ==, "4");
    g_assert_cmpuint(netfront_nr_queues(v->nf), ==, var->queues);
    num = vif_fe_key(v, "multi-queue-num-queues");
    g_assert_cmpstr(num, ==, want);
    split_key = vif_be_key(v, "feature-split-event-channels");
    g_assert_cmpstr(split_key, ==, "1");
    g_assert_true(netfront_split(v->nf) == var->split);
    guest_to_host(v, 2);
    host_to_guest(v, 2, true);
    g_assert_cmpuint(netfront_grants_in_use(v->nf), >, 0);
}

typedef struct Features {
    const char *name;
    bool sg, gso, csum;
} Features;

static const Features features[] = {
    { "all-on", true, true, true },
    { "sg-off", false, false, true },
    { "gso-off", true, false, true },
    { "csum-off", true, true, false },
};

/* An IPv4 UDP frame of @payload bytes, its checksum left blank. */
static size_t udp_frame(uint8_t *b, size_t payload, struct virtio_net_hdr *h)
{
    size_t len = 14 + 20 + 8 + payload;
    uint32_t ps;

    memset(b, 0, len);
    memcpy(b, "\x00\x16\x3e\x00\x00\x01\x00\x16\x3e\x00\x00\x02\x08\x00", 14);
    b[14] = 0x45;
    b[16] = (20 + 8 + payload) >> 8;
    b[17] = (20 + 8 + payload) & 0xff;
    b[22] = 64;
    b[23] = 17;
    memcpy(b + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    /* the IPv4 header checksum */
    {
        uint16_t c = ~netfront_csum_fold(b + 14, 20, 0);

        b[24] = c >> 8;
        b[25] = c & 0xff;
    }
    b[34] = 0x30;               /* ports 12345 -> 5201 */
    b[35] = 0x39;
    b[36] = 0x14;
    b[37] = 0x51;
    b[38] = (8 + payload) >> 8;
    b[39] = (8 + payload) & 0xff;
    for (size_t i = 0; i < payload; i++) {
        b[42 + i] = i * 13 + 5;
    }
    ps = 17 + 8 + payload + netfront_csum_fold(b + 26, 8, 0);
    ps = netfront_csum_fold(NULL, 0, ps);
    b[40] = ps >> 8;
    b[41] = ps & 0xff;
    *h = (struct virtio_net_hdr) {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .csum_start = 34,
        .csum_offset = 6,
    };
    return len;
}

/* The UDP checksum of an IPv4 frame is right (what a receiver checks). */
static bool udp_csum_ok(const uint8_t *b, size_t len)
{
    uint32_t s = 17 + (len - 34) + netfront_csum_fold(b + 26, 8, 0);

    return netfront_csum_fold(b + 34, len - 34, s) == 0xffff;
}

static void test_features(NetFixture *f, gconstpointer data)
{
    const Features *ft = data;
    NetFrontConfig cfg = { .nr_queues = 1, .split = true, .sg = ft->sg,
                           .gso = ft->gso, .csum = ft->csum };
    struct virtio_net_hdr h;
    uint8_t fr[2000];
    size_t len = udp_frame(fr, 1000, &h);
    g_autoptr(GBytes) got = NULL;
    g_autofree char *sg = NULL, *nocsum = NULL;
    Vif *v = vif_new(f, 0, NULL, &cfg, false);

    sg = vif_fe_key(v, "feature-sg");
    g_assert_cmpstr(sg, ==, ft->sg ? "1" : "0");
    nocsum = vif_fe_key(v, "feature-no-csum-offload");
    g_assert_cmpstr(nocsum, ==, ft->csum ? NULL : "1");
    guest_to_host(v, 1);
    host_to_guest(v, 1, ft->sg);

    /* A blank checksum from the guest leaves the host side filled in. */
    g_assert_false(udp_csum_ok(fr, len));
    g_assert_cmpint(netfront_send(v->nf, 0, &h, fr, len), ==, 0);
    got = vif_host_recv(v);
    g_assert_cmpuint(g_bytes_get_size(got), ==, len);
    g_assert_true(udp_csum_ok(g_bytes_get_data(got, NULL), len));
}

/* ---- a TCP frame the guest asks to be segmented ------------------------ */

/* An IPv4 TCP frame 10.0.0.1:12345 -> 10.0.0.2:5201 of @payload bytes. */
static size_t tcp_frame(uint8_t *b, size_t payload)
{
    size_t len = 14 + 20 + 20 + payload;

    memset(b, 0, 54);
    memcpy(b, "\x00\x16\x3e\x00\x00\x01\x00\x16\x3e\x00\x00\x02\x08\x00",
           14);
    b[14] = 0x45;
    b[16] = (len - 14) >> 8;
    b[17] = (len - 14) & 0xff;
    b[22] = 64;
    b[23] = 6;
    memcpy(b + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    b[34] = 0x30;
    b[35] = 0x39;
    b[36] = 0x14;
    b[37] = 0x51;
    b[34 + 12] = 5 << 4;
    b[34 + 13] = 0x18;          /* PSH ACK */
    for (size_t i = 0; i < payload; i++) {
        b[54 + i] = i * 3 + 1;
    }
    return len;
}

static void test_gso_to_stream(NetFixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    Vif *v = vif_new(f, 0, NULL, &cfg, false);
    size_t payload = 20000, mss = 1448, len = 14 + 20 + 20 + payload;
    g_autofree uint8_t *b = g_malloc0(len);
    struct virtio_net_hdr h = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .gso_size = mss,
        .hdr_len = 54,
        .csum_start = 34,
        .csum_offset = 16,
    };
    size_t got_payload = 0;
    unsigned segs = 0;

    if (!netfront_backend_uint(v->nf, "feature-gso-tcpv4")) {
        g_test_skip("the backend does not offer feature-gso-tcpv4");
        return;
    }
    tcp_frame(b, payload);
    g_assert_cmpint(netfront_send(v->nf, 0, &h, b, len), ==, 0);
    /* The stream cannot carry GSO: it gets MSS-sized TCP segments. */
    while (got_payload < payload) {
        g_autoptr(GBytes) seg = vif_host_recv(v);
        gsize n;
        const uint8_t *s = g_bytes_get_data(seg, &n);
        NetFrontL4 l4;

        g_assert_true(netfront_parse_l4(s, n, &l4));
        g_assert_true(l4.tcp);
        g_assert_cmpuint(n - 54, <=, mss);
        g_assert_cmpmem(s + 54, n - 54, b + 54 + got_payload, n - 54);
        got_payload += n - 54;
        segs++;
    }
    g_assert_cmpuint(got_payload, ==, payload);
    g_assert_cmpuint(segs, ==, (payload + mss - 1) / mss);
}

/* ---- reconnect, control ring, two vifs, flow control ------------------ */

static void test_reconnect(NetFixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    Vif *v;

    cfg.nr_queues = 2;
    v = vif_new(f, 0, NULL, &cfg, false);
    guest_to_host(v, 1);
    host_to_guest(v, 1, true);
    for (int round = 2; round <= 3; round++) {
        netfront_reconnect(v->nf);
        while (v->connects < round) {
            net_pump(f, 1);
        }
        g_assert_true(v->connected);
        guest_to_host(v, 1);
        host_to_guest(v, 1, true);
    }
}

typedef struct CtrlDone {
    bool done;
    uint32_t status, data;
} CtrlDone;

static void ctrl_done(void *opaque, uint32_t status, uint32_t data)
{
    CtrlDone *d = opaque;

    d->done = true;
    d->status = status;
    d->data = data;
}

/* One control request, waited for: its status (and data in *@out). */
static uint32_t ctrl(NetFixture *f, Vif *v, uint16_t type,
                     const uint32_t data[3], uint32_t *out)
{
    CtrlDone d = { 0 };

    g_assert_cmpint(netfront_ctrl_request(v->nf, type, data, ctrl_done, &d),
                    ==, 0);
    net_pump_until(f, &d.done);
    if (out) {
        *out = d.data;
    }
    return d.status;
}

static void test_ctrl(NetFixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    const uint32_t none[3] = { 0 };
    const uint32_t alg[3] = { XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ };
    uint32_t flags = 0;
    uint8_t key[40], fr[200];
    size_t len;
    void *va;
    int ref;
    RxFrame *r;
    Vif *v;

    cfg.ctrl = true;
    v = vif_new(f, 0, NULL, &cfg, false);
    if (!netfront_backend_uint(v->nf, "feature-ctrl-ring")) {
        g_test_skip("the backend does not offer feature-ctrl-ring");
        return;
    }
    g_assert_true(netfront_has_ctrl(v->nf));
    /* As Linux's netback: no flags until an algorithm is chosen. */
    g_assert_cmpuint(ctrl(f, v, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, none,
                          NULL), ==, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED);
    g_assert_cmpuint(ctrl(f, v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, alg,
                          NULL), ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    g_assert_cmpuint(ctrl(f, v, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, none,
                          &flags), ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    g_assert_cmphex(flags, ==, XEN_NETIF_CTRL_HASH_TYPE_IPV4 |
                    XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP |
                    XEN_NETIF_CTRL_HASH_TYPE_IPV6 |
                    XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP);

    /* A key and the IPv4 TCP type: TCP frames come with a hash extra. */
    ref = netfront_grant_page(v->nf, true, &va);
    g_assert_cmpint(ref, >, 0);
    for (unsigned i = 0; i < sizeof(key); i++) {
        key[i] = i * 11 + 7;
    }
    memcpy(va, key, sizeof(key));
    g_assert_cmpuint(ctrl(f, v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
                          (uint32_t[3]) { ref, sizeof(key) }, NULL), ==,
                     XEN_NETIF_CTRL_STATUS_SUCCESS);
    g_assert_cmpuint(ctrl(f, v, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
                          (uint32_t[3]) { XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP },
                          NULL), ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    len = tcp_frame(fr, 100);
    vif_host_send(v, fr, len);
    r = vif_guest_recv(v);
    g_assert_cmpmem(g_bytes_get_data(r->data, NULL),
                    g_bytes_get_size(r->data), fr, len);
    g_assert_true(r->info.has_hash);
    g_assert_cmpuint(r->info.hash_type, ==, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    g_assert_cmpuint(r->info.hash_algorithm, ==,
                     XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
    /* addresses and ports, as they are on the wire */
    g_assert_cmphex(r->info.hash, ==,
                    xen_netif_toeplitz_hash(key, sizeof(key), fr + 26, 12));
    rx_frame_free(r);
    guest_to_host(v, 1);
}

static void test_two_vifs(NetFixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    Vif *a = vif_new(f, 0, NULL, &cfg, false);
    Vif *b = vif_new(f, 1, NULL, &cfg, false);
    g_autoptr(GBytes) fa = make_frame(100, 1), fb = make_frame(200, 2);
    g_autoptr(GBytes) gb = NULL;
    RxFrame *r;

    vif_host_send(a, g_bytes_get_data(fa, NULL), 100);
    vif_host_send(b, g_bytes_get_data(fb, NULL), 200);
    r = vif_guest_recv(b);
    assert_same(r->data, fb);
    rx_frame_free(r);
    r = vif_guest_recv(a);
    assert_same(r->data, fa);
    rx_frame_free(r);
    g_assert_cmpint(netfront_send(b->nf, 0, NULL, g_bytes_get_data(fb, NULL),
                                  200), ==, 0);
    gb = vif_host_recv(b);
    assert_same(gb, fb);
    g_assert_true(g_queue_is_empty(&a->host_rx));
}

static void test_rx_refused(NetFixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    Vif *v = vif_new(f, 0, NULL, &cfg, false);
    GBytes *sent[64];

    /* A guest that takes nothing: the frames wait, none is lost. */
    v->refuse_rx = true;
    for (unsigned i = 0; i < G_N_ELEMENTS(sent); i++) {
        sent[i] = make_frame(60 + i * 20, i);
        vif_host_send(v, g_bytes_get_data(sent[i], NULL), 60 + i * 20);
    }
    net_pump(f, 50);
    g_assert_true(g_queue_is_empty(&v->guest_rx));
    v->refuse_rx = false;
    netfront_rx_resume(v->nf, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(sent); i++) {
        RxFrame *r = vif_guest_recv(v);

        assert_same(r->data, sent[i]);
        rx_frame_free(r);
        g_bytes_unref(sent[i]);
    }
}

/* ---- the raw API, as the hostile tests use it ----------------------- */

static void test_raw(NetFixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    Vif *a = vif_new(f, 0, NULL, &cfg, false);
    Vif *b = vif_new(f, 1, NULL, &cfg, false);
    g_autoptr(GBytes) fr = make_frame(60, 9);
    g_autoptr(GBytes) got = NULL;
    g_autofree char *err = NULL, *state = NULL;
    NetFrontTxSlot slot = { 0 };
    void *va;
    int ref = netfront_grant_page(a->nf, true, &va);

    /* One slot written by hand: the frame goes, the response is ours. */
    g_assert_cmpint(ref, >, 0);
    memcpy(va, g_bytes_get_data(fr, NULL), 60);
    slot.req = (netif_tx_request_t) { .gref = ref, .id = 77, .size = 60 };
    g_assert_cmpint(netfront_tx_raw(a->nf, 0, &slot, 1, true), ==, 0);
    net_pump_until(f, &a->raw_done);
    g_assert_cmpuint(a->raw_id, ==, 77);
    g_assert_cmpint(a->raw_status, ==, NETIF_RSP_OKAY);
    got = vif_host_recv(a);
    assert_same(got, fr);

    /* A slot past its page (XSA-448's kind): that vif fails, alone. */
    slot.req = (netif_tx_request_t) {
        .gref = ref, .offset = 4000, .id = 78, .size = 200,
    };
    g_assert_cmpint(netfront_tx_raw(a->nf, 0, &slot, 1, true), ==, 0);
    for (int i = 0; i < 20000 && a->connected; i++) {
        net_pump(f, 1);
    }
    g_assert_false(a->connected);
    err = vif_be_key(a, "error");
    state = vif_be_key(a, "state");
    g_assert_nonnull(err);
    g_assert_cmpstr(state, !=, "4");
    g_assert_true(b->connected);
    guest_to_host(b, 1);
    host_to_guest(b, 1, true);
}

/* ---- the net guest program's bridge --------------------------------- */

static uint64_t guest_counter(NetFixture *f, unsigned h, const char *name)
{
    g_autofree char *key = g_strdup_printf("data/net/%u/%s", h, name);
    g_autofree char *v = xenner_guest_xs_read(f->guest, key);

    return v ? g_ascii_strtoull(v, NULL, 10) : 0;
}

static bool guest_vif_connected(NetFixture *f, unsigned h)
{
    g_autofree char *key = g_strdup_printf("data/net/%u/state", h);
    g_autofree char *v = xenner_guest_xs_read(f->guest, key);

    return v && g_str_has_prefix(v, "connected");
}

static void test_guest_bridge(NetFixture *f, gconstpointer data)
{
    const char *keys = data;
    QemuOpts *qo = qemu_opts_parse(keys, NULL, NULL);
    Vif *a = vif_new(f, 0, NULL, NULL, true);
    GuestNet *gn = guest_net_new(f->guest, qo, NULL);
    bool sg = !strstr(keys, "net-sg=off");
    uint64_t frames[2] = { 0 }, bytes[2] = { 0 };
    Vif *b;

    g_assert_nonnull(gn);
    /* vif 1 is hotplugged once the guest runs. */
    net_pump(f, 20);
    b = vif_new(f, 1, NULL, NULL, true);
    for (int i = 0; i < 20000 && !(guest_vif_connected(f, 0) &&
                                   guest_vif_connected(f, 1)); i++) {
        net_pump(f, 1);
    }
    g_assert_true(guest_vif_connected(f, 0) && guest_vif_connected(f, 1));
    /* Every frame into one side comes out of the other, both ways. */
    for (unsigned i = 0; i < 40; i++) {
        for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
            Vif *from = i % 2 ? b : a, *to = i % 2 ? a : b;
            g_autoptr(GBytes) fr = make_frame(sizes[s], i * 10 + s);
            g_autoptr(GBytes) got = NULL;

            if (!sg && sizes[s] > 1514) {
                continue;       /* more than a non-SG frontend takes */
            }
            vif_host_send(from, g_bytes_get_data(fr, NULL), sizes[s]);
            got = vif_host_recv(to);
            assert_same(got, fr);
            frames[i % 2]++;
            bytes[i % 2] += sizes[s];
        }
    }
    /* Its counters say every frame crossed both rings. */
    for (int i = 0; i < 20000 &&
         guest_counter(f, 0, "tx-frames") < frames[1]; i++) {
        net_pump(f, 1);
    }
    for (unsigned h = 0; h < 2; h++) {
        g_assert_cmpuint(guest_counter(f, h, "rx-frames"), ==, frames[h]);
        g_assert_cmpuint(guest_counter(f, h, "rx-bytes"), ==, bytes[h]);
        g_assert_cmpuint(guest_counter(f, !h, "tx-frames"), ==, frames[h]);
        g_assert_cmpuint(guest_counter(f, !h, "tx-bytes"), ==, bytes[h]);
        g_assert_cmpuint(guest_counter(f, h, "drops"), ==, 0);
    }
    guest_net_free(gn);
    qemu_opts_free(qo);
}

int main(int argc, char **argv)
{
    static Variant variants[8];

    g_test_init(&argc, &argv, NULL);
    for (unsigned i = 0; i < G_N_ELEMENTS(variants); i++) {
        g_autofree char *name = NULL;

        variants[i] = (Variant) { .queues = i / 2 + 1, .split = i % 2 };
        name = g_strdup_printf("/xen-netfront/queues/%u/%s",
                               variants[i].queues,
                               variants[i].split ? "split" : "one-channel");
        g_test_add(name, NetFixture, &variants[i], net_fixture_setup,
                   test_queues, net_fixture_teardown);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(features); i++) {
        g_autofree char *name = g_strdup_printf("/xen-netfront/features/%s",
                                                features[i].name);

        g_test_add(name, NetFixture, &features[i], net_fixture_setup,
                   test_features, net_fixture_teardown);
    }
#define T(name, fn) \
    g_test_add("/xen-netfront/" name, NetFixture, NULL, net_fixture_setup, fn, \
               net_fixture_teardown)
    T("gso-to-stream", test_gso_to_stream);
    T("reconnect", test_reconnect);
    T("ctrl", test_ctrl);
    T("two-vifs", test_two_vifs);
    T("rx-refused", test_rx_refused);
    T("raw", test_raw);
#undef T
    g_test_add("/xen-netfront/guest-bridge/default", NetFixture,
               "net-queues=1", net_fixture_setup, test_guest_bridge,
               net_fixture_teardown);
    g_test_add("/xen-netfront/guest-bridge/queues", NetFixture,
               "net-queues=3,net-split=off", net_fixture_setup,
               test_guest_bridge, net_fixture_teardown);
    g_test_add("/xen-netfront/guest-bridge/no-offloads", NetFixture,
               "net-sg=off,net-gso=off,net-csum=off", net_fixture_setup,
               test_guest_bridge, net_fixture_teardown);
    return g_test_run();
}
