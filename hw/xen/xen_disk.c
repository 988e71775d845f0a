/*
 * The block backend's negotiation: what we offer in the backend
 * directory, what the frontend chose in its own (rings, queues, ABI,
 * persistent grants), and the image behind `params`.
 *
 * Keys we write, as Linux's blkback does: feature-flush-cache,
 * feature-barrier, feature-discard (discard-granularity,
 * discard-alignment, discard-secure), feature-persistent,
 * feature-max-indirect-segments, max-ring-page-order,
 * multi-queue-max-queues, sectors (512-byte units whatever the sector
 * size), sector-size, physical-sector-size, info.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xen-disk"

#include "xen_disk_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/protocols.h>

#include "util/trace.h"

struct XenDiskHost {
    GHashTable *opts;           /* backend path -> XenDiskOpts */
    GList *disks;               /* XenDisk with an open image */
};

void xen_disk_opts_default(XenDiskOpts *opts)
{
    *opts = (XenDiskOpts) {
        .max_queues = 4,
        .max_ring_page_order = BLKIF_MAX_RING_PAGE_ORDER,
        .max_indirect_segments = BLKIF_MAX_INDIRECT_SEGMENTS,
        .persistent = true,
        .discard = true,
        .direct = false,
        .engine = BLK_ENGINE_AUTO,
        .daemon = BLK_DAEMON_AUTO,
        .locking = BLK_LOCKING_AUTO,
    };
}

XenDiskHost *xen_disk_host_new(void)
{
    XenDiskHost *host = g_new0(XenDiskHost, 1);

    host->opts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       g_free);
    return host;
}

void xen_disk_host_free(XenDiskHost *host)
{
    if (host) {
        g_hash_table_destroy(host->opts);
        g_list_free(host->disks);
        g_free(host);
    }
}

void xen_disk_host_foreach(XenDiskHost *host, XenDiskInfoFn *fn,
                           void *opaque)
{
    for (GList *l = host->disks; l; l = l->next) {
        XenDisk *disk = l->data;
        XenDiskInfo info = {
            .device = disk->dev_name,
            .domid = disk->xd.fe_domid,
            .vdev = disk->xd.devid,
            .filename = disk->filename,
            .format = disk->nbd_uri ? "nbd" : disk->format,
            .readonly = disk->limits.readonly,
            .removable = disk->removable,
            .stats = &disk->stats,
        };

        fn(opaque, &info);
    }
}

bool xen_disk_host_reset_latency(XenDiskHost *host, const char *device,
                                 Error **errp)
{
    bool found = false;

    for (GList *l = host->disks; l; l = l->next) {
        XenDisk *disk = l->data;

        if (device && strcmp(disk->dev_name, device)) {
            continue;
        }
        for (unsigned i = 0; i < XEN_DISK_LAT__MAX; i++) {
            lat_hist_reset(&disk->stats.latency[i]);
        }
        found = true;
    }
    if (device && !found) {
        error_set_class(errp, "DeviceNotFound", "Device '%s' not found",
                        device);
        return false;
    }
    return true;
}

static XenDisk *to_disk(XenDevice *xd)
{
    return (XenDisk *)xd;
}

/* ---- params, as libxl writes it ---------------------------------------- */

/*
 * libxl's format prefixes (libxl__device_disk_string_of_format) and the
 * QEMU driver each stands for.
 */
static const struct {
    const char *prefix;
    const char *format;
} params_formats[] = {
    { "aio", "raw" }, { "raw", "raw" }, { "qcow", "qcow" },
    { "qcow2", "qcow2" }, { "vhd", "vpc" }, { "qed", "qed" },
    { "vmdk", "vmdk" }, { "vdi", "vdi" },
};

static bool disk_parse_params(XenDisk *disk, const char *params,
                              Error **errp)
{
    const char *colon = strchr(params, ':');

    disk->format = g_strdup("raw");
    if (g_str_has_prefix(params, "nbd:") || g_str_has_prefix(params, "nbd+")) {
        disk->filename = g_strdup(params);
        disk->nbd_uri = true;
        return true;
    }
    if (colon) {
        g_autofree char *prefix = g_strndup(params, colon - params);

        for (size_t i = 0; i < G_N_ELEMENTS(params_formats); i++) {
            if (!strcmp(prefix, params_formats[i].prefix)) {
                g_free(disk->format);
                disk->format = g_strdup(params_formats[i].format);
                params = colon + 1;
                break;
            }
        }
    }
    if (!*params) {
        error_setg(errp, "params names no image (an empty drive)");
        return false;
    }
    disk->filename = g_strdup(params);
    return true;
}

