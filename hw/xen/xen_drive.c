/*
 * -drive and -device xen-disk options, as QEMU spells them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/xen/xen_drive.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>
#include <xen/xen.h>

static bool parse_on_off(QemuOpts *opts, const char *key, bool def,
                         bool *value, Error **errp)
{
    const char *s = qemu_opt_get(opts, key);

    if (!s) {
        *value = def;
    } else if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true")) {
        *value = true;
    } else if (!strcmp(s, "off") || !strcmp(s, "no") ||
               !strcmp(s, "false")) {
        *value = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

/* Picks @value among @names (NULL-terminated); *index is its position. */
static bool parse_choice(QemuOpts *opts, const char *key,
                         const char *const *names, unsigned *index,
                         Error **errp)
{
    const char *s = qemu_opt_get(opts, key);

    if (!s) {
        return true;
    }
    for (unsigned i = 0; names[i]; i++) {
        if (!strcmp(s, names[i])) {
            *index = i;
            return true;
        }
    }
    error_setg(errp, "invalid %s option '%s'", key, s);
    return false;
}

XenDrive *xen_drive_parse(QemuOpts *opts, Error **errp)
{
    static const char *const keys[] = {
        "file", "if", "id", "format", "index", "media", "readonly", "cache",
        "aio", "discard", "locking", "file.locking", "backend", NULL,
    };
    static const char *const backends[] = { "qdisk", "vbd", NULL };
    static const char *const ifs[] = { "xen", "none", NULL };
    static const char *const medias[] = { "disk", "cdrom", NULL };
    /* cache modes that bypass the host page cache use O_DIRECT */
    static const char *const caches[] = {
        "writeback", "none", "directsync", "writethrough", "unsafe", NULL,
    };
    static const char *const aios[] = {
        "io_uring", "threads", "native", NULL,
    };
    static const char *const discards[] = {
        "ignore", "unmap", "off", "on", NULL,
    };
    /* BlkLocking's order. */
    static const char *const lockings[] = { "auto", "on", "off", NULL };
    g_autofree XenDrive *d = g_new0(XenDrive, 1);
    const char *file = qemu_opt_get(opts, "file");
    const char *format = qemu_opt_get(opts, "format");
    unsigned if_idx = 0, media = 0, cache = 0, aio = 0, discard = 1;
    unsigned backend = 0;
    unsigned locking = BLK_LOCKING_AUTO, file_locking = BLK_LOCKING_AUTO;
    uint64_t index;

    d->lock_fd = -1;
    xen_disk_opts_default(&d->opts);
    if (!qemu_opts_check_keys(opts, keys, "drive", errp) ||
        !parse_choice(opts, "if", ifs, &if_idx, errp) ||
        !parse_choice(opts, "media", medias, &media, errp) ||
        !parse_choice(opts, "backend", backends, &backend, errp) ||
        !parse_choice(opts, "cache", caches, &cache, errp) ||
        !parse_choice(opts, "aio", aios, &aio, errp) ||
        !parse_choice(opts, "discard", discards, &discard, errp) ||
        !parse_choice(opts, "locking", lockings, &locking, errp) ||
        !parse_choice(opts, "file.locking", lockings, &file_locking, errp) ||
        !parse_on_off(opts, "readonly", false, &d->readonly, errp) ||
        !qemu_opt_get_number(opts, "index", UINT32_MAX, UINT32_MAX, &index,
                             errp)) {
        return NULL;
    }
    if (!file || !*file) {
        error_setg(errp, "-drive needs file=PATH (an empty drive is not "
                   "supported)");
        return NULL;
    }
    if (format && (!*format || strchr(format, ':'))) {
        error_setg(errp, "invalid format '%s'", format);
        return NULL;
    }
    d->if_xen = if_idx == 0;
    d->vbd = backend == 1;
    if (d->vbd && ((format && strcmp(format, "raw")) ||
                   g_str_has_prefix(file, "nbd"))) {
        error_setg(errp, "-drive backend=vbd: the kernel's blkback serves "
                   "raw images and block devices only");
        return NULL;
    }
    d->cdrom = media == 1;
    d->index = index == UINT32_MAX ? -1 : (int)MIN(index, 1u << 20);
    d->opts.direct = cache == 1 || cache == 2;
    if (qemu_opt_get(opts, "aio")) {
        d->opts.engine = aio == 1 ? BLK_ENGINE_THREADS : BLK_ENGINE_IO_URING;
    }
    d->opts.discard = discard % 2 == 1;
    /*
     * QEMU's -drive takes it as file.locking= (an option of the file
     * driver below the format); locking= is its name on that driver.
     */
    if (qemu_opt_get(opts, "locking") && qemu_opt_get(opts, "file.locking") &&
        locking != file_locking) {
        error_setg(errp, "-drive: locking= and file.locking= disagree");
        return NULL;
    }
    d->opts.locking = qemu_opt_get(opts, "locking") ? locking : file_locking;
    d->id = g_strdup(qemu_opt_get(opts, "id"));
    if (!d->if_xen && !d->id) {
        error_setg(errp, "-drive if=none needs id=ID");
        return NULL;
    }
    d->file = g_strdup(file);
    if (g_str_has_prefix(file, "nbd:") || g_str_has_prefix(file, "nbd+")) {
        d->params = g_strdup(file);
    } else if (!format || !strcmp(format, "raw")) {
        d->params = g_strdup_printf("aio:%s", file);
    } else {
        /* Handed to QEMU's block layer by name: it knows the formats. */
        d->params = g_strdup_printf("%s:%s", format, file);
    }
    if (!g_str_has_prefix(d->params, "nbd")) {
        bool readonly = d->readonly || d->cdrom;

        if (access(file, readonly ? R_OK : R_OK | W_OK) < 0) {
            error_setg_errno(errp, errno, "Could not open '%s'", file);
            xen_drive_free(g_steal_pointer(&d));
            return NULL;
        }
        /*
         * A disk's device is not opened before the event loop runs: a
         * clash found then would only fail the device, where QEMU
         * refuses to start. Formats are checked with a raw disk's locks,
         * which meet the same conflicts their daemon's would.
         */
        if (!blk_lock_image(file, readonly, d->opts.locking, &d->lock_fd,
                            errp)) {
            xen_drive_free(g_steal_pointer(&d));
            return NULL;
        }
    }
    return g_steal_pointer(&d);
}

