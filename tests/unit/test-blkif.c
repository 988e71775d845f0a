/*
 * The blkif wire format (hw/xen/xen_blkif.c): the three layouts byte by
 * byte, the request checks and the responses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "hw/xen/xen_blkif.h"

static const BlkifAbi abis[] = {
    BLKIF_ABI_NATIVE, BLKIF_ABI_X86_32, BLKIF_ABI_X86_64,
};

#define MAX_SLOT 112

static void put16(uint8_t *p, size_t off, uint16_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, size_t off, uint64_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static uint16_t get16(const uint8_t *p, size_t off)
{
    uint16_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
    uint64_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

/* A slot of exactly the ABI's size, so ASan sees any read past it. */
static uint8_t *new_slot(BlkifAbi abi)
{
    return g_malloc0(blkif_slot_size(abi));
}

/* A disk of 1000 sectors offering everything. */
static BlkifLimits full_limits(void)
{
    BlkifLimits lim = {
        .sectors = 1000, .flush = true, .barrier = true, .discard = true,
        .discard_secure = true, .max_indirect_segments = 32,
    };
    return lim;
}

static void test_abi_names(void)
{
    BlkifAbi abi = BLKIF_ABI_NATIVE;

    g_assert_true(blkif_abi_parse(NULL, &abi));
#if defined(__i386__) || defined(__x86_64__)
    g_assert_cmpint(abi, ==, BLKIF_ABI_X86_32);
#else
    g_assert_cmpint(abi, ==, BLKIF_ABI_NATIVE);
#endif
    g_assert_true(blkif_abi_parse("x86_32-abi", &abi));
    g_assert_cmpint(abi, ==, BLKIF_ABI_X86_32);
    g_assert_true(blkif_abi_parse("x86_64-abi", &abi));
    g_assert_cmpint(abi, ==, BLKIF_ABI_X86_64);
    abi = BLKIF_ABI_X86_32;
    g_assert_false(blkif_abi_parse("x86_64", &abi));
    g_assert_false(blkif_abi_parse("", &abi));
    g_assert_false(blkif_abi_parse("x86_32-abi ", &abi));
    g_assert_cmpint(abi, ==, BLKIF_ABI_X86_32);

    g_assert_cmpstr(blkif_abi_name(BLKIF_ABI_X86_32), ==, "x86_32-abi");
    g_assert_cmpstr(blkif_abi_name(BLKIF_ABI_X86_64), ==, "x86_64-abi");
    g_assert_cmpstr(blkif_abi_name((BlkifAbi)42), ==, "unknown");
    /* Every name parses back to a layout identical to its ABI's. */
    for (unsigned i = 0; i < G_N_ELEMENTS(abis); i++) {
        g_assert_true(blkif_abi_parse(blkif_abi_name(abis[i]), &abi));
        g_assert_cmpuint(blkif_slot_size(abi), ==,
                         blkif_slot_size(abis[i]));
    }
}

static void test_sizes(void)
{
    g_assert_cmpuint(blkif_slot_size(BLKIF_ABI_NATIVE), ==,
                     sizeof(union blkif_sring_entry));
    g_assert_cmpuint(blkif_slot_size(BLKIF_ABI_X86_32), ==, 108);
    g_assert_cmpuint(blkif_slot_size(BLKIF_ABI_X86_64), ==, 112);
    g_assert_cmpuint(blkif_slot_size((BlkifAbi)-1), ==, 0);

    for (unsigned pages = 1; pages <= BLKIF_MAX_RING_PAGES; pages++) {
        g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_NATIVE, pages), ==,
                         __CONST_RING_SIZE(blkif, pages * XEN_PAGE_SIZE));
#ifdef __x86_64__
        g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_64, pages), ==,
                         blkif_ring_size(BLKIF_ABI_NATIVE, pages));
