/*
 * Unit tests of the Xenner xenstore quotas as a domain's, across all of
 * its clients and transactions: the node quota at write and at commit,
 * nodes counted for their owner, the transaction limit, the entry size in
 * a transaction, and what xenner_xs_tree_get_usage() reports; and the
 * nodes one transaction may hold (transaction-nodes). Held to
 * Xen's C xenstored (4.17) where it is exact, and to the count it is
 * after every commit where xenstored is not.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "xenner/xs_tree.h"
#include "xs-test-util.h"

static uint32_t start(XsClient *c)
{
    uint32_t tx = 0;

    g_assert_cmpint(xenner_xs_client_transaction_start(c, &tx), ==, 0);
    g_assert_cmpuint(tx, !=, 0);
    return tx;
}

static int commit(XsClient *c, uint32_t tx)
{
    return xenner_xs_client_transaction_end(c, tx, true);
}

static unsigned owned(XtFixture *f, uint16_t domid)
{
    XsUsage u;

    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, domid, &u), ==, 0);
    return u.nodes;
}

static void set_quota(XtFixture *f, unsigned nodes)
{
    XsQuota q;

    xenner_xs_tree_get_quota(f->tree, &q);
    q.nodes = nodes;
    xenner_xs_tree_set_quota(f->tree, &q);
}

/* Writes @n nodes @dir/n0.. as @c in @tx, each of which must succeed. */
static void write_n(XsClient *c, uint32_t tx, const char *dir, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        g_autofree char *p = g_strdup_printf("%s/n%u", dir, i);

        g_assert_cmpint(xt_write(c, tx, p, "v"), ==, 0);
    }
}

static void test_usage(XtFixture *f, gconstpointer data)
{
    XsClient *a = xt_client(f, 5), *b = xt_client(f, 5);
    XsUsage u;

    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 4711, &u), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 0, &u), ==, 0);
    g_assert_cmpuint(u.nodes, ==, 1);       /* the root */

    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(a, 0, "x", "1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(a, "x", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(b, "x", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(b, "y", "t"), ==, 0);
    start(a);
    start(b);
    start(b);
    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 5, &u), ==, 0);
    g_assert_cmpuint(u.nodes, ==, 2);
    g_assert_cmpuint(u.watches, ==, 3);
    g_assert_cmpuint(u.transactions, ==, 3);

    /* A client going away takes its share with it. */
    xenner_xs_client_free(b);
    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 5, &u), ==, 0);
    g_assert_cmpuint(u.nodes, ==, 2);
    g_assert_cmpuint(u.watches, ==, 1);
    g_assert_cmpuint(u.transactions, ==, 1);
    xenner_xs_client_reset_watches(a);
    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 5, &u), ==, 0);
    g_assert_cmpuint(u.watches, ==, 0);
    g_assert_cmpuint(u.transactions, ==, 0);
    xenner_xs_client_free(a);
}

/*
 * The reproducer of issue 12: ten transactions, each within the quota on
 * its own, together four times over it. Only the first commit fits.
 */
static void test_commit_concurrent(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    uint32_t tx[10];

    set_quota(f, 100);
    xt_make_home(f->dom0, 5);
    for (unsigned i = 0; i < 10; i++) {
        g_autofree char *dir = g_strdup_printf("t%u", i);

        g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, dir), ==, 0);
    }
    g_assert_cmpuint(owned(f, 5), ==, 11);
    for (unsigned i = 0; i < 10; i++) {
        g_autofree char *dir = g_strdup_printf("t%u", i);

        tx[i] = start(c5);
        write_n(c5, tx[i], dir, 85);
    }
    g_assert_cmpint(commit(c5, tx[0]), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 96);
    for (unsigned i = 1; i < 10; i++) {
        g_autofree char *dir = g_strdup_printf("t%u", i);
        g_autofree char *kids = NULL;

        g_assert_cmpint(commit(c5, tx[i]), ==, -ENOSPC);
        kids = xt_dir(c5, 0, dir);
        g_assert_cmpstr(kids, ==, "");
    }
    g_assert_cmpuint(owned(f, 5), ==, 96);
    g_assert_false(xenner_xs_client_transaction_is_open(c5, tx[1]));
    xenner_xs_client_free(c5);
}

