/*
 * Xenner event channels: per-domain port tables, interdomain channels,
 * pending and mask bits, as Xen keeps them (xen/event_channel.h). Pure
 * logic apart from one eventfd per backend handle; no global state, and
 * not thread-safe: every call is made from the thread of the event loop.
 *
 * Two sides use a context:
 * - guests (xenner_evtchn_guest_*), acting as a PV kernel does through
 *   EVTCHNOP_* hypercalls and the pending/mask bits of shared_info. Events
 *   reach a guest through the upcall registered for its domain.
 * - backends (xenner_evtchn_open() and the calls on its handle), shaped
 *   like libxenevtchn so that an ops table can wrap either. Events reach a
 *   backend through the handle's eventfd, or a bottom half the backend
 *   set (xenner_evtchn_set_notifier()), and xenner_evtchn_pending().
 *
 * Data path calls return a port or 0 on success and a negative errno on
 * failure, with the errno Xen (or Linux's evtchn driver, for handles)
 * gives for the same mistake.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_EVTCHN_H
#define XENNER_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#include "util/error.h"
#include "util/event-loop.h"

/* The port count of the 2-level ABI on a 64-bit guest. */
#define XENNER_EVTCHN_NR_PORTS_DEFAULT 4096
/* The most any ABI has: FIFO event channels. */
#define XENNER_EVTCHN_NR_PORTS_MAX EVTCHN_FIFO_NR_CHANNELS

typedef struct XennerEvtchn XennerEvtchn;
typedef struct XennerEvtchnHandle XennerEvtchnHandle;

/*
 * Raises an event in a guest. Called synchronously from inside the call
 * that made the port pending (the peer's send, the guest's own unmask or
 * bind), after the context is consistent again, so it may call back into
 * the context. It runs on each change of the port from not pending to
 * pending while unmasked, and on unmask of a pending port: the guest
 * clears the pending bit itself (xenner_evtchn_guest_clear_pending()) to
 * hear of the port again, as on Xen.
 */
typedef void XennerEvtchnUpcallFn(void *opaque, evtchn_port_t port);

typedef struct XennerEvtchnStatus {
    uint32_t status;        /* EVTCHNSTAT_closed, _unbound, _interdomain */
    uint16_t remote_domid;  /* unbound: who may bind; interdomain: peer */
    evtchn_port_t remote_port;  /* interdomain only, else 0 */
    bool pending;
    bool masked;
} XennerEvtchnStatus;

/* ---- control plane ---------------------------------------------------- */

XennerEvtchn *xenner_evtchn_new(void);
/* Open handles outlive the context: they fail with -ESRCH, then close. */
void xenner_evtchn_free(XennerEvtchn *ctx);

/*
 * Ports 1 .. nr_ports - 1 of @domid become usable; port 0 never is, as on
 * Xen. @nr_ports is 2 .. XENNER_EVTCHN_NR_PORTS_MAX.
 */
bool xenner_evtchn_add_domain(XennerEvtchn *ctx, uint32_t domid,
                              uint32_t nr_ports, Error **errp);
/*
 * Closes every port of @domid, as Xen does when a domain dies: the peers
 * of its interdomain channels become unbound, its handles fail with
 * -ESRCH from then on.
 */
bool xenner_evtchn_remove_domain(XennerEvtchn *ctx, uint32_t domid,
                                 Error **errp);
bool xenner_evtchn_has_domain(XennerEvtchn *ctx, uint32_t domid);
/* @fn may be NULL: events then stay pending until the guest looks. */
bool xenner_evtchn_set_upcall(XennerEvtchn *ctx, uint32_t domid,
                              XennerEvtchnUpcallFn *fn, void *opaque,
                              Error **errp);

/* ---- guest side: @domid is the calling domain ------------------------ */

/*
 * EVTCHNOP_alloc_unbound: a fresh port of @domid that @remote_domid (or
 * @domid itself, given DOMID_SELF) may bind to. -ENOSPC when full.
 */
