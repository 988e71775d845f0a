/*
 * libFuzzer target for the block backend's data path: a frontend puts
 * arbitrary requests on a connected disk's ring (with their segments and
 * indirect pages pointing at pages it granted read-write, read-only, or
 * not at all) and the backend must answer each exactly once with a valid
 * status, keep the device connected, and go on serving honest I/O.
 *
 * The requests come from the input as native ring slots; their grant
 * references are taken modulo the four kinds of page, so that the fuzzer
 * reaches the backend's grant handling rather than guessing refs.
 *
 * Input: byte 0 = number of requests (0..32), then that many native
 * slots (blkif_slot_size() bytes each), then the indirect page's bytes.
 *
 * The same bytes first drive xen_ring.h's XenBackRing on its own, as a
 * script against a model (ring_model_run()), so that the ring discipline
 * itself meets hostile indices the connected frontend never writes: any
 * req_prod, a producer moving back, rsp_event anywhere, 2^32 wraps, and
 * every ABI's slot size over 1 to 16 pages:
 *   byte 0        (b / 33) % 3: the ABI (byte 0 % 33 is the count above)
 *   byte 1        bits 0-2: ring pages, 1 << (b % 5)
 *   bytes 2..5    the index every counter starts from
 *   the rest      operations, an opcode byte and its arguments
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_ring.h"
#include "fuzz-input.h"
#include "xenner/guests/blkfront.h"
#include "xenner/guest.h"
#include "xenner/xenner.h"

#define DOMID 7
#define VDEV 51712
#define DISK_BYTES (1u << 20)

typedef struct Target {
    EventLoop *loop;
    Xenner *x;
    XenBackend *be;
    XenDiskHost *host;
    XennerGuest *guest;
    BlkFront *bf;
    bool connected;
    uint32_t refs[4];           /* read-write, read-only, list, never given */
    uint8_t *list;              /* the indirect page, granted read-only */
    uint8_t *data;
    unsigned answered;
    int16_t last_status;
} Target;

static void state_fn(void *opaque, BlkFront *bf, bool connected)
{
    ((Target *)opaque)->connected = connected;
}

static uint32_t grant(Target *t, bool readonly, uint8_t **page)
{
    uint64_t gfn;
    uint8_t *p = xenner_guest_alloc_page(t->guest, &gfn);
    int ref;

    if (!p || (ref = xenner_guest_grant(t->guest, 0, gfn, readonly)) < 0) {
        abort();
    }
    if (page) {
        *page = p;
    }
    return ref;
}

static void pump(Target *t, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        event_loop_run_once(t->loop, 0, NULL);
    }
}

/* Set up once: a process-wide disk that every input reuses. */
static Target *target_get(void)
{
    static Target *t;
    char path[] = "/tmp/fuzz-disk-ring-XXXXXX";
    g_autofree char *params = NULL;
    BlkFrontConfig cfg = { .indirect = true, .persistent = true };
    XenDiskOpts opts;
    int fd;

    if (t) {
        return t;
    }
    t = g_new0(Target, 1);
    t->loop = event_loop_new(NULL);
    t->x = xenner_new(t->loop, xenner_xs_tree_new(), NULL);
    if (!t->x || !xenner_domain_create(t->x, DOMID, "fuzz", 16384, NULL)) {
        abort();
    }
    t->guest = xenner_guest_new(t->x, DOMID, NULL);
    t->be = xen_backend_new(t->loop, xenner_services(t->x), 0, NULL);
    t->host = xen_disk_host_new();
    fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, DISK_BYTES) < 0 ||
        !xen_disk_register(t->be, t->host, true, NULL)) {
        abort();
    }
    close(fd);
    params = g_strdup_printf("aio:%s", path);
    xen_disk_opts_default(&opts);
    if (!xen_disk_create(t->be, t->host, DOMID, VDEV, "xvda", params, false,
                         false, &opts, NULL)) {
        abort();
    }
    pump(t, 5);
    t->bf = blkfront_new(t->guest, VDEV, &cfg, state_fn, t);
    for (int i = 0; i < 1000 && !t->connected; i++) {
        event_loop_run_once(t->loop, 1, NULL);
    }
    unlink(path);               /* the backend holds it open */
    if (!t->connected) {
        abort();
    }
    t->refs[0] = grant(t, false, NULL);
    t->refs[1] = grant(t, true, NULL);
    t->refs[2] = grant(t, true, &t->list);
    t->refs[3] = 30000;         /* beyond the table */
    t->data = g_malloc(8 * 512);
    return t;
}

static void answered(void *opaque, int16_t status)
{
    Target *t = opaque;

    if (status != BLKIF_RSP_OKAY && status != BLKIF_RSP_ERROR &&
        status != BLKIF_RSP_EOPNOTSUPP) {
        abort();
    }
    t->answered++;
    t->last_status = status;
}

