/*
 * Unit tests of Xenner xenstore transactions: isolation, conflicts found
 * at commit, creation and removal inside a transaction, abort, and the
 * transaction quota, held to Xen's C xenstored. The quotas across a
 * domain's clients and transactions are test-xs-quota.c's.
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

static void test_isolation(XtFixture *f, gconstpointer data)
{
    g_autofree char *in_tx = NULL;
    g_autofree char *outside = NULL;
    g_autofree char *new_in_tx = NULL;
    g_autofree char *dir_in_tx = NULL;
    g_autofree char *dir_outside = NULL;
    g_autofree char *after = NULL;
    g_autofree char *new_after = NULL;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "old"), ==, 0);
    tx = start(f->dom0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/a", "new"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/b", "made"), ==, 0);

    in_tx = xt_read(f->dom0, tx, "/a");
    outside = xt_read(f->dom0, 0, "/a");
    new_in_tx = xt_read(f->dom0, tx, "/b");
    g_assert_cmpstr(in_tx, ==, "new");
    g_assert_cmpstr(outside, ==, "old");
    g_assert_cmpstr(new_in_tx, ==, "made");
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/b"), ==, -ENOENT);
    dir_in_tx = xt_dir(f->dom0, tx, "/");
    dir_outside = xt_dir(f->dom0, 0, "/");
    g_assert_cmpstr(dir_in_tx, ==, "a b");
    g_assert_cmpstr(dir_outside, ==, "a");
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 2);

    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    after = xt_read(f->dom0, 0, "/a");
    new_after = xt_read(f->dom0, 0, "/b");
    g_assert_cmpstr(after, ==, "new");
    g_assert_cmpstr(new_after, ==, "made");
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);
    /* The transaction is gone once ended. */
    g_assert_cmpint(xt_read_err(f->dom0, tx, "/a"), ==, -ENOENT);
}

static void test_sees_earlier_changes(XtFixture *f, gconstpointer data)
{
    g_autofree char *v = NULL;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "1"), ==, 0);
    tx = start(f->dom0);
    /* Not yet looked at by the transaction: no conflict. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "2"), ==, 0);
    v = xt_read(f->dom0, tx, "/a");
    g_assert_cmpstr(v, ==, "2");
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
}

typedef void InsideFn(XsClient *c, uint32_t tx);
typedef void OutsideFn(XsClient *c);

/*
 * Lets a transaction look at /c through @inside and make other changes,
 * then @outside change the tree: the commit must fail and apply nothing.
 */
static void expect_conflict(XtFixture *f, InsideFn *inside,
                            OutsideFn *outside)
{
    g_autofree char *b = NULL;
    unsigned count;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/c/a", "orig"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/c/b", "orig"), ==, 0);
    tx = start(f->dom0);
    inside(f->dom0, tx);
    /* Changes the transaction would have made besides. */
    g_assert_cmpint(xt_write(f->dom0, tx, "/other/made", "x"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/c/b", "tx"), ==, 0);
    outside(f->dom0);
    count = xenner_xs_tree_node_count(f->tree);

    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==,
                    -EAGAIN);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, count);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/other"), ==, -ENOENT);
    b = xt_read(f->dom0, 0, "/c/b");
    g_assert_cmpstr(b, ==, "orig");
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, false), ==,
                    -ENOENT);
}

static void read_a(XsClient *c, uint32_t tx)
{
    g_autofree char *v = xt_read(c, tx, "/c/a");

    g_assert_cmpstr(v, ==, "orig");
}

static void write_a(XsClient *c, uint32_t tx)
{
    g_assert_cmpint(xt_write(c, tx, "/c/a", "tx"), ==, 0);
}

static void read_missing(XsClient *c, uint32_t tx)
{
    g_assert_cmpint(xt_read_err(c, tx, "/c/m"), ==, -ENOENT);
}

static void list_c(XsClient *c, uint32_t tx)
{
    g_autofree char *dir = xt_dir(c, tx, "/c");

    g_assert_cmpstr(dir, ==, "a b");
}

static void perms_a(XsClient *c, uint32_t tx)
{
    g_autofree char *p = xt_perms(c, tx, "/c/a");

    g_assert_cmpstr(p, ==, "n0");
}

static void outside_write_a(XsClient *c)
{
    g_assert_cmpint(xt_write(c, 0, "/c/a", "outside"), ==, 0);
}