static bool be_key_is(XenDevice *xd, const char *key, const char *value)
{
    g_autofree char *s = xen_device_be_read(xd, key);

    return s && !strcmp(s, value);
}

/* ---- XenDevOps --------------------------------------------------------- */

/* The -device/-drive options, else blkback's defaults. */
static void disk_init_opts(XenDisk *disk)
{
    XenDiskHost *host = disk->xd.type_opaque;
    const XenDiskOpts *opts = g_hash_table_lookup(host->opts,
                                                  disk->xd.be_path);

    if (opts) {
        disk->opts = *opts;
    } else {
        xen_disk_opts_default(&disk->opts);
    }
}

/* The toolstack's keys: the image, and what libxl says of it. */
static bool disk_read_config(XenDisk *disk, Error **errp)
{
    XenDevice *xd = &disk->xd;
    g_autofree char *params = xen_device_be_read(xd, "params");

    if (!params) {
        error_setg(errp, "%s/params is missing", xd->be_path);
        return false;
    }
    if (!disk_parse_params(disk, params, errp)) {
        return false;
    }
    disk->cdrom = be_key_is(xd, "device-type", "cdrom");
    disk->removable = be_key_is(xd, "removable", "1");
    if (be_key_is(xd, "discard-enable", "0")) {
        disk->opts.discard = false;
    }
    if (be_key_is(xd, "direct-io-safe", "1")) {
        disk->opts.direct = true;
    }
    return true;
}

/* Sets *@readonly to what the toolstack asked for. */
static bool disk_open(XenDisk *disk, bool *readonly, Error **errp)
{
    XenDevice *xd = &disk->xd;
    g_autofree char *mode = xen_device_be_read(xd, "mode");
    BlkOpenOpts bo = {
        .filename = disk->filename,
        .format = disk->format,
        .nbd_uri = disk->nbd_uri,
        .readonly = (mode && mode[0] == 'r') || disk->cdrom,
        .direct = disk->opts.direct,
        .engine = disk->opts.engine,
        .daemon = disk->opts.daemon,
        .locking = disk->opts.locking,
    };

    disk->blk = blk_open(xen_backend_loop(xd->backend), &bo, errp);
    if (!disk->blk) {
        return false;
    }
    *readonly = bo.readonly;
    trace("%s: opened %s (%s%s) with engine %s: %" PRIu64 " bytes%s%s",
          xd->be_path, disk->filename, disk->format,
          disk->nbd_uri ? ", nbd" : "", blk_engine_name(disk->blk),
          blk_size(disk->blk), bo.readonly ? ", read-only" : "",
          bo.direct ? ", O_DIRECT" : "");
    return true;
}

static void disk_set_limits(XenDisk *disk, bool readonly)
{
    BlkifLimits *lim = &disk->limits;

    *lim = (BlkifLimits) {
        .sectors = blk_size(disk->blk) / BLKIF_SECTOR_SIZE,
        .readonly = readonly || blk_is_readonly(disk->blk),
        .flush = blk_can_flush(disk->blk),
        .barrier = blk_can_flush(disk->blk),
        .discard = disk->opts.discard && blk_can_discard(disk->blk),
        .max_indirect_segments = MIN(disk->opts.max_indirect_segments,
                                     BLKIF_MAX_INDIRECT_SEGMENTS),
    };
    if (lim->readonly) {
        lim->discard = false;
    }
    /*
     * Secure discard of a file: the hole is punched and then made
     * durable, so no copy of the data stays readable through the image.
     */
    lim->discard_secure = lim->discard && !disk->nbd_uri &&
                          !strcmp(disk->format, "raw");
}

