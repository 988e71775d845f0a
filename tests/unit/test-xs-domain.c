/*
 * Unit tests of the Xenner xenstore's domains: introduction, release and
 * what it ends, and domain paths, held to the behaviour of Xen's C
 * xenstored.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "xenner/xs_tree.h"
#include "xs-test-util.h"

static void test_domain_introduce_release(XtFixture *f, gconstpointer data)
{
    XsClient *c5 = xt_client(f, 5);
    bool in = false;

    g_assert_cmpint(xenner_xs_client_is_introduced(f->dom0, 0, &in), ==, 0);
    g_assert_true(in);
    g_assert_cmpint(xenner_xs_client_is_introduced(f->dom0, 5, &in), ==, 0);
    g_assert_false(in);

    g_assert_cmpint(xenner_xs_client_introduce(c5, 6), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    g_assert_cmpint(xenner_xs_client_is_introduced(c5, 5, &in), ==, 0);
    g_assert_true(in);

    g_assert_cmpint(xenner_xs_client_release(c5, 5), ==, -EACCES);
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 9), ==, -ENOENT);
    /* Known for its nodes, but never introduced. */
    xt_make_home(f->dom0, 7);
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 7), ==, -ENOENT);

    g_assert_cmpint(xenner_xs_client_release(f->dom0, 5), ==, 0);
    g_assert_cmpint(xenner_xs_client_is_introduced(f->dom0, 5, &in), ==, 0);
    g_assert_false(in);
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 5), ==, -ENOENT);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    g_assert_cmpint(xenner_xs_client_is_introduced(f->dom0, 5, &in), ==, 0);
    g_assert_true(in);
    xenner_xs_client_free(c5);
}

static void count_released(void *opaque)
{
    XtEvents *ev = opaque;

    g_ptr_array_add(ev->list, g_strdup("released"));
}

/*
 * A released domain's clients are dead, as its ring is on Xen: told so
 * once, every call refused as on a closed connection, nothing kept.
 */