static void outside_same_value_a(XsClient *c)
{
    g_assert_cmpint(xt_write(c, 0, "/c/a", "orig"), ==, 0);
}

static void outside_rm_a(XsClient *c)
{
    g_assert_cmpint(xenner_xs_client_rm(c, 0, "/c/a"), ==, 0);
}

static void outside_create_m(XsClient *c)
{
    g_assert_cmpint(xenner_xs_client_mkdir(c, 0, "/c/m"), ==, 0);
}

static void outside_perms_a(XsClient *c)
{
    g_assert_cmpint(xt_set_perms(c, 0, "/c/a", "r0"), ==, 0);
}

static void outside_rm_recreate_a(XsClient *c)
{
    g_assert_cmpint(xenner_xs_client_rm(c, 0, "/c/a"), ==, 0);
    g_assert_cmpint(xt_write(c, 0, "/c/a", "orig"), ==, 0);
}

static void test_conflict_read(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, read_a, outside_write_a);
}

static void test_conflict_read_same_value(XtFixture *f, gconstpointer data)
{
    /* A write is a change even when the bytes are the same. */
    expect_conflict(f, read_a, outside_same_value_a);
}

static void test_conflict_write(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, write_a, outside_write_a);
}

static void test_conflict_removed(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, read_a, outside_rm_a);
}

static void test_conflict_recreated(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, read_a, outside_rm_recreate_a);
}

static void test_conflict_missing(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, read_missing, outside_create_m);
}

static void test_conflict_directory(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, list_c, outside_create_m);
}

static void test_conflict_perms(XtFixture *f, gconstpointer data)
{
    expect_conflict(f, perms_a, outside_perms_a);
}

static void test_unrelated_commit(XtFixture *f, gconstpointer data)
{
    g_autofree char *xa = NULL;
    g_autofree char *yc = NULL;
    g_autofree char *yd = NULL;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/x/a", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/x/b", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/y/c", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/z", "1"), ==, 0);

    tx = start(f->dom0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/x/a", "tx"), ==, 0);
    g_free(xt_read(f->dom0, tx, "/x/b"));
    /* Changes beside, but not to, what the transaction touched. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/y/c", "out"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/y/d", "out"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/z"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/x/sibling", "out"), ==, 0);

    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    xa = xt_read(f->dom0, 0, "/x/a");
    yc = xt_read(f->dom0, 0, "/y/c");
    yd = xt_read(f->dom0, 0, "/y/d");
    g_assert_cmpstr(xa, ==, "tx");
    g_assert_cmpstr(yc, ==, "out");
    g_assert_cmpstr(yd, ==, "out");
}

static void test_two_transactions(XtFixture *f, gconstpointer data)
{
    XsClient *c0b = xt_client(f, 0);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *s = NULL;
    uint32_t t1, t2, t3;

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "0"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/b", "0"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/s", "0"), ==, 0);

    /* Disjoint: both commit. */
    t1 = start(f->dom0);
    t2 = start(c0b);
    g_assert_cmpint(xt_write(f->dom0, t1, "/a", "t1"), ==, 0);
    g_assert_cmpint(xt_write(c0b, t2, "/b", "t2"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(c0b, t2, true), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, t1, true), ==, 0);
    a = xt_read(f->dom0, 0, "/a");
    b = xt_read(f->dom0, 0, "/b");
    g_assert_cmpstr(a, ==, "t1");
    g_assert_cmpstr(b, ==, "t2");

    /* The same node: the first to commit wins. */
    t1 = start(f->dom0);
    t3 = start(f->dom0);
    g_assert_cmpuint(t1, !=, t3);
    g_assert_cmpint(xt_write(f->dom0, t1, "/s", "t1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, t3, "/s", "t3"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, t3, true), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, t1, true), ==,
                    -EAGAIN);
    s = xt_read(f->dom0, 0, "/s");
    g_assert_cmpstr(s, ==, "t3");
    xenner_xs_client_free(c0b);
}

static void test_create_commit(XtFixture *f, gconstpointer data)
{
    g_autofree char *dir_tx = NULL;
    g_autofree char *z_tx = NULL;
    g_autofree char *leaf = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *perms = NULL;
    uint32_t tx;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/t"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/t", "r0 b5"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/t/m"), ==, 0);
    tx = start(f->dom0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, tx, "/t/z/y"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/t/a/b", "leaf"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, tx, "/t/a"), ==, 0);

    dir_tx = xt_dir(f->dom0, tx, "/t");
    g_assert_cmpstr(dir_tx, ==, "a m z");
    z_tx = xt_dir(f->dom0, tx, "/t/z");
    g_assert_cmpstr(z_tx, ==, "y");
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/t/a"), ==, -ENOENT);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);

    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 7);
    leaf = xt_read(f->dom0, 0, "/t/a/b");
    dir = xt_dir(f->dom0, 0, "/t");
    perms = xt_perms(f->dom0, 0, "/t/z/y");
    g_assert_cmpstr(leaf, ==, "leaf");
    g_assert_cmpstr(dir, ==, "a m z");
    g_assert_cmpstr(perms, ==, "r0 b5");
}

static void test_rm_commit(XtFixture *f, gconstpointer data)
{
    g_autofree char *dir_tx = NULL;
    g_autofree char *dir_out = NULL;
    g_autofree char *dir = NULL;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/r/a/b", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/c", "2"), ==, 0);
    tx = start(f->dom0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/r/a"), ==, 0);
    g_assert_cmpint(xt_read_err(f->dom0, tx, "/r/a/b"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(f->dom0, tx, "/r/a"), ==, -ENOENT);
    /* Gone already, with the parent there: fine in a transaction too. */
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/r/a"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/r/a/b"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/"), ==, -EINVAL);
    dir_tx = xt_dir(f->dom0, tx, "/r");
    dir_out = xt_dir(f->dom0, 0, "/r");
    g_assert_cmpstr(dir_tx, ==, "c");
    g_assert_cmpstr(dir_out, ==, "a c");

    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 3);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/r/a/b"), ==, -ENOENT);
    dir = xt_dir(f->dom0, 0, "/r");
    g_assert_cmpstr(dir, ==, "c");
}

