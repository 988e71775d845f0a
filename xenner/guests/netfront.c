/*
 * Network frontend for in-process test guests; see netfront.h.
 *
 * The negotiation follows Linux's xen-netfront (talk_to_netback,
 * setup_netfront, write_queue_xenstore_keys, xennet_connect,
 * netback_changed), the TX path its xennet_start_xmit and
 * xennet_tx_buf_gc, the RX path xennet_alloc_rx_buffers, xennet_poll,
 * xennet_get_responses and xennet_get_extras, on Xenner's guest
 * interface.
 *
 * Buffers: each queue owns one page per TX slot and one per RX slot,
 * allocated with the rings. An RX page is granted writable once and
 * posted again after its response was copied out (the grant stays
 * valid; netback copies into it). A TX page is granted read-only for
 * each request and revoked when the response comes, as Linux does.
 *
 * One difference from Linux: a more_data chain or extra whose end the
 * backend has not pushed yet is waited for rather than dropped, so that
 * a backend publishing one response at a time is not punished for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netfront-int.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "util/error.h"
#include "util/parse.h"

/* ---- negotiation ----------------------------------------------------- */

/* xenbus_read_unsigned(): @def when missing or not a number. */
static unsigned be_read_uint(NetFront *nf, const char *key, unsigned def)
{
    g_autofree char *path = g_strdup_printf("%s/%s", nf->be_path, key);
    g_autofree char *v = xenner_guest_xs_read(nf->g, path);
    uint64_t r;

    return v && parse_decimal(v, UINT_MAX, &r) ? r : def;
}

static bool be_key_exists(NetFront *nf, const char *key)
{
    g_autofree char *path = g_strdup_printf("%s/%s", nf->be_path, key);
    g_autofree char *v = xenner_guest_xs_read(nf->g, path);

    return v != NULL;
}

static void set_state(NetFront *nf, int state)
{
    nf->state = state;
    xenner_guest_switch_state(nf->g, nf->path, state);
}

static void notify_user(NetFront *nf, bool connected)
{
    if (nf->ops.state) {
        nf->busy++;
        nf->ops.state(nf->opaque, nf, connected);
        nf->busy--;
    }
}

static void close_port(NetFront *nf, evtchn_port_t *port)
{
    if (*port) {
        xenner_guest_close_port(nf->g, *port);
        *port = 0;
    }
}

/* xennet_disconnect_backend() and xennet_destroy_queues() */
static void release_rings(NetFront *nf)
{
    NetFrontQueue *queues = nf->queues;

    if (nf->ctrl_ring) {
        close_port(nf, &nf->ctrl_port);
        nf_page_release(nf, nf->ctrl_ring);
        g_clear_pointer(&nf->ctrl_ring, g_free);
        for (unsigned i = 0; i < NF_CTRL_RING_SIZE; i++) {
            NetFrontCtrlWait w = nf->ctrl_wait[i];

            nf->ctrl_wait[i].in_use = false;
            if (w.in_use && w.done) {
                w.done(w.opaque, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, 0);
            }
        }
    }
    if (!queues) {
        return;
    }
    nf->queues = NULL;
    for (unsigned n = 0; n < nf->nr_queues; n++) {
        NetFrontQueue *q = &queues[n];

        event_loop_cancel(xenner_guest_loop(nf->g), nf_rx_resume_cb, q);
        if (q->rx_port != q->tx_port) {
            close_port(nf, &q->rx_port);
        }
        close_port(nf, &q->tx_port);
        for (unsigned i = 0; i < NF_TX_RING_SIZE; i++) {
            nf_page_release(nf, &q->tx_pages[i]);
        }
        for (unsigned i = 0; i < NF_RX_RING_SIZE; i++) {
            nf_page_release(nf, &q->rx_pages[i]);
        }
        if (q->tx_ring) {
            nf_page_release(nf, q->tx_ring);
            g_free(q->tx_ring);
        }
        if (q->rx_ring) {
            nf_page_release(nf, q->rx_ring);
            g_free(q->rx_ring);
        }
        g_free(q->rx_buf);
    }
    g_free(queues);
    nf->nr_queues = 0;
    nf_reap_zombies(nf);
}

