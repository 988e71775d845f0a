/*
 * Unit tests of Xenner xenstore watches: the initial event, which changes
 * fire which watches and with what path, transactions, special watches,
 * permissions, and the per-domain watch quota, held to Xen's C xenstored.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "xenner/xs_tree.h"
#include "xs-test-util.h"

/* A client with its own record of events. */
typedef struct Watcher {
    XsClient *c;
    XtEvents ev;
} Watcher;

static void watcher_init(Watcher *w, XtFixture *f, uint16_t domid)
{
    xt_events_init(&w->ev);
    w->c = xenner_xs_client_new(f->tree, domid, xt_event_fn, &w->ev);
}

static void watcher_destroy(Watcher *w)
{
    xenner_xs_client_free(w->c);
    xt_events_destroy(&w->ev);
}

/* The events since the last call, in the order they came. */
static char *events(XtEvents *ev)
{
    return xt_events_take(ev, false);
}

/* The same, where the order among them is not part of the contract. */
static char *events_sorted(XtEvents *ev)
{
    return xt_events_take(ev, true);
}

#define assert_events(ev, expect) do { \
        g_autofree char *got_ = events(ev); \
        g_assert_cmpstr(got_, ==, (expect)); \
    } while (0)

#define assert_events_sorted(ev, expect) do { \
        g_autofree char *got_ = events_sorted(ev); \
        g_assert_cmpstr(got_, ==, (expect)); \
    } while (0)

static void test_initial_event(XtFixture *f, gconstpointer data)
{
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a", "tok"), ==, 0);
    assert_events(&f->ev0, "/a tok");
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "rel/path", "t2"), ==, 0);
    assert_events(&f->ev0, "rel/path t2");
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "@introduceDomain", "i"),
                    ==, 0);
    assert_events(&f->ev0, "@introduceDomain i");
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/", "root"), ==, 0);
    assert_events(&f->ev0, "/ root");
    /* Nothing else happened, so nothing else is reported. */
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/a"), ==, -ENOENT);
    assert_events(&f->ev0, "");
}

