/*
 * Block frontend for in-process test guests; see blkfront.h.
 *
 * The negotiation follows Linux's xen-blkfront (talk_to_blkback,
 * setup_blkring, blkfront_connect) and the data path its
 * blkif_queue_rw_req and blkif_interrupt, on Xenner's guest interface.
 *
 * A ring of several pages is reached through a bounce buffer: the pages
 * the guest allocator hands out need not be contiguous, and a slot may
 * straddle two of them (4096 is no multiple of a slot's size), so each
 * slot is built privately and copied in, and each response copied out.
 *
 * Request ids are indexes into a per-queue shadow array, with a free
 * list, as in Linux. Raw requests (blkfront_submit_raw) go on the ring
 * with the id the caller chose; their shadow remembers that id, and a
 * response whose id matches an in-flight raw request goes to one of
 * them (the lowest slot) before it is looked up as a shadow index.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "blkfront.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "util/error.h"
#include "util/parse.h"

/*
 * The ring header: the native struct blkif_sring's indexes are where
 * every ABI has them, and ring[] starts at 64 in all three.
 */
#define BLKFRONT_SRING_HDR offsetof(struct blkif_sring, ring)
#define BLKFRONT_MAX_SLOT 256u
#define BLKFRONT_NO_SLOT UINT32_MAX
#define BLKFRONT_DIV_UP(n, d) (((n) + (d) - 1) / (d))

/* A page of the guest's memory, granted to the backend. */
typedef struct BlkFrontPage {
    uint64_t gfn;
    void *va;
    int ref;
} BlkFrontPage;

