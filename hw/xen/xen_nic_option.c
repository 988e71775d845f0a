/*
 * -nic into -netdev and -device xen-net-device; see xen_nic_option.h.
 *
 * The string is split on its own rather than through QemuOpts because
 * the netdev's part goes on as text: each element keeps its doubled
 * commas, and the netdev type's parser sees exactly what -netdev would
 * have shown it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/xen.h>

#include "hw/xen/xen_nic_option.h"

/* The elements of @arg, split at single commas (",," stays inside). */
static GPtrArray *nic_split(const char *arg)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *start = arg;

    for (const char *p = arg;; p++) {
        if (*p == ',' && p[1] == ',') {
            p++;
            continue;
        }
        if (*p == ',' || !*p) {
            g_ptr_array_add(out, g_strndup(start, p - start));
            if (!*p) {
                break;
            }
            start = p + 1;
        }
    }
    return out;
}

/* The key of element @e ("mac" of "mac=..."), or NULL for a bare value. */
static char *nic_key(const char *e)
{
    const char *eq = strchr(e, '=');

    return eq ? g_strndup(e, eq - e) : NULL;
}

bool xen_nic_option_wants_help(const char *arg)
{
    g_autoptr(GPtrArray) elems = nic_split(arg);

    for (guint i = 0; i < elems->len; i++) {
        if (!strcmp(g_ptr_array_index(elems, i), "model=help")) {
            return true;
        }
    }
    return false;
}

void xen_nic_option_print_models(void)
{
    printf("Supported NIC models:\n%s\n", XEN_NIC_MODEL);
}

static bool nic_parse_domid(const char *s, const char *what, long *domid,
                            Error **errp)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(s, 10, 0, DOMID_FIRST_RESERVED - 1, &v,
                                    NULL)) {
        error_setg(errp, "-nic: %s '%s' is not a domain id", what, s);
        return false;
    }
    *domid = v;
    return true;
}

/* The guest of a -nic without domid=. */
static bool nic_default_domid(GPtrArray *guests, long default_domid,
                              long *domid, Error **errp)
{
    if (guests && guests->len == 1) {
        const char *d = qemu_opt_get(g_ptr_array_index(guests, 0), "domid");

        if (d) {
            return nic_parse_domid(d, "-xenner-guest domid", domid, errp);
        }
    }
    if ((!guests || !guests->len) &&
        (default_domid >= 0 || default_domid == XEN_NIC_DOMID_BUILT)) {
        *domid = default_domid;
        return true;
    }
    error_setg(errp, "-nic: domid=N is needed (%u -xenner-guest given; "
               "it defaults only to the one guest there is)",
               guests ? guests->len : 0);
    return false;
}

bool xen_nic_option_expand(const char *arg, unsigned index,
                           GPtrArray *xenner_guests, long default_domid,
                           QemuOpts **netdev, QemuOpts **device,
                           Error **errp)
{
    g_autoptr(GPtrArray) elems = nic_split(arg);
    g_autoptr(GString) nd = g_string_new(NULL);
    g_autoptr(GString) dev = g_string_new(XEN_NIC_MODEL);
    g_autofree char *id = g_strdup_printf("nic%u", index);
    const char *type = "user";      /* QEMU's default type for -nic */
    const char *domid_s = NULL;
    guint first = 0;
    long domid;

    *netdev = *device = NULL;
    if (elems->len && !strchr(g_ptr_array_index(elems, 0), '=')) {
        type = g_ptr_array_index(elems, 0);
        first = 1;
    }
    if (!*type) {
        error_setg(errp, "-nic: the netdev type is empty");
        return false;
    }
    if (!strcmp(type, "none")) {
        return true;
    }
    for (guint i = first; i < elems->len; i++) {
        const char *e = g_ptr_array_index(elems, i);
        g_autofree char *key = nic_key(e);

        if (!key) {
            error_setg(errp, "-nic: '%s' is not KEY=VALUE", e);
            return false;
        }
        if (!strcmp(key, "model")) {
            if (strcmp(e + 6, XEN_NIC_MODEL)) {
                /* QEMU's words for a model its machine lacks. */
                error_setg(errp, "Unsupported NIC model: %s", e + 6);
                return false;
            }
        } else if (!strcmp(key, "domid")) {
            domid_s = e + 6;
        } else if (!strcmp(key, "mac")) {
            g_string_append_printf(dev, ",%s", e);
        } else if (!strcmp(key, "id")) {
            g_free(id);
            id = g_strdup(e + 3);
        } else {
            g_string_append_printf(nd, ",%s", e);
        }
    }
    if (domid_s ? !nic_parse_domid(domid_s, "domid", &domid, errp)
                : !nic_default_domid(xenner_guests, default_domid, &domid,
                                     errp)) {
        return false;
    }
    g_string_prepend(nd, id);
    g_string_prepend(nd, ",id=");
    g_string_prepend(nd, type);
    /* No devid=: the machine numbers it as libxl would, first free. */
    g_string_append_printf(dev, ",netdev=%s", id);
    if (domid != XEN_NIC_DOMID_BUILT) {
        g_string_append_printf(dev, ",domid=%ld", domid);
    }
    *netdev = qemu_opts_parse(nd->str, "type", errp);
    if (!*netdev) {
        return false;
    }
    *device = qemu_opts_parse(dev->str, "driver", errp);
    if (!*device) {
        qemu_opts_free(*netdev);
        *netdev = NULL;
        return false;
    }
    return true;
}
