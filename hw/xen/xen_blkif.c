/*
 * The blkif wire format in three layouts; see xen_blkif.h.
 *
 * Each layout is a table of byte offsets and every field is read or
 * written with memcpy() at its offset, so that the x86_32 and x86_64
 * layouts do not depend on how this host's compiler lays out a struct.
 * The native table is taken from xen/io/blkif.h itself (offsetof), and on
 * an x86_64 host it is checked at build time to be the x86_64 one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_blkif.h"
#include "hw/xen/xen_ring.h"

#include <errno.h>
#include <string.h>
#include <xen/io/protocols.h>

/*
 * x86_32 (Linux's struct blkif_x86_32_request, drivers/block/xen-blkback/
 * common.h): uint64_t is 4-byte aligned, so id follows handle directly.
 */
enum {
    X32_RW_NR_SEGS = 1, X32_RW_HANDLE = 2, X32_RW_ID = 4,
    X32_RW_SECTOR = 12, X32_RW_SEG = 20,
    X32_D_FLAG = 1, X32_D_HANDLE = 2, X32_D_ID = 4, X32_D_SECTOR = 12,
    X32_D_NR_SECTORS = 20,
    X32_I_OP = 1, X32_I_NR_SEGS = 2, X32_I_ID = 4, X32_I_SECTOR = 12,
    X32_I_HANDLE = 20, X32_I_GREFS = 24,
    X32_R_ID = 0, X32_R_OP = 8, X32_R_STATUS = 10, X32_RSP = 12,
    X32_SLOT = 108,
};

/* x86_64 (struct blkif_x86_64_request): uint64_t is 8-byte aligned. */
enum {
    X64_RW_NR_SEGS = 1, X64_RW_HANDLE = 2, X64_RW_ID = 8,
    X64_RW_SECTOR = 16, X64_RW_SEG = 24,
    X64_D_FLAG = 1, X64_D_HANDLE = 2, X64_D_ID = 8, X64_D_SECTOR = 16,
    X64_D_NR_SECTORS = 24,
    X64_I_OP = 1, X64_I_NR_SEGS = 2, X64_I_ID = 8, X64_I_SECTOR = 16,
    X64_I_HANDLE = 24, X64_I_GREFS = 28,
    X64_R_ID = 0, X64_R_OP = 8, X64_R_STATUS = 10, X64_RSP = 16,
    X64_SLOT = 112,
};

/* struct blkif_request_segment: the same 8 bytes in every layout. */
enum {
    SEG_GREF = 0, SEG_FIRST = 4, SEG_LAST = 5, SEG_SIZE = 8,
};

#define SEGS_BYTES (BLKIF_MAX_SEGMENTS_PER_REQUEST * SEG_SIZE)
#define GREFS_BYTES (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * 4)
/* Every field of every request and of the response lies inside a slot. */
_Static_assert(X32_RW_SEG + SEGS_BYTES == X32_SLOT, "x86_32 rw size");
_Static_assert(X32_D_NR_SECTORS + 8 <= X32_SLOT, "x86_32 discard size");
_Static_assert(X32_I_GREFS + GREFS_BYTES <= X32_SLOT, "x86_32 indirect");
_Static_assert(X32_RSP <= X32_SLOT, "x86_32 response size");
_Static_assert(X64_RW_SEG + SEGS_BYTES == X64_SLOT, "x86_64 rw size");
_Static_assert(X64_D_NR_SECTORS + 8 <= X64_SLOT, "x86_64 discard size");
_Static_assert(X64_I_GREFS + GREFS_BYTES <= X64_SLOT, "x86_64 indirect");
_Static_assert(X64_RSP <= X64_SLOT, "x86_64 response size");
/* A backend copies each slot to a private buffer of this size. */
_Static_assert(X32_SLOT <= XEN_RING_SLOT_MAX && X64_SLOT <= XEN_RING_SLOT_MAX,
               "slots fit the private copy");

