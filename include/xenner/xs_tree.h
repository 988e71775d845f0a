/*
 * Xenner xenstore: the tree, its permissions, transactions, watches and
 * per-domain quotas. Pure logic: no I/O, no clock, no global state.
 *
 * Semantics follow Xen's C xenstored (docs/misc/xenstore.txt): every
 * operation is made by a client (a connection of one domain), paths are
 * resolved relative to /local/domain/<domid>, and errors are the negative
 * errno values listed in xen/io/xs_wire.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XS_TREE_H
#define XENNER_XS_TREE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define XS_VALUE_MAX 4096           /* XENSTORE_PAYLOAD_MAX */
#define XS_DOMID_PRIVILEGED 0

/* Permission bits, as Xen's xenstore_lib.h defines them. */
enum {
    XS_PERM_NONE = 0,
    XS_PERM_READ = 1,
    XS_PERM_WRITE = 2,
    XS_PERM_OWNER = 8,
};

typedef struct XsPerm {
    uint16_t domid;
    uint8_t perms;      /* XS_PERM_READ | XS_PERM_WRITE */
} XsPerm;

/*
 * The quotas an unprivileged domain is held to, across all of its clients
 * and transactions; 0 means unlimited.
 */
typedef struct XsQuota {
    unsigned nodes;             /* nodes a domain may own, also at commit */
    unsigned entry_size;        /* bytes in one node (value, perms,
                                                      children) */
    unsigned watches;           /* watches of one domain */
    unsigned transactions;      /* open transactions of one domain */
    unsigned perms;             /* permission entries on one node */
    /*
     * Replies one connection may leave unread before its next requests
     * wait (Xen's is per domain, whose one ring is one connection).
     * Enforced by the transport, which holds the replies.
     */
    unsigned outstanding;
    /*
     * Bytes of replies and watch events queued, unread, for one domain's
     * connections together (Xen's memory quota, which counts the domain's
     * nodes too: here the nodes and node-size quotas bound those), and
     * for all guests' together; domain 0's have a memory_total of their
     * own. Enforced by the transport (xs_budget.h).
     */
    unsigned memory;
    unsigned memory_total;
    /*
     * Nodes one transaction may hold a private copy of: every node it
     * reads, writes or looks for, so that a guest's transactions cannot
     * copy the whole tree (Xen's quota_trans_nodes). Last, so that an
     * initializer naming only the fields before leaves it unlimited.
     */
    unsigned transaction_nodes;
} XsQuota;

/* What one domain holds against its quotas. */
typedef struct XsUsage {
    unsigned nodes;             /* committed nodes it owns */
    unsigned watches;
    unsigned transactions;      /* open ones */
} XsUsage;

#define XS_QUOTA_DEFAULT \
    { 1000, 2048, 128, 10, 5, 20, 2560 * 1024, 64 * 1024 * 1024, 1024 }

typedef struct XsTree XsTree;
typedef struct XsClient XsClient;

/*
 * Delivers one watch event to a client. @path is already made relative
 * when the watch was registered with a relative path.
 */
typedef void XsWatchEventFn(void *opaque, const char *path, const char *token);

/*
 * Tells a client's owner that the client's domain was released: the
 * client is dead. Called from inside the releasing call, so the owner
 * must not free the client there, only arrange for it.
 */
typedef void XsClientReleasedFn(void *opaque);

XsTree *xenner_xs_tree_new(void);
void xenner_xs_tree_free(XsTree *tree);
void xenner_xs_tree_get_quota(XsTree *tree, XsQuota *quota);
void xenner_xs_tree_set_quota(XsTree *tree, const XsQuota *quota);
/* Nodes in the committed tree, the root included. */
unsigned xenner_xs_tree_node_count(XsTree *tree);
/* -ENOENT for a domain the store has not met (as owner or client). */
int xenner_xs_tree_get_usage(XsTree *tree, uint16_t domid, XsUsage *usage);
/* Domain 0 always is. */
bool xenner_xs_tree_is_introduced(XsTree *tree, uint16_t domid);