/*
 * A directory listed first, then changed in the transaction, lists its
 * changes; the listing by size (DIRECTORY_PART) agrees.
 */
static void test_list_then_change(XtFixture *f, gconstpointer data)
{
    g_autofree char *first = NULL;
    g_autofree char *added = NULL;
    g_autofree char *removed = NULL;
    g_autofree char *outside = NULL;
    g_autofree char *after = NULL;
    g_autoptr(GByteArray) part = g_byte_array_new();
    size_t gen_len;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/d/n0", "0"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/d/n1", "1"), ==, 0);
    tx = start(f->dom0);
    first = xt_dir(f->dom0, tx, "/d");
    g_assert_cmpstr(first, ==, "n0 n1");
    g_assert_cmpint(xt_write(f->dom0, tx, "/d/n2", "2"), ==, 0);
    added = xt_dir(f->dom0, tx, "/d");
    g_assert_cmpstr(added, ==, "n0 n1 n2");
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/d/n0"), ==, 0);
    removed = xt_dir(f->dom0, tx, "/d");
    g_assert_cmpstr(removed, ==, "n1 n2");
    g_assert_cmpint(xenner_xs_client_directory_part(f->dom0, tx, "/d", 0,
                                                    part), ==, 0);
    /* The generation, the names, then an empty one: the end. */
    gen_len = strlen((const char *)part->data) + 1;
    g_assert_cmpmem(part->data + gen_len, part->len - gen_len,
                    "n1\0n2\0", 7);
    outside = xt_dir(f->dom0, 0, "/d");
    g_assert_cmpstr(outside, ==, "n0 n1");
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    after = xt_dir(f->dom0, 0, "/d");
    g_assert_cmpstr(after, ==, "n1 n2");
}

