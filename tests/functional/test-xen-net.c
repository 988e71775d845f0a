/*
 * The net backend's features against a frontend that writes its rings
 * by hand, on -netdev stream sockets whose other end is the test: frames
 * both ways, a frame over several pages, a TSO packet cut into segments
 * on the way out, the TX rate, the multicast filter, and two queues with
 * split event channels and the control ring's hash steering frames.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "net-fixture.h"

#include <net/if.h>

/* What netback offers, and libxl's keys as xen_nic_create() wrote them. */
static void test_keys(Fixture *f, gconstpointer data)
{
    static const char *const be[][2] = {
        { "feature-rx-copy", "1" }, { "feature-rx-flip", "0" },
        { "feature-rx-notify", "1" }, { "feature-sg", "1" },
        { "feature-gso-tcpv4", "1" }, { "feature-gso-tcpv6", "1" },
        { "feature-ipv6-csum-offload", "1" },
        { "feature-split-event-channels", "1" },
        { "feature-ctrl-ring", "1" }, { "feature-multicast-control", "1" },
        { "feature-dynamic-multicast-control", "1" },
        { "multi-queue-max-queues", "1" }, { "carrier", "1" },
        { "handle", "0" }, { "type", "vif" },
        { "hotplug-status", "connected" },
    };
    g_autofree char *mac = be_key(f, 0, "mac");
    g_autofree char *fe_mac = xenner_guest_xs_read(f->guest,
                                                   "device/vif/0/mac");
    g_autofree char *mtu = xenner_guest_xs_read(f->guest,
                                                "device/vif/0/mtu");

    for (size_t i = 0; i < G_N_ELEMENTS(be); i++) {
        g_autofree char *v = be_key(f, 0, be[i][0]);

        g_assert_cmpstr(v, ==, be[i][1]);
    }
    g_assert_nonnull(mac);
    g_assert_cmpstr(fe_mac, ==, mac);
    g_assert_cmpstr(mtu, ==, "1500");
}

static void test_honest(Fixture *f, gconstpointer data)
{
    vif_send_ok(&f->a, 0, 1);
    vif_recv_ok(&f->a, 1, 2);
    assert_b_alive(f);
}

/* Answered with an error, and the vif goes on. */

static void test_rx_pages(Fixture *f, gconstpointer data)
{
    RawVif *v = &f->a;
    static uint8_t frame[9000];
    RING_IDX at = v->rx.req_prod_pvt;
    size_t done = 0;
    int notify;

    for (unsigned i = 0; i < 3; i++) {
        netif_rx_request_t *req = RING_GET_REQUEST(&v->rx, at + i);

        req->id = 20 + i;
        req->gref = v->data_ref[4 + i];
    }
    v->rx.req_prod_pvt += 3;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->rx, notify);
    if (notify) {
        xenner_guest_notify(f->guest, v->port);
    }
    make_frame(frame, sizeof(frame), 0x70);
    peer_send(&v->peer, frame, sizeof(frame));
    for (int k = 0; k < 20000 && v->rxs->rsp_prod < at + 3; k++) {
        pump(f, 1);
    }
    g_assert_cmpuint(v->rxs->rsp_prod, ==, at + 3);
    for (unsigned i = 0; i < 3; i++) {
        struct netif_rx_response rsp;

        memcpy(&rsp, RING_GET_RESPONSE(&v->rx, at + i), sizeof(rsp));
        g_assert_cmpuint(rsp.id, ==, 20 + i);
        g_assert_cmpint(rsp.status, ==, MIN(4096, 9000 - done));
        g_assert_cmpuint(!!(rsp.flags & NETRXF_more_data), ==, i < 2);
        g_assert_cmpmem(v->data[4 + i] + rsp.offset, rsp.status,
                        frame + done, rsp.status);
        done += rsp.status;
    }
    assert_b_alive(f);
}

