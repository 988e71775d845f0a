/*
 * The net backend's data path: the TX and RX rings of each queue and the
 * control ring, between the frontend and the netdev.
 *
 * TX: a batch of packets is taken off the ring and decoded
 * (netif_tx_feed(): each slot copied once, checked there), their pieces
 * grant-copied into one local buffer with one copy call for the whole
 * batch, then sent one by one. -EAGAIN from the netdev, or a rate with
 * no credit left, holds the rest of the batch, unanswered, until the
 * netdev's writable() or the credit timer: the ring is not read
 * meanwhile, so the guest sees back-pressure, not drops.
 *
 * RX: receive() takes a frame only when the ring has enough requests
 * for all its slots (one per page, one per extra); else it refuses, the
 * netdev keeps the frame, and the RX event that brings requests resumes
 * the netdev. A frame taken is staged, its requests consumed, and the
 * frames of one event-loop turn go into the guest's pages with one
 * grant copy call, their responses after it: one copy call and one
 * notification per batch, not per frame (the staging memcpy is cheap
 * next to a hypercall per frame on Xen).
 * A queue that stays without requests drops its frames
 * after XEN_NIC_RX_DRAIN_MS and is stalled (carrier off) after
 * XEN_NIC_RX_STALL_MS, as netback does (XSA-392): a frontend cannot
 * make the host hold its frames forever.
 *
 * A frontend that notifies again and again with nothing to do
 * (XSA-332) gets its queue ignored, its ports held masked, for
 * XEN_NIC_STORM_BACKOFF_MS after XEN_NIC_SPURIOUS_MAX such events in a
 * row: the storm then wakes nothing here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-net"

#include "xen_nic_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/trace.h"

/* Frames' worth of TX slots taken per event-loop turn, so queues share. */
#define TX_BATCHES_PER_TURN 4
/* The headers hashed and filtered on, copied out of the frame. */
#define RX_HEAD_BYTES 256

static void tx_process(XenNicQueue *q);

static void tx_process_bh(void *opaque)
{
    tx_process(opaque);
}

static void tx_push(XenNicQueue *q)
{
    if (xen_back_ring_push(&q->tx)) {
        xen_device_channel_notify(&q->nic->xd, q->tx_chan);
    }
}


/* ---- TX ---------------------------------------------------------------- */

static void tx_respond(XenNicQueue *q, XenNicTxItem *it)
{
    if (it->status != NETIF_RSP_OKAY) {
        netif_tx_set_status(&it->pkt, it->status);
    }
    for (unsigned i = 0; i < it->pkt.nslots; i++) {
        netif_tx_put_rsp(&it->pkt, i, xen_back_ring_respond(&q->tx));
    }
}

static bool mcast_find(XenNic *nic, const uint8_t *addr, unsigned *at)
{
    for (unsigned i = 0; i < nic->nr_mcast; i++) {
        if (!memcmp(nic->mcast[i], addr, 6)) {
            *at = i;
            return true;
        }
    }
    return false;
}

/* netback's xenvif_mcast_add/del: the answer is the request's status. */
static int16_t tx_mcast(XenNic *nic, const NetifTxPacket *pkt)
{
    unsigned at;

    if (pkt->verdict == NETIF_TX_MCAST_ADD) {
        if (mcast_find(nic, pkt->mcast, &at)) {
            return NETIF_RSP_OKAY;
        }
        if (nic->nr_mcast == XEN_NIC_MCAST_MAX) {
            return NETIF_RSP_ERROR;
        }
        memcpy(nic->mcast[nic->nr_mcast++], pkt->mcast, 6);
        return NETIF_RSP_OKAY;
    }
    if (mcast_find(nic, pkt->mcast, &at)) {
        memmove(nic->mcast[at], nic->mcast[at + 1],
                (nic->nr_mcast - at - 1) * 6);
        nic->nr_mcast--;
    }
    return NETIF_RSP_OKAY;
}

/*
 * Takes a batch of packets off the ring and copies their data in. False
 * when the frontend turned out hostile (the device is failing).
 */
