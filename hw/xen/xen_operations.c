/*
 * The ops tables of xen_backend_ops.h over real Xen. Each op is a thin
 * wrapper of the library call it stands for; what it adds is the seam's
 * conventions: -errno instead of -1/errno, g_malloc'd results, and
 * xenstore watch events delivered from the event loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "hw/xen/xen_operations.h"
#include "util/watch-table.h"

typedef struct XenReal {
    XenServices services;       /* first: the public pointer is to it */
    EventLoop *loop;
    xenforeignmemory_handle *fmem;
} XenReal;

/* A failed library call's errno, never 0 even if the library forgot it. */
static int neg_errno(void)
{
    return errno > 0 ? -errno : -EIO;
}

/* ---- event channels --------------------------------------------------- */

static XenEvtchnHandle *real_evtchn_open(void *provider, Error **errp)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    int fd, flags;

    if (!xce) {
        error_setg_errno(errp, errno, "xenevtchn_open");
        return NULL;
    }
    /*
     * The seam's pending() answers -EAGAIN when nothing fired, rather
     * than blocking the event loop in read() as the library would.
     */
    fd = xenevtchn_fd(xce);
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        error_setg_errno(errp, errno, "O_NONBLOCK on the evtchn device");
        xenevtchn_close(xce);
        return NULL;
    }
    return (XenEvtchnHandle *)xce;
}

static void real_evtchn_close(XenEvtchnHandle *h)
{
    xenevtchn_close((xenevtchn_handle *)h);
}

static int real_evtchn_get_fd(XenEvtchnHandle *h)
{
    return xenevtchn_fd((xenevtchn_handle *)h);
}

static int real_evtchn_bind_interdomain(XenEvtchnHandle *h, uint32_t domid,
                                        evtchn_port_t remote_port)
{
    xenevtchn_port_or_error_t port;

    port = xenevtchn_bind_interdomain((xenevtchn_handle *)h, domid,
                                      remote_port);
    return port < 0 ? neg_errno() : port;
}

static int real_evtchn_unbind(XenEvtchnHandle *h, evtchn_port_t port)
{
    return xenevtchn_unbind((xenevtchn_handle *)h, port) < 0 ? neg_errno() : 0;
}

static int real_evtchn_notify(XenEvtchnHandle *h, evtchn_port_t port)
{
    return xenevtchn_notify((xenevtchn_handle *)h, port) < 0 ? neg_errno() : 0;
}

static int real_evtchn_pending(XenEvtchnHandle *h)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending((xenevtchn_handle *)h);

    return port < 0 ? neg_errno() : port;
}

static int real_evtchn_unmask(XenEvtchnHandle *h, evtchn_port_t port)
{
    return xenevtchn_unmask((xenevtchn_handle *)h, port) < 0 ? neg_errno() : 0;
}

static const XenEvtchnOps real_evtchn_ops = {
    .open = real_evtchn_open,
    .close = real_evtchn_close,
    .get_fd = real_evtchn_get_fd,
    .bind_interdomain = real_evtchn_bind_interdomain,
    .unbind = real_evtchn_unbind,
    .notify = real_evtchn_notify,
    .pending = real_evtchn_pending,
    .unmask = real_evtchn_unmask,
};

/* ---- grant tables ----------------------------------------------------- */

static XenGnttabHandle *real_gnttab_open(void *provider, Error **errp)
{
    xengnttab_handle *xgt = xengnttab_open(NULL, 0);

    if (!xgt) {
        error_setg_errno(errp, errno, "xengnttab_open");
    }
    return (XenGnttabHandle *)xgt;
}

static void real_gnttab_close(XenGnttabHandle *h)
{
    xengnttab_close((xengnttab_handle *)h);
}

static int real_gnttab_set_max_grants(XenGnttabHandle *h, uint32_t count)
{
    return xengnttab_set_max_grants((xengnttab_handle *)h, count) < 0 ?
           neg_errno() : 0;
}

static int real_gnttab_map_refs(XenGnttabHandle *h, uint32_t domid,
                                uint32_t count, const uint32_t *refs,
                                bool writable, void **addr)
{
    /* The library only reads @refs; its prototype just lacks the const. */
    void *p = xengnttab_map_domain_grant_refs((xengnttab_handle *)h, count,
                                              domid, (uint32_t *)refs,
                                              PROT_READ |
                                              (writable ? PROT_WRITE : 0));

    if (!p) {
        return neg_errno();
    }
    *addr = p;
    return 0;
}