static void test_rm_recreate(XtFixture *f, gconstpointer data)
{
    g_autofree char *dir_tx = NULL;
    g_autofree char *val_tx = NULL;
    g_autofree char *dir_out = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *val = NULL;
    g_autofree char *perms = NULL;
    g_autofree char *z = NULL;
    g_autofree char *b = NULL;
    uint32_t tx;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/r"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/r", "n0 r5"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/a", "old"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/a/x", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/a/y/deep", "2"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/r/b", "3"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/r/a", "n0 b7"), ==, 0);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 7);

    tx = start(f->dom0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/r/a"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/r/a/z", "new"), ==, 0);
    dir_tx = xt_dir(f->dom0, tx, "/r/a");
    val_tx = xt_read(f->dom0, tx, "/r/a");
    g_assert_cmpstr(dir_tx, ==, "z");
    g_assert_cmpstr(val_tx, ==, "");
    g_assert_cmpint(xt_read_err(f->dom0, tx, "/r/a/x"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(f->dom0, tx, "/r/a/y/deep"), ==, -ENOENT);
    dir_out = xt_dir(f->dom0, 0, "/r/a");
    g_assert_cmpstr(dir_out, ==, "x y");

    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    /* The node starts afresh: no old value, perms from its parent. */
    dir = xt_dir(f->dom0, 0, "/r/a");
    val = xt_read(f->dom0, 0, "/r/a");
    perms = xt_perms(f->dom0, 0, "/r/a");
    z = xt_read(f->dom0, 0, "/r/a/z");
    b = xt_read(f->dom0, 0, "/r/b");
    g_assert_cmpstr(dir, ==, "z");
    g_assert_cmpstr(val, ==, "");
    g_assert_cmpstr(perms, ==, "n0 r5");
    g_assert_cmpstr(z, ==, "new");
    g_assert_cmpstr(b, ==, "3");
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/r/a/x"), ==, -ENOENT);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/r/a/y"), ==, -ENOENT);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 5);
}

static void test_rm_rewrite_same(XtFixture *f, gconstpointer data)
{
    g_autofree char *v = NULL;
    g_autofree char *dir = NULL;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/w/kid", "k"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/w", "old"), ==, 0);
    tx = start(f->dom0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/w"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/w", "new"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    v = xt_read(f->dom0, 0, "/w");
    dir = xt_dir(f->dom0, 0, "/w");
    g_assert_cmpstr(v, ==, "new");
    g_assert_cmpstr(dir, ==, "");
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 2);
}

static void test_abort(XtFixture *f, gconstpointer data)
{
    g_autofree char *a = NULL;
    g_autofree char *perms = NULL;
    g_autofree char *dir = NULL;
    uint64_t gen;
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "keep"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/d/x", "keep"), ==, 0);
    gen = xt_generation(f->dom0, 0, "/d");

    tx = start(f->dom0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/a", "tx"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/d/x"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, tx, "/d/new/deeper"), ==,
                    0);
    g_assert_cmpint(xt_set_perms(f->dom0, tx, "/a", "r5"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, false), ==,
                    0);

    a = xt_read(f->dom0, 0, "/a");
    perms = xt_perms(f->dom0, 0, "/a");
    dir = xt_dir(f->dom0, 0, "/d");
    g_assert_cmpstr(a, ==, "keep");
    g_assert_cmpstr(perms, ==, "n0");
    g_assert_cmpstr(dir, ==, "x");
    g_assert_cmpuint(xt_generation(f->dom0, 0, "/d"), ==, gen);
    g_assert_cmpuint(xenner_xs_tree_node_count(f->tree), ==, 4);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==,
                    -ENOENT);
}

static void test_unknown_id(XtFixture *f, gconstpointer data)
{
    XsClient *other = xt_client(f, 0);
    g_autoptr(GByteArray) part = g_byte_array_new();
    const XsPerm perm = { 0, XS_PERM_READ };
    uint32_t mine = start(f->dom0);
    uint32_t ids[] = { 999, 0xffffffffu, 0 };

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "v"), ==, 0);
    /* Another client's transaction is not ours to use. */
    start(other);
    ids[2] = start(other);
    g_assert_cmpuint(ids[2], !=, mine);
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
        uint32_t tx = ids[i];

        g_test_message("tx %u", tx);
        g_assert_cmpint(xt_read_err(f->dom0, tx, "/a"), ==, -ENOENT);
        g_assert_cmpint(xt_write(f->dom0, tx, "/a", "x"), ==, -ENOENT);
        g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, tx, "/m"), ==, -ENOENT);
        g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/a"), ==, -ENOENT);
        g_assert_cmpint(xt_dir_err(f->dom0, tx, "/"), ==, -ENOENT);
        g_assert_cmpint(xenner_xs_client_directory_part(f->dom0, tx, "/", 0,
                                                        part),
                        ==, -ENOENT);
        g_assert_cmpint(xt_perms_err(f->dom0, tx, "/a"), ==, -ENOENT);
        g_assert_cmpint(xenner_xs_client_set_perms(f->dom0, tx, "/a", &perm, 1),
                        ==, -ENOENT);
        g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==,
                        -ENOENT);
        g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, false),
                        ==, -ENOENT);
    }
    g_assert_cmpint(xenner_xs_client_transaction_end(other, ids[2], true), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, mine, false), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, mine, false), ==,
                    -ENOENT);
    xenner_xs_client_free(other);
}

