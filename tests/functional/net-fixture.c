/*
 * The net backend tests' shared set-up; see net-fixture.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "net-fixture.h"

void pump(Fixture *f, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        g_assert_true(event_loop_run_once(f->loop, 1, NULL));
    }
}

char *be_key(Fixture *f, unsigned devid, const char *key)
{
    g_autofree char *path = g_strdup_printf(
        "/local/domain/0/backend/vif/%u/%u/%s", DOMID, devid, key);

    return xenner_guest_xs_read(f->guest, path);
}

int be_state(Fixture *f, unsigned devid)
{
    g_autofree char *s = be_key(f, devid, "state");

    return s ? atoi(s) : -1;
}

/* Runs the loop until vif @devid's backend reaches @state (or beyond). */
void wait_state(Fixture *f, unsigned devid, int state)
{
    for (int i = 0; i < 20000 && be_state(f, devid) < state; i++) {
        pump(f, 1);
    }
    g_assert_cmpint(be_state(f, devid), >=, state);
}

void assert_failed(Fixture *f, unsigned devid)
{
    g_autofree char *error = NULL;

    wait_state(f, devid, XenbusStateClosing);
    error = be_key(f, devid, "error");
    g_assert_nonnull(error);
    g_test_message("vif %u failed: %s", devid, error);
}

/* ---- the peer ------------------------------------------------------------ */

void peer_connect(Fixture *f, Peer *p, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    g_assert_cmpint(p->fd, >=, 0);
    g_assert_cmpint(connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)), ==,
                    0);
    p->in = g_byte_array_new();
    pump(f, 5);
}

void peer_close(Peer *p)
{
    if (p->in) {
        close(p->fd);
        g_byte_array_unref(p->in);
        p->in = NULL;
    }
}

void peer_send(Peer *p, const void *frame, uint32_t len)
{
    uint32_t be = htonl(len);

    g_assert_cmpint(write(p->fd, &be, 4), ==, 4);
    g_assert_cmpint(write(p->fd, frame, len), ==, (ssize_t)len);
}

/* The next frame from the backend, or NULL after @rounds turns. */
GBytes *peer_recv(Fixture *f, Peer *p, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        uint8_t buf[65536];
        ssize_t n = read(p->fd, buf, sizeof(buf));
        uint32_t len;

        if (n > 0) {
            g_byte_array_append(p->in, buf, n);
        }
        if (p->in->len >= 4) {
            memcpy(&len, p->in->data, 4);
            len = ntohl(len);
            if (p->in->len >= 4 + len) {
                GBytes *b = g_bytes_new(p->in->data + 4, len);

                g_byte_array_remove_range(p->in, 0, 4 + len);
                return b;
            }
        }
        pump(f, 1);
    }
    return NULL;
}

/* ---- the frontend ------------------------------------------------------- */

uint32_t grant_page(Fixture *f, void **page)
{
    uint64_t gfn;
    void *p = xenner_guest_alloc_page(f->guest, &gfn);
    int ref;

    g_assert_nonnull(p);
    ref = xenner_guest_grant(f->guest, 0, gfn, false);
    g_assert_cmpint(ref, >=, 0);
    *page = p;
    return ref;
}

void vif_event(void *opaque, evtchn_port_t port)
{
    ((RawVif *)opaque)->events++;
}

void fe_write(RawVif *v, const char *key, const char *fmt, ...)
{
    g_autofree char *path = g_strdup_printf("device/vif/%u/%s", v->devid,
                                            key);
    g_autofree char *val = NULL;
    va_list ap;

    va_start(ap, fmt);
    val = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_assert_cmpint(xenner_guest_xs_printf(v->f->guest, path, "%s", val),
                    ==, 0);
}

/*
 * Creates vif @devid on netdev @netdev and writes what netfront writes,
 * all but its state.
 */
