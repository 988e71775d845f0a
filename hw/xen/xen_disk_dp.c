/*
 * The block backend's data path: requests off each queue's ring, through
 * the disk's I/O engine, responses back.
 *
 * Every request is copied out of the ring before it is looked at
 * (blkif_decode_request() works on the private copy), and judged whole
 * by blkif_check_request() before any I/O. A request the frontend got
 * wrong is answered with an error status; only a broken ring (indices
 * that cannot be) fails the device.
 *
 * Data moves one of two ways, per segment:
 *  - persistent grants (feature-persistent): the frame is mapped once,
 *    kept, and the I/O goes straight to and from it;
 *  - otherwise through a bounce page of ours, filled or emptied with one
 *    batched grant copy per request, as QEMU's qdisk does.
 * Bounce pages come from a bounded per-queue pool, so a device's memory
 * stays flat under any load: a request that finds the pool empty waits
 * (the ring is not consumed further) until others give pages back.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_disk_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/event-loop.h"

/* Requests taken off one ring per event-loop turn, so queues share it. */
#define DISK_REQS_PER_TURN 256

static EventLoop *queue_loop(XenDiskQueue *q)
{
    return xen_backend_loop(q->disk->xd.backend);
}

/* ---- responses ---------------------------------------------------------- */

/*
 * Publishes the turn's responses at once, and notifies at most once.
 * The latency of a request ends here, when the frontend can see its
 * answer: a response written but left unpushed is a stall too.
 */
static void queue_push_bh(void *opaque)
{
    XenDiskQueue *q = opaque;
    bool notify = xen_back_ring_push(&q->ring);

    if (q->nr_unpushed) {
        XenDiskStats *st = &q->disk->stats;
        uint64_t now = lat_now_ns();

        for (unsigned i = 0; i < q->nr_unpushed; i++) {
            const XenDiskUnpushed *u = &q->unpushed[i];
            uint64_t ns = now - u->taken_ns;

            st->total_time_ns[u->cls] += ns;
            lat_hist_add(&st->latency[u->cls], ns);
        }
        q->nr_unpushed = 0;
    }
    if (notify) {
        xen_device_channel_notify(&q->disk->xd, q->chan);
    }
}

static void queue_process(XenDiskQueue *q);

static void queue_process_bh(void *opaque)
{
    queue_process(opaque);
}

/* The response goes in now; it is published once per turn. */
static void queue_respond(XenDiskQueue *q, uint64_t id, uint8_t op,
                          int16_t status)
{
    blkif_put_response(q->disk->abi, xen_back_ring_respond(&q->ring), id, op,
                       status);
    if (q->draining) {
        queue_push_bh(q);
    } else {
        event_loop_schedule(queue_loop(q), queue_push_bh, q);
    }
}

/* ---- bounce pages ------------------------------------------------------- */

static void *page_get(XenDiskQueue *q)
{
    void *page;

    if (q->nr_free_pages) {
        return q->free_pages[--q->nr_free_pages];
    }
    if (q->nr_pages == XEN_DISK_BOUNCE_PAGES ||
        posix_memalign(&page, XEN_PAGE_SIZE, XEN_PAGE_SIZE)) {
        return NULL;
    }
    q->nr_pages++;
    return page;
}

static void page_put(XenDiskQueue *q, void *page)
{
    q->free_pages[q->nr_free_pages++] = page;
}

static unsigned pages_available(XenDiskQueue *q)
{
    return q->nr_free_pages + XEN_DISK_BOUNCE_PAGES - q->nr_pages;
}

/* ---- request slots -------------------------------------------------------- */

/*
 * A slot for the checked request in q->scratch, with room for its
 * segments; NULL only if the frontend has more requests in flight than
 * its ring holds.
 */
