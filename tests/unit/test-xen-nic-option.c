/*
 * -nic into -netdev and -device xen-net-device (hw/xen/xen_nic_option.c):
 * which options go to which, the guest it picks, and
 * QEMU's refusals.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "hw/xen/xen_nic_option.h"

static GPtrArray *opts_list(const char *implied, ...)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(
        (GDestroyNotify)qemu_opts_free);
    va_list ap;

    va_start(ap, implied);
    for (const char *s = va_arg(ap, const char *); s;
         s = va_arg(ap, const char *)) {
        QemuOpts *o = qemu_opts_parse(s, implied, NULL);

        g_assert_nonnull(o);
        g_ptr_array_add(a, o);
    }
    va_end(ap);
    return a;
}

/* Expands @arg and checks both halves as command lines. */
static void check(const char *arg, unsigned index, GPtrArray *guests,
                  long def, const char *want_netdev,
                  const char *want_device)
{
    QemuOpts *nd = NULL, *dev = NULL;
    g_autofree char *nds = NULL, *devs = NULL;
    Error *err = NULL;

    if (!xen_nic_option_expand(arg, index, guests, def, &nd, &dev, &err)) {
        g_error("%s: %s", arg, error_get_pretty(err));
    }
    if (!want_netdev) {
        g_assert_null(nd);
        g_assert_null(dev);
        return;
    }
    nds = qemu_opts_to_string(nd, "type");
    devs = qemu_opts_to_string(dev, "driver");
    g_assert_cmpstr(nds, ==, want_netdev);
    g_assert_cmpstr(devs, ==, want_device);
    qemu_opts_free(nd);
    qemu_opts_free(dev);
}

static void check_error(const char *arg, GPtrArray *guests, long def,
                        const char *want)
{
    QemuOpts *nd = (QemuOpts *)1, *dev = (QemuOpts *)1;
    Error *err = NULL;

    g_assert_false(xen_nic_option_expand(arg, 0, guests, def, &nd, &dev,
                                         &err));
    g_assert_nonnull(err);
    g_assert_null(nd);
    g_assert_null(dev);
    g_assert_cmpstr(error_get_pretty(err), ==, want);
    error_free(err);
}

static void test_split(void)
{
    g_autoptr(GPtrArray) one = opts_list(NULL, "domid=7", NULL);

    check("tap,ifname=t0,script=no,downscript=no,mac=52:54:00:01:02:03", 0,
          one, -1,
          "tap,id=nic0,ifname=t0,script=no,downscript=no",
          "xen-net-device,mac=52:54:00:01:02:03,netdev=nic0,domid=7");
    /* The netdev's own options keep their doubled commas. */
    check("stream,server=off,addr.type=unix,addr.path=/tmp/a,,b,"
          "model=xen-net-device", 3, one, -1,
          "stream,id=nic3,server=off,addr.type=unix,addr.path=/tmp/a,,b",
          "xen-net-device,netdev=nic3,domid=7");
    check("user,restrict=on,hostfwd=tcp:127.0.0.1:1-:2,"
          "hostfwd=tcp:127.0.0.1:3-:4,id=up", 0, one, -1,
          "user,id=up,restrict=on,hostfwd=tcp:127.0.0.1:1-:2,"
          "hostfwd=tcp:127.0.0.1:3-:4",
          "xen-net-device,netdev=up,domid=7");
    /* As QEMU: no type is user networking. */
    check("mac=52:54:00:01:02:03", 1, one, -1, "user,id=nic1",
          "xen-net-device,mac=52:54:00:01:02:03,netdev=nic1,domid=7");
}

static void test_none(void)
{
    check("none", 0, NULL, -1, NULL, NULL);
}

static void test_domid(void)
{
    g_autoptr(GPtrArray) two = opts_list(NULL, "domid=7", "domid=8", NULL);
    g_autoptr(GPtrArray) none = opts_list(NULL, NULL);

    check("tap,domid=8", 0, two, -1, "tap,id=nic0",
          "xen-net-device,netdev=nic0,domid=8");
    /* No Xenner guest: the domain of -xen-domid. */
    check("tap", 0, none, 12, "tap,id=nic0",
          "xen-net-device,netdev=nic0,domid=12");
    /* XEN_CREATE: the domain it builds, whose id Xen picks later. */
    check("tap", 0, none, XEN_NIC_DOMID_BUILT, "tap,id=nic0",
          "xen-net-device,netdev=nic0");
    check("tap,domid=3", 0, none, XEN_NIC_DOMID_BUILT, "tap,id=nic0",
          "xen-net-device,netdev=nic0,domid=3");
    check_error("tap", two, -1, "-nic: domid=N is needed (2 -xenner-guest "
                "given; it defaults only to the one guest there is)");
    check_error("tap", none, -1, "-nic: domid=N is needed (0 -xenner-guest "
                "given; it defaults only to the one guest there is)");
    check_error("tap,domid=x", two, -1, "-nic: domid 'x' is not a domain id");
    check_error("tap,domid=32752", two, -1,
                "-nic: domid '32752' is not a domain id");
}

static void test_model(void)
{
    g_autoptr(GPtrArray) one = opts_list(NULL, "domid=7", NULL);

    check_error("tap,model=virtio-net-pci", one, -1,
                "Unsupported NIC model: virtio-net-pci");
    check_error("tap,model=", one, -1, "Unsupported NIC model: ");
    check_error("tap,junk", one, -1, "-nic: 'junk' is not KEY=VALUE");
    check_error(",mac=1", one, -1, "-nic: the netdev type is empty");
    g_assert_true(xen_nic_option_wants_help("tap,model=help"));
    g_assert_true(xen_nic_option_wants_help("model=help"));
    g_assert_false(xen_nic_option_wants_help("tap,ifname=model=help"));
    g_assert_false(xen_nic_option_wants_help("tap,x=a,,model=help"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-nic-option/split", test_split);
    g_test_add_func("/xen-nic-option/none", test_none);
    g_test_add_func("/xen-nic-option/domid", test_domid);
    g_test_add_func("/xen-nic-option/model", test_model);
    return g_test_run();
}
