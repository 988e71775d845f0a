/*
 * Xenner xenstore transactions. A transaction keeps a private copy of
 * every node it touches, with the generation the node had when first
 * touched (0 for a node that did not exist). Commit fails with EAGAIN when
 * any of those nodes has changed in the tree since, as in Xen's xenstored,
 * and with ENOSPC when the nodes it adds would take a domain past its node
 * quota (xs_quota.c); otherwise the copies are written back and the watch
 * events the transaction raised fire. A failed commit applies nothing.
 *
 * The copies are what a guest could make the server hold: an
 * unprivileged domain's transaction holds at most its transaction-nodes
 * quota of them, counted as they are made, whether the node exists, may
 * be read or not. A request that would make one more fails with ENOSPC
 * before it changes anything, and, as in xenstored, the transaction can
 * then only be aborted: its commit fails with ENOMEM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xs_tree_int.h"

#include <errno.h>
#include <string.h>

typedef struct XsTxNode {
    bool exists;
    bool created;           /* made by this transaction: not in the tree */
    bool value_changed;
    bool perms_changed;
    uint64_t base_gen;      /* in the tree when first touched; 0: absent */
    uint64_t generation;    /* as the transaction's reads see it */
    GByteArray *value;
    XsPerm *perms;
    unsigned nperms;
    /*
     * Sorted child names, copied only when needed. A node whose children
     * changed in the tree after it was touched has a new generation, so a
     * late copy can only be seen by a transaction that will not commit.
     */
    GPtrArray *children;
} XsTxNode;

struct XsTxn {
    uint32_t id;
    XsClient *client;
    XsTree *tree;
    GHashTable *nodes;      /* abs path -> XsTxNode */
    GPtrArray *events;      /* XsChange */
    /*
     * domid -> net change to the nodes it owns. Exact at commit: every
     * node counted was touched, so had it changed since, the commit
     * would fail with EAGAIN.
     */
    GHashTable *owner_delta;
    uint64_t local_gen;
    /* A request met the transaction-nodes quota: commit gives ENOMEM. */
    bool doomed;
};

static void txnode_free(gpointer p)
{
    XsTxNode *n = p;

    if (n->value) {
        g_byte_array_unref(n->value);
    }
    if (n->children) {
        g_ptr_array_unref(n->children);
    }
    g_free(n->perms);
    g_free(n);
}

static void event_free(gpointer p)
{
    XsChange *ev = p;

    g_free(ev->path);
    g_free(ev->node.perms);
    g_free(ev->parent.perms);
    g_free(ev->old.perms);
    g_free(ev);
}

void xenner_xs_txn_free(XsTxn *t)
{
    xenner_xs_quota_txn_del(t->client);
    g_hash_table_destroy(t->owner_delta);
    g_hash_table_destroy(t->nodes);
    g_ptr_array_free(t->events, true);
    g_free(t);
}

XsTxn *xenner_xs_txn_find(XsClient *c, uint32_t id)
{
    return g_hash_table_lookup(c->txns, GUINT_TO_POINTER(id));
}

bool xenner_xs_client_transaction_is_open(XsClient *c, uint32_t tx)
{
    return tx && xenner_xs_txn_find(c, tx);
}

GHashTable *xenner_xs_txn_owner_delta(XsTxn *t)
{
    return t->owner_delta;
}

/*
 * The transaction's copy of @path, made on first touch. NULL when making
 * it would take the transaction past its transaction-nodes quota, which
 * dooms the transaction.
 */
static XsTxNode *touch(XsTxn *t, const char *path)
{
    XsTxNode *n = g_hash_table_lookup(t->nodes, path);
    XsNode *node;

    if (n) {
        return n;
    }
    if (xenner_xs_quota_check_txn_nodes(t->client,
                                        g_hash_table_size(t->nodes))) {
        t->doomed = true;
        return NULL;
    }
    n = g_new0(XsTxNode, 1);
    node = xenner_xs_node_lookup(t->tree, path);
    if (node) {
        n->exists = true;
        n->base_gen = node->generation;
        n->generation = node->generation;
        n->value = g_byte_array_sized_new(node->value_len);
        g_byte_array_append(n->value, node->value, node->value_len);
        n->nperms = node->nperms;
        n->perms = g_memdup2(xenner_xs_node_perms(node),
                             node->nperms * sizeof(XsPerm));
    }
    g_hash_table_insert(t->nodes, g_strdup(path), n);
    return n;
}

