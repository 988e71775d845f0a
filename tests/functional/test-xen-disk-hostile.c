/*
 * Hostile frontends against the block backend: every request a guest can
 * get wrong is answered with an error carrying its id, and the device and
 * its neighbours keep working; a broken ring or handshake fails that
 * device alone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "disk-fixture.h"

#define VDEV 51712
#define VDEV2 51728

typedef struct Hostile {
    Fixture *f;
    BlkFront *bf;
    BlkFront *other;
    uint32_t page_ref;          /* a page granted read-write */
    uint32_t ro_ref;            /* a page granted read-only */
    uint32_t list_ref;          /* an indirect page */
    struct blkif_request_segment *list;
} Hostile;

static uint32_t grant_page(Fixture *f, bool readonly, void **page)
{
    uint64_t gfn;
    void *p = xenner_guest_alloc_page(f->guest, &gfn);
    int ref;

    g_assert_nonnull(p);
    ref = xenner_guest_grant(f->guest, 0, gfn, readonly);
    g_assert_cmpint(ref, >=, 0);
    if (page) {
        *page = p;
    }
    return ref;
}

static void hostile_setup(Hostile *h, Fixture *f, const char *protocol)
{
    BlkFrontConfig cfg = { .indirect = true, .protocol = protocol };
    g_autofree char *image = make_raw(f, "a.img", DISK_SECTORS * SECTOR);
    g_autofree char *image2 = make_raw(f, "b.img", DISK_SECTORS * SECTOR);
    g_autofree char *params = g_strdup_printf("aio:%s", image);
    g_autofree char *params2 = g_strdup_printf("aio:%s", image2);

    h->f = f;
    h->bf = attach(f, VDEV, params, false, NULL, &cfg, NULL);
    h->other = attach(f, VDEV2, params2, false, NULL, &cfg, NULL);
    h->page_ref = grant_page(f, false, NULL);
    h->ro_ref = grant_page(f, true, NULL);
    h->list_ref = grant_page(f, true, (void **)&h->list);
}

/* The neighbour, and then the device itself, still do honest I/O. */
static void assert_alive(Hostile *h, bool self)
{
    g_autofree uint8_t *buf = g_malloc(16 * SECTOR);
    g_autofree uint8_t *back = g_malloc(16 * SECTOR);

    for (int i = 0; i < (self ? 2 : 1); i++) {
        BlkFront *bf = i ? h->bf : h->other;

        memset(buf, 0x3c + i, 16 * SECTOR);
        g_assert_cmpint(do_io(h->f, bf, 0, BLKIF_OP_WRITE, 64, buf, 16,
                              false), ==, BLKIF_RSP_OKAY);
        g_assert_cmpint(do_io(h->f, bf, 0, BLKIF_OP_READ, 64, back, 16,
                              false), ==, BLKIF_RSP_OKAY);
        g_assert_true(memcmp(buf, back, 16 * SECTOR) == 0);
    }
}

static BlkifRequest *rw(uint8_t op, uint64_t sector, uint32_t ref,
                        unsigned nseg)
{
    BlkifRequest *req = g_new0(BlkifRequest, 1);

    req->operation = req->data_op = op;
    req->id = 0xfeed0000u + sector;
    req->sector_number = sector;
    req->nr_segments = nseg;
    for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST;
         i++) {
        req->seg[i] = (BlkifSegment) { .gref = ref, .first_sect = 0,
                                       .last_sect = 7 };
    }
    return req;
}

/* Each request a guest can get wrong, and the status it must get. */
static void test_bad_requests(Fixture *f, gconstpointer data)
{
    Hostile h;
    g_autofree BlkifRequest *req = NULL;

    hostile_setup(&h, f, data);

    /* Past the end of the disk, and a range whose end overflows. */
    req = rw(BLKIF_OP_READ, DISK_SECTORS - 4, h.page_ref, 1);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    req = rw(BLKIF_OP_WRITE, UINT64_MAX - 3, h.page_ref, 1);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    /* first_sect > last_sect; last_sect past the page. */
    req = rw(BLKIF_OP_READ, 0, h.page_ref, 1);
    req->seg[0].first_sect = 5;
    req->seg[0].last_sect = 2;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    req->seg[0].first_sect = 0;
    req->seg[0].last_sect = 8;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    /* No segments, and more than a direct request holds. */
    req = rw(BLKIF_OP_READ, 0, h.page_ref, 0);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    req = rw(BLKIF_OP_WRITE, 0, h.page_ref, 12);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    req->nr_segments = 255;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    /* A grant never given, and a read into a read-only grant. */
    req = rw(BLKIF_OP_WRITE, 0, 4000, 1);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    req->operation = req->data_op = BLKIF_OP_READ;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    req = rw(BLKIF_OP_READ, 0, h.ro_ref, 1);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    /* Operations that do not exist. */
    req = rw(99, 0, h.page_ref, 1);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_EOPNOTSUPP);
    req->operation = req->data_op = BLKIF_OP_RESERVED_1;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_EOPNOTSUPP);
    g_free(req);
    /* A discard past the end. */
    req = g_new0(BlkifRequest, 1);
    req->operation = req->data_op = BLKIF_OP_DISCARD;
    req->id = 77;
    req->sector_number = DISK_SECTORS - 1;
    req->nr_sectors = 2;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    g_free(req);
    req = NULL;
    assert_alive(&h, true);
}

static BlkifRequest *indirect(Hostile *h, uint8_t op, unsigned nseg)
{
    BlkifRequest *req = g_new0(BlkifRequest, 1);

    req->operation = BLKIF_OP_INDIRECT;
    req->data_op = op;
    req->id = 0xabcd;
    req->nr_segments = nseg;
    req->nr_indirect_pages = 1;
    req->indirect_grefs[0] = h->list_ref;
    for (unsigned i = 0; i < BLKIF_SEGS_PER_INDIRECT_PAGE; i++) {
        h->list[i] = (struct blkif_request_segment) {
            .gref = h->page_ref, .first_sect = 0, .last_sect = 7,
        };
    }
    return req;
}