/*
 * A TSO packet as netfront sends it (csum_blank, a GSO extra, pages):
 * the stream netdev cannot carry it, so it leaves as MSS-sized
 * segments whose payloads make up the original.
 */
static void test_tx_gso(Fixture *f, gconstpointer data)
{
    RawVif *v = &f->a;
    static uint8_t frame[14 + 20 + 20 + 4000];
    uint8_t s[4][12];
    RING_IDX at = v->tx.req_prod_pvt;
    size_t len = sizeof(frame), hdr = 54, pos, got_payload = 0;
    unsigned segs = 0;

    make_frame(frame, len, 0x11);
    frame[12] = 0x08;
    frame[13] = 0x00;
    memset(frame + 14, 0, 40);
    frame[14] = 0x45;
    frame[16] = (len - 14) >> 8;
    frame[17] = (len - 14) & 0xff;
    frame[22] = 64;
    frame[23] = 6;
    memcpy(frame + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    frame[34] = 0x30;
    frame[36] = 0x30;
    frame[35] = frame[37] = 0x39;
    frame[46] = 0x50;
    frame[47] = 0x18;           /* PSH, ACK */
    /* First slot: 1000 bytes at the end of a page; then two full pages. */
    memcpy(v->data[0] + 3096, frame, 1000);
    memcpy(v->data[1], frame + 1000, 2500);
    memcpy(v->data[2], frame + 3500, len - 3500);
    put_req(s[0], v->data_ref[0], 3096, NETTXF_csum_blank |
            NETTXF_data_validated | NETTXF_extra_info | NETTXF_more_data, 1,
            len);
    put_extra(s[1], XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448);
    put_req(s[2], v->data_ref[1], 0, NETTXF_more_data, 2, 2500);
    put_req(s[3], v->data_ref[2], 0, 0, 3, len - 3500);
    vif_tx_raw(v, s, 4);
    g_assert_cmpint(vif_tx_rsp(v, at).status, ==, NETIF_RSP_OKAY);
    g_assert_cmpint(vif_tx_rsp(v, at + 1).status, ==, NETIF_RSP_NULL);
    g_assert_cmpint(vif_tx_rsp(v, at + 3).status, ==, NETIF_RSP_OKAY);
    pos = hdr;
    while (got_payload < len - hdr) {
        g_autoptr(GBytes) seg = peer_recv(f, &v->peer, 20000);
        const uint8_t *d;
        size_t n;

        g_assert_nonnull(seg);
        d = g_bytes_get_data(seg, &n);
        g_assert_cmpuint(n, >, hdr);
        g_assert_cmpuint(n - hdr, <=, 1448);
        g_assert_cmpmem(d + hdr, n - hdr, frame + pos, n - hdr);
        pos += n - hdr;
        got_payload += n - hdr;
        segs++;
    }
    g_assert_cmpuint(segs, ==, 3);
    assert_b_alive(f);
}

static void test_rate(Fixture *f, gconstpointer data)
{
    XenNicOpts opts = {
        .max_queues = 1, .rate_bytes = 1000, .rate_usec = 1000,
    };
    RawVif v = { 0 };
    g_autofree char *rate = NULL;

    vif_connect_opts(f, &v, 2, "n2", false, &opts, false);
    rate = be_key(f, 2, "rate");
    g_assert_cmpstr(rate, ==, "1000,1000");
    for (unsigned i = 0; i < 40; i++) {
        vif_send_ok(&v, i % DATA_PAGES, i);
    }
    close(v.peer.fd);
    g_byte_array_unref(v.peer.in);
    assert_b_alive(f);
}

/* Writes a key of vif @devid's backend directory, as the toolstack. */
static void be_write(Fixture *f, unsigned devid, const char *key,
                     const char *value)
{
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;
    XenXsHandle *xs = xenner_xs_open_as(f->x, 0);
    g_autofree char *path = g_strdup_printf(
        "/local/domain/0/backend/vif/%u/%u/%s", DOMID, devid, key);

    g_assert_cmpint(ops->write(xs, 0, path, value, strlen(value)), ==, 0);
    ops->close(xs);
}

/*
 * `rate` is watched: a limit set while connected holds the next frame
 * back (a byte a second cannot pay for 200), and lifting it lets the
 * frame go.
 */
static void test_rate_live(Fixture *f, gconstpointer data)
{
    RawVif *v = &f->a;
    uint8_t frame[200], slot[12];
    RING_IDX at;
    g_autoptr(GBytes) got = NULL;

    vif_send_ok(v, 0, 1);
    be_write(f, 0, "rate", "1,1000000");
    pump(f, 10);
    make_frame(frame, sizeof(frame), 2);
    memcpy(v->data[1], frame, sizeof(frame));
    put_req(slot, v->data_ref[1], 0, 0, 9, sizeof(frame));
    at = v->tx.req_prod_pvt;
    vif_tx_raw(v, slot, 1);
    pump(f, 100);
    g_assert_cmpuint(v->txs->rsp_prod, <=, at);
    be_write(f, 0, "rate", "");
    g_assert_cmpint(vif_tx_rsp(v, at).status, ==, NETIF_RSP_OKAY);
    got = peer_recv(f, &v->peer, 20000);
    g_assert_nonnull(got);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
                    frame, sizeof(frame));
    assert_b_alive(f);
}