/*
 * A node the request has viewed already, so held: the seam's contract.
 * Were it not, the caller does nothing rather than copy past the quota.
 */
static XsTxNode *held(XsTxn *t, const char *path)
{
    return g_hash_table_lookup(t->nodes, path);
}

static void modified(XsTxn *t, XsTxNode *n)
{
    n->generation = t->tree->generation + ++t->local_gen;
}

static GPtrArray *children(XsTxn *t, const char *path, XsTxNode *n)
{
    XsNode *node;

    if (n->children) {
        return n->children;
    }
    n->children = g_ptr_array_new_with_free_func(g_free);
    node = n->exists && !n->created ? xenner_xs_node_lookup(t->tree, path)
                                    : NULL;
    for (uint32_t i = 0; node && i < node->nchildren; i++) {
        g_ptr_array_add(n->children, g_strdup(node->children[i]->name));
    }
    return n->children;
}

/*
 * The children of a node the transaction holds, as it sees them, without
 * a copy: its own list once it has one, else the tree's (late, but as
 * good as a late copy: see XsTxNode.children). Listing a directory thus
 * copies no names; only adding or removing a child does.
 */
typedef struct TxChildren {
    GPtrArray *copy;
    XsNode *node;
} TxChildren;

static TxChildren tx_children(XsTxn *t, const char *path, XsTxNode *n)
{
    TxChildren kids = { NULL, NULL };

    if (n->children) {
        kids.copy = n->children;
    } else if (n->exists && !n->created) {
        kids.node = xenner_xs_node_lookup(t->tree, path);
    }
    return kids;
}

static guint tx_children_count(const TxChildren *kids)
{
    return kids->copy ? kids->copy->len
                      : kids->node ? kids->node->nchildren : 0;
}

static const char *tx_child_name(const TxChildren *kids, guint i)
{
    return kids->copy ? g_ptr_array_index(kids->copy, i)
                      : kids->node->children[i]->name;
}

int xenner_xs_txn_view(XsTxn *t, const char *path, XsView *v)
{
    XsTxNode *n = touch(t, path);

    if (!n) {
        return -ENOSPC;
    }
    if (!n->exists) {
        return 0;
    }
    v->exists = true;
    v->value = n->value->data;
    v->value_len = n->value->len;
    v->perms = n->perms;
    v->nperms = n->nperms;
    v->generation = n->generation;
    return 0;
}

uint32_t xenner_xs_txn_children_len(XsTxn *t, const char *path)
{
    XsTxNode *n = held(t, path);
    TxChildren kids;
    uint32_t len = 0;

    if (!n) {
        return 0;
    }
    kids = tx_children(t, path, n);
    for (guint i = 0; i < tx_children_count(&kids); i++) {
        len += strlen(tx_child_name(&kids, i)) + 1;
    }
    return len;
}

void xenner_xs_txn_children(XsTxn *t, const char *path, GByteArray *out)
{
    XsTxNode *n = held(t, path);
    TxChildren kids;

    if (!n) {
        return;
    }
    kids = tx_children(t, path, n);
    for (guint i = 0; i < tx_children_count(&kids); i++) {
        const char *name = tx_child_name(&kids, i);

        g_byte_array_append(out, (const guint8 *)name, strlen(name) + 1);
    }
}

void xenner_xs_txn_set_value(XsTxn *t, const char *path, const void *value,
                             size_t len)
{
    XsTxNode *n = held(t, path);

    if (!n || !n->exists) {
        return;
    }
    g_byte_array_set_size(n->value, 0);
    g_byte_array_append(n->value, value, len);
    n->value_changed = true;
    modified(t, n);
}

void xenner_xs_txn_set_perms(XsTxn *t, const char *path, const XsPerm *perms,
                             unsigned nperms)
{
    XsTxNode *n = held(t, path);

    if (!n || !n->exists) {
        return;
    }
    if (n->perms[0].domid != perms[0].domid) {
        xenner_xs_quota_delta_add(t->owner_delta, n->perms[0].domid, -1);
        xenner_xs_quota_delta_add(t->owner_delta, perms[0].domid, 1);
    }
    g_free(n->perms);
    n->perms = g_memdup2(perms, nperms * sizeof(XsPerm));
    n->nperms = nperms;
    n->perms_changed = true;
    modified(t, n);
}

