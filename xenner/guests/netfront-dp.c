/*
 * The test netfront's data path: TX (xennet_start_xmit,
 * xennet_tx_buf_gc), RX (xennet_alloc_rx_buffers, xennet_poll,
 * xennet_get_responses, xennet_get_extras), the control ring and the
 * event channel handlers; see netfront.h and netfront.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netfront-int.h"

#include <errno.h>
#include <string.h>

#include "netfront-csum.h"

/* The most pieces netfront_sendv() takes. */
#define NF_SEND_IOV_MAX 64
/* Enough of a frame to find its ethertype behind a VLAN tag. */
#define NF_ETH_HEAD 18

static void rx_poll(NetFrontQueue *q);

/* Copies @n bytes of the frame in @iov, from byte @off on, to @dst. */
static void iov_read(const struct iovec *iov, int iovcnt, size_t off,
                     uint8_t *dst, size_t n)
{
    for (int i = 0; i < iovcnt && n; i++) {
        size_t c;

        if (off >= iov[i].iov_len) {
            off -= iov[i].iov_len;
            continue;
        }
        c = MIN(iov[i].iov_len - off, n);
        memcpy(dst, (const uint8_t *)iov[i].iov_base + off, c);
        dst += c;
        n -= c;
        off = 0;
    }
}

/* ---- pages and grants --------------------------------------------------- */

bool nf_page_alloc(NetFront *nf, NetFrontPage *p)
{
    p->ref = -1;
    p->va = xenner_guest_alloc_page(nf->g, &p->gfn);
    return p->va != NULL;
}

bool nf_page_grant(NetFront *nf, NetFrontPage *p, bool readonly)
{
    p->ref = xenner_guest_grant(nf->g, nf->be_domid, p->gfn, readonly);
    if (p->ref < 0) {
        p->ref = -1;
        return false;
    }
    nf->grants++;
    return true;
}

/* Revokes; false, with the grant kept, while the backend maps it. */
bool nf_page_revoke(NetFront *nf, NetFrontPage *p)
{
    if (p->ref < 0) {
        return true;
    }
    if (xenner_guest_end_access(nf->g, p->ref) == -EBUSY) {
        return false;
    }
    nf->grants--;
    p->ref = -1;
    return true;
}

/* Revokes and frees; a page still mapped waits on the zombie list. */
void nf_page_release(NetFront *nf, NetFrontPage *p)
{
    if (!p->va) {
        return;
    }
    if (!nf_page_revoke(nf, p)) {
        g_ptr_array_add(nf->zombies, g_memdup2(p, sizeof(*p)));
    } else {
        xenner_guest_free_page(nf->g, p->gfn);
    }
    p->va = NULL;
}

void nf_reap_zombies(NetFront *nf)
{
    for (guint i = nf->zombies->len; i-- > 0;) {
        NetFrontPage *p = g_ptr_array_index(nf->zombies, i);

        if (nf_page_revoke(nf, p)) {
            xenner_guest_free_page(nf->g, p->gfn);
            g_ptr_array_remove_index_fast(nf->zombies, i);
            g_free(p);
        }
    }
}

/* ---- ring indexes ------------------------------------------------------- */

/*
 * RING_PUSH_REQUESTS_AND_CHECK_NOTIFY on a ring header (the four
 * indexes are where every xen/io/ring.h ring has them).
 */
