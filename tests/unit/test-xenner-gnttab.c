/*
 * Unit tests of the Xenner grant table v1: the checks a map or a copy
 * makes, the GTF_reading/GTF_writing flags and their pin counts, a guest
 * racing with the mapper, and the guest-side grant and end of access,
 * held to what Xen and Linux's grant-table code do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "xenner/gnttab.h"
#include "xenner/gnttab_int.h"

#define NR_FRAMES 32
#define GUEST 5
#define BACKEND 0
#define OTHER 7

typedef struct GtFixture {
    XennerMem *mem;
    XennerGnttab *gt;
    /* Two frames, out of order, so that entry 512 is not after 511. */
    uint64_t table[2];
} GtFixture;

static void gt_setup(GtFixture *f, gconstpointer data)
{
    uint64_t g[8];
    const uint64_t spare[] = { 0, 1, 2, 4, 5, 6 };
    Error *err = NULL;

    f->mem = xenner_mem_new(NR_FRAMES, &err);
    g_assert_nonnull(f->mem);
    g_assert_true(xenner_mem_alloc_frames(f->mem, 8, g, NULL));
    g_assert_cmpint(xenner_mem_free_frames(f->mem, spare, 6), ==, 0);
    f->table[0] = 7;
    f->table[1] = 3;
    f->gt = xenner_gnttab_new(f->mem, GUEST, f->table, 2, &err);
    g_assert_null(err);
    g_assert_nonnull(f->gt);
}

static void gt_teardown(GtFixture *f, gconstpointer data)
{
    xenner_gnttab_free(f->gt);
    xenner_mem_free(f->mem);
}

#define GT_ADD(path, fn) \
    g_test_add((path), GtFixture, NULL, gt_setup, (fn), gt_teardown)

/* A fresh guest frame whose bytes are all @fill. */
static uint64_t gt_frame(GtFixture *f, uint8_t fill)
{
    uint64_t gfn;

    g_assert_true(xenner_mem_alloc_frames(f->mem, 1, &gfn, NULL));
    memset(xenner_mem_frame(f->mem, gfn), fill, XENNER_PAGE_SIZE);
    return gfn;
}

static uint8_t *gt_page(GtFixture *f, uint64_t gfn)
{
    return xenner_mem_frame(f->mem, gfn);
}

/* Grants a fresh frame filled with @fill through @ref; returns the frame. */
static uint64_t gt_grant(GtFixture *f, uint32_t ref, uint16_t domid,
                         bool readonly, uint8_t fill)
{
    uint64_t gfn = gt_frame(f, fill);

    g_assert_true(xenner_gnttab_grant(f->gt, ref, domid, gfn, readonly));
    return gfn;
}

static uint16_t gt_flags(GtFixture *f, uint32_t ref)
{
    return __atomic_load_n(&xenner_gnttab_entry(f->gt, ref)->flags,
                           __ATOMIC_ACQUIRE);
}

/* The flags a guest sees on an entry it granted, by what is mapped. */
#define RW (GTF_permit_access)
#define RO (GTF_permit_access | GTF_readonly)
#define MAPPED_R GTF_reading
#define MAPPED_W (GTF_reading | GTF_writing)

/* ---- the table ------------------------------------------------------ */