static void test_node_and_descendants(XtFixture *f, gconstpointer data)
{
    g_assert_cmpint(xt_write(f->dom0, 0, "/b", "sibling"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a", "A"), ==, 0);
    assert_events(&f->ev0, "/a A");

    g_assert_cmpint(xt_write(f->dom0, 0, "/a", "1"), ==, 0);
    assert_events(&f->ev0, "/a A");
    g_assert_cmpint(xt_write(f->dom0, 0, "/a/b", "1"), ==, 0);
    assert_events(&f->ev0, "/a/b A");
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/a/b/c"), ==, 0);
    assert_events(&f->ev0, "/a/b/c A");
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/a/b", "r0"), ==, 0);
    assert_events(&f->ev0, "/a/b A");
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/a/b/c"), ==, 0);
    assert_events(&f->ev0, "/a/b/c A");
    /* Parents made on the way are not reported on their own. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/a/x/y/z", "1"), ==, 0);
    assert_events(&f->ev0, "/a/x/y/z A");

    /* Not siblings, not parents, not what changed nothing. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/ab", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/b", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/", "root"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/a"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/a/none"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/b"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/a/bad path", "1"), ==, -EINVAL);
    assert_events(&f->ev0, "");
}

static void test_watch_root(XtFixture *f, gconstpointer data)
{
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/", "R"), ==, 0);
    assert_events(&f->ev0, "/ R");
    g_assert_cmpint(xt_write(f->dom0, 0, "/q", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/q/r/s", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/", "1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/q"), ==, 0);
    assert_events(&f->ev0, "/q R, /q/r/s R, / R, /q R");
}

static void test_rm_subtree(XtFixture *f, gconstpointer data)
{
    Watcher w5;

    watcher_init(&w5, f, 5);
    g_assert_cmpint(xt_write(f->dom0, 0, "/a/b/c/d", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/ab", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/other", "1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/", "R"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a", "A"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a/b", "B"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a/b/c", "C"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a/b/c/d", "D"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/ab", "X"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/other", "O"), ==, 0);
    g_free(events(&f->ev0));

    /* Watches inside the subtree hear of it under their own path. */
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/a/b"), ==, 0);
    assert_events_sorted(&f->ev0,
                         "/a/b A, /a/b B, /a/b R, /a/b/c C, /a/b/c/d D");

    /* A relative watch inside gets its relative path. */
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/dev/x", "1"), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "dev/x", "W"), ==, 0);
    assert_events(&w5.ev, "dev/x W");
    g_free(events(&f->ev0));
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/local/domain/5/dev"), ==,
                    0);
    assert_events(&w5.ev, "dev/x W");
    assert_events(&f->ev0, "/local/domain/5/dev R");
    watcher_destroy(&w5);
}

static void test_transaction(XtFixture *f, gconstpointer data)
{
    uint32_t tx;

    g_assert_cmpint(xt_write(f->dom0, 0, "/t/c", "0"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/t/gone/kid", "0"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/t", "T"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/t/gone/kid", "K"), ==, 0);
    g_free(events(&f->ev0));

    /* Held back until commit, then in the order they were made. */
    g_assert_cmpint(xenner_xs_client_transaction_start(f->dom0, &tx), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/t/x", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/t/y", "1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, tx, "/t/gone"), ==, 0);
    assert_events(&f->ev0, "");
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==, 0);
    assert_events(&f->ev0, "/t/x T, /t/y T, /t/gone T, /t/gone/kid K");

    /* Nothing at all on abort. */
    g_assert_cmpint(xenner_xs_client_transaction_start(f->dom0, &tx), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, tx, "/t/z", "1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, false), ==,
                    0);
    assert_events(&f->ev0, "");

    /* Nor on a conflict: only the change from outside is reported. */
    g_assert_cmpint(xenner_xs_client_transaction_start(f->dom0, &tx), ==, 0);
    g_free(xt_read(f->dom0, tx, "/t/c"));
    g_assert_cmpint(xt_write(f->dom0, tx, "/t/d", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/t/c", "outside"), ==, 0);
    assert_events(&f->ev0, "/t/c T");
    g_assert_cmpint(xenner_xs_client_transaction_end(f->dom0, tx, true), ==,
                    -EAGAIN);
    assert_events(&f->ev0, "");
}

static void test_duplicate(XtFixture *f, gconstpointer data)
{
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d", "T"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d", "T"), ==, -EEXIST);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d", "T2"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d2", "T"), ==, 0);
    /* The same node by its relative name is the same watch. */
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/local/domain/0/x", "T"),
                    ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "x", "T"), ==, -EEXIST);
    assert_events(&f->ev0, "/d T, /d T2, /d2 T, /local/domain/0/x T");

    /* Two entries, two events. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/d", "1"), ==, 0);
    assert_events_sorted(&f->ev0, "/d T, /d T2");
}

static void test_unwatch(XtFixture *f, gconstpointer data)
{
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d", "T"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d", "T2"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/local/domain/0/r", "R"),
                    ==, 0);
    g_free(events(&f->ev0));

    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "/nowhere", "T"), ==,
                    -ENOENT);
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "/d", "other"), ==,
                    -ENOENT);
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "/d", "T"), ==, 0);
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "/d", "T"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "r", "R"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/d", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/0/r", "1"), ==, 0);
    assert_events(&f->ev0, "/d T2");
    /* Removing it leaves no trace: it may be set again. */
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/d", "T"), ==, 0);
    assert_events(&f->ev0, "/d T");

    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "", "T"), ==, -EINVAL);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a/", "T"), ==, -EINVAL);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a//b", "T"), ==, -EINVAL);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/a b", "T"), ==, -EINVAL);
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "/a b", "T"), ==,
                    -EINVAL);
    assert_events(&f->ev0, "");
}

/*
 * Watched paths are indexed by length as well: paths of one length share
 * a count, and those of XS_WATCH_LENS - 1 characters or more one slot.
 */
static void test_lengths(XtFixture *f, gconstpointer data)
{
    g_autofree char *n299 = g_strnfill(299, 'l');
    g_autofree char *n399 = g_strnfill(399, 'm');
    g_autofree char *l300 = g_strconcat("/", n299, NULL);
    g_autofree char *l400 = g_strconcat("/", n399, NULL);
    g_autofree char *below = g_strconcat(l300, "/x", NULL);
    g_autofree char *expect = g_strconcat(below, " L", NULL);

    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/ab", "AB"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/cd", "CD"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, l300, "L"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, l400, "M"), ==, 0);
    g_free(events(&f->ev0));

    /* One of two paths of a length gone, the other still fires. */
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, "/ab", "AB"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/cd/e", "1"), ==, 0);
    assert_events(&f->ev0, "/cd/e CD");
    g_assert_cmpint(xt_write(f->dom0, 0, "/ab/e", "1"), ==, 0);
    assert_events(&f->ev0, "");

    /* Long paths share the last slot, and each fires for its own. */
    g_assert_cmpint(xt_write(f->dom0, 0, below, "1"), ==, 0);
    assert_events(&f->ev0, expect);
    g_assert_cmpint(xenner_xs_client_unwatch(f->dom0, l400, "M"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, below, "2"), ==, 0);
    assert_events(&f->ev0, expect);
}