/* The TX request of a multicast filter change: first slot and extra. */
static int16_t vif_mcast(RawVif *v, uint8_t type, const uint8_t *addr)
{
    uint8_t s[2][12];
    struct netif_extra_info e = { .type = type };
    RING_IDX at = v->tx.req_prod_pvt;

    memcpy(e.u.mcast.addr, addr, 6);
    put_req(s[0], 0, 0, NETTXF_extra_info, 44, 0);
    memset(s[1], 0, 12);
    memcpy(s[1], &e, sizeof(e));
    vif_tx_raw(v, s, 2);
    g_assert_cmpint(vif_tx_rsp(v, at + 1).status, ==, NETIF_RSP_NULL);
    return vif_tx_rsp(v, at).status;
}

/*
 * request-multicast-control: only the groups the guest added reach it,
 * broadcast always does.
 */
static void test_mcast(Fixture *f, gconstpointer data)
{
    static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
    static const uint8_t other[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    XenNicOpts opts = { .max_queues = 1 };
    RawVif v = { 0 };
    uint8_t frame[100];
    RING_IDX at;
    struct netif_rx_response rsp;
    netif_rx_request_t *req;
    int notify;

    vif_connect_opts(f, &v, 2, "n2", false, &opts, true);
    g_assert_cmpint(vif_mcast(&v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, group), ==,
                    NETIF_RSP_OKAY);
    at = v.rx.req_prod_pvt;
    req = RING_GET_REQUEST(&v.rx, at);
    req->id = 1;
    req->gref = v.data_ref[0];
    v.rx.req_prod_pvt++;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v.rx, notify);
    if (notify) {
        xenner_guest_notify(f->guest, v.port);
    }
    /* Another group first: dropped; then the added one: delivered. */
    make_frame(frame, sizeof(frame), 0x0e);
    memcpy(frame, other, 6);
    peer_send(&v.peer, frame, sizeof(frame));
    make_frame(frame, sizeof(frame), 0x0f);
    memcpy(frame, group, 6);
    peer_send(&v.peer, frame, sizeof(frame));
    for (int k = 0; k < 20000 && v.rxs->rsp_prod <= at; k++) {
        pump(f, 1);
    }
    memcpy(&rsp, RING_GET_RESPONSE(&v.rx, at), sizeof(rsp));
    g_assert_cmpint(rsp.status, ==, sizeof(frame));
    g_assert_cmpmem(v.data[0] + rsp.offset, sizeof(frame), frame,
                    sizeof(frame));
    /* Deleted: it is filtered again; broadcast still passes. */
    g_assert_cmpint(vif_mcast(&v, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, group), ==,
                    NETIF_RSP_OKAY);
    at = v.rx.req_prod_pvt;
    req = RING_GET_REQUEST(&v.rx, at);
    req->id = 2;
    req->gref = v.data_ref[1];
    v.rx.req_prod_pvt++;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v.rx, notify);
    if (notify) {
        xenner_guest_notify(f->guest, v.port);
    }
    peer_send(&v.peer, frame, sizeof(frame));
    memset(frame, 0xff, 6);
    peer_send(&v.peer, frame, sizeof(frame));
    for (int k = 0; k < 20000 && v.rxs->rsp_prod <= at; k++) {
        pump(f, 1);
    }
    memcpy(&rsp, RING_GET_RESPONSE(&v.rx, at), sizeof(rsp));
    g_assert_cmpint(rsp.status, ==, sizeof(frame));
    g_assert_cmpmem(v.data[1] + rsp.offset, 6, frame, 6);
    close(v.peer.fd);
    g_byte_array_unref(v.peer.in);
    assert_b_alive(f);
}