/* What we offer, in the backend directory, as blkback writes it. */
static void disk_write_features(XenDisk *disk)
{
    XenDevice *xd = &disk->xd;
    const BlkifLimits *lim = &disk->limits;
    unsigned info = (lim->readonly ? VDISK_READONLY : 0) |
                    (disk->cdrom ? VDISK_CDROM : 0) |
                    (disk->removable ? VDISK_REMOVABLE : 0);

    xen_device_be_printf(xd, "feature-flush-cache", "%d", lim->flush);
    xen_device_be_printf(xd, "feature-barrier", "%d", lim->barrier);
    xen_device_be_printf(xd, "feature-discard", "%d", lim->discard);
    if (lim->discard) {
        xen_device_be_printf(xd, "discard-granularity", "%u",
                             blk_discard_granularity(disk->blk));
        xen_device_be_printf(xd, "discard-alignment", "0");
        xen_device_be_printf(xd, "discard-secure", "%d",
                             lim->discard_secure);
    }
    xen_device_be_printf(xd, "feature-persistent", "%d",
                         disk->opts.persistent);
    if (lim->max_indirect_segments) {
        xen_device_be_printf(xd, "feature-max-indirect-segments", "%u",
                             lim->max_indirect_segments);
    }
    xen_device_be_printf(xd, "max-ring-page-order", "%u",
                         MIN(disk->opts.max_ring_page_order,
                             BLKIF_MAX_RING_PAGE_ORDER));
    xen_device_be_printf(xd, "multi-queue-max-queues", "%u",
                         MAX(MIN(disk->opts.max_queues, XEN_DISK_MAX_QUEUES),
                             1u));
    xen_device_be_printf(xd, "sectors", "%" PRIu64, lim->sectors);
    xen_device_be_printf(xd, "sector-size", "%u",
                         blk_logical_block_size(disk->blk));
    xen_device_be_printf(xd, "physical-sector-size", "%u",
                         blk_physical_block_size(disk->blk));
    xen_device_be_printf(xd, "info", "%u", info);
    trace("%s: offered %" PRIu64 " sectors, info %u, flush %d, discard %d, "
          "persistent %d, indirect %u", xd->be_path, lim->sectors, info,
          lim->flush, lim->discard, disk->opts.persistent,
          lim->max_indirect_segments);
}

/* Undoes disk_read_config() and disk_open(), whichever ran. */
static void disk_close(XenDisk *disk)
{
    g_clear_pointer(&disk->blk, blk_close);
    g_clear_pointer(&disk->filename, g_free);
    g_clear_pointer(&disk->format, g_free);
    disk->nbd_uri = false;
}

/*
 * The core calls init() only with no successful init() outstanding (a
 * new device, or a retry after a failed one) and free() only after a
 * successful one: so init() starts from nothing, and on failure leaves
 * nothing behind.
 */
static bool disk_init(XenDevice *xd, Error **errp)
{
    XenDisk *disk = to_disk(xd);
    XenDiskHost *host = xd->type_opaque;
    bool readonly;

    disk_init_opts(disk);
    if (!disk_read_config(disk, errp) || !disk_open(disk, &readonly, errp)) {
        disk_close(disk);
        return false;
    }
    disk_set_limits(disk, readonly);
    disk_write_features(disk);
    disk->dev_name = xen_device_be_read(xd, "dev");
    if (!disk->dev_name) {
        disk->dev_name = g_strdup_printf("%u", xd->devid);
    }
    host->disks = g_list_append(host->disks, disk);
    return true;
}

/*
 * One queue's ring-ref(s) and event-channel, in @dir ("" or "queue-N/"),
 * mapped and bound.
 */