#endif
    }
    /* (4096 - 64) / 108 = 37 and (4096 - 64) / 112 = 36: 32 either way */
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_32, 1), ==, 32);
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_64, 1), ==, 32);
    /* (2 * 4096 - 64) / 108 = 75, (16 * 4096 - 64) / 108 = 606 */
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_32, 2), ==, 64);
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_32, 16), ==, 512);
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_64, 16), ==, 512);
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_32, 0), ==, 0);
    g_assert_cmpuint(blkif_ring_size(BLKIF_ABI_X86_32,
                                     BLKIF_MAX_RING_PAGES + 1), ==, 0);
}

/* Field offsets of one layout, written out by hand from common.h. */
typedef struct Offsets {
    size_t rw_id, rw_sector, rw_seg;
    size_t d_id, d_sector, d_nr;
    size_t i_id, i_sector, i_handle, i_grefs;
    size_t r_status, rsp;
} Offsets;

static const Offsets x86_32 = { 4, 12, 20, 4, 12, 20, 4, 12, 20, 24, 10, 12 };
static const Offsets x86_64 = { 8, 16, 24, 8, 16, 24, 8, 16, 24, 28, 10, 16 };

static void check_rw_decode(BlkifAbi abi, const Offsets *o)
{
    g_autofree uint8_t *slot = new_slot(abi);
    BlkifRequest req;

    slot[0] = BLKIF_OP_WRITE;
    slot[1] = 2;
    put16(slot, 2, 0x0a0b);
    put64(slot, o->rw_id, 0x1122334455667788ull);
    put64(slot, o->rw_sector, 0x99);
    put32(slot, o->rw_seg, 0xdead);
    slot[o->rw_seg + 4] = 1;
    slot[o->rw_seg + 5] = 6;
    put32(slot, o->rw_seg + 8, 0xbeef);
    slot[o->rw_seg + 12] = 0;
    slot[o->rw_seg + 13] = 7;
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.operation, ==, BLKIF_OP_WRITE);
    g_assert_cmpuint(req.data_op, ==, BLKIF_OP_WRITE);
    g_assert_cmpuint(req.nr_segments, ==, 2);
    g_assert_cmpuint(req.handle, ==, 0x0a0b);
    g_assert_cmpuint(req.id, ==, 0x1122334455667788ull);
    g_assert_cmpuint(req.sector_number, ==, 0x99);
    g_assert_cmpuint(req.seg[0].gref, ==, 0xdead);
    g_assert_cmpuint(req.seg[0].first_sect, ==, 1);
    g_assert_cmpuint(req.seg[0].last_sect, ==, 6);
    g_assert_cmpuint(req.seg[1].gref, ==, 0xbeef);
    g_assert_cmpuint(req.seg[1].last_sect, ==, 7);
    g_assert_cmpuint(req.nr_indirect_pages, ==, 0);

    /* The last of the 11 slots ends the slot; more are not read. */
    slot[1] = 255;
    put32(slot, o->rw_seg + 10 * 8, 0x77);
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.nr_segments, ==, 255);
    g_assert_cmpuint(req.seg[10].gref, ==, 0x77);
}

static void test_decode_rw(void)
{
    struct blkif_request native = {
        .operation = BLKIF_OP_READ, .nr_segments = 1, .handle = 5,
        .id = 42, .sector_number = 7,
        .seg = { { .gref = 9, .first_sect = 2, .last_sect = 3 } },
    };
    g_autofree uint8_t *slot = new_slot(BLKIF_ABI_NATIVE);
    BlkifRequest req;

    check_rw_decode(BLKIF_ABI_X86_32, &x86_32);
    check_rw_decode(BLKIF_ABI_X86_64, &x86_64);
#ifdef __x86_64__
    check_rw_decode(BLKIF_ABI_NATIVE, &x86_64);
#endif
    /* The header's own struct decodes as native. */
    memcpy(slot, &native, sizeof(native));
    blkif_decode_request(BLKIF_ABI_NATIVE, slot, &req);
    g_assert_cmpuint(req.operation, ==, BLKIF_OP_READ);
    g_assert_cmpuint(req.nr_segments, ==, 1);
    g_assert_cmpuint(req.handle, ==, 5);
    g_assert_cmpuint(req.id, ==, 42);
    g_assert_cmpuint(req.sector_number, ==, 7);
    g_assert_cmpuint(req.seg[0].gref, ==, 9);
    g_assert_cmpuint(req.seg[0].first_sect, ==, 2);
    g_assert_cmpuint(req.seg[0].last_sect, ==, 3);
}