void vif_prepare(Fixture *f, RawVif *v, unsigned devid, const char *netdev,
                 bool ctrl, const XenNicOpts *o, bool mcast)
{
    g_autofree char *sock = g_strdup_printf("%s/%s", f->dir, netdev);
    NetDev *nd = net_dev_find(f->nets, netdev);
    XenNicOpts opts = *o;
    Error *err = NULL;
    void *page;

    v->f = f;
    v->devid = devid;
    if (!xen_nic_create(f->be, f->host, DOMID, devid, nd, &opts, &err)) {
        g_error("%s", error_get_pretty(err));
    }
    /* The stream netdevs' other end is the test; others have none. */
    if (!strcmp(net_dev_type(nd), "stream")) {
        peer_connect(f, &v->peer, sock);
    }
    wait_state(f, devid, XenbusStateInitWait);

    v->tx_ref = grant_page(f, &page);
    v->txs = page;
    SHARED_RING_INIT(v->txs);
    FRONT_RING_INIT(&v->tx, v->txs, XEN_PAGE_SIZE);
    v->rx_ref = grant_page(f, &page);
    v->rxs = page;
    SHARED_RING_INIT(v->rxs);
    FRONT_RING_INIT(&v->rx, v->rxs, XEN_PAGE_SIZE);
    for (unsigned i = 0; i < DATA_PAGES; i++) {
        v->data_ref[i] = grant_page(f, &page);
        v->data[i] = page;
    }
    v->port = xenner_guest_alloc_unbound(f->guest, 0, vif_event, v);
    g_assert_cmpint(v->port, >, 0);
    fe_write(v, "tx-ring-ref", "%u", v->tx_ref);
    fe_write(v, "rx-ring-ref", "%u", v->rx_ref);
    fe_write(v, "event-channel", "%u", v->port);
    fe_write(v, "request-rx-copy", "1");
    fe_write(v, "feature-rx-notify", "1");
    fe_write(v, "feature-sg", "1");
    fe_write(v, "feature-gso-tcpv4", "1");
    if (mcast) {
        fe_write(v, "request-multicast-control", "1");
    }
    if (ctrl) {
        v->ctrl_ref = grant_page(f, &page);
        v->ctrls = page;
        SHARED_RING_INIT(v->ctrls);
        FRONT_RING_INIT(&v->ctrl, v->ctrls, XEN_PAGE_SIZE);
        fe_write(v, "ctrl-ring-ref", "%u", v->ctrl_ref);
        v->ctrl_port = xenner_guest_alloc_unbound(f->guest, 0, vif_event, v);
        g_assert_cmpint(v->ctrl_port, >, 0);
        fe_write(v, "event-channel-ctrl", "%u", v->ctrl_port);
    }
}

/* Creates vif @devid on netdev @netdev and connects it as netfront would. */
void vif_connect_opts(Fixture *f, RawVif *v, unsigned devid,
                      const char *netdev, bool ctrl,
                      const XenNicOpts *o, bool mcast)
{
    g_autofree char *dir = g_strdup_printf("device/vif/%u", devid);

    vif_prepare(f, v, devid, netdev, ctrl, o, mcast);
    g_assert_cmpint(xenner_guest_switch_state(f->guest, dir,
                                              XenbusStateConnected), ==, 0);
    wait_state(f, devid, XenbusStateConnected);
}

void vif_connect(Fixture *f, RawVif *v, unsigned devid,
                 const char *netdev, bool ctrl)
{
    /* The hostile vif drains and stalls in a blink, the honest one not. */
    XenNicOpts opts = {
        .max_queues = 1,
        .rx_drain_ms = ctrl ? 100 : 0,
        .rx_stall_ms = ctrl ? 300 : 0,
    };

    vif_connect_opts(f, v, devid, netdev, ctrl, &opts, false);
}

/* Writes raw 12-byte slots at the producer, publishes and notifies. */
void vif_tx_raw(RawVif *v, const void *slots, unsigned n)
{
    const uint8_t *s = slots;

    for (unsigned i = 0; i < n; i++) {
        memcpy(RING_GET_REQUEST(&v->tx, v->tx.req_prod_pvt), s + 12 * i, 12);
        v->tx.req_prod_pvt++;
    }
    RING_PUSH_REQUESTS(&v->tx);
    xenner_guest_notify(v->f->guest, v->port);
}