static int real_gnttab_unmap(XenGnttabHandle *h, void *addr,
                             const uint32_t *refs, uint32_t count)
{
    return xengnttab_unmap((xengnttab_handle *)h, addr, count) < 0 ?
           neg_errno() : 0;
}

static int gntst_to_errno(int16_t st)
{
    switch (st) {
    case GNTST_okay:
        return 0;
    case GNTST_bad_domain:
        return -ESRCH;
    case GNTST_bad_gntref:
    case GNTST_bad_copy_arg:
        return -EINVAL;
    case GNTST_permission_denied:
        return -EPERM;
    case GNTST_eagain:
        return -EAGAIN;
    case GNTST_no_space:
        return -ENOSPC;
    default:
        return -EIO;
    }
}

static int real_gnttab_grant_copy(XenGnttabHandle *h, uint32_t domid,
                                  bool to_domain, XenGrantCopySeg *segs,
                                  uint32_t count)
{
    g_autofree xengnttab_grant_copy_segment_t *xs = NULL;
    uint32_t i;
    int ret = 0;

    if (!count) {
        return 0;
    }
    xs = g_new0(xengnttab_grant_copy_segment_t, count);
    for (i = 0; i < count; i++) {
        xengnttab_grant_copy_segment_t *s = &xs[i];

        if (to_domain) {
            s->source.virt = segs[i].buf;
            s->dest.foreign.ref = segs[i].ref;
            s->dest.foreign.offset = segs[i].offset;
            s->dest.foreign.domid = domid;
            s->flags = GNTCOPY_dest_gref;
        } else {
            s->source.foreign.ref = segs[i].ref;
            s->source.foreign.offset = segs[i].offset;
            s->source.foreign.domid = domid;
            s->dest.virt = segs[i].buf;
            s->flags = GNTCOPY_source_gref;
        }
        s->len = segs[i].len;
    }
    if (xengnttab_grant_copy((xengnttab_handle *)h, count, xs) < 0) {
        /* The hypercall itself failed: no segment's status means anything. */
        ret = neg_errno();
        for (i = 0; i < count; i++) {
            segs[i].status = ret;
        }
        return ret;
    }
    for (i = 0; i < count; i++) {
        segs[i].status = gntst_to_errno(xs[i].status);
        if (segs[i].status && !ret) {
            ret = segs[i].status;
        }
    }
    return ret;
}

static const XenGnttabOps real_gnttab_ops = {
    .open = real_gnttab_open,
    .close = real_gnttab_close,
    .set_max_grants = real_gnttab_set_max_grants,
    .map_refs = real_gnttab_map_refs,
    .unmap = real_gnttab_unmap,
    .grant_copy = real_gnttab_grant_copy,
};

/* ---- foreign memory --------------------------------------------------- */

static int real_foreignmem_map(void *provider, uint32_t domid, bool writable,
                               uint32_t count, const uint64_t *gfns,
                               void **addr)
{
    XenReal *xr = provider;
    g_autofree xen_pfn_t *pfns = g_new(xen_pfn_t, count);
    g_autofree int *err = g_new0(int, count);
    uint32_t i;
    void *p;

    for (i = 0; i < count; i++) {
        pfns[i] = gfns[i];
    }
    p = xenforeignmemory_map(xr->fmem, domid,
                             PROT_READ | (writable ? PROT_WRITE : 0),
                             count, pfns, err);
    if (!p) {
        return neg_errno();
    }
    /*
     * With an err array the library maps what it can and reports the
     * rest per frame; the seam maps all or nothing.
     */
    for (i = 0; i < count; i++) {
        if (err[i]) {
            int ret = err[i] < 0 ? err[i] : -err[i];

            xenforeignmemory_unmap(xr->fmem, p, count);
            return ret;
        }
    }
    *addr = p;
    return 0;
}

static int real_foreignmem_unmap(void *provider, void *addr, uint32_t count)
{
    XenReal *xr = provider;

    return xenforeignmemory_unmap(xr->fmem, addr, count) < 0 ?
           neg_errno() : 0;
}