static void check_discard_decode(BlkifAbi abi, const Offsets *o)
{
    g_autofree uint8_t *slot = new_slot(abi);
    BlkifRequest req;

    slot[0] = BLKIF_OP_DISCARD;
    slot[1] = BLKIF_DISCARD_SECURE;
    put16(slot, 2, 3);
    put64(slot, o->d_id, 77);
    put64(slot, o->d_sector, 100);
    put64(slot, o->d_nr, 0x123456789ull);
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.operation, ==, BLKIF_OP_DISCARD);
    g_assert_cmpuint(req.discard_flags, ==, BLKIF_DISCARD_SECURE);
    g_assert_cmpuint(req.handle, ==, 3);
    g_assert_cmpuint(req.id, ==, 77);
    g_assert_cmpuint(req.sector_number, ==, 100);
    g_assert_cmpuint(req.nr_sectors, ==, 0x123456789ull);
    g_assert_cmpuint(req.nr_segments, ==, 0);
}

static void test_decode_discard(void)
{
    struct blkif_request_discard native = {
        .operation = BLKIF_OP_DISCARD, .flag = 0, .handle = 1,
        .id = 5, .sector_number = 6, .nr_sectors = 7,
    };
    g_autofree uint8_t *slot = new_slot(BLKIF_ABI_NATIVE);
    BlkifRequest req;

    check_discard_decode(BLKIF_ABI_X86_32, &x86_32);
    check_discard_decode(BLKIF_ABI_X86_64, &x86_64);
    memcpy(slot, &native, sizeof(native));
    blkif_decode_request(BLKIF_ABI_NATIVE, slot, &req);
    g_assert_cmpuint(req.id, ==, 5);
    g_assert_cmpuint(req.sector_number, ==, 6);
    g_assert_cmpuint(req.nr_sectors, ==, 7);
}

static void check_indirect_decode(BlkifAbi abi, const Offsets *o)
{
    g_autofree uint8_t *slot = new_slot(abi);
    BlkifRequest req;

    slot[0] = BLKIF_OP_INDIRECT;
    slot[1] = BLKIF_OP_WRITE;
    put16(slot, 2, 200);
    put64(slot, o->i_id, 0xfeed);
    put64(slot, o->i_sector, 12);
    put16(slot, o->i_handle, 0x51);
    for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
        put32(slot, o->i_grefs + 4 * i, 1000 + i);
    }
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.operation, ==, BLKIF_OP_INDIRECT);
    g_assert_cmpuint(req.data_op, ==, BLKIF_OP_WRITE);
    g_assert_cmpuint(req.nr_segments, ==, 200);
    g_assert_cmpuint(req.id, ==, 0xfeed);
    g_assert_cmpuint(req.sector_number, ==, 12);
    g_assert_cmpuint(req.handle, ==, 0x51);
    g_assert_cmpuint(req.nr_indirect_pages, ==, 1);
    for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
        g_assert_cmpuint(req.indirect_grefs[i], ==, 1000 + i);
    }

    /* Counts we would refuse map no pages. */
    put16(slot, 2, 0);
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.nr_indirect_pages, ==, 0);
    put16(slot, 2, BLKIF_MAX_INDIRECT_SEGMENTS + 1);
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.nr_segments, ==, BLKIF_MAX_INDIRECT_SEGMENTS + 1);
    g_assert_cmpuint(req.nr_indirect_pages, ==, 0);
    put16(slot, 2, 0xffff);
    blkif_decode_request(abi, slot, &req);
    g_assert_cmpuint(req.nr_indirect_pages, ==, 0);
}