static bool tx_take_batch(XenNicQueue *q)
{
    XenNic *nic = q->nic;
    XenDevice *xd = &nic->xd;
    uint8_t copy[XEN_RING_SLOT_MAX];
    unsigned nsegs = 0;
    size_t off = 0;

    q->tx_count = q->tx_next = 0;
    while (q->tx_count < XEN_NIC_TX_BATCH && off < XEN_NIC_TX_BATCH_BYTES &&
           xen_back_ring_unconsumed(&q->tx)) {
        XenNicTxItem *it = &q->tx_items[q->tx_count];
        NetifTxPacket *p = &it->pkt;
        bool more;

        netif_tx_begin(p);
        do {
            if (!xen_back_ring_unconsumed(&q->tx)) {
                netif_tx_truncated(p);
                break;
            }
            xen_back_ring_take(&q->tx, copy);
            more = netif_tx_feed(p, copy);
        } while (more);
        it->status = NETIF_RSP_OKAY;
        switch (p->verdict) {
        case NETIF_TX_FATAL:
            xen_device_fail(xd, "queue %u: hostile TX request: %s", q->index,
                            p->why);
            return false;
        case NETIF_TX_DROP:
            warn_report_ratelimited(&nic->guest_errors,
                                    "%s: queue %u: TX packet dropped: %s",
                                    xd->be_path, q->index, p->why);
            it->status = NETIF_RSP_ERROR;
            break;
        case NETIF_TX_MCAST_ADD:
        case NETIF_TX_MCAST_DEL:
            it->status = tx_mcast(nic, p);
            break;
        case NETIF_TX_SEND:
            it->off = off;
            for (unsigned i = 0; i < p->npieces; i++) {
                q->tx_segs[nsegs++] = (XenGrantCopySeg) {
                    .ref = p->pieces[i].gref,
                    .offset = p->pieces[i].offset,
                    .len = p->pieces[i].size,
                    .buf = q->tx_buf + off,
                };
                off += p->pieces[i].size;
            }
            break;
        }
        q->tx_count++;
    }
    if (nsegs) {
        unsigned s = 0;

        /* A bad grant fails its own packet; the statuses say which. */
        xen_device_grant_copy(xd, false, q->tx_segs, nsegs);
        for (unsigned i = 0; i < q->tx_count; i++) {
            XenNicTxItem *it = &q->tx_items[i];

            if (it->pkt.verdict != NETIF_TX_SEND) {
                continue;
            }
            for (unsigned j = 0; j < it->pkt.npieces; j++, s++) {
                if (q->tx_segs[s].status < 0) {
                    it->status = NETIF_RSP_ERROR;
                }
            }
        }
    }
    return true;
}

/* Sends what the batch holds; false when held back (flow, rate). */
static bool tx_flush(XenNicQueue *q)
{
    XenNic *nic = q->nic;

    while (q->tx_next < q->tx_count) {
        XenNicTxItem *it = &q->tx_items[q->tx_next];

        if (it->pkt.verdict == NETIF_TX_SEND && it->status == NETIF_RSP_OKAY) {
            struct virtio_net_hdr hdr;
            struct iovec iov = {
                .iov_base = q->tx_buf + it->off, .iov_len = it->pkt.size,
            };
            int ret;

            if (nic->rate_bytes && q->credit < it->pkt.size) {
                q->credit_wait = true;
                return false;
            }
            ret = netif_tx_vnet_hdr(&it->pkt, iov.iov_base, iov.iov_len,
                                    &hdr);
            if (ret == 0) {
                ret = net_dev_send(nic->nd,
                                   q->index % net_dev_queues(nic->nd), &hdr,
                                   &iov, 1);
            }
            if (ret == -EAGAIN) {
                q->tx_blocked = true;
                return false;
            }
            if (ret < 0) {
                it->status = NETIF_RSP_ERROR;
            } else if (nic->rate_bytes) {
                q->credit -= it->pkt.size;
            }
        }
        tx_respond(q, it);
        q->tx_next++;
    }
    q->tx_count = q->tx_next = 0;
    return true;
}

