/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "net-test-util.h"

#include <glib.h>

#include "net/net.h"

void net_test_refused(const NetTestRefusal *cases, size_t n)
{
    EventLoop *loop = event_loop_new(NULL);

    for (size_t i = 0; i < n; i++) {
        QemuOpts *o = qemu_opts_parse(cases[i].arg, "type", NULL);
        g_autoptr(GPtrArray) opts = g_ptr_array_new();
        g_autofree char *want = g_strdup_printf("-netdev %s: %s",
                                                cases[i].arg, cases[i].msg);
        Error *err = NULL;

        g_ptr_array_add(opts, o);
        g_assert_null(net_dev_list_new(loop, opts, &err));
        g_assert_cmpstr(error_get_pretty(err), ==, want);
        error_free(err);
        qemu_opts_free(o);
    }
    event_loop_free(loop);
}