static XenDiskReq *req_alloc(XenDiskQueue *q, uint64_t taken_ns)
{
    const BlkifRequest *req = q->scratch;
    XenDiskReq *r = q->free_reqs;
    unsigned nseg = req->nr_segments;

    if (!r) {
        return NULL;
    }
    q->free_reqs = r->next_free;
    q->inflight++;
    *r = (XenDiskReq) {
        .q = q,
        .taken_ns = taken_ns,
        .id = req->id,
        .sector_number = req->sector_number,
        .nr_sectors = req->nr_sectors,
        .data_op = req->data_op,
        .rsp_op = req->operation == BLKIF_OP_INDIRECT ? req->data_op
                                                      : req->operation,
        .discard_flags = req->discard_flags,
        .nr_segs = nseg,
        .seg = r->seg_inline,
        .iov = r->iov_inline,
        .bounce = r->bounce_inline,
    };
    if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        r->big = q->spare_bigs;
        if (r->big) {
            q->spare_bigs = r->big->next;
            q->nr_spare_bigs--;
        } else {
            r->big = g_new(XenDiskBigReq, 1);
        }
        r->seg = r->big->seg;
        r->iov = r->big->iov;
        r->bounce = r->big->bounce;
    }
    memcpy(r->seg, req->seg, nseg * sizeof(*r->seg));
    return r;
}

static void req_free(XenDiskReq *r)
{
    XenDiskQueue *q = r->q;

    for (unsigned i = 0; i < r->nr_bounce; i++) {
        if (r->bounce[i]) {
            page_put(q, r->bounce[i]);
        }
    }
    r->nr_bounce = 0;
    if (r->big) {
        if (q->nr_spare_bigs < XEN_DISK_SPARE_BIG_REQS) {
            r->big->next = q->spare_bigs;
            q->spare_bigs = r->big;
            q->nr_spare_bigs++;
        } else {
            g_free(r->big);
        }
        r->big = NULL;
    }
    r->next_free = q->free_reqs;
    q->free_reqs = r;
    q->inflight--;
}

static void req_start_barrier(XenDiskQueue *q);

/* Times @r once its response is pushed (queue_push_bh()). */
static void req_time(XenDiskReq *r, XenDiskLatClass cls)
{
    XenDiskQueue *q = r->q;

    /*
     * A slot cannot be answered twice before a push, so this holds; if
     * it did not, losing a sample beats writing past the array.
     */
    if (q->nr_unpushed < q->ring.size) {
        q->unpushed[q->nr_unpushed++] = (XenDiskUnpushed) {
            .taken_ns = r->taken_ns,
            .cls = cls,
        };
    }
}

static void req_account(XenDiskReq *r, int16_t status)
{
    XenDiskStats *st = &r->q->disk->stats;
    uint64_t bytes = 0;

    if (status != BLKIF_RSP_OKAY) {
        st->failed_operations++;
        return;
    }
    for (unsigned i = 0; i < r->nr_segs; i++) {
        bytes += r->iov[i].iov_len;
    }
    switch (r->data_op) {
    case BLKIF_OP_READ:
        st->rd_operations++;
        st->rd_bytes += bytes;
        req_time(r, XEN_DISK_LAT_RD);
        break;
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE:
        st->flush_operations++;
        /* with data, also a write */
        st->wr_operations += bytes != 0;
        st->wr_bytes += bytes;
        req_time(r, XEN_DISK_LAT_FLUSH);
        break;
    case BLKIF_OP_WRITE:
        st->wr_operations++;
        st->wr_bytes += bytes;
        req_time(r, XEN_DISK_LAT_WR);
        break;
    case BLKIF_OP_DISCARD:
        st->unmap_operations++;
        st->unmap_bytes += r->nr_sectors * BLKIF_SECTOR_SIZE;
        break;
    }
}

static void req_finish(XenDiskReq *r, int16_t status)
{
    XenDiskQueue *q = r->q;
    bool was_blocked = q->parked || q->barrier;

    req_account(r, status);
    queue_respond(q, r->id, r->rsp_op, status);
    if (q->barrier == r) {
        q->barrier = NULL;
    }
    req_free(r);
    if (q->barrier && q->inflight == 1) {
        req_start_barrier(q);
    } else if (was_blocked && !q->draining) {
        event_loop_schedule(queue_loop(q), queue_process_bh, q);
    }
}

/* ---- grants ------------------------------------------------------------- */

