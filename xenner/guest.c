/*
 * The guest side of Xenner, for in-process test guests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xenner/guest.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "util/parse.h"

typedef struct PortHandler {
    XennerGuestPortFn *fn;
    void *opaque;
} PortHandler;

struct XennerGuest {
    Xenner *x;
    uint16_t domid;
    XennerMem *mem;
    XennerGnttab *gnttab;
    XenXsHandle *xs;
    GHashTable *ports;          /* port -> PortHandler */
    unsigned long *refs_used;   /* bitmap over the grant table */
    unsigned nr_refs;
};

#define BITS_PER_WORD (8 * sizeof(unsigned long))

static void guest_upcall_bh(void *opaque)
{
    XennerGuest *g = opaque;
    XennerEvtchn *ev = xenner_evtchn(g->x);
    g_autofree gpointer *keys = NULL;
    guint n;

    /* Handlers may close ports: walk a snapshot, as a guest scans bits. */
    keys = g_hash_table_get_keys_as_array(g->ports, &n);
    for (guint i = 0; i < n; i++) {
        evtchn_port_t port = GPOINTER_TO_UINT(keys[i]);
        PortHandler *ph;

        if (xenner_evtchn_guest_is_pending(ev, g->domid, port) != 1) {
            continue;
        }
        xenner_evtchn_guest_clear_pending(ev, g->domid, port);
        ph = g_hash_table_lookup(g->ports, keys[i]);
        if (ph) {
            ph->fn(ph->opaque, port);
        }
    }
}

static void guest_upcall(void *opaque, evtchn_port_t port)
{
    XennerGuest *g = opaque;

    event_loop_schedule(xenner_loop(g->x), guest_upcall_bh, g);
}

XennerGuest *xenner_guest_new(Xenner *x, uint16_t domid, Error **errp)
{
    XennerGuest *g;

    if (!xenner_domain_exists(x, domid)) {
        error_setg(errp, "domain %u does not exist", domid);
        return NULL;
    }
    g = g_new0(XennerGuest, 1);
    g->x = x;
    g->domid = domid;
    g->mem = xenner_domain_mem(x, domid);
    g->gnttab = xenner_domain_gnttab(x, domid);
    g->nr_refs = xenner_gnttab_nr_entries(g->gnttab);
    g->refs_used = g_new0(unsigned long,
                          (g->nr_refs + BITS_PER_WORD - 1) / BITS_PER_WORD);
    g->ports = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    g->xs = xenner_xs_open_as(x, domid);
    if (!xenner_evtchn_set_upcall(xenner_evtchn(x), domid, guest_upcall, g,
                                  errp)) {
        xenner_guest_free(g);
        return NULL;
    }
    return g;
}

void xenner_guest_free(XennerGuest *g)
{
    XennerEvtchn *ev;

    if (!g) {
        return;
    }
    ev = xenner_evtchn(g->x);
    event_loop_cancel(xenner_loop(g->x), guest_upcall_bh, g);
    if (xenner_evtchn_has_domain(ev, g->domid)) {
        GHashTableIter it;
        gpointer port;

        xenner_evtchn_set_upcall(ev, g->domid, NULL, NULL, NULL);
        g_hash_table_iter_init(&it, g->ports);
        while (g_hash_table_iter_next(&it, &port, NULL)) {
            xenner_evtchn_guest_close(ev, g->domid, GPOINTER_TO_UINT(port));
        }
    }
    g_hash_table_destroy(g->ports);
    xenner_services(g->x)->xenstore->close(g->xs);
    g_free(g->refs_used);
    g_free(g);
}

uint16_t xenner_guest_domid(XennerGuest *g)
{
    return g->domid;
}

Xenner *xenner_guest_xenner(XennerGuest *g)
{
    return g->x;
}

EventLoop *xenner_guest_loop(XennerGuest *g)
{
    return xenner_loop(g->x);
}

/* ---- memory ---------------------------------------------------------- */

void *xenner_guest_alloc_page(XennerGuest *g, uint64_t *gfn)
{
    void *page;

    if (!xenner_mem_alloc_frames(g->mem, 1, gfn, NULL)) {
        return NULL;
    }
    page = xenner_mem_frame(g->mem, *gfn);
    memset(page, 0, XENNER_PAGE_SIZE);
    return page;
}

void xenner_guest_free_page(XennerGuest *g, uint64_t gfn)
{
    xenner_mem_free_frames(g->mem, &gfn, 1);
}

void *xenner_guest_page(XennerGuest *g, uint64_t gfn)
{
    return xenner_mem_frame(g->mem, gfn);
}

/* ---- grants ---------------------------------------------------------- */

static bool ref_used(XennerGuest *g, uint32_t ref)
{
    return g->refs_used[ref / BITS_PER_WORD] & (1ul << (ref % BITS_PER_WORD));
}

static void ref_set_used(XennerGuest *g, uint32_t ref, bool used)
{
    unsigned long bit = 1ul << (ref % BITS_PER_WORD);

    if (used) {
        g->refs_used[ref / BITS_PER_WORD] |= bit;
    } else {
        g->refs_used[ref / BITS_PER_WORD] &= ~bit;
    }
}

/*
 * The lowest free ref at or past @from, nr_refs if none, a word at a
 * time: a netfront keeps hundreds granted and grants a page a frame, and
 * a scan bit by bit was an eighth of the EMULATE net path's time.
 */
static uint32_t ref_find_free(XennerGuest *g, uint32_t from)
{
    uint32_t ref = from;

    while (ref < g->nr_refs) {
        uint32_t word = ref / BITS_PER_WORD;
        unsigned long free = ~g->refs_used[word] &
                             (~0ul << (ref % BITS_PER_WORD));

        if (free) {
            /* Bits past nr_refs in the last word are clear: checked. */
            ref = word * BITS_PER_WORD + __builtin_ctzl(free);
            return ref < g->nr_refs ? ref : g->nr_refs;
        }
        ref = (word + 1) * BITS_PER_WORD;
    }
    return g->nr_refs;
}

