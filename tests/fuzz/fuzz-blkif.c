/*
 * libFuzzer target: the blkif request parser and response writer
 * (hw/xen/xen_blkif.c) against a hostile frontend's ring slot.
 *
 * FuzzInput layout (missing bytes read as 0):
 *   byte 0        bits 0-1: the ABI (native, x86_32, x86_64; 3 is native)
 *                 bits 2-6: readonly, flush, barrier, discard,
 *                 discard-secure
 *   byte 1        max_indirect_segments: 0..200 as is, above that one of
 *                 the edges in max_ind_edges[]
 *   byte 2        bits 0-4: ring pages for blkif_ring_size(); bits 5-7
 *                 pick how bytes 3-10 become the disk size
 *   bytes 3-10    the disk size in sectors
 *   then          one ring slot, cut or zero-padded to the ABI's size
 *   the rest      the indirect pages, back to back (at most 8 pages);
 *                 their first bytes also serve as a `protocol` key
 *
 * Every result is checked against a model written here from the layouts
 * in Linux's xen-blkback/common.h and the rules in xen_blkif.h, without
 * sharing code with the parser: the decoded fields, the indirect pages,
 * the status and length blkif_check_request() gives, what
 * blkif_encode_request() writes back (each field where it was, zeros
 * elsewhere) and the response bytes, padding included. The slot and the
 * pages are heap blocks of exactly their size, so a sanitizer build sees
 * any read past them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/xen/xen_blkif.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { __builtin_trap(); } } while (0)

#define HEADER 11
#define MAX_PAGES_BYTES (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * 4096)

static const unsigned max_ind_edges[] = {
    1, 11, 255, 256, 257, 511, 512, 4096, 65535, UINT32_MAX,
};

/* Byte offsets of one layout, as in xen-blkback/common.h. */
typedef struct Model {
    size_t slot, rsp;
    size_t rw_nr, rw_handle, rw_id, rw_sector, rw_seg;
    size_t d_flag, d_handle, d_id, d_sector, d_nr;
    size_t i_op, i_nr, i_id, i_sector, i_handle, i_grefs;
} Model;

static const Model model_x86_32 = {
    .slot = 108, .rsp = 12,
    .rw_nr = 1, .rw_handle = 2, .rw_id = 4, .rw_sector = 12, .rw_seg = 20,
    .d_flag = 1, .d_handle = 2, .d_id = 4, .d_sector = 12, .d_nr = 20,
    .i_op = 1, .i_nr = 2, .i_id = 4, .i_sector = 12, .i_handle = 20,
    .i_grefs = 24,
};

static const Model model_x86_64 = {
    .slot = 112, .rsp = 16,
    .rw_nr = 1, .rw_handle = 2, .rw_id = 8, .rw_sector = 16, .rw_seg = 24,
    .d_flag = 1, .d_handle = 2, .d_id = 8, .d_sector = 16, .d_nr = 24,
    .i_op = 1, .i_nr = 2, .i_id = 8, .i_sector = 16, .i_handle = 24,
    .i_grefs = 28,
};

/* Native is whatever xen/io/blkif.h says on this host. */
static const Model model_native = {
    .slot = sizeof(union blkif_sring_entry),
    .rsp = sizeof(struct blkif_response),
    .rw_nr = offsetof(struct blkif_request, nr_segments),
    .rw_handle = offsetof(struct blkif_request, handle),
    .rw_id = offsetof(struct blkif_request, id),
    .rw_sector = offsetof(struct blkif_request, sector_number),
    .rw_seg = offsetof(struct blkif_request, seg),
    .d_flag = offsetof(struct blkif_request_discard, flag),
    .d_handle = offsetof(struct blkif_request_discard, handle),
    .d_id = offsetof(struct blkif_request_discard, id),
    .d_sector = offsetof(struct blkif_request_discard, sector_number),
    .d_nr = offsetof(struct blkif_request_discard, nr_sectors),
    .i_op = offsetof(struct blkif_request_indirect, indirect_op),
    .i_nr = offsetof(struct blkif_request_indirect, nr_segments),
    .i_id = offsetof(struct blkif_request_indirect, id),
    .i_sector = offsetof(struct blkif_request_indirect, sector_number),
    .i_handle = offsetof(struct blkif_request_indirect, handle),
    .i_grefs = offsetof(struct blkif_request_indirect, indirect_grefs),
};