void xen_drive_unlock(XenDrive *drive)
{
    if (drive->lock_fd >= 0) {
        close(drive->lock_fd);
        drive->lock_fd = -1;
    }
}

void xen_drive_free(XenDrive *drive)
{
    if (drive) {
        xen_drive_unlock(drive);
        g_free(drive->id);
        g_free(drive->file);
        g_free(drive->params);
        g_free(drive);
    }
}

bool xen_drives_parse(GPtrArray *drive_opts, GPtrArray *drives,
                      Error **errp)
{
    for (guint i = 0; i < drive_opts->len; i++) {
        XenDrive *d = xen_drive_parse(g_ptr_array_index(drive_opts, i), errp);

        if (!d) {
            return false;
        }
        g_ptr_array_add(drives, d);
        if (d->id && xen_drives_find(drives, d->id) != d) {
            error_setg(errp, "Duplicate ID '%s' for drive", d->id);
            return false;
        }
    }
    /* Each was checked against the others: the disks take their own. */
    for (guint i = 0; i < drives->len; i++) {
        xen_drive_unlock(g_ptr_array_index(drives, i));
    }
    return true;
}

XenDrive *xen_drives_find(GPtrArray *drives, const char *id)
{
    for (guint i = 0; i < drives->len; i++) {
        XenDrive *d = g_ptr_array_index(drives, i);

        if (d->id && !strcmp(d->id, id)) {
            return d;
        }
    }
    return NULL;
}