void nf_ring_push(NetFront *nf, void *sring, uint32_t new,
                      evtchn_port_t port)
{
    struct netif_tx_sring *hdr = sring;
    uint32_t old = __atomic_load_n(&hdr->req_prod, __ATOMIC_RELAXED);

    if (old == new) {
        return;
    }
    /* The slots before the index the backend reads them by (wmb). */
    __atomic_store_n(&hdr->req_prod, new, __ATOMIC_RELEASE);
    /* The index before req_event is read (mb). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ((uint32_t)(new - __atomic_load_n(&hdr->req_event, __ATOMIC_RELAXED)) <
        (uint32_t)(new - old)) {
        xenner_guest_notify(nf->g, port);
    }
}

/*
 * RING_FINAL_CHECK_FOR_RESPONSES: asks for an event at the next
 * response; true when more arrived meanwhile.
 */
static bool ring_final_check(void *sring, uint32_t cons)
{
    struct netif_tx_sring *hdr = sring;

    __atomic_store_n(&hdr->rsp_event, cons + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&hdr->rsp_prod, __ATOMIC_ACQUIRE) != cons;
}

static void backend_broken(NetFront *nf, const char *what, uint32_t n)
{
    /* As Linux's xennet_set_rx_rsp_cons/"broken": no more trust. */
    warn_report_ratelimited(&nf->rl, "netfront %s: %s (%u)", nf->path, what,
                            n);
    nf->broken = true;
}

/* ---- TX ------------------------------------------------------------------ */

netif_tx_sring_t *nf_tx_sring(NetFrontQueue *q)
{
    return q->tx_ring->va;
}

unsigned nf_tx_free_slots(NetFrontQueue *q)
{
    return NF_TX_RING_SIZE - (q->tx_prod_pvt - q->tx_cons);
}

void nf_tx_put_slot(NetFrontQueue *q, const NetFrontTxSlot *s)
{
    netif_tx_sring_t *sr = nf_tx_sring(q);

    memcpy(&sr->ring[q->tx_prod_pvt & (NF_TX_RING_SIZE - 1)], s, sizeof(*s));
    q->tx_prod_pvt++;
}

static uint16_t tx_id_get(NetFrontQueue *q)
{
    uint16_t id = q->tx_free_head;

    q->tx_free_head = q->tx_next_free[id];
    q->tx_busy[id] = true;
    q->tx_inflight++;
    return id;
}

static void tx_id_put(NetFrontQueue *q, uint16_t id)
{
    q->tx_busy[id] = false;
    q->tx_inflight--;
    if (!nf_page_revoke(q->nf, &q->tx_pages[id])) {
        /* Kept off the free list until the backend lets go. */
        q->tx_zombie[id] = true;
        q->tx_zombies++;
        return;
    }
    q->tx_next_free[id] = q->tx_free_head;
    q->tx_free_head = id;
}

/* Retries the ids whose pages the backend still mapped. */
void nf_tx_reap(NetFrontQueue *q)
{
    for (unsigned id = 0; q->tx_zombies && id < NF_TX_RING_SIZE; id++) {
        if (q->tx_zombie[id] && nf_page_revoke(q->nf, &q->tx_pages[id])) {
            q->tx_zombie[id] = false;
            q->tx_zombies--;
            q->tx_next_free[id] = q->tx_free_head;
            q->tx_free_head = id;
        }
    }
}

/* Room for @slots slots on the ring and @need ids not held by zombies. */
static bool tx_ids_free(NetFrontQueue *q, unsigned slots, unsigned need)
{
    uint16_t id = q->tx_free_head;
    unsigned n = 0;

    if (nf_tx_free_slots(q) < slots) {
        return false;
    }
    while (id != NF_NO_ID && n < need) {
        id = q->tx_next_free[id];
        n++;
    }
    return n == need;
}

/* xennet_tx_buf_gc() */
static void tx_gc(NetFrontQueue *q)
{
    NetFront *nf = q->nf;
    netif_tx_sring_t *sr = nf_tx_sring(q);
    uint32_t rp;

    if (q->tx_zombies) {
        nf_tx_reap(q);
    }
    do {
        rp = __atomic_load_n(&sr->rsp_prod, __ATOMIC_ACQUIRE);
        if (rp - q->tx_cons > q->tx_prod_pvt - q->tx_cons) {
            backend_broken(nf, "illegal number of TX responses",
                           rp - q->tx_cons);
            return;
        }
        while (q->tx_cons != rp) {
            netif_tx_response_t rsp;

            memcpy(&rsp, &sr->ring[q->tx_cons & (NF_TX_RING_SIZE - 1)].rsp,
                   sizeof(rsp));
            q->tx_cons++;
            if (rsp.status == NETIF_RSP_NULL) {
                continue;               /* an extra slot's */
            }
            if (rsp.id < NF_TX_RING_SIZE && q->tx_busy[rsp.id]) {
                if (rsp.status != NETIF_RSP_OKAY) {
                    nf->st.tx_errors++;
                }
                tx_id_put(q, rsp.id);
            } else if (nf->ops.tx_raw_response) {
                nf->ops.tx_raw_response(nf->opaque, nf, q->idx, rsp.id,
                                        rsp.status);
                if (!nf->queues || nf->free_pending) {
                    return;
                }
            }
        }
    } while (ring_final_check(sr, q->tx_cons));
    if (q->tx_blocked && nf_tx_free_slots(q) >= NF_TX_WAKE) {
        q->tx_blocked = false;
        if (nf->ops.tx_ready) {
            nf->ops.tx_ready(nf->opaque, nf, q->idx);
        }
    }
}

int nf_get_queue(NetFront *nf, unsigned queue, NetFrontQueue **q)
{
    if (!netfront_connected(nf)) {
        return -ENOTCONN;
    }
    if (queue >= nf->nr_queues) {
        return -EINVAL;
    }
    *q = &nf->queues[queue];
    return 0;
}

int netfront_send(NetFront *nf, unsigned queue,
                  const struct virtio_net_hdr *hdr, const void *frame,
                  size_t len)
{
    struct iovec one = { .iov_base = (void *)frame, .iov_len = len };

    return netfront_sendv(nf, queue, hdr, &one, 1);
}

int netfront_sendv(NetFront *nf, unsigned queue,
                   const struct virtio_net_hdr *hdr, const struct iovec *iov,
                   int iovcnt)
{
    static const struct virtio_net_hdr none;
    g_autofree uint8_t *fixed = NULL;
    struct iovec flat;
    size_t len = 0;
    NetFrontQueue *q;
    NetFrontTxSlot s;
    uint8_t gso_type = hdr ? hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN : 0;
    bool csum_blank, gso;
    unsigned off, nr_data, need, i;
    uint16_t ids[XEN_NETIF_NR_SLOTS_MIN];
    size_t done;
    int ret = nf_get_queue(nf, queue, &q);

    if (ret) {
        return ret;
    }
    if (iovcnt < 0 || iovcnt > NF_SEND_IOV_MAX) {
        return -EINVAL;
    }
    for (i = 0; i < (unsigned)iovcnt; i++) {
        /* Capped, so that the sum cannot wrap. */
        len += MIN(iov[i].iov_len, (size_t)XEN_NETIF_MAX_TX_SIZE + 1);
    }
    hdr = hdr ? hdr : &none;
    if (!len || len > XEN_NETIF_MAX_TX_SIZE ||
        (!nf->be_sg && len > NF_NOSG_MAX)) {
        return -EMSGSIZE;
    }
    gso = gso_type != VIRTIO_NET_HDR_GSO_NONE;
    if (gso) {
        if (gso_type != VIRTIO_NET_HDR_GSO_TCPV4 &&
            gso_type != VIRTIO_NET_HDR_GSO_TCPV6) {
            return -EINVAL;
        }
        if (!hdr->gso_size) {
            return -EINVAL;
        }
        /* TSO needs SG, as netdev_fix_features() has it. */
        if (!nf->be_sg ||
            !(gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ? nf->be_gso4
                                                   : nf->be_gso6)) {
            return -EOPNOTSUPP;
        }
    }
    csum_blank = hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
    if (csum_blank &&
        (uint32_t)hdr->csum_start + hdr->csum_offset + 2 > len) {
        return -EINVAL;
    }
    if (csum_blank && !gso && !nf->be_ipv6_csum) {
        uint8_t eth[NF_ETH_HEAD];
        size_t n = MIN(len, sizeof(eth));

        iov_read(iov, iovcnt, 0, eth, n);
        if (netfront_frame_is_ipv6(eth, n)) {
            /* What skb_checksum_help() does without IPv6 csum offload. */
            fixed = g_malloc(len);
            iov_read(iov, iovcnt, 0, fixed, len);
            netfront_csum_fill(fixed, len, hdr->csum_start,
                               hdr->csum_offset);
            flat = (struct iovec) { .iov_base = fixed, .iov_len = len };
            iov = &flat;
            iovcnt = 1;
            csum_blank = false;
        }
    }

    /* Vary where the first slot starts, as a linear head does in Linux. */
    off = (nf->tx_seq * 66) % 2048;
    nr_data = 1 + (len > XEN_PAGE_SIZE - off
                   ? (len - (XEN_PAGE_SIZE - off) + XEN_PAGE_SIZE - 1) /
                     XEN_PAGE_SIZE
                   : 0);
    need = nr_data + gso;
    if (!tx_ids_free(q, need, nr_data)) {
        q->tx_blocked = true;
        return -EBUSY;
    }
    for (i = 0, done = 0; i < nr_data; i++) {
        uint16_t id = q->tx_free_head;
        NetFrontPage *p = &q->tx_pages[id];
        unsigned poff = i ? 0 : off;
        size_t n = MIN(len - done, (size_t)XEN_PAGE_SIZE - poff);

        iov_read(iov, iovcnt, done, (uint8_t *)p->va + poff, n);
        if (!nf_page_grant(nf, p, true)) {
            goto undo;          /* out of grant refs for now */
        }
        ids[i] = tx_id_get(q);
        memset(&s, 0, sizeof(s));
        s.req.gref = p->ref;
        s.req.offset = poff;
        s.req.id = id;
        s.req.size = i ? n : len;
        if (i + 1 < nr_data) {
            s.req.flags |= NETTXF_more_data;
        }
        if (!i && csum_blank) {
            s.req.flags |= NETTXF_csum_blank | NETTXF_data_validated;
        } else if (!i && (hdr->flags & VIRTIO_NET_HDR_F_DATA_VALID)) {
            s.req.flags |= NETTXF_data_validated;
        }
        if (!i && gso) {
            s.req.flags |= NETTXF_extra_info;
        }
        nf_tx_put_slot(q, &s);
        if (!i && gso) {
            memset(&s, 0, sizeof(s));
            s.extra.type = XEN_NETIF_EXTRA_TYPE_GSO;
            s.extra.u.gso.size = hdr->gso_size;
            s.extra.u.gso.type = gso_type == VIRTIO_NET_HDR_GSO_TCPV4
                                 ? XEN_NETIF_GSO_TYPE_TCPV4
                                 : XEN_NETIF_GSO_TYPE_TCPV6;
            nf_tx_put_slot(q, &s);
        }
        done += n;
    }
    nf->tx_seq++;
    nf->st.tx_frames++;
    nf->st.tx_bytes += len;
    nf->st.tx_gso += gso;
    nf->st.tx_csum_blank += csum_blank;
    nf_ring_push(nf, nf_tx_sring(q), q->tx_prod_pvt, q->tx_port);
    return 0;

undo:
    /* Nothing was pushed: the slots written are taken back. */
    q->tx_prod_pvt -= i + (i && gso);
    while (i-- > 0) {
        tx_id_put(q, ids[i]);
    }
    q->tx_blocked = true;
    return -EBUSY;
}

/* ---- RX ------------------------------------------------------------------ */

netif_rx_sring_t *nf_rx_sring(NetFrontQueue *q)
{
    return q->rx_ring->va;
}

/* xennet_alloc_rx_buffers(): every free slot posted again. */
void nf_rx_refill(NetFrontQueue *q)
{
    netif_rx_sring_t *sr = nf_rx_sring(q);

    while (q->rx_prod_pvt - q->rx_cons < NF_RX_RING_SIZE) {
        unsigned slot = q->rx_prod_pvt & (NF_RX_RING_SIZE - 1);
        netif_rx_request_t req = {
            .id = slot,
            .gref = q->rx_pages[slot].ref,
        };

        memcpy(&sr->ring[slot].req, &req, sizeof(req));
        q->rx_prod_pvt++;
    }
    nf_ring_push(q->nf, sr, q->rx_prod_pvt, q->rx_port);
}

static void rx_copy_rsp(NetFrontQueue *q, uint32_t idx, netif_rx_response_t *r)
{
    memcpy(r, &nf_rx_sring(q)->ring[idx & (NF_RX_RING_SIZE - 1)].rsp,
           sizeof(*r));
}

/*
 * The frame at rx_cons, up to @rp: 1 and the frame in rx_buf (its
 * length in *@len), 0 when its chain is not all there yet, -EINVAL for
 * a bad one; *@used is how many slots it took.
 */
static int rx_get_frame(NetFrontQueue *q, uint32_t rp, NetFrontRxInfo *info,
                        size_t *len, uint32_t *used)
{
    netif_extra_info_t extras[XEN_NETIF_EXTRA_TYPE_MAX - 1];
    bool have[XEN_NETIF_EXTRA_TYPE_MAX - 1] = { false };
    netif_rx_response_t rsp;
    uint32_t i = q->rx_cons;
    int err = 0;

    memset(info, 0, sizeof(*info));
    *len = 0;
    q->rx_niov = 0;
    rx_copy_rsp(q, i++, &rsp);
    info->rx_flags = rsp.flags;
    if (rsp.flags & NETRXF_extra_info) {
        netif_extra_info_t ex;

        /* xennet_get_extras() */
        do {
            if (i == rp) {
                return 0;
            }
            memcpy(&ex, &nf_rx_sring(q)->ring[i++ & (NF_RX_RING_SIZE - 1)].rsp,
                   sizeof(ex));
            if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE ||
                ex.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
                err = -EINVAL;
            } else {
                extras[ex.type - 1] = ex;
                have[ex.type - 1] = true;
            }
        } while (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    }
    /* xennet_get_responses(): the first data slot is the first response. */
    for (;;) {
        if (rsp.status < 0 || rsp.offset + (unsigned)rsp.status >
            XEN_PAGE_SIZE || info->slots >= NF_RX_MAX_SLOTS) {
            err = -EINVAL;
        } else {
            unsigned slot = (info->slots ? i - 1 : q->rx_cons) &
                            (NF_RX_RING_SIZE - 1);

            /* Left in the page: copied once, where the frame goes. */
            q->rx_iov[q->rx_niov++] = (struct iovec) {
                .iov_base = (uint8_t *)q->rx_pages[slot].va + rsp.offset,
                .iov_len = rsp.status,
            };
            *len += rsp.status;
        }
        info->slots++;
        if (!(rsp.flags & NETRXF_more_data)) {
            break;
        }
        if (i == rp) {
            return 0;
        }
        rx_copy_rsp(q, i++, &rsp);
    }
    *used = i - q->rx_cons;
    if (err || !*len) {
        return -EINVAL;
    }
    if (have[XEN_NETIF_EXTRA_TYPE_GSO - 1]) {
        netif_extra_info_t *e = &extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];

        /* xennet_set_skb_gso() */
        if (!e->u.gso.size || (e->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
                               e->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6)) {
            return -EINVAL;
        }
        info->hdr.gso_type = e->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4
                             ? VIRTIO_NET_HDR_GSO_TCPV4
                             : VIRTIO_NET_HDR_GSO_TCPV6;
        info->hdr.gso_size = e->u.gso.size;
    }
    if (have[XEN_NETIF_EXTRA_TYPE_HASH - 1]) {
        netif_extra_info_t *e = &extras[XEN_NETIF_EXTRA_TYPE_HASH - 1];

        info->has_hash = true;
        info->hash_type = e->u.hash.type;
        info->hash_algorithm = e->u.hash.algorithm;
        info->hash = (uint32_t)e->u.hash.value[0] |
                     (uint32_t)e->u.hash.value[1] << 8 |
                     (uint32_t)e->u.hash.value[2] << 16 |
                     (uint32_t)e->u.hash.value[3] << 24;
    }
    return 1;
}