/* True when the turn did anything (for the storm accounting). */
static bool tx_run(XenNicQueue *q)
{
    XenDevice *xd = &q->nic->xd;
    unsigned batches = TX_BATCHES_PER_TURN;
    bool work = false;
    int n;

    if (!q->tx_sring || xen_device_failed(xd) || q->storm) {
        return false;
    }
    if (q->tx_count) {
        work = true;
        if (q->tx_blocked || !tx_flush(q)) {
            tx_push(q);
            return work;
        }
    }
    n = xen_back_ring_poll(&q->tx);
    for (;;) {
        if (n < 0) {
            xen_device_fail(xd, "queue %u: TX ring: %s", q->index,
                            xen_back_ring_error(&q->tx));
            return true;
        }
        while (xen_back_ring_unconsumed(&q->tx)) {
            if (!batches--) {
                event_loop_schedule(xen_nic_loop(q->nic), tx_process_bh, q);
                tx_push(q);
                return true;
            }
            work = true;
            if (!tx_take_batch(q)) {
                return true;
            }
            if (!tx_flush(q)) {
                tx_push(q);
                return true;
            }
        }
        /*
         * Even when the poll found nothing new: a turn that stopped
         * early (blocked, out of batches) took what it saw without
         * asking for the next event, and a frontend that sees a stale
         * req_event pushes requests without notifying.
         */
        n = xen_back_ring_final_check(&q->tx);
        if (n == 0) {
            break;
        }
    }
    tx_push(q);
    return work;
}

static void tx_process(XenNicQueue *q)
{
    tx_run(q);
}

/* ---- RX ---------------------------------------------------------------- */

static void rx_timer_fn(void *opaque);

static void rx_unstall(XenNicQueue *q)
{
    XenNic *nic = q->nic;

    q->rx_wait_since = 0;
    q->rx_dropping = false;
    if (q->rx_stalled) {
        q->rx_stalled = false;
        if (--nic->stalled_queues == 0) {
            xen_nic_set_carrier(nic, true);
        }
    }
}

/* The frontend posted requests: the netdev may send what it held. */
static bool rx_resume(XenNicQueue *q)
{
    XenNic *nic = q->nic;
    uint32_t waiting = q->rx_waiting;
    int n;

    if (!q->rx_sring || (!waiting && !q->rx_dropping)) {
        return false;
    }
    n = xen_back_ring_poll(&q->rx);
    if (n < 0) {
        xen_device_fail(&nic->xd, "queue %u: RX ring: %s", q->index,
                        xen_back_ring_error(&q->rx));
        return true;
    }
    if (n == 0) {
        return false;
    }
    if (q->rx_dropping) {
        rx_unstall(q);          /* the guest posts requests again */
    }
    q->rx_waiting = 0;
    for (unsigned i = 0; i < 32; i++) {
        if (waiting & (1u << i)) {
            net_dev_resume(nic->nd, i);
        }
    }
    return true;
}

static void rx_wait(XenNicQueue *q, unsigned nd_queue)
{
    XenNic *nic = q->nic;
    Error *err = NULL;

    q->rx_waiting |= 1u << (nd_queue % 32);
    if (!q->rx_wait_since) {
        q->rx_wait_since = g_get_monotonic_time();
    }
    if (!nic->rx_timer) {
        unsigned period = MIN(xen_nic_rx_drain_ms(nic), 4000) / 4;

        nic->rx_timer = event_loop_add_timer(xen_nic_loop(nic),
                                             MAX(period, 1u), rx_timer_fn,
                                             nic, &err);
        if (!nic->rx_timer) {
            warn_report("%s: %s", nic->xd.be_path, error_get_pretty(err));
            error_free(err);
        }
    }
}

unsigned xen_nic_rx_drain_ms(const XenNic *nic)
{
    return nic->opts.rx_drain_ms ? nic->opts.rx_drain_ms :
        XEN_NIC_RX_DRAIN_MS;
}

static unsigned rx_stall_ms(const XenNic *nic)
{
    return nic->opts.rx_stall_ms ? nic->opts.rx_stall_ms :
        XEN_NIC_RX_STALL_MS;
}