_Static_assert(sizeof(struct blkif_request_segment) == SEG_SIZE &&
               offsetof(struct blkif_request_segment, gref) == SEG_GREF &&
               offsetof(struct blkif_request_segment, first_sect) ==
               SEG_FIRST &&
               offsetof(struct blkif_request_segment, last_sect) == SEG_LAST,
               "blkif_request_segment layout");
_Static_assert(offsetof(struct blkif_sring, ring) == XEN_SRING_HEADER,
               "sring header size");
_Static_assert(BLKIF_SEGS_PER_INDIRECT_PAGE * SEG_SIZE == XEN_PAGE_SIZE,
               "indirect page holds whole segments");

#if defined(__x86_64__)
/* The header's native layout is the x86_64 one on this host. */
#define NATIVE_AT(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), #type "." #field)
NATIVE_AT(struct blkif_request, operation, 0);
NATIVE_AT(struct blkif_request, nr_segments, X64_RW_NR_SEGS);
NATIVE_AT(struct blkif_request, handle, X64_RW_HANDLE);
NATIVE_AT(struct blkif_request, id, X64_RW_ID);
NATIVE_AT(struct blkif_request, sector_number, X64_RW_SECTOR);
NATIVE_AT(struct blkif_request, seg, X64_RW_SEG);
NATIVE_AT(struct blkif_request_discard, flag, X64_D_FLAG);
NATIVE_AT(struct blkif_request_discard, handle, X64_D_HANDLE);
NATIVE_AT(struct blkif_request_discard, id, X64_D_ID);
NATIVE_AT(struct blkif_request_discard, sector_number, X64_D_SECTOR);
NATIVE_AT(struct blkif_request_discard, nr_sectors, X64_D_NR_SECTORS);
NATIVE_AT(struct blkif_request_indirect, indirect_op, X64_I_OP);
NATIVE_AT(struct blkif_request_indirect, nr_segments, X64_I_NR_SEGS);
NATIVE_AT(struct blkif_request_indirect, id, X64_I_ID);
NATIVE_AT(struct blkif_request_indirect, sector_number, X64_I_SECTOR);
NATIVE_AT(struct blkif_request_indirect, handle, X64_I_HANDLE);
NATIVE_AT(struct blkif_request_indirect, indirect_grefs, X64_I_GREFS);
NATIVE_AT(struct blkif_response, id, X64_R_ID);
NATIVE_AT(struct blkif_response, operation, X64_R_OP);
NATIVE_AT(struct blkif_response, status, X64_R_STATUS);
#undef NATIVE_AT
_Static_assert(sizeof(struct blkif_response) == X64_RSP, "response size");
_Static_assert(sizeof(union blkif_sring_entry) == X64_SLOT, "slot size");
_Static_assert(__CONST_RING_SIZE(blkif, XEN_PAGE_SIZE) == 32, "ring size");
#endif

typedef struct BlkifLayout {
    size_t slot;
    size_t rsp;
    /* READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE and unknown ops */
    size_t rw_nr_segs, rw_handle, rw_id, rw_sector, rw_seg;
    size_t d_flag, d_handle, d_id, d_sector, d_nr_sectors;
    size_t i_op, i_nr_segs, i_id, i_sector, i_handle, i_grefs;
    size_t r_id, r_op, r_status;
} BlkifLayout;