int xenner_evtchn_guest_alloc_unbound(XennerEvtchn *ctx, uint32_t domid,
                                      uint32_t remote_domid);
/*
 * EVTCHNOP_bind_interdomain: a fresh port of @domid connected to
 * @remote_port of @remote_domid, which must be unbound and allocated for
 * @domid. The new port is set pending, as Xen does, in case the peer
 * sent before the bind.
 */
int xenner_evtchn_guest_bind_interdomain(XennerEvtchn *ctx, uint32_t domid,
                                         uint32_t remote_domid,
                                         evtchn_port_t remote_port);
/* EVTCHNOP_close: the peer of an interdomain channel becomes unbound. */
int xenner_evtchn_guest_close(XennerEvtchn *ctx, uint32_t domid,
                              evtchn_port_t port);
/*
 * EVTCHNOP_send: makes the peer's port pending. An unbound port drops the
 * event and succeeds, as on Xen.
 */
int xenner_evtchn_guest_send(XennerEvtchn *ctx, uint32_t domid,
                             evtchn_port_t port);
/* EVTCHNOP_status; port 0 reads as closed, as on Xen. */
int xenner_evtchn_guest_status(XennerEvtchn *ctx, uint32_t domid,
                               evtchn_port_t port, XennerEvtchnStatus *st);
/* The shared_info mask bit; unmasking a pending port raises the upcall. */
int xenner_evtchn_guest_mask(XennerEvtchn *ctx, uint32_t domid,
                             evtchn_port_t port);
int xenner_evtchn_guest_unmask(XennerEvtchn *ctx, uint32_t domid,
                               evtchn_port_t port);
/* 1 when pending, 0 when not, or a negative errno. */
int xenner_evtchn_guest_is_pending(XennerEvtchn *ctx, uint32_t domid,
                                   evtchn_port_t port);
int xenner_evtchn_guest_clear_pending(XennerEvtchn *ctx, uint32_t domid,
                                      evtchn_port_t port);

/* ---- backend side, as libxenevtchn ------------------------------------ */

/* @domid, the backend's domain, must have been added. */
XennerEvtchnHandle *xenner_evtchn_open(XennerEvtchn *ctx, uint32_t domid,
                                       Error **errp);
/* Unbinds every port of the handle and closes its eventfd. */
void xenner_evtchn_close(XennerEvtchnHandle *h);
/*
 * Readable (EPOLLIN) while xenner_evtchn_pending() has a port to report.
 * Non-blocking; the handle owns it.
 */
int xenner_evtchn_get_fd(XennerEvtchnHandle *h);
/*
 * Instead of the eventfd, a port that fires schedules @fn(@opaque) on
 * @loop, which must be the loop of the thread that raises events; @fn
 * NULL goes back to the eventfd. Ports already queued are reported at
 * once through the new route. Closing the handle cancels a call due.
 */
void xenner_evtchn_set_notifier(XennerEvtchnHandle *h, EventLoop *loop,
                                IOHandler *fn, void *opaque);
/* A fresh local port connected to @remote_port of @remote_domid. */
int xenner_evtchn_bind_interdomain(XennerEvtchnHandle *h,
                                   uint32_t remote_domid,
                                   evtchn_port_t remote_port);
/* A fresh local port that @remote_domid may bind to. */
int xenner_evtchn_bind_unbound_port(XennerEvtchnHandle *h,
                                    uint32_t remote_domid);
/* -ENOTCONN for a port this handle did not bind, as Linux's driver. */
int xenner_evtchn_unbind(XennerEvtchnHandle *h, evtchn_port_t port);
int xenner_evtchn_notify(XennerEvtchnHandle *h, evtchn_port_t port);
/*
 * The next port that fired, in order, or -EAGAIN. A port is reported once
 * and stays masked until xenner_evtchn_unmask(); events meanwhile are
 * kept as one pending bit and reported after the unmask.
 */
int xenner_evtchn_pending(XennerEvtchnHandle *h);
int xenner_evtchn_unmask(XennerEvtchnHandle *h, evtchn_port_t port);

#endif /* XENNER_EVTCHN_H */
