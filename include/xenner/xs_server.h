/*
 * Xenner xenstore: the xs_wire protocol served on a unix socket, the way
 * xenstored serves /run/xenstored/socket. Every client of one socket acts
 * for the same domain.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XS_SERVER_H
#define XENNER_XS_SERVER_H

#include "util/error.h"
#include "util/event-loop.h"
#include "xenner/xs_budget.h"
#include "xenner/xs_tree.h"

typedef struct XsServer XsServer;

/*
 * Listens on @path (a stale socket there is replaced). Clients act for
 * @domid: 0 for the toolstack's privileged socket. The output queued for
 * them is held to @budget, which every server of @tree shares, so that
 * a domain's and all guests' bounds hold across sockets.
 */
XsServer *xenner_xs_server_new(EventLoop *loop, XsTree *tree,
                               XsBudget *budget, const char *path,
                               uint16_t domid, Error **errp);
/* Closes every connection and removes the socket. */
void xenner_xs_server_free(XsServer *server);

/*
 * Makes the calling thread SCHED_BATCH: woken by a client's write, it no
 * longer preempts the client on that CPU, but runs once the client waits
 * for its reply. libxenstore writes a request's header and payload in
 * two writes; a server woken by the first reads half a request, sleeps
 * and is woken again. Threads the caller starts later inherit the policy.
 */
bool xenner_xs_server_sched_batch(Error **errp);

#endif /* XENNER_XS_SERVER_H */