/* Five clients of one domain share its nodes and its transactions. */
static void test_commit_clients(XtFixture *f, gconstpointer data)
{
    XsClient *c[5];
    uint32_t tx[10], extra;
    unsigned ok = 0;

    set_quota(f, 100);
    xt_make_home(f->dom0, 5);
    for (unsigned i = 0; i < 5; i++) {
        c[i] = xt_client(f, 5);
    }
    /* Made first: transactions that add to one directory conflict. */
    g_assert_cmpint(xenner_xs_client_mkdir(c[0], 0, "last"), ==, 0);
    for (unsigned i = 0; i < 10; i++) {
        g_autofree char *dir = g_strdup_printf("d%u", i);

        g_assert_cmpint(xenner_xs_client_mkdir(c[0], 0, dir), ==, 0);
    }
    for (unsigned i = 0; i < 10; i++) {
        g_autofree char *dir = g_strdup_printf("d%u", i);

        tx[i] = start(c[i / 2]);
        write_n(c[i / 2], tx[i], dir, 20);
    }
    for (unsigned i = 0; i < 5; i++) {
        g_assert_cmpint(xenner_xs_client_transaction_start(c[i], &extra), ==,
                        -ENOSPC);
    }
    /* 12 + 4 x 20 = 92 fit; a fifth would make 112. */
    for (unsigned i = 0; i < 10; i++) {
        int ret = commit(c[i / 2], tx[i]);

        g_assert_cmpint(ret, ==, i < 4 ? 0 : -ENOSPC);
        ok += !ret;
    }
    g_assert_cmpuint(ok, ==, 4);
    g_assert_cmpuint(owned(f, 5), ==, 92);

    /* Up to the quota exactly, as outside a transaction. */
    extra = start(c[4]);
    write_n(c[4], extra, "last", 8);
    g_assert_cmpint(xt_write(c[4], extra, "last/over", "v"), ==, -ENOSPC);
    g_assert_cmpint(commit(c[4], extra), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 100);
    for (unsigned i = 0; i < 5; i++) {
        xenner_xs_client_free(c[i]);
    }
}

/* What counts is the net change, and the tree as it is at commit. */
static void test_commit_net(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *other = xt_client(f, 5);
    g_autofree char *kept = NULL;
    uint32_t tx;

    set_quota(f, 10);
    xt_make_home(f->dom0, 5);
    write_n(c5, 0, "full", 8);
    g_assert_cmpuint(owned(f, 5), ==, 10);
    g_assert_cmpint(xt_write(c5, 0, "over", "v"), ==, -ENOSPC);

    /* At the quota, a transaction may replace nodes, not add one. */
    tx = start(c5);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "full/n0"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "full/n1"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "new0", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "new1", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "new2", "v"), ==, -ENOSPC);
    g_assert_cmpint(commit(c5, tx), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 10);

    /*
     * Room for one more when written; another client takes it before the
     * commit (in a directory of its own: in the same one, the commit
     * would fail for the conflict instead), and the commit applies nothing.
     */
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "new0"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "new1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(other, 0, "spare"), ==, 0);
    tx = start(c5);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "full/n2"), ==, 0);
    write_n(c5, tx, "more", 1);     /* "more" and one below it */
    g_assert_cmpint(xt_write(other, 0, "spare/taken", "v"), ==, 0);
    g_assert_cmpint(commit(c5, tx), ==, -ENOSPC);
    kept = xt_read(c5, 0, "full/n2");
    g_assert_cmpstr(kept, ==, "v");
    g_assert_cmpint(xt_read_err(c5, 0, "more"), ==, -ENOENT);
    g_assert_cmpuint(owned(f, 5), ==, 10);

    /* Once the other client gives it back, the same changes fit. */
    g_assert_cmpint(xenner_xs_client_rm(other, 0, "spare/taken"), ==, 0);
    tx = start(c5);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "full/n2"), ==, 0);
    write_n(c5, tx, "more", 1);
    g_assert_cmpint(commit(c5, tx), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 10);

    /* A transaction that only removes always commits. */
    tx = start(c5);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "more"), ==, 0);
    g_assert_cmpint(commit(c5, tx), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 8);
    xenner_xs_client_free(c5);
    xenner_xs_client_free(other);
}

