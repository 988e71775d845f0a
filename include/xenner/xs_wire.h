/*
 * Xenner xenstore: the xs_wire protocol of one connection, over any byte
 * transport (a unix socket, or a guest's xenstore ring). No I/O here: the
 * transport feeds received bytes in and takes replies and watch events out
 * through a callback.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XS_WIRE_H
#define XENNER_XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "xenner/xs_tree.h"

typedef struct XsWireConn XsWireConn;

/* Sends @len bytes, one or more whole messages, to the peer. */
typedef void XsWireOutputFn(void *opaque, const void *buf, size_t len);

XsWireConn *xenner_xs_wire_conn_new(XsTree *tree, uint16_t domid,
                                    XsWireOutputFn *output, void *opaque);
/*
 * Tells the transport that the connection's domain was released
 * (XS_RELEASE): the connection is dead, every request on it fails, and
 * the transport should close it, though not from inside this call (it
 * comes from another connection's request). Called with the output's
 * @opaque; none is called until one is set.
 */
typedef void XsWireReleasedFn(void *opaque);
void xenner_xs_wire_conn_set_released_fn(XsWireConn *conn,
                                         XsWireReleasedFn *fn);
/* Drops the connection's watches and transactions. */
void xenner_xs_wire_conn_free(XsWireConn *conn);

/*
 * Consumes bytes from the peer, answering each complete request. Returns
 * false when the peer sent a header announcing more than
 * XENSTORE_PAYLOAD_MAX bytes: the stream cannot be resynchronised and the
 * transport must close the connection.
 */
bool xenner_xs_wire_conn_input(XsWireConn *conn, const void *data, size_t len);

/*
 * The same, one request at a time, for a transport that paces a client:
 * consumes bytes up to the end of the first request they complete (which
 * is answered before this returns), or all of them. Returns the number of
 * bytes consumed, or -EMSGSIZE for an oversized header as above.
 */
ssize_t xenner_xs_wire_conn_input_one(XsWireConn *conn, const void *data,
                                      size_t len);

/*
 * The name of request @type (xs_wire.h's, without XS_), and whether only
 * the privileged domain may send it; NULL for a type that is answered
 * with ENOSYS.
 */
const char *xenner_xs_wire_type_name(uint32_t type, bool *privileged);

#endif /* XENNER_XS_WIRE_H */