static bool disk_connect_queue(XenDisk *disk, XenDiskQueue *q,
                               const char *dir, unsigned order, Error **errp)
{
    XenDevice *xd = &disk->xd;
    g_autofree char *key = NULL;
    uint64_t v;
    int ret;

    q->disk = disk;
    q->nr_ring_pages = 1u << order;
    for (unsigned i = 0; i < q->nr_ring_pages; i++) {
        g_free(key);
        key = order ? g_strdup_printf("%sring-ref%u", dir, i)
                    : g_strdup_printf("%sring-ref", dir);
        if (!xen_device_fe_read_uint(xd, key, UINT32_MAX, &v, errp)) {
            return false;
        }
        q->ring_refs[i] = v;
    }
    ret = xen_device_map_refs(xd, q->ring_refs, q->nr_ring_pages, true,
                              &q->sring);
    if (ret < 0) {
        q->sring = NULL;
        error_setg(errp, "queue %u: cannot map %u ring page(s) from ref "
                   "%u: %s", q->index, q->nr_ring_pages, q->ring_refs[0],
                   g_strerror(-ret));
        return false;
    }
    trace("%s: queue %u: mapped %u ring page(s) from ref %u", xd->be_path,
          q->index, q->nr_ring_pages, q->ring_refs[0]);
    g_free(key);
    key = g_strdup_printf("%sevent-channel", dir);
    if (!xen_device_fe_read_uint(xd, key, UINT32_MAX, &v, errp)) {
        return false;
    }
    ret = xen_device_bind_channel(xd, v, xen_disk_queue_event, q, &q->chan);
    if (ret < 0) {
        error_setg(errp, "queue %u: cannot bind port %" PRIu64 ": %s",
                   q->index, v, g_strerror(-ret));
        return false;
    }
    return xen_disk_queue_start(q, errp);
}

static bool disk_initialise(XenDevice *xd, Error **errp)
{
    XenDisk *disk = to_disk(xd);
    g_autofree char *protocol = xen_device_fe_read(xd, "protocol");
    g_autofree char *persistent = xen_device_fe_read(xd, "feature-persistent");
    unsigned max_queues = MAX(MIN(disk->opts.max_queues,
                                  XEN_DISK_MAX_QUEUES), 1u);
    unsigned max_order = MIN(disk->opts.max_ring_page_order,
                             BLKIF_MAX_RING_PAGE_ORDER);
    uint64_t nr_queues, order;

    if (!blkif_abi_parse(protocol, &disk->abi)) {
        error_setg(errp, "unknown protocol '%s'", protocol);
        return false;
    }
    /* Both absent: one queue on a one-page ring, as before either. */
    if (!xen_device_fe_read_uint_opt(xd, "multi-queue-num-queues",
                                     max_queues, 1, &nr_queues, errp)) {
        return false;
    }
    if (nr_queues == 0) {
        error_setg(errp, "multi-queue-num-queues is 0");
        return false;
    }
    if (!xen_device_fe_read_uint_opt(xd, "ring-page-order", max_order, 0,
                                     &order, errp)) {
        return false;
    }
    disk->persistent = disk->opts.persistent && persistent &&
                       !strcmp(persistent, "1");
    disk->nr_queues = nr_queues;
    trace("%s: frontend chose protocol %s, %" PRIu64 " queue(s), "
          "ring-page-order %" PRIu64 ", persistent grants %s", xd->be_path,
          protocol ? protocol : "(native)", nr_queues, order,
          disk->persistent ? "on" : "off");
    for (unsigned i = 0; i < nr_queues; i++) {
        g_autofree char *dir = nr_queues > 1 ? g_strdup_printf("queue-%u/", i)
                                             : g_strdup("");
        XenDiskQueue *q = &disk->queues[i];

        q->index = i;
        if (!disk_connect_queue(disk, q, dir, order, errp)) {
            return false;
        }
    }
    return true;
}

static void disk_disconnect(XenDevice *xd)
{
    XenDisk *disk = to_disk(xd);

    for (unsigned i = 0; i < XEN_DISK_MAX_QUEUES; i++) {
        XenDiskQueue *q = &disk->queues[i];

        xen_disk_queue_stop(q);
        if (q->chan) {
            xen_device_unbind_channel(xd, q->chan);
            q->chan = NULL;
        }
        if (q->sring) {
            xen_device_unmap_refs(xd, q->sring, q->ring_refs,
                                  q->nr_ring_pages);
            q->sring = NULL;
        }
    }
    if (disk->nr_queues) {
        trace("%s: %u queue(s) stopped and unmapped", xd->be_path,
              disk->nr_queues);
    }
    disk->nr_queues = 0;
}

static void disk_free(XenDevice *xd)
{
    XenDisk *disk = to_disk(xd);
    XenDiskHost *host = xd->type_opaque;

    host->disks = g_list_remove(host->disks, disk);
    g_clear_pointer(&disk->dev_name, g_free);
    disk_close(disk);
}

