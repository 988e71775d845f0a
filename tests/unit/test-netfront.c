/*
 * The test netfront's side of the xenbus dance, against a backend
 * directory written by hand (no backend runs): which keys it writes for
 * each configuration and what the backend offered, the state it moves
 * to, its RX ring filled before Connected, its refusals, a reconnect,
 * and that it gives every grant back. And its header parser and
 * checksum helper, on frames built here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "xenner/guest.h"
#include "xenner/guests/netfront-csum.h"
#include "xenner/guests/netfront.h"
#include "xenner/xenner.h"

#define DOMID 4
#define FE "/local/domain/4/device/vif/0"
#define BE "/local/domain/0/backend/vif/4/0"

typedef struct Fixture {
    EventLoop *loop;
    XsTree *tree;
    Xenner *x;
    XennerGuest *guest;
    XenXsHandle *xs;            /* dom0's */
    const XenXenstoreOps *ops;
    NetFront *nf;
    int connected, disconnected;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    memset(f, 0, sizeof(*f));
    f->loop = event_loop_new(NULL);
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_nonnull(f->x);
    g_assert_true(xenner_domain_create(f->x, DOMID, "net", 4096, NULL));
    f->guest = xenner_guest_new(f->x, DOMID, NULL);
    g_assert_nonnull(f->guest);
    f->xs = xenner_xs_open_as(f->x, 0);
    f->ops = xenner_services(f->x)->xenstore;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    netfront_free(f->nf);
    for (int i = 0; i < 20; i++) {
        event_loop_run_once(f->loop, 0, NULL);
    }
    f->ops->close(f->xs);
    xenner_guest_free(f->guest);
    xenner_domain_destroy(f->x, DOMID);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
}

static void pump(Fixture *f)
{
    for (int i = 0; i < 20; i++) {
        event_loop_run_once(f->loop, 0, NULL);
    }
}

static void put(Fixture *f, const char *path, const char *value)
{
    g_assert_cmpint(f->ops->write(f->xs, 0, path, value, strlen(value)), ==,
                    0);
}

static char *get(Fixture *f, const char *path)
{
    char *v = NULL;
    size_t len;

    if (f->ops->read(f->xs, 0, path, &v, &len)) {
        return NULL;
    }
    return v;
}

static bool has_key(Fixture *f, const char *path)
{
    g_autofree char *v = get(f, path);

    return v != NULL;
}

static void check_key(Fixture *f, const char *path, const char *expect)
{
    g_autofree char *v = get(f, path);

    if (expect) {
        g_assert_cmpstr(v, ==, expect);
    } else {
        g_assert_null(v);
    }
}

static void state_cb(void *opaque, NetFront *nf, bool connected)
{
    Fixture *f = opaque;

    if (connected) {
        f->connected++;
    } else {
        f->disconnected++;
    }
}

/*
 * What a toolstack writes for vif 0 (the frontend's directory owned by
 * the guest), the backend in Initialising with @be_keys (pairs).
 */
static void make_vif(Fixture *f, const char *const *be_keys, bool mac)
{
    XenXsPerm fe_perms[] = { { DOMID, XEN_XS_PERM_NONE },
                             { 0, XEN_XS_PERM_READ } };
    XenXsPerm be_perms[] = { { 0, XEN_XS_PERM_NONE },
                             { DOMID, XEN_XS_PERM_READ } };

    /* Children inherit the directory's permissions. */
    g_assert_cmpint(f->ops->mkdir(f->xs, 0, FE), ==, 0);
    g_assert_cmpint(f->ops->set_perms(f->xs, 0, FE, fe_perms, 2), ==, 0);
    g_assert_cmpint(f->ops->mkdir(f->xs, 0, BE), ==, 0);
    g_assert_cmpint(f->ops->set_perms(f->xs, 0, BE, be_perms, 2), ==, 0);
    put(f, FE "/backend", BE);
    put(f, FE "/backend-id", "0");
    put(f, FE "/handle", "0");
    if (mac) {
        put(f, FE "/mac", "00:16:3e:01:02:03");
    }
    put(f, FE "/state", "1");
    put(f, BE "/frontend", FE);
    put(f, BE "/frontend-id", "4");
    put(f, BE "/state", "1");
    for (const char *const *k = be_keys; k && *k; k += 2) {
        g_autofree char *path = g_strdup_printf(BE "/%s", k[0]);

        put(f, path, k[1]);
    }
}