static NetFrontPage *ring_page_new(NetFront *nf)
{
    NetFrontPage *p = g_new0(NetFrontPage, 1);

    if (!nf_page_alloc(nf, p) || !nf_page_grant(nf, p, false)) {
        if (p->va) {
            xenner_guest_free_page(nf->g, p->gfn);
        }
        g_free(p);
        return NULL;
    }
    /* SHARED_RING_INIT; the page comes zeroed. */
    ((struct netif_tx_sring *)p->va)->req_event = 1;
    ((struct netif_tx_sring *)p->va)->rsp_event = 1;
    return p;
}

/* setup_netfront(): rings, buffers and event channels of one queue. */
static bool setup_queue(NetFront *nf, NetFrontQueue *q, unsigned idx)
{
    int port;

    q->nf = nf;
    q->idx = idx;
    q->tx_free_head = NF_NO_ID;
    for (unsigned i = NF_TX_RING_SIZE; i-- > 0;) {
        q->tx_next_free[i] = q->tx_free_head;
        q->tx_free_head = i;
    }
    for (unsigned i = 0; i < NF_TX_RING_SIZE; i++) {
        if (!nf_page_alloc(nf, &q->tx_pages[i])) {
            return false;
        }
    }
    for (unsigned i = 0; i < NF_RX_RING_SIZE; i++) {
        if (!nf_page_alloc(nf, &q->rx_pages[i]) ||
            !nf_page_grant(nf, &q->rx_pages[i], false)) {
            return false;
        }
    }
    q->rx_buf = g_malloc(NF_RX_BUF);
    q->tx_ring = ring_page_new(nf);
    q->rx_ring = ring_page_new(nf);
    if (!q->tx_ring || !q->rx_ring) {
        return false;
    }
    /* setup_netfront_split() / setup_netfront_single() */
    port = xenner_guest_alloc_unbound(nf->g, nf->be_domid,
                                      nf->split ? nf_tx_interrupt
                                                : nf_both_interrupt, q);
    q->tx_port = q->rx_port = MAX(port, 0);
    if (port <= 0) {
        return false;
    }
    if (nf->split) {
        port = xenner_guest_alloc_unbound(nf->g, nf->be_domid, nf_rx_interrupt,
                                          q);
        q->rx_port = MAX(port, 0);
        if (port <= 0) {
            return false;
        }
    }
    return true;
}

static G_GNUC_PRINTF(4, 5)
int xs_tx_printf(NetFront *nf, uint32_t tx, const char *key,
                 const char *fmt, ...)
{
    const XenXenstoreOps *ops = xenner_guest_xs_ops(nf->g);
    g_autofree char *path = g_strdup_printf("%s/%s", nf->abs_path, key);
    g_autofree char *value = NULL;
    va_list ap;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return ops->write(xenner_guest_xs(nf->g), tx, path, value,
                      strlen(value));
}

/* write_queue_xenstore_keys(): flat for one queue, else queue-N/. */
static int write_queue_keys(NetFront *nf, uint32_t tx, NetFrontQueue *q)
{
    g_autofree char *dir = nf->nr_queues > 1
                           ? g_strdup_printf("queue-%u/", q->idx)
                           : g_strdup("");
    g_autofree char *k1 = g_strdup_printf("%stx-ring-ref", dir);
    g_autofree char *k2 = g_strdup_printf("%srx-ring-ref", dir);
    g_autofree char *k3 = NULL, *k4 = NULL;
    int ret;

    ret = xs_tx_printf(nf, tx, k1, "%d", q->tx_ring->ref);
    ret = ret ? ret : xs_tx_printf(nf, tx, k2, "%d", q->rx_ring->ref);
    if (ret) {
        return ret;
    }
    if (q->tx_port == q->rx_port) {
        k3 = g_strdup_printf("%sevent-channel", dir);
        return xs_tx_printf(nf, tx, k3, "%u", q->tx_port);
    }
    k3 = g_strdup_printf("%sevent-channel-tx", dir);
    k4 = g_strdup_printf("%sevent-channel-rx", dir);
    ret = xs_tx_printf(nf, tx, k3, "%u", q->tx_port);
    return ret ? ret : xs_tx_printf(nf, tx, k4, "%u", q->rx_port);
}