/* The frame in rx_iov, @len bytes, copied to rx_buf. */
static void rx_flatten(NetFrontQueue *q, size_t len)
{
    iov_read(q->rx_iov, q->rx_niov, 0, q->rx_buf, len);
}

/*
 * The virtio_net_hdr of the flags and GSO, as skb_checksum_setup() finds,
 * for the frame of @len bytes in rx_iov.
 */
static bool rx_setup_hdr(NetFrontQueue *q, NetFrontRxInfo *info, size_t len)
{
    NetFrontL4 l4;
    /*
     * The headers lie in the first slot unless the backend split them;
     * the parse reads only what it checked it has, so a prefix that
     * parses gives what the whole frame would.
     */
    bool parsed = netfront_parse_l4(q->rx_iov[0].iov_base,
                                    q->rx_iov[0].iov_len, &l4);

    if (!parsed && q->rx_niov > 1) {
        rx_flatten(q, len);
        parsed = netfront_parse_l4(q->rx_buf, len, &l4);
    }

    if (info->rx_flags & NETRXF_csum_blank) {
        if (!parsed) {
            return false;
        }
        info->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        info->hdr.csum_start = l4.start;
        info->hdr.csum_offset = l4.csum_offset;
    } else if (info->rx_flags & NETRXF_data_validated) {
        info->hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    }
    if (info->hdr.gso_type) {
        if (!parsed || !l4.tcp) {
            return false;
        }
        info->hdr.hdr_len = l4.start + l4.hdr_len;
    }
    return true;
}

