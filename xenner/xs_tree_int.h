/*
 * Xenner xenstore internals shared by the tree, transaction, watch,
 * domain and quota files. Not for use outside xenner/xs_*.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XS_TREE_INT_H
#define XENNER_XS_TREE_INT_H

#include "xenner/xs_tree.h"

#define XS_REL_PATH_MAX 2048        /* XENSTORE_REL_PATH_MAX */
#define XS_SPECIAL_INTRODUCE "@introduceDomain"
#define XS_SPECIAL_RELEASE "@releaseDomain"
#define XS_WATCH_LENS 256           /* slots of XsTree.watch_lens */

typedef struct XsNode XsNode;

/*
 * A committed node. Kept small: 100,000 nodes are a normal tree, so the
 * name is inline and a single permission entry, the common case, too.
 */
struct XsNode {
    XsNode *parent;
    XsNode **children;          /* sorted by name, capacity a power of 2 */
    uint8_t *value;
    uint64_t generation;
    uint32_t value_len;
    uint32_t nchildren;
    uint16_t nperms;
    union {
        XsPerm one;             /* nperms == 1 */
        XsPerm *many;           /* nperms > 1 */
    } perms;
    char name[];
};

/* A node as one operation sees it, in the tree or in a transaction. */
typedef struct XsView {
    bool exists;
    const uint8_t *value;
    uint32_t value_len;
    const XsPerm *perms;
    unsigned nperms;
    uint64_t generation;
    /* The committed node, outside a transaction: no second lookup. */
    XsNode *node;
} XsView;

typedef struct XsDomain {
    uint16_t domid;
    bool introduced;
    bool has_target;
    uint16_t target;
    unsigned nodes;             /* committed nodes this domain owns */
    unsigned watches;           /* of all its clients */
    unsigned transactions;      /* open, of all its clients */
} XsDomain;

typedef struct XsTxn XsTxn;

struct XsTree {
    XsNode *root;
    uint64_t generation;        /* last generation handed out */
    unsigned node_count;
    XsQuota quota;
    GHashTable *domains;        /* domid -> XsDomain */
    GPtrArray *clients;
    /* abs path or special name -> GPtrArray of XsWatch, for O(depth) firing */
    GHashTable *watches;
    unsigned nwatches;
    /*
     * How many keys of @watches have each length (the last slot: that
     * length or more): a change looks up only the ancestors whose length
     * some watch has, not every level of its path.
     */
    unsigned *watch_lens;
    /* Access to @introduceDomain and @releaseDomain events, as on nodes. */
    XsPerm *special_perms[2];
    unsigned special_nperms[2];
};

struct XsClient {
    XsTree *tree;
    uint16_t domid;
    XsWatchEventFn *event_fn;
    void *opaque;
    GPtrArray *watches;         /* XsWatch, owned by the tree's index */
    GHashTable *txns;           /* id -> XsTxn */
    uint32_t next_txn_id;
    /* Its domain was released: every call fails, as on a closed socket. */
    bool released;
    XsClientReleasedFn *released_fn;
};

/* One set of permissions an event is judged by. */
typedef struct XsChangePerms {
    XsPerm *perms;
    unsigned nperms;            /* 0: nothing to judge by */
} XsChangePerms;

/*
 * A change to report to watchers once it is committed. As in xenstored,
 * a watcher hears of it when it may read the node, the node's parent (so
 * that a backend sees its frontend's private nodes go away), or, for a
 * permission change, the node as it was before.
 */
typedef struct XsChange {
    char *path;
    bool recursive;             /* a removal: watches below fire too */
    XsChangePerms node;
    XsChangePerms parent;
    XsChangePerms old;
} XsChange;

static inline bool xenner_xs_client_privileged(XsClient *c)
{
    return c->domid == XS_DOMID_PRIVILEGED;
}

/* What an absolute path may take: the longest home, a path, the nul. */
#define XS_ABS_PATH_MAX (sizeof("/local/domain/65535/") + XS_VALUE_MAX)

/* xs_tree.c */
char *xenner_xs_path_canonicalize(XsClient *c, const char *path,
                                  bool allow_special);
/* The same into @abs, without an allocation; false where that is NULL. */
bool xenner_xs_path_canonicalize_into(XsClient *c, const char *path,
                                      bool allow_special,
                                      char abs[XS_ABS_PATH_MAX]);