static int write_nodes(NetFront *nf, uint32_t tx)
{
    const NetFrontConfig *c = &nf->cfg;
    int ret = 0;

    if (nf->multi_queue_keys) {
        ret = xs_tx_printf(nf, tx, "multi-queue-num-queues", "%u",
                           nf->nr_queues);
    }
    for (unsigned i = 0; i < nf->nr_queues && !ret; i++) {
        ret = write_queue_keys(nf, tx, &nf->queues[i]);
    }
    if (!ret && nf->ctrl_ring) {
        ret = xs_tx_printf(nf, tx, "ctrl-ring-ref", "%d", nf->ctrl_ring->ref);
        ret = ret ? ret : xs_tx_printf(nf, tx, "event-channel-ctrl", "%u",
                                       nf->ctrl_port);
    }
    ret = ret ? ret : xs_tx_printf(nf, tx, "request-rx-copy", "1");
    ret = ret ? ret : xs_tx_printf(nf, tx, "feature-rx-notify", "1");
    ret = ret ? ret : xs_tx_printf(nf, tx, "feature-sg", "%d", c->sg);
    ret = ret ? ret : xs_tx_printf(nf, tx, "feature-gso-tcpv4", "%d",
                                   c->gso && c->sg);
    ret = ret ? ret : xs_tx_printf(nf, tx, "feature-gso-tcpv6", "%d",
                                   c->gso && c->sg);
    ret = ret ? ret : xs_tx_printf(nf, tx, "feature-ipv6-csum-offload", "%d",
                                   c->csum);
    if (!ret && !c->csum) {
        ret = xs_tx_printf(nf, tx, "feature-no-csum-offload", "1");
    }
    return ret;
}

static bool read_mac(NetFront *nf)
{
    g_autofree char *key = g_strdup_printf("%s/mac", nf->path);
    g_autofree char *v = xenner_guest_xs_read(nf->g, key);
    unsigned b[6];
    char end;

    if (!v || sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
                     &b[3], &b[4], &b[5], &end) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        nf->mac[i] = b[i];
    }
    return true;
}