/*
 * Hands the frame over, from rx_iov (@held false) or from rx_buf where
 * a refused one is kept (@held); false when refused (now held).
 */
static bool rx_deliver(NetFrontQueue *q, const NetFrontRxInfo *info,
                       size_t len, bool held)
{
    NetFront *nf = q->nf;
    struct iovec flat = { .iov_base = q->rx_buf, .iov_len = len };

    if (nf->ops.rxv) {
        if (nf->ops.rxv(nf->opaque, nf, q->idx, info,
                        held ? &flat : q->rx_iov, held ? 1 : q->rx_niov,
                        len)) {
            return true;
        }
    } else if (nf->ops.rx) {
        if (!held) {
            rx_flatten(q, len);
            held = true;
        }
        if (nf->ops.rx(nf->opaque, nf, q->idx, info, q->rx_buf, len)) {
            return true;
        }
    } else {
        return true;
    }
    /* The RX pages are posted again: what waits is kept here. */
    if (!held) {
        rx_flatten(q, len);
    }
    q->held = true;
    q->held_info = *info;
    q->held_len = len;
    return false;
}

/* xennet_poll() */
static void rx_poll(NetFrontQueue *q)
{
    NetFront *nf = q->nf;
    netif_rx_sring_t *sr = nf_rx_sring(q);
    uint32_t rp;

    if (q->held) {
        q->held = false;
        if (!rx_deliver(q, &q->held_info, q->held_len, true) ||
            !nf->queues || nf->free_pending) {
            return;
        }
    }
    do {
        rp = __atomic_load_n(&sr->rsp_prod, __ATOMIC_ACQUIRE);
        if (rp - q->rx_cons > q->rx_prod_pvt - q->rx_cons) {
            backend_broken(nf, "illegal number of RX responses",
                           rp - q->rx_cons);
            return;
        }
        while (q->rx_cons != rp) {
            NetFrontRxInfo info;
            size_t len;
            uint32_t used = 0;
            int r = rx_get_frame(q, rp, &info, &len, &used);

            if (r == 0) {
                goto wait;              /* the chain's end is not there */
            }
            q->rx_cons += used;
            if (r < 0 || !rx_setup_hdr(q, &info, len)) {
                nf->st.rx_errors++;
                warn_report_ratelimited(&nf->rl, "netfront %s: bad RX "
                                        "response(s) dropped", nf->path);
                continue;
            }
            nf->st.rx_frames++;
            nf->st.rx_bytes += len;
            nf->st.rx_gso += info.hdr.gso_type != 0;
            nf->st.rx_csum_blank += !!(info.rx_flags & NETRXF_csum_blank);
            if (!rx_deliver(q, &info, len, false)) {
                nf_rx_refill(q);
                return;
            }
            if (!nf->queues || nf->free_pending) {
                return;
            }
        }
        nf_rx_refill(q);
    } while (ring_final_check(sr, q->rx_cons));
    return;
wait:
    nf_rx_refill(q);
    ring_final_check(sr, q->rx_cons);
}

