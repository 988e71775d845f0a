/*
 * Unit tests of the Xenner xenstore's domains: introduction, release and
 * domain paths, held to the behaviour of Xen's C xenstored.
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
    XT_ADD("/xs-domain/path", test_domain_path);
    return g_test_run();
}
