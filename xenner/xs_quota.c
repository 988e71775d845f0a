/*
 * Xenner xenstore: what each domain holds against its quotas, and the
 * checks that keep it there. Every quota is the domain's, whichever of its
 * clients (connections, in-process handles) or transactions asks, as in
 * Xen's C xenstored, where a guest has one ring for all of them; but
 * transaction-nodes bounds each transaction. Domain 0 is privileged and
 * held to none.
 *
 * Nodes count for their owner (the first permission entry), not for
 * whoever wrote them. A transaction keeps the net change it makes to each
 * owner's count; a write in it is checked against the committed count
 * plus that change, and its commit against the committed count as it is
 * then, since other transactions and connections of the domain may have
 * added nodes in the meantime.
 *
 * Errors are those of xenstored 4.17: ENOSPC for nodes, entry size,
 * permission entries, transactions and the nodes one transaction holds;
 * E2BIG for watches. (EQUOTA is oxenstored's; the C daemon never sends
 * it.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xs_tree_int.h"

#include <errno.h>

static bool quota_applies(XsClient *c)
{
    return !xenner_xs_client_privileged(c);
}

/* ---- nodes -------------------------------------------------------------- */

void xenner_xs_quota_delta_add(GHashTable *delta, uint16_t domid, int n)
{
    gpointer key = GUINT_TO_POINTER(domid);
    int now = GPOINTER_TO_INT(g_hash_table_lookup(delta, key)) + n;

    if (now) {
        g_hash_table_insert(delta, key, GINT_TO_POINTER(now));
    } else {
        g_hash_table_remove(delta, key);
    }
}

static int delta_get(GHashTable *delta, uint16_t domid)
{
    return GPOINTER_TO_INT(g_hash_table_lookup(delta,
                                               GUINT_TO_POINTER(domid)));
}

/* Whether @domid may own @count nodes; counts below 0 are 0. */
static bool nodes_fit(XsTree *tree, int64_t count)
{
    return !tree->quota.nodes || count <= (int64_t)tree->quota.nodes;
}

int xenner_xs_quota_check_nodes(XsClient *c, XsTxn *t, unsigned adding)
{
    XsDomain *d;
    int64_t count;

    if (!quota_applies(c) || !adding) {
        return 0;
    }
    d = xenner_xs_domain_get(c->tree, c->domid);
    count = (int64_t)d->nodes + adding;
    if (t) {
        count += delta_get(xenner_xs_txn_owner_delta(t), c->domid);
    }
    return nodes_fit(c->tree, count) ? 0 : -ENOSPC;
}

int xenner_xs_quota_check_commit(XsClient *c, XsTxn *t)
{
    GHashTableIter iter;
    gpointer key, value;

    if (!quota_applies(c)) {
        return 0;
    }
    /*
     * Only a domain whose count grows is checked: a commit that frees
     * nodes, or moves none, goes through even for a domain that dom0 has
     * put over its quota by handing it nodes.
     */
    g_hash_table_iter_init(&iter, xenner_xs_txn_owner_delta(t));
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        uint16_t domid = GPOINTER_TO_UINT(key);
        int n = GPOINTER_TO_INT(value);

        if (n > 0 && domid != XS_DOMID_PRIVILEGED &&
            !nodes_fit(c->tree,
                       (int64_t)xenner_xs_domain_get(c->tree, domid)->nodes +
                           n)) {
            return -ENOSPC;
        }
    }
    return 0;
}

/* ---- node size and permission entries ----------------------------------- */

bool xenner_xs_quota_entry_limited(XsClient *c)
{
    return quota_applies(c) && c->tree->quota.entry_size;
}

/* As xenstored: a node must stay below the limit, not reach it. */
bool xenner_xs_quota_entry_fits(XsClient *c, size_t bytes)
{
    return bytes < c->tree->quota.entry_size;
}

int xenner_xs_quota_check_perms(XsClient *c, unsigned nperms)
{
    if (quota_applies(c) && c->tree->quota.perms &&
        nperms > c->tree->quota.perms) {
        return -ENOSPC;
    }
    return 0;
}

/* ---- watches and transactions ------------------------------------------- */

int xenner_xs_quota_watch_add(XsClient *c)
{
    XsDomain *d = xenner_xs_domain_get(c->tree, c->domid);

    if (quota_applies(c) && c->tree->quota.watches &&
        d->watches >= c->tree->quota.watches) {
        return -E2BIG;
    }
    d->watches++;
    return 0;
}

void xenner_xs_quota_watch_del(XsClient *c)
{
    xenner_xs_domain_get(c->tree, c->domid)->watches--;
}

int xenner_xs_quota_txn_add(XsClient *c)
{
    XsDomain *d = xenner_xs_domain_get(c->tree, c->domid);

    if (quota_applies(c) && c->tree->quota.transactions &&
        d->transactions >= c->tree->quota.transactions) {
        return -ENOSPC;
    }
    d->transactions++;
    return 0;
}

void xenner_xs_quota_txn_del(XsClient *c)
{
    xenner_xs_domain_get(c->tree, c->domid)->transactions--;
}

/* As xenstored: a transaction may hold exactly its quota of nodes. */
int xenner_xs_quota_check_txn_nodes(XsClient *c, unsigned held)
{
    if (quota_applies(c) && c->tree->quota.transaction_nodes &&
        held >= c->tree->quota.transaction_nodes) {
        return -ENOSPC;
    }
    return 0;
}

/* ---- what a domain holds ------------------------------------------------ */

int xenner_xs_tree_get_usage(XsTree *tree, uint16_t domid, XsUsage *usage)
{
    XsDomain *d = g_hash_table_lookup(tree->domains, GUINT_TO_POINTER(domid));

    if (!d) {
        return -ENOENT;
    }
    usage->nodes = d->nodes;
    usage->watches = d->watches;
    usage->transactions = d->transactions;
    return 0;
}