/* An honest write and read back of one page must still work. */
static void check_alive(Target *t, uint8_t fill)
{
    uint8_t back[8 * 512];

    memset(t->data, fill, 8 * 512);
    for (int op = BLKIF_OP_READ + 1; op >= BLKIF_OP_READ; op--) {
        unsigned before = t->answered;

        if (blkfront_submit(t->bf, 0, op, 8,
                            op == BLKIF_OP_WRITE ? t->data : back, 8, false,
                            answered, t) < 0) {
            abort();
        }
        for (int i = 0; i < 10000 && t->answered == before; i++) {
            event_loop_run_once(t->loop, 1, NULL);
        }
        if (t->answered == before || t->last_status != BLKIF_RSP_OKAY) {
            abort();
        }
    }
    if (memcmp(back, t->data, sizeof(back))) {
        abort();
    }
}

/* ---- XenBackRing against a model ----------------------------------------- */

#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)
#define MODEL_MAX_OPS 256

/* The shared header, as the frontend sees it. */
typedef struct ModelHeader {
    RING_IDX req_prod, req_event, rsp_prod, rsp_event;
} ModelHeader;

typedef struct RingModel {
    XenBackRing r;
    uint8_t *page;              /* the shared ring, exactly its size */
    uint8_t *before;            /* its contents before the call */
    size_t bytes;
    size_t slot;
    uint32_t size;
    RING_IDX prod_seen, cons, rsp_pvt, pushed;
} RingModel;

static ModelHeader *hdr(RingModel *m)
{
    return (ModelHeader *)m->page;
}

static void snapshot(RingModel *m)
{
    memcpy(m->before, m->page, m->bytes);
}

static void check_unchanged(RingModel *m)
{
    check(!memcmp(m->page, m->before, m->bytes));
}

/* The model's judgement of a producer index, as xen_ring.h documents it. */
static int model_check(RingModel *m, RING_IDX prod)
{
    RING_IDX unanswered = prod - m->rsp_pvt;

    if (unanswered > m->size || (RING_IDX)(prod - m->cons) > unanswered) {
        return -EPROTO;
    }
    m->prod_seen = prod;
    return prod - m->cons;
}

static void model_poll(RingModel *m)
{
    int want, got;

    snapshot(m);
    want = model_check(m, hdr(m)->req_prod);
    got = xen_back_ring_poll(&m->r);
    check(got == want);
    check_unchanged(m);
    check(xen_back_ring_unconsumed(&m->r) == m->prod_seen - m->cons);
}

/* Takes nothing from shared memory but reads: m->before stays valid. */
static void model_take(RingModel *m)
{
    uint8_t copy[XEN_RING_SLOT_MAX + 8];
    bool want = m->cons != m->prod_seen;

    memset(copy, 0xa5, sizeof(copy));
    check(xen_back_ring_take(&m->r, copy) == want);
    if (want) {
        size_t at = XEN_SRING_HEADER + (m->cons & (m->size - 1)) * m->slot;

        check(!memcmp(copy, m->before + at, m->slot));
        m->cons++;
    }
    for (size_t i = want ? m->slot : 0; i < sizeof(copy); i++) {
        check(copy[i] == 0xa5);
    }
}

static void model_final_check(RingModel *m)
{
    int want, got;

    snapshot(m);
    if (m->cons != m->prod_seen) {
        check(xen_back_ring_final_check(&m->r) ==
              (int)(m->prod_seen - m->cons));
        check_unchanged(m);
        return;
    }
    got = xen_back_ring_final_check(&m->r);
    /* Only req_event moved, to the next request. */
    check(hdr(m)->req_event == m->cons + 1);
    hdr(m)->req_event = ((ModelHeader *)m->before)->req_event;
    check_unchanged(m);
    hdr(m)->req_event = m->cons + 1;
    want = model_check(m, hdr(m)->req_prod);
    check(got == want);
}

static void model_respond(RingModel *m, uint8_t fill)
{
    uint8_t *slot;

    if (m->rsp_pvt == m->cons) {
        return;                 /* only for a request taken */
    }
    slot = xen_back_ring_respond(&m->r);
    check(slot == m->page + XEN_SRING_HEADER +
          (m->rsp_pvt & (m->size - 1)) * m->slot);
    memset(slot, fill, m->slot);
    m->rsp_pvt++;
    check(xen_back_ring_inflight(&m->r) == m->cons - m->rsp_pvt);
}

static void model_push(RingModel *m)
{
    RING_IDX event = hdr(m)->rsp_event;
    bool want;

    snapshot(m);
    if (m->pushed == m->rsp_pvt) {
        check(!xen_back_ring_push(&m->r));
        check_unchanged(m);
        return;
    }
    want = (RING_IDX)(m->rsp_pvt - event) < (RING_IDX)(m->rsp_pvt - m->pushed);
    check(xen_back_ring_push(&m->r) == want);
    check(hdr(m)->rsp_prod == m->rsp_pvt);
    hdr(m)->rsp_prod = ((ModelHeader *)m->before)->rsp_prod;
    check_unchanged(m);
    hdr(m)->rsp_prod = m->rsp_pvt;
    m->pushed = m->rsp_pvt;
}