static void test_quota_default(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5), *c5b = xt_client(f, 5);
    uint32_t ids[10], tx;

    for (unsigned i = 0; i < 10; i++) {
        ids[i] = start(c5);
        for (unsigned j = 0; j < i; j++) {
            g_assert_cmpuint(ids[j], !=, ids[i]);
        }
    }
    g_assert_cmpint(xenner_xs_client_transaction_start(c5, &tx), ==, -ENOSPC);
    /* The quota is the domain's, as a guest's one ring has on Xen. */
    g_assert_cmpint(xenner_xs_client_transaction_start(c5b, &tx), ==, -ENOSPC);

    g_assert_cmpint(xenner_xs_client_transaction_end(c5, ids[3], false), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_start(c5b, &tx), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_start(c5, &tx), ==, -ENOSPC);

    for (unsigned i = 0; i < 50; i++) {
        start(f->dom0);
    }
    xenner_xs_client_free(c5);
    xenner_xs_client_free(c5b);
}

static void test_quota_small(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 1000, 2048, 128, 2, 5 };
    XsClient *c5 = xt_client(f, 5);
    uint32_t t1, tx;

    xenner_xs_tree_set_quota(f->tree, &q);
    t1 = start(c5);
    start(c5);
    g_assert_cmpint(xenner_xs_client_transaction_start(c5, &tx), ==, -ENOSPC);
    /* A failed commit frees the slot as well. */
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(c5, t1, "a", "v"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/a", "x"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(c5, t1, true), ==,
                    -EAGAIN);
    g_assert_cmpint(xenner_xs_client_transaction_start(c5, &tx), ==, 0);
    xenner_xs_client_free(c5);
}

static void test_set_perms(XtFixture *f, gconstpointer data)
{
    g_autofree char *in_tx = NULL;
    g_autofree char *outside = NULL;
    g_autofree char *after = NULL;
    uint32_t tx;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/p"), ==, 0);
    tx = start(f->dom0);
    g_assert_cmpint(xt_set_perms(f->dom0, tx, "/p", "n5 r6"), ==, 0);
    in_tx = xt_perms(f->dom0, tx, "/p");
    outside = xt_perms(f->dom0, 0, "/p");
    g_assert_cmpstr(in_tx, ==, "n5 r6");
    g_assert_cmpstr(outside, ==, "n0");
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    after = xt_perms(f->dom0, 0, "/p");
    g_assert_cmpstr(after, ==, "n5 r6");
}

static void test_perms_checked(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    g_autofree char *mine = NULL;
    g_autofree char *perms = NULL;
    uint32_t tx;

    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(f->dom0, 0, "/secret/s", "v"), ==, 0);
    tx = start(c5);
    g_assert_cmpint(xt_read_err(c5, tx, "/secret/s"), ==, -EACCES);
    g_assert_cmpint(xt_read_err(c5, tx, "/secret/none"), ==, -EACCES);
    g_assert_cmpint(xt_write(c5, tx, "/secret/s", "x"), ==, -EACCES);
    g_assert_cmpint(xt_write(c5, tx, "/secret/new", "x"), ==, -EACCES);
    g_assert_cmpint(xt_write(c5, tx, "mine", "5"), ==, 0);
    g_assert_cmpint(xt_set_perms(c5, tx, "mine", "n6"), ==, -EPERM);
    g_assert_cmpint(xenner_xs_client_transaction_end(c5, tx, true), ==, 0);

    mine = xt_read(f->dom0, 0, "/local/domain/5/mine");
    perms = xt_perms(f->dom0, 0, "/local/domain/5/mine");
    g_assert_cmpstr(mine, ==, "5");
    g_assert_cmpstr(perms, ==, "n5");
    xenner_xs_client_free(c5);
}