static void test_relative(XtFixture *f, gconstpointer data)
{
    Watcher w5;

    watcher_init(&w5, f, 5);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "dev", "r"), ==, 0);
    assert_events(&w5.ev, "dev r");
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/local/domain/5/dev", "abs"),
                    ==, 0);
    assert_events(&w5.ev, "/local/domain/5/dev abs");

    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/dev/vif/0", "1"),
                    ==, 0);
    assert_events_sorted(&w5.ev, "/local/domain/5/dev/vif/0 abs, "
                                 "dev/vif/0 r");
    g_assert_cmpint(xt_write(w5.c, 0, "dev", "1"), ==, 0);
    assert_events_sorted(&w5.ev, "/local/domain/5/dev abs, dev r");

    /* Domain 0 has a home too. */
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "dev", "d0"), ==, 0);
    assert_events(&f->ev0, "dev d0");
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/0/dev/k", "1"), ==, 0);
    assert_events(&f->ev0, "dev/k d0");
    assert_events(&w5.ev, "");
    watcher_destroy(&w5);
}

static void test_special(XtFixture *f, gconstpointer data)
{
    Watcher w5;

    watcher_init(&w5, f, 5);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "@introduceDomain", "i"),
                    ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "@releaseDomain", "r"), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/", "all"), ==, 0);
    assert_events(&f->ev0, "@introduceDomain i, @releaseDomain r, / all");
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "@introduceDomain", "i5"), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "@releaseDomain", "r5"), ==,
                    0);
    assert_events(&w5.ev, "@introduceDomain i5, @releaseDomain r5");

    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 7), ==, 0);
    assert_events(&f->ev0, "@introduceDomain i");
    /* Only a new domain is news. */
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 7), ==, 0);
    assert_events(&f->ev0, "");
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 7), ==, 0);
    assert_events(&f->ev0, "@releaseDomain r");
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 7), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_introduce(w5.c, 8), ==, -EACCES);
    assert_events(&f->ev0, "");

    /* Nodes are not domains, and guests do not hear of domains. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/x", "1"), ==, 0);
    assert_events(&f->ev0, "/x all");
    assert_events(&w5.ev, "");

    /* Unless the special node's permissions let them read it. */
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "@introduceDomain", "r0"), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 9), ==, 0);
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 9), ==, 0);
    assert_events(&w5.ev, "@introduceDomain i5");
    assert_events(&f->ev0, "@introduceDomain i, @releaseDomain r");
    watcher_destroy(&w5);
}

/* Xen keeps a whole ACL on special nodes: one guest may hear, another not. */
static void test_special_acl(XtFixture *f, gconstpointer data)
{
    g_autofree char *perms = NULL;
    Watcher w5, w6;

    watcher_init(&w5, f, 5);
    watcher_init(&w6, f, 6);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "@releaseDomain", "n0 r5"),
                    ==, 0);
    perms = xt_perms(f->dom0, 0, "@releaseDomain");
    g_assert_cmpstr(perms, ==, "n0 r5");
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "@releaseDomain", "r5"), ==,
                    0);
    g_assert_cmpint(xenner_xs_client_watch(w6.c, "@releaseDomain", "r6"), ==,
                    0);
    assert_events(&w5.ev, "@releaseDomain r5");
    assert_events(&w6.ev, "@releaseDomain r6");

    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 9), ==, 0);
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 9), ==, 0);
    assert_events(&w5.ev, "@releaseDomain r5");
    assert_events(&w6.ev, "");
    watcher_destroy(&w6);
    watcher_destroy(&w5);
}