static NetFront *start(Fixture *f, const NetFrontConfig *cfg)
{
    static const NetFrontOps ops = { .state = state_cb };

    f->nf = netfront_new(f->guest, 0, cfg, &ops, f);
    pump(f);
    check_key(f, FE "/state", "1");
    put(f, BE "/state", "2");       /* InitWait */
    pump(f);
    return f->nf;
}

static const char *const full_backend[] = {
    "feature-rx-copy", "1", "feature-rx-flip", "0", "feature-sg", "1",
    "feature-gso-tcpv4", "1", "feature-gso-tcpv6", "1",
    "feature-ipv6-csum-offload", "1", "feature-rx-notify", "1",
    NULL,
};


/*
 * A frame in pieces (as the net guest's bridge passes one on from its RX
 * pages) lands in the TX page whole, in order; too many pieces, or
 * pieces adding up to too much, are refused with nothing queued.
 */
static void check_sendv(Fixture *f, NetFront *nf)
{
    uint8_t frame[200], *page;
    struct iovec iov[3], many[65];
    netif_tx_request_t req;
    grant_entry_v1_t *ent;
    uint32_t prod = netfront_tx_sring(nf, 0)->req_prod;

    for (size_t i = 0; i < sizeof(frame); i++) {
        frame[i] = i * 7 + 1;
    }
    iov[0] = (struct iovec) { .iov_base = frame, .iov_len = 14 };
    iov[1] = (struct iovec) { .iov_base = frame + 14, .iov_len = 0 };
    iov[2] = (struct iovec) { .iov_base = frame + 14,
                              .iov_len = sizeof(frame) - 14 };
    g_assert_cmpint(netfront_sendv(nf, 0, NULL, iov, 3), ==, 0);
    g_assert_cmpuint(netfront_tx_sring(nf, 0)->req_prod, ==, prod + 1);
    memcpy(&req, &netfront_tx_sring(nf, 0)->ring[prod].req, sizeof(req));
    g_assert_cmpuint(req.size, ==, sizeof(frame));
    ent = xenner_guest_grant_entry(f->guest, req.gref);
    g_assert_nonnull(ent);
    page = xenner_guest_page(f->guest, ent->frame);
    g_assert_nonnull(page);
    g_assert_cmpmem(page + req.offset, sizeof(frame), frame, sizeof(frame));

    for (size_t i = 0; i < G_N_ELEMENTS(many); i++) {
        many[i] = (struct iovec) { .iov_base = frame, .iov_len = 1 };
    }
    g_assert_cmpint(netfront_sendv(nf, 0, NULL, many, 65), ==, -EINVAL);
    many[0].iov_len = SIZE_MAX;
    g_assert_cmpint(netfront_sendv(nf, 0, NULL, many, 2), ==, -EMSGSIZE);
    g_assert_cmpuint(netfront_tx_sring(nf, 0)->req_prod, ==, prod + 1);
}
static void test_single(Fixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    NetFront *nf;
    uint8_t zeros[60] = { 0 };

    make_vif(f, full_backend, true);
    nf = start(f, &cfg);
    /* Linux goes straight to Connected, its RX ring full. */
    check_key(f, FE "/state", "4");
    check_key(f, FE "/request-rx-copy", "1");
    check_key(f, FE "/feature-rx-notify", "1");
    check_key(f, FE "/feature-sg", "1");
    check_key(f, FE "/feature-gso-tcpv4", "1");
    check_key(f, FE "/feature-gso-tcpv6", "1");
    check_key(f, FE "/feature-ipv6-csum-offload", "1");
    check_key(f, FE "/feature-no-csum-offload", NULL);
    check_key(f, FE "/multi-queue-num-queues", NULL);
    check_key(f, FE "/event-channel-tx", NULL);
    check_key(f, FE "/queue-0/tx-ring-ref", NULL);
    g_assert_true(has_key(f, FE "/tx-ring-ref"));
    g_assert_true(has_key(f, FE "/rx-ring-ref"));
    g_assert_true(has_key(f, FE "/event-channel"));
    g_assert_cmpuint(netfront_nr_queues(nf), ==, 1);
    g_assert_false(netfront_split(nf));
    g_assert_cmphex(netfront_mac(nf)[5], ==, 3);
    g_assert_cmpuint(netfront_rx_sring(nf, 0)->req_prod, ==,
                     __CONST_RING_SIZE(netif_rx, 4096));
    g_assert_cmpuint(netfront_tx_sring(nf, 0)->req_prod, ==, 0);
    /* Not connected until the backend is. */
    g_assert_false(netfront_connected(nf));
    g_assert_cmpint(netfront_send(nf, 0, NULL, zeros, sizeof(zeros)), ==,
                    -ENOTCONN);
    put(f, BE "/state", "4");
    pump(f);
    g_assert_cmpint(f->connected, ==, 1);
    g_assert_true(netfront_connected(nf));
    g_assert_cmpint(netfront_send(nf, 1, NULL, zeros, sizeof(zeros)), ==,
                    -EINVAL);
    g_assert_cmpint(netfront_send(nf, 0, NULL, zeros, 65536), ==, -EMSGSIZE);
    check_sendv(f, nf);

    /* The backend goes away: Closed, everything given back. */
    put(f, BE "/state", "5");
    pump(f);
    check_key(f, FE "/state", "6");
    g_assert_cmpint(f->disconnected, ==, 1);
    g_assert_false(netfront_connected(nf));
    g_assert_cmpuint(netfront_grants_in_use(nf), ==, 0);
}