static void test_decode_indirect(void)
{
    struct blkif_request_indirect native = {
        .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
        .nr_segments = 3, .id = 8, .sector_number = 9, .handle = 10,
        .indirect_grefs = { 11, 12 },
    };
    g_autofree uint8_t *slot = new_slot(BLKIF_ABI_NATIVE);
    BlkifRequest req;

    check_indirect_decode(BLKIF_ABI_X86_32, &x86_32);
    check_indirect_decode(BLKIF_ABI_X86_64, &x86_64);
    memcpy(slot, &native, sizeof(native));
    blkif_decode_request(BLKIF_ABI_NATIVE, slot, &req);
    g_assert_cmpuint(req.data_op, ==, BLKIF_OP_READ);
    g_assert_cmpuint(req.nr_segments, ==, 3);
    g_assert_cmpuint(req.id, ==, 8);
    g_assert_cmpuint(req.handle, ==, 10);
    g_assert_cmpuint(req.indirect_grefs[1], ==, 12);
}

static void test_decode_other(void)
{
    for (unsigned a = 0; a < G_N_ELEMENTS(abis); a++) {
        g_autofree uint8_t *slot = new_slot(abis[a]);
        size_t id_off = abis[a] == BLKIF_ABI_X86_32 ? 4 : 8;
        BlkifRequest req;

        slot[0] = 0xee;
        put64(slot, id_off, 0xabcdef);
        blkif_decode_request(abis[a], slot, &req);
        g_assert_cmpuint(req.operation, ==, 0xee);
        g_assert_cmpuint(req.id, ==, 0xabcdef);
        g_assert_cmpint(blkif_check_request(&req, &(BlkifLimits){ 0 }, NULL),
                        ==, BLKIF_RSP_EOPNOTSUPP);
    }
}

static void test_indirect_pages(void)
{
    g_autofree uint8_t *page = g_malloc0(XEN_PAGE_SIZE);
    BlkifRequest req = {
        .operation = BLKIF_OP_INDIRECT, .data_op = BLKIF_OP_READ,
        .nr_segments = BLKIF_MAX_INDIRECT_SEGMENTS,
    };

    for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_SEGMENTS; i++) {
        put32(page, i * 8, 5000 + i);
        page[i * 8 + 4] = i % 8;
        page[i * 8 + 5] = 7;
    }
    g_assert_cmpint(blkif_decode_indirect(&req, page, XEN_PAGE_SIZE), ==, 0);
    for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_SEGMENTS; i++) {
        g_assert_cmpuint(req.seg[i].gref, ==, 5000 + i);
        g_assert_cmpuint(req.seg[i].first_sect, ==, i % 8);
        g_assert_cmpuint(req.seg[i].last_sect, ==, 7);
    }
    /* Exactly long enough, then one byte short. */
    req.nr_segments = 3;
    g_assert_cmpint(blkif_decode_indirect(&req, page, 24), ==, 0);
    g_assert_cmpint(blkif_decode_indirect(&req, page, 23), ==, -EINVAL);
    req.nr_segments = 0;
    g_assert_cmpint(blkif_decode_indirect(&req, page, XEN_PAGE_SIZE), ==,
                    -EINVAL);
    req.nr_segments = BLKIF_MAX_INDIRECT_SEGMENTS + 1;
    g_assert_cmpint(blkif_decode_indirect(&req, page, XEN_PAGE_SIZE), ==,
                    -EINVAL);
    req.operation = BLKIF_OP_READ;
    req.nr_segments = 1;
    g_assert_cmpint(blkif_decode_indirect(&req, page, XEN_PAGE_SIZE), ==,
                    -EINVAL);
}

