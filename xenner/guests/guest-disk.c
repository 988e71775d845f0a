/*
 * The disk test guest; see programs.h for the check it runs and the
 * pattern it writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "guest-disk.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#include "blkfront.h"
#include "programs.h"
#include "util/parse.h"

#define SECTOR 512u

typedef enum {
    PHASE_IDLE,
    PHASE_RO_WRITE,     /* the one write a read-only disk must refuse */
    PHASE_WRITE,
    PHASE_FLUSH,
    PHASE_READ,
} Phase;

typedef struct GuestDisk GuestDisk;

typedef struct DiskReq {
    GuestDisk *d;
    unsigned queue;
    uint64_t sector;
    uint32_t nr;
    size_t off;                 /* in wbuf / rbuf */
} DiskReq;

struct GuestDisk {
    GuestDisks *gd;
    unsigned vdev;
    BlkFront *bf;
    Phase phase;
    bool dying;
    bool readonly;
    bool reconnecting;          /* ours: rerun, then xenner-cmd-done */
    bool reconnect_pending;     /* asked for while a check ran */
    bool report_done;
    DiskReq *reqs;
    unsigned nr_reqs;           /* over the ranges */
    unsigned phase_nr;          /* requests of this phase */
    unsigned next;              /* the next to submit in this phase */
    unsigned inflight;
    unsigned writes, reads;
    int16_t ro_status;
    DiskReq ro_req;             /* the write refused, or the flush */
    uint8_t *wbuf, *rbuf;
    size_t len;
    char *fail;
    EventLoopTimer *retry;
};

struct GuestDisks {
    XennerGuest *g;
    BlkFrontConfig cfg;
    GHashTable *disks;          /* vdev -> GuestDisk */
    XenXsWatch *watch;
};

static const char *const disk_keys[] = { GUEST_DISK_KEYS, NULL };

static void disk_kick(void *opaque);

static EventLoop *disk_loop(GuestDisk *d)
{
    return xenner_guest_loop(d->gd->g);
}

/* ---- the result ----------------------------------------------------- */

static void disk_report(GuestDisk *d)
{
    g_autofree char *key = g_strdup_printf("data/disk/%u", d->vdev);

    if (d->fail) {
        xenner_guest_xs_printf(d->gd->g, key, "fail %s", d->fail);
    } else if (d->readonly) {
        xenner_guest_xs_printf(d->gd->g, key, "readonly-ok %u", d->reads);
    } else {
        xenner_guest_xs_printf(d->gd->g, key, "ok %u %u", d->writes,
                               d->reads);
    }
    if (d->report_done) {
        d->report_done = false;
        xenner_guest_xs_printf(d->gd->g, "data/xenner-cmd-done",
                               "disk-reconnect %u", d->vdev);
    }
}