static const XenDevOps xen_qdisk_ops = {
    .type = "qdisk",
    .size = sizeof(XenDisk),
    .init = disk_init,
    .initialise = disk_initialise,
    .disconnect = disk_disconnect,
    .free = disk_free,
};

/* What libxl writes for a kernel blkback: the same protocol. */
static const XenDevOps xen_vbd_ops = {
    .type = "vbd",
    .size = sizeof(XenDisk),
    .init = disk_init,
    .initialise = disk_initialise,
    .disconnect = disk_disconnect,
    .free = disk_free,
};

bool xen_disk_register(XenBackend *be, XenDiskHost *host, bool serve_vbd,
                       Error **errp)
{
    return xen_backend_register(be, &xen_qdisk_ops, host, errp) &&
           (!serve_vbd || xen_backend_register(be, &xen_vbd_ops, host, errp));
}

/* ---- the toolstack's part ----------------------------------------------- */

bool xen_disk_parse_vdev(const char *name, unsigned *vdev, Error **errp)
{
    static const struct {
        const char *prefix;
        unsigned major;
        unsigned disks;         /* per major, before the extended scheme */
    } schemes[] = {
        { "xvd", 202, 16 }, { "hd", 3, 2 }, { "sd", 8, 16 },
    };
    char *end;
    unsigned long n = strtoul(name, &end, 10);

    if (end != name && !*end && n > 0 && n < (1ul << 30)) {
        *vdev = n;
        return true;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(schemes); i++) {
        size_t len = strlen(schemes[i].prefix);
        const char *p = name + len;
        unsigned disk = 0, part = 0;

        if (strncmp(name, schemes[i].prefix, len) || *p < 'a' || *p > 'z') {
            continue;
        }
        /* xvda..xvdz, xvdaa..: as libxl's disk name parser. */
        while (*p >= 'a' && *p <= 'z' && disk < 100000) {
            disk = disk * 26 + (*p - 'a' + 1);
            p++;
        }
        disk--;
        if (*p) {
            part = strtoul(p, &end, 10);
            if (*end || part > 255) {
                break;
            }
        }
        if (disk < schemes[i].disks && part < 16) {
            *vdev = (schemes[i].major << 8) | (disk << 4) | part;
        } else if (!strcmp(schemes[i].prefix, "xvd") && disk < (1u << 20)) {
            *vdev = (1u << 28) | (disk << 8) | part;
        } else {
            break;
        }
        return true;
    }
    error_setg(errp, "'%s' is not a virtual disk name (xvda, hdb, sdc2, "
               "or a number)", name);
    return false;
}

bool xen_disk_create(XenBackend *be, XenDiskHost *host, uint16_t domid,
                     unsigned vdev, const char *dev_name, const char *params,
                     bool readonly, bool cdrom, const XenDiskOpts *opts,
                     Error **errp)
{
    g_autofree char *vdev_s = g_strdup_printf("%u", vdev);
    g_autofree char *be_path = g_strdup_printf(
        "/local/domain/%u/backend/qdisk/%u/%u", xen_backend_domid(be),
        domid, vdev);
    g_autofree char *fe_path = g_strdup_printf(
        "/local/domain/%u/device/vbd/%u", domid, vdev);
    const char *device_type = cdrom ? "cdrom" : "disk";
    const char *be_keys[] = {
        "params", params, "mode", readonly || cdrom ? "r" : "w",
        "type", "qdisk", "dev", dev_name, "device-type", device_type,
        "removable", cdrom ? "1" : "0", "bootable", "1",
        "discard-enable", opts->discard ? "1" : "0",
        "direct-io-safe", opts->direct ? "1" : "0",
        NULL,
    };
    const char *fe_keys[] = {
        "virtual-device", vdev_s, "device-type", device_type, NULL,
    };

    /* Before the directories exist: the core reads it at init. */
    g_hash_table_replace(host->opts, g_steal_pointer(&be_path),
                         g_memdup2(opts, sizeof(*opts)));
    return xen_backend_create_device(be, "qdisk", domid, vdev, fe_path,
                                     be_keys, fe_keys, NULL, errp);
}
