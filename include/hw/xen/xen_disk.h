/*
 * The block backend (xen/io/blkif.h): serves backend/qdisk and
 * backend/vbd devices, whether a toolstack wrote them (libxl's `params`
 * and friends) or -drive/-device did.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_DISK_H
#define HW_XEN_XEN_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "block/blk.h"
#include "hw/xen/xen_backend.h"
#include "util/lat-hist.h"

/* What the backend offers a frontend, and how it reaches the image. */
typedef struct XenDiskOpts {
    unsigned max_queues;            /* multi-queue-max-queues */
    unsigned max_ring_page_order;   /* max-ring-page-order */
    unsigned max_indirect_segments; /* 0: no indirect descriptors */
    bool persistent;                /* feature-persistent */
    bool discard;                   /* feature-discard, if the image can */
    bool direct;                    /* O_DIRECT (cache=none) */
    BlkEngine engine;
    BlkDaemon daemon;
    BlkLocking locking;             /* QEMU's image locks (locking=) */
} XenDiskOpts;

/* Host-side settings by device; the machine owns it. */
typedef struct XenDiskHost XenDiskHost;

void xen_disk_opts_default(XenDiskOpts *opts);
XenDiskHost *xen_disk_host_new(void);
/* After the backend that used it is freed. */
void xen_disk_host_free(XenDiskHost *host);

/* What a disk has done, as QMP's query-blockstats reports it. */
/*
 * The request classes timed, each from when the request is taken off
 * the ring to when its response is pushed: reads, writes, and flushes
 * (a flush or barrier with data counts here, whole).
 */
typedef enum XenDiskLatClass {
    XEN_DISK_LAT_RD,
    XEN_DISK_LAT_WR,
    XEN_DISK_LAT_FLUSH,
    XEN_DISK_LAT__MAX,
} XenDiskLatClass;

typedef struct XenDiskStats {
    uint64_t rd_bytes, wr_bytes, unmap_bytes;
    uint64_t rd_operations, wr_operations, flush_operations;
    uint64_t unmap_operations, failed_operations;
    /* Of the requests answered OKAY only, as QEMU's accounting. */
    uint64_t total_time_ns[XEN_DISK_LAT__MAX];
    LatHist latency[XEN_DISK_LAT__MAX];
} XenDiskStats;

/* One disk with its image open, for query-block. */
typedef struct XenDiskInfo {
    const char *device;         /* the toolstack's name (dev), e.g. xvda */
    uint16_t domid;
    unsigned vdev;
    const char *filename;
    const char *format;         /* QEMU's driver name: raw, qcow2, ... */
    bool readonly;
    bool removable;
    const XenDiskStats *stats;
} XenDiskInfo;

typedef void XenDiskInfoFn(void *opaque, const XenDiskInfo *info);
/* Calls @fn for each disk of @host whose image is open. */
void xen_disk_host_foreach(XenDiskHost *host, XenDiskInfoFn *fn,
                           void *opaque);

/*
 * Forgets the latency histograms (not the counters or total times) of
 * the disk whose dev is @device, or of every disk if @device is NULL:
 * so that a benchmark reads one job's percentiles. False (errp set) when
 * no such disk has its image open.
 */
bool xen_disk_host_reset_latency(XenDiskHost *host, const char *device,
                                 Error **errp);

/*
 * Serves backend/qdisk, and backend/vbd if @serve_vbd, with @host's
 * settings. On a real Xen host vbd belongs to the kernel's blkback.
 */
bool xen_disk_register(XenBackend *be, XenDiskHost *host, bool serve_vbd,
                       Error **errp);

/*
 * Parses a Linux/libxl virtual device name (xvda, xvdb3, hdc, sda, or a
 * number) into the xenstore device id.
 */
bool xen_disk_parse_vdev(const char *name, unsigned *vdev, Error **errp);

/*
 * The toolstack's part: writes the directories of disk @vdev of @domid
 * as libxl writes a qdisk: @params ("qcow2:/path", "aio:/path", a plain
 * path, or an nbd:// URI), mode r/w, device-type disk/cdrom.
 */
bool xen_disk_create(XenBackend *be, XenDiskHost *host, uint16_t domid,
                     unsigned vdev, const char *dev_name, const char *params,
                     bool readonly, bool cdrom, const XenDiskOpts *opts,
                     Error **errp);

#endif /* HW_XEN_XEN_DISK_H */