static G_GNUC_PRINTF(2, 3)
void disk_fail(GuestDisk *d, const char *fmt, ...)
{
    va_list ap;

    if (d->fail) {
        return;
    }
    va_start(ap, fmt);
    d->fail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void disk_finish(GuestDisk *d)
{
    d->phase = PHASE_IDLE;
    g_clear_pointer(&d->reqs, g_free);
    g_clear_pointer(&d->wbuf, g_free);
    g_clear_pointer(&d->rbuf, g_free);
    disk_report(d);
    if (d->reconnect_pending && !d->dying) {
        d->reconnect_pending = false;
        d->reconnecting = true;
        d->report_done = true;
        blkfront_reconnect(d->bf);
    }
}

/* ---- the check -------------------------------------------------------- */

/* The ranges of programs.h, in requests of 128, 32, 8 or 1 sectors. */
static bool disk_plan(GuestDisk *d)
{
    static const uint32_t chunks[] = { 128, 32, 8, 1 };
    uint64_t sectors = blkfront_sectors(d->bf);
    unsigned nq = MAX(blkfront_nr_queues(d->bf), 1u);
    uint32_t max_chunk = blkfront_max_segments(d->bf) * (4096 / SECTOR);
    unsigned n = MIN(GUEST_PROGRAM_DISK_RANGES,
                     sectors / GUEST_PROGRAM_DISK_STRIDE);
    GArray *reqs = g_array_new(false, true, sizeof(DiskReq));
    size_t off = 0;

    if (!n && sectors >= GUEST_PROGRAM_DISK_LEN) {
        n = 1;
    }
    if (!n || !max_chunk) {
        disk_fail(d, "disk too small (%" PRIu64 " sectors)", sectors);
        g_array_free(reqs, true);
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t start = (uint64_t)i * GUEST_PROGRAM_DISK_STRIDE;
        uint32_t chunk = MIN(chunks[i % G_N_ELEMENTS(chunks)], max_chunk);

        for (uint32_t s = 0; s < GUEST_PROGRAM_DISK_LEN; s += chunk) {
            DiskReq r = {
                .d = d,
                .queue = reqs->len % nq,
                .sector = start + s,
                .nr = MIN(chunk, GUEST_PROGRAM_DISK_LEN - s),
                .off = off + (size_t)s * SECTOR,
            };

            g_array_append_val(reqs, r);
        }
        off += (size_t)GUEST_PROGRAM_DISK_LEN * SECTOR;
    }
    d->len = off;
    d->nr_reqs = reqs->len;
    d->reqs = (DiskReq *)g_array_free(reqs, false);
    d->wbuf = g_malloc(d->len);
    d->rbuf = g_malloc0(d->len);
    for (unsigned i = 0; i < d->nr_reqs; i++) {
        DiskReq *r = &d->reqs[i];

        for (size_t b = 0; b < (size_t)r->nr * SECTOR; b++) {
            d->wbuf[r->off + b] = guest_disk_pattern(
                d->vdev, r->sector * SECTOR + b);
        }
    }
    return true;
}

static void disk_done(void *opaque, int16_t status)
{
    DiskReq *r = opaque;
    GuestDisk *d = r->d;

    if (d->dying) {
        return;
    }
    d->inflight--;
    switch (d->phase) {
    case PHASE_RO_WRITE:
        d->ro_status = status;
        break;
    case PHASE_FLUSH:
        if (status != BLKIF_RSP_OKAY) {
            disk_fail(d, "flush status %d", status);
        }
        break;
    default:
        if (status != BLKIF_RSP_OKAY) {
            disk_fail(d, "%s of %u at sector %" PRIu64 " status %d",
                      d->phase == PHASE_WRITE ? "write" : "read", r->nr,
                      r->sector, status);
        }
        break;
    }
    event_loop_schedule(disk_loop(d), disk_kick, d);
}

static void disk_retry(void *opaque)
{
    GuestDisk *d = opaque;

    event_loop_del_timer(disk_loop(d), d->retry);
    d->retry = NULL;
    disk_kick(d);
}

/* Submits what the ring takes; false while requests are still due. */
static bool disk_pump(GuestDisk *d)
{
    uint8_t op;

    while (d->next < d->phase_nr && !d->fail) {
        DiskReq *r = &d->reqs[d->next];
        int ret;

        switch (d->phase) {
        case PHASE_RO_WRITE:
            ret = blkfront_submit(d->bf, 0, BLKIF_OP_WRITE, 0, d->wbuf, 8,
                                  false, disk_done, &d->ro_req);
            break;
        case PHASE_FLUSH:
            ret = blkfront_submit(d->bf, 0, BLKIF_OP_FLUSH_DISKCACHE, 0,
                                  NULL, 0, false, disk_done, &d->ro_req);
            break;
        default:
            op = d->phase == PHASE_WRITE ? BLKIF_OP_WRITE : BLKIF_OP_READ;
            ret = blkfront_submit(d->bf, r->queue, op, r->sector,
                                  (op == BLKIF_OP_WRITE ? d->wbuf : d->rbuf) +
                                  r->off, r->nr, false, disk_done, r);
            break;
        }
        if (ret == -EBUSY) {
            if (!d->inflight && !d->retry) {
                d->retry = event_loop_add_timer(disk_loop(d), 2, disk_retry,
                                                d, NULL);
            }
            return false;
        }
        if (ret) {
            disk_fail(d, "submit: %s", g_strerror(-ret));
            break;
        }
        d->next++;
        d->inflight++;
        if (d->phase == PHASE_WRITE) {
            d->writes++;
        } else if (d->phase == PHASE_READ) {
            d->reads++;
        }
    }
    return !d->inflight;
}

static void disk_phase(GuestDisk *d, Phase phase, unsigned nr)
{
    d->phase = phase;
    d->next = 0;
    d->phase_nr = nr;
}

static void disk_kick(void *opaque)
{
    GuestDisk *d = opaque;

    if (d->phase == PHASE_IDLE || !disk_pump(d)) {
        return;
    }
    if (d->fail) {
        disk_finish(d);
        return;
    }
    /* The phase is over: on to the next. */
    switch (d->phase) {
    case PHASE_RO_WRITE:
        if (d->ro_status != BLKIF_RSP_ERROR) {
            disk_fail(d, "a write to a read-only disk got status %d",
                      d->ro_status);
            disk_finish(d);
            return;
        }
        disk_phase(d, PHASE_READ, d->nr_reqs);
        break;
    case PHASE_WRITE:
        if (blkfront_has_feature(d->bf, "feature-flush-cache")) {
            disk_phase(d, PHASE_FLUSH, 1);
            break;
        }
        /* fall through */
    case PHASE_FLUSH:
        disk_phase(d, PHASE_READ, d->nr_reqs);
        break;
    case PHASE_READ:
        if (!d->readonly && memcmp(d->wbuf, d->rbuf, d->len)) {
            size_t i = 0;

            while (d->wbuf[i] == d->rbuf[i]) {
                i++;
            }
            disk_fail(d, "read back differs at byte %zu of the ranges "
                      "(0x%02x, not 0x%02x)", i, d->rbuf[i], d->wbuf[i]);
        }
        disk_finish(d);
        return;
    default:
        return;
    }
    event_loop_schedule(disk_loop(d), disk_kick, d);
}

static void disk_check(GuestDisk *d)
{
    g_clear_pointer(&d->fail, g_free);
    d->writes = d->reads = 0;
    d->readonly = blkfront_info(d->bf) & VDISK_READONLY;
    d->ro_req = (DiskReq) { .d = d };
    if (!disk_plan(d)) {
        disk_finish(d);
        return;
    }
    if (d->readonly) {
        d->ro_status = BLKIF_RSP_OKAY;
        disk_phase(d, PHASE_RO_WRITE, 1);
    } else {
        disk_phase(d, PHASE_WRITE, d->nr_reqs);
    }
    event_loop_schedule(disk_loop(d), disk_kick, d);
}

/* ---- devices ---------------------------------------------------------- */

static void disk_state(void *opaque, BlkFront *bf, bool connected)
{
    GuestDisk *d = opaque;

    if (d->dying) {
        return;
    }
    if (connected) {
        d->reconnecting = false;
        if (d->phase == PHASE_IDLE) {
            disk_check(d);
        }
        return;
    }
    if (d->reconnecting) {
        return;
    }
    /* Given up, or the backend went away. */
    disk_fail(d, "not connected");
    if (d->phase == PHASE_IDLE) {
        disk_report(d);
        g_clear_pointer(&d->fail, g_free);
    }
}

static void disk_free(gpointer p)
{
    GuestDisk *d = p;

    d->dying = true;
    event_loop_cancel(disk_loop(d), disk_kick, d);
    event_loop_del_timer(disk_loop(d), d->retry);
    /* Requests in flight fail to disk_done, which ignores them now. */
    blkfront_free(d->bf);
    g_free(d->reqs);
    g_free(d->wbuf);
    g_free(d->rbuf);
    g_free(d->fail);
    g_free(d);
}

static void disk_add(void *opaque, unsigned vdev)
{
    GuestDisks *gd = opaque;
    GuestDisk *d = g_new0(GuestDisk, 1);

    d->gd = gd;
    d->vdev = vdev;
    g_hash_table_insert(gd->disks, GUINT_TO_POINTER(vdev), d);
    d->bf = blkfront_new(gd->g, vdev, &gd->cfg, disk_state, d);
}

static void disks_scan(void *opaque, const char *path)
{
    GuestDisks *gd = opaque;

    xenner_guest_scan_devices(gd->g, "vbd", gd->disks, disk_add, gd);
}

bool guest_disks_keys_given(QemuOpts *opts)
{
    return guest_program_keys_given(opts, disk_keys);
}

GuestDisks *guest_disks_new(XennerGuest *g, QemuOpts *opts, Error **errp)
{
    GuestDisks *gd;
    uint64_t queues, order;
    bool persistent, indirect;

    if (!qemu_opt_get_number(opts, "disk-queues", 2, 16, &queues, errp) ||
        !qemu_opt_get_number(opts, "disk-ring-order", 2,
                             BLKIF_MAX_RING_PAGE_ORDER, &order, errp) ||
        !guest_program_bool(opts, "disk-persistent", true, &persistent, errp) ||
        !guest_program_bool(opts, "disk-indirect", true, &indirect, errp)) {
        return NULL;
    }
    gd = g_new0(GuestDisks, 1);
    gd->g = g;
    gd->cfg = (BlkFrontConfig) {
        .indirect = indirect,
        .persistent = persistent,
        .nr_queues = queues,
        .ring_page_order = order,
        .protocol = XEN_IO_PROTO_ABI_NATIVE,
    };
    gd->disks = g_hash_table_new_full(NULL, NULL, NULL, disk_free);
    xenner_guest_xs_ops(g)->watch(xenner_guest_xs(g), "device/vbd",
                                  disks_scan, gd, &gd->watch);
    return gd;
}

bool guest_disks_command(GuestDisks *gd, const char *verb, unsigned vdev)
{
    GuestDisk *d = g_hash_table_lookup(gd->disks, GUINT_TO_POINTER(vdev));

    if (strcmp(verb, "disk-reconnect")) {
        return false;
    }
    if (!d) {
        xenner_guest_xs_printf(gd->g, "data/xenner-cmd-done",
                               "disk-reconnect %u: no such disk", vdev);
        return true;
    }
    if (d->phase != PHASE_IDLE) {
        d->reconnect_pending = true;
        return true;
    }
    d->reconnecting = true;
    d->report_done = true;
    blkfront_reconnect(d->bf);
    return true;
}

void guest_disks_free(GuestDisks *gd)
{
    if (!gd) {
        return;
    }
    if (gd->watch) {
        xenner_guest_xs_ops(gd->g)->unwatch(xenner_guest_xs(gd->g),
                                            gd->watch);
    }
    g_hash_table_destroy(gd->disks);
    g_free(gd);
}