void xenner_xs_txn_create(XsTxn *t, const char *path, const XsPerm *perms,
                          unsigned nperms)
{
    g_autofree char *parent = xenner_xs_path_parent(path);
    XsTxNode *p = held(t, parent);
    XsTxNode *n = held(t, path);
    GPtrArray *names;
    const char *name = xenner_xs_path_last(path);
    guint pos = 0;

    if (!p || !n) {
        return;
    }
    names = children(t, parent, p);
    n->exists = true;
    n->created = true;
    n->value = g_byte_array_new();
    n->perms = g_memdup2(perms, nperms * sizeof(XsPerm));
    n->nperms = nperms;
    /* A node removed earlier in this transaction may have a list left. */
    if (n->children) {
        g_ptr_array_unref(n->children);
    }
    n->children = g_ptr_array_new_with_free_func(g_free);
    modified(t, n);
    xenner_xs_quota_delta_add(t->owner_delta, perms[0].domid, 1);

    while (pos < names->len &&
           strcmp(g_ptr_array_index(names, pos), name) < 0) {
        pos++;
    }
    g_ptr_array_insert(names, pos, g_strdup(name));
    modified(t, p);
}

/*
 * Copies the subtree at @path, as the transaction sees it, before any of
 * it is removed: a removal that meets the quota halfway changes nothing.
 * Stops at the first node past the quota, so a guest's removal of a
 * large subtree costs at most its quota of copies, in memory and time.
 */
static int touch_subtree(XsTxn *t, const char *path)
{
    XsTxNode *n = touch(t, path);
    TxChildren kids;

    if (!n) {
        return -ENOSPC;
    }
    kids = tx_children(t, path, n);
    for (guint i = 0; i < tx_children_count(&kids); i++) {
        g_autofree char *child =
            g_strconcat(path, "/", tx_child_name(&kids, i), NULL);
        int ret = touch_subtree(t, child);

        if (ret) {
            return ret;
        }
    }
    return 0;
}

static void remove_subtree(XsTxn *t, const char *path)
{
    XsTxNode *n = held(t, path);
    TxChildren kids;

    if (!n) {
        return;
    }
    kids = tx_children(t, path, n);
    for (guint i = 0; i < tx_children_count(&kids); i++) {
        g_autofree char *child =
            g_strconcat(path, "/", tx_child_name(&kids, i), NULL);

        remove_subtree(t, child);
    }
    if (n->exists) {
        xenner_xs_quota_delta_add(t->owner_delta, n->perms[0].domid, -1);
    }
    n->exists = false;
    n->created = false;
    n->value_changed = n->perms_changed = false;
    g_clear_pointer(&n->value, g_byte_array_unref);
    g_clear_pointer(&n->perms, g_free);
    n->nperms = 0;
    g_clear_pointer(&n->children, g_ptr_array_unref);
}

int xenner_xs_txn_remove(XsTxn *t, const char *path)
{
    g_autofree char *parent = xenner_xs_path_parent(path);
    XsTxNode *p = touch(t, parent);
    GPtrArray *names;
    const char *name = xenner_xs_path_last(path);

    if (!p || touch_subtree(t, path)) {
        return -ENOSPC;
    }
    names = children(t, parent, p);
    remove_subtree(t, path);
    for (guint i = 0; i < names->len; i++) {
        if (!strcmp(g_ptr_array_index(names, i), name)) {
            g_ptr_array_remove_index(names, i);
            break;
        }
    }
    modified(t, p);
    return 0;
}

static XsChangePerms copy_perms(const XsChangePerms *p)
{
    XsChangePerms copy = {
        .perms = g_memdup2(p->perms, p->nperms * sizeof(XsPerm)),
        .nperms = p->nperms,
    };

    return copy;
}

void xenner_xs_txn_add_event(XsTxn *t, const XsChange *ev)
{
    XsChange *copy = g_new0(XsChange, 1);

    copy->path = g_strdup(ev->path);
    copy->recursive = ev->recursive;
    copy->node = copy_perms(&ev->node);
    copy->parent = copy_perms(&ev->parent);
    copy->old = copy_perms(&ev->old);
    g_ptr_array_add(t->events, copy);
}

