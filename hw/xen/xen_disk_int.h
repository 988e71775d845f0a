/*
 * The block backend's insides, shared by its negotiation (xen_disk.c)
 * and its data path (xen_disk_dp.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_DISK_INT_H
#define HW_XEN_XEN_DISK_INT_H

#include <glib.h>

#include "block/blk.h"
#include "hw/xen/xen_backend.h"
#include "hw/xen/xen_blkif.h"
#include "hw/xen/xen_disk.h"
#include "hw/xen/xen_ring.h"

#define XEN_DISK_MAX_QUEUES 16
/*
 * Bounce pages one queue may hold for copied (not persistent) segments:
 * 4 MiB, the device's whole copy footprint however many requests a
 * frontend sends. A request waits for pages rather than growing it; one
 * indirect request of 256 segments always fits.
 */
#define XEN_DISK_BOUNCE_PAGES 1024
/* Persistent grants one queue keeps mapped, as Linux's blkback. */
#define XEN_DISK_MAX_PGRANTS 1056

typedef struct XenDisk XenDisk;
typedef struct XenDiskQueue XenDiskQueue;
typedef struct XenDiskReq XenDiskReq;

typedef enum XenDiskStep {
    DISK_STEP_NONE,
    DISK_STEP_READ,
    DISK_STEP_WRITE,
    DISK_STEP_FLUSH,
    DISK_STEP_DISCARD,
} XenDiskStep;

/*
 * The segment arrays of an indirect request: too big to keep per ring
 * slot (8 KiB), so a queue lends them out and keeps a few spare.
 */
typedef struct XenDiskBigReq {
    struct XenDiskBigReq *next;
    BlkifSegment seg[BLKIF_MAX_INDIRECT_SEGMENTS];
    struct iovec iov[BLKIF_MAX_INDIRECT_SEGMENTS];
    void *bounce[BLKIF_MAX_INDIRECT_SEGMENTS];
} XenDiskBigReq;

typedef struct XenDiskUnpushed {
    uint64_t taken_ns;
    XenDiskLatClass cls;
} XenDiskUnpushed;

/* Spare XenDiskBigReq a queue keeps: 256 KiB. */
#define XEN_DISK_SPARE_BIG_REQS 32

/* A checked request in flight: what is left of it once decoded. */
struct XenDiskReq {
    XenDiskQueue *q;
    XenDiskReq *next_free;
    uint64_t taken_ns;          /* off the ring, lat_now_ns() */
    uint64_t id;
    uint64_t sector_number;
    uint64_t nr_sectors;        /* DISCARD */
    uint8_t data_op;            /* the operation, READ/WRITE if indirect */
    uint8_t rsp_op;
    uint8_t discard_flags;
    XenDiskStep steps[3];
    unsigned step;
    unsigned nr_segs;
    BlkifSegment *seg;          /* seg_inline, or big's */
    struct iovec *iov;
    void **bounce;              /* per segment: a page of ours, or NULL */
    unsigned nr_bounce;
    XenDiskBigReq *big;
    BlkifSegment seg_inline[BLKIF_MAX_SEGMENTS_PER_REQUEST];
    struct iovec iov_inline[BLKIF_MAX_SEGMENTS_PER_REQUEST];
    void *bounce_inline[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

struct XenDiskQueue {
    XenDisk *disk;
    unsigned index;
    /* The shared ring: nr_ring_pages pages from ring_refs. */
    void *sring;
    unsigned nr_ring_pages;
    uint32_t ring_refs[BLKIF_MAX_RING_PAGES];
    XenBackRing ring;           /* its indices, only through xen_ring.h */
    XenDeviceChannel *chan;
    XenDiskReq *reqs;           /* ring.size of them */
    XenDiskReq *free_reqs;
    XenDiskBigReq *spare_bigs;
    unsigned nr_spare_bigs;
    BlkifRequest *scratch;      /* each request is decoded and checked here */
    unsigned inflight;
    XenDiskReq *parked;         /* dequeued, waiting for bounce pages */
    XenDiskReq *barrier;        /* waits for the requests before it */
    bool draining;
    /* bounce pages: free ones, and how many exist */
    void **free_pages;
    unsigned nr_free_pages;
    unsigned nr_pages;
    /* persistent grants: ref -> mapped page */
    GHashTable *pgrants;
    /*
     * Answered requests whose responses are not pushed yet, to be timed
     * when they are: at most one per ring slot.
     */
    XenDiskUnpushed *unpushed;  /* ring.size of them */
    unsigned nr_unpushed;
    XenGrantCopySeg *copy_segs; /* scratch, BLKIF_MAX_INDIRECT_SEGMENTS */
    void *indirect_buf;         /* scratch for indirect segment pages */
};

struct XenDisk {
    XenDevice xd;
    XenDiskOpts opts;
    BlkDev *blk;
    BlkifLimits limits;
    char *filename;
    char *format;
    bool nbd_uri;
    bool cdrom;
    bool removable;
    /* negotiated with the frontend */
    BlkifAbi abi;
    bool persistent;
    unsigned nr_queues;
    XenDiskQueue queues[XEN_DISK_MAX_QUEUES];
    RateLimit guest_errors;
    char *dev_name;             /* the backend's dev key */
    XenDiskStats stats;
};

/* xen_disk_dp.c: one queue's ring, once negotiation mapped and bound it. */
bool xen_disk_queue_start(XenDiskQueue *q, Error **errp);
void xen_disk_queue_event(XenDevice *xd, void *opaque);
/* Waits for the queue's requests (answering them), then frees its state. */
void xen_disk_queue_stop(XenDiskQueue *q);

#endif /* HW_XEN_XEN_DISK_INT_H */