static void assert_same_request(const BlkifRequest *a, const BlkifRequest *b)
{
    g_assert_cmpuint(a->operation, ==, b->operation);
    g_assert_cmpuint(a->data_op, ==, b->data_op);
    g_assert_cmpuint(a->handle, ==, b->handle);
    g_assert_cmpuint(a->id, ==, b->id);
    g_assert_cmpuint(a->sector_number, ==, b->sector_number);
    g_assert_cmpuint(a->nr_sectors, ==, b->nr_sectors);
    g_assert_cmpuint(a->discard_flags, ==, b->discard_flags);
    g_assert_cmpuint(a->nr_segments, ==, b->nr_segments);
    g_assert_cmpuint(a->nr_indirect_pages, ==, b->nr_indirect_pages);
    g_assert_cmpmem(a->indirect_grefs, sizeof(a->indirect_grefs),
                    b->indirect_grefs, sizeof(b->indirect_grefs));
    if (a->operation != BLKIF_OP_INDIRECT) {
        for (unsigned i = 0; i < a->nr_segments &&
             i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
            g_assert_cmpuint(a->seg[i].gref, ==, b->seg[i].gref);
            g_assert_cmpuint(a->seg[i].first_sect, ==, b->seg[i].first_sect);
            g_assert_cmpuint(a->seg[i].last_sect, ==, b->seg[i].last_sect);
        }
    }
}

static void test_round_trip(void)
{
    static const BlkifRequest reqs[] = {
        { .operation = BLKIF_OP_READ, .data_op = BLKIF_OP_READ,
          .handle = 0xffff, .id = UINT64_MAX, .sector_number = 1ull << 40,
          .nr_segments = 11,
          .seg = { { 1, 0, 7 }, { 2, 1, 1 }, [10] = { 0xffffffff, 7, 7 } } },
        { .operation = BLKIF_OP_WRITE_BARRIER,
          .data_op = BLKIF_OP_WRITE_BARRIER, .id = 3 },
        { .operation = BLKIF_OP_DISCARD, .data_op = BLKIF_OP_DISCARD,
          .handle = 2, .id = 4, .sector_number = 5, .nr_sectors = 6,
          .discard_flags = BLKIF_DISCARD_SECURE },
        { .operation = BLKIF_OP_INDIRECT, .data_op = BLKIF_OP_WRITE,
          .handle = 7, .id = 8, .sector_number = 9, .nr_segments = 129,
          .nr_indirect_pages = 1,
          .indirect_grefs = { 1, 2, 3, 4, 5, 6, 7, 0xffffffff } },
    };

    for (unsigned a = 0; a < G_N_ELEMENTS(abis); a++) {
        for (unsigned r = 0; r < G_N_ELEMENTS(reqs); r++) {
            g_autofree uint8_t *slot = new_slot(abis[a]);
            BlkifRequest *out = g_new0(BlkifRequest, 1);

            memset(slot, 0xcc, blkif_slot_size(abis[a]));
            blkif_encode_request(abis[a], &reqs[r], slot);
            blkif_decode_request(abis[a], slot, out);
            assert_same_request(&reqs[r], out);
            g_free(out);
        }
    }
}

static void test_encode_layout(void)
{
    BlkifRequest req = {
        .operation = BLKIF_OP_READ, .id = 0x0102030405060708ull,
        .sector_number = 0x10, .nr_segments = 300,
    };
    g_autofree uint8_t *slot = new_slot(BLKIF_ABI_X86_32);

    /* A count the byte cannot hold is cut, as a hostile frontend's. */
    memset(slot, 0xcc, blkif_slot_size(BLKIF_ABI_X86_32));
    blkif_encode_request(BLKIF_ABI_X86_32, &req, slot);
    g_assert_cmpuint(slot[1], ==, 300 & 0xff);
    g_assert_cmpuint(get64(slot, 4), ==, 0x0102030405060708ull);
    g_assert_cmpuint(get64(slot, 12), ==, 0x10);
    /* Segments beyond 11 are dropped; the rest is zero, not stale. */
    for (size_t i = 20; i < 108; i++) {
        g_assert_cmpuint(slot[i], ==, 0);
    }
}