int xenner_xs_client_transaction_start(XsClient *c, uint32_t *tx)
{
    XsTxn *t;
    int ret;

    if (c->released) {
        return -EBADF;
    }
    ret = xenner_xs_quota_txn_add(c);
    if (ret) {
        return ret;
    }
    while (c->next_txn_id == 0 || xenner_xs_txn_find(c, c->next_txn_id)) {
        c->next_txn_id++;
    }
    t = g_new0(XsTxn, 1);
    t->id = c->next_txn_id++;
    t->client = c;
    t->tree = c->tree;
    t->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                     txnode_free);
    t->events = g_ptr_array_new_with_free_func(event_free);
    t->owner_delta = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_insert(c->txns, GUINT_TO_POINTER(t->id), t);
    *tx = t->id;
    return 0;
}

static unsigned depth(const char *path)
{
    unsigned d = 0;

    for (; *path; path++) {
        d += *path == '/';
    }
    return d;
}

/* Parents before children, so every node is created under its parent. */
static gint compare_depth(gconstpointer a, gconstpointer b)
{
    const char *pa = *(const char * const *)a;
    const char *pb = *(const char * const *)b;
    unsigned da = depth(pa), db = depth(pb);

    return da != db ? (da < db ? -1 : 1) : strcmp(pa, pb);
}

static bool conflicts(XsTxn *t)
{
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, t->nodes);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        XsNode *node = xenner_xs_node_lookup(t->tree, key);
        XsTxNode *n = value;

        if ((node ? node->generation : 0) != n->base_gen) {
            return true;
        }
    }
    return false;
}

static void write_back(XsTxn *t)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, t->nodes);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        g_ptr_array_add(paths, key);
    }
    g_ptr_array_sort(paths, compare_depth);

    /* Removals first: a path removed and made anew starts afresh. */
    for (guint i = 0; i < paths->len; i++) {
        const char *path = g_ptr_array_index(paths, i);
        XsTxNode *n = g_hash_table_lookup(t->nodes, path);
        XsNode *node = xenner_xs_node_lookup(t->tree, path);

        if (node && node->parent && (!n->exists || n->created)) {
            xenner_xs_node_remove(t->tree, node);
        }
    }
    for (guint i = 0; i < paths->len; i++) {
        const char *path = g_ptr_array_index(paths, i);
        XsTxNode *n = g_hash_table_lookup(t->nodes, path);
        XsNode *node;

        if (!n->exists) {
            continue;
        }
        node = xenner_xs_node_lookup(t->tree, path);
        if (!node) {
            g_autofree char *parent = xenner_xs_path_parent(path);

            node = xenner_xs_node_create(t->tree,
                                         xenner_xs_node_lookup(t->tree, parent),
                                         xenner_xs_path_last(path), n->perms,
                                         n->nperms);
            xenner_xs_node_set_value(t->tree, node, n->value->data,
                                     n->value->len);
            continue;
        }
        if (n->value_changed) {
            xenner_xs_node_set_value(t->tree, node, n->value->data,
                                     n->value->len);
        }
        if (n->perms_changed) {
            xenner_xs_node_set_perms(t->tree, node, n->perms, n->nperms);
        }
    }
}

int xenner_xs_client_transaction_end(XsClient *c, uint32_t tx, bool commit)
{
    XsTxn *t;
    int ret = 0;

    if (c->released) {
        return -EBADF;
    }
    t = xenner_xs_txn_find(c, tx);
    if (!t) {
        return -ENOENT;
    }
    g_hash_table_steal(c->txns, GUINT_TO_POINTER(tx));
    if (commit) {
        /*
         * A doomed transaction first, as in xenstored (ENOMEM, which a
         * client does not retry, as it would EAGAIN: its retry would
         * meet the quota again). Then a conflict: only a transaction
         * that would apply has exact node counts. xenstored checks the
         * node quota first; either way the transaction is not applied,
         * and a retry after EAGAIN meets the quota if it still holds.
         */
        ret = t->doomed       ? -ENOMEM
              : conflicts(t) ? -EAGAIN
                             : xenner_xs_quota_check_commit(c, t);
        if (!ret) {
            write_back(t);
            for (guint i = 0; i < t->events->len; i++) {
                xenner_xs_watch_fire(c->tree, g_ptr_array_index(t->events, i));
            }
        }
    }
    xenner_xs_txn_free(t);
    return ret;
}