/* ---- two queues, split channels, the hash steering frames ---------- */

typedef struct MqQueue {
    netif_tx_sring_t *txs;
    netif_rx_sring_t *rxs;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    evtchn_port_t tx_port, rx_port;
} MqQueue;

static const uint8_t ms_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
    0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
    0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
    0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
    0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static void test_multiqueue(Fixture *f, gconstpointer data)
{
    g_autofree char *dir = g_strdup_printf("device/vif/%u", 2);
    g_autofree char *sock = g_strdup_printf("%s/n2", f->dir);
    XenNicOpts opts = { .max_queues = 2 };
    RawVif v = { .f = f, .devid = 2 };
    MqQueue q[2];
    uint8_t frame[80] = { 0 }, slot[12];
    struct netif_rx_response rsp;
    struct netif_extra_info e;
    g_autofree char *maxq = NULL;
    g_autoptr(GBytes) got = NULL;
    void *page;
    int notify;

    g_assert_true(xen_nic_create(f->be, f->host, DOMID, 2,
                                 net_dev_find(f->nets, "n2"), &opts, NULL));
    peer_connect(f, &v.peer, sock);
    wait_state(f, 2, XenbusStateInitWait);
    maxq = be_key(f, 2, "multi-queue-max-queues");
    g_assert_cmpstr(maxq, ==, "2");
    for (unsigned i = 0; i < 2; i++) {
        g_autofree char *k = NULL;
        uint32_t ref;

        ref = grant_page(f, &page);
        q[i].txs = page;
        SHARED_RING_INIT(q[i].txs);
        FRONT_RING_INIT(&q[i].tx, q[i].txs, XEN_PAGE_SIZE);
        k = g_strdup_printf("queue-%u/tx-ring-ref", i);
        fe_write(&v, k, "%u", ref);
        ref = grant_page(f, &page);
        q[i].rxs = page;
        SHARED_RING_INIT(q[i].rxs);
        FRONT_RING_INIT(&q[i].rx, q[i].rxs, XEN_PAGE_SIZE);
        g_free(k);
        k = g_strdup_printf("queue-%u/rx-ring-ref", i);
        fe_write(&v, k, "%u", ref);
        q[i].tx_port = xenner_guest_alloc_unbound(f->guest, 0, vif_event, &v);
        q[i].rx_port = xenner_guest_alloc_unbound(f->guest, 0, vif_event, &v);
        g_free(k);
        k = g_strdup_printf("queue-%u/event-channel-tx", i);
        fe_write(&v, k, "%u", q[i].tx_port);
        g_free(k);
        k = g_strdup_printf("queue-%u/event-channel-rx", i);
        fe_write(&v, k, "%u", q[i].rx_port);
    }
    for (unsigned i = 0; i < 4; i++) {
        v.data_ref[i] = grant_page(f, &page);
        v.data[i] = page;
    }
    v.ctrl_ref = grant_page(f, &page);
    v.ctrls = page;
    SHARED_RING_INIT(v.ctrls);
    FRONT_RING_INIT(&v.ctrl, v.ctrls, XEN_PAGE_SIZE);
    v.ctrl_port = xenner_guest_alloc_unbound(f->guest, 0, vif_event, &v);
    fe_write(&v, "ctrl-ring-ref", "%u", v.ctrl_ref);
    fe_write(&v, "event-channel-ctrl", "%u", v.ctrl_port);
    fe_write(&v, "multi-queue-num-queues", "2");
    fe_write(&v, "request-rx-copy", "1");
    fe_write(&v, "feature-rx-notify", "1");
    fe_write(&v, "feature-sg", "1");
    g_assert_cmpint(xenner_guest_switch_state(f->guest, dir,
                                              XenbusStateConnected), ==, 0);
    wait_state(f, 2, XenbusStateConnected);

    /* Toeplitz over IPv4+TCP with Microsoft's key; every hash to queue 1. */
    g_assert_cmpuint(ctrl_req(&v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
                              XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0),
                     ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    g_assert_cmpuint(ctrl_req(&v, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
                              XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, 0, 0), ==,
                     XEN_NETIF_CTRL_STATUS_SUCCESS);
    memcpy(v.data[3], ms_key, sizeof(ms_key));
    g_assert_cmpuint(ctrl_req(&v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
                              v.data_ref[3], 40, 0), ==,
                     XEN_NETIF_CTRL_STATUS_SUCCESS);
    g_assert_cmpuint(ctrl_req(&v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
                              4, 0, 0), ==, XEN_NETIF_CTRL_STATUS_SUCCESS);
    for (unsigned i = 0; i < 4; i++) {
        ((uint32_t *)v.data[3])[i] = 1;
    }
    g_assert_cmpuint(ctrl_req(&v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
                              v.data_ref[3], 4, 0), ==,
                     XEN_NETIF_CTRL_STATUS_SUCCESS);

    /* Two RX requests on each queue: a frame and its hash slot. */
    for (unsigned i = 0; i < 2; i++) {
        for (unsigned j = 0; j < 2; j++) {
            netif_rx_request_t *req = RING_GET_REQUEST(&q[i].rx, j);

            req->id = 10 * i + j;
            req->gref = v.data_ref[2 * i + j];
        }
        q[i].rx.req_prod_pvt = 2;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q[i].rx, notify);
        if (notify) {
            xenner_guest_notify(f->guest, q[i].rx_port);
        }
    }
    /* Microsoft's first IPv4 vector, as a TCP segment. */
    memcpy(frame, "\x52\x54\x00\x12\x34\x58\x52\x54\x00\xaa\xbb\xcc"
           "\x08\x00", 14);
    frame[14] = 0x45;
    frame[17] = 66;
    frame[23] = 6;
    memcpy(frame + 26, "\x42\x09\x95\xbb\xa1\x8e\x64\x50", 8);
    frame[34] = 2794 >> 8;
    frame[35] = 2794 & 0xff;
    frame[36] = 1766 >> 8;
    frame[37] = 1766 & 0xff;
    frame[46] = 0x50;
    peer_send(&v.peer, frame, sizeof(frame));
    for (int k = 0; k < 20000 && q[1].rxs->rsp_prod < 2; k++) {
        pump(f, 1);
    }
    g_assert_cmpuint(q[1].rxs->rsp_prod, ==, 2);
    g_assert_cmpuint(q[0].rxs->rsp_prod, ==, 0);
    memcpy(&rsp, RING_GET_RESPONSE(&q[1].rx, 0), sizeof(rsp));
    g_assert_cmpint(rsp.status, ==, sizeof(frame));
    g_assert_true(rsp.flags & NETRXF_extra_info);
    g_assert_cmpmem(v.data[2] + rsp.offset, sizeof(frame), frame,
                    sizeof(frame));
    memcpy(&e, RING_GET_RESPONSE(&q[1].rx, 1), sizeof(e));
    g_assert_cmpuint(e.type, ==, XEN_NETIF_EXTRA_TYPE_HASH);
    g_assert_cmpuint(e.u.hash.type, ==, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
    g_assert_cmphex(e.u.hash.value[0] | e.u.hash.value[1] << 8 |
                    e.u.hash.value[2] << 16 |
                    (uint32_t)e.u.hash.value[3] << 24, ==, 0x51ccc178);

    /* TX on queue 1, notified on its own channel. */
    make_frame(frame, sizeof(frame), 0x21);
    memcpy(v.data[0], frame, sizeof(frame));
    put_req(slot, v.data_ref[0], 0, 0, 5, sizeof(frame));
    memcpy(RING_GET_REQUEST(&q[1].tx, 0), slot, 12);
    q[1].tx.req_prod_pvt = 1;
    RING_PUSH_REQUESTS(&q[1].tx);
    xenner_guest_notify(f->guest, q[1].tx_port);
    got = peer_recv(f, &v.peer, 20000);
    g_assert_nonnull(got);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
                    frame, sizeof(frame));
    g_assert_cmpuint(q[1].txs->rsp_prod, ==, 1);
    close(v.peer.fd);
    g_byte_array_unref(v.peer.in);
    assert_b_alive(f);
}