static void test_multi_split(Fixture *f, gconstpointer data)
{
    static const char *const be[] = {
        "feature-rx-copy", "1", "multi-queue-max-queues", "4",
        "feature-split-event-channels", "1", NULL,
    };
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    NetFront *nf;

    cfg.nr_queues = 3;
    cfg.split = true;
    make_vif(f, be, true);
    nf = start(f, &cfg);
    check_key(f, FE "/state", "4");
    check_key(f, FE "/multi-queue-num-queues", "3");
    check_key(f, FE "/tx-ring-ref", NULL);
    check_key(f, FE "/event-channel", NULL);
    check_key(f, FE "/queue-3/tx-ring-ref", NULL);
    for (unsigned q = 0; q < 3; q++) {
        static const char *const keys[] = {
            "tx-ring-ref", "rx-ring-ref", "event-channel-tx",
            "event-channel-rx",
        };
        g_autofree char *one = g_strdup_printf(FE "/queue-%u/event-channel",
                                               q);

        for (unsigned k = 0; k < G_N_ELEMENTS(keys); k++) {
            g_autofree char *path = g_strdup_printf(FE "/queue-%u/%s", q,
                                                    keys[k]);
            g_autofree char *v = get(f, path);

            g_assert_nonnull(v);
        }
        check_key(f, one, NULL);
        g_assert_cmpuint(netfront_tx_port(nf, q), !=, netfront_rx_port(nf, q));
    }
    g_assert_true(netfront_split(nf));
    g_assert_cmpuint(netfront_nr_queues(nf), ==, 3);
}

static void test_queues_capped(Fixture *f, gconstpointer data)
{
    static const char *const be[] = {
        "feature-rx-copy", "1", "multi-queue-max-queues", "2", NULL,
    };
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;

    cfg.nr_queues = 8;
    cfg.split = true;           /* not offered: one channel per queue */
    make_vif(f, be, true);
    start(f, &cfg);
    check_key(f, FE "/multi-queue-num-queues", "2");
    g_assert_true(has_key(f, FE "/queue-1/event-channel"));
    check_key(f, FE "/queue-1/event-channel-tx", NULL);
    g_assert_false(netfront_split(f->nf));
}

static void test_one_of_many(Fixture *f, gconstpointer data)
{
    static const char *const be[] = {
        "feature-rx-copy", "1", "multi-queue-max-queues", "4", NULL,
    };
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;

    /* Linux writes the count whenever the backend has the key, flat. */
    make_vif(f, be, true);
    start(f, &cfg);
    check_key(f, FE "/multi-queue-num-queues", "1");
    g_assert_true(has_key(f, FE "/tx-ring-ref"));
    check_key(f, FE "/queue-0/tx-ring-ref", NULL);
}