/* The persistent mapping of @ref, made on first use while there is room. */
static void *pgrant_lookup(XenDiskQueue *q, uint32_t ref)
{
    void *addr = g_hash_table_lookup(q->pgrants, GUINT_TO_POINTER(ref));

    if (addr || g_hash_table_size(q->pgrants) >= XEN_DISK_MAX_PGRANTS) {
        return addr;
    }
    /*
     * Linux grants persistent pages read-write; a read-only grant, or one
     * we cannot map, goes through grant copy instead, whose own checks
     * then answer for it.
     */
    if (xen_device_map_refs(&q->disk->xd, &ref, 1, true, &addr) < 0) {
        return NULL;
    }
    g_hash_table_insert(q->pgrants, GUINT_TO_POINTER(ref), addr);
    return addr;
}

static void pgrants_unmap_all(XenDiskQueue *q)
{
    GHashTableIter iter;
    gpointer key, addr;

    g_hash_table_iter_init(&iter, q->pgrants);
    while (g_hash_table_iter_next(&iter, &key, &addr)) {
        uint32_t ref = GPOINTER_TO_UINT(key);

        xen_device_unmap_refs(&q->disk->xd, addr, &ref, 1);
    }
    g_hash_table_remove_all(q->pgrants);
}

/*
 * Grant copy between the request's bounce pages and the frontend's
 * frames, all segments in one call.
 */
static int req_copy(XenDiskReq *r, bool to_domain)
{
    XenDiskQueue *q = r->q;
    unsigned n = 0;

    for (unsigned i = 0; i < r->nr_segs; i++) {
        const BlkifSegment *seg = &r->seg[i];

        if (!r->bounce[i]) {
            continue;
        }
        q->copy_segs[n] = (XenGrantCopySeg) {
            .ref = seg->gref,
            .offset = seg->first_sect * BLKIF_SECTOR_SIZE,
            .len = r->iov[i].iov_len,
            .buf = r->iov[i].iov_base,
        };
        n++;
    }
    return n ? xen_device_grant_copy(&q->disk->xd, to_domain, q->copy_segs, n)
             : 0;
}

/*
 * Points one iovec per segment at a persistent mapping or a bounce page,
 * at the segment's offset in the page (so O_DIRECT alignment holds).
 * -EAGAIN when the bounce pool cannot cover the request yet.
 */
static int req_map_segments(XenDiskReq *r)
{
    XenDiskQueue *q = r->q;
    unsigned nseg = r->nr_segs;
    unsigned need = 0;

    for (unsigned i = 0; i < nseg; i++) {
        void *p = q->disk->persistent ? pgrant_lookup(q, r->seg[i].gref)
                                      : NULL;

        r->bounce[i] = p;       /* for now: the mapping, NULL to bounce */
        need += !p;
    }
    if (need > pages_available(q)) {
        return -EAGAIN;
    }
    for (unsigned i = 0; i < nseg; i++) {
        const BlkifSegment *seg = &r->seg[i];
        uint8_t *page = r->bounce[i];

        if (page) {
            r->bounce[i] = NULL;        /* not ours to give back */
        } else {
            page = r->bounce[i] = page_get(q);
            if (!page) {
                r->nr_bounce = i;       /* req_free() returns these */
                return -ENOMEM;
            }
        }
        r->iov[i].iov_base = page + seg->first_sect * BLKIF_SECTOR_SIZE;
        r->iov[i].iov_len = (seg->last_sect - seg->first_sect + 1) *
                            BLKIF_SECTOR_SIZE;
    }
    r->nr_bounce = nseg;
    return 0;
}

/* ---- I/O ---------------------------------------------------------------- */

static void req_next(XenDiskReq *r);

static void req_io_done(void *opaque, int ret)
{
    XenDiskReq *r = opaque;

    if (ret < 0) {
        warn_report_ratelimited(&r->q->disk->guest_errors,
                                "%s: I/O error on sector %" PRIu64 ": %s",
                                r->q->disk->xd.be_path, r->sector_number,
                                g_strerror(-ret));
        req_finish(r, ret == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP
                                         : BLKIF_RSP_ERROR);
        return;
    }
    r->step++;
    req_next(r);
}

