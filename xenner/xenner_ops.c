/*
 * The ops tables of xen_backend_ops.h over Xenner, acting as domain 0.
 * Each is a thin layer: the checks Xen makes live in evtchn.c, gnttab.c,
 * guest_mem.c and xs_tree.c. What this file adds is what the libraries
 * add on real Xen: handles, and watch events delivered from the event
 * loop rather than from inside the write that fired them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "util/watch-table.h"
#include "xenner/xenner_int.h"

/* ---- event channels --------------------------------------------------- */

static XenEvtchnHandle *ops_evtchn_open(void *provider, Error **errp)
{
    Xenner *x = provider;

    return (XenEvtchnHandle *)xenner_evtchn_open(x->evtchn, 0, errp);
}

static void ops_evtchn_close(XenEvtchnHandle *h)
{
    xenner_evtchn_close((XennerEvtchnHandle *)h);
}

static int ops_evtchn_get_fd(XenEvtchnHandle *h)
{
    return xenner_evtchn_get_fd((XennerEvtchnHandle *)h);
}

static int ops_evtchn_bind_interdomain(XenEvtchnHandle *h, uint32_t domid,
                                       evtchn_port_t remote_port)
{
    return xenner_evtchn_bind_interdomain((XennerEvtchnHandle *)h, domid,
                                          remote_port);
}

static int ops_evtchn_unbind(XenEvtchnHandle *h, evtchn_port_t port)
{
    return xenner_evtchn_unbind((XennerEvtchnHandle *)h, port);
}

static int ops_evtchn_notify(XenEvtchnHandle *h, evtchn_port_t port)
{
    return xenner_evtchn_notify((XennerEvtchnHandle *)h, port);
}

static int ops_evtchn_pending(XenEvtchnHandle *h)
{
    return xenner_evtchn_pending((XennerEvtchnHandle *)h);
}

static int ops_evtchn_unmask(XenEvtchnHandle *h, evtchn_port_t port)
{
    return xenner_evtchn_unmask((XennerEvtchnHandle *)h, port);
}

static bool ops_evtchn_set_notifier(XenEvtchnHandle *h, EventLoop *loop,
                                    IOHandler *fn, void *opaque)
{
    xenner_evtchn_set_notifier((XennerEvtchnHandle *)h, loop, fn, opaque);
    return true;
}

static const XenEvtchnOps xenner_evtchn_ops = {
    .open = ops_evtchn_open,
    .close = ops_evtchn_close,
    .get_fd = ops_evtchn_get_fd,
    .bind_interdomain = ops_evtchn_bind_interdomain,
    .unbind = ops_evtchn_unbind,
    .notify = ops_evtchn_notify,
    .pending = ops_evtchn_pending,
    .unmask = ops_evtchn_unmask,
    .set_notifier = ops_evtchn_set_notifier,
};

/* ---- grant tables ----------------------------------------------------- */

struct XenGnttabHandle {
    Xenner *x;
    uint32_t max_grants;        /* 0: no limit set */
    uint32_t mapped;
    GHashTable *windows;        /* address -> GnttabWindow */
};

typedef struct GnttabWindow {
    uint16_t domid;
    uint32_t count;
    uint32_t refs[];            /* kept to unmap what a closing handle holds */
} GnttabWindow;

static XenGnttabHandle *ops_gnttab_open(void *provider, Error **errp)
{
    XenGnttabHandle *h = g_new0(XenGnttabHandle, 1);

    h->x = provider;
    h->windows = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    return h;
}

static int ops_gnttab_unmap(XenGnttabHandle *h, void *addr,
                            const uint32_t *refs, uint32_t count)
{
    GnttabWindow *w = g_hash_table_lookup(h->windows, addr);
    XennerGnttab *gt;
    int ret;

    if (!w || w->count != count) {
        return -EINVAL;
    }
    gt = xenner_domain_gnttab(h->x, w->domid);
    /* A destroyed domain's table already dropped its windows. */
    ret = gt ? xenner_gnttab_unmap(gt, addr, refs, count) : 0;
    if (ret) {
        return ret;
    }
    h->mapped -= count;
    g_hash_table_remove(h->windows, addr);
    return 0;
}

static void ops_gnttab_close(XenGnttabHandle *h)
{
    GHashTableIter it;
    gpointer addr, value;

    /* As Linux's gntdev does for a process that exits with maps. */
    g_hash_table_iter_init(&it, h->windows);
    while (g_hash_table_iter_next(&it, &addr, &value)) {
        GnttabWindow *w = value;
        XennerGnttab *gt = xenner_domain_gnttab(h->x, w->domid);

        if (gt) {
            xenner_gnttab_unmap(gt, addr, w->refs, w->count);
        }
    }
    g_hash_table_destroy(h->windows);
    g_free(h);
}

static int ops_gnttab_set_max_grants(XenGnttabHandle *h, uint32_t count)
{
    h->max_grants = count;
    return 0;
}

