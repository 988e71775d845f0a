/*
 * The guest side of Xenner: what an in-process test guest uses to act as
 * a PV kernel does. It grants its own pages, allocates and binds event
 * channel ports, is notified through an upcall, and talks to xenstore as
 * its own (unprivileged) domain. Frontends built on it speak the same
 * wire formats as Linux's.
 *
 * Port handlers run from the event loop, after the call that raised the
 * event has returned, as a guest's upcall runs after the hypercall that
 * sent it: a handler may notify, grant or write xenstore freely.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUEST_H
#define XENNER_GUEST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend_ops.h"
#include "xenner/xenner.h"

typedef struct XennerGuest XennerGuest;
typedef void XennerGuestPortFn(void *opaque, evtchn_port_t port);

/* Linux keeps refs below 8 for the toolstack (console, xenstore). */
#define XENNER_GUEST_FIRST_GRANT_REF 8

/* The guest of domain @domid, which xenner_domain_create() built. */
XennerGuest *xenner_guest_new(Xenner *x, uint16_t domid, Error **errp);
/* Closes its ports, watches and xenstore handle; its memory stays. */
void xenner_guest_free(XennerGuest *g);
uint16_t xenner_guest_domid(XennerGuest *g);
Xenner *xenner_guest_xenner(XennerGuest *g);
EventLoop *xenner_guest_loop(XennerGuest *g);

/* ---- memory ------------------------------------------------------------ */

/* A zeroed page of the guest's own memory, or NULL when it has none left. */
void *xenner_guest_alloc_page(XennerGuest *g, uint64_t *gfn);
void xenner_guest_free_page(XennerGuest *g, uint64_t gfn);
void *xenner_guest_page(XennerGuest *g, uint64_t gfn);

/* ---- grants -------------------------------------------------------------- */

/* A fresh ref granting @domid access to @gfn, or -ENOSPC. */
int xenner_guest_grant(XennerGuest *g, uint16_t domid, uint64_t gfn,
                       bool readonly);
/* Revokes and frees @ref; -EBUSY (ref kept) while the peer maps it. */
int xenner_guest_end_access(XennerGuest *g, uint32_t ref);
/* The raw entry, for guests that misbehave on purpose. */
grant_entry_v1_t *xenner_guest_grant_entry(XennerGuest *g, uint32_t ref);

/* ---- event channels ------------------------------------------------------ */

/* A fresh port that @remote may bind; @fn hears its events. */
int xenner_guest_alloc_unbound(XennerGuest *g, uint16_t remote,
                               XennerGuestPortFn *fn, void *opaque);
/* Hears the events of a port the toolstack allocated for the guest. */
int xenner_guest_set_port_handler(XennerGuest *g, evtchn_port_t port,
                                  XennerGuestPortFn *fn, void *opaque);
int xenner_guest_notify(XennerGuest *g, evtchn_port_t port);
int xenner_guest_close_port(XennerGuest *g, evtchn_port_t port);

/* ---- xenstore, as the guest's own domain ---------------------------------- */

const XenXenstoreOps *xenner_guest_xs_ops(XennerGuest *g);
XenXsHandle *xenner_guest_xs(XennerGuest *g);
/* The value at @path (relative to the domain's path), or NULL. */
char *xenner_guest_xs_read(XennerGuest *g, const char *path);
int xenner_guest_xs_printf(XennerGuest *g, const char *path,
                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The xenbus state at @dir/state, XenbusStateUnknown when unreadable. */
int xenner_guest_xs_read_state(XennerGuest *g, const char *dir);
int xenner_guest_switch_state(XennerGuest *g, const char *dir, int state);

typedef void XennerGuestDeviceFn(void *opaque, unsigned id);
/*
 * Calls @fn for each device/@type/N the toolstack finished writing (state
 * Initialising, a backend key) whose N @seen, keyed by GUINT_TO_POINTER(N),
 * does not hold yet: a frontend's xenstore watch rescans with it.
 */
void xenner_guest_scan_devices(XennerGuest *g, const char *type,
                               GHashTable *seen, XennerGuestDeviceFn *fn,
                               void *opaque);

#endif /* XENNER_GUEST_H */