static void test_unreadable(XtFixture *f, gconstpointer data)
{
    Watcher w5;

    watcher_init(&w5, f, 5);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/secret"), ==, 0);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/pub"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/pub", "n0 r5"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/", "all"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/secret", "s"), ==, 0);
    assert_events(&w5.ev, "/ all, /secret s");

    g_assert_cmpint(xt_write(f->dom0, 0, "/secret/x", "1"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/secret", "1"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/secret/x"), ==, 0);
    assert_events(&w5.ev, "");

    g_assert_cmpint(xt_write(f->dom0, 0, "/pub/x", "1"), ==, 0);
    assert_events(&w5.ev, "/pub/x all");
    g_assert_cmpint(xt_write(f->dom0, 0, "/secret/y", "1"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/secret/y", "n0 r5"), ==, 0);
    assert_events_sorted(&w5.ev, "/secret/y all, /secret/y s");
    watcher_destroy(&w5);
}

/*
 * xenstored's rules: an event also reaches a watcher that may read the
 * node's parent, so a backend sees its frontend's private nodes go, and
 * a permission change reaches whoever could read the node before it.
 */
static void test_parent_and_old_perms(XtFixture *f, gconstpointer data)
{
    Watcher w5;

    watcher_init(&w5, f, 5);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/vis"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/vis", "n0 r5"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/vis/secret", "1"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/vis/secret", "n0"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/vis", "v"), ==, 0);
    assert_events(&w5.ev, "/vis v");

    g_assert_cmpint(xt_write(f->dom0, 0, "/vis/secret", "2"), ==, 0);
    g_assert_cmpint(xenner_xs_client_rm(f->dom0, 0, "/vis/secret"), ==, 0);
    assert_events(&w5.ev, "/vis/secret v, /vis/secret v");

    /* Two levels down, the parent is unreadable too: nothing. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/vis/h/x", "1"), ==, 0);
    assert_events(&w5.ev, "/vis/h/x v");
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/vis/h", "n0"), ==, 0);
    assert_events(&w5.ev, "/vis/h v");
    /* It could read x until this change, so it hears of this one... */
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/vis/h/x", "n0"), ==, 0);
    assert_events(&w5.ev, "/vis/h/x v");
    /* ...and of nothing after it. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/vis/h/x", "2"), ==, 0);
    assert_events(&w5.ev, "");
    watcher_destroy(&w5);
}

static void test_reset(XtFixture *f, gconstpointer data)
{
    Watcher w5;
    uint32_t tx;

    watcher_init(&w5, f, 5);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/", "a"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "@releaseDomain", "b"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_start(w5.c, &tx), ==, 0);
    g_free(events(&w5.ev));

    xenner_xs_client_reset_watches(w5.c);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/pub"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/pub", "r0"), ==, 0);
    assert_events(&w5.ev, "");
    g_assert_cmpint(xenner_xs_client_unwatch(w5.c, "/", "a"), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_transaction_end(w5.c, tx, true), ==,
                    -ENOENT);

    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/", "a"), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/pub/x", "1"), ==, 0);
    assert_events(&w5.ev, "/ a, /pub/x a");
    watcher_destroy(&w5);
}

static void test_client_free(XtFixture *f, gconstpointer data)
{
    XtEvents gone_ev;
    XsClient *gone;
    Watcher stays;
    uint32_t tx;

    xt_events_init(&gone_ev);
    gone = xenner_xs_client_new(f->tree, 0, xt_event_fn, &gone_ev);
    watcher_init(&stays, f, 0);
    g_assert_cmpint(xenner_xs_client_watch(gone, "/w", "g"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(stays.c, "/w", "s"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_start(gone, &tx), ==, 0);
    g_assert_cmpint(xt_write(gone, tx, "/w/t", "1"), ==, 0);
    assert_events(&gone_ev, "/w g");
    assert_events(&stays.ev, "/w s");

    xenner_xs_client_free(gone);
    /* A watch left behind in the tree would fire into freed memory here. */
    g_assert_cmpint(xt_write(f->dom0, 0, "/w/x", "1"), ==, 0);
    assert_events(&gone_ev, "");
    assert_events(&stays.ev, "/w/x s");
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/w/t"), ==, -ENOENT);
    watcher_destroy(&stays);
    xt_events_destroy(&gone_ev);
}

static void test_release_drops_watches(XtFixture *f, gconstpointer data)
{
    Watcher w5;
    uint32_t tx;

    watcher_init(&w5, f, 5);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "dev", "d"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_start(w5.c, &tx), ==, 0);
    g_free(events(&w5.ev));

    g_assert_cmpint(xenner_xs_client_release(f->dom0, 5), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/dev", "1"), ==, 0);
    assert_events(&w5.ev, "");
    /* Reintroduced, the domain does not get the dead client's back. */
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/dev", "2"), ==, 0);
    assert_events(&w5.ev, "");
    g_assert_cmpint(xenner_xs_client_transaction_end(w5.c, tx, false), ==,
                    -EBADF);
    watcher_destroy(&w5);
}

static void test_several_clients(XtFixture *f, gconstpointer data)
{
    Watcher w5, w6;

    watcher_init(&w5, f, 5);
    watcher_init(&w6, f, 6);
    g_assert_cmpint(xenner_xs_client_mkdir(f->dom0, 0, "/s"), ==, 0);
    g_assert_cmpint(xt_set_perms(f->dom0, 0, "/s", "b0"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/s", "five"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w6.c, "/s", "six"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(f->dom0, "/s", "zero"), ==, 0);
    g_free(events(&w5.ev));
    g_free(events(&w6.ev));
    g_free(events(&f->ev0));

    /* The writer hears of its own change like everyone else. */
    g_assert_cmpint(xt_write(w5.c, 0, "/s/k", "1"), ==, 0);
    assert_events(&w5.ev, "/s/k five");
    assert_events(&w6.ev, "/s/k six");
    assert_events(&f->ev0, "/s/k zero");
    watcher_destroy(&w5);
    watcher_destroy(&w6);
}

static void test_quota(XtFixture *f, gconstpointer data)
{
    Watcher w5, w5b;

    watcher_init(&w5, f, 5);
    watcher_init(&w5b, f, 5);
    for (unsigned i = 0; i < 128; i++) {
        g_autofree char *p = g_strdup_printf("/q/%u", i);

        g_assert_cmpint(xenner_xs_client_watch(w5.c, p, "t"), ==, 0);
    }
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/q/more", "t"), ==, -E2BIG);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/q/0", "t"), ==, -EEXIST);
    /* The quota is the domain's, not the connection's. */
    g_assert_cmpint(xenner_xs_client_watch(w5b.c, "/q/more", "t"), ==, -E2BIG);
    g_assert_cmpint(xenner_xs_client_unwatch(w5.c, "/q/0", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5b.c, "/q/more", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/q/0", "t"), ==, -E2BIG);
    g_assert_cmpuint(w5.ev.list->len, ==, 128);

    for (unsigned i = 0; i < 300; i++) {
        g_autofree char *p = g_strdup_printf("/q/%u", i);

        g_assert_cmpint(xenner_xs_client_watch(f->dom0, p, "t"), ==, 0);
    }
    watcher_destroy(&w5);
    watcher_destroy(&w5b);
}

static void test_quota_small(XtFixture *f, gconstpointer data)
{
    const XsQuota q = { 1000, 2048, 2, 10, 5 };
    Watcher w5;

    watcher_init(&w5, f, 5);
    xenner_xs_tree_set_quota(f->tree, &q);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/a", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/b", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/c", "t"), ==, -E2BIG);
    xenner_xs_client_reset_watches(w5.c);
    g_assert_cmpint(xenner_xs_client_watch(w5.c, "/c", "t"), ==, 0);
    assert_events(&w5.ev, "/a t, /b t, /c t");
    watcher_destroy(&w5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    XT_ADD("/xs-watch/initial-event", test_initial_event);
    XT_ADD("/xs-watch/node-and-descendants", test_node_and_descendants);
    XT_ADD("/xs-watch/root", test_watch_root);
    XT_ADD("/xs-watch/rm-subtree", test_rm_subtree);
    XT_ADD("/xs-watch/transaction", test_transaction);
    XT_ADD("/xs-watch/duplicate", test_duplicate);
    XT_ADD("/xs-watch/unwatch", test_unwatch);
    XT_ADD("/xs-watch/lengths", test_lengths);
    XT_ADD("/xs-watch/relative", test_relative);
    XT_ADD("/xs-watch/special", test_special);
    XT_ADD("/xs-watch/special-acl", test_special_acl);
    XT_ADD("/xs-watch/unreadable", test_unreadable);
    XT_ADD("/xs-watch/parent-and-old-perms", test_parent_and_old_perms);
    XT_ADD("/xs-watch/reset", test_reset);
    XT_ADD("/xs-watch/client-free", test_client_free);
    XT_ADD("/xs-watch/release-drops-watches", test_release_drops_watches);
    XT_ADD("/xs-watch/several-clients", test_several_clients);
    XT_ADD("/xs-watch/quota", test_quota);
    XT_ADD("/xs-watch/quota-small", test_quota_small);
    return g_test_run();
}