/* netback's drain and stall timeouts, checked four times a drain. */
static void rx_timer_fn(void *opaque)
{
    XenNic *nic = opaque;
    gint64 now = g_get_monotonic_time();
    bool waiting = false;

    for (unsigned i = 0; i < nic->nr_queues; i++) {
        XenNicQueue *q = &nic->queues[i];
        gint64 ms;

        if (!q->rx_wait_since) {
            continue;
        }
        waiting = true;
        ms = (now - q->rx_wait_since) / 1000;
        if (ms >= xen_nic_rx_drain_ms(nic) && !q->rx_dropping) {
            uint32_t w = q->rx_waiting;

            trace("%s: queue %u: no RX requests for %" PRId64 " ms: "
                  "dropping its frames", nic->xd.be_path, i, ms);
            q->rx_dropping = true;
            q->rx_waiting = 0;
            for (unsigned j = 0; j < 32; j++) {
                if (w & (1u << j)) {
                    net_dev_resume(nic->nd, j);
                }
            }
        }
        if (ms >= rx_stall_ms(nic) && !q->rx_stalled) {
            q->rx_stalled = true;
            if (nic->stalled_queues++ == 0) {
                xen_nic_set_carrier(nic, false);
            }
        }
    }
    if (!waiting) {
        event_loop_del_timer(xen_nic_loop(nic), nic->rx_timer);
        nic->rx_timer = NULL;
    }
}

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
    size_t len = 0;

    for (int i = 0; i < iovcnt; i++) {
        len += iov[i].iov_len;
    }
    return len;
}

static size_t iov_copy_out(const struct iovec *iov, int iovcnt, uint8_t *buf,
                           size_t max)
{
    size_t done = 0;

    for (int i = 0; i < iovcnt && done < max; i++) {
        size_t n = MIN(iov[i].iov_len, max - done);

        memcpy(buf + done, iov[i].iov_base, n);
        done += n;
    }
    return done;
}

/* netback's multicast filter: broadcast and listed groups pass. */
static bool rx_filtered(XenNic *nic, const uint8_t *dst)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    unsigned at;

    if (!nic->mcast_control || !(dst[0] & 1) || !memcmp(dst, bcast, 6)) {
        return false;
    }
    return !mcast_find(nic, dst, &at);
}

/*
 * Copies the staged frames into the guest's pages with one grant copy
 * call and writes their responses (a frame with a bad grant answers
 * NETIF_RSP_ERROR in each data slot), still unpublished.
 */
static void rx_complete(XenNicQueue *q)
{
    XenDevice *xd = &q->nic->xd;

    if (q->rx_count) {
        xen_device_grant_copy(xd, true, q->rx_segs, q->rx_nsegs);
    }
    for (unsigned k = 0; k < q->rx_count; k++) {
        XenNicRxItem *it = &q->rx_items[k];
        unsigned ndata = it->need - it->nextra;
        size_t left = it->len;
        bool failed = false;

        for (unsigned j = 0; j < it->nsegs; j++) {
            failed |= q->rx_segs[it->seg + j].status < 0;
        }
        /* In ring order: the first data slot, the extras, the rest. */
        for (unsigned i = 0, d = 0; i < it->need; i++) {
            void *slot = xen_back_ring_respond(&q->rx);

            if (i == 0 || i > it->nextra) {
                size_t n = MIN(left, (size_t)XEN_PAGE_SIZE);
                uint16_t flags = d + 1 < ndata ? NETRXF_more_data : 0;

                if (i == 0) {
                    flags |= it->flags;
                }
                netif_rx_put_rsp(slot, it->ids[i], 0, flags,
                                 failed ? NETIF_RSP_ERROR : (int16_t)n);
                left -= n;
                d++;
            } else {
                netif_rx_put_extra(slot, &it->extras[i - 1]);
            }
        }
    }
    q->rx_count = q->rx_nsegs = 0;
    q->rx_used = 0;
}