static void ring_model_run(const uint8_t *data, size_t size)
{
    static const BlkifAbi abis[] = {
        BLKIF_ABI_NATIVE, BLKIF_ABI_X86_32, BLKIF_ABI_X86_64,
    };
    FuzzInput sc = { data, size };
    RingModel m = { 0 };
    unsigned pages;
    RING_IDX start;

    m.slot = blkif_slot_size(abis[(fuzz_take(&sc, 1) / 33) % 3]);
    pages = 1u << (fuzz_take(&sc, 1) % 5);
    start = fuzz_take(&sc, 4);
    m.bytes = (size_t)pages * XEN_PAGE_SIZE;
    m.page = g_malloc0(m.bytes);
    m.before = g_malloc(m.bytes);
    check(xen_back_ring_init(&m.r, m.page, m.bytes, m.slot));
    m.size = m.r.size;
    check(m.size == xen_ring_nr_slots(m.bytes, m.slot));
    /* Every counter from @start, as after many turns (or across 2^32). */
    m.r.req_prod = m.r.req_cons = m.r.rsp_prod_pvt = m.r.rsp_prod_pushed =
        start;
    m.prod_seen = m.cons = m.rsp_pvt = m.pushed = start;
    hdr(&m)->req_prod = hdr(&m)->rsp_prod = start;
    for (size_t i = sizeof(ModelHeader); i < m.bytes; i++) {
        m.page[i] = i * 7;
    }

    for (unsigned ops = 0; sc.left && ops < MODEL_MAX_OPS; ops++) {
        switch (fuzz_take(&sc, 1) % 10) {
        case 0:
            /* Any producer at all, relative to ours. */
            hdr(&m)->req_prod = m.rsp_pvt + fuzz_take(&sc, 4);
            break;
        case 1:
            /* An honest step, or a small one back. */
            hdr(&m)->req_prod += (int8_t)fuzz_take(&sc, 1);
            break;
        case 2:
            model_poll(&m);
            break;
        case 3: {
            unsigned n = fuzz_take(&sc, 1) % 40;

            snapshot(&m);
            for (unsigned i = 0; i < n; i++) {
                model_take(&m);
            }
            check_unchanged(&m);
            break;
        }
        case 4:
            model_final_check(&m);
            break;
        case 5: {
            unsigned n = fuzz_take(&sc, 1) % 40;
            uint8_t fill = fuzz_take(&sc, 1);

            for (unsigned i = 0; i < n; i++) {
                model_respond(&m, fill + i);
            }
            break;
        }
        case 6:
            model_push(&m);
            break;
        case 7:
            /* Where the frontend wants its next event. */
            hdr(&m)->rsp_event = m.pushed + (int8_t)fuzz_take(&sc, 1);
            break;
        case 8:
            hdr(&m)->rsp_event = fuzz_take(&sc, 4);
            break;
        default: {
            /* New slot contents behind our back. */
            size_t at = XEN_SRING_HEADER +
                        fuzz_take(&sc, 2) % (m.bytes - XEN_SRING_HEADER);

            m.page[at] = fuzz_take(&sc, 1);
            break;
        }
        }
    }
    g_free(m.page);
    g_free(m.before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Target *t;
    size_t slot = blkif_slot_size(BLKIF_ABI_NATIVE);
    unsigned n, sent = 0, before;
    BlkifRequest req;

    ring_model_run(data, size);
    t = target_get();
    before = t->answered;
    if (size < 1) {
        return 0;
    }
    n = MIN(data[0] % 33u, (size - 1) / slot);
    /* The indirect page: what follows the slots, grants remapped. */
    memset(t->list, 0, XEN_PAGE_SIZE);
    memcpy(t->list, data + 1 + n * slot,
           MIN(size - 1 - n * slot, (size_t)XEN_PAGE_SIZE));
    for (size_t i = 0; i < BLKIF_SEGS_PER_INDIRECT_PAGE; i++) {
        struct blkif_request_segment *seg =
            (struct blkif_request_segment *)t->list + i;

        seg->gref = t->refs[seg->gref % 4];
    }
    for (unsigned i = 0; i < n; i++) {
        blkif_decode_request(BLKIF_ABI_NATIVE, data + 1 + i * slot, &req);
        for (unsigned s = 0; s < BLKIF_MAX_SEGMENTS_PER_REQUEST; s++) {
            req.seg[s].gref = t->refs[req.seg[s].gref % 4];
        }
        for (unsigned p = 0; p < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; p++) {
            req.indirect_grefs[p] = t->refs[req.indirect_grefs[p] % 4];
        }
        req.id = i;
        if (blkfront_submit_raw(t->bf, 0, &req, answered, t) == 0) {
            sent++;
        }
    }
    for (int i = 0; i < 20000 && t->answered - before < sent; i++) {
        event_loop_run_once(t->loop, 1, NULL);
    }
    /* Every request answered once, and nothing more. */
    pump(t, 3);
    if (t->answered - before != sent || !t->connected ||
        !blkfront_connected(t->bf)) {
        abort();
    }
    check_alive(t, data[0]);
    return 0;
}