static const BlkifLayout layouts[] = {
    [BLKIF_ABI_NATIVE] = {
        .slot = sizeof(union blkif_sring_entry),
        .rsp = sizeof(struct blkif_response),
        .rw_nr_segs = offsetof(struct blkif_request, nr_segments),
        .rw_handle = offsetof(struct blkif_request, handle),
        .rw_id = offsetof(struct blkif_request, id),
        .rw_sector = offsetof(struct blkif_request, sector_number),
        .rw_seg = offsetof(struct blkif_request, seg),
        .d_flag = offsetof(struct blkif_request_discard, flag),
        .d_handle = offsetof(struct blkif_request_discard, handle),
        .d_id = offsetof(struct blkif_request_discard, id),
        .d_sector = offsetof(struct blkif_request_discard, sector_number),
        .d_nr_sectors = offsetof(struct blkif_request_discard, nr_sectors),
        .i_op = offsetof(struct blkif_request_indirect, indirect_op),
        .i_nr_segs = offsetof(struct blkif_request_indirect, nr_segments),
        .i_id = offsetof(struct blkif_request_indirect, id),
        .i_sector = offsetof(struct blkif_request_indirect, sector_number),
        .i_handle = offsetof(struct blkif_request_indirect, handle),
        .i_grefs = offsetof(struct blkif_request_indirect, indirect_grefs),
        .r_id = offsetof(struct blkif_response, id),
        .r_op = offsetof(struct blkif_response, operation),
        .r_status = offsetof(struct blkif_response, status),
    },
    [BLKIF_ABI_X86_32] = {
        .slot = X32_SLOT, .rsp = X32_RSP,
        .rw_nr_segs = X32_RW_NR_SEGS, .rw_handle = X32_RW_HANDLE,
        .rw_id = X32_RW_ID, .rw_sector = X32_RW_SECTOR,
        .rw_seg = X32_RW_SEG,
        .d_flag = X32_D_FLAG, .d_handle = X32_D_HANDLE, .d_id = X32_D_ID,
        .d_sector = X32_D_SECTOR, .d_nr_sectors = X32_D_NR_SECTORS,
        .i_op = X32_I_OP, .i_nr_segs = X32_I_NR_SEGS, .i_id = X32_I_ID,
        .i_sector = X32_I_SECTOR, .i_handle = X32_I_HANDLE,
        .i_grefs = X32_I_GREFS,
        .r_id = X32_R_ID, .r_op = X32_R_OP, .r_status = X32_R_STATUS,
    },
    [BLKIF_ABI_X86_64] = {
        .slot = X64_SLOT, .rsp = X64_RSP,
        .rw_nr_segs = X64_RW_NR_SEGS, .rw_handle = X64_RW_HANDLE,
        .rw_id = X64_RW_ID, .rw_sector = X64_RW_SECTOR,
        .rw_seg = X64_RW_SEG,
        .d_flag = X64_D_FLAG, .d_handle = X64_D_HANDLE, .d_id = X64_D_ID,
        .d_sector = X64_D_SECTOR, .d_nr_sectors = X64_D_NR_SECTORS,
        .i_op = X64_I_OP, .i_nr_segs = X64_I_NR_SEGS, .i_id = X64_I_ID,
        .i_sector = X64_I_SECTOR, .i_handle = X64_I_HANDLE,
        .i_grefs = X64_I_GREFS,
        .r_id = X64_R_ID, .r_op = X64_R_OP, .r_status = X64_R_STATUS,
    },
};

/* The response buffer of blkif_put_response() fits every layout. */
#define MAX_RSP 16
_Static_assert(X32_RSP <= MAX_RSP && X64_RSP <= MAX_RSP &&
               sizeof(struct blkif_response) <= MAX_RSP, "MAX_RSP");

/* NULL for a value outside the enum: callers then touch nothing. */
static const BlkifLayout *layout_of(BlkifAbi abi)
{
    if ((unsigned)abi >= sizeof(layouts) / sizeof(layouts[0])) {
        return NULL;
    }
    return &layouts[abi];
}

/* Fields are in the host's byte order, as on the ring. */
static uint8_t get8(const uint8_t *p, size_t off)
{
    return p[off];
}

static uint16_t get16(const uint8_t *p, size_t off)
{
    uint16_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
    uint32_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
    uint64_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static void put8(uint8_t *p, size_t off, uint8_t v)
{
    p[off] = v;
}

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

bool blkif_abi_parse(const char *protocol, BlkifAbi *abi)
{
    if (!protocol) {
        /* Linux's BLKIF_PROTOCOL_DEFAULT: old x86 frontends were 32-bit. */
#if defined(__i386__) || defined(__x86_64__)
        *abi = BLKIF_ABI_X86_32;
#else
        *abi = BLKIF_ABI_NATIVE;
#endif
        return true;
    }
    if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_32)) {
        *abi = BLKIF_ABI_X86_32;
        return true;
    }
    if (!strcmp(protocol, XEN_IO_PROTO_ABI_X86_64)) {
        *abi = BLKIF_ABI_X86_64;
        return true;
    }