/* Completes the staged frames, publishes all responses, notifies once. */
static void rx_flush(XenNicQueue *q)
{
    XenDevice *xd = &q->nic->xd;

    rx_complete(q);
    if (xen_back_ring_push(&q->rx)) {
        xen_device_channel_notify(xd, q->rx_chan);
    }
}

static void rx_flush_bh(void *opaque)
{
    XenNicQueue *q = opaque;

    if (q->rx_sring && !xen_device_failed(&q->nic->xd)) {
        rx_flush(q);
    }
}

/* The extra-info slots of a frame: GSO first, then the hash. */
static void rx_extras(XenNicRxItem *it, const struct virtio_net_hdr *hdr,
                      const NetifHashValue *hv)
{
    unsigned n = 0;

    if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        struct netif_extra_info *e = &it->extras[n++];

        memset(e, 0, sizeof(*e));
        e->type = XEN_NETIF_EXTRA_TYPE_GSO;
        e->u.gso.size = hdr->gso_size;
        e->u.gso.type = (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) ==
            VIRTIO_NET_HDR_GSO_TCPV6 ? XEN_NETIF_GSO_TYPE_TCPV6 :
            XEN_NETIF_GSO_TYPE_TCPV4;
    }
    if (hv->valid) {
        netif_hash_extra(hv, &it->extras[n++]);
    }
    for (unsigned i = 0; i + 1 < n; i++) {
        it->extras[i].flags = XEN_NETIF_EXTRA_FLAG_MORE;
    }
    it->nextra = n;
}

static bool nic_receive(void *opaque, unsigned nd_queue,
                        const struct virtio_net_hdr *hdr,
                        const struct iovec *iov, int iovcnt)
{
    XenNic *nic = opaque;
    uint8_t head[RX_HEAD_BYTES], copy[XEN_RING_SLOT_MAX];
    size_t len = iov_total(iov, iovcnt), hlen;
    bool gso = hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE;
    NetifHashValue hv;
    XenNicRxItem *it;
    XenNicQueue *q;
    unsigned need, ndata, nextra;
    uint8_t *buf;
    bool direct;
    int n;

    if (!nic->nr_queues || xen_device_failed(&nic->xd) || len < 14 ||
        len > NET_FRAME_MAX) {
        return true;            /* dropped: no guest to take it */
    }
    hlen = iov_copy_out(iov, iovcnt, head, sizeof(head));
    if (rx_filtered(nic, head)) {
        return true;
    }
    hv = netif_hash_frame(&nic->hash, head, hlen);
    q = &nic->queues[netif_hash_queue(&nic->hash, &hv, nd_queue)];
    if (!q->rx_sring) {
        return true;
    }
    need = netif_rx_slots(len, gso, hv.valid);
    nextra = gso + hv.valid;
    ndata = need - nextra;
    if ((!nic->sg && ndata > 1) || ndata > NETIF_TX_PIECES_MAX ||
        need > q->rx.size) {
        return true;            /* it cannot fit this guest's ring */
    }
    n = xen_back_ring_wait_for(&q->rx, need);
    if (n < 0) {
        xen_device_fail(&nic->xd, "queue %u: RX ring: %s", q->index,
                        xen_back_ring_error(&q->rx));
        return true;
    }
    if ((unsigned)n < need) {
        if (q->rx_dropping) {
            return true;
        }
        rx_wait(q, nd_queue);
        return false;
    }
    rx_unstall(q);
    /*
     * A large frame is copied into the guest straight from the netdev's
     * buffer, which is only ours during this call: the batch is copied
     * at once, with it, and published later with the rest. A frame that size costs a copy call of its own
     * anyway, and a copy of it here would cost as much as the grant copy.
     */
    direct = len >= XEN_NIC_RX_DIRECT_MIN && iovcnt == 1;
    if (q->rx_count == XEN_NIC_RX_BATCH ||
        (!direct && q->rx_used + len > XEN_NIC_RX_BATCH_BYTES)) {
        rx_flush(q);
    }
    it = &q->rx_items[q->rx_count++];
    it->need = need;
    it->len = len;
    it->flags = netif_rx_flags(hdr);
    rx_extras(it, hdr, &hv);
    if (it->nextra) {
        it->flags |= NETRXF_extra_info;
    }
    if (direct) {
        buf = iov[0].iov_base;
    } else {
        buf = q->rx_buf + q->rx_used;
        iov_copy_out(iov, iovcnt, buf, len);
        q->rx_used += len;
    }
    it->seg = q->rx_nsegs;
    it->nsegs = ndata;
    for (unsigned i = 0, d = 0; i < need; i++) {
        struct netif_rx_request req;

        xen_back_ring_take(&q->rx, copy);
        memcpy(&req, copy, sizeof(req));
        it->ids[i] = req.id;
        if (i == 0 || i > nextra) {
            q->rx_segs[q->rx_nsegs++] = (XenGrantCopySeg) {
                .ref = req.gref, .offset = 0,
                .len = MIN(len - (size_t)d * XEN_PAGE_SIZE,
                           (size_t)XEN_PAGE_SIZE),
                .buf = buf + (size_t)d * XEN_PAGE_SIZE,
            };
            d++;
        }
    }
    /* One notification for what the netdev passes in one go. */
    if (direct) {
        rx_complete(q);
    }
    event_loop_schedule(xen_nic_loop(nic), rx_flush_bh, q);
    return true;
}