static int ops_gnttab_map_refs(XenGnttabHandle *h, uint32_t domid,
                               uint32_t count, const uint32_t *refs,
                               bool writable, void **addr)
{
    XennerGnttab *gt = domid < DOMID_FIRST_RESERVED ?
                       xenner_domain_gnttab(h->x, domid) : NULL;
    GnttabWindow *w;
    int ret;

    if (!gt) {
        return -ESRCH;
    }
    if (count == 0 ||
        (h->max_grants && count > h->max_grants - h->mapped)) {
        return count ? -ENOSPC : -EINVAL;
    }
    ret = xenner_gnttab_map_refs(gt, 0, count, refs, writable, addr);
    if (ret) {
        return ret;
    }
    w = g_malloc(sizeof(*w) + count * sizeof(refs[0]));
    w->domid = domid;
    w->count = count;
    memcpy(w->refs, refs, count * sizeof(refs[0]));
    g_hash_table_insert(h->windows, *addr, w);
    h->mapped += count;
    return 0;
}

/* Grant copy segments converted on the stack; more go to the heap. */
#define COPY_SEGS_LOCAL 64

static int ops_gnttab_grant_copy(XenGnttabHandle *h, uint32_t domid,
                                 bool to_domain, XenGrantCopySeg *segs,
                                 uint32_t count)
{
    XennerGnttab *gt = domid < DOMID_FIRST_RESERVED ?
                       xenner_domain_gnttab(h->x, domid) : NULL;
    /* A net batch's segments fit here: no allocation per copy call. */
    XennerGntCopySeg local[COPY_SEGS_LOCAL];
    g_autofree XennerGntCopySeg *heap = NULL;
    XennerGntCopySeg *xsegs = local;
    int ret;

    if (!gt) {
        for (uint32_t i = 0; i < count; i++) {
            segs[i].status = -ESRCH;
        }
        return -ESRCH;
    }
    if (count > G_N_ELEMENTS(local)) {
        xsegs = heap = g_new(XennerGntCopySeg, count);
    }
    for (uint32_t i = 0; i < count; i++) {
        xsegs[i] = (XennerGntCopySeg) {
            .ref = segs[i].ref, .offset = segs[i].offset,
            .len = segs[i].len, .buf = segs[i].buf, .to_guest = to_domain,
        };
    }
    ret = xenner_gnttab_copy(gt, 0, xsegs, count);
    for (uint32_t i = 0; i < count; i++) {
        segs[i].status = xsegs[i].status;
    }
    return ret;
}

static const XenGnttabOps xenner_gnttab_ops = {
    .open = ops_gnttab_open,
    .close = ops_gnttab_close,
    .set_max_grants = ops_gnttab_set_max_grants,
    .map_refs = ops_gnttab_map_refs,
    .unmap = ops_gnttab_unmap,
    .grant_copy = ops_gnttab_grant_copy,
};

/* ---- foreign memory --------------------------------------------------- */

static int ops_foreignmem_map(void *provider, uint32_t domid, bool writable,
                              uint32_t count, const uint64_t *gfns,
                              void **addr)
{
    Xenner *x = provider;
    XennerMem *mem = domid < DOMID_FIRST_RESERVED ?
                     xenner_domain_mem(x, domid) : NULL;
    int ret;

    if (!mem) {
        return -ESRCH;
    }
    ret = xenner_mem_map(mem, gfns, count, writable, addr);
    if (!ret) {
        g_hash_table_insert(x->foreign_maps, *addr, GUINT_TO_POINTER(domid));
    }
    return ret;
}

static int ops_foreignmem_unmap(void *provider, void *addr, uint32_t count)
{
    Xenner *x = provider;
    gpointer domid;
    XennerMem *mem;
    int ret;

    if (!g_hash_table_lookup_extended(x->foreign_maps, addr, NULL, &domid)) {
        return -EINVAL;
    }
    mem = xenner_domain_mem(x, GPOINTER_TO_UINT(domid));
    ret = mem ? xenner_mem_unmap(mem, addr, count) : 0;
    if (!ret) {
        g_hash_table_remove(x->foreign_maps, addr);
    }
    return ret;
}

static const XenForeignMemOps xenner_foreignmem_ops = {
    .map = ops_foreignmem_map,
    .unmap = ops_foreignmem_unmap,
};

/* ---- xenstore --------------------------------------------------------- */

struct XenXsHandle {
    XsClient *client;
    WatchTable *watches;
};

/* Called by the tree from inside whichever call fired the watch. */
static void xs_queue_event(void *opaque, const char *path, const char *token)
{
    XenXsHandle *h = opaque;

    watch_table_queue(h->watches, path, token);
}

XenXsHandle *xenner_xs_open_as(Xenner *x, uint16_t domid)
{
    XenXsHandle *h = g_new0(XenXsHandle, 1);

    /* The table frees the handle, after a dispatch that closed it. */
    h->watches = watch_table_new(x->loop, g_free, h);
    h->client = xenner_xs_client_new(x->xenstore, domid, xs_queue_event, h);
    return h;
}

static XenXsHandle *ops_xs_open(void *provider, Error **errp)
{
    return xenner_xs_open_as(provider, 0);
}