/* A field of @n bytes in the host's byte order, assembled by hand. */
static uint64_t rd(const uint8_t *p, size_t off, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = v << 8 | p[off + i];
#else
        v |= (uint64_t)p[off + i] << (8 * i);
#endif
    }
    return v;
}

/* Marks @n bytes at @off as a field the encoder must reproduce. */
static void field(uint8_t *mask, size_t off, size_t n)
{
    memset(mask + off, 1, n);
}

/* The model's decode: checks @req field by field and fills @mask. */
static void check_decode(const Model *m, const uint8_t *slot,
                         const BlkifRequest *req, uint8_t *mask)
{
    uint8_t op = slot[0];
    unsigned nr, pages;

    check(req->operation == op);
    field(mask, 0, 1);
    if (op == BLKIF_OP_DISCARD) {
        check(req->data_op == op);
        check(req->discard_flags == rd(slot, m->d_flag, 1));
        check(req->handle == rd(slot, m->d_handle, 2));
        check(req->id == rd(slot, m->d_id, 8));
        check(req->sector_number == rd(slot, m->d_sector, 8));
        check(req->nr_sectors == rd(slot, m->d_nr, 8));
        check(req->nr_segments == 0 && req->nr_indirect_pages == 0);
        field(mask, m->d_flag, 1);
        field(mask, m->d_handle, 2);
        field(mask, m->d_id, 8);
        field(mask, m->d_sector, 8);
        field(mask, m->d_nr, 8);
    } else if (op == BLKIF_OP_INDIRECT) {
        nr = rd(slot, m->i_nr, 2);
        check(req->data_op == rd(slot, m->i_op, 1));
        check(req->nr_segments == nr);
        check(req->id == rd(slot, m->i_id, 8));
        check(req->sector_number == rd(slot, m->i_sector, 8));
        check(req->handle == rd(slot, m->i_handle, 2));
        check(req->nr_sectors == 0 && req->discard_flags == 0);
        for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
            check(req->indirect_grefs[i] == rd(slot, m->i_grefs + 4 * i, 4));
        }
        pages = nr >= 1 && nr <= BLKIF_MAX_INDIRECT_SEGMENTS ?
                (nr + 511) / 512 : 0;
        check(req->nr_indirect_pages == pages);
        check(req->nr_indirect_pages <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
        field(mask, m->i_op, 1);
        field(mask, m->i_nr, 2);
        field(mask, m->i_id, 8);
        field(mask, m->i_sector, 8);
        field(mask, m->i_handle, 2);
        field(mask, m->i_grefs, 4 * BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
    } else {
        nr = slot[m->rw_nr];
        check(req->data_op == op);
        check(req->nr_segments == nr);
        check(req->handle == rd(slot, m->rw_handle, 2));
        check(req->id == rd(slot, m->rw_id, 8));
        check(req->sector_number == rd(slot, m->rw_sector, 8));
        check(req->nr_sectors == 0 && req->discard_flags == 0);
        check(req->nr_indirect_pages == 0);
        for (unsigned i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
            check(req->indirect_grefs[i] == 0);
        }
        field(mask, m->rw_nr, 1);
        field(mask, m->rw_handle, 2);
        field(mask, m->rw_id, 8);
        field(mask, m->rw_sector, 8);
        for (unsigned i = 0; i < nr && i < 11; i++) {
            size_t s = m->rw_seg + 8 * i;

            check(req->seg[i].gref == rd(slot, s, 4));
            check(req->seg[i].first_sect == slot[s + 4]);
            check(req->seg[i].last_sect == slot[s + 5]);
            field(mask, s, 6);
        }
    }
}

/*
 * What blkif_check_request() must answer, from the rules alone. Ends
 * are summed in 128 bits, so an overflow shows as a range past the disk.
 */
static int model_check(const BlkifRequest *req, const BlkifLimits *lim,
                       uint64_t *total)
{
    unsigned op = req->operation, inner = req->data_op;
    unsigned nr = req->nr_segments, min_segs = 1, max_segs = 11;
    unsigned __int128 len = 0;
    bool offered, writes;

    *total = 0;
    switch (op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        offered = true;
        writes = op == BLKIF_OP_WRITE;
        break;
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE:
        offered = op == BLKIF_OP_WRITE_BARRIER ? lim->barrier : lim->flush;
        min_segs = 0;
        writes = nr > 0;
        break;
    case BLKIF_OP_DISCARD:
        if (!lim->discard) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        if (lim->readonly ||
            (unsigned __int128)req->sector_number + req->nr_sectors >
            lim->sectors) {
            return BLKIF_RSP_ERROR;
        }
        *total = req->nr_sectors;
        return BLKIF_RSP_OKAY;
    case BLKIF_OP_INDIRECT:
        offered = lim->max_indirect_segments > 0;
        if (offered && inner != BLKIF_OP_READ && inner != BLKIF_OP_WRITE) {
            return BLKIF_RSP_ERROR;
        }
        max_segs = lim->max_indirect_segments < 256 ?
                   lim->max_indirect_segments : 256;
        writes = inner == BLKIF_OP_WRITE;
        break;
    default:
        offered = false;
        writes = false;
        break;
    }
    if (!offered) {
        return BLKIF_RSP_EOPNOTSUPP;
    }
    if (nr < min_segs || nr > max_segs) {
        return BLKIF_RSP_ERROR;
    }
    if (writes && lim->readonly) {
        return BLKIF_RSP_ERROR;
    }
    if (nr == 0) {
        /* A pure flush or barrier: no range to check. */
        return BLKIF_RSP_OKAY;
    }
    for (unsigned i = 0; i < nr; i++) {
        if (req->seg[i].first_sect > req->seg[i].last_sect ||
            req->seg[i].last_sect > 7) {
            return BLKIF_RSP_ERROR;
        }
        len += req->seg[i].last_sect - req->seg[i].first_sect + 1;
    }
    if (req->sector_number + len > lim->sectors) {
        return BLKIF_RSP_ERROR;
    }
    *total = (uint64_t)len;
    return BLKIF_RSP_OKAY;
}

static void check_indirect(BlkifRequest *req, const uint8_t *pages,
                           size_t len)
{
    unsigned nr = req->nr_segments;
    bool ok = req->operation == BLKIF_OP_INDIRECT && nr >= 1 &&
              nr <= BLKIF_MAX_INDIRECT_SEGMENTS && len >= (size_t)nr * 8;
    BlkifSegment before[BLKIF_MAX_INDIRECT_SEGMENTS];
    int ret;

    memcpy(before, req->seg, sizeof(before));
    ret = blkif_decode_indirect(req, pages, len);
    if (!ok) {
        /* A refusal leaves seg[] as it was. */
        check(ret == -EINVAL);
        check(!memcmp(before, req->seg, sizeof(before)));
        return;
    }
    check(ret == 0);
    for (unsigned i = 0; i < nr; i++) {
        check(req->seg[i].gref == rd(pages, 8 * i, 4));
        check(req->seg[i].first_sect == pages[8 * i + 4]);
        check(req->seg[i].last_sect == pages[8 * i + 5]);
    }
}

static void check_response(BlkifAbi abi, const Model *m, uint64_t id,
                           uint8_t op, int16_t status)
{
    uint8_t *slot = malloc(m->slot);
    uint64_t rid;
    uint8_t rop;
    int16_t rstatus;

    if (!slot) {
        abort();
    }
    memset(slot, 0xcc, m->slot);
    blkif_put_response(abi, slot, id, op, status);
    check(rd(slot, 0, 8) == id);
    check(slot[8] == op);
    check(slot[9] == 0);
    check((uint16_t)rd(slot, 10, 2) == (uint16_t)status);
    for (size_t i = 12; i < m->rsp; i++) {
        check(slot[i] == 0);
    }
    for (size_t i = m->rsp; i < m->slot; i++) {
        check(slot[i] == 0xcc);
    }
    blkif_get_response(abi, slot, &rid, &rop, &rstatus);
    check(rid == id && rop == op && rstatus == status);
    free(slot);
}

/* The frontend's `protocol` key, taken from the start of the pages. */
static void check_protocol(const uint8_t *p, size_t len)
{
    char name[16] = "";
    BlkifAbi abi = (BlkifAbi)77;
    bool ok;

    memcpy(name, p, len < sizeof(name) - 1 ? len : sizeof(name) - 1);
    ok = blkif_abi_parse(name, &abi);
    if (!strcmp(name, "x86_32-abi")) {
        check(ok && abi == BLKIF_ABI_X86_32);
    } else if (!strcmp(name, "x86_64-abi")) {
        check(ok && abi == BLKIF_ABI_X86_64);
    } else if (!strcmp(name, blkif_abi_name(BLKIF_ABI_NATIVE))) {
        check(ok && abi == BLKIF_ABI_NATIVE);
    } else {
        check(!ok && abi == (BlkifAbi)77);
    }
}

static unsigned model_ring_size(const Model *m, unsigned pages)
{
    size_t n, pow2 = 1;

    if (pages == 0 || pages > 16) {
        return 0;
    }
    n = (pages * 4096 - 64) / m->slot;
    while (pow2 * 2 <= n) {
        pow2 *= 2;
    }
    return pow2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const Model *const models[] = {
        &model_native, &model_x86_32, &model_x86_64, &model_native,
    };
    static const BlkifAbi abi_of[] = {
        BLKIF_ABI_NATIVE, BLKIF_ABI_X86_32, BLKIF_ABI_X86_64,
        BLKIF_ABI_NATIVE,
    };
    FuzzInput in = { data, size };
    unsigned b0 = fuzz_take(&in, 1), b1 = fuzz_take(&in, 1), b2 = fuzz_take(&in, 1);
    uint64_t sectors = fuzz_take(&in, 8);
    const Model *m = models[b0 & 3];
    BlkifAbi abi = abi_of[b0 & 3];
    BlkifLimits lim = {
        .readonly = b0 & 4, .flush = b0 & 8, .barrier = b0 & 16,
        .discard = b0 & 32, .discard_secure = b0 & 64,
    };
    uint8_t *slot, *enc, *mask, *pages;
    BlkifRequest *req, *again;
    size_t n, pages_len;
    uint64_t total, want_total;
    int status, want;

    lim.max_indirect_segments = b1 <= 200 ? b1 :
        max_ind_edges[(b1 - 201) % (sizeof(max_ind_edges) /
                                    sizeof(max_ind_edges[0]))];
    switch (b2 >> 5) {
    case 4:
        sectors = UINT64_MAX;
        break;
    case 5:
        sectors = 0;
        break;
    case 6:
        sectors &= 0xffff;
        break;
    case 7:
        sectors &= 0xffffffff;
        break;
    }
    lim.sectors = sectors;

    check(blkif_slot_size(abi) == m->slot);
    check(blkif_ring_size(abi, b2 & 31) == model_ring_size(m, b2 & 31));

    /* Exactly one slot, then exactly the pages given. */
    slot = calloc(1, m->slot);
    enc = malloc(m->slot);
    mask = calloc(1, m->slot);
    req = calloc(1, sizeof(*req));
    again = calloc(1, sizeof(*again));
    if (!slot || !enc || !mask || !req || !again) {
        abort();
    }
    n = in.left < m->slot ? in.left : m->slot;
    memcpy(slot, in.p, n);
    in.p += n;
    in.left -= n;
    pages_len = in.left < MAX_PAGES_BYTES ? in.left : MAX_PAGES_BYTES;
    pages = malloc(pages_len ? pages_len : 1);
    if (!pages) {
        abort();
    }
    memcpy(pages, in.p, pages_len);

    check_protocol(pages, pages_len);

    blkif_decode_request(abi, slot, req);
    check_decode(m, slot, req, mask);
    if (req->operation == BLKIF_OP_INDIRECT || (b2 & 1)) {
        check_indirect(req, pages, pages_len);
    }

    status = blkif_check_request(req, &lim, &total);
    want = model_check(req, &lim, &want_total);
    check(status == want);
    check(total == want_total);

    /* Encoded back: each field where it was, zero everywhere else. */
    memset(enc, 0xcc, m->slot);
    blkif_encode_request(abi, req, enc);
    for (size_t i = 0; i < m->slot; i++) {
        check(enc[i] == (mask[i] ? slot[i] : 0));
    }
    blkif_decode_request(abi, enc, again);
    check(again->operation == req->operation);
    check(again->data_op == req->data_op);
    check(again->nr_segments == req->nr_segments);
    check(again->id == req->id && again->handle == req->handle);
    check(again->sector_number == req->sector_number);
    check(again->nr_sectors == req->nr_sectors);
    check(again->nr_indirect_pages == req->nr_indirect_pages);
    check(!memcmp(again->indirect_grefs, req->indirect_grefs,
                  sizeof(req->indirect_grefs)));

    check_response(abi, m, req->id, req->operation, (int16_t)status);
    /* Any status a backend might pass, not only the three. */
    check_response(abi, m, ~req->id, b1, (int16_t)rd(slot, 0, 2));

    free(pages);
    free(again);
    free(req);
    free(mask);
    free(enc);
    free(slot);
    return 0;
}