static void nic_writable(void *opaque, unsigned nd_queue)
{
    XenNic *nic = opaque;
    unsigned ndq = MAX(net_dev_queues(nic->nd), 1u);

    for (unsigned i = 0; i < nic->nr_queues; i++) {
        XenNicQueue *q = &nic->queues[i];

        if (q->tx_blocked && i % ndq == nd_queue % ndq) {
            q->tx_blocked = false;
            event_loop_schedule(xen_nic_loop(nic), tx_process_bh, q);
        }
    }
}

const NetDevPortOps xen_nic_port_ops = {
    .receive = nic_receive,
    .writable = nic_writable,
};

/* ---- events and XSA-332 ------------------------------------------------- */

static void storm_timer_fn(void *opaque)
{
    XenNic *nic = opaque;

    event_loop_del_timer(xen_nic_loop(nic), nic->storm_timer);
    nic->storm_timer = NULL;
    for (unsigned i = 0; i < nic->nr_queues; i++) {
        XenNicQueue *q = &nic->queues[i];

        if (q->storm) {
            q->storm = false;
            q->spurious = 0;
            xen_device_channel_hold(&nic->xd, q->tx_chan, false);
            if (q->rx_chan != q->tx_chan) {
                xen_device_channel_hold(&nic->xd, q->rx_chan, false);
            }
            event_loop_schedule(xen_nic_loop(nic), tx_process_bh, q);
            rx_resume(q);
        }
    }
}

static void queue_account(XenNicQueue *q, bool work)
{
    XenNic *nic = q->nic;

    if (work) {
        q->spurious = 0;
        return;
    }
    if (++q->spurious < XEN_NIC_SPURIOUS_MAX || q->storm) {
        return;
    }
    warn_report_ratelimited(&nic->guest_errors, "%s: queue %u: %u events with "
                            "nothing to do: ignoring it for %u ms",
                            nic->xd.be_path, q->index, q->spurious,
                            XEN_NIC_STORM_BACKOFF_MS);
    if (!nic->storm_timer) {
        nic->storm_timer = event_loop_add_timer(xen_nic_loop(nic),
                                                XEN_NIC_STORM_BACKOFF_MS,
                                                storm_timer_fn, nic, NULL);
        if (!nic->storm_timer) {
            return;             /* no timer to end it: keep serving */
        }
    }
    q->storm = true;
    xen_device_channel_hold(&nic->xd, q->tx_chan, true);
    if (q->rx_chan != q->tx_chan) {
        xen_device_channel_hold(&nic->xd, q->rx_chan, true);
    }
}

void xen_nic_tx_event(XenDevice *xd, void *opaque)
{
    XenNicQueue *q = opaque;
    bool work;

    if (q->storm) {
        return;
    }
    work = tx_run(q);
    if (q->rx_chan == q->tx_chan) {
        work |= rx_resume(q);
    }
    if (!xen_device_failed(xd)) {
        queue_account(q, work);
    }
}