static void test_node_quota(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 3, 2048, 128, 10, 5 };
    XsClient *c5 = xt_client(f, 5);
    uint32_t tx;

    xenner_xs_tree_set_quota(f->tree, &q);
    xt_make_home(f->dom0, 5);
    /* Nodes made inside the transaction count before it commits. */
    tx = start(c5);
    g_assert_cmpint(xt_write(c5, tx, "a", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "b", "v"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "c", "v"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_rm(c5, tx, "b"), ==, 0);
    g_assert_cmpint(xt_write(c5, tx, "c", "v"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(c5, tx, true), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "d", "v"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "a"), ==, 0);
    g_assert_cmpint(xt_write(c5, 0, "d", "v"), ==, 0);
    xenner_xs_client_free(c5);
}

static void test_owner_accounting(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 2, 2048, 128, 10, 5 };
    XsClient *c5 = xt_client(f, 5);
    uint32_t tx;

    xenner_xs_tree_set_quota(f->tree, &q);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/given"), ==, 0);

    /* A node handed over in a transaction counts once it commits. */
    tx = start(f->dom0);
    g_assert_cmpint(xt_set_perms(f->dom0, tx, "/given", "n5"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "a"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(c5, 0, "a"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "a"), ==, -ENOSPC);

    /* And a removal in a transaction gives the room back. */
    tx = start(f->dom0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/given"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "a"), ==, -ENOSPC);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(c5, 0, "a"), ==, 0);
    xenner_xs_client_free(c5);
}

static void test_generation(XtFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) part = g_byte_array_new();
    uint64_t before, in_tx;
    uint32_t tx;

    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/g/b"), ==, 0);
    before = xt_generation(f->dom0, 0, "/g");
    tx = start(f->dom0);
    g_assert_cmpuint(xt_generation(f->dom0, tx, "/g"), ==, before);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, tx, "/g/a"), ==, 0);
    in_tx = xt_generation(f->dom0, tx, "/g");
    g_assert_cmpuint(in_tx, !=, before);
    g_assert_cmpuint(xt_generation(f->dom0, 0, "/g"), ==, before);
    g_assert_cmpint(xenner_xs_client_directory_part(f->dom0, tx, "/g", 0, part),
                    ==, 0);
    g_assert_cmpmem(strchr((char *)part->data, '\0') + 1,
                    part->len - strlen((char *)part->data) - 1,
                    "a\0b\0\0", 5);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    g_assert_cmpuint(xt_generation(f->dom0, 0, "/g"), >, before);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    XT_ADD("/xs-txn/isolation", test_isolation);
    XT_ADD("/xs-txn/sees-earlier-changes", test_sees_earlier_changes);
    XT_ADD("/xs-txn/conflict/read", test_conflict_read);
    XT_ADD("/xs-txn/conflict/read-same-value", test_conflict_read_same_value);
    XT_ADD("/xs-txn/conflict/write", test_conflict_write);
    XT_ADD("/xs-txn/conflict/removed", test_conflict_removed);
    XT_ADD("/xs-txn/conflict/recreated", test_conflict_recreated);
    XT_ADD("/xs-txn/conflict/missing", test_conflict_missing);
    XT_ADD("/xs-txn/conflict/directory", test_conflict_directory);
    XT_ADD("/xs-txn/conflict/perms", test_conflict_perms);
    XT_ADD("/xs-txn/unrelated-commit", test_unrelated_commit);
    XT_ADD("/xs-txn/two-transactions", test_two_transactions);
    XT_ADD("/xs-txn/create-commit", test_create_commit);
    XT_ADD("/xs-txn/rm-commit", test_rm_commit);
    XT_ADD("/xs-txn/list-then-change", test_list_then_change);
    XT_ADD("/xs-txn/rm-recreate", test_rm_recreate);
    XT_ADD("/xs-txn/rm-rewrite-same", test_rm_rewrite_same);
    XT_ADD("/xs-txn/abort", test_abort);
    XT_ADD("/xs-txn/unknown-id", test_unknown_id);
    XT_ADD("/xs-txn/quota-default", test_quota_default);
    XT_ADD("/xs-txn/quota-small", test_quota_small);
    XT_ADD("/xs-txn/set-perms", test_set_perms);
    XT_ADD("/xs-txn/perms-checked", test_perms_checked);
    XT_ADD("/xs-txn/node-quota", test_node_quota);
    XT_ADD("/xs-txn/owner-accounting", test_owner_accounting);
    XT_ADD("/xs-txn/generation", test_generation);
    return g_test_run();
}
