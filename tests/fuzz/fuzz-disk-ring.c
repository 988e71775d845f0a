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
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_disk.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Target *t = target_get();
    size_t slot = blkif_slot_size(BLKIF_ABI_NATIVE);
    unsigned n, sent = 0, before = t->answered;
    BlkifRequest req;

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