/* Runs the request's next step, or answers it once all are done. */
static void req_next(XenDiskReq *r)
{
    XenDisk *disk = r->q->disk;
    uint64_t offset = r->sector_number * BLKIF_SECTOR_SIZE;
    int ret;

    switch (r->step < 3 ? r->steps[r->step] : DISK_STEP_NONE) {
    case DISK_STEP_READ:
        ret = blk_preadv(disk->blk, offset, r->iov, r->nr_segs, req_io_done,
                         r);
        break;
    case DISK_STEP_WRITE:
        ret = blk_pwritev(disk->blk, offset, r->iov, r->nr_segs, req_io_done,
                          r);
        break;
    case DISK_STEP_FLUSH:
        ret = blk_flush(disk->blk, req_io_done, r);
        break;
    case DISK_STEP_DISCARD:
        ret = blk_discard(disk->blk, offset,
                          r->nr_sectors * BLKIF_SECTOR_SIZE, req_io_done,
                          r);
        break;
    default:
        /* Done: a read's data goes back to the frontend's frames. */
        if (r->data_op == BLKIF_OP_READ && req_copy(r, true) < 0) {
            req_finish(r, BLKIF_RSP_ERROR);
        } else {
            req_finish(r, BLKIF_RSP_OKAY);
        }
        return;
    }
    if (ret < 0) {
        req_io_done(r, ret);
    }
}

/* Plans the steps; the request was checked and its segments mapped. */
static void req_plan(XenDiskReq *r)
{
    XenDisk *disk = r->q->disk;
    bool data = r->nr_segs > 0;
    unsigned n = 0;

    switch (r->data_op) {
    case BLKIF_OP_READ:
        r->steps[n++] = DISK_STEP_READ;
        break;
    case BLKIF_OP_WRITE:
        r->steps[n++] = DISK_STEP_WRITE;
        break;
    case BLKIF_OP_FLUSH_DISKCACHE:
    case BLKIF_OP_WRITE_BARRIER:
        /*
         * With data this is Linux's REQ_PREFLUSH|REQ_FUA write (a journal
         * commit): what completed before must be durable before this data
         * can land, and this data when it is answered.
         */
        if (data) {
            r->steps[n++] = DISK_STEP_FLUSH;
            r->steps[n++] = DISK_STEP_WRITE;
        }
        r->steps[n++] = DISK_STEP_FLUSH;
        break;
    case BLKIF_OP_DISCARD:
        if (r->nr_sectors) {
            r->steps[n++] = DISK_STEP_DISCARD;
        }
        /* Secure: the punched hole must survive a crash too. */
        if ((r->discard_flags & BLKIF_DISCARD_SECURE) &&
            disk->limits.discard_secure) {
            r->steps[n++] = DISK_STEP_FLUSH;
        }
        break;
    }
}

/* Copies the frontend's data in, then starts the I/O. */
static void req_start(XenDiskReq *r)
{
    if (r->data_op != BLKIF_OP_READ && r->nr_segs &&
        req_copy(r, false) < 0) {
        req_finish(r, BLKIF_RSP_ERROR);
        return;
    }
    req_next(r);
}

static void req_start_barrier(XenDiskQueue *q)
{
    req_start(q->barrier);
}

/*
 * Fetches an indirect request's segments from the frames its
 * indirect_grefs grant (a private copy, checked afterwards like the rest).
 */
static int queue_fetch_indirect(XenDiskQueue *q)
{
    BlkifRequest *req = q->scratch;
    size_t left = req->nr_segments * sizeof(struct blkif_request_segment);
    size_t total = left;

    for (unsigned i = 0; i < req->nr_indirect_pages; i++) {
        size_t len = MIN(left, XEN_PAGE_SIZE);

        q->copy_segs[i] = (XenGrantCopySeg) {
            .ref = req->indirect_grefs[i],
            .offset = 0,
            .len = len,
            .buf = (uint8_t *)q->indirect_buf + i * XEN_PAGE_SIZE,
        };
        left -= len;
    }
    if (xen_device_grant_copy(&q->disk->xd, false, q->copy_segs,
                              req->nr_indirect_pages) < 0) {
        return -EFAULT;
    }
    return blkif_decode_indirect(req, q->indirect_buf, total);
}

