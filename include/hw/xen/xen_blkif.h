/*
 * The blkif wire format (xen/io/blkif.h) in the three layouts a backend
 * meets: the host's native one and the x86_32 and x86_64 ABIs a frontend
 * names in its `protocol` key. Requests are decoded from a private copy
 * of the ring slot into one host struct, and checked there: nothing here
 * reads shared memory twice.
 *
 * Pure logic, no I/O: the request parser is fuzzed on its own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_BLKIF_H
#define HW_XEN_XEN_BLKIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/blkif.h>

typedef enum BlkifAbi {
    BLKIF_ABI_NATIVE,
    BLKIF_ABI_X86_32,
    BLKIF_ABI_X86_64,
} BlkifAbi;

#ifndef XEN_PAGE_SIZE
#define XEN_PAGE_SIZE 4096u
#endif

/* What the backend offers, at most; the frontend may ask for less. */
#define BLKIF_MAX_INDIRECT_SEGMENTS 256
#define BLKIF_MAX_RING_PAGE_ORDER 4
#define BLKIF_MAX_RING_PAGES (1u << BLKIF_MAX_RING_PAGE_ORDER)
/* Segments one indirect page holds (struct blkif_request_segment). */
#define BLKIF_SEGS_PER_INDIRECT_PAGE \
    (XEN_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define BLKIF_SECTOR_SIZE 512u
#define BLKIF_SECTORS_PER_PAGE (XEN_PAGE_SIZE / BLKIF_SECTOR_SIZE)

/*
 * The `protocol` key: NULL (key missing) gives what Linux's blkback
 * assumes, x86_32 on x86 hosts and native elsewhere. False for a name
 * that is not one of XEN_IO_PROTO_ABI_*.
 */
bool blkif_abi_parse(const char *protocol, BlkifAbi *abi);
/* The `protocol` name of @abi; "unknown" for a value outside the enum. */
const char *blkif_abi_name(BlkifAbi abi);

/* Bytes of one ring slot (the request/response union) in @abi. */
size_t blkif_slot_size(BlkifAbi abi);
/*
 * Requests a ring of @nr_pages pages holds (__CONST_RING_SIZE); 0 when
 * @nr_pages is 0 or above BLKIF_MAX_RING_PAGES.
 */
unsigned blkif_ring_size(BlkifAbi abi, unsigned nr_pages);

/* One data segment: sectors first..last of the frame @gref grants. */
typedef struct BlkifSegment {
    uint32_t gref;
    uint8_t first_sect;
    uint8_t last_sect;
} BlkifSegment;

/* A request in host form, whatever the layout it came in. */
typedef struct BlkifRequest {
    uint8_t operation;          /* as on the ring, BLKIF_OP_INDIRECT kept */
    /*
     * indirect_op for BLKIF_OP_INDIRECT, as written (only READ and WRITE
     * pass blkif_check_request()), else == operation
     */
    uint8_t data_op;
    uint16_t handle;
    uint64_t id;
    uint64_t sector_number;
    /* BLKIF_OP_DISCARD */
    uint64_t nr_sectors;
    uint8_t discard_flags;      /* BLKIF_DISCARD_SECURE */
    /* Direct segments are filled by blkif_decode_request(); indirect
     * ones by blkif_decode_indirect() from the pages indirect_grefs give. */
    uint16_t nr_segments;
    unsigned nr_indirect_pages;
    uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    BlkifSegment seg[BLKIF_MAX_INDIRECT_SEGMENTS];
} BlkifRequest;

/*
 * Decodes the private copy @slot (blkif_slot_size() bytes) of a request.
 * Only the header is looked at and the counts are clamped: nr_segments
 * may be anything the frontend wrote, blkif_check_request() judges it.
 * For BLKIF_OP_INDIRECT, nr_indirect_pages is set from nr_segments
 * (0 when nr_segments is out of range, i.e. not 1..
 * BLKIF_MAX_INDIRECT_SEGMENTS) and all of indirect_grefs copied.
 * Fields the operation does not use are zero; seg[] past the decoded
 * segments is left as it was.
 */
void blkif_decode_request(BlkifAbi abi, const void *slot, BlkifRequest *req);

/*
 * Fills req->seg from a private copy of the indirect pages (@len bytes,
 * the pages back to back). -EINVAL when @req is not BLKIF_OP_INDIRECT,
 * @len is short of req->nr_segments segments or nr_segments is out of
 * range; req->seg is then untouched.
 */
int blkif_decode_indirect(BlkifRequest *req, const void *pages, size_t len);

/* What a disk allows; blkif_check_request() judges requests by it. */
typedef struct BlkifLimits {
    uint64_t sectors;           /* capacity in 512-byte sectors */
    bool readonly;
    bool flush;                 /* feature-flush-cache offered */
    bool barrier;               /* feature-barrier offered */
    bool discard;               /* feature-discard offered */
    /* discard-secure offered; without it the flag is ignored (blkif.h) */
    bool discard_secure;
    unsigned max_indirect_segments;  /* 0: no feature-max-indirect-segments */
} BlkifLimits;

/*
 * Checks a decoded request (after blkif_decode_indirect() for an indirect
 * one) and returns the response status: BLKIF_RSP_OKAY to go ahead,
 * BLKIF_RSP_EOPNOTSUPP for an operation unknown or not offered,
 * BLKIF_RSP_ERROR for anything else the frontend got wrong: a segment
 * with first_sect > last_sect or last_sect > 7, no segments for a read
 * or write, more segments than allowed, a range past the disk or whose
 * end overflows, a write or discard to a read-only disk. On OKAY,
 * *@total_sectors is the request's length in sectors (nr_sectors for a
 * discard, 0 for a flush or barrier without data); otherwise it is 0.
 * @total_sectors may be NULL.
 */
int blkif_check_request(const BlkifRequest *req, const BlkifLimits *lim,
                        uint64_t *total_sectors);

/*
 * Writes a response into @slot (shared memory) with every padding byte
 * zero: the response is built privately and copied in one go.
 */
void blkif_put_response(BlkifAbi abi, void *slot, uint64_t id,
                        uint8_t operation, int16_t status);

/*
 * The response as written, for tests and frontends. An @abi outside the
 * enum gives id 0, operation 0, status BLKIF_RSP_ERROR.
 */
void blkif_get_response(BlkifAbi abi, const void *slot, uint64_t *id,
                        uint8_t *operation, int16_t *status);

/*
 * A frontend's side, for the test blkfront and the fuzzer's model:
 * encodes @req (direct segments, or indirect_grefs for BLKIF_OP_INDIRECT)
 * into @slot in @abi. nr_segments above what the layout holds is written
 * as given (hostile frontends need that; a direct request's count is a
 * byte on the wire, so only its low 8 bits); segments beyond the slot's
 * 11 are dropped. The whole slot is written, padding zero.
 */
void blkif_encode_request(BlkifAbi abi, const BlkifRequest *req, void *slot);

#endif /* HW_XEN_XEN_BLKIF_H */