static void test_new_bad(GtFixture *f, gconstpointer data)
{
    uint64_t gfns[XENNER_GNTTAB_MAX_FRAMES + 1] = { 0 };
    Error *err = NULL;

    g_assert_null(xenner_gnttab_new(f->mem, GUEST, gfns, 0, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    for (unsigned i = 0; i < G_N_ELEMENTS(gfns); i++) {
        gfns[i] = i % NR_FRAMES;
    }
    g_assert_null(xenner_gnttab_new(f->mem, GUEST, gfns,
                                    XENNER_GNTTAB_MAX_FRAMES + 1, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    gfns[1] = NR_FRAMES;
    g_assert_null(xenner_gnttab_new(f->mem, GUEST, gfns, 2, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    gfns[1] = 0;
    g_assert_null(xenner_gnttab_new(f->mem, GUEST, gfns, 2, &err));
    g_assert_nonnull(err);
    error_free(err);
}

static void test_entries(GtFixture *f, gconstpointer data)
{
    grant_entry_v1_t *t0 = xenner_mem_frame(f->mem, f->table[0]);
    grant_entry_v1_t *t1 = xenner_mem_frame(f->mem, f->table[1]);

    g_assert_cmpuint(XENNER_GNTTAB_ENTRIES_PER_FRAME, ==, 512);
    g_assert_cmpuint(xenner_gnttab_nr_entries(f->gt), ==, 1024);
    g_assert_cmpuint(xenner_gnttab_owner(f->gt), ==, GUEST);
    g_assert_true(xenner_gnttab_entry(f->gt, 0) == &t0[0]);
    g_assert_true(xenner_gnttab_entry(f->gt, 511) == &t0[511]);
    g_assert_true(xenner_gnttab_entry(f->gt, 512) == &t1[0]);
    g_assert_true(xenner_gnttab_entry(f->gt, 1023) == &t1[511]);
    g_assert_null(xenner_gnttab_entry(f->gt, 1024));
    g_assert_null(xenner_gnttab_entry(f->gt, UINT32_MAX));
}

static void test_grant(GtFixture *f, gconstpointer data)
{
    uint64_t gfn = gt_frame(f, 0);
    grant_entry_v1_t *ent = xenner_gnttab_entry(f->gt, 600);

    g_assert_true(xenner_gnttab_grant(f->gt, 600, BACKEND, gfn, true));
    g_assert_cmpuint(ent->flags, ==, RO);
    g_assert_cmpuint(ent->domid, ==, BACKEND);
    g_assert_cmpuint(ent->frame, ==, gfn);
    g_assert_true(xenner_gnttab_grant(f->gt, 600, OTHER, gfn, false));
    g_assert_cmpuint(ent->flags, ==, RW);
    g_assert_cmpuint(ent->domid, ==, OTHER);

    g_assert_false(xenner_gnttab_grant(f->gt, 1024, BACKEND, gfn, false));
    g_assert_false(xenner_gnttab_grant(f->gt, 601, BACKEND,
                                       (uint64_t)UINT32_MAX + 1, false));
    g_assert_cmpuint(gt_flags(f, 601), ==, 0);

    g_assert_true(xenner_gnttab_end_access(f->gt, 600));
    g_assert_cmpuint(gt_flags(f, 600), ==, 0);
    g_assert_false(xenner_gnttab_end_access(f->gt, 1024));
}

/*
 * A table whose guest places its frames one by one (xenner_pvh): refs
 * past the frames in use are outside it; what is mapped stays releasable
 * when they shrink.
 */
static void test_frames_in_use(GtFixture *f, gconstpointer data)
{
    uint64_t gfn = gt_grant(f, 8, BACKEND, false, 0x21);
    gt_grant(f, 600, BACKEND, false, 0x22);
    const uint32_t r8[] = { 8 }, r600[] = { 600 };
    XennerGntCopySeg seg = { .ref = 8, .len = 1 };
    uint8_t byte;
    void *win, *win2;

    seg.buf = &byte;
    g_assert_cmpuint(xenner_gnttab_frames_in_use(f->gt), ==, 2);
    xenner_gnttab_set_frames_in_use(f->gt, 0);
    g_assert_null(xenner_gnttab_entry(f->gt, 0));
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, r8, true,
                                           &win), ==, -EINVAL);
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, &seg, 1), ==,
                    -EINVAL);
    g_assert_false(xenner_gnttab_grant(f->gt, 8, BACKEND, gfn, false));

    xenner_gnttab_set_frames_in_use(f->gt, 1);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, r8, true,
                                           &win), ==, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, r600, true,
                                           &win2), ==, -EINVAL);

    xenner_gnttab_set_frames_in_use(f->gt, 99);     /* clamped */
    g_assert_cmpuint(xenner_gnttab_frames_in_use(f->gt), ==, 2);
    g_assert_cmpuint(gt_flags(f, 600), ==, RW);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, r600, false,
                                           &win2), ==, 0);
    g_assert_cmpuint(((uint8_t *)win2)[0], ==, 0x22);

    /* Out of use under a mapping: the unmaps still clear the flags. */
    xenner_gnttab_set_frames_in_use(f->gt, 0);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, r8, 1), ==, 0);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win2, r600, 1), ==, 0);
    xenner_gnttab_set_frames_in_use(f->gt, 2);
    g_assert_cmpuint(gt_flags(f, 8), ==, RW);
    g_assert_cmpuint(gt_flags(f, 600), ==, RW);
}

/* ---- maps ----------------------------------------------------------- */

static void test_map_rw(GtFixture *f, gconstpointer data)
{
    uint64_t gfn = gt_grant(f, 8, BACKEND, false, 0x11);
    const uint32_t refs[] = { 8 };
    uint8_t *win;

    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, refs, true,
                                           (void **)&win), ==, 0);
    g_assert_cmpuint(gt_flags(f, 8), ==, RW | MAPPED_W);

    g_assert_cmpuint(win[100], ==, 0x11);
    gt_page(f, gfn)[100] = 0x12;
    g_assert_cmpuint(win[100], ==, 0x12);
    win[XENNER_PAGE_SIZE - 1] = 0x13;
    g_assert_cmpuint(gt_page(f, gfn)[XENNER_PAGE_SIZE - 1], ==, 0x13);

    /* The guest cannot take the page back while it is mapped. */
    g_assert_false(xenner_gnttab_end_access(f->gt, 8));
    g_assert_false(xenner_gnttab_grant(f->gt, 8, OTHER, gfn, false));
    g_assert_cmpuint(gt_flags(f, 8), ==, RW | MAPPED_W);

    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, refs, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 8), ==, RW);
    g_assert_true(xenner_gnttab_end_access(f->gt, 8));
    g_assert_cmpuint(gt_flags(f, 8), ==, 0);
}