void put_req(uint8_t *slot, uint32_t gref, uint16_t off,
             uint16_t flags, uint16_t id, uint16_t size)
{
    struct netif_tx_request r = {
        .gref = gref, .offset = off, .flags = flags, .id = id, .size = size,
    };

    memcpy(slot, &r, sizeof(r));
}

void put_extra(uint8_t *slot, uint8_t type, uint8_t flags,
               uint16_t gso_size)
{
    struct netif_extra_info e = { .type = type, .flags = flags };

    e.u.gso.size = gso_size;
    e.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    memset(slot, 0, 12);
    memcpy(slot, &e, sizeof(e));
}

/* The response for request slot @i (counted from the vif's first). */
struct netif_tx_response vif_tx_rsp(RawVif *v, RING_IDX i)
{
    struct netif_tx_response r;

    for (int k = 0; k < 20000 && v->txs->rsp_prod <= i; k++) {
        pump(v->f, 1);
    }
    g_assert_cmpuint(v->txs->rsp_prod, >, i);
    memcpy(&r, RING_GET_RESPONSE(&v->tx, i), sizeof(r));
    return r;
}

/* An Ethernet frame of @len bytes: to the peer, its bytes a pattern. */
void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        f[i] = seed + i * 7;
    }
    memcpy(f, "\x52\x54\x00\xaa\xbb\xcc\x52\x54\x00\x12\x34\x56", 12);
    f[12] = 0x88;               /* a local experimental ethertype */
    f[13] = 0xb5;
}

/* Sends @frame in one slot from data page @page and checks the wire. */
void vif_send_ok(RawVif *v, unsigned page, uint8_t seed)
{
    uint8_t frame[200], slot[12];
    RING_IDX at = v->tx.req_prod_pvt;
    g_autoptr(GBytes) got = NULL;

    make_frame(frame, sizeof(frame), seed);
    memcpy(v->data[page] + 100, frame, sizeof(frame));
    put_req(slot, v->data_ref[page], 100, 0, 77, sizeof(frame));
    vif_tx_raw(v, slot, 1);
    g_assert_cmpint(vif_tx_rsp(v, at).status, ==, NETIF_RSP_OKAY);
    got = peer_recv(v->f, &v->peer, 20000);
    g_assert_nonnull(got);
    g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got),
                    frame, sizeof(frame));
}

/* Posts one RX request, has the peer send a frame, checks it arrived. */
void vif_recv_ok(RawVif *v, unsigned page, uint8_t seed)
{
    uint8_t frame[300];
    RING_IDX at = v->rx.req_prod_pvt;
    netif_rx_request_t *req = RING_GET_REQUEST(&v->rx, at);
    struct netif_rx_response rsp;
    int notify;

    req->id = 9;
    req->gref = v->data_ref[page];
    v->rx.req_prod_pvt++;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&v->rx, notify);
    if (notify) {
        xenner_guest_notify(v->f->guest, v->port);
    }
    make_frame(frame, sizeof(frame), seed);
    peer_send(&v->peer, frame, sizeof(frame));
    for (int k = 0; k < 20000 && v->rxs->rsp_prod <= at; k++) {
        pump(v->f, 1);
    }
    g_assert_cmpuint(v->rxs->rsp_prod, >, at);
    memcpy(&rsp, RING_GET_RESPONSE(&v->rx, at), sizeof(rsp));
    g_assert_cmpint(rsp.status, ==, sizeof(frame));
    g_assert_cmpuint(rsp.id, ==, 9);
    g_assert_cmpmem(v->data[page] + rsp.offset, sizeof(frame), frame,
                    sizeof(frame));
}

/* The honest vif: still up, frames both ways. */
void assert_b_alive(Fixture *f)
{
    g_assert_cmpint(be_state(f, 1), ==, XenbusStateConnected);
    vif_send_ok(&f->b, 0, 0x40);
    vif_recv_ok(&f->b, 1, 0x50);
}

/* ---- fixture ------------------------------------------------------------ */