void xen_nic_rx_event(XenDevice *xd, void *opaque)
{
    XenNicQueue *q = opaque;

    if (!q->storm) {
        queue_account(q, rx_resume(q));
    }
}

/* ---- the control ring ---------------------------------------------------- */

void xen_nic_ctrl_process(XenNic *nic)
{
    XenDevice *xd = &nic->xd;
    uint8_t copy[XEN_RING_SLOT_MAX];
    g_autofree uint8_t *page = NULL;
    int n;

    if (!nic->ctrl_sring || xen_device_failed(xd)) {
        return;
    }
    for (n = xen_back_ring_poll(&nic->ctrl); n != 0;
         n = xen_back_ring_final_check(&nic->ctrl)) {
        if (n < 0) {
            xen_device_fail(xd, "control ring: %s",
                            xen_back_ring_error(&nic->ctrl));
            return;
        }
        while (xen_back_ring_take(&nic->ctrl, copy)) {
            struct xen_netif_ctrl_request req;
            struct xen_netif_ctrl_response rsp;
            uint8_t slot[NETIF_CTRL_SLOT_SIZE] = { 0 };
            const uint8_t *data = NULL;
            uint32_t gref;
            size_t len;

            memcpy(&req, copy, sizeof(req));
            len = netif_ctrl_grant_len(&nic->hash, &req, &gref);
            if (len) {
                XenGrantCopySeg seg;

                if (!page) {
                    page = g_malloc(XEN_PAGE_SIZE);
                }
                seg = (XenGrantCopySeg) {
                    .ref = gref, .offset = 0, .len = len, .buf = page,
                };
                if (xen_device_grant_copy(xd, false, &seg, 1) == 0 &&
                    seg.status == 0) {
                    data = page;
                }
            }
            netif_ctrl_handle(&nic->hash, &req, data, &rsp);
            memcpy(slot, &rsp, sizeof(rsp));
            memcpy(xen_back_ring_respond(&nic->ctrl), slot, sizeof(slot));
        }
    }
    if (xen_back_ring_push(&nic->ctrl)) {
        xen_device_channel_notify(xd, nic->ctrl_chan);
    }
}

void xen_nic_ctrl_event(XenDevice *xd, void *opaque)
{
    xen_nic_ctrl_process(opaque);
}

/* ---- the TX rate ------------------------------------------------------- */

/* netback's max_burst: a 64 KiB frame always fits eventually. */
static uint64_t credit_max(const XenNic *nic)
{
    return MAX(nic->credit_tick, (uint64_t)131072);
}

static void credit_timer_fn(void *opaque)
{
    XenNic *nic = opaque;

    for (unsigned i = 0; i < nic->nr_queues; i++) {
        XenNicQueue *q = &nic->queues[i];

        q->credit = MIN(q->credit + nic->credit_tick, credit_max(nic));
        if (q->credit_wait) {
            q->credit_wait = false;
            event_loop_schedule(xen_nic_loop(nic), tx_process_bh, q);
        }
    }
}

void xen_nic_rate_changed(XenNic *nic)
{
    EventLoop *loop = xen_nic_loop(nic);
    Error *err = NULL;

    if (nic->credit_timer) {
        event_loop_del_timer(loop, nic->credit_timer);
        nic->credit_timer = NULL;
    }
    for (unsigned i = 0; i < XEN_NIC_MAX_QUEUES; i++) {
        XenNicQueue *q = &nic->queues[i];

        q->credit = nic->rate_bytes;
        if (q->credit_wait || !nic->rate_bytes) {
            q->credit_wait = false;
            if (q->tx_sring) {
                event_loop_schedule(loop, tx_process_bh, q);
            }
        }
    }
    if (!nic->rate_bytes) {
        return;
    }
    /* The timer's granularity is a millisecond: scale the bytes with it. */
    nic->credit_tick = nic->rate_usec < 1000 ?
        nic->rate_bytes * 1000 / nic->rate_usec : nic->rate_bytes;
    nic->credit_timer = event_loop_add_timer(loop,
                                             MAX(nic->rate_usec / 1000, 1),
                                             credit_timer_fn, nic, &err);
    if (!nic->credit_timer) {
        warn_report("%s: no rate limit: %s", nic->xd.be_path,
                    error_get_pretty(err));
        error_free(err);
        nic->rate_bytes = nic->rate_usec = 0;
    }
}