/* A refused commit applies nothing and fires no watch. */
static void test_commit_refused_silent(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    uint32_t tx;

    set_quota(f, 5);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(c5, 0, "v", "old"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "spare"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/local/domain/5", "w"),
                    ==, 0);
    g_free(xt_events_take(&f->ev0, false));

    tx = start(c5);
    g_assert_cmpint(xt_write(c5, tx, "v", "new"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "v"), ==, 0);
    write_n(c5, tx, "a", 2);
    g_assert_cmpint(xt_write(c5, 0, "spare/b", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "spare/c", "v"), ==, 0);
    before = xt_events_take(&f->ev0, false);
    g_assert_cmpstr(before, ==,
                    "/local/domain/5/spare/b w, /local/domain/5/spare/c w");

    g_assert_cmpint(commit(c5, tx), ==, -ENOSPC);
    after = xt_events_take(&f->ev0, false);
    g_assert_cmpstr(after, ==, "");
    g_free(before);
    before = xt_read(c5, 0, "v");
    g_assert_cmpstr(before, ==, "old");
    g_assert_cmpint(xt_read_err(c5, 0, "a"), ==, -ENOENT);
    g_assert_cmpuint(owned(f, 5), ==, 5);
    xenner_xs_client_free(c5);
}

/*
 * Nodes count for their owner: dom0 may hand a domain nodes past its
 * quota (dom0 has none, and its commits are not checked); the domain then
 * makes nothing new until it is back under, but may always remove.
 */
static void test_owner(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    uint32_t tx, tx5;

    set_quota(f, 5);
    xt_make_home(f->dom0, 5);
    write_n(f->dom0, 0, "/tool", 10);
    g_assert_cmpuint(owned(f, 5), ==, 1);
    /* The root, /local, /local/domain, /tool and ten below it. */
    g_assert_cmpuint(owned(f, 0), ==, 14);

    tx5 = start(c5);
    g_assert_cmpint(xt_write(c5, tx5, "mine", "v"), ==, 0);

    tx = start(f->dom0);
    for (unsigned i = 0; i < 6; i++) {
        g_autofree char *p = g_strdup_printf("/tool/n%u", i);

        g_assert_cmpint(xt_set_perms(f->dom0, tx, p, "n5"), ==, 0);
    }
    g_assert_cmpint(commit(f->dom0, tx), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 7);
    g_assert_cmpuint(owned(f, 0), ==, 8);

    /* The guest's transaction, fine when written, no longer fits. */
    g_assert_cmpint(commit(c5, tx5), ==, -ENOSPC);
    g_assert_cmpint(xt_write(c5, 0, "mine", "v"), ==, -ENOSPC);

    /* Removing its own nodes commits, over the quota or not. */
    tx5 = start(c5);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx5, "/tool/n0"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx5, "/tool/n1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx5, "/tool/n2"), ==, 0);
    g_assert_cmpint(commit(c5, tx5), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 4);
    g_assert_cmpint(xt_write(c5, 0, "mine", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "mine2", "v"), ==, -ENOSPC);

    /* A node the guest makes under dom0's directory is the guest's. */
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "mine"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/tool", "n0 b5"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "/tool/guests", "v"), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 5);

    /* Taking a node back from the guest gives it room. */
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/tool/n3", "n0"), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 4);
    g_assert_cmpint(xt_write(c5, 0, "mine", "v"), ==, 0);

    /*
     * A node dom0 makes inherits its parent's owner, as in xenstored: in
     * the guest's home, the guest's, past its quota.
     */
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/by0", "v"), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 6);
    xenner_xs_client_free(c5);
}

/*
 * Another domain's nodes a guest removes in a transaction are that
 * domain's, and the guest's own quota is untouched by them.
 */
static void test_owner_other_domain(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *c6 = xt_client(f, 6);
    uint32_t tx;

    set_quota(f, 3);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/shared"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/shared", "n0 b5 b6"), ==, 0);
    write_n(c6, 0, "/shared/six", 2);
    g_assert_cmpint(xt_set_perms(c6, 0, "/shared/six", "n6 b5"), ==, 0);
    g_assert_cmpint(xt_set_perms(c6, 0, "/shared/six/n0", "n6 b5"), ==, 0);
    g_assert_cmpint(xt_set_perms(c6, 0, "/shared/six/n1", "n6 b5"), ==, 0);
    g_assert_cmpuint(owned(f, 6), ==, 3);
    write_n(c5, 0, "/shared/five", 2);
    g_assert_cmpuint(owned(f, 5), ==, 3);

    tx = start(c5);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "/shared/six"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "/shared/five/n9", "v"), ==, -ENOSPC);
    g_assert_cmpint(commit(c5, tx), ==, 0);
    g_assert_cmpuint(owned(f, 6), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 3);
    xenner_xs_client_free(c5);
    xenner_xs_client_free(c6);
}