static void test_map_ro(GtFixture *f, gconstpointer data)
{
    uint64_t gfn = gt_grant(f, 9, BACKEND, true, 0x21);
    const uint32_t refs[] = { 9 };
    uint8_t *win = NULL;
    int fds[2];

    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, refs, true,
                                           (void **)&win), ==, -EACCES);
    g_assert_null(win);
    g_assert_cmpuint(gt_flags(f, 9), ==, RO);

    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, refs, false,
                                           (void **)&win), ==, 0);
    g_assert_cmpuint(gt_flags(f, 9), ==, RO | MAPPED_R);
    g_assert_cmpuint(win[0], ==, 0x21);
    gt_page(f, gfn)[0] = 0x22;
    g_assert_cmpuint(win[0], ==, 0x22);

    /* The kernel refuses to store into the window: EFAULT, not SIGSEGV. */
    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_cmpint(write(fds[1], "x", 1), ==, 1);
    g_assert_cmpint(read(fds[0], win, 1), ==, -1);
    g_assert_cmpint(errno, ==, EFAULT);
    close(fds[0]);
    close(fds[1]);
    g_assert_cmpuint(gt_page(f, gfn)[0], ==, 0x22);

    /* A writable grant may be mapped read-only: only GTF_reading. */
    gt_grant(f, 10, BACKEND, false, 0);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, refs, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 9), ==, RO);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1,
                                           (const uint32_t[]){ 10 }, false,
                                           (void **)&win), ==, 0);
    g_assert_cmpuint(gt_flags(f, 10), ==, RW | MAPPED_R);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, (const uint32_t[]){ 10 },
                                        1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 10), ==, RW);
}

static void test_map_many(GtFixture *f, gconstpointer data)
{
    /* Refs in both table frames, frames in no particular order. */
    const uint32_t refs[] = { 700, 8, 511, 512 };
    uint64_t gfns[4];
    uint8_t *win;

    for (unsigned i = 0; i < 4; i++) {
        gfns[i] = gt_grant(f, refs[i], BACKEND, false, 0xa0 + i);
    }
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 4, refs, true,
                                           (void **)&win), ==, 0);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmpuint(win[i * XENNER_PAGE_SIZE + 5], ==, 0xa0 + i);
        g_assert_cmpuint(gt_flags(f, refs[i]), ==, RW | MAPPED_W);
        win[i * XENNER_PAGE_SIZE] = 0xb0 + i;
        g_assert_cmpuint(gt_page(f, gfns[i])[0], ==, 0xb0 + i);
    }
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, refs, 4), ==, 0);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmpuint(gt_flags(f, refs[i]), ==, RW);
    }
}

/* Maps @ref alone; returns the result, unmapping on success. */
static int map_one(GtFixture *f, uint16_t domid, uint32_t ref, bool writable)
{
    void *win = NULL;
    int ret = xenner_gnttab_map_refs(f->gt, domid, 1, &ref, writable, &win);

    if (ret == 0) {
        g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, &ref, 1), ==, 0);
    } else {
        g_assert_null(win);
    }
    return ret;
}

static void test_map_checks(GtFixture *f, gconstpointer data)
{
    grant_entry_v1_t *ent = xenner_gnttab_entry(f->gt, 20);
    uint64_t gfn = gt_frame(f, 0);

    /* Never granted. */
    g_assert_cmpint(map_one(f, BACKEND, 20, false), ==, -EPERM);
    g_assert_cmpuint(gt_flags(f, 20), ==, 0);

    /* Granted, but to another domain. */
    g_assert_true(xenner_gnttab_grant(f->gt, 20, OTHER, gfn, false));
    g_assert_cmpint(map_one(f, BACKEND, 20, false), ==, -EPERM);
    g_assert_cmpint(map_one(f, OTHER, 20, true), ==, 0);
    g_assert_cmpuint(gt_flags(f, 20), ==, RW);

    /* Other entry types and sub-page grants cannot be mapped. */
    ent->domid = BACKEND;
    ent->flags = GTF_accept_transfer;
    g_assert_cmpint(map_one(f, BACKEND, 20, false), ==, -EPERM);
    ent->flags = GTF_transitive;
    g_assert_cmpint(map_one(f, BACKEND, 20, false), ==, -EPERM);
    ent->flags = GTF_permit_access | GTF_sub_page;
    g_assert_cmpint(map_one(f, BACKEND, 20, false), ==, -EPERM);
    g_assert_cmpuint(gt_flags(f, 20), ==, GTF_permit_access | GTF_sub_page);

    /* Cache attribute flags do not get in the way. */
    ent->flags = GTF_permit_access | GTF_PAT | GTF_PWT;
    g_assert_cmpint(map_one(f, BACKEND, 20, true), ==, 0);

    /* Refs outside the table. */
    g_assert_cmpint(map_one(f, BACKEND, 1024, false), ==, -EINVAL);
    g_assert_cmpint(map_one(f, BACKEND, UINT32_MAX, false), ==, -EINVAL);

    /* Frames outside the guest's memory, or its grant table's own. */
    ent->frame = NR_FRAMES;
    ent->flags = GTF_permit_access;
    g_assert_cmpint(map_one(f, BACKEND, 20, true), ==, -EINVAL);
    g_assert_cmpuint(gt_flags(f, 20), ==, RW);
    ent->frame = UINT32_MAX;
    g_assert_cmpint(map_one(f, BACKEND, 20, false), ==, -EINVAL);
    ent->frame = f->table[1];
    g_assert_cmpint(map_one(f, BACKEND, 20, true), ==, -EINVAL);
    g_assert_cmpuint(gt_flags(f, 20), ==, RW);

    /* No refs, or too many. */
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 0, NULL, false,
                                           &(void *){ NULL }), ==, -EINVAL);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND,
                                           XENNER_MEM_MAP_MAX + 1, NULL,
                                           false, &(void *){ NULL }), ==,
                    -EINVAL);
}

