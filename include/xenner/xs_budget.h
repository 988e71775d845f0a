/*
 * Xenner xenstore: the budget of replies and watch events queued for
 * clients that do not read them. Pure logic, no I/O: the transport says
 * what it queues and what the client took, and is told which connection
 * to give up on so that the rest fits.
 *
 * Three bounds, as the tree's quotas set them (0: none): the output of
 * one domain's connections together (quota.memory; not for domain 0),
 * that of all guests' connections together and, apart, that of domain
 * 0's (quota.memory_total each, so that guests cannot use up domain 0's
 * share), and that of any one connection (XS_BUDGET_CONN_MAX).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XS_BUDGET_H
#define XENNER_XS_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenner/xs_tree.h"

#define XS_BUDGET_CONN_MAX (16 * 1024 * 1024)

typedef struct XsBudget XsBudget;
typedef struct XsBudgetConn XsBudgetConn;

/*
 * Before giving up on a connection, the budget asks the transport to
 * hand the client what it can take now (output queued during a batch of
 * requests is not unread yet), and to report what went with
 * xenner_xs_budget_release(). Called from inside tree operations: it
 * may send, never close.
 */
typedef void XsBudgetFlushFn(void *opaque);

/*
 * The budget gave up on a connection: its queued output is written off
 * already (drop it, send it no more) and the transport is to close it,
 * later rather than from inside a tree operation.
 */
typedef void XsBudgetEvictFn(void *opaque);

/* One budget for every transport serving @tree, whose quotas it reads. */
XsBudget *xenner_xs_budget_new(XsTree *tree);
/* Every connection must have been freed. */
void xenner_xs_budget_free(XsBudget *budget);

XsBudgetConn *xenner_xs_budget_conn_new(XsBudget *budget, uint16_t domid,
                                        XsBudgetFlushFn *flush,
                                        XsBudgetEvictFn *evict, void *opaque);
/* Writes off what the connection still had queued. */
void xenner_xs_budget_conn_free(XsBudgetConn *conn);

/*
 * To be called before @len more bytes are queued for @conn. While they
 * would take a bound past its limit, takes the connection within that
 * bound's scope that holds the most output: flushes it, once, and if it
 * still holds the most, gives up on it (the slowest reader first), until
 * the bytes fit or nothing queued is left to give up.
 * Returns true, with the bytes counted, when they may be queued; false
 * when @conn itself was given up on (or had been before).
 */
bool xenner_xs_budget_reserve(XsBudgetConn *conn, size_t len);
/* @len bytes of @conn's queued output were sent (taken by the socket). */
void xenner_xs_budget_release(XsBudgetConn *conn, size_t len);

/* Bytes queued for @conn; for @domid's connections; for the pool of
 * unprivileged domains (@privileged false) or that of domain 0. */
size_t xenner_xs_budget_conn_queued(XsBudgetConn *conn);
size_t xenner_xs_budget_domain_queued(XsBudget *budget, uint16_t domid);
size_t xenner_xs_budget_pool_queued(XsBudget *budget, bool privileged);

#endif /* XENNER_XS_BUDGET_H */