#ifdef XEN_IO_PROTO_ABI_NATIVE
    if (!strcmp(protocol, XEN_IO_PROTO_ABI_NATIVE)) {
        *abi = BLKIF_ABI_NATIVE;
        return true;
    }
#endif
    return false;
}

const char *blkif_abi_name(BlkifAbi abi)
{
    switch (abi) {
    case BLKIF_ABI_NATIVE:
#ifdef XEN_IO_PROTO_ABI_NATIVE
        return XEN_IO_PROTO_ABI_NATIVE;
#else
        return "native";
#endif
    case BLKIF_ABI_X86_32:
        return XEN_IO_PROTO_ABI_X86_32;
    case BLKIF_ABI_X86_64:
        return XEN_IO_PROTO_ABI_X86_64;
    }
    return "unknown";
}

size_t blkif_slot_size(BlkifAbi abi)
{
    const BlkifLayout *l = layout_of(abi);

    return l ? l->slot : 0;
}

unsigned blkif_ring_size(BlkifAbi abi, unsigned nr_pages)
{
    const BlkifLayout *l = layout_of(abi);

    if (!l || nr_pages == 0 || nr_pages > BLKIF_MAX_RING_PAGES) {
        return 0;
    }
    return xen_ring_nr_slots((size_t)nr_pages * XEN_PAGE_SIZE, l->slot);
}

static void decode_segment(const uint8_t *p, BlkifSegment *seg)
{
    seg->gref = get32(p, SEG_GREF);
    seg->first_sect = get8(p, SEG_FIRST);
    seg->last_sect = get8(p, SEG_LAST);
}

void blkif_decode_request(BlkifAbi abi, const void *slot, BlkifRequest *req)
{
    const BlkifLayout *l = layout_of(abi);
    const uint8_t *p = slot;
    unsigned n;

    /* Fields the operation does not use read as zero, not stale. */
    memset(req, 0, offsetof(BlkifRequest, seg));
    if (!l) {
        /* Refused by blkif_check_request() like any unknown operation. */
        req->operation = req->data_op = BLKIF_OP_RESERVED_1;
        return;
    }
    req->operation = get8(p, 0);
    req->data_op = req->operation;

    switch (req->operation) {
    case BLKIF_OP_DISCARD:
        req->discard_flags = get8(p, l->d_flag);
        req->handle = get16(p, l->d_handle);
        req->id = get64(p, l->d_id);
        req->sector_number = get64(p, l->d_sector);
        req->nr_sectors = get64(p, l->d_nr_sectors);
        break;
    case BLKIF_OP_INDIRECT:
        req->data_op = get8(p, l->i_op);
        req->nr_segments = get16(p, l->i_nr_segs);
        req->id = get64(p, l->i_id);
        req->sector_number = get64(p, l->i_sector);
        req->handle = get16(p, l->i_handle);
        for (n = 0; n < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; n++) {
            req->indirect_grefs[n] = get32(p, l->i_grefs + 4 * n);
        }
        /* Only pages that can hold segments we accept get mapped. */
        if (req->nr_segments >= 1 &&
            req->nr_segments <= BLKIF_MAX_INDIRECT_SEGMENTS) {
            req->nr_indirect_pages =
                (req->nr_segments + BLKIF_SEGS_PER_INDIRECT_PAGE - 1) /
                BLKIF_SEGS_PER_INDIRECT_PAGE;
        }
        break;
    default:
        /*
         * READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE, and any other
         * operation, whose id still sits where a read's does and must be
         * echoed in the EOPNOTSUPP response.
         */
        req->nr_segments = get8(p, l->rw_nr_segs);
        req->handle = get16(p, l->rw_handle);
        req->id = get64(p, l->rw_id);
        req->sector_number = get64(p, l->rw_sector);
        n = req->nr_segments;
        if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
        }
        for (unsigned i = 0; i < n; i++) {
            decode_segment(p + l->rw_seg + i * SEG_SIZE, &req->seg[i]);
        }
        break;
    }
}

