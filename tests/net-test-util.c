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

static bool port_receive(void *opaque, unsigned queue,
                         const struct virtio_net_hdr *hdr,
                         const struct iovec *iov, int iovcnt)
{
    NetTestPort *p = opaque;
    GByteArray *b;

    if (p->full || p->budget == 0) {
        return false;
    }
    if (p->budget > 0) {
        p->budget--;
    }
    p->last_hdr = *hdr;
    b = g_byte_array_new();
    for (int i = 0; i < iovcnt; i++) {
        g_byte_array_append(b, iov[i].iov_base, iov[i].iov_len);
    }
    g_ptr_array_add(p->got, b);
    return true;
}

static void port_writable(void *opaque, unsigned queue)
{
    ((NetTestPort *)opaque)->writable++;
}

const NetDevPortOps net_test_port_ops = {
    .receive = port_receive,
    .writable = port_writable,
};

void net_test_port_init(NetTestPort *p)
{
    *p = (NetTestPort) {
        .got = g_ptr_array_new_with_free_func(
            (GDestroyNotify)g_byte_array_unref),
        .budget = -1,
    };
}

void net_test_port_destroy(NetTestPort *p)
{
    g_ptr_array_free(p->got, true);
}