/* talk_to_netback(), then the rest of xennet_connect(). */
static bool talk_to_netback(NetFront *nf)
{
    const XenXenstoreOps *ops = xenner_guest_xs_ops(nf->g);
    XenXsHandle *h = xenner_guest_xs(nf->g);
    unsigned max_queues;
    uint32_t tx;
    int ret;

    release_rings(nf);          /* leftovers of an earlier attempt */
    nf->broken = false;
    nf->multi_queue_keys = be_key_exists(nf, "multi-queue-max-queues");
    max_queues = be_read_uint(nf, "multi-queue-max-queues", 1);
    nf->nr_queues = MAX(MIN(MIN(MAX(nf->cfg.nr_queues, 1u), max_queues),
                            NF_MAX_QUEUES), 1u);
    nf->split = nf->cfg.split &&
                be_read_uint(nf, "feature-split-event-channels", 0);
    if (!read_mac(nf)) {
        error_report("netfront %s: parsing %s/mac", nf->path, nf->path);
        return false;
    }
    if (!be_read_uint(nf, "feature-rx-copy", 0)) {
        error_report("netfront %s: backend does not support copying "
                     "receive path", nf->path);
        return false;
    }
    nf->queues = g_new0(NetFrontQueue, nf->nr_queues);
    for (unsigned i = 0; i < nf->nr_queues; i++) {
        if (!setup_queue(nf, &nf->queues[i], i)) {
            error_report("netfront %s: setting up queue %u", nf->path, i);
            return false;
        }
    }
    if (nf->cfg.ctrl && be_read_uint(nf, "feature-ctrl-ring", 0)) {
        int port;

        nf->ctrl_ring = ring_page_new(nf);
        port = nf->ctrl_ring ? xenner_guest_alloc_unbound(
                                   nf->g, nf->be_domid, nf_ctrl_interrupt, nf)
                             : -ENOMEM;
        nf->ctrl_port = MAX(port, 0);
        if (port <= 0) {
            error_report("netfront %s: setting up the ctrl ring", nf->path);
            return false;
        }
        nf->ctrl_prod_pvt = nf->ctrl_cons = 0;
    }

    do {
        if (ops->transaction_start(h, &tx)) {
            tx = XEN_XS_TXN_NULL;
        }
        ret = write_nodes(nf, tx);
        if (tx != XEN_XS_TXN_NULL) {
            int end = ops->transaction_end(h, tx, ret != 0);

            ret = ret ? ret : end;
        }
    } while (ret == -EAGAIN);
    if (ret) {
        error_report("netfront %s: writing ring keys: %s", nf->path,
                     strerror(-ret));
        return false;
    }

    /* xennet_fix_features(): what may go towards the backend. */
    nf->be_sg = be_read_uint(nf, "feature-sg", 0);
    nf->be_gso4 = be_read_uint(nf, "feature-gso-tcpv4", 0);
    nf->be_gso6 = be_read_uint(nf, "feature-gso-tcpv6", 0);
    nf->be_ipv6_csum = be_read_uint(nf, "feature-ipv6-csum-offload", 0);

    /* RX buffers posted, and a kick, before Connected (xennet_connect). */
    for (unsigned i = 0; i < nf->nr_queues; i++) {
        NetFrontQueue *q = &nf->queues[i];

        nf_rx_refill(q);
        xenner_guest_notify(nf->g, q->tx_port);
        if (q->rx_port != q->tx_port) {
            xenner_guest_notify(nf->g, q->rx_port);
        }
    }
    set_state(nf, XenbusStateConnected);
    return true;
}

static void netfront_closed(NetFront *nf, bool tell)
{
    tell |= nf->connected;
    nf->connected = false;
    release_rings(nf);
    set_state(nf, XenbusStateClosed);
    if (nf->reconnect) {
        /* The backend goes Closed, then InitWait, on seeing this. */
        nf->reconnect = false;
        set_state(nf, XenbusStateInitialising);
    }
    if (tell) {
        notify_user(nf, false);
    }
}