int blkif_decode_indirect(BlkifRequest *req, const void *pages, size_t len)
{
    const uint8_t *p = pages;

    if (req->operation != BLKIF_OP_INDIRECT || req->nr_segments == 0 ||
        req->nr_segments > BLKIF_MAX_INDIRECT_SEGMENTS ||
        len / SEG_SIZE < req->nr_segments) {
        return -EINVAL;
    }
    /* Segment i is at page i / 512, slot i % 512: byte i * 8 overall. */
    for (unsigned i = 0; i < req->nr_segments; i++) {
        decode_segment(p + (size_t)i * SEG_SIZE, &req->seg[i]);
    }
    return 0;
}

/*
 * The segments' sectors, or -1 if one is malformed: sectors out of
 * order or past the end of its frame.
 */
static int64_t segments_length(const BlkifRequest *req, unsigned nr)
{
    int64_t total = 0;

    for (unsigned i = 0; i < nr; i++) {
        const BlkifSegment *s = &req->seg[i];

        if (s->first_sect > s->last_sect ||
            s->last_sect >= BLKIF_SECTORS_PER_PAGE) {
            return -1;
        }
        total += s->last_sect - s->first_sect + 1;
    }
    return total;
}

/* Whether [start, start + len) lies on the disk, without overflowing. */
static bool range_ok(const BlkifLimits *lim, uint64_t start, uint64_t len)
{
    return start <= lim->sectors && len <= lim->sectors - start;
}

/*
 * READ, WRITE and the flushes with data: @nr segments already bounded by
 * the caller; @writes says whether the disk's contents change.
 */
static int check_data(const BlkifRequest *req, const BlkifLimits *lim,
                      unsigned nr, bool writes, uint64_t *total_sectors)
{
    int64_t len;

    if (writes && lim->readonly) {
        return BLKIF_RSP_ERROR;
    }
    len = segments_length(req, nr);
    if (len < 0 || !range_ok(lim, req->sector_number, len)) {
        return BLKIF_RSP_ERROR;
    }
    *total_sectors = len;
    return BLKIF_RSP_OKAY;
}

/* WRITE_BARRIER and FLUSH_DISKCACHE: no segments is a pure flush. */
static int check_flush(const BlkifRequest *req, const BlkifLimits *lim,
                       uint64_t *total_sectors)
{
    if (req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        return BLKIF_RSP_ERROR;
    }
    if (req->nr_segments == 0) {
        /* Nothing is written: fine on a read-only disk, no range. */
        return BLKIF_RSP_OKAY;
    }
    return check_data(req, lim, req->nr_segments, true, total_sectors);
}

int blkif_check_request(const BlkifRequest *req, const BlkifLimits *lim,
                        uint64_t *total_sectors)
{
    uint64_t dummy;
    unsigned max;

    if (!total_sectors) {
        total_sectors = &dummy;
    }
    *total_sectors = 0;

    switch (req->operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        if (req->nr_segments == 0 ||
            req->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            return BLKIF_RSP_ERROR;
        }
        return check_data(req, lim, req->nr_segments,
                          req->operation == BLKIF_OP_WRITE, total_sectors);
    case BLKIF_OP_WRITE_BARRIER:
        if (!lim->barrier) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        return check_flush(req, lim, total_sectors);
    case BLKIF_OP_FLUSH_DISKCACHE:
        if (!lim->flush) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        return check_flush(req, lim, total_sectors);
    case BLKIF_OP_DISCARD:
        if (!lim->discard) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        /* BLKIF_DISCARD_SECURE without discard-secure: ignored (blkif.h) */
        if (lim->readonly ||
            !range_ok(lim, req->sector_number, req->nr_sectors)) {
            return BLKIF_RSP_ERROR;
        }
        *total_sectors = req->nr_sectors;
        return BLKIF_RSP_OKAY;
    case BLKIF_OP_INDIRECT:
        if (lim->max_indirect_segments == 0) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        /* As Linux's blkback: a bad inner operation is an error. */
        if (req->data_op != BLKIF_OP_READ && req->data_op != BLKIF_OP_WRITE) {
            return BLKIF_RSP_ERROR;
        }
        max = lim->max_indirect_segments;
        if (max > BLKIF_MAX_INDIRECT_SEGMENTS) {
            max = BLKIF_MAX_INDIRECT_SEGMENTS;
        }
        if (req->nr_segments == 0 || req->nr_segments > max) {
            return BLKIF_RSP_ERROR;
        }
        return check_data(req, lim, req->nr_segments,
                          req->data_op == BLKIF_OP_WRITE, total_sectors);
    default:
        /* BLKIF_OP_RESERVED_1 and anything newer than us. */
        return BLKIF_RSP_EOPNOTSUPP;
    }
}