static void test_transactions(XtFixture *f, gconstpointer data)
{
    XsClient *a = xt_client(f, 5), *b = xt_client(f, 5), *c6 = xt_client(f, 6);
    uint32_t ids[10], tx;

    for (unsigned i = 0; i < 10; i++) {
        ids[i] = start(i % 2 ? a : b);
    }
    g_assert_cmpint(xenner_xs_client_transaction_start(a, &tx), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_transaction_start(b, &tx), ==, -ENOSPC);
    /* A new client of the domain gets no quota of its own. */
    {
        XsClient *late = xt_client(f, 5);

        g_assert_cmpint(xenner_xs_client_transaction_start(late, &tx), ==,
                        -ENOSPC);
        xenner_xs_client_free(late);
    }
    start(c6);

    /* Ending one on either client frees a slot for any of them. */
    g_assert_cmpint(xenner_xs_client_transaction_end(a, ids[1], false), ==, 0);
    start(b);
    g_assert_cmpint(xenner_xs_client_transaction_start(a, &tx), ==, -ENOSPC);
    /* So does a client that goes, with its open transactions. */
    xenner_xs_client_free(a);
    for (unsigned i = 0; i < 4; i++) {
        start(b);
    }
    g_assert_cmpint(xenner_xs_client_transaction_start(b, &tx), ==, -ENOSPC);

    for (unsigned i = 0; i < 50; i++) {
        start(f->dom0);
    }
    xenner_xs_client_free(b);
    xenner_xs_client_free(c6);
}

/*
 * The entry size holds in a transaction too. Its commit need not check it
 * again: a node whose size could have grown since it was checked has
 * changed, and the commit fails with EAGAIN.
 */
static void test_entry_size(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *other = xt_client(f, 5);
    g_autofree char *big = g_strnfill(2048, 'v');
    g_autofree char *name1 = g_strnfill(1100, 'a');
    g_autofree char *name2 = g_strnfill(1100, 'b');
    g_autofree char *p1 = g_strconcat("dir/", name1, NULL);
    g_autofree char *p2 = g_strconcat("dir/", name2, NULL);
    uint32_t tx, tx2;

    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "dir"), ==, 0);
    tx = start(c5);
    g_assert_cmpint(xenner_xs_client_write(c5, tx, "big", big, 2048), ==,
                    -ENOSPC);
    g_assert_cmpint(xenner_xs_client_write(c5, tx, "big", big, 100), ==, 0);
    g_assert_cmpint(xenner_xs_client_write(c5, tx, "big", big, 2048), ==,
                    -ENOSPC);

    /* Each name fits the directory alone, not both together. */
    g_assert_cmpint(xenner_xs_client_mkdir(c5, tx, p1), ==, 0);
    tx2 = start(other);
    g_assert_cmpint(xenner_xs_client_mkdir(other, tx2, p2), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, tx, p2), ==, -ENOSPC);
    g_assert_cmpint(commit(c5, tx), ==, 0);
    g_assert_cmpint(commit(other, tx2), ==, -EAGAIN);
    tx2 = start(other);
    g_assert_cmpint(xenner_xs_client_mkdir(other, tx2, p2), ==, -ENOSPC);
    g_assert_cmpint(commit(other, tx2), ==, 0);
    xenner_xs_client_free(c5);
    xenner_xs_client_free(other);
}

/* ---- transaction-nodes ------------------------------------------------ */

static void set_txn_nodes(XtFixture *f, unsigned n)
{
    XsQuota q;

    xenner_xs_tree_get_quota(f->tree, &q);
    q.transaction_nodes = n;
    xenner_xs_tree_set_quota(f->tree, &q);
}

/* dom0 makes @dir with @n children c0.. of @value, with perms @perms. */
static void make_dir(XtFixture *f, const char *dir, unsigned n,
                     const char *value, const char *perms)
{
    for (unsigned i = 0; i < n; i++) {
        g_autofree char *p = g_strdup_printf("%s/c%u", dir, i);

        g_assert_cmpint(xt_write(f->dom0, 0, p, value), ==, 0);
        g_assert_cmpint(xt_set_perms(f->dom0, 0, p, perms), ==, 0);
    }
    g_assert_cmpint(xt_set_perms(f->dom0, 0, dir, perms), ==, 0);
}

