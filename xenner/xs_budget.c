/*
 * Xenner xenstore: the budget of output queued for clients that do not
 * read it (see xs_budget.h). Finding whom to give up on walks every
 * connection, but only when a bound is reached; counting is O(1).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define G_LOG_DOMAIN "xenner-xs"

#include "xenner/xs_budget.h"

#include "util/error.h"
#include "util/trace.h"

typedef struct XsBudgetDomain {
    size_t queued;
    unsigned nconns;
} XsBudgetDomain;

struct XsBudgetConn {
    XsBudget *budget;
    XsBudgetDomain *domain;
    uint16_t domid;
    size_t queued;
    bool evicted;
    uint64_t flushed;           /* the last reservation that flushed it */
    XsBudgetFlushFn *flush;
    XsBudgetEvictFn *evict;
    void *opaque;
};

struct XsBudget {
    XsTree *tree;
    GHashTable *domains;        /* domid -> XsBudgetDomain */
    GPtrArray *conns;           /* XsBudgetConn */
    size_t pool[2];             /* guests' output, domain 0's */
    uint64_t reservation;       /* reservations that had to make room */
    RateLimit rl;
};

/* Which of the connections a bound covers. */
typedef enum {
    SCOPE_DOMAIN,
    SCOPE_POOL,
} XsBudgetScope;

static bool is_privileged(uint16_t domid)
{
    return domid == XS_DOMID_PRIVILEGED;
}

XsBudget *xenner_xs_budget_new(XsTree *tree)
{
    XsBudget *b = g_new0(XsBudget, 1);

    b->tree = tree;
    b->domains = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                       g_free);
    b->conns = g_ptr_array_new();
    return b;
}

void xenner_xs_budget_free(XsBudget *b)
{
    if (!b) {
        return;
    }
    g_hash_table_destroy(b->domains);
    g_ptr_array_free(b->conns, true);
    g_free(b);
}

XsBudgetConn *xenner_xs_budget_conn_new(XsBudget *b, uint16_t domid,
                                        XsBudgetFlushFn *flush,
                                        XsBudgetEvictFn *evict, void *opaque)
{
    XsBudgetConn *c = g_new0(XsBudgetConn, 1);
    XsBudgetDomain *d = g_hash_table_lookup(b->domains,
                                            GUINT_TO_POINTER(domid));

    if (!d) {
        d = g_new0(XsBudgetDomain, 1);
        g_hash_table_insert(b->domains, GUINT_TO_POINTER(domid), d);
    }
    d->nconns++;
    c->budget = b;
    c->domain = d;
    c->domid = domid;
    c->flush = flush;
    c->evict = evict;
    c->opaque = opaque;
    g_ptr_array_add(b->conns, c);
    return c;
}

static void charge(XsBudgetConn *c, size_t len)
{
    c->queued += len;
    c->domain->queued += len;
    c->budget->pool[is_privileged(c->domid)] += len;
}

static void discharge(XsBudgetConn *c, size_t len)
{
    len = MIN(len, c->queued);
    c->queued -= len;
    c->domain->queued -= len;
    c->budget->pool[is_privileged(c->domid)] -= len;
}

void xenner_xs_budget_conn_free(XsBudgetConn *c)
{
    XsBudget *b;

    if (!c) {
        return;
    }
    b = c->budget;
    discharge(c, c->queued);
    if (--c->domain->nconns == 0) {
        g_hash_table_remove(b->domains, GUINT_TO_POINTER(c->domid));
    }
    g_ptr_array_remove_fast(b->conns, c);
    g_free(c);
}

/* The connection in @of's scope holding the most output, or NULL. */
static XsBudgetConn *slowest(XsBudgetConn *of, XsBudgetScope scope)
{
    XsBudgetConn *worst = NULL;

    for (guint i = 0; i < of->budget->conns->len; i++) {
        XsBudgetConn *c = g_ptr_array_index(of->budget->conns, i);

        if (scope == SCOPE_DOMAIN ? c->domid != of->domid
                                  : is_privileged(c->domid) !=
                                        is_privileged(of->domid)) {
            continue;
        }
        if (c->queued && (!worst || c->queued > worst->queued)) {
            worst = c;
        }
    }
    return worst;
}

static void evict(XsBudgetConn *c, const char *bound)
{
    warn_report_ratelimited(&c->budget->rl,
                            "xenstore: closing a client of domain %u that "
                            "leaves %zu bytes unread (%s)",
                            c->domid, c->queued, bound);
    trace("domain %u: client with %zu bytes unread given up (%s)", c->domid,
          c->queued, bound);
    discharge(c, c->queued);
    c->evicted = true;
    c->evict(c->opaque);
}

bool xenner_xs_budget_reserve(XsBudgetConn *c, size_t len)
{
    XsBudget *b = c->budget;
    bool priv = is_privileged(c->domid);
    bool making_room = false;
    XsQuota q;

    xenner_xs_tree_get_quota(b->tree, &q);
    while (!c->evicted) {
        XsBudgetConn *victim;
        const char *bound;

        if (c->queued + len > XS_BUDGET_CONN_MAX) {
            victim = c;
            bound = "16 MiB per connection";
        } else if (!priv && q.memory && c->domain->queued + len > q.memory) {
            victim = slowest(c, SCOPE_DOMAIN);
            bound = "the domain's memory quota";
        } else if (q.memory_total && b->pool[priv] + len > q.memory_total) {
            victim = slowest(c, SCOPE_POOL);
            bound = priv ? "memory-total of domain 0's clients"
                         : "memory-total of all guests' clients";
        } else {
            charge(c, len);
            return true;
        }
        if (!victim) {
            /* Nothing queued to give up: one message over a tiny quota. */
            charge(c, len);
            return true;
        }
        if (!making_room) {
            making_room = true;
            b->reservation++;
        }
        /*
         * Queued in this batch, not yet offered to the socket, is not
         * unread: a client that reads would lose to one that does not.
         */
        if (victim->flush && victim->flushed != b->reservation) {
            victim->flushed = b->reservation;
            victim->flush(victim->opaque);
            continue;
        }
        evict(victim, bound);
    }
    return false;
}

void xenner_xs_budget_release(XsBudgetConn *c, size_t len)
{
    discharge(c, len);
}

size_t xenner_xs_budget_conn_queued(XsBudgetConn *c)
{
    return c->queued;
}

size_t xenner_xs_budget_domain_queued(XsBudget *b, uint16_t domid)
{
    XsBudgetDomain *d = g_hash_table_lookup(b->domains,
                                            GUINT_TO_POINTER(domid));

    return d ? d->queued : 0;
}

size_t xenner_xs_budget_pool_queued(XsBudget *b, bool privileged)
{
    return b->pool[privileged];
}
