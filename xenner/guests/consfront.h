/*
 * A console frontend for in-process test guests, as Linux's hvc_xen is:
 * the primary console on the page and port the domain builder gave the
 * guest, and secondary consoles at device/console/N that connect through
 * xenbus (grant the ring, allocate a port, Initialised, then Connected
 * when the backend is).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_CONSFRONT_H
#define XENNER_GUESTS_CONSFRONT_H

#include <stdbool.h>
#include <stddef.h>

#include "xenner/guest.h"

typedef struct ConsFront ConsFront;

/* Input arrived or output room appeared (the backend notified). */
typedef void ConsFrontNotifyFn(void *opaque, ConsFront *cf);

ConsFront *consfront_new_primary(XennerGuest *g, uint64_t ring_gfn,
                                 evtchn_port_t port, ConsFrontNotifyFn *fn,
                                 void *opaque);
/* Starts connecting device/console/@idx; the ring works once connected. */
ConsFront *consfront_new(XennerGuest *g, unsigned idx, ConsFrontNotifyFn *fn,
                         void *opaque);
/* Closes the frontend (Closing, then Closed) and frees everything. */
void consfront_free(ConsFront *cf);

unsigned consfront_index(ConsFront *cf);
bool consfront_connected(ConsFront *cf);
/* Closes and connects again with a fresh ring, as after a driver reload. */
void consfront_reconnect(ConsFront *cf);

/* Non-blocking; both notify the backend when they moved bytes. */
int consfront_read(ConsFront *cf, void *buf, size_t max);
int consfront_write(ConsFront *cf, const void *buf, size_t len);
/* Room left in the out ring. */
int consfront_out_space(ConsFront *cf);

/* For guests that misbehave on purpose. */
struct xencons_interface *consfront_ring(ConsFront *cf);
evtchn_port_t consfront_port(ConsFront *cf);
/* The frontend's xenstore directory. */
const char *consfront_path(ConsFront *cf);

#endif /* XENNER_GUESTS_CONSFRONT_H */