void nf_rx_resume_cb(void *opaque)
{
    NetFrontQueue *q = opaque;
    NetFront *nf = q->nf;

    nf->busy++;
    if (nf->queues && !nf->broken) {
        rx_poll(q);
    }
    if (!--nf->busy && nf->free_pending) {
        netfront_do_free(nf);
    }
}

void netfront_rx_resume(NetFront *nf, unsigned queue)
{
    if (nf->queues && queue < nf->nr_queues) {
        event_loop_schedule(xenner_guest_loop(nf->g), nf_rx_resume_cb,
                            &nf->queues[queue]);
    }
}

/* ---- control ring ------------------------------------------------------ */

xen_netif_ctrl_sring_t *nf_ctrl_sring_of(NetFront *nf)
{
    return nf->ctrl_ring ? nf->ctrl_ring->va : NULL;
}

void nf_ctrl_interrupt(void *opaque, evtchn_port_t port)
{
    NetFront *nf = opaque;
    xen_netif_ctrl_sring_t *sr = nf_ctrl_sring_of(nf);
    uint32_t rp;

    if (!sr) {
        return;
    }
    nf->busy++;
    do {
        rp = __atomic_load_n(&sr->rsp_prod, __ATOMIC_ACQUIRE);
        if (rp - nf->ctrl_cons > nf->ctrl_prod_pvt - nf->ctrl_cons) {
            backend_broken(nf, "illegal number of ctrl responses",
                           rp - nf->ctrl_cons);
            break;
        }
        while (nf->ctrl_cons != rp) {
            struct xen_netif_ctrl_response rsp;
            NetFrontCtrlWait *w = NULL;

            memcpy(&rsp, &sr->ring[nf->ctrl_cons++ &
                                   (NF_CTRL_RING_SIZE - 1)].rsp, sizeof(rsp));
            for (unsigned i = 0; i < NF_CTRL_RING_SIZE && !w; i++) {
                if (nf->ctrl_wait[i].in_use && nf->ctrl_wait[i].id == rsp.id) {
                    w = &nf->ctrl_wait[i];
                }
            }
            if (!w) {
                warn_report_ratelimited(&nf->rl, "netfront %s: ctrl response "
                                        "for unknown id %u", nf->path,
                                        rsp.id);
                continue;
            }
            w->in_use = false;
            if (w->done) {
                w->done(w->opaque, rsp.status, rsp.data);
            }
            if (!nf->ctrl_ring || nf->free_pending) {
                goto out;
            }
        }
    } while (ring_final_check(sr, nf->ctrl_cons));
out:
    if (!--nf->busy && nf->free_pending) {
        netfront_do_free(nf);
    }
}