static void test_map_all_or_nothing(GtFixture *f, gconstpointer data)
{
    const uint32_t held[] = { 31 };
    void *keep, *win = NULL;
    uint32_t refs[] = { 30, 31, 32, 33 };

    gt_grant(f, 30, BACKEND, false, 0);
    gt_grant(f, 31, BACKEND, false, 0);
    gt_grant(f, 32, BACKEND, false, 0);
    gt_grant(f, 33, BACKEND, true, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, held, false,
                                           &keep), ==, 0);

    /* The last ref is read-only: nothing of the writable map stays. */
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 4, refs, true,
                                           &win), ==, -EACCES);
    g_assert_null(win);
    g_assert_cmpuint(gt_flags(f, 30), ==, RW);
    g_assert_cmpuint(gt_flags(f, 31), ==, RW | MAPPED_R);
    g_assert_cmpuint(gt_flags(f, 32), ==, RW);
    g_assert_cmpuint(gt_flags(f, 33), ==, RO);

    /* Same with a ref past the table in the middle. */
    refs[2] = 5000;
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 3, refs, true,
                                           &win), ==, -EINVAL);
    g_assert_cmpuint(gt_flags(f, 30), ==, RW);
    g_assert_cmpuint(gt_flags(f, 31), ==, RW | MAPPED_R);

    /* The earlier map keeps its single pin. */
    g_assert_false(xenner_gnttab_end_access(f->gt, 31));
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, keep, held, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 31), ==, RW);
    g_assert_true(xenner_gnttab_end_access(f->gt, 31));
}

static void test_pin_count(GtFixture *f, gconstpointer data)
{
    const uint32_t ref[] = { 40 };
    const uint32_t twice[] = { 40, 40 };
    void *ro, *rw, *rw2;
    uint8_t *both;

    gt_grant(f, 40, BACKEND, false, 0x40);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, ref, false,
                                           &ro), ==, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, ref, true,
                                           &rw), ==, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 2, twice, true,
                                           (void **)&both), ==, 0);
    g_assert_cmpuint(gt_flags(f, 40), ==, RW | MAPPED_W);
    both[0] = 0x41;
    g_assert_cmpuint(both[XENNER_PAGE_SIZE], ==, 0x41);

    /* GTF_writing goes with the last writable pin, GTF_reading last. */
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, both, twice, 2), ==, 0);
    g_assert_cmpuint(gt_flags(f, 40), ==, RW | MAPPED_W);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, rw, ref, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 40), ==, RW | MAPPED_R);
    g_assert_false(xenner_gnttab_end_access(f->gt, 40));

    /* Writable again over the read-only pin, then the other way round. */
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, ref, true,
                                           &rw2), ==, 0);
    g_assert_cmpuint(gt_flags(f, 40), ==, RW | MAPPED_W);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, ro, ref, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 40), ==, RW | MAPPED_W);
    g_assert_false(xenner_gnttab_end_access(f->gt, 40));
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, rw2, ref, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 40), ==, RW);
    g_assert_true(xenner_gnttab_end_access(f->gt, 40));
    g_assert_cmpint(map_one(f, BACKEND, 40, false), ==, -EPERM);
}

static void test_unmap_bad(GtFixture *f, gconstpointer data)
{
    const uint32_t refs[] = { 50, 51 };
    const uint32_t swapped[] = { 51, 50 };
    uint8_t *win;

    gt_grant(f, 50, BACKEND, false, 0);
    gt_grant(f, 51, BACKEND, false, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 2, refs, true,
                                           (void **)&win), ==, 0);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win + XENNER_PAGE_SIZE,
                                        refs + 1, 1), ==, -EINVAL);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, refs, 1), ==, -EINVAL);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, swapped, 2), ==,
                    -EINVAL);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, NULL, refs, 2), ==, -EINVAL);
    g_assert_cmpuint(gt_flags(f, 50), ==, RW | MAPPED_W);
    win[0] = 1;

    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, refs, 2), ==, 0);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, refs, 2), ==, -EINVAL);
    g_assert_cmpuint(gt_flags(f, 50), ==, RW);
    g_assert_cmpuint(gt_flags(f, 51), ==, RW);
}

/*
 * A guest that rewrites a mapped entry, as a hostile one may, moves
 * nothing: further maps get the frame read when the first pin was taken,
 * as Xen's active entry keeps it, and only the domain first mapping.
 */