/* Indirect requests whose page count, pages or segments lie. */
static void test_bad_indirect(Fixture *f, gconstpointer data)
{
    Hostile h;
    g_autofree BlkifRequest *req = NULL;

    hostile_setup(&h, f, data);
    /* The honest one first: 20 segments of the same page. */
    req = indirect(&h, BLKIF_OP_WRITE, 20);
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_OKAY);
    /* More segments than offered (and than one indirect page holds). */
    req->nr_segments = 257;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    req->nr_segments = 600;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    req->nr_segments = 0;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    /* An indirect page never granted. */
    req->nr_segments = 20;
    req->indirect_grefs[0] = 4001;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    /* A bad segment inside the page. */
    req->indirect_grefs[0] = h.list_ref;
    h.list[13].last_sect = 9;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    h.list[13].last_sect = 7;
    h.list[3].gref = 4002;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    h.list[3].gref = h.page_ref;
    /* Only READ and WRITE may be indirect. */
    req->data_op = BLKIF_OP_DISCARD;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_ERROR);
    req->data_op = BLKIF_OP_READ;
    g_assert_cmpint(do_raw(f, h.bf, req), ==, BLKIF_RSP_OKAY);
    assert_alive(&h, true);
}

/* Requests overwritten before they were answered: the device fails. */
static void test_ring_overflow(Fixture *f, gconstpointer data)
{
    Hostile h;
    struct blkif_sring *s;
    g_autofree char *error = NULL, *state = NULL;

    hostile_setup(&h, f, NULL);
    s = blkfront_sring(h.bf, 0);
    __atomic_store_n(&s->req_prod, s->rsp_prod + blkfront_ring_size(h.bf) + 5,
                     __ATOMIC_RELEASE);
    xenner_guest_notify(f->guest, blkfront_port(h.bf, 0));
    pump(f, 50);
    error = be_key(f, VDEV, "error");
    g_assert_nonnull(error);
    g_test_message("error = %s", error);
    state = be_key(f, VDEV, "state");
    g_assert_cmpint(atoi(state), >=, XenbusStateClosing);
    assert_alive(&h, false);
}

/* A frontend whose handshake lies gets an error node, nothing else. */
static void test_bad_handshake(Fixture *f, gconstpointer data)
{
    static const char *const bad[][2] = {
        { "ring-ref", "4000" },
        { "event-channel", "100000" },
        { "protocol", "sparc-abi" },
        { "multi-queue-num-queues", "99" },
        { "ring-page-order", "9" },
    };
    const unsigned idx = GPOINTER_TO_UINT(data);
    g_autofree char *image = make_raw(f, "c.img", 1 << 20);
    g_autofree char *params = g_strdup_printf("aio:%s", image);
    g_autofree char *dir = g_strdup_printf("device/vbd/%u", VDEV);
    g_autofree char *error = NULL;
    XenDiskOpts opts;
    uint64_t gfn;
    int ref, port;

    xen_disk_opts_default(&opts);
    g_assert_true(xen_disk_create(f->be, f->host, DOMID, VDEV, "xvda",
                                  params, false, false, &opts, NULL));
    pump(f, 10);
    g_assert_nonnull(xenner_guest_alloc_page(f->guest, &gfn));
    ref = xenner_guest_grant(f->guest, 0, gfn, false);
    port = xenner_guest_alloc_unbound(f->guest, 0, NULL, NULL);
    g_assert_cmpint(ref, >=, 0);
    g_assert_cmpint(port, >, 0);
    xenner_guest_xs_printf(f->guest, "device/vbd/51712/ring-ref", "%d", ref);
    xenner_guest_xs_printf(f->guest, "device/vbd/51712/event-channel", "%d",
                           port);
    if (idx < G_N_ELEMENTS(bad)) {
        g_autofree char *key = g_strdup_printf("%s/%s", dir, bad[idx][0]);

        xenner_guest_xs_printf(f->guest, key, "%s", bad[idx][1]);
    }
    xenner_guest_switch_state(f->guest, dir, XenbusStateInitialised);
    pump(f, 50);
    error = be_key(f, VDEV, "error");
    g_assert_nonnull(error);
    g_test_message("%s=%s: %s", bad[idx][0], bad[idx][1], error);
}

int main(int argc, char **argv)
{
    static const char *const abis[] = { NULL, "x86_32-abi", "x86_64-abi" };
    static const char *const abi_names[] = { "default", "x86_32", "x86_64" };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(abis); i++) {
        g_autofree char *p1 = g_strdup_printf("/disk-hostile/requests/%s",
                                              abi_names[i]);
        g_autofree char *p2 = g_strdup_printf("/disk-hostile/indirect/%s",
                                              abi_names[i]);

        g_test_add(p1, Fixture, abis[i], fixture_setup, test_bad_requests,
                   fixture_teardown);
        g_test_add(p2, Fixture, abis[i], fixture_setup, test_bad_indirect,
                   fixture_teardown);
    }
    g_test_add("/disk-hostile/ring-overflow", Fixture, NULL, fixture_setup,
               test_ring_overflow, fixture_teardown);
    for (unsigned i = 0; i < 5; i++) {
        g_autofree char *p = g_strdup_printf("/disk-hostile/handshake/%u", i);

        g_test_add(p, Fixture, GUINT_TO_POINTER(i), fixture_setup,
                   test_bad_handshake, fixture_teardown);
    }
    return g_test_run();
}