static void test_features_off(Fixture *f, gconstpointer data)
{
    NetFrontConfig cfg = { .nr_queues = 1 };

    make_vif(f, full_backend, true);
    start(f, &cfg);
    check_key(f, FE "/state", "4");
    check_key(f, FE "/feature-sg", "0");
    check_key(f, FE "/feature-gso-tcpv4", "0");
    check_key(f, FE "/feature-gso-tcpv6", "0");
    check_key(f, FE "/feature-ipv6-csum-offload", "0");
    check_key(f, FE "/feature-no-csum-offload", "1");
    check_key(f, FE "/request-rx-copy", "1");
}

static void test_refusals(Fixture *f, gconstpointer data)
{
    static const char *const no_copy[] = { "feature-rx-flip", "1", NULL };
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    bool mac = GPOINTER_TO_INT(data);

    /* Without rx-copy, or without a mac, Linux gives up: Closed. */
    make_vif(f, mac ? no_copy : full_backend, mac);
    start(f, &cfg);
    check_key(f, FE "/state", "6");
    check_key(f, FE "/tx-ring-ref", NULL);
    g_assert_cmpint(f->disconnected, ==, 1);
    g_assert_cmpuint(netfront_grants_in_use(f->nf), ==, 0);
}

static void test_ctrl(Fixture *f, gconstpointer data)
{
    static const char *const be[] = {
        "feature-rx-copy", "1", "feature-ctrl-ring", "1", NULL,
    };
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    bool want = GPOINTER_TO_INT(data);
    g_autofree char *ref = NULL, *port = NULL;

    cfg.ctrl = want;
    make_vif(f, be, true);
    start(f, &cfg);
    ref = get(f, FE "/ctrl-ring-ref");
    port = get(f, FE "/event-channel-ctrl");
    g_assert_true((ref != NULL) == want);
    g_assert_true((port != NULL) == want);
    g_assert_true(netfront_has_ctrl(f->nf) == want);
}

static void test_reconnect(Fixture *f, gconstpointer data)
{
    NetFrontConfig cfg = NETFRONT_CONFIG_DEFAULT;
    g_autofree char *ref1 = NULL, *ref2 = NULL;

    make_vif(f, full_backend, true);
    start(f, &cfg);
    put(f, BE "/state", "4");
    pump(f);
    g_assert_cmpint(f->connected, ==, 1);
    ref1 = get(f, FE "/tx-ring-ref");
    netfront_reconnect(f->nf);
    pump(f);
    check_key(f, FE "/state", "5");
    /* The core answers Closing with Closing, then InitWait again. */
    put(f, BE "/state", "5");
    pump(f);
    check_key(f, FE "/state", "1");
    g_assert_cmpint(f->disconnected, ==, 0);    /* our own doing */
    g_assert_cmpuint(netfront_grants_in_use(f->nf), ==, 0);
    put(f, BE "/state", "2");
    pump(f);
    check_key(f, FE "/state", "4");
    put(f, BE "/state", "4");
    pump(f);
    g_assert_cmpint(f->connected, ==, 2);
    ref2 = get(f, FE "/tx-ring-ref");
    g_assert_nonnull(ref2);
    g_assert_nonnull(ref1);
    g_assert_cmpuint(netfront_rx_sring(f->nf, 0)->req_prod, ==,
                     __CONST_RING_SIZE(netif_rx, 4096));
}

/* ---- headers and checksums ------------------------------------------- */