void fixture_setup_nets(Fixture *f, const char *const *netdevs)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qemu_opts_free);
    Error *err = NULL;

    memset(f, 0, sizeof(*f));
    f->dir = g_dir_make_tmp("test-xen-net-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    for (const char *const *n = netdevs; *n; n++) {
        g_autofree char *s = g_strdup_printf(*n, f->dir);
        QemuOpts *o = qemu_opts_parse(s, "type", NULL);

        g_assert_nonnull(o);
        g_ptr_array_add(opts, o);
    }
    f->loop = event_loop_new(NULL);
    f->nets = net_dev_list_new(f->loop, opts, &err);
    if (!f->nets) {
        g_error("%s", error_get_pretty(err));
    }
    f->tree = xenner_xs_tree_new();
    f->x = xenner_new(f->loop, f->tree, NULL);
    g_assert_nonnull(f->x);
    g_assert_true(xenner_domain_create(f->x, DOMID, "net", MEM_FRAMES,
                                       NULL));
    f->guest = xenner_guest_new(f->x, DOMID, NULL);
    g_assert_nonnull(f->guest);
    f->be = xen_backend_new(f->loop, xenner_services(f->x), 0, NULL);
    g_assert_nonnull(f->be);
    f->host = xen_nic_host_new(f->nets);
    g_assert_true(xen_nic_register(f->be, f->host, NULL));
}

void fixture_setup(Fixture *f, gconstpointer data)
{
    static const char *const streams[] = {
        "stream,id=n0,server=on,addr.type=unix,addr.path=%s/n0",
        "stream,id=n1,server=on,addr.type=unix,addr.path=%s/n1",
        "stream,id=n2,server=on,addr.type=unix,addr.path=%s/n2",
        NULL,
    };

    fixture_setup_nets(f, streams);
    vif_connect(f, &f->a, 0, "n0", true);
    vif_connect(f, &f->b, 1, "n1", false);
}

void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_autofree char *s0 = g_strdup_printf("%s/n0", f->dir);
    g_autofree char *s1 = g_strdup_printf("%s/n1", f->dir);
    g_autofree char *s2 = g_strdup_printf("%s/n2", f->dir);

    pump(f, 20);
    xen_backend_free(f->be);
    xen_nic_host_free(f->host);
    net_dev_list_free(f->nets);
    peer_close(&f->a.peer);
    peer_close(&f->b.peer);
    xenner_guest_free(f->guest);
    xenner_domain_destroy(f->x, DOMID);
    xenner_free(f->x);
    xenner_xs_tree_free(f->tree);
    event_loop_free(f->loop);
    g_unlink(s0);
    g_unlink(s1);
    g_unlink(s2);
    g_rmdir(f->dir);
    g_free(f->dir);
}

bool be_key_is(Fixture *f, unsigned devid, const char *key,
               const char *value)
{
    g_autofree char *v = be_key(f, devid, key);

    return v && !strcmp(v, value);
}

uint32_t ctrl_req(RawVif *v, uint16_t type, uint32_t d0, uint32_t d1,
                  uint32_t d2)
{
    RING_IDX at = v->ctrl.req_prod_pvt;
    struct xen_netif_ctrl_request *req = RING_GET_REQUEST(&v->ctrl, at);
    struct xen_netif_ctrl_response rsp;

    *req = (struct xen_netif_ctrl_request) {
        .id = at, .type = type, .data = { d0, d1, d2 },
    };
    v->ctrl.req_prod_pvt++;
    RING_PUSH_REQUESTS(&v->ctrl);
    xenner_guest_notify(v->f->guest, v->ctrl_port);
    for (int k = 0; k < 20000 && v->ctrls->rsp_prod <= at; k++) {
        pump(v->f, 1);
    }
    g_assert_cmpuint(v->ctrls->rsp_prod, >, at);
    memcpy(&rsp, RING_GET_RESPONSE(&v->ctrl, at), sizeof(rsp));
    g_assert_cmpuint(rsp.id, ==, (uint16_t)at);
    return rsp.status;
}