static void test_active_entry(GtFixture *f, gconstpointer data)
{
    grant_entry_v1_t *ent = xenner_gnttab_entry(f->gt, 60);
    const uint32_t ref[] = { 60 };
    uint64_t other = gt_frame(f, 0x77);
    uint8_t *win, *win2;

    gt_grant(f, 60, BACKEND, false, 0x66);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, ref, false,
                                           (void **)&win), ==, 0);
    ent->frame = other;
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, ref, true,
                                           (void **)&win2), ==, 0);
    g_assert_cmpuint(win2[0], ==, 0x66);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win2, ref, 1), ==, 0);

    /* Handed to another domain while the backend still maps it. */
    __atomic_store_n(&ent->domid, OTHER, __ATOMIC_RELEASE);
    g_assert_cmpint(map_one(f, OTHER, 60, false), ==, -EPERM);
    /* And the backend's own new maps are refused too: no longer granted. */
    g_assert_cmpint(map_one(f, BACKEND, 60, false), ==, -EPERM);
    g_assert_cmpuint(gt_flags(f, 60), ==, RW | MAPPED_R);

    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, ref, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 60), ==, RW);
    /* Once unpinned, the entry is read afresh. */
    g_assert_cmpint(map_one(f, OTHER, 60, false), ==, 0);
}

static void test_free_unpins(GtFixture *f, gconstpointer data)
{
    const uint32_t refs[] = { 70, 71 };
    grant_entry_v1_t *t0 = xenner_mem_frame(f->mem, f->table[0]);
    void *win;

    gt_grant(f, 70, BACKEND, false, 0);
    gt_grant(f, 71, BACKEND, true, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 2, refs, false,
                                           &win), ==, 0);
    g_assert_cmpuint(t0[71].flags, ==, RO | MAPPED_R);
    xenner_gnttab_free(f->gt);
    f->gt = NULL;
    g_assert_cmpuint(t0[70].flags, ==, RW);
    g_assert_cmpuint(t0[71].flags, ==, RO);
}

/* ---- a guest racing with the mapper --------------------------------- */

static void test_try_set_status(GtFixture *f, gconstpointer data)
{
    uint32_t granted = xenner_gnttab_word(GTF_permit_access, BACKEND);
    uint32_t word = 0;

    /* Read while granted, revoked before the swap: nothing is claimed. */
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, granted, BACKEND,
                                                 true, true), ==, -EAGAIN);
    g_assert_cmpuint(word, ==, 0);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, word, BACKEND,
                                                 true, true), ==, -EPERM);

    /* Made read-only in between: a writable claim fails on the re-read. */
    word = xenner_gnttab_word(RO, BACKEND);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, granted, BACKEND,
                                                 true, true), ==, -EAGAIN);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, word, BACKEND,
                                                 true, true), ==, -EACCES);
    g_assert_cmpuint(word, ==, xenner_gnttab_word(RO, BACKEND));

    /* Given to another domain in between. */
    word = xenner_gnttab_word(GTF_permit_access, OTHER);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, granted, BACKEND,
                                                 false, true), ==, -EAGAIN);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, word, BACKEND,
                                                 false, true), ==, -EPERM);

    /* Sub-page grants: copies only. */
    word = xenner_gnttab_word(GTF_permit_access | GTF_sub_page, BACKEND);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, word, BACKEND,
                                                 false, true), ==, -EPERM);
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, word, BACKEND,
                                                 false, false), ==, 0);
    g_assert_cmpuint(word, ==,
                     xenner_gnttab_word(GTF_permit_access | GTF_sub_page |
                                        GTF_reading, BACKEND));

    word = granted;
    g_assert_cmpint(xenner_gnttab_try_set_status(&word, word, BACKEND,
                                                 true, true), ==, 0);
    g_assert_cmpuint(word, ==, xenner_gnttab_word(RW | MAPPED_W, BACKEND));
}

/* What the racing guest does to the entry, and how many times. */
typedef struct Racer {
    GtFixture *f;
    uint32_t ref;
    unsigned calls;
    unsigned times;
    void (*act)(grant_entry_v1_t *ent, unsigned call);
} Racer;

static void racer_hook(void *opaque, uint32_t ref)
{
    Racer *r = opaque;

    g_assert_cmpuint(ref, ==, r->ref);
    if (r->calls < r->times) {
        r->act(xenner_gnttab_entry(r->f->gt, ref), r->calls);
    }
    r->calls++;
}

static void race_revoke(grant_entry_v1_t *ent, unsigned call)
{
    __atomic_store_n(&ent->flags, 0, __ATOMIC_RELEASE);
}

static void race_readonly(grant_entry_v1_t *ent, unsigned call)
{
    __atomic_fetch_or(&ent->flags, GTF_readonly, __ATOMIC_ACQ_REL);
}

static void race_domid(grant_entry_v1_t *ent, unsigned call)
{
    __atomic_store_n(&ent->domid, OTHER, __ATOMIC_RELEASE);
}

static void race_harmless(grant_entry_v1_t *ent, unsigned call)
{
    __atomic_fetch_xor(&ent->flags, GTF_PWT, __ATOMIC_ACQ_REL);
}