static void test_check_rw(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest req = {
        .operation = BLKIF_OP_READ, .sector_number = 10, .nr_segments = 2,
        .seg = { { 1, 0, 7 }, { 2, 3, 3 } },
    };
    uint64_t total = 99;

    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    g_assert_cmpuint(total, ==, 9);
    req.operation = BLKIF_OP_WRITE;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);

    /* Segment counts: none, the most, one too many, a byte's worth. */
    req.nr_segments = 0;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    g_assert_cmpuint(total, ==, 0);
    req.nr_segments = 11;
    for (unsigned i = 0; i < 11; i++) {
        req.seg[i] = (BlkifSegment){ i, 0, 7 };
    }
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    g_assert_cmpuint(total, ==, 88);
    req.nr_segments = 12;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req.nr_segments = 255;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
}

static void test_check_segments(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest req = {
        .operation = BLKIF_OP_READ, .nr_segments = 2,
        .seg = { { 1, 0, 7 }, { 2, 7, 7 } },
    };

    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_OKAY);
    req.seg[1] = (BlkifSegment){ 2, 4, 3 };
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_ERROR);
    req.seg[1] = (BlkifSegment){ 2, 0, 8 };
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_ERROR);
    req.seg[1] = (BlkifSegment){ 2, 8, 8 };
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_ERROR);
    req.seg[1] = (BlkifSegment){ 2, 255, 255 };
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_ERROR);
}

static void test_check_range(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest req = {
        .operation = BLKIF_OP_READ, .nr_segments = 1,
        .seg = { { 1, 0, 7 } },
    };
    uint64_t total;

    /* The last eight sectors, then one past. */
    req.sector_number = 992;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    req.sector_number = 993;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req.sector_number = 1000;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    /* An end that wraps around to a small number. */
    req.sector_number = UINT64_MAX - 3;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    lim.sectors = UINT64_MAX;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req.sector_number = UINT64_MAX - 8;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    lim.sectors = 0;
    req.sector_number = 0;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
}

static void test_check_readonly(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest req = {
        .nr_segments = 1, .seg = { { 1, 0, 0 } },
    };
    static const struct {
        uint8_t op;
        uint16_t nr;
        int status;
    } cases[] = {
        { BLKIF_OP_READ, 1, BLKIF_RSP_OKAY },
        { BLKIF_OP_WRITE, 1, BLKIF_RSP_ERROR },
        { BLKIF_OP_WRITE_BARRIER, 1, BLKIF_RSP_ERROR },
        { BLKIF_OP_WRITE_BARRIER, 0, BLKIF_RSP_OKAY },
        { BLKIF_OP_FLUSH_DISKCACHE, 1, BLKIF_RSP_ERROR },
        { BLKIF_OP_FLUSH_DISKCACHE, 0, BLKIF_RSP_OKAY },
        { BLKIF_OP_DISCARD, 0, BLKIF_RSP_ERROR },
    };

    lim.readonly = true;
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        req.operation = req.data_op = cases[i].op;
        req.nr_segments = cases[i].nr;
        g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                        cases[i].status);
    }
    /* Indirect writes too, reads pass. */
    req.operation = BLKIF_OP_INDIRECT;
    req.data_op = BLKIF_OP_WRITE;
    req.nr_segments = 1;
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_ERROR);
    req.data_op = BLKIF_OP_READ;
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_OKAY);
}

