/*
 * ringbuf chardev: keeps the newest output in memory, to be drained by
 * chardev_ringbuf_read() (QEMU's ringbuf-read), oldest bytes first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "char-int.h"

#include <glib.h>

#define RINGBUF_DEFAULT_SIZE 65536
/* A guard against typos such as size=1G eating the host's memory. */
#define RINGBUF_MAX_SIZE (1u << 30)

typedef struct RingbufChardev {
    Chardev parent;
    uint8_t *buf;
    size_t size;                /* a power of two */
    /* Free-running positions; the bytes held are [cons, prod). */
    uint64_t prod;
    uint64_t cons;
} RingbufChardev;

static const char *const ringbuf_keys[] = { "size", NULL };

static bool ringbuf_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    RingbufChardev *r = (RingbufChardev *)chr;
    uint64_t size;

    /* A size with QEMU's suffixes, as QEMU's ringbuf takes: size=64K. */
    if (!qemu_opt_get_size(opts, "size", RINGBUF_DEFAULT_SIZE, 1, &size,
                           errp)) {
        return false;
    }
    if (size > RINGBUF_MAX_SIZE) {
        error_setg(errp, "Value '%s' is out of range for parameter 'size' "
                   "(a ringbuf holds at most 1G)",
                   qemu_opt_get(opts, "size"));
        return false;
    }
    /* The masking below needs it, and QEMU asks the same. */
    if (size == 0 || (size & (size - 1))) {
        error_setg(errp, "size of ringbuf chardev must be power of two");
        return false;
    }
    r->size = size;
    r->buf = g_malloc0(size);
    chr->connected = true;
    return true;
}

static void ringbuf_close(Chardev *chr)
{
    g_free(((RingbufChardev *)chr)->buf);
}

static ssize_t ringbuf_write(Chardev *chr, const void *buf, size_t len)
{
    RingbufChardev *r = (RingbufChardev *)chr;
    const uint8_t *p = buf;
    size_t skip = 0;

    /* Only the last @size bytes of a long write can survive it. */
    if (len > r->size) {
        skip = len - r->size;
        r->prod += skip;
    }
    for (size_t i = skip; i < len; i++) {
        r->buf[r->prod++ & (r->size - 1)] = p[i];
    }
    if (r->prod - r->cons > r->size) {
        r->cons = r->prod - r->size;
    }
    return len;
}

size_t chardev_ringbuf_read(Chardev *chr, void *buf, size_t len)
{
    RingbufChardev *r = (RingbufChardev *)chr;
    uint8_t *p = buf;
    size_t n = 0;

    if (chr->cls != &chardev_ringbuf_class) {
        return 0;
    }
    while (n < len && r->cons != r->prod) {
        p[n++] = r->buf[r->cons++ & (r->size - 1)];
    }
    return n;
}

const ChardevClass chardev_ringbuf_class = {
    .name = "ringbuf",
    .instance_size = sizeof(RingbufChardev),
    .keys = ringbuf_keys,
    .open = ringbuf_open,
    .close = ringbuf_close,
    .write = ringbuf_write,
};