/*
 * A vif libxl made, with no -device behind it (ATTACH): it gets a tap
 * of its own named vif<domid>.<devid>, as vif-bridge expects, down and
 * with no script run, and the tap goes with the vif.
 */
static void test_attach_tap(Fixture *f, gconstpointer data)
{
    static const char *const be_keys[] = {
        "mac", "00:16:3e:00:00:09", "handle", "9", "type", "vif",
        "script", "/etc/xen/scripts/vif-bridge", "bridge", "xenbr0", NULL,
    };
    static const char *const fe_keys[] = {
        "handle", "9", "mac", "00:16:3e:00:00:09", NULL,
    };
    g_autofree char *name = g_strdup_printf("vif%u.9", DOMID);
    g_autofree char *dir = g_strdup_printf("device/vif/9");
    const XenXenstoreOps *ops = xenner_services(f->x)->xenstore;
    g_autofree char *be = g_strdup_printf(
        "/local/domain/0/backend/vif/%u/9", DOMID);
    g_autofree char *online = g_strconcat(be, "/online", NULL);
    g_autofree char *state = g_strconcat(be, "/state", NULL);
    XenXsHandle *xs;
    int fd = open("/dev/net/tun", O_RDWR);

    if (fd < 0 || geteuid() != 0) {
        g_test_skip("needs /dev/net/tun and CAP_NET_ADMIN");
        if (fd >= 0) {
            close(fd);
        }
        return;
    }
    close(fd);
    g_assert_cmpuint(if_nametoindex(name), ==, 0);
    g_assert_true(xen_backend_create_device(f->be, "vif", DOMID, 9, NULL,
                                            be_keys, fe_keys, NULL, NULL));
    wait_state(f, 9, XenbusStateInitWait);
    g_assert_cmpuint(if_nametoindex(name), >, 0);

    /* Unplugged as libxl does it: online=0, Closing, the frontend Closed. */
    xs = xenner_xs_open_as(f->x, 0);
    g_assert_cmpint(ops->write(xs, 0, online, "0", 1), ==, 0);
    g_assert_cmpint(ops->write(xs, 0, state, "5", 1), ==, 0);
    ops->close(xs);
    g_assert_cmpint(xenner_guest_switch_state(f->guest, dir,
                                              XenbusStateClosed), ==, 0);
    for (int i = 0; i < 20000 && if_nametoindex(name); i++) {
        pump(f, 1);
    }
    g_assert_cmpuint(if_nametoindex(name), ==, 0);
    assert_b_alive(f);
}