static const XenForeignMemOps real_foreignmem_ops = {
    .map = real_foreignmem_map,
    .unmap = real_foreignmem_unmap,
};

/* ---- xenstore --------------------------------------------------------- */

struct XenXsHandle {
    XenReal *xr;
    struct xs_handle *xsh;
    int fd;                     /* xs_fileno: readable when events queued */
    WatchTable *watches;
};

/* Called by the watch table, after a dispatch if one closed the handle. */
static void xs_handle_destroy(void *owner)
{
    XenXsHandle *h = owner;

    /* xs_close drops the watches and transactions with the connection. */
    xs_close(h->xsh);
    g_free(h);
}

/*
 * libxenstore's reader thread queues the events and makes the fd
 * readable; we move them to the table, which delivers them from a
 * bottom half, so a callback never runs inside another xenstore call.
 */
static void xs_fd_read(void *opaque)
{
    XenXsHandle *h = opaque;
    char **ev;

    while ((ev = xs_check_watch(h->xsh))) {
        watch_table_queue(h->watches, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
        free(ev);
    }
}

static XenXsHandle *real_xs_open(void *provider, Error **errp)
{
    XenReal *xr = provider;
    XenXsHandle *h;
    struct xs_handle *xsh = xs_open(0);

    if (!xsh) {
        error_setg_errno(errp, errno, "xs_open");
        return NULL;
    }
    h = g_new0(XenXsHandle, 1);
    h->xr = xr;
    h->xsh = xsh;
    h->fd = xs_fileno(xsh);
    if (h->fd < 0) {
        error_setg_errno(errp, errno, "xs_fileno");
        xs_close(xsh);
        g_free(h);
        return NULL;
    }
    h->watches = watch_table_new(xr->loop, xs_handle_destroy, h);
    if (!event_loop_set_fd_handler(xr->loop, h->fd, xs_fd_read, NULL, h,
                                   errp)) {
        watch_table_close(h->watches);
        return NULL;
    }
    return h;
}

static void real_xs_close(XenXsHandle *h)
{
    /* No more events into the table; the handle goes with it. */
    event_loop_set_fd_handler(h->xr->loop, h->fd, NULL, NULL, NULL, NULL);
    watch_table_close(h->watches);
}

static int real_xs_read(XenXsHandle *h, uint32_t tx, const char *path,
                        char **value, size_t *len)
{
    unsigned int n;
    char *v = xs_read(h->xsh, tx, path, &n);
    char *copy;

    if (!v) {
        return neg_errno();
    }
    /* Callers g_free it; libxenstore malloc'd it (and nul-terminated it). */
    copy = g_malloc(n + 1);
    memcpy(copy, v, n);
    copy[n] = '\0';
    free(v);
    *value = copy;
    if (len) {
        *len = n;
    }
    return 0;
}

static int real_xs_write(XenXsHandle *h, uint32_t tx, const char *path,
                         const void *value, size_t len)
{
    return xs_write(h->xsh, tx, path, value, len) ? 0 : neg_errno();
}

static int real_xs_directory(XenXsHandle *h, uint32_t tx, const char *path,
                             char ***names)
{
    unsigned int n, i;
    char **v = xs_directory(h->xsh, tx, path, &n);
    char **copy;

    if (!v) {
        return neg_errno();
    }
    copy = g_new(char *, n + 1);
    for (i = 0; i < n; i++) {
        copy[i] = g_strdup(v[i]);
    }
    copy[n] = NULL;
    free(v);                    /* one block: the array and the strings */
    *names = copy;
    return 0;
}

static int real_xs_mkdir(XenXsHandle *h, uint32_t tx, const char *path)
{
    return xs_mkdir(h->xsh, tx, path) ? 0 : neg_errno();
}

static int real_xs_rm(XenXsHandle *h, uint32_t tx, const char *path)
{
    return xs_rm(h->xsh, tx, path) ? 0 : neg_errno();
}

static int real_xs_get_perms(XenXsHandle *h, uint32_t tx, const char *path,
                             XenXsPerm **perms, unsigned *count)
{
    unsigned int n, i;
    struct xs_permissions *p = xs_get_permissions(h->xsh, tx, path, &n);
    XenXsPerm *out;

    if (!p) {
        return neg_errno();
    }
    out = g_new(XenXsPerm, n);
    for (i = 0; i < n; i++) {
        out[i].domid = p[i].id;
        out[i].perms = p[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
    }
    free(p);
    *perms = out;
    *count = n;
    return 0;
}

static int real_xs_set_perms(XenXsHandle *h, uint32_t tx, const char *path,
                             const XenXsPerm *perms, unsigned count)
{
    g_autofree struct xs_permissions *p = g_new0(struct xs_permissions,
                                                 count);
    unsigned i;

    for (i = 0; i < count; i++) {
        p[i].id = perms[i].domid;
        p[i].perms = perms[i].perms;
    }
    return xs_set_permissions(h->xsh, tx, path, p, count) ? 0 : neg_errno();
}

static int real_xs_watch(XenXsHandle *h, const char *path, XenXsWatchFn *fn,
                         void *opaque, XenXsWatch **watch)
{
    WatchEntry *w = watch_table_add(h->watches, path, fn, opaque);
    int ret;

    /* xenstored fires the watch once on registration by itself. */
    if (!xs_watch(h->xsh, path, watch_entry_token(w))) {
        ret = neg_errno();
        watch_table_remove(h->watches, w);
        return ret;
    }
    *watch = (XenXsWatch *)w;
    return 0;
}

static void real_xs_unwatch(XenXsHandle *h, XenXsWatch *watch)
{
    WatchEntry *w = (WatchEntry *)watch;

    /*
     * Events already queued in libxenstore or in the table stay there,
     * but with the token gone from the table they are dropped.
     */
    xs_unwatch(h->xsh, watch_entry_path(w), watch_entry_token(w));
    watch_table_remove(h->watches, w);
}

static int real_xs_transaction_start(XenXsHandle *h, uint32_t *tx)
{
    xs_transaction_t t = xs_transaction_start(h->xsh);

    if (t == XBT_NULL) {
        return neg_errno();
    }
    *tx = t;
    return 0;
}

static int real_xs_transaction_end(XenXsHandle *h, uint32_t tx, bool abort)
{
    /* errno is EAGAIN when the commit conflicted, as the seam wants. */
    return xs_transaction_end(h->xsh, tx, abort) ? 0 : neg_errno();
}

static char *real_xs_get_domain_path(XenXsHandle *h, uint32_t domid)
{
    char *p = xs_get_domain_path(h->xsh, domid);
    char *copy = g_strdup(p);

    free(p);
    return copy;
}

static const XenXenstoreOps real_xenstore_ops = {
    .open = real_xs_open,
    .close = real_xs_close,
    .read = real_xs_read,
    .write = real_xs_write,
    .directory = real_xs_directory,
    .mkdir = real_xs_mkdir,
    .rm = real_xs_rm,
    .get_perms = real_xs_get_perms,
    .set_perms = real_xs_set_perms,
    .watch = real_xs_watch,
    .unwatch = real_xs_unwatch,
    .transaction_start = real_xs_transaction_start,
    .transaction_end = real_xs_transaction_end,
    .get_domain_path = real_xs_get_domain_path,
};

/* ---- the services ----------------------------------------------------- */

const XenServices *xen_real_services(EventLoop *loop, Error **errp)
{
    XenReal *xr;
    xenforeignmemory_handle *fmem = xenforeignmemory_open(NULL, 0);

    /* Opened up front: privcmd missing means this is no dom0 to serve. */
    if (!fmem) {
        error_setg_errno(errp, errno, "xenforeignmemory_open");
        return NULL;
    }
    xr = g_new0(XenReal, 1);
    xr->loop = loop;
    xr->fmem = fmem;
    xr->services = (XenServices) {
        .name = "xen",
        .evtchn = &real_evtchn_ops,
        .gnttab = &real_gnttab_ops,
        .foreignmem = &real_foreignmem_ops,
        .xenstore = &real_xenstore_ops,
        .provider = xr,
    };
    return &xr->services;
}

void xen_real_services_free(const XenServices *services)
{
    XenReal *xr;

    if (!services) {
        return;
    }
    xr = services->provider;
    xenforeignmemory_close(xr->fmem);
    g_free(xr);
}