int xenner_guest_grant(XennerGuest *g, uint16_t domid, uint64_t gfn,
                       bool readonly)
{
    uint32_t ref = ref_find_free(g, XENNER_GUEST_FIRST_GRANT_REF);

    if (ref >= g->nr_refs) {
        return -ENOSPC;
    }
    if (!xenner_gnttab_grant(g->gnttab, ref, domid, gfn, readonly)) {
        return -EINVAL;
    }
    ref_set_used(g, ref, true);
    return ref;
}

int xenner_guest_end_access(XennerGuest *g, uint32_t ref)
{
    if (ref >= g->nr_refs || !ref_used(g, ref)) {
        return -EINVAL;
    }
    if (!xenner_gnttab_end_access(g->gnttab, ref)) {
        return -EBUSY;
    }
    ref_set_used(g, ref, false);
    return 0;
}

grant_entry_v1_t *xenner_guest_grant_entry(XennerGuest *g, uint32_t ref)
{
    return xenner_gnttab_entry(g->gnttab, ref);
}

/* ---- event channels -------------------------------------------------- */

int xenner_guest_set_port_handler(XennerGuest *g, evtchn_port_t port,
                                  XennerGuestPortFn *fn, void *opaque)
{
    XennerEvtchnStatus st;
    PortHandler *ph;
    int ret;

    ret = xenner_evtchn_guest_status(xenner_evtchn(g->x), g->domid, port,
                                     &st);
    if (ret) {
        return ret;
    }
    if (st.status == EVTCHNSTAT_closed) {
        return -EINVAL;
    }
    ph = g_new(PortHandler, 1);
    ph->fn = fn;
    ph->opaque = opaque;
    g_hash_table_insert(g->ports, GUINT_TO_POINTER(port), ph);
    /* Events that came before the handler are not lost. */
    if (st.pending) {
        event_loop_schedule(xenner_loop(g->x), guest_upcall_bh, g);
    }
    return 0;
}

int xenner_guest_alloc_unbound(XennerGuest *g, uint16_t remote,
                               XennerGuestPortFn *fn, void *opaque)
{
    int port = xenner_evtchn_guest_alloc_unbound(xenner_evtchn(g->x),
                                                 g->domid, remote);

    if (port < 0) {
        return port;
    }
    if (fn) {
        xenner_guest_set_port_handler(g, port, fn, opaque);
    }
    return port;
}

int xenner_guest_notify(XennerGuest *g, evtchn_port_t port)
{
    return xenner_evtchn_guest_send(xenner_evtchn(g->x), g->domid, port);
}

int xenner_guest_close_port(XennerGuest *g, evtchn_port_t port)
{
    g_hash_table_remove(g->ports, GUINT_TO_POINTER(port));
    return xenner_evtchn_guest_close(xenner_evtchn(g->x), g->domid, port);
}

/* ---- xenstore -------------------------------------------------------- */

const XenXenstoreOps *xenner_guest_xs_ops(XennerGuest *g)
{
    return xenner_services(g->x)->xenstore;
}

XenXsHandle *xenner_guest_xs(XennerGuest *g)
{
    return g->xs;
}

char *xenner_guest_xs_read(XennerGuest *g, const char *path)
{
    char *value;

    if (xenner_guest_xs_ops(g)->read(g->xs, XEN_XS_TXN_NULL, path, &value,
                                     NULL)) {
        return NULL;
    }
    return value;
}

int xenner_guest_xs_printf(XennerGuest *g, const char *path,
                           const char *fmt, ...)
{
    g_autofree char *value = NULL;
    va_list ap;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return xenner_guest_xs_ops(g)->write(g->xs, XEN_XS_TXN_NULL, path, value,
                                         strlen(value));
}

int xenner_guest_xs_read_state(XennerGuest *g, const char *dir)
{
    g_autofree char *path = g_strdup_printf("%s/state", dir);
    g_autofree char *value = xenner_guest_xs_read(g, path);
    uint64_t state;

    /* As a Linux frontend reads it: xenbus_scanf("%d"), in decimal. */
    if (!value || !parse_decimal(value, INT_MAX, &state)) {
        return XenbusStateUnknown;
    }
    return state;
}

int xenner_guest_switch_state(XennerGuest *g, const char *dir, int state)
{
    g_autofree char *path = g_strdup_printf("%s/state", dir);

    return xenner_guest_xs_printf(g, path, "%d", state);
}

void xenner_guest_scan_devices(XennerGuest *g, const char *type,
                               GHashTable *seen, XennerGuestDeviceFn *fn,
                               void *opaque)
{
    g_autofree char *top = g_strdup_printf("device/%s", type);
    g_auto(GStrv) names = NULL;

    if (xenner_guest_xs_ops(g)->directory(g->xs, XEN_XS_TXN_NULL, top,
                                          &names)) {
        return;
    }
    for (char **n = names; *n; n++) {
        g_autofree char *dir = g_strdup_printf("%s/%s", top, *n);
        g_autofree char *be_key = g_strdup_printf("%s/backend", dir);
        g_autofree char *be = NULL;
        uint64_t id;

        /* Until both are there the toolstack is still writing. */
        if (!parse_decimal(*n, UINT_MAX, &id) ||
            g_hash_table_contains(seen, GUINT_TO_POINTER(id)) ||
            xenner_guest_xs_read_state(g, dir) != XenbusStateInitialising ||
            !(be = xenner_guest_xs_read(g, be_key))) {
            continue;
        }
        fn(opaque, id);
    }
}