static void test_check_flush(void)
{
    static const uint8_t ops[] = {
        BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE,
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
        BlkifLimits lim = full_limits();
        BlkifRequest req = {
            .operation = ops[i], .data_op = ops[i],
            .sector_number = UINT64_MAX,
        };
        uint64_t total = 5;

        /* A pure flush: its sector_number means nothing. */
        g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                        BLKIF_RSP_OKAY);
        g_assert_cmpuint(total, ==, 0);
        /* With data it is a write, checked as one. */
        req.nr_segments = 1;
        req.seg[0] = (BlkifSegment){ 1, 2, 5 };
        g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                        BLKIF_RSP_ERROR);
        req.sector_number = 996;
        g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                        BLKIF_RSP_OKAY);
        g_assert_cmpuint(total, ==, 4);
        req.nr_segments = 12;
        g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                        BLKIF_RSP_ERROR);
        /* Not offered: refused whatever it carries. */
        lim.barrier = lim.flush = false;
        req.nr_segments = 0;
        g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                        BLKIF_RSP_EOPNOTSUPP);
        lim.readonly = true;
        req.nr_segments = 1;
        g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                        BLKIF_RSP_EOPNOTSUPP);
    }
    /* Each feature gates its own operation only. */
    BlkifLimits lim = full_limits();
    BlkifRequest req = { .operation = BLKIF_OP_WRITE_BARRIER };

    lim.flush = false;
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_OKAY);
    req.operation = BLKIF_OP_FLUSH_DISKCACHE;
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_EOPNOTSUPP);
}

static void test_check_discard(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest req = {
        .operation = BLKIF_OP_DISCARD, .sector_number = 10,
        .nr_sectors = 990,
    };
    uint64_t total = 0;

    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    g_assert_cmpuint(total, ==, 990);
    req.nr_sectors = 991;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req.nr_sectors = UINT64_MAX - 5;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    /* Nothing to discard is fine, at the end of the disk too. */
    req.nr_sectors = 0;
    req.sector_number = 1000;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    g_assert_cmpuint(total, ==, 0);
    req.sector_number = 1001;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    /* The secure flag without discard-secure is ignored. */
    req.sector_number = 0;
    req.nr_sectors = 8;
    req.discard_flags = BLKIF_DISCARD_SECURE;
    lim.discard_secure = false;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    lim.discard = false;
    g_assert_cmpint(blkif_check_request(&req, &lim, &total), ==,
                    BLKIF_RSP_EOPNOTSUPP);
}

static void test_check_indirect(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest *req = g_new0(BlkifRequest, 1);
    uint64_t total;

    req->operation = BLKIF_OP_INDIRECT;
    req->data_op = BLKIF_OP_READ;
    req->nr_segments = 32;
    for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_SEGMENTS; i++) {
        req->seg[i] = (BlkifSegment){ i, 2, 3 };
    }
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    g_assert_cmpuint(total, ==, 64);
    /* Above what we offered, and none. */
    req->nr_segments = 33;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req->nr_segments = 0;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    /* An offer larger than seg[] holds is capped at it. */
    lim.max_indirect_segments = 100000;
    req->nr_segments = BLKIF_MAX_INDIRECT_SEGMENTS;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_OKAY);
    g_assert_cmpuint(total, ==, 2 * BLKIF_MAX_INDIRECT_SEGMENTS);
    req->nr_segments = BLKIF_MAX_INDIRECT_SEGMENTS + 1;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    /* A bad segment deep in the list. */
    req->nr_segments = BLKIF_MAX_INDIRECT_SEGMENTS;
    req->seg[200].first_sect = 4;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req->seg[200].first_sect = 2;
    /* Only READ and WRITE may be wrapped. */
    req->data_op = BLKIF_OP_DISCARD;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    req->data_op = BLKIF_OP_INDIRECT;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_ERROR);
    /* Not offered: refused before anything else is looked at. */
    lim.max_indirect_segments = 0;
    g_assert_cmpint(blkif_check_request(req, &lim, &total), ==,
                    BLKIF_RSP_EOPNOTSUPP);
    g_free(req);
}