/* An Ethernet frame of IPv4 or IPv6 and @proto with @payload bytes. */
static size_t build_frame(uint8_t *f, bool v6, uint8_t proto, size_t payload)
{
    size_t l3 = v6 ? 40 : 20, l4 = proto == 6 ? 20 : 8;
    size_t total = 14 + l3 + l4 + payload;

    memset(f, 0, total);
    f[12] = v6 ? 0x86 : 0x08;
    f[13] = v6 ? 0xdd : 0x00;
    if (v6) {
        f[14] = 0x60;
        f[14 + 4] = (l4 + payload) >> 8;
        f[14 + 5] = (l4 + payload) & 0xff;
        f[14 + 6] = proto;
        f[14 + 23] = 1;         /* ::1 -> ::2 */
        f[14 + 39] = 2;
    } else {
        f[14] = 0x45;
        f[14 + 2] = (l3 + l4 + payload) >> 8;
        f[14 + 3] = (l3 + l4 + payload) & 0xff;
        f[14 + 8] = 64;
        f[14 + 9] = proto;
        memcpy(f + 14 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    }
    if (proto == 6) {
        f[14 + l3 + 12] = 5 << 4;
    } else {
        f[14 + l3 + 4] = (l4 + payload) >> 8;
        f[14 + l3 + 5] = (l4 + payload) & 0xff;
    }
    for (size_t i = 0; i < payload; i++) {
        f[14 + l3 + l4 + i] = i * 7 + 3;
    }
    return total;
}

/* The pseudo-header's sum, as a device leaves it in the field. */
static uint32_t pseudo_sum(const uint8_t *f, bool v6, uint8_t proto,
                           size_t l4len)
{
    uint32_t s = proto + (uint32_t)l4len;

    s += netfront_csum_fold(f + 14 + (v6 ? 8 : 12), v6 ? 32 : 8, 0);
    return s;
}

static void test_csum(Fixture *f, gconstpointer data)
{
    for (int v6 = 0; v6 < 2; v6++) {
        for (int tcp = 0; tcp < 2; tcp++) {
            uint8_t fr[2000];
            uint8_t proto = tcp ? 6 : 17;
            size_t len = build_frame(fr, v6, proto, 1001);
            size_t start = 14 + (v6 ? 40 : 20);
            unsigned off = tcp ? 16 : 6;
            uint32_t ps = pseudo_sum(fr, v6, proto, len - start);
            uint16_t folded = netfront_csum_fold(NULL, 0, ps);
            NetFrontL4 l4;

            g_assert_true(netfront_parse_l4(fr, len, &l4));
            g_assert_cmpuint(l4.start, ==, start);
            g_assert_cmpuint(l4.csum_offset, ==, off);
            g_assert_true(l4.tcp == tcp);
            g_assert_true(l4.ipv6 == v6);
            g_assert_true(netfront_frame_is_ipv6(fr, len) == v6);
            fr[start + off] = folded >> 8;
            fr[start + off + 1] = folded & 0xff;
            netfront_csum_fill(fr, len, start, off);
            /* A receiver's check: pseudo-header and segment sum to ~0. */
            g_assert_cmphex(netfront_csum_fold(fr + start, len - start, ps),
                            ==, 0xffff);
        }
    }
}

static void test_parse_refuses(Fixture *f, gconstpointer data)
{
    uint8_t fr[200];
    size_t len = build_frame(fr, false, 6, 10);
    NetFrontL4 l4;

    g_assert_false(netfront_parse_l4(fr, 13, &l4));
    g_assert_false(netfront_parse_l4(fr, len - 11, &l4));   /* TCP cut */
    fr[14 + 6] = 0x20;                                      /* MF */
    g_assert_false(netfront_parse_l4(fr, len, &l4));
    fr[14 + 6] = 0;
    fr[14 + 9] = 1;                                         /* ICMP */
    g_assert_false(netfront_parse_l4(fr, len, &l4));
    fr[14 + 9] = 6;
    fr[14] = 0x4f;                                          /* ihl 60 */
    g_assert_false(netfront_parse_l4(fr, len, &l4));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define T(name, fn, data) \
    g_test_add("/netfront/" name, Fixture, data, fixture_setup, fn, \
               fixture_teardown)
    T("single", test_single, NULL);
    T("multi-split", test_multi_split, NULL);
    T("queues-capped", test_queues_capped, NULL);
    T("one-of-many", test_one_of_many, NULL);
    T("features-off", test_features_off, NULL);
    T("refuse/no-rx-copy", test_refusals, GINT_TO_POINTER(1));
    T("refuse/no-mac", test_refusals, GINT_TO_POINTER(0));
    T("ctrl/wanted", test_ctrl, GINT_TO_POINTER(1));
    T("ctrl/not-wanted", test_ctrl, GINT_TO_POINTER(0));
    T("reconnect", test_reconnect, NULL);
    T("csum", test_csum, NULL);
    T("parse-refuses", test_parse_refuses, NULL);
#undef T
    return g_test_run();
}