void blkif_put_response(BlkifAbi abi, void *slot, uint64_t id,
                        uint8_t operation, int16_t status)
{
    const BlkifLayout *l = layout_of(abi);
    uint8_t rsp[MAX_RSP] = { 0 };

    if (!l) {
        return;
    }
    /* Built privately, so the guest never sees a half-written response. */
    put64(rsp, l->r_id, id);
    put8(rsp, l->r_op, operation);
    put16(rsp, l->r_status, (uint16_t)status);
    memcpy(slot, rsp, l->rsp);
}

void blkif_get_response(BlkifAbi abi, const void *slot, uint64_t *id,
                        uint8_t *operation, int16_t *status)
{
    const BlkifLayout *l = layout_of(abi);
    const uint8_t *p = slot;

    if (!l) {
        *id = 0;
        *operation = 0;
        *status = BLKIF_RSP_ERROR;
        return;
    }
    *id = get64(p, l->r_id);
    *operation = get8(p, l->r_op);
    *status = (int16_t)get16(p, l->r_status);
}

void blkif_encode_request(BlkifAbi abi, const BlkifRequest *req, void *slot)
{
    const BlkifLayout *l = layout_of(abi);
    uint8_t *p = slot;
    unsigned n;

    if (!l) {
        return;
    }
    /* No stale bytes from an earlier request in the padding. */
    memset(p, 0, l->slot);
    put8(p, 0, req->operation);

    switch (req->operation) {
    case BLKIF_OP_DISCARD:
        put8(p, l->d_flag, req->discard_flags);
        put16(p, l->d_handle, req->handle);
        put64(p, l->d_id, req->id);
        put64(p, l->d_sector, req->sector_number);
        put64(p, l->d_nr_sectors, req->nr_sectors);
        break;
    case BLKIF_OP_INDIRECT:
        put8(p, l->i_op, req->data_op);
        put16(p, l->i_nr_segs, req->nr_segments);
        put64(p, l->i_id, req->id);
        put64(p, l->i_sector, req->sector_number);
        put16(p, l->i_handle, req->handle);
        for (n = 0; n < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; n++) {
            put32(p, l->i_grefs + 4 * n, req->indirect_grefs[n]);
        }
        break;
    default:
        /* The wire field is a byte: a larger count is cut to it. */
        put8(p, l->rw_nr_segs, (uint8_t)req->nr_segments);
        put16(p, l->rw_handle, req->handle);
        put64(p, l->rw_id, req->id);
        put64(p, l->rw_sector, req->sector_number);
        n = req->nr_segments;
        if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            n = BLKIF_MAX_SEGMENTS_PER_REQUEST;
        }
        for (unsigned i = 0; i < n; i++) {
            uint8_t *s = p + l->rw_seg + i * SEG_SIZE;

            put32(s, SEG_GREF, req->seg[i].gref);
            put8(s, SEG_FIRST, req->seg[i].first_sect);
            put8(s, SEG_LAST, req->seg[i].last_sect);
        }
        break;
    }
}