/*
 * A client acts for one domain; domain 0 is privileged. Freeing a client
 * drops its watches and aborts its transactions.
 *
 * When its domain is released (xenner_xs_client_release), a client is
 * dead for good: its watches and transactions are dropped, no event
 * reaches it, and every call below fails with -EBADF, as libxenstore's do
 * once xenstored has closed their connection. Only freeing it is left.
 * Reintroducing the domain does not revive it; a new client does act for
 * the domain again. Clients made while a domain is not introduced work:
 * the toolstack may prepare a domain's nodes before introducing it.
 */
XsClient *xenner_xs_client_new(XsTree *tree, uint16_t domid,
                               XsWatchEventFn *event_fn, void *opaque);
/* @fn is called with the client's opaque; NULL: no call. */
void xenner_xs_client_set_released_fn(XsClient *c, XsClientReleasedFn *fn);
void xenner_xs_client_free(XsClient *client);
uint16_t xenner_xs_client_domid(XsClient *client);

/*
 * The node operations. @tx is 0 or a transaction id of this client.
 * All return 0 or a negative errno.
 */
int xenner_xs_client_read(XsClient *c, uint32_t tx, const char *path,
                          GByteArray *value);
/*
 * The same without a copy: *@value points into the tree or the
 * transaction, and holds only until the next operation of any client.
 */
int xenner_xs_client_read_ref(XsClient *c, uint32_t tx, const char *path,
                              const void **value, size_t *len);
int xenner_xs_client_write(XsClient *c, uint32_t tx, const char *path,
                           const void *value, size_t len);
int xenner_xs_client_mkdir(XsClient *c, uint32_t tx, const char *path);
int xenner_xs_client_rm(XsClient *c, uint32_t tx, const char *path);
/* Appends each child name, nul-terminated, in directory order. */
int xenner_xs_client_directory(XsClient *c, uint32_t tx, const char *path,
                               GByteArray *names);
/*
 * One slice of a directory: the node's generation, then the names from
 * byte @offset of the list, fitting XS_VALUE_MAX, and an empty name when
 * the list ends. As XS_DIRECTORY_PART answers it.
 */
int xenner_xs_client_directory_part(XsClient *c, uint32_t tx, const char *path,
                                    size_t offset, GByteArray *reply);
/* On success *perms is a new array the caller frees with g_free. */
int xenner_xs_client_get_perms(XsClient *c, uint32_t tx, const char *path,
                               XsPerm **perms, unsigned *nperms);
int xenner_xs_client_set_perms(XsClient *c, uint32_t tx, const char *path,
                               const XsPerm *perms, unsigned nperms);

int xenner_xs_client_transaction_start(XsClient *c, uint32_t *tx);
int xenner_xs_client_transaction_end(XsClient *c, uint32_t tx, bool commit);
bool xenner_xs_client_transaction_is_open(XsClient *c, uint32_t tx);

/* Registration fires one event for @path at once, as xenstored does. */
int xenner_xs_client_watch(XsClient *c, const char *path, const char *token);
int xenner_xs_client_unwatch(XsClient *c, const char *path, const char *token);
/* Drops every watch and transaction of the client. */
void xenner_xs_client_reset_watches(XsClient *c);

/* Domain management; only a privileged client may call these. */
int xenner_xs_client_introduce(XsClient *c, uint16_t domid);
/*
 * Ends every client of @domid (see xenner_xs_client_new), calling their
 * released functions, then fires @releaseDomain.
 */
int xenner_xs_client_release(XsClient *c, uint16_t domid);
int xenner_xs_client_is_introduced(XsClient *c, uint16_t domid,
                                   bool *introduced);
/* Lets @domid act with the rights of @target (a device model stub domain). */
int xenner_xs_client_set_target(XsClient *c, uint16_t domid, uint16_t target);
/* Returns a new string the caller frees. */
char *xenner_xs_domain_path(uint16_t domid);

/*
 * Permission strings as the wire carries them: a letter (n, r, w, b)
 * and a domain id, e.g. "r5".
 */
bool xenner_xs_perm_parse(const char *str, XsPerm *perm);
/* Writes the string into @buf, which has room for 8 bytes. */
void xenner_xs_perm_format(const XsPerm *perm, char buf[8]);

const char *xenner_xs_errno_name(int err);

#endif /* XENNER_XS_TREE_H */