typedef struct BlkFrontShadow {
    bool in_use, raw;
    uint64_t raw_id;            /* the caller's id, for a raw request */
    uint32_t next_free;
    uint8_t op;                 /* data operation */
    uint8_t *buf;
    uint32_t nr_sectors;
    unsigned nr_segs;
    BlkFrontPage **segs;
    unsigned nr_ind;
    BlkFrontPage *ind[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    BlkFrontDoneFn *done;
    void *opaque;
} BlkFrontShadow;

typedef struct BlkFrontQueue {
    BlkFront *bf;
    BlkFrontPage *ring[BLKIF_MAX_RING_PAGES];
    evtchn_port_t port;
    uint32_t req_prod_pvt, rsp_cons;
    BlkFrontShadow *shadow;     /* ring_size entries */
    uint32_t free_head;
    unsigned inflight, nr_raw;
    GPtrArray *pool;            /* persistent mode: granted pages unused */
} BlkFrontQueue;

struct BlkFront {
    XennerGuest *g;
    unsigned vdev;
    BlkFrontConfig cfg;
    BlkFrontStateFn *fn;
    void *opaque;
    char *path;                 /* relative to the domain's path */
    char *abs_path;             /* for the raw xenstore ops */
    char *be_path;
    uint16_t be_domid;
    XenXsWatch *be_watch;
    int state;                  /* ours, as last written */
    bool connected, reconnect;  /* reconnect: connect again once closed */
    bool free_pending;          /* blkfront_free() from a callback */
    unsigned busy;              /* nesting of callbacks into the user */
    RateLimit rl;               /* for what the backend gets wrong */

    /* Negotiated */
    BlkifAbi abi;
    size_t slot_size;
    unsigned ring_order, ring_size, nr_queues;
    bool persistent;
    BlkFrontQueue *queues;      /* NULL when no rings exist */
    uint64_t sectors;
    unsigned info, sector_size;
    unsigned max_indirect;      /* 0: direct requests only */

    unsigned grants;            /* refs held, busy ones included */
    GPtrArray *zombies;         /* BlkFrontPage the backend still maps */
    BlkifRequest *scratch;      /* the request being built (2 KiB) */
};

static void blkfront_do_free(BlkFront *bf);

/* ---- pages and grants ------------------------------------------------- */

static BlkFrontPage *page_new(BlkFront *bf, bool readonly)
{
    BlkFrontPage *p = g_new0(BlkFrontPage, 1);

    p->va = xenner_guest_alloc_page(bf->g, &p->gfn);
    p->ref = p->va ? xenner_guest_grant(bf->g, bf->be_domid, p->gfn, readonly)
                   : -ENOMEM;
    if (p->ref < 0) {
        if (p->va) {
            xenner_guest_free_page(bf->g, p->gfn);
        }
        g_free(p);
        return NULL;
    }
    bf->grants++;
    return p;
}

/* Revokes and frees; false, with nothing done, while the peer maps it. */
static bool page_try_free(BlkFront *bf, BlkFrontPage *p)
{
    if (xenner_guest_end_access(bf->g, p->ref) == -EBUSY) {
        return false;
    }
    bf->grants--;
    xenner_guest_free_page(bf->g, p->gfn);
    g_free(p);
    return true;
}

/*
 * A grant the backend still maps (it unmaps once it sees us close, as
 * Linux's blkback does) waits on the zombie list, retried on every
 * backend state change, as Linux's gnttab defers the free.
 */
static void page_release(BlkFront *bf, BlkFrontPage *p)
{
    if (!page_try_free(bf, p)) {
        g_ptr_array_add(bf->zombies, p);
    }
}

static void reap_zombies(BlkFront *bf)
{
    guint i;

    for (i = bf->zombies->len; i-- > 0;) {
        if (page_try_free(bf, g_ptr_array_index(bf->zombies, i))) {
            g_ptr_array_remove_index_fast(bf->zombies, i);
        }
    }
}

/* A page for one segment (or indirect page) of a request. */
static BlkFrontPage *seg_page_get(BlkFrontQueue *q, bool readonly)
{
    BlkFront *bf = q->bf;

    if (!bf->persistent) {
        return page_new(bf, readonly);
    }
    /* Persistent grants are read-write: the backend maps them so once. */
    if (q->pool->len) {
        return g_ptr_array_steal_index_fast(q->pool, q->pool->len - 1);
    }
    return page_new(bf, false);
}

static void seg_page_put(BlkFrontQueue *q, BlkFrontPage *p)
{
    if (!p) {
        return;                 /* never got: a request that failed */
    } else if (q->bf->persistent) {
        g_ptr_array_add(q->pool, p);
    } else {
        page_release(q->bf, p);
    }
}

/* ---- the shared ring ---------------------------------------------------- */

static struct blkif_sring *sring_hdr(BlkFrontQueue *q)
{
    return q->ring[0]->va;
}

/* Copies to or from ring byte @off, across page boundaries. */
static void ring_copy(BlkFrontQueue *q, size_t off, void *buf, size_t len,
                      bool to_ring)
{
    uint8_t *b = buf;

    while (len) {
        size_t pg = off / XEN_PAGE_SIZE, in = off % XEN_PAGE_SIZE;
        size_t n = MIN(len, XEN_PAGE_SIZE - in);
        uint8_t *va = (uint8_t *)q->ring[pg]->va + in;

        memcpy(to_ring ? va : b, to_ring ? b : va, n);
        b += n;
        off += n;
        len -= n;
    }
}

static size_t slot_offset(BlkFrontQueue *q, uint32_t idx)
{
    return BLKFRONT_SRING_HDR +
           (size_t)(idx & (q->bf->ring_size - 1)) * q->bf->slot_size;
}

/* Encodes @req at req_prod_pvt and pushes, as RING_PUSH_REQUESTS_AND_
 * CHECK_NOTIFY and notify_remote_via_irq do. */
static void ring_push(BlkFrontQueue *q, const BlkifRequest *req)
{
    BlkFront *bf = q->bf;
    struct blkif_sring *hdr = sring_hdr(q);
    uint8_t slot[BLKFRONT_MAX_SLOT] = { 0 };
    uint32_t old, new;

    blkif_encode_request(bf->abi, req, slot);
    ring_copy(q, slot_offset(q, q->req_prod_pvt), slot, bf->slot_size, true);
    q->req_prod_pvt++;

    old = __atomic_load_n(&hdr->req_prod, __ATOMIC_RELAXED);
    new = q->req_prod_pvt;
    /* The slot before the index the backend reads it by (wmb). */
    __atomic_store_n(&hdr->req_prod, new, __ATOMIC_RELEASE);
    /* The index before req_event is read (mb). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if ((uint32_t)(new - __atomic_load_n(&hdr->req_event, __ATOMIC_RELAXED)) <
        (uint32_t)(new - old)) {
        xenner_guest_notify(bf->g, q->port);
    }
}

/* ---- requests --------------------------------------------------------- */

static BlkFrontShadow *shadow_get(BlkFrontQueue *q, uint32_t *id,
                                  BlkFrontDoneFn *done, void *opaque)
{
    BlkFrontShadow *s;

    /* RING_FULL, or (with raw ids the backend ignored) no free shadow */
    if (q->free_head == BLKFRONT_NO_SLOT ||
        q->req_prod_pvt - q->rsp_cons >= q->bf->ring_size) {
        return NULL;
    }
    *id = q->free_head;
    s = &q->shadow[*id];
    q->free_head = s->next_free;
    memset(s, 0, sizeof(*s));
    s->in_use = true;
    s->done = done;
    s->opaque = opaque;
    return s;
}

/* Gives back the pages of @s and its slot, without telling anyone. */
static void shadow_put(BlkFrontQueue *q, uint32_t id)
{
    BlkFrontShadow *s = &q->shadow[id];
    unsigned i;

    for (i = 0; i < s->nr_segs; i++) {
        seg_page_put(q, s->segs[i]);
    }
    g_free(s->segs);
    for (i = 0; i < s->nr_ind; i++) {
        seg_page_put(q, s->ind[i]);
    }
    q->nr_raw -= s->raw;
    memset(s, 0, sizeof(*s));
    s->next_free = q->free_head;
    q->free_head = id;
}

/* Completes request @id: data out, pages back, then the caller told. */
static void shadow_complete(BlkFrontQueue *q, uint32_t id, int16_t status)
{
    BlkFrontShadow *s = &q->shadow[id];
    BlkFrontDoneFn *done = s->done;
    void *opaque = s->opaque;
    unsigned i;

    for (i = 0; s->op == BLKIF_OP_READ && status == BLKIF_RSP_OKAY &&
         i < s->nr_segs; i++) {
        size_t off = (size_t)i * XEN_PAGE_SIZE;

        memcpy(s->buf + off, s->segs[i]->va,
               MIN((size_t)s->nr_sectors * BLKIF_SECTOR_SIZE - off,
                   XEN_PAGE_SIZE));
    }
    shadow_put(q, id);
    q->inflight--;
    if (done) {
        done(opaque, status);
    }
}

/* The shadow a response's @id names, or BLKFRONT_NO_SLOT. */
static uint32_t shadow_lookup(BlkFrontQueue *q, uint64_t id)
{
    uint32_t i;

    for (i = 0; q->nr_raw && i < q->bf->ring_size; i++) {
        if (q->shadow[i].in_use && q->shadow[i].raw &&
            q->shadow[i].raw_id == id) {
            return i;
        }
    }
    if (id < q->bf->ring_size && q->shadow[id].in_use &&
        !q->shadow[id].raw) {
        return id;
    }
    return BLKFRONT_NO_SLOT;
}

static void blkfront_interrupt(void *opaque, evtchn_port_t port)
{
    BlkFrontQueue *q = opaque;
    BlkFront *bf = q->bf;
    struct blkif_sring *hdr = sring_hdr(q);
    uint8_t slot[BLKFRONT_MAX_SLOT];
    uint32_t rp;
    bool more;

    bf->busy++;
    do {
        rp = __atomic_load_n(&hdr->rsp_prod, __ATOMIC_ACQUIRE);
        if (rp - q->rsp_cons > bf->ring_size) {
            /* As Linux: a backend that overruns the ring is not trusted. */
            warn_report_ratelimited(&bf->rl, "blkfront %s: illegal number of "
                                    "responses %u", bf->path,
                                    rp - q->rsp_cons);
            break;
        }
        while (q->rsp_cons != rp) {
            uint64_t id;
            uint8_t op;
            int16_t status;
            uint32_t sid;

            ring_copy(q, slot_offset(q, q->rsp_cons), slot, bf->slot_size,
                      false);
            q->rsp_cons++;
            blkif_get_response(bf->abi, slot, &id, &op, &status);
            sid = shadow_lookup(q, id);
            if (sid == BLKFRONT_NO_SLOT) {
                warn_report_ratelimited(&bf->rl, "blkfront %s: response for "
                                        "unknown id %" PRIu64, bf->path, id);
                continue;
            }
            shadow_complete(q, sid, status);
            if (!bf->queues || bf->free_pending) {
                goto out;       /* torn down from the callback */
            }
        }
        /* RING_FINAL_CHECK_FOR_RESPONSES */
        __atomic_store_n(&hdr->rsp_event, q->rsp_cons + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        more = __atomic_load_n(&hdr->rsp_prod, __ATOMIC_ACQUIRE) !=
               q->rsp_cons;
    } while (more);
out:
    if (!--bf->busy && bf->free_pending) {
        blkfront_do_free(bf);
    }
}

static int get_queue(BlkFront *bf, unsigned queue, BlkFrontQueue **q)
{
    if (!blkfront_connected(bf)) {
        return -ENOTCONN;
    }
    if (queue >= bf->nr_queues) {
        return -EINVAL;
    }
    *q = &bf->queues[queue];
    return 0;
}

int blkfront_submit(BlkFront *bf, unsigned queue, uint8_t op,
                    uint64_t sector, void *buf, uint32_t nr_sectors,
                    bool secure, BlkFrontDoneFn *done, void *opaque)
{
    BlkifRequest *req;
    BlkFrontQueue *q;
    BlkFrontShadow *s;
    unsigned nr_segs = 0, i;
    uint32_t id, left;
    bool data, writing;
    int ret = get_queue(bf, queue, &q);

    if (ret) {
        return ret;
    }
    data = op == BLKIF_OP_READ || op == BLKIF_OP_WRITE ||
           op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER;
    /* INDIRECT is blkfront_submit_raw()'s; reads and writes carry data. */
    if (op == BLKIF_OP_INDIRECT || (data && nr_sectors && !buf) ||
        ((op == BLKIF_OP_READ || op == BLKIF_OP_WRITE) && !nr_sectors)) {
        return -EINVAL;
    }
    if (data) {
        nr_segs = BLKFRONT_DIV_UP(nr_sectors, BLKIF_SECTORS_PER_PAGE);
        /* Only reads and writes may go indirect (blkif.h). */
        if (nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST &&
            (nr_segs > bf->max_indirect ||
             (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE))) {
            return -E2BIG;
        }
    }
    s = shadow_get(q, &id, done, opaque);
    if (!s) {
        return -EBUSY;
    }
    writing = op != BLKIF_OP_READ;
    s->op = op;
    s->buf = buf;
    s->nr_sectors = data ? nr_sectors : 0;

    req = bf->scratch;
    memset(req, 0, offsetof(BlkifRequest, seg));
    req->operation = req->data_op = op;
    req->handle = bf->vdev;
    req->id = id;
    req->sector_number = sector;
    if (op == BLKIF_OP_DISCARD) {
        req->nr_sectors = nr_sectors;
        req->discard_flags = secure ? BLKIF_DISCARD_SECURE : 0;
    }

    s->segs = g_new0(BlkFrontPage *, MAX(nr_segs, 1));
    s->nr_segs = nr_segs;
    left = s->nr_sectors;
    for (i = 0; i < nr_segs; i++) {
        uint32_t n = MIN(left, BLKIF_SECTORS_PER_PAGE);
        BlkFrontPage *p = seg_page_get(q, writing);

        if (!p) {
            goto nomem;
        }
        s->segs[i] = p;
        if (writing) {
            memcpy(p->va, (uint8_t *)buf + (size_t)i * XEN_PAGE_SIZE,
                   (size_t)n * BLKIF_SECTOR_SIZE);
        }
        req->seg[i].gref = p->ref;
        req->seg[i].first_sect = 0;
        req->seg[i].last_sect = n - 1;
        left -= n;
    }
    req->nr_segments = nr_segs;

    if (nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        /* The segments go in pages of their own, granted read-only. */
        unsigned nr_ind = BLKFRONT_DIV_UP(nr_segs,
                                          BLKIF_SEGS_PER_INDIRECT_PAGE);

        for (i = 0; i < nr_ind; i++) {
            BlkFrontPage *p = seg_page_get(q, true);
            struct blkif_request_segment *ent;
            unsigned j, first = i * BLKIF_SEGS_PER_INDIRECT_PAGE;

            if (!p) {
                goto nomem;
            }
            s->ind[s->nr_ind++] = p;
            ent = p->va;
            memset(ent, 0, XEN_PAGE_SIZE);
            for (j = first;
                 j < MIN(nr_segs, first + BLKIF_SEGS_PER_INDIRECT_PAGE); j++) {
                ent[j - first] = (struct blkif_request_segment) {
                    req->seg[j].gref, req->seg[j].first_sect,
                    req->seg[j].last_sect };
            }
            req->indirect_grefs[i] = p->ref;
        }
        req->operation = BLKIF_OP_INDIRECT;
        req->nr_indirect_pages = nr_ind;
    }

    q->inflight++;
    ring_push(q, req);
    return 0;

nomem:
    /* Out of grant refs or pages: transient, as Linux requeues. */
    shadow_put(q, id);
    return -EBUSY;
}

int blkfront_submit_raw(BlkFront *bf, unsigned queue,
                        const BlkifRequest *req, BlkFrontDoneFn *done,
                        void *opaque)
{
    BlkFrontQueue *q;
    BlkFrontShadow *s;
    uint32_t id;
    int ret = get_queue(bf, queue, &q);

    if (ret) {
        return ret;
    }
    s = shadow_get(q, &id, done, opaque);
    if (!s) {
        return -EBUSY;
    }
    s->raw = true;
    s->raw_id = req->id;
    q->nr_raw++;
    q->inflight++;
    ring_push(q, req);
    return 0;
}

/* ---- negotiation ------------------------------------------------------- */

/* xenbus_read_unsigned(): @def when missing or not a number. */
static uint64_t be_read_uint(BlkFront *bf, const char *key, uint64_t def)
{
    g_autofree char *path = g_strdup_printf("%s/%s", bf->be_path, key);
    g_autofree char *v = xenner_guest_xs_read(bf->g, path);
    uint64_t r;

    return v && parse_decimal(v, UINT64_MAX, &r) ? r : def;
}

static void set_state(BlkFront *bf, int state)
{
    bf->state = state;
    xenner_guest_switch_state(bf->g, bf->path, state);
}

static void notify_user(BlkFront *bf, bool connected)
{
    if (bf->fn) {
        bf->busy++;
        bf->fn(bf->opaque, bf, connected);
        bf->busy--;
    }
}

/*
 * Fails whatever is in flight, then revokes and frees the rings and
 * every page (blkif_free). Grants the backend still maps become zombies.
 */
static void release_rings(BlkFront *bf)
{
    BlkFrontQueue *queues = bf->queues;
    unsigned n, i;

    if (!queues) {
        return;
    }
    /* Detached first: a done callback sees a frontend with no rings. */
    bf->queues = NULL;
    bf->busy++;
    for (n = 0; n < bf->nr_queues; n++) {
        BlkFrontQueue *q = &queues[n];

        /* Handlers run from the event loop, never under us: no race. */
        if (q->port) {
            xenner_guest_close_port(bf->g, q->port);
        }
        for (i = 0; q->shadow && i < bf->ring_size; i++) {
            if (q->shadow[i].in_use) {
                shadow_complete(q, i, BLKIF_RSP_ERROR);
            }
        }
        for (i = 0; q->pool && i < q->pool->len; i++) {
            page_release(bf, g_ptr_array_index(q->pool, i));
        }
        if (q->pool) {
            g_ptr_array_free(q->pool, true);
        }
        for (i = 0; i < BLKIF_MAX_RING_PAGES && q->ring[i]; i++) {
            page_release(bf, q->ring[i]);
        }
        g_free(q->shadow);
    }
    bf->busy--;
    g_free(queues);
    bf->nr_queues = 0;
    bf->ring_size = 0;
    reap_zombies(bf);
}

static bool setup_queue(BlkFront *bf, BlkFrontQueue *q)
{
    unsigned nr_pages = 1u << bf->ring_order, i;
    int port;

    q->bf = bf;
    q->pool = g_ptr_array_new();
    q->free_head = BLKFRONT_NO_SLOT;
    for (i = 0; i < nr_pages; i++) {
        q->ring[i] = page_new(bf, false);
        if (!q->ring[i]) {
            return false;
        }
    }
    /* SHARED_RING_INIT; the pages come zeroed. */
    sring_hdr(q)->req_event = sring_hdr(q)->rsp_event = 1;
    q->shadow = g_new0(BlkFrontShadow, bf->ring_size);
    for (i = bf->ring_size; i-- > 0;) {
        q->shadow[i].next_free = q->free_head;
        q->free_head = i;
    }
    port = xenner_guest_alloc_unbound(bf->g, bf->be_domid, blkfront_interrupt,
                                      q);
    q->port = MAX(port, 0);     /* port 0 is never a valid one */
    return port > 0;
}

static G_GNUC_PRINTF(4, 5)
int xs_tx_printf(BlkFront *bf, uint32_t tx, const char *key,
                 const char *fmt, ...)
{
    const XenXenstoreOps *ops = xenner_guest_xs_ops(bf->g);
    g_autofree char *path = g_strdup_printf("%s/%s", bf->abs_path, key);
    g_autofree char *value = NULL;
    va_list ap;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return ops->write(xenner_guest_xs(bf->g), tx, path, value,
                      strlen(value));
}

/* write_per_ring_nodes() */
static int write_ring_nodes(BlkFront *bf, uint32_t tx, BlkFrontQueue *q,
                            const char *dir)
{
    g_autofree char *key = g_strdup_printf("%sevent-channel", dir);
    unsigned i;
    int ret = xs_tx_printf(bf, tx, key, "%u", q->port);

    /* Order 0 is "ring-ref", as before multi-page rings existed. */
    for (i = 0; i < (1u << bf->ring_order) && !ret; i++) {
        g_free(key);
        key = bf->ring_order ? g_strdup_printf("%sring-ref%u", dir, i)
                             : g_strdup_printf("%sring-ref", dir);
        ret = xs_tx_printf(bf, tx, key, "%d", q->ring[i]->ref);
    }
    return ret;
}

static int write_nodes(BlkFront *bf, uint32_t tx)
{
    unsigned i;
    int ret = 0;

    if (bf->ring_order) {
        ret = xs_tx_printf(bf, tx, "ring-page-order", "%u", bf->ring_order);
    }
    if (!ret && bf->nr_queues == 1) {
        ret = write_ring_nodes(bf, tx, &bf->queues[0], "");
    } else if (!ret) {
        ret = xs_tx_printf(bf, tx, "multi-queue-num-queues", "%u",
                           bf->nr_queues);
        for (i = 0; i < bf->nr_queues && !ret; i++) {
            g_autofree char *dir = g_strdup_printf("queue-%u/", i);

            ret = write_ring_nodes(bf, tx, &bf->queues[i], dir);
        }
    }
    if (!ret && bf->cfg.protocol) {
        ret = xs_tx_printf(bf, tx, "protocol", "%s", bf->cfg.protocol);
    }
    if (!ret) {
        /* Linux always writes it, 0 when it does not want them. */
        ret = xs_tx_printf(bf, tx, "feature-persistent", "%u",
                           bf->cfg.persistent ? 1 : 0);
    }
    return ret;
}

/* talk_to_blkback(): rings, ports and keys, then Initialised. */
static bool talk_to_blkback(BlkFront *bf)
{
    const XenXenstoreOps *ops = xenner_guest_xs_ops(bf->g);
    XenXsHandle *h = xenner_guest_xs(bf->g);
    unsigned max_order, max_queues, i;
    uint32_t tx;
    int ret;

    release_rings(bf);          /* leftovers of an earlier attempt */
    max_order = MIN(be_read_uint(bf, "max-ring-page-order", 0),
                    BLKIF_MAX_RING_PAGE_ORDER);
    bf->ring_order = MIN(bf->cfg.ring_page_order, max_order);
    max_queues = MIN(be_read_uint(bf, "multi-queue-max-queues", 1), 256u);
    bf->nr_queues = MAX(MIN(MAX(bf->cfg.nr_queues, 1u), max_queues), 1u);
    /*
     * A missing or unknown protocol: encode as the backend decodes then
     * (x86_32 on x86 for a missing key); an unknown name gets native,
     * and the backend refuses it anyway.
     */
    if (!blkif_abi_parse(bf->cfg.protocol, &bf->abi)) {
        bf->abi = BLKIF_ABI_NATIVE;
    }
    bf->slot_size = MIN(blkif_slot_size(bf->abi), BLKFRONT_MAX_SLOT);
    bf->ring_size = blkif_ring_size(bf->abi, 1u << bf->ring_order);
    bf->queues = g_new0(BlkFrontQueue, bf->nr_queues);
    for (i = 0; i < bf->nr_queues; i++) {
        if (!setup_queue(bf, &bf->queues[i])) {
            return false;
        }
    }

    do {
        if (ops->transaction_start(h, &tx)) {
            tx = XEN_XS_TXN_NULL;       /* plain writes, then */
        }
        ret = write_nodes(bf, tx);
        if (tx != XEN_XS_TXN_NULL) {
            int end = ops->transaction_end(h, tx, ret != 0);

            ret = ret ? ret : end;
        }
    } while (ret == -EAGAIN);
    if (ret) {
        error_report("blkfront %s: writing ring keys: %s", bf->path,
                     strerror(-ret));
        return false;
    }
    set_state(bf, XenbusStateInitialised);
    return true;
}

/* blkfront_connect() and blkfront_gather_backend_features() */
static bool blkfront_connect(BlkFront *bf)
{
    uint64_t ssize = be_read_uint(bf, "sector-size", 0);
    uint64_t info = be_read_uint(bf, "info", UINT64_MAX);
    unsigned ind;

    bf->sectors = be_read_uint(bf, "sectors", UINT64_MAX);
    if (bf->sectors == UINT64_MAX || info > UINT_MAX || !ssize ||
        ssize > UINT_MAX) {
        error_report("blkfront %s: bad sectors/info/sector-size", bf->path);
        return false;
    }
    bf->info = info;
    bf->sector_size = ssize;
    bf->persistent = bf->cfg.persistent &&
                     be_read_uint(bf, "feature-persistent", 0);
    ind = be_read_uint(bf, "feature-max-indirect-segments", 0);
    bf->max_indirect = bf->cfg.indirect ? MIN(ind, BLKIF_MAX_INDIRECT_SEGMENTS)
                                        : 0;
    if (bf->max_indirect <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        bf->max_indirect = 0;   /* as Linux: not worth it */
    }
    set_state(bf, XenbusStateConnected);
    bf->connected = true;
    notify_user(bf, true);
    return true;
}

/* Closed, after a failure or the backend going away (blkfront_closing). */
static void blkfront_closed(BlkFront *bf, bool tell)
{
    tell |= bf->connected;
    bf->connected = false;
    release_rings(bf);
    set_state(bf, XenbusStateClosed);
    if (bf->reconnect) {
        /* The backend goes Closed, then InitWait, on seeing this. */
        bf->reconnect = false;
        set_state(bf, XenbusStateInitialising);
    }
    if (tell) {
        notify_user(bf, false);
    }
}

static void blkfront_backend_changed(void *opaque, const char *path)
{
    BlkFront *bf = opaque;
    int be_state = xenner_guest_xs_read_state(bf->g, bf->be_path);
    bool ok;

    bf->busy++;
    reap_zombies(bf);
    switch (be_state) {
    case XenbusStateInitWait:
    case XenbusStateConnected:
        /* As Linux: a backend already connected gets the keys first. */
        ok = bf->state != XenbusStateInitialising || talk_to_blkback(bf);
        if (ok && be_state == XenbusStateConnected &&
            bf->state == XenbusStateInitialised) {
            ok = blkfront_connect(bf);
        }
        if (!ok) {
            blkfront_closed(bf, true);
        }
        break;
    case XenbusStateClosing:
    case XenbusStateClosed:
        /*
         * The backend unmapped the rings before leaving Connected. Our
         * own close (reconnect, Closing) ends here too: the core only
         * goes Closed once we are, so we do not wait for that.
         */
        if (bf->state == XenbusStateInitialised ||
            bf->state == XenbusStateConnected ||
            bf->state == XenbusStateClosing) {
            blkfront_closed(bf, bf->state != XenbusStateClosing);
        }
        break;
    default:
        break;
    }
    if (!--bf->busy && bf->free_pending) {
        blkfront_do_free(bf);
    }
}

static void blkfront_recheck(void *opaque)
{
    blkfront_backend_changed(opaque, NULL);
}

BlkFront *blkfront_new(XennerGuest *g, unsigned vdev,
                       const BlkFrontConfig *cfg, BlkFrontStateFn *fn,
                       void *opaque)
{
    const XenXenstoreOps *ops = xenner_guest_xs_ops(g);
    BlkFront *bf = g_new0(BlkFront, 1);
    g_autofree char *be_key = g_strdup_printf("device/vbd/%u/backend", vdev);
    g_autofree char *id_key = g_strdup_printf("device/vbd/%u/backend-id",
                                              vdev);
    g_autofree char *be_id = xenner_guest_xs_read(g, id_key);
    g_autofree char *dom = NULL, *state_path = NULL;
    uint64_t be_domid;

    bf->g = g;
    bf->vdev = vdev;
    bf->cfg = *cfg;
    bf->cfg.protocol = g_strdup(cfg->protocol);
    bf->fn = fn;
    bf->opaque = opaque;
    bf->zombies = g_ptr_array_new();
    bf->scratch = g_new(BlkifRequest, 1);
    bf->path = g_strdup_printf("device/vbd/%u", vdev);
    dom = ops->get_domain_path(xenner_guest_xs(g), xenner_guest_domid(g));
    bf->abs_path = g_strdup_printf("%s/%s", dom, bf->path);
    bf->be_path = xenner_guest_xs_read(g, be_key);
    if (!bf->be_path || !be_id ||
        !parse_decimal(be_id, DOMID_FIRST_RESERVED - 1, &be_domid)) {
        g_free(bf->be_path);
        bf->be_path = NULL;
        return bf;              /* never connects; freed as usual */
    }
    bf->be_domid = be_domid;
    set_state(bf, XenbusStateInitialising);
    state_path = g_strdup_printf("%s/state", bf->be_path);
    ops->watch(xenner_guest_xs(g), state_path, blkfront_backend_changed, bf,
               &bf->be_watch);
    return bf;
}

static void blkfront_do_free(BlkFront *bf)
{
    event_loop_cancel(xenner_guest_loop(bf->g), blkfront_recheck, bf);
    if (bf->be_watch) {
        xenner_guest_xs_ops(bf->g)->unwatch(xenner_guest_xs(bf->g),
                                            bf->be_watch);
    }
    if (bf->be_path) {
        if (bf->state != XenbusStateClosed) {
            set_state(bf, XenbusStateClosing);
        }
        bf->fn = NULL;          /* requests still fail to their done */
        bf->connected = false;
        release_rings(bf);
        set_state(bf, XenbusStateClosed);
    }
    /*
     * A connected backend unmaps only on seeing us close, after this
     * returns: we cannot wait, so its grants and pages are leaked.
     */
    g_ptr_array_set_free_func(bf->zombies, g_free);
    g_ptr_array_free(bf->zombies, true);
    g_free(bf->scratch);
    g_free((char *)bf->cfg.protocol);
    g_free(bf->path);
    g_free(bf->abs_path);
    g_free(bf->be_path);
    g_free(bf);
}

void blkfront_free(BlkFront *bf)
{
    if (bf && bf->busy) {
        bf->free_pending = true;        /* from one of our callbacks */
        bf->fn = NULL;
    } else if (bf) {
        blkfront_do_free(bf);
    }
}

void blkfront_reconnect(BlkFront *bf)
{
    if (!bf->be_path || bf->free_pending) {
        return;
    }
    bf->connected = false;
    if (bf->state == XenbusStateClosed) {
        /*
         * Already closed (the backend went away, or we gave up): start
         * over now, and look again at a backend that may not move (one
         * left in InitWait sees nothing new in our Initialising).
         */
        set_state(bf, XenbusStateInitialising);
        event_loop_schedule(xenner_guest_loop(bf->g), blkfront_recheck, bf);
        return;
    }
    bf->reconnect = true;
    set_state(bf, XenbusStateClosing);
}

/* ---- accessors ------------------------------------------------------ */

bool blkfront_connected(BlkFront *bf)
{
    return bf->connected && bf->queues && !bf->free_pending;
}

uint64_t blkfront_sectors(BlkFront *bf)
{
    return bf->sectors;
}

unsigned blkfront_info(BlkFront *bf)
{
    return bf->info;
}

unsigned blkfront_sector_size(BlkFront *bf)
{
    return bf->sector_size;
}

unsigned blkfront_nr_queues(BlkFront *bf)
{
    return bf->nr_queues;
}

unsigned blkfront_max_segments(BlkFront *bf)
{
    return MAX(bf->max_indirect, BLKIF_MAX_SEGMENTS_PER_REQUEST);
}

bool blkfront_has_feature(BlkFront *bf, const char *feature_key)
{
    return bf->be_path && be_read_uint(bf, feature_key, 0) != 0;
}

unsigned blkfront_inflight(BlkFront *bf, unsigned queue)
{
    return bf->queues && queue < bf->nr_queues ? bf->queues[queue].inflight
                                               : 0;
}

unsigned blkfront_ring_size(BlkFront *bf)
{
    return bf->ring_size;
}

void *blkfront_sring(BlkFront *bf, unsigned queue)
{
    return bf->queues && queue < bf->nr_queues ? bf->queues[queue].ring[0]->va
                                               : NULL;
}

evtchn_port_t blkfront_port(BlkFront *bf, unsigned queue)
{
    return bf->queues && queue < bf->nr_queues ? bf->queues[queue].port : 0;
}

const char *blkfront_path(BlkFront *bf)
{
    return bf->path;
}

unsigned blkfront_grants_in_use(BlkFront *bf)
{
    reap_zombies(bf);
    return bf->grants;
}