/* ---- queues ------------------------------------------------------------- */

bool xen_nic_queue_start(XenNicQueue *q, Error **errp)
{
    XenNic *nic = q->nic;

    if (!xen_back_ring_init(&q->tx, q->tx_sring, XEN_PAGE_SIZE,
                            NETIF_TX_SLOT_SIZE) ||
        !xen_back_ring_init(&q->rx, q->rx_sring, XEN_PAGE_SIZE,
                            NETIF_RX_SLOT_SIZE)) {
        error_setg(errp, "queue %u: no netif ring in one page", q->index);
        return false;
    }
    q->tx_items = g_new0(XenNicTxItem, XEN_NIC_TX_BATCH);
    q->tx_buf = g_malloc(XEN_NIC_TX_BATCH_BYTES + NET_FRAME_MAX);
    q->tx_segs = g_new0(XenGrantCopySeg,
                        XEN_NIC_TX_BATCH * NETIF_TX_PIECES_MAX);
    q->rx_items = g_new0(XenNicRxItem, XEN_NIC_RX_BATCH);
    q->rx_buf = g_malloc(XEN_NIC_RX_BATCH_BYTES);
    q->rx_segs = g_new0(XenGrantCopySeg,
                        XEN_NIC_RX_BATCH * NETIF_TX_PIECES_MAX);
    q->rx_count = q->rx_nsegs = 0;
    q->rx_used = 0;
    q->tx_count = q->tx_next = 0;
    q->tx_blocked = q->credit_wait = false;
    q->credit = nic->rate_bytes;
    q->rx_waiting = 0;
    q->rx_wait_since = 0;
    q->rx_dropping = q->rx_stalled = false;
    q->spurious = 0;
    q->storm = false;
    /* Requests may be waiting already: a frontend need not notify. */
    event_loop_schedule(xen_nic_loop(nic), tx_process_bh, q);
    return true;
}

void xen_nic_queue_stop(XenNicQueue *q)
{
    EventLoop *loop;

    if (!q->nic) {
        return;                 /* never connected */
    }
    loop = xen_nic_loop(q->nic);
    event_loop_cancel(loop, tx_process_bh, q);
    event_loop_cancel(loop, rx_flush_bh, q);
    if (q->tx_items && q->tx_sring && !xen_device_failed(&q->nic->xd)) {
        /* What was held back is answered, as dropped. */
        while (q->tx_next < q->tx_count) {
            XenNicTxItem *it = &q->tx_items[q->tx_next++];

            if (it->pkt.verdict == NETIF_TX_SEND) {
                it->status = NETIF_RSP_DROPPED;
            }
            tx_respond(q, it);
        }
        tx_push(q);
        rx_flush(q);
    }
    g_clear_pointer(&q->tx_items, g_free);
    g_clear_pointer(&q->tx_buf, g_free);
    g_clear_pointer(&q->tx_segs, g_free);
    g_clear_pointer(&q->rx_segs, g_free);
    g_clear_pointer(&q->rx_items, g_free);
    g_clear_pointer(&q->rx_buf, g_free);
    q->tx_count = q->tx_next = 0;
    q->rx_count = q->rx_nsegs = 0;
    q->rx_used = 0;
}

void xen_nic_dp_stop(XenNic *nic)
{
    EventLoop *loop = xen_nic_loop(nic);

    if (nic->rx_timer) {
        event_loop_del_timer(loop, nic->rx_timer);
        nic->rx_timer = NULL;
    }
    if (nic->storm_timer) {
        event_loop_del_timer(loop, nic->storm_timer);
        nic->storm_timer = NULL;
    }
}