static void ops_xs_close(XenXsHandle *h)
{
    /* First, so that the tree queues nothing more for the table. */
    xenner_xs_client_free(h->client);
    h->client = NULL;
    watch_table_close(h->watches);
}

static int ops_xs_read(XenXsHandle *h, uint32_t tx, const char *path,
                       char **value, size_t *len)
{
    GByteArray *buf = g_byte_array_new();
    int ret = xenner_xs_client_read(h->client, tx, path, buf);

    if (ret) {
        g_byte_array_free(buf, true);
        return ret;
    }
    if (len) {
        *len = buf->len;
    }
    g_byte_array_append(buf, (const guint8 *)"", 1);
    *value = (char *)g_byte_array_free(buf, false);
    return 0;
}

static int ops_xs_write(XenXsHandle *h, uint32_t tx, const char *path,
                        const void *value, size_t len)
{
    return xenner_xs_client_write(h->client, tx, path, value, len);
}

static int ops_xs_directory(XenXsHandle *h, uint32_t tx, const char *path,
                            char ***names)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    GPtrArray *list;
    int ret = xenner_xs_client_directory(h->client, tx, path, buf);

    if (ret) {
        return ret;
    }
    list = g_ptr_array_new();
    for (guint off = 0; off < buf->len;) {
        const char *name = (const char *)buf->data + off;

        g_ptr_array_add(list, g_strdup(name));
        off += strlen(name) + 1;
    }
    g_ptr_array_add(list, NULL);
    *names = (char **)g_ptr_array_free(list, false);
    return 0;
}

static int ops_xs_mkdir(XenXsHandle *h, uint32_t tx, const char *path)
{
    return xenner_xs_client_mkdir(h->client, tx, path);
}

static int ops_xs_rm(XenXsHandle *h, uint32_t tx, const char *path)
{
    return xenner_xs_client_rm(h->client, tx, path);
}

static int ops_xs_get_perms(XenXsHandle *h, uint32_t tx, const char *path,
                            XenXsPerm **perms, unsigned *count)
{
    XsPerm *p;
    int ret = xenner_xs_client_get_perms(h->client, tx, path, &p, count);

    if (ret) {
        return ret;
    }
    *perms = g_new(XenXsPerm, *count);
    for (unsigned i = 0; i < *count; i++) {
        (*perms)[i].domid = p[i].domid;
        (*perms)[i].perms = p[i].perms;
    }
    g_free(p);
    return 0;
}

static int ops_xs_set_perms(XenXsHandle *h, uint32_t tx, const char *path,
                            const XenXsPerm *perms, unsigned count)
{
    g_autofree XsPerm *p = g_new(XsPerm, count ? count : 1);

    for (unsigned i = 0; i < count; i++) {
        p[i].domid = perms[i].domid;
        p[i].perms = perms[i].perms;
    }
    return xenner_xs_client_set_perms(h->client, tx, path, p, count);
}

static int ops_xs_watch(XenXsHandle *h, const char *path, XenXsWatchFn *fn,
                        void *opaque, XenXsWatch **watch)
{
    WatchEntry *w = watch_table_add(h->watches, path, fn, opaque);
    int ret = xenner_xs_client_watch(h->client, path, watch_entry_token(w));

    if (ret) {
        watch_table_remove(h->watches, w);
        return ret;
    }
    *watch = (XenXsWatch *)w;
    return 0;
}

static void ops_xs_unwatch(XenXsHandle *h, XenXsWatch *watch)
{
    WatchEntry *w = (WatchEntry *)watch;

    xenner_xs_client_unwatch(h->client, watch_entry_path(w),
                             watch_entry_token(w));
    watch_table_remove(h->watches, w);
}

static int ops_xs_transaction_start(XenXsHandle *h, uint32_t *tx)
{
    return xenner_xs_client_transaction_start(h->client, tx);
}

static int ops_xs_transaction_end(XenXsHandle *h, uint32_t tx, bool abort)
{
    return xenner_xs_client_transaction_end(h->client, tx, !abort);
}

static char *ops_xs_get_domain_path(XenXsHandle *h, uint32_t domid)
{
    return xenner_xs_domain_path(domid);
}

static const XenXenstoreOps xenner_xenstore_ops = {
    .open = ops_xs_open,
    .close = ops_xs_close,
    .read = ops_xs_read,
    .write = ops_xs_write,
    .directory = ops_xs_directory,
    .mkdir = ops_xs_mkdir,
    .rm = ops_xs_rm,
    .get_perms = ops_xs_get_perms,
    .set_perms = ops_xs_set_perms,
    .watch = ops_xs_watch,
    .unwatch = ops_xs_unwatch,
    .transaction_start = ops_xs_transaction_start,
    .transaction_end = ops_xs_transaction_end,
    .get_domain_path = ops_xs_get_domain_path,
};

void xenner_ops_init(Xenner *x)
{
    x->services = (XenServices) {
        .name = "xenner",
        .evtchn = &xenner_evtchn_ops,
        .gnttab = &xenner_gnttab_ops,
        .foreignmem = &xenner_foreignmem_ops,
        .xenstore = &xenner_xenstore_ops,
        .provider = x,
    };
}
