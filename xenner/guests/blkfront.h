/*
 * A block frontend for in-process test guests, negotiating as Linux's
 * xen-blkfront does, with every feature it can switch on or off:
 * multi-page rings (ring-page-order, ring-refN), several queues
 * (multi-queue-num-queues, queue-N/...), persistent grants, indirect
 * descriptors, and any of the three ABIs (or no protocol key at all).
 *
 * Data is copied between the caller's buffer and pages of the guest's
 * own memory granted to the backend: fresh grants per request and
 * revoked after the response, or, with persistent grants, a pool of
 * pages granted once and reused as Linux does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_BLKFRONT_H
#define XENNER_GUESTS_BLKFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_blkif.h"
#include "xenner/guest.h"

typedef struct BlkFront BlkFront;

typedef struct BlkFrontConfig {
    /* Ask for these when the backend offers them (it may offer less). */
    bool indirect;              /* feature-max-indirect-segments */
    bool persistent;            /* feature-persistent */
    unsigned nr_queues;         /* 0 or 1: one ring, no queue-N dirs */
    unsigned ring_page_order;   /* 0: a single ring-ref key */
    /* NULL: no protocol key; else an XEN_IO_PROTO_ABI_* name */
    const char *protocol;
} BlkFrontConfig;

/* Connected (once, and again after each reconnect), or failed. */
typedef void BlkFrontStateFn(void *opaque, BlkFront *bf, bool connected);
/* A response: BLKIF_RSP_* status; a read's data is in the caller's buf. */
typedef void BlkFrontDoneFn(void *opaque, int16_t status);

/* Starts connecting device/vbd/@vdev. */
BlkFront *blkfront_new(XennerGuest *g, unsigned vdev,
                       const BlkFrontConfig *cfg, BlkFrontStateFn *fn,
                       void *opaque);
/* Closes (Closing, Closed), revokes every grant, frees. */
void blkfront_free(BlkFront *bf);
/* Closes and connects again, with fresh rings and ports. */
void blkfront_reconnect(BlkFront *bf);

bool blkfront_connected(BlkFront *bf);
/* What the backend said, valid once connected. */
uint64_t blkfront_sectors(BlkFront *bf);
unsigned blkfront_info(BlkFront *bf);
unsigned blkfront_sector_size(BlkFront *bf);
unsigned blkfront_nr_queues(BlkFront *bf);
unsigned blkfront_max_segments(BlkFront *bf);  /* per request */
bool blkfront_has_feature(BlkFront *bf, const char *feature_key);
/* Requests in flight on @queue, and how many the ring holds. */
unsigned blkfront_inflight(BlkFront *bf, unsigned queue);
unsigned blkfront_ring_size(BlkFront *bf);

/*
 * Queues one request on @queue and notifies the backend (as the ring
 * macros say). READ and WRITE carry @nr_sectors sectors of @buf (which
 * must stay valid until @done for a read); more sectors than one
 * direct request holds go as BLKIF_OP_INDIRECT. FLUSH_DISKCACHE and
 * WRITE_BARRIER may carry data or none; DISCARD uses @nr_sectors and
 * @secure. -EBUSY when the ring is full or the guest is short of grant
 * refs or pages for now (Linux requeues then), -E2BIG for more segments
 * than blkfront_max_segments(), -EINVAL for a bad @queue or argument,
 * -ENOTCONN before connection. Nothing is queued on an error.
 */
int blkfront_submit(BlkFront *bf, unsigned queue, uint8_t op,
                    uint64_t sector, void *buf, uint32_t nr_sectors,
                    bool secure, BlkFrontDoneFn *done, void *opaque);

/*
 * For hostile guests: puts @req as it is (encoded in the negotiated ABI)
 * on @queue, with the response reported to @done; any grants it names
 * are the caller's business. -EBUSY when the ring is full.
 */
int blkfront_submit_raw(BlkFront *bf, unsigned queue,
                        const BlkifRequest *req, BlkFrontDoneFn *done,
                        void *opaque);
/* The shared ring of @queue, and its port, to break the protocol. */
void *blkfront_sring(BlkFront *bf, unsigned queue);
evtchn_port_t blkfront_port(BlkFront *bf, unsigned queue);
const char *blkfront_path(BlkFront *bf);

/*
 * Grant refs the frontend holds (rings, data and indirect pages, the
 * persistent pool, and grants the backend still maps, which are retried
 * first): 0 once closed, for leak checks.
 */
unsigned blkfront_grants_in_use(BlkFront *bf);

#endif /* XENNER_GUESTS_BLKFRONT_H */