/*
 * How many more nodes @tx of domain 5 may copy: it looks for fresh
 * missing nodes in its home, which the transaction must hold already,
 * one copy each, until ENOSPC.
 */
static unsigned tx_room(XsClient *g, uint32_t tx)
{
    for (unsigned n = 0;; n++) {
        g_autofree char *p = g_strdup_printf("room%u", n);
        int ret = xt_read_err(g, tx, p);

        if (ret == -ENOSPC) {
            return n;
        }
        g_assert_cmpint(ret, ==, -ENOENT);
    }
}

/*
 * Checks that @tx of @g holds exactly @held nodes: none more fit the
 * quota of @held, and @more do once it is raised by that much.
 */
static void expect_held(XtFixture *f, XsClient *g, uint32_t tx,
                        unsigned held, unsigned more)
{
    set_txn_nodes(f, held);
    g_assert_cmpuint(tx_room(g, tx), ==, 0);
    set_txn_nodes(f, held + more);
    g_assert_cmpuint(tx_room(g, tx), ==, more);
}

/*
 * Reads, whether the guest may read the nodes or not, copy at most the
 * quota; the request past it gets ENOSPC and dooms the transaction,
 * whose commit then gets ENOMEM, as in xenstored. What it holds it may
 * still read.
 */
static void test_txn_nodes_reads(XtFixture *f, gconstpointer data)
{
    XsClient *g = xt_client(f, 5);
    g_autofree char *held = NULL;
    uint32_t tx;

    xt_make_home(f->dom0, 5);
    make_dir(f, "/pub", 20, "public", "n0 r5");
    make_dir(f, "/secret", 20, "secret", "n0");
    set_txn_nodes(f, 8);

    tx = start(g);
    for (unsigned i = 0; i < 8; i++) {
        g_autofree char *p = g_strdup_printf("/pub/c%u", i);
        g_autofree char *v = xt_read(g, tx, p);

        g_assert_cmpstr(v, ==, "public");
    }
    g_assert_cmpint(xt_read_err(g, tx, "/pub/c8"), ==, -ENOSPC);
    held = xt_read(g, tx, "/pub/c3");
    g_assert_cmpstr(held, ==, "public");
    g_assert_cmpint(commit(g, tx), ==, -ENOMEM);

    /* Refused or not, a node looked at is copied: the parent too. */
    tx = start(g);
    for (unsigned i = 0; i < 7; i++) {
        g_autofree char *p = g_strdup_printf("/secret/c%u", i);

        g_assert_cmpint(xt_read_err(g, tx, p), ==, -EACCES);
    }
    g_assert_cmpint(xt_read_err(g, tx, "/secret/c7"), ==, -ENOSPC);
    g_assert_cmpint(xt_dir_err(g, tx, "/pub"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_transaction_end(g, tx, false), ==, 0);

    /* Exactly the quota commits. */
    tx = start(g);
    for (unsigned i = 0; i < 8; i++) {
        g_autofree char *p = g_strdup_printf("/pub/c%u", i);

        g_assert_cmpint(xt_read_err(g, tx, p), ==, 0);
    }
    g_assert_cmpint(commit(g, tx), ==, 0);
    xenner_xs_client_free(g);
}

/*
 * A doomed transaction still answers, and its writes stay its own; its
 * commit gets ENOMEM before a conflict is looked for, applies nothing
 * and fires no watch. The domain's other transactions are not affected.
 */
static void test_txn_nodes_doomed(XtFixture *f, gconstpointer data)
{
    XsClient *g = xt_client(f, 5);
    g_autofree char *in_tx = NULL;
    g_autofree char *after = NULL;
    g_autofree char *ev = NULL;
    uint32_t tx, other;

    xt_make_home(f->dom0, 5);
    make_dir(f, "/pub", 10, "v", "n0 r5");
    g_assert_cmpint(xt_write(g, 0, "mine", "old"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/local/domain/5", "w"),
                    ==, 0);
    g_free(xt_events_take(&f->ev0, false));
    set_txn_nodes(f, 4);

    tx = start(g);
    other = start(g);
    g_assert_cmpint(xt_write(g, tx, "mine", "new"), ==, 0);
    for (unsigned i = 0; i < 3; i++) {
        g_autofree char *p = g_strdup_printf("/pub/c%u", i);

        g_assert_cmpint(xt_read_err(g, tx, p), ==, 0);
    }
    g_assert_cmpint(xt_read_err(g, tx, "/pub/c3"), ==, -ENOSPC);
    g_assert_cmpint(xt_write(g, tx, "mine", "newer"), ==, 0);
    in_tx = xt_read(g, tx, "mine");
    g_assert_cmpstr(in_tx, ==, "newer");
    /* A conflict too: ENOMEM still, as xenstored looks at it first. */
    g_assert_cmpint(xt_write(g, 0, "mine", "outside"), ==, 0);
    g_free(xt_events_take(&f->ev0, false));
    g_assert_cmpint(commit(g, tx), ==, -ENOMEM);
    after = xt_read(g, 0, "mine");
    g_assert_cmpstr(after, ==, "outside");
    ev = xt_events_take(&f->ev0, false);
    g_assert_cmpstr(ev, ==, "");

    g_assert_cmpint(xt_write(g, other, "two", "2"), ==, 0);
    g_assert_cmpint(commit(g, other), ==, 0);
    xenner_xs_client_free(g);
}

/*
 * A recursive removal copies the subtree before it removes any of it,
 * and stops at the quota: a large subtree costs the quota, not its size,
 * and a refused removal removes nothing.
 */
static void test_txn_nodes_rm(XtFixture *f, gconstpointer data)
{
    XsClient *g = xt_client(f, 5);
    g_autofree char *before = NULL;
    g_autofree char *kept = NULL;
    g_autofree char *dir = NULL;
    uint32_t tx;

    xt_make_home(f->dom0, 5);
    write_n(g, 0, "big", 50);
    g_assert_cmpint(xt_write(g, 0, "big/n7/deeper", "d"), ==, 0);
    before = xt_dir(g, 0, "big");
    set_txn_nodes(f, 16);

    tx = start(g);
    g_assert_cmpint(xenner_xs_client_rm(g, tx, "big"), ==, -ENOSPC);
    kept = xt_dir(g, tx, "big");
    g_assert_cmpstr(kept, ==, before);
    /* The home, big and 14 of its children: the quota, no more. */
    expect_held(f, g, tx, 16, 3);
    g_assert_cmpint(commit(g, tx), ==, -ENOMEM);
    g_assert_cmpuint(owned(f, 5), ==, 53);

    /* Room for all: the home, big, 50 children and one below. */
    set_txn_nodes(f, 53);
    tx = start(g);
    g_assert_cmpint(xenner_xs_client_rm(g, tx, "big"), ==, 0);
    g_assert_cmpint(xt_read_err(g, tx, "big/n7/deeper"), ==, -ENOENT);
    g_assert_cmpint(commit(g, tx), ==, 0);
    dir = xt_dir(g, 0, "/local/domain/5");
    g_assert_cmpstr(dir, ==, "");
    g_assert_cmpuint(owned(f, 5), ==, 1);
    xenner_xs_client_free(g);
}

/*
 * A write that creates missing parents copies them one at a time and
 * stops at the quota, creating none of them.
 */
static void test_txn_nodes_parents(XtFixture *f, gconstpointer data)
{
    XsClient *g = xt_client(f, 5);
    g_autofree char *home = NULL;
    g_autofree char *dir = NULL;
    uint32_t tx;

    xt_make_home(f->dom0, 5);
    set_txn_nodes(f, 8);
    tx = start(g);
    home = xt_read(g, tx, "/local/domain/5");
    g_assert_cmpstr(home, ==, "");
    g_assert_cmpint(xt_write(g, tx, "a/b/c/d/e/f/g/h/i/j", "v"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_mkdir(g, tx, "a/b/c/d/e/f/g/h/i/j"), ==,
                    -ENOSPC);
    dir = xt_dir(g, tx, "/local/domain/5");
    g_assert_cmpstr(dir, ==, "");
    /* The home and j back to d. */
    expect_held(f, g, tx, 8, 2);
    g_assert_cmpint(commit(g, tx), ==, -ENOMEM);
    g_assert_cmpuint(owned(f, 5), ==, 1);

    set_txn_nodes(f, 11);
    tx = start(g);
    g_assert_cmpint(xt_write(g, tx, "a/b/c/d/e/f/g/h/i/j", "v"), ==, 0);
    g_assert_cmpint(commit(g, tx), ==, 0);
    g_assert_cmpuint(owned(f, 5), ==, 11);
    xenner_xs_client_free(g);
}

/*
 * Listing a directory holds the directory, not its children, whatever
 * their number; a child added in the transaction is listed.
 */
static void test_txn_nodes_directory(XtFixture *f, gconstpointer data)
{
    XsClient *g = xt_client(f, 5);
    g_autofree char *listed = NULL;
    g_autofree char *again = NULL;
    g_autofree char *after = NULL;
    uint32_t tx;

    xt_make_home(f->dom0, 5);
    write_n(g, 0, "dir", 3);
    set_txn_nodes(f, 2);
    tx = start(g);
    listed = xt_dir(g, tx, "dir");
    g_assert_cmpstr(listed, ==, "n0 n1 n2");
    g_assert_cmpint(xt_write(g, tx, "dir/n3", "v"), ==, 0);
    again = xt_dir(g, tx, "dir");
    g_assert_cmpstr(again, ==, "n0 n1 n2 n3");
    g_assert_cmpint(xt_read_err(g, tx, "dir/n0"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_transaction_end(g, tx, false), ==, 0);

    /* A dom0 directory of 500 names, listed in a quota of 1. */
    make_dir(f, "/many", 500, "v", "n0 r5");
    set_txn_nodes(f, 1);
    tx = start(g);
    g_assert_cmpint(xt_dir_err(g, tx, "/many"), ==, 0);
    g_assert_cmpint(xt_read_err(g, tx, "/many/c0"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_transaction_end(g, tx, false), ==, 0);
    after = xt_dir(g, 0, "dir");
    g_assert_cmpstr(after, ==, "n0 n1 n2");
    xenner_xs_client_free(g);
}

/* Domain 0 is held to none; 0 is unlimited. */
static void test_txn_nodes_exempt(XtFixture *f, gconstpointer data)
{
    XsClient *g = xt_client(f, 5);
    const XsQuota def = XS_QUOTA_DEFAULT;
    XsQuota q;
    uint32_t tx;

    xenner_xs_tree_get_quota(f->tree, &q);
    g_assert_cmpuint(q.transaction_nodes, ==, 1024);
    g_assert_cmpuint(def.transaction_nodes, ==, 1024);
    xt_make_home(f->dom0, 5);
    make_dir(f, "/pub", 50, "v", "n0 r5");
    set_txn_nodes(f, 2);
    tx = start(f->dom0);
    for (unsigned i = 0; i < 50; i++) {
        g_autofree char *p = g_strdup_printf("/pub/c%u", i);

        g_assert_cmpint(xt_read_err(f->dom0, tx, p), ==, 0);
    }
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/pub"), ==, 0);
    g_assert_cmpint(commit(f->dom0, tx), ==, 0);

    make_dir(f, "/pub", 50, "v", "n0 r5");
    set_txn_nodes(f, 0);
    tx = start(g);
    for (unsigned i = 0; i < 50; i++) {
        g_autofree char *p = g_strdup_printf("/pub/c%u", i);

        g_assert_cmpint(xt_read_err(g, tx, p), ==, 0);
    }
    g_assert_cmpint(commit(g, tx), ==, 0);
    xenner_xs_client_free(g);
}

#define XQ_ADD(path, fn) XT_ADD("/xs-quota/" path, fn)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    XQ_ADD("usage", test_usage);
    XQ_ADD("commit/concurrent", test_commit_concurrent);
    XQ_ADD("commit/clients", test_commit_clients);
    XQ_ADD("commit/net", test_commit_net);
    XQ_ADD("commit/refused-silent", test_commit_refused_silent);
    XQ_ADD("owner/dom0-hands-over", test_owner);
    XQ_ADD("owner/other-domain", test_owner_other_domain);
    XQ_ADD("transactions", test_transactions);
    XQ_ADD("entry-size", test_entry_size);
    XQ_ADD("transaction-nodes/reads", test_txn_nodes_reads);
    XQ_ADD("transaction-nodes/doomed", test_txn_nodes_doomed);
    XQ_ADD("transaction-nodes/rm", test_txn_nodes_rm);
    XQ_ADD("transaction-nodes/parents", test_txn_nodes_parents);
    XQ_ADD("transaction-nodes/directory", test_txn_nodes_directory);
    XQ_ADD("transaction-nodes/exempt", test_txn_nodes_exempt);
    return g_test_run();
}