/* Maps ref 80, granted writable, while @act races with the first claim. */
static int race_map(GtFixture *f, void (*act)(grant_entry_v1_t *, unsigned),
                    unsigned times, bool writable, Racer *r)
{
    *r = (Racer){ .f = f, .ref = 80, .times = times, .act = act };
    gt_grant(f, 80, BACKEND, false, 0);
    xenner_gnttab_set_race_hook(f->gt, racer_hook, r);
    return map_one(f, BACKEND, 80, writable);
}

static void test_race_revoke(GtFixture *f, gconstpointer data)
{
    Racer r;

    g_assert_cmpint(race_map(f, race_revoke, 1, true, &r), ==, -EPERM);
    g_assert_cmpuint(r.calls, ==, 2);
    g_assert_cmpuint(gt_flags(f, 80), ==, 0);
}

static void test_race_readonly(GtFixture *f, gconstpointer data)
{
    Racer r;

    g_assert_cmpint(race_map(f, race_readonly, 1, true, &r), ==, -EACCES);
    g_assert_cmpuint(r.calls, ==, 2);
    g_assert_cmpuint(gt_flags(f, 80), ==, RO);
}

static void test_race_domid(GtFixture *f, gconstpointer data)
{
    Racer r;

    g_assert_cmpint(race_map(f, race_domid, 1, false, &r), ==, -EPERM);
    g_assert_cmpuint(r.calls, ==, 2);
    g_assert_cmpuint(gt_flags(f, 80), ==, RW);
    g_assert_cmpuint(xenner_gnttab_entry(f->gt, 80)->domid, ==, OTHER);
}

static void test_race_retry(GtFixture *f, gconstpointer data)
{
    Racer r;

    /* A change that still grants access costs one more read. */
    g_assert_cmpint(race_map(f, race_harmless, 1, true, &r), ==, 0);
    g_assert_cmpuint(r.calls, ==, 2);
    g_assert_cmpuint(gt_flags(f, 80), ==, RW | GTF_PWT);
}

static void test_race_unstable(GtFixture *f, gconstpointer data)
{
    Racer r;

    /* An entry that never holds still is given up on, claiming nothing. */
    g_assert_cmpint(race_map(f, race_harmless, UINT_MAX, true, &r), ==,
                    -EBUSY);
    g_assert_cmpuint(r.calls, ==, 4);
    g_assert_cmpuint(gt_flags(f, 80), ==, RW);
}

/*
 * A real guest thread that follows the grant_table.h rules: it revokes
 * and re-grants the entry, and flips it read-only only with a
 * compare-and-swap that sees no GTF_writing. Whatever it interleaves,
 * a mapping the backend holds must match what the entry grants.
 */
typedef struct GuestThread {
    XennerGnttab *gt;
    uint32_t ref;
    uint64_t gfn;
    int stop;
    unsigned revoked;
} GuestThread;

static gpointer guest_thread_fn(gpointer opaque)
{
    GuestThread *g = opaque;
    grant_entry_v1_t *ent = xenner_gnttab_entry(g->gt, g->ref);

    for (unsigned i = 0; !__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE); i++) {
        uint16_t flags = __atomic_load_n(&ent->flags, __ATOMIC_ACQUIRE);

        switch (i % 3) {
        case 0:
            if (xenner_gnttab_end_access(g->gt, g->ref)) {
                g->revoked++;
                g_assert_true(xenner_gnttab_grant(g->gt, g->ref, BACKEND,
                                                  g->gfn, i % 2));
            }
            break;
        case 1:
            if (!(flags & GTF_writing)) {
                __atomic_compare_exchange_n(&ent->flags, &flags,
                                            flags | GTF_readonly, false,
                                            __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE);
            }
            break;
        default:
            __atomic_fetch_and(&ent->flags, (uint16_t)~GTF_readonly,
                               __ATOMIC_ACQ_REL);
            break;
        }
    }
    return NULL;
}

static void test_race_thread(GtFixture *f, gconstpointer data)
{
    GuestThread g = { .gt = f->gt, .ref = 120 };
    unsigned ok[2] = { 0, 0 };
    GThread *thread;

    g.gfn = gt_grant(f, 120, BACKEND, false, 0);
    thread = g_thread_new("guest", guest_thread_fn, &g);
    for (unsigned i = 0; i < 4000; i++) {
        bool writable = i % 2;
        uint8_t *win;
        uint16_t flags;
        int ret;

        ret = xenner_gnttab_map_refs(f->gt, BACKEND, 1, &g.ref, writable,
                                     (void **)&win);
        if (ret) {
            g_assert_true(ret == -EPERM || ret == -EACCES || ret == -EBUSY);
            continue;
        }
        ok[writable]++;
        flags = gt_flags(f, 120);
        g_assert_cmpuint(flags & GTF_type_mask, ==, GTF_permit_access);
        g_assert_true(flags & GTF_reading);
        if (writable) {
            g_assert_true(flags & GTF_writing);
            g_assert_false(flags & GTF_readonly);
            win[i % XENNER_PAGE_SIZE] = i;
        }
        g_assert_cmpuint(win[0], ==, gt_page(f, g.gfn)[0]);
        g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, &g.ref, 1), ==, 0);
    }
    __atomic_store_n(&g.stop, 1, __ATOMIC_RELEASE);
    g_thread_join(thread);
    g_test_message("maps: %u read-only, %u writable; guest revoked %u",
                   ok[0], ok[1], g.revoked);
    g_assert_cmpuint(gt_flags(f, 120) & (GTF_reading | GTF_writing), ==, 0);
}