/* -device xen-net-device's options and libxl's keys, as parsed. */
static void test_parse(void)
{
    static const char *const bad_mac[] = {
        "", "52:54:00:12:34", "52:54:00:12:34:5", "52:54:00:12:34:567",
        "52-54-00-12-34-56", "g2:54:00:12:34:56", "52:54:00:12:34:56:",
    };
    static const char *const bad_rate[] = {
        "", "1000", ",1000", "1000,", "-1,1000", "1000,4294967296",
        "1000,10 ", "0x10,10",
    };
    uint8_t mac[6];
    uint64_t b, u;
    XenNicOpts o;
    unsigned devid;

    g_assert_true(xen_nic_parse_mac("52:54:00:Ab:cD:ef", mac));
    g_assert_cmpmem(mac, 6, "\x52\x54\x00\xab\xcd\xef", 6);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_mac); i++) {
        g_assert_false(xen_nic_parse_mac(bad_mac[i], mac));
    }
    g_assert_true(xen_nic_parse_rate("125000,20000", &b, &u));
    g_assert_cmpuint(b, ==, 125000);
    g_assert_cmpuint(u, ==, 20000);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_rate); i++) {
        g_assert_false(xen_nic_parse_rate(bad_rate[i], &b, &u));
    }
    g_assert_false(xen_nic_parse_rate(NULL, &b, &u));

    {
        QemuOpts *q = qemu_opts_parse("xen-net-device,netdev=n0,domid=1,"
                                      "mac=52:54:00:00:00:07,devid=3,"
                                      "mtu=9000,max-queues=4,"
                                      "rate=1000@2000", "driver", NULL);

        g_assert_true(xen_nic_device_parse(q, &o, &devid, NULL));
        g_assert_true(o.has_mac);
        g_assert_cmpuint(o.mac[5], ==, 7);
        g_assert_cmpuint(devid, ==, 3);
        g_assert_cmpuint(o.mtu, ==, 9000);
        g_assert_cmpuint(o.max_queues, ==, 4);
        g_assert_cmpuint(o.rate_bytes, ==, 1000);
        g_assert_cmpuint(o.rate_usec, ==, 2000);
        qemu_opts_free(q);
    }
    {
        static const char *const bad[] = {
            "mac=01:00:5e:00:00:01", "mac=x", "mtu=67", "mtu=65536",
            "max-queues=9", "rate=1000", "devid=-1",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
            g_autofree char *s = g_strdup_printf(
                "xen-net-device,netdev=n0,domid=1,%s", bad[i]);
            QemuOpts *q = qemu_opts_parse(s, "driver", NULL);
            Error *err = NULL;

            g_assert_nonnull(q);
            g_assert_false(xen_nic_device_parse(q, &o, &devid, &err));
            g_test_message("%s: %s", bad[i], error_get_pretty(err));
            error_free(err);
            qemu_opts_free(q);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net/parse", test_parse);
    g_test_add("/net/keys", Fixture, NULL, fixture_setup, test_keys,
               fixture_teardown);
    g_test_add("/net/honest", Fixture, NULL, fixture_setup, test_honest,
               fixture_teardown);
    g_test_add("/net/rx-pages", Fixture, NULL, fixture_setup,
               test_rx_pages, fixture_teardown);
    g_test_add("/net/tx-gso", Fixture, NULL, fixture_setup, test_tx_gso,
               fixture_teardown);
    g_test_add("/net/rate", Fixture, NULL, fixture_setup, test_rate,
               fixture_teardown);
    g_test_add("/net/rate-live", Fixture, NULL, fixture_setup,
               test_rate_live, fixture_teardown);
    g_test_add("/net/multicast", Fixture, NULL, fixture_setup, test_mcast,
               fixture_teardown);
    g_test_add("/net/multiqueue", Fixture, NULL, fixture_setup,
               test_multiqueue, fixture_teardown);
    g_test_add("/net/attach-tap", Fixture, NULL, fixture_setup,
               test_attach_tap, fixture_teardown);
    return g_test_run();
}