/*
 * Takes a checked request as far as it can go now; false when it must
 * wait for bounce pages (it is parked and retried).
 */
static bool req_dispatch(XenDiskReq *r)
{
    XenDiskQueue *q = r->q;

    switch (req_map_segments(r)) {
    case 0:
        break;
    case -EAGAIN:
        q->parked = r;
        return false;
    default:
        /* Our memory ran out, not the guest's fault; it may retry. */
        req_finish(r, BLKIF_RSP_ERROR);
        return true;
    }
    req_plan(r);
    if (r->data_op == BLKIF_OP_WRITE_BARRIER) {
        /* Everything before it completes first; nothing after it starts. */
        q->barrier = r;
        if (q->inflight == 1) {
            req_start_barrier(q);
        }
        return true;
    }
    req_start(r);
    return true;
}

/*
 * Decodes and checks the request copied to @slot; answers it at once if
 * it is bad, else takes a slot for it and starts it.
 */
static void queue_receive(XenDiskQueue *q, const void *slot,
                          uint64_t taken_ns)
{
    XenDisk *disk = q->disk;
    BlkifRequest *req = q->scratch;
    uint8_t rsp_op;
    int status;
    XenDiskReq *r;

    blkif_decode_request(disk->abi, slot, req);
    rsp_op = req->operation == BLKIF_OP_INDIRECT ? req->data_op
                                                 : req->operation;
    /* Segment counts out of range are refused without fetching. */
    if (req->operation == BLKIF_OP_INDIRECT && req->nr_indirect_pages &&
        req->nr_segments <= disk->limits.max_indirect_segments &&
        queue_fetch_indirect(q) < 0) {
        warn_report_ratelimited(&disk->guest_errors,
                                "%s: request %" PRIu64 ": bad indirect "
                                "pages", disk->xd.be_path, req->id);
        queue_respond(q, req->id, rsp_op, BLKIF_RSP_ERROR);
        return;
    }
    status = blkif_check_request(req, &disk->limits, NULL);
    if (status != BLKIF_RSP_OKAY) {
        warn_report_ratelimited(&disk->guest_errors,
                                "%s: request %" PRIu64 " (operation %u) "
                                "refused", disk->xd.be_path, req->id,
                                req->operation);
        queue_respond(q, req->id, rsp_op, status);
        return;
    }
    r = req_alloc(q, taken_ns);
    if (!r) {
        /* Cannot happen within queue_process()'s overflow check. */
        xen_device_fail(&disk->xd, "queue %u: no request slot", q->index);
        return;
    }
    req_dispatch(r);
}

/* ---- the ring ------------------------------------------------------------ */

static void queue_process(XenDiskQueue *q)
{
    XenDevice *xd = &q->disk->xd;
    unsigned budget = DISK_REQS_PER_TURN;
    uint8_t copy[XEN_RING_SLOT_MAX];
    int n;

    if (!q->sring || q->draining || xen_device_failed(xd)) {
        return;
    }
    if (q->parked) {
        XenDiskReq *r = q->parked;

        q->parked = NULL;
        if (!req_dispatch(r)) {
            return;
        }
    }
    /*
     * A lie here means the frontend overwrote requests we have not
     * answered (or unwound ones we took): the ring cannot be trusted.
     */
    n = xen_back_ring_poll(&q->ring);
    for (;;) {
        if (n < 0) {
            xen_device_fail(xd, "queue %u: %s", q->index,
                            xen_back_ring_error(&q->ring));
            return;
        }
        while (xen_back_ring_unconsumed(&q->ring)) {
            if (q->parked || q->barrier) {
                return;         /* resumed when they complete */
            }
            if (!budget--) {
                event_loop_schedule(queue_loop(q), queue_process_bh, q);
                return;
            }
            xen_back_ring_take(&q->ring, copy);
            queue_receive(q, copy, lat_now_ns());
            if (xen_device_failed(xd)) {
                return;
            }
        }
        if (q->parked || q->barrier) {
            return;
        }
        /*
         * Even when the poll found nothing new: a turn that stopped for
         * a parked request or a barrier may have taken the last one it
         * saw without asking for the next event, and a frontend that
         * sees a stale req_event pushes requests without notifying.
         */
        n = xen_back_ring_final_check(&q->ring);
        if (n == 0) {
            break;
        }
    }
}