int netfront_ctrl_raw(NetFront *nf, const struct xen_netif_ctrl_request *req,
                      NetFrontCtrlDoneFn *done, void *opaque)
{
    xen_netif_ctrl_sring_t *sr = nf_ctrl_sring_of(nf);
    NetFrontCtrlWait *w = NULL;

    if (!sr || !netfront_connected(nf)) {
        return -ENOTSUP;
    }
    for (unsigned i = 0; i < NF_CTRL_RING_SIZE && !w; i++) {
        if (!nf->ctrl_wait[i].in_use) {
            w = &nf->ctrl_wait[i];
        }
    }
    if (!w || nf->ctrl_prod_pvt - nf->ctrl_cons >= NF_CTRL_RING_SIZE) {
        return -EBUSY;
    }
    *w = (NetFrontCtrlWait) {
        .in_use = true, .id = req->id, .done = done, .opaque = opaque,
    };
    memcpy(&sr->ring[nf->ctrl_prod_pvt++ & (NF_CTRL_RING_SIZE - 1)].req, req,
           sizeof(*req));
    nf_ring_push(nf, sr, nf->ctrl_prod_pvt, nf->ctrl_port);
    return 0;
}

int netfront_ctrl_request(NetFront *nf, uint16_t type, const uint32_t data[3],
                          NetFrontCtrlDoneFn *done, void *opaque)
{
    struct xen_netif_ctrl_request req = {
        .id = nf->ctrl_next_id++,
        .type = type,
    };

    memcpy(req.data, data, sizeof(req.data));
    return netfront_ctrl_raw(nf, &req, done, opaque);
}

/* ---- interrupts ---------------------------------------------------------- */

static void queue_interrupt(NetFrontQueue *q, bool tx, bool rx)
{
    NetFront *nf = q->nf;

    nf->busy++;
    if (nf->queues && !nf->broken && tx) {
        tx_gc(q);
    }
    if (nf->queues && !nf->free_pending && !nf->broken && rx && !q->held) {
        rx_poll(q);
    }
    if (!--nf->busy && nf->free_pending) {
        netfront_do_free(nf);
    }
}

void nf_tx_interrupt(void *opaque, evtchn_port_t port)
{
    queue_interrupt(opaque, true, false);
}

void nf_rx_interrupt(void *opaque, evtchn_port_t port)
{
    queue_interrupt(opaque, false, true);
}

void nf_both_interrupt(void *opaque, evtchn_port_t port)
{
    queue_interrupt(opaque, true, true);
}