char *xenner_xs_path_parent(const char *abs);
const char *xenner_xs_path_last(const char *abs);
unsigned xenner_xs_perm_for(XsClient *c, const XsPerm *perms, unsigned nperms);
XsNode *xenner_xs_node_lookup(XsTree *tree, const char *path);
const XsPerm *xenner_xs_node_perms(const XsNode *node);
uint32_t xenner_xs_node_children_len(const XsNode *node);
void xenner_xs_node_append_path(const XsNode *node, GString *out);
XsNode *xenner_xs_node_create(XsTree *tree, XsNode *parent, const char *name,
                              const XsPerm *perms, unsigned nperms);
void xenner_xs_node_set_value(XsTree *tree, XsNode *node, const void *value,
                              size_t len);
void xenner_xs_node_set_perms(XsTree *tree, XsNode *node, const XsPerm *perms,
                              unsigned nperms);
void xenner_xs_node_remove(XsTree *tree, XsNode *node);

/* xs_domain.c */
XsDomain *xenner_xs_domain_get(XsTree *tree, uint16_t domid);

/* xs_txn.c */
XsTxn *xenner_xs_txn_find(XsClient *c, uint32_t id);
void xenner_xs_txn_free(XsTxn *t);
/*
 * The transaction's view of @path: *view filled in (view->exists false
 * for a missing node, the rest left as it was), or -ENOSPC when copying
 * the node would take the transaction past its transaction-nodes quota
 * (the transaction is then doomed). Every other call below works on
 * nodes the same request has viewed already (for _create, the node and
 * its parent): those are held, and the calls cannot meet the quota.
 */
int xenner_xs_txn_view(XsTxn *t, const char *path, XsView *view);
void xenner_xs_txn_children(XsTxn *t, const char *path, GByteArray *out);
uint32_t xenner_xs_txn_children_len(XsTxn *t, const char *path);
void xenner_xs_txn_set_value(XsTxn *t, const char *path, const void *value,
                             size_t len);
void xenner_xs_txn_set_perms(XsTxn *t, const char *path, const XsPerm *perms,
                             unsigned nperms);
void xenner_xs_txn_create(XsTxn *t, const char *path, const XsPerm *perms,
                          unsigned nperms);
/*
 * Removes @path and all below it; copies them and @path's parent first,
 * so it is the one call that views nodes of its own: -ENOSPC, with
 * nothing removed, when they do not fit the quota.
 */
int xenner_xs_txn_remove(XsTxn *t, const char *path);
void xenner_xs_txn_add_event(XsTxn *t, const XsChange *ev);
/* domid -> the net change the transaction makes to its node count */
GHashTable *xenner_xs_txn_owner_delta(XsTxn *t);

/* xs_watch.c */
void xenner_xs_watch_fire(XsTree *tree, const XsChange *ev);
void xenner_xs_watch_fire_special(XsTree *tree, const char *name);
void xenner_xs_watch_drop_client(XsClient *c);

/*
 * xs_quota.c. The checks return 0 or the negative errno xenstored gives;
 * the _add functions count what they allow.
 */
void xenner_xs_quota_delta_add(GHashTable *delta, uint16_t domid, int n);
/* Whether the client may make @adding nodes, in @t or (@t NULL) directly. */
int xenner_xs_quota_check_nodes(XsClient *c, XsTxn *t, unsigned adding);
/* Whether @t's net node changes fit the committed counts as they are now. */
int xenner_xs_quota_check_commit(XsClient *c, XsTxn *t);
bool xenner_xs_quota_entry_limited(XsClient *c);
bool xenner_xs_quota_entry_fits(XsClient *c, size_t bytes);
int xenner_xs_quota_check_perms(XsClient *c, unsigned nperms);
int xenner_xs_quota_watch_add(XsClient *c);
void xenner_xs_quota_watch_del(XsClient *c);
int xenner_xs_quota_txn_add(XsClient *c);
void xenner_xs_quota_txn_del(XsClient *c);
/* Whether a transaction of @c that holds @held nodes may copy one more. */
int xenner_xs_quota_check_txn_nodes(XsClient *c, unsigned held);

#endif /* XENNER_XS_TREE_INT_H */