bool xen_drives_each_if_xen(GPtrArray *drives, XenDriveAddFn *add,
                            void *opaque, Error **errp)
{
    unsigned next = 0;

    for (guint i = 0; i < drives->len; i++) {
        XenDrive *d = g_ptr_array_index(drives, i);
        g_autofree char *name = NULL;
        unsigned index;

        if (!d->if_xen) {
            continue;
        }
        index = d->index >= 0 ? (unsigned)d->index : next;
        next = index + 1;
        name = xen_drive_vdev_name(index, errp);
        if (!name || !add(opaque, d, name, errp)) {
            return false;
        }
    }
    return true;
}

static const char *const xen_disk_device_keys[] = {
    "max-queues", "max-ring-page-order", "max-indirect-segments",
    "persistent", "daemon", NULL,
};

static bool xen_disk_device_apply(QemuOpts *opts, XenDrive *drive,
                                  Error **errp)
{
    static const char *const daemons[] = { "auto", "qsd", "qemu-nbd", NULL };
    XenDiskOpts *o = &drive->opts;
    unsigned daemon = 0;
    uint64_t queues, order, segs;

    if (!qemu_opt_get_number(opts, "max-queues", o->max_queues, 16, &queues,
                             errp) ||
        !qemu_opt_get_number(opts, "max-ring-page-order",
                             o->max_ring_page_order, 4, &order, errp) ||
        !qemu_opt_get_number(opts, "max-indirect-segments",
                             o->max_indirect_segments, 256, &segs, errp) ||
        !parse_on_off(opts, "persistent", o->persistent, &o->persistent,
                      errp) ||
        !parse_choice(opts, "daemon", daemons, &daemon, errp)) {
        return false;
    }
    if (queues == 0) {
        error_setg(errp, "xen-disk: max-queues must be at least 1");
        return false;
    }
    o->max_queues = queues;
    o->max_ring_page_order = order;
    o->max_indirect_segments = segs;
    o->daemon = daemon == 1 ? BLK_DAEMON_QSD
              : daemon == 2 ? BLK_DAEMON_QEMU_NBD : BLK_DAEMON_AUTO;
    return true;
}

XenDrive *xen_disk_device_parse(QemuOpts *opts, GPtrArray *drives,
                                unsigned default_domid, uint64_t *domid,
                                const char **vdev_name, Error **errp)
{
    static const char *const base_keys[] = {
        "driver", "domid", "vdev", "drive",
    };
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    const char *drive = qemu_opt_get(opts, "drive");
    XenDrive *d;

    for (size_t i = 0; i < G_N_ELEMENTS(base_keys); i++) {
        g_ptr_array_add(keys, (gpointer)base_keys[i]);
    }
    for (const char *const *k = xen_disk_device_keys; *k; k++) {
        g_ptr_array_add(keys, (gpointer)*k);
    }
    g_ptr_array_add(keys, NULL);
    if (!qemu_opts_check_keys(opts, (const char *const *)keys->pdata,
                              "xen-disk", errp) ||
        !qemu_opt_get_number(opts, "domid", default_domid,
                             DOMID_FIRST_RESERVED - 1, domid, errp)) {
        return NULL;
    }
    *vdev_name = qemu_opt_get(opts, "vdev");
    if (!*vdev_name || !drive) {
        error_setg(errp, "xen-disk needs vdev=NAME and drive=ID");
        return NULL;
    }
    d = xen_drives_find(drives, drive);
    if (!d || d->if_xen) {
        error_setg(errp, "xen-disk: no -drive if=none,id=%s", drive);
        return NULL;
    }
    if (d->used) {
        error_setg(errp, "xen-disk: drive %s is in use already", drive);
        return NULL;
    }
    return xen_disk_device_apply(opts, d, errp) ? d : NULL;
}

char *xen_drive_vdev_name(unsigned index, Error **errp)
{
    if (index >= 26 * 27) {
        error_setg(errp, "-drive index=%u is too large", index);
        return NULL;
    }
    return index < 26 ? g_strdup_printf("xvd%c", 'a' + index)
                      : g_strdup_printf("xvd%c%c", 'a' + index / 26 - 1,
                                        'a' + index % 26);
}
