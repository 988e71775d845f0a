/*
 * QEMU's option strings (util/qemu-option.c): what the net core relies
 * on, the options given back as a command line (for messages) and every
 * value of an option that repeats.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "util/qemu-option.h"

static void check_string(const char *arg, const char *implied,
                         const char *want)
{
    QemuOpts *opts = qemu_opts_parse(arg, implied, NULL);
    g_autofree char *got = NULL;

    g_assert_nonnull(opts);
    got = qemu_opts_to_string(opts, implied);
    g_assert_cmpstr(got, ==, want);
    qemu_opts_free(opts);
}

static void test_to_string(void)
{
    check_string("tap,id=n0", "type", "tap,id=n0");
    check_string("id=n0,type=tap", "type", "tap,id=n0");
    check_string("id=n0", "type", "id=n0");
    check_string("", "type", "");
    check_string("a=1,b=x,,y", NULL, "a=1,b=x,,y");
    check_string("user,hostfwd=tcp::1-:2,hostfwd=udp::3-:4", "type",
                 "user,hostfwd=tcp::1-:2,hostfwd=udp::3-:4");
}

static void test_get_all(void)
{
    QemuOpts *opts = qemu_opts_parse("user,hostfwd=a,id=u,hostfwd=b,,c",
                                     "type", NULL);
    g_auto(GStrv) all = qemu_opt_get_all(opts, "hostfwd");
    g_auto(GStrv) none = qemu_opt_get_all(opts, "net");

    g_assert_cmpuint(g_strv_length(all), ==, 2);
    g_assert_cmpstr(all[0], ==, "a");
    g_assert_cmpstr(all[1], ==, "b,c");
    g_assert_cmpuint(g_strv_length(none), ==, 0);
    g_assert_cmpstr(qemu_opt_get(opts, "hostfwd"), ==, "b,c");
    qemu_opts_free(opts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qemu-option/to-string", test_to_string);
    g_test_add_func("/qemu-option/get-all", test_get_all);
    return g_test_run();
}