/* netback_changed() */
static void netfront_backend_changed(void *opaque, const char *path)
{
    NetFront *nf = opaque;
    int be_state = xenner_guest_xs_read_state(nf->g, nf->be_path);

    nf->busy++;
    nf_reap_zombies(nf);
    switch (be_state) {
    case XenbusStateInitWait:
    case XenbusStateConnected:
        if (nf->state == XenbusStateInitialising && !talk_to_netback(nf)) {
            netfront_closed(nf, true);
            break;
        }
        if (be_state == XenbusStateConnected &&
            nf->state == XenbusStateConnected && !nf->connected) {
            nf->connected = true;
            notify_user(nf, true);
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
        /* xenbus_frontend_closed(), also for a missed Closing. */
        if (nf->state == XenbusStateConnected ||
            nf->state == XenbusStateClosing) {
            netfront_closed(nf, nf->state != XenbusStateClosing);
        }
        break;
    default:
        break;
    }
    if (!--nf->busy && nf->free_pending) {
        netfront_do_free(nf);
    }
}

static void netfront_recheck(void *opaque)
{
    netfront_backend_changed(opaque, NULL);
}

NetFront *netfront_new(XennerGuest *g, unsigned handle,
                       const NetFrontConfig *cfg, const NetFrontOps *ops,
                       void *opaque)
{
    const XenXenstoreOps *xs = xenner_guest_xs_ops(g);
    NetFront *nf = g_new0(NetFront, 1);
    g_autofree char *be_key = g_strdup_printf("device/vif/%u/backend", handle);
    g_autofree char *id_key = g_strdup_printf("device/vif/%u/backend-id",
                                              handle);
    g_autofree char *be_id = xenner_guest_xs_read(g, id_key);
    g_autofree char *dom = NULL, *state_path = NULL;
    uint64_t be_domid;

    nf->g = g;
    nf->handle = handle;
    nf->cfg = *cfg;
    if (ops) {
        nf->ops = *ops;
    }
    nf->opaque = opaque;
    nf->zombies = g_ptr_array_new();
    nf->raw_pages = g_ptr_array_new();
    nf->path = g_strdup_printf("device/vif/%u", handle);
    dom = xs->get_domain_path(xenner_guest_xs(g), xenner_guest_domid(g));
    nf->abs_path = g_strdup_printf("%s/%s", dom, nf->path);
    nf->be_path = xenner_guest_xs_read(g, be_key);
    if (!nf->be_path || !be_id ||
        !parse_decimal(be_id, DOMID_FIRST_RESERVED - 1, &be_domid)) {
        g_clear_pointer(&nf->be_path, g_free);
        return nf;              /* never connects; freed as usual */
    }
    nf->be_domid = be_domid;
    set_state(nf, XenbusStateInitialising);
    state_path = g_strdup_printf("%s/state", nf->be_path);
    xs->watch(xenner_guest_xs(g), state_path, netfront_backend_changed, nf,
              &nf->be_watch);
    return nf;
}

void netfront_do_free(NetFront *nf)
{
    event_loop_cancel(xenner_guest_loop(nf->g), netfront_recheck, nf);
    if (nf->be_watch) {
        xenner_guest_xs_ops(nf->g)->unwatch(xenner_guest_xs(nf->g),
                                            nf->be_watch);
    }
    if (nf->be_path) {
        if (nf->state != XenbusStateClosed) {
            set_state(nf, XenbusStateClosing);
        }
        nf->ops = (NetFrontOps) { 0 };
        nf->connected = false;
        release_rings(nf);
        set_state(nf, XenbusStateClosed);
    }
    for (guint i = 0; i < nf->raw_pages->len; i++) {
        NetFrontPage *p = g_ptr_array_index(nf->raw_pages, i);

        nf_page_release(nf, p);
        g_free(p);
    }
    g_ptr_array_free(nf->raw_pages, true);
    /*
     * A connected backend unmaps only on seeing us close, after this
     * returns: we cannot wait, so its grants and pages are leaked.
     */
    g_ptr_array_set_free_func(nf->zombies, g_free);
    g_ptr_array_free(nf->zombies, true);
    g_free(nf->path);
    g_free(nf->abs_path);
    g_free(nf->be_path);
    g_free(nf);
}

void netfront_free(NetFront *nf)
{
    if (nf && nf->busy) {
        nf->free_pending = true;        /* from one of our callbacks */
        nf->ops = (NetFrontOps) { 0 };
    } else if (nf) {
        netfront_do_free(nf);
    }
}

void netfront_reconnect(NetFront *nf)
{
    if (!nf->be_path || nf->free_pending) {
        return;
    }
    nf->connected = false;
    if (nf->state == XenbusStateClosed) {
        set_state(nf, XenbusStateInitialising);
        event_loop_schedule(xenner_guest_loop(nf->g), netfront_recheck, nf);
        return;
    }
    nf->reconnect = true;
    set_state(nf, XenbusStateClosing);
}

/* ---- accessors and the raw API ---------------------------------------- */

bool netfront_connected(NetFront *nf)
{
    return nf->connected && nf->queues && !nf->free_pending && !nf->broken;
}

unsigned netfront_handle(NetFront *nf)
{
    return nf->handle;
}

const char *netfront_path(NetFront *nf)
{
    return nf->path;
}

unsigned netfront_nr_queues(NetFront *nf)
{
    return nf->nr_queues;
}

bool netfront_split(NetFront *nf)
{
    return nf->split;
}

bool netfront_has_ctrl(NetFront *nf)
{
    return nf->ctrl_ring != NULL;
}

const uint8_t *netfront_mac(NetFront *nf)
{
    return nf->mac;
}

unsigned netfront_backend_uint(NetFront *nf, const char *key)
{
    return nf->be_path ? be_read_uint(nf, key, 0) : 0;
}

void netfront_get_stats(NetFront *nf, NetFrontStats *st)
{
    *st = nf->st;
}

unsigned netfront_tx_inflight(NetFront *nf, unsigned queue)
{
    return nf->queues && queue < nf->nr_queues
           ? nf->queues[queue].tx_inflight : 0;
}

int netfront_tx_raw(NetFront *nf, unsigned queue, const NetFrontTxSlot *slots,
                    unsigned n, bool push)
{
    NetFrontQueue *q;
    int ret = nf_get_queue(nf, queue, &q);

    if (ret) {
        return ret;
    }
    if (nf_tx_free_slots(q) < n) {
        return -EBUSY;
    }
    for (unsigned i = 0; i < n; i++) {
        nf_tx_put_slot(q, &slots[i]);
    }
    if (push) {
        nf_ring_push(nf, nf_tx_sring(q), q->tx_prod_pvt, q->tx_port);
    }
    return 0;
}

void netfront_tx_push_raw(NetFront *nf, unsigned queue)
{
    NetFrontQueue *q;

    if (!nf_get_queue(nf, queue, &q)) {
        nf_ring_push(nf, nf_tx_sring(q), q->tx_prod_pvt, q->tx_port);
    }
}

int netfront_rx_raw(NetFront *nf, unsigned queue, uint16_t id,
                    grant_ref_t gref)
{
    netif_rx_request_t req = { .id = id, .gref = gref };
    NetFrontQueue *q;
    int ret = nf_get_queue(nf, queue, &q);

    if (ret) {
        return ret;
    }
    if (q->rx_prod_pvt - q->rx_cons >= NF_RX_RING_SIZE) {
        return -EBUSY;
    }
    memcpy(&nf_rx_sring(q)->ring[q->rx_prod_pvt++ & (NF_RX_RING_SIZE - 1)].req,
           &req, sizeof(req));
    nf_ring_push(nf, nf_rx_sring(q), q->rx_prod_pvt, q->rx_port);
    return 0;
}

int netfront_grant_page(NetFront *nf, bool readonly, void **va)
{
    NetFrontPage *p = g_new0(NetFrontPage, 1);

    if (!nf->be_path || !nf_page_alloc(nf, p)) {
        g_free(p);
        return -ENOMEM;
    }
    if (!nf_page_grant(nf, p, readonly)) {
        xenner_guest_free_page(nf->g, p->gfn);
        g_free(p);
        return -ENOSPC;
    }
    g_ptr_array_add(nf->raw_pages, p);
    if (va) {
        *va = p->va;
    }
    return p->ref;
}

netif_tx_sring_t *netfront_tx_sring(NetFront *nf, unsigned queue)
{
    return nf->queues && queue < nf->nr_queues
           ? nf_tx_sring(&nf->queues[queue]) : NULL;
}

netif_rx_sring_t *netfront_rx_sring(NetFront *nf, unsigned queue)
{
    return nf->queues && queue < nf->nr_queues
           ? nf_rx_sring(&nf->queues[queue]) : NULL;
}

evtchn_port_t netfront_tx_port(NetFront *nf, unsigned queue)
{
    return nf->queues && queue < nf->nr_queues ? nf->queues[queue].tx_port
                                               : 0;
}

evtchn_port_t netfront_rx_port(NetFront *nf, unsigned queue)
{
    return nf->queues && queue < nf->nr_queues ? nf->queues[queue].rx_port
                                               : 0;
}

xen_netif_ctrl_sring_t *netfront_ctrl_sring(NetFront *nf)
{
    return nf_ctrl_sring_of(nf);
}

unsigned netfront_grants_in_use(NetFront *nf)
{
    nf_reap_zombies(nf);
    for (unsigned n = 0; nf->queues && n < nf->nr_queues; n++) {
        nf_tx_reap(&nf->queues[n]);
    }
    return nf->grants;
}