void xen_disk_queue_event(XenDevice *xd, void *opaque)
{
    queue_process(opaque);
}

bool xen_disk_queue_start(XenDiskQueue *q, Error **errp)
{
    unsigned indirect_pages =
        (q->disk->limits.max_indirect_segments + BLKIF_SEGS_PER_INDIRECT_PAGE -
         1) / BLKIF_SEGS_PER_INDIRECT_PAGE;

    if (!xen_back_ring_init(&q->ring, q->sring,
                            (size_t)q->nr_ring_pages * XEN_PAGE_SIZE,
                            blkif_slot_size(q->disk->abi))) {
        error_setg(errp, "queue %u: no ring of %u pages for protocol %s",
                   q->index, q->nr_ring_pages, blkif_abi_name(q->disk->abi));
        return false;
    }
    q->reqs = g_new0(XenDiskReq, q->ring.size);
    q->scratch = g_new(BlkifRequest, 1);
    for (unsigned i = 0; i < q->ring.size; i++) {
        q->reqs[i].q = q;
        q->reqs[i].next_free = q->free_reqs;
        q->free_reqs = &q->reqs[i];
    }
    q->unpushed = g_new(XenDiskUnpushed, q->ring.size);
    q->nr_unpushed = 0;
    q->free_pages = g_new(void *, XEN_DISK_BOUNCE_PAGES);
    q->pgrants = g_hash_table_new(NULL, NULL);
    q->copy_segs = g_new(XenGrantCopySeg, BLKIF_MAX_INDIRECT_SEGMENTS);
    q->indirect_buf = g_malloc(MAX(indirect_pages, 1u) * XEN_PAGE_SIZE);
    /* Requests may be waiting already: a frontend need not notify. */
    event_loop_schedule(queue_loop(q), queue_process_bh, q);
    return true;
}

void xen_disk_queue_stop(XenDiskQueue *q)
{
    EventLoop *loop;

    if (!q->disk) {
        return;                 /* never connected */
    }
    loop = queue_loop(q);

    if (q->reqs) {
        /*
         * Answer what is in flight before the ring and the persistent
         * grants go away: the I/O still points into them.
         */
        q->draining = true;
        if (q->parked) {
            XenDiskReq *r = q->parked;

            q->parked = NULL;
            req_finish(r, BLKIF_RSP_ERROR);
        }
        /* A waiting barrier starts as the requests before it finish. */
        blk_drain(q->disk->blk);
        queue_push_bh(q);
        q->draining = false;
    }
    event_loop_cancel(loop, queue_push_bh, q);
    event_loop_cancel(loop, queue_process_bh, q);
    if (q->pgrants) {
        pgrants_unmap_all(q);
        g_hash_table_destroy(q->pgrants);
    }
    while (q->spare_bigs) {
        XenDiskBigReq *big = q->spare_bigs;

        q->spare_bigs = big->next;
        g_free(big);
    }
    q->nr_spare_bigs = 0;
    while (q->nr_free_pages) {
        free(q->free_pages[--q->nr_free_pages]);
    }
    g_free(q->free_pages);
    g_free(q->reqs);
    g_free(q->unpushed);
    g_free(q->scratch);
    g_free(q->copy_segs);
    g_free(q->indirect_buf);
    q->reqs = NULL;
    q->unpushed = NULL;
    q->nr_unpushed = 0;
    q->scratch = NULL;
    q->free_reqs = NULL;
    q->pgrants = NULL;
    q->free_pages = NULL;
    q->copy_segs = NULL;
    q->indirect_buf = NULL;
    q->nr_pages = 0;
    q->inflight = 0;
}