static void test_check_unknown(void)
{
    BlkifLimits lim = full_limits();
    BlkifRequest req = { .nr_segments = 1, .seg = { { 1, 0, 7 } } };

    for (unsigned op = BLKIF_OP_INDIRECT + 1; op < 256; op++) {
        req.operation = req.data_op = op;
        g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                        BLKIF_RSP_EOPNOTSUPP);
    }
    req.operation = req.data_op = BLKIF_OP_RESERVED_1;
    g_assert_cmpint(blkif_check_request(&req, &lim, NULL), ==,
                    BLKIF_RSP_EOPNOTSUPP);
}

static void test_response(void)
{
    static const Offsets *const offs[] = { NULL, &x86_32, &x86_64 };

    for (unsigned a = 0; a < G_N_ELEMENTS(abis); a++) {
        size_t size = blkif_slot_size(abis[a]);
        g_autofree uint8_t *slot = g_malloc(size);
        size_t rsp = offs[a] ? offs[a]->rsp : sizeof(struct blkif_response);
        uint64_t id;
        uint8_t op;
        int16_t status;

        memset(slot, 0xcc, size);
        blkif_put_response(abis[a], slot, 0x8877665544332211ull,
                           BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_EOPNOTSUPP);
        g_assert_cmpuint(get64(slot, 0), ==, 0x8877665544332211ull);
        g_assert_cmpuint(slot[8], ==, BLKIF_OP_FLUSH_DISKCACHE);
        g_assert_cmpuint(slot[9], ==, 0);
        g_assert_cmpint((int16_t)get16(slot, 10), ==, BLKIF_RSP_EOPNOTSUPP);
        /* Padding up to the response's size is zero... */
        for (size_t i = 12; i < rsp; i++) {
            g_assert_cmpuint(slot[i], ==, 0);
        }
        /* ...and the rest of the slot is not the response's. */
        for (size_t i = rsp; i < size; i++) {
            g_assert_cmpuint(slot[i], ==, 0xcc);
        }
        blkif_get_response(abis[a], slot, &id, &op, &status);
        g_assert_cmpuint(id, ==, 0x8877665544332211ull);
        g_assert_cmpuint(op, ==, BLKIF_OP_FLUSH_DISKCACHE);
        g_assert_cmpint(status, ==, BLKIF_RSP_EOPNOTSUPP);
    }
#ifdef __x86_64__
    {
        struct blkif_response r;

        blkif_put_response(BLKIF_ABI_NATIVE, &r, 1, 2, -1);
        g_assert_cmpuint(r.id, ==, 1);
        g_assert_cmpuint(r.operation, ==, 2);
        g_assert_cmpint(r.status, ==, -1);
    }
#endif
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/blkif/abi-names", test_abi_names);
    g_test_add_func("/blkif/sizes", test_sizes);
    g_test_add_func("/blkif/decode/rw", test_decode_rw);
    g_test_add_func("/blkif/decode/discard", test_decode_discard);
    g_test_add_func("/blkif/decode/indirect", test_decode_indirect);
    g_test_add_func("/blkif/decode/other", test_decode_other);
    g_test_add_func("/blkif/decode/indirect-pages", test_indirect_pages);
    g_test_add_func("/blkif/encode/round-trip", test_round_trip);
    g_test_add_func("/blkif/encode/layout", test_encode_layout);
    g_test_add_func("/blkif/check/rw", test_check_rw);
    g_test_add_func("/blkif/check/segments", test_check_segments);
    g_test_add_func("/blkif/check/range", test_check_range);
    g_test_add_func("/blkif/check/readonly", test_check_readonly);
    g_test_add_func("/blkif/check/flush", test_check_flush);
    g_test_add_func("/blkif/check/discard", test_check_discard);
    g_test_add_func("/blkif/check/indirect", test_check_indirect);
    g_test_add_func("/blkif/check/unknown", test_check_unknown);
    g_test_add_func("/blkif/response", test_response);
    return g_test_run();
}