/* ---- copies --------------------------------------------------------- */

static void test_copy(GtFixture *f, gconstpointer data)
{
    uint64_t src = gt_grant(f, 90, BACKEND, true, 0);
    uint64_t dst = gt_grant(f, 91, BACKEND, false, 0);
    uint8_t in[XENNER_PAGE_SIZE], out[16];
    XennerGntCopySeg segs[2];

    memcpy(gt_page(f, src) + 4000, "from the guest", 15);
    memset(in, 0, sizeof(in));
    memcpy(out, "to the guest!!!", 16);

    /* A read-only grant is a fine source. */
    segs[0] = (XennerGntCopySeg){ .ref = 90, .offset = 4000, .len = 15,
                                  .buf = in, .status = 1 };
    segs[1] = (XennerGntCopySeg){ .ref = 91, .offset = 4080, .len = 16,
                                  .buf = out, .to_guest = true,
                                  .status = 1 };
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, segs, 2), ==, 0);
    g_assert_cmpint(segs[0].status, ==, 0);
    g_assert_cmpint(segs[1].status, ==, 0);
    g_assert_cmpstr((char *)in, ==, "from the guest");
    g_assert_cmpstr((char *)gt_page(f, dst) + 4080, ==, "to the guest!!!");
    g_assert_cmpuint(gt_page(f, dst)[4079], ==, 0);

    /* Nothing stays flagged after a copy. */
    g_assert_cmpuint(gt_flags(f, 90), ==, RO);
    g_assert_cmpuint(gt_flags(f, 91), ==, RW);

    /* A whole page, and nothing at all. */
    segs[0] = (XennerGntCopySeg){ .ref = 90, .len = XENNER_PAGE_SIZE,
                                  .buf = in };
    segs[1] = (XennerGntCopySeg){ .ref = 91, .offset = 4095, .buf = out,
                                  .to_guest = true };
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, segs, 2), ==, 0);
    g_assert_cmpuint(in[4000], ==, 'f');
}

static void test_copy_bad(GtFixture *f, gconstpointer data)
{
    uint8_t buf[XENNER_PAGE_SIZE + 1] = { 0 };
    grant_entry_v1_t *ent;
    XennerGntCopySeg segs[8];
    uint64_t ro;

    ro = gt_grant(f, 100, BACKEND, true, 0x5a);
    gt_grant(f, 101, OTHER, false, 0);
    gt_grant(f, 102, BACKEND, false, 0);
    ent = xenner_gnttab_entry(f->gt, 103);
    ent->frame = gt_frame(f, 0x3c);
    ent->domid = BACKEND;
    ent->flags = GTF_permit_access | GTF_sub_page | GTF_readonly;

    segs[0] = (XennerGntCopySeg){ .ref = 100, .len = 1, .buf = buf,
                                  .to_guest = true };
    segs[1] = (XennerGntCopySeg){ .ref = 101, .len = 1, .buf = buf };
    segs[2] = (XennerGntCopySeg){ .ref = 102, .offset = 4096, .len = 0,
                                  .buf = buf };
    segs[3] = (XennerGntCopySeg){ .ref = 102, .offset = 1, .len = 4096,
                                  .buf = buf, .to_guest = true };
    segs[4] = (XennerGntCopySeg){ .ref = 102, .offset = 4095,
                                  .len = UINT32_MAX, .buf = buf };
    segs[5] = (XennerGntCopySeg){ .ref = 4096, .len = 1, .buf = buf };
    /* Sub-page grants may be copied from, though not mapped. */
    segs[6] = (XennerGntCopySeg){ .ref = 103, .offset = 9, .len = 1,
                                  .buf = buf };
    segs[7] = (XennerGntCopySeg){ .ref = 100, .offset = 8, .len = 1,
                                  .buf = buf + 1 };

    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, segs, 8), ==,
                    -EACCES);
    g_assert_cmpint(segs[0].status, ==, -EACCES);
    g_assert_cmpint(segs[1].status, ==, -EPERM);
    g_assert_cmpint(segs[2].status, ==, -EINVAL);
    g_assert_cmpint(segs[3].status, ==, -EINVAL);
    g_assert_cmpint(segs[4].status, ==, -EINVAL);
    g_assert_cmpint(segs[5].status, ==, -EINVAL);
    g_assert_cmpint(segs[6].status, ==, 0);
    g_assert_cmpint(segs[7].status, ==, 0);
    g_assert_cmpuint(buf[0], ==, 0x3c);
    g_assert_cmpuint(buf[1], ==, 0x5a);
    g_assert_cmpuint(gt_page(f, ro)[0], ==, 0x5a);
    g_assert_cmpuint(gt_flags(f, 100), ==, RO);
    g_assert_cmpuint(gt_flags(f, 102), ==, RW);
    g_assert_cmpuint(gt_flags(f, 103),
                     ==, GTF_permit_access | GTF_sub_page | GTF_readonly);
}