static void test_domain_release_ends_clients(XtFixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    g_autofree XsPerm *perms = NULL;
    g_autofree char *told = NULL;
    g_autofree char *dir = NULL;
    XtEvents ev5, ev6;
    XsClient *a, *b, *c6, *again;
    unsigned nperms;
    uint32_t tx;
    XsUsage u;

    xt_events_init(&ev5);
    xt_events_init(&ev6);
    a = xenner_xs_client_new(f->tree, 5, xt_event_fn, &ev5);
    b = xenner_xs_client_new(f->tree, 5, xt_event_fn, &ev5);
    c6 = xenner_xs_client_new(f->tree, 6, xt_event_fn, &ev6);
    xenner_xs_client_set_released_fn(a, count_released);
    xenner_xs_client_set_released_fn(c6, count_released);
    xt_make_home(f->dom0, 5);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 6), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(a, "w", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_watch(b, "w", "t"), ==, 0);
    g_assert_cmpint(xenner_xs_client_transaction_start(a, &tx), ==, 0);
    g_assert_cmpint(xt_write(a, tx, "in-tx", "v"), ==, 0);
    g_free(xt_events_take(&ev5, false));

    g_assert_cmpint(xenner_xs_client_release(f->dom0, 5), ==, 0);
    told = xt_events_take(&ev5, false);
    g_assert_cmpstr(told, ==, "released");
    g_assert_cmpuint(ev6.list->len, ==, 0);
    g_assert_false(xenner_xs_tree_is_introduced(f->tree, 5));
    g_assert_true(xenner_xs_tree_is_introduced(f->tree, 6));
    g_assert_cmpint(xenner_xs_tree_get_usage(f->tree, 5, &u), ==, 0);
    g_assert_cmpuint(u.watches, ==, 0);
    g_assert_cmpuint(u.transactions, ==, 0);

    for (XsClient *c = a; c; c = c == a ? b : NULL) {
        uint32_t t2;

        g_assert_cmpint(xenner_xs_client_read(c, 0, "w", buf), ==, -EBADF);
        g_assert_cmpint(xt_write(c, 0, "w", "v"), ==, -EBADF);
        g_assert_cmpint(xenner_xs_client_mkdir(c, 0, "m"), ==, -EBADF);
        g_assert_cmpint(xenner_xs_client_rm(c, 0, "/local/domain/5"), ==,
                        -EBADF);
        g_assert_cmpint(xenner_xs_client_directory(c, 0, "/", buf), ==,
                        -EBADF);
        g_assert_cmpint(xenner_xs_client_directory_part(c, 0, "/", 0, buf),
                        ==, -EBADF);
        g_assert_cmpint(xenner_xs_client_get_perms(c, 0, "/", &perms,
                                                   &nperms),
                        ==, -EBADF);
        g_assert_cmpint(xt_set_perms(c, 0, "/local/domain/5", "n5"), ==,
                        -EBADF);
        g_assert_cmpint(xenner_xs_client_transaction_start(c, &t2), ==,
                        -EBADF);
        g_assert_cmpint(xenner_xs_client_transaction_end(c, tx, true), ==,
                        -EBADF);
        g_assert_cmpint(xenner_xs_client_watch(c, "w2", "t"), ==, -EBADF);
        g_assert_cmpint(xenner_xs_client_unwatch(c, "w", "t"), ==, -EBADF);
        g_assert_false(xenner_xs_client_transaction_is_open(c, tx));
    }
    g_assert_cmpuint(buf->len, ==, 0);
    g_assert_cmpint(xt_read_err(f->dom0, 0, "/local/domain/5/in-tx"), ==,
                    -ENOENT);
    g_assert_cmpint(xt_write(f->dom0, 0, "/local/domain/5/w", "x"), ==, 0);
    g_assert_cmpuint(ev5.list->len, ==, 0);
    g_assert_cmpint(xt_write(c6, 0, "/local/domain/5/w", "y"), ==, -EACCES);

    /*
     * Introduced anew, the domain's new clients work; the dead ones stay
     * dead and are not told again.
     */
    g_assert_cmpint(xenner_xs_client_introduce(f->dom0, 5), ==, 0);
    again = xenner_xs_client_new(f->tree, 5, xt_event_fn, &ev5);
    g_assert_cmpint(xt_write(again, 0, "w", "z"), ==, 0);
    g_assert_cmpint(xt_write(a, 0, "w", "v"), ==, -EBADF);
    g_assert_cmpint(xenner_xs_client_release(f->dom0, 5), ==, 0);
    g_assert_cmpint(xt_write(again, 0, "w", "v"), ==, -EBADF);
    g_assert_cmpuint(ev5.list->len, ==, 0);
    dir = xt_dir(f->dom0, 0, "/local/domain/5");
    g_assert_cmpstr(dir, ==, "w");

    xenner_xs_client_free(a);
    xenner_xs_client_free(b);
    xenner_xs_client_free(c6);
    xenner_xs_client_free(again);
    xt_events_destroy(&ev5);
    xt_events_destroy(&ev6);
}

static void test_domain_path(XtFixture *f, gconstpointer data)
{
    static const struct {
        uint16_t domid;
        const char *path;
    } cases[] = {
        { 0, "/local/domain/0" },
        { 5, "/local/domain/5" },
        { 32752, "/local/domain/32752" },
        { 65535, "/local/domain/65535" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *p = xenner_xs_domain_path(cases[i].domid);

        g_assert_cmpstr(p, ==, cases[i].path);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    XT_ADD("/xs-domain/introduce-release", test_domain_introduce_release);
    XT_ADD("/xs-domain/release-ends-clients",
           test_domain_release_ends_clients);
    XT_ADD("/xs-domain/path", test_domain_path);
    return g_test_run();
}