/* Flags that a mapping holds survive a copy of the same ref. */
static void test_copy_while_mapped(GtFixture *f, gconstpointer data)
{
    const uint32_t ref[] = { 110 };
    uint8_t buf[4] = "abc";
    XennerGntCopySeg seg = { .ref = 110, .len = 4, .buf = buf,
                             .to_guest = true };
    uint8_t *win;

    gt_grant(f, 110, BACKEND, false, 0);
    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, ref, false,
                                           (void **)&win), ==, 0);
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, &seg, 1), ==, 0);
    g_assert_cmpstr((char *)win, ==, "abc");
    g_assert_cmpuint(gt_flags(f, 110), ==, RW | MAPPED_R);

    /* Another domain cannot copy through a ref the backend has mapped. */
    seg.to_guest = false;
    g_assert_cmpint(xenner_gnttab_copy(f->gt, OTHER, &seg, 1), ==, -EPERM);

    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, ref, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 110), ==, RW);
}

/*
 * A frame the guest released: no map or copy reaches it, not even
 * through a ref mapped before, until it is populated again.
 */
static void test_released_frame(GtFixture *f, gconstpointer data)
{
    uint64_t gfn = gt_grant(f, 120, BACKEND, false, 0x42);
    uint32_t ref = 120;
    uint8_t buf[8];
    XennerGntCopySeg seg = { .ref = 120, .len = sizeof(buf), .buf = buf };
    void *win = NULL;

    g_assert_cmpint(xenner_gnttab_map_refs(f->gt, BACKEND, 1, &ref, true,
                                           &win), ==, 0);
    g_assert_cmpint(xenner_mem_release(f->mem, gfn), ==, 0);
    g_assert_cmpint(map_one(f, BACKEND, 120, false), ==, -EINVAL);
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, &seg, 1), ==,
                    -EINVAL);
    seg.to_guest = true;
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, &seg, 1), ==,
                    -EINVAL);
    /* The failed pins left the mapped one's flags as they were. */
    g_assert_cmpuint(gt_flags(f, 120), ==, RW | MAPPED_W);
    g_assert_cmpint(xenner_gnttab_unmap(f->gt, win, &ref, 1), ==, 0);
    g_assert_cmpuint(gt_flags(f, 120), ==, RW);
    g_assert_cmpint(map_one(f, BACKEND, 120, true), ==, -EINVAL);
    g_assert_cmpuint(gt_flags(f, 120), ==, RW);

    g_assert_cmpint(xenner_mem_populate(f->mem, gfn), ==, 0);
    seg.to_guest = false;
    memset(buf, 0xff, sizeof(buf));
    g_assert_cmpint(xenner_gnttab_copy(f->gt, BACKEND, &seg, 1), ==, 0);
    g_assert_cmpuint(buf[0], ==, 0);
    g_assert_cmpint(map_one(f, BACKEND, 120, true), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    GT_ADD("/xenner/gnttab/new-bad", test_new_bad);
    GT_ADD("/xenner/gnttab/entries", test_entries);
    GT_ADD("/xenner/gnttab/grant", test_grant);
    GT_ADD("/xenner/gnttab/frames-in-use", test_frames_in_use);
    GT_ADD("/xenner/gnttab/map/rw", test_map_rw);
    GT_ADD("/xenner/gnttab/map/ro", test_map_ro);
    GT_ADD("/xenner/gnttab/map/many", test_map_many);
    GT_ADD("/xenner/gnttab/map/checks", test_map_checks);
    GT_ADD("/xenner/gnttab/map/all-or-nothing", test_map_all_or_nothing);
    GT_ADD("/xenner/gnttab/map/pin-count", test_pin_count);
    GT_ADD("/xenner/gnttab/map/unmap-bad", test_unmap_bad);
    GT_ADD("/xenner/gnttab/map/active-entry", test_active_entry);
    GT_ADD("/xenner/gnttab/map/free-unpins", test_free_unpins);
    GT_ADD("/xenner/gnttab/race/try-set-status", test_try_set_status);
    GT_ADD("/xenner/gnttab/race/revoke", test_race_revoke);
    GT_ADD("/xenner/gnttab/race/readonly", test_race_readonly);
    GT_ADD("/xenner/gnttab/race/domid", test_race_domid);
    GT_ADD("/xenner/gnttab/race/retry", test_race_retry);
    GT_ADD("/xenner/gnttab/race/unstable", test_race_unstable);
    GT_ADD("/xenner/gnttab/race/thread", test_race_thread);
    GT_ADD("/xenner/gnttab/copy/both-ways", test_copy);
    GT_ADD("/xenner/gnttab/copy/bad", test_copy_bad);
    GT_ADD("/xenner/gnttab/copy/while-mapped", test_copy_while_mapped);
    GT_ADD("/xenner/gnttab/released-frame", test_released_frame);
    return g_test_run();
}
