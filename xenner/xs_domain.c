/*
 * Xenner xenstore: the domains the store knows of, and their management
 * (introduce, release, set a target), which only domain 0 may do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xs_tree_int.h"

#include <errno.h>

XsDomain *xenner_xs_domain_get(XsTree *tree, uint16_t domid)
{
    XsDomain *d = g_hash_table_lookup(tree->domains, GUINT_TO_POINTER(domid));

    if (!d) {
        d = g_new0(XsDomain, 1);
        d->domid = domid;
        g_hash_table_insert(tree->domains, GUINT_TO_POINTER(domid), d);
    }
    return d;
}

int xenner_xs_client_introduce(XsClient *c, uint16_t domid)
{
    XsDomain *d;

    if (!xenner_xs_client_privileged(c)) {
        return -EACCES;
    }
    d = xenner_xs_domain_get(c->tree, domid);
    if (!d->introduced) {
        d->introduced = true;
        xenner_xs_watch_fire_special(c->tree, XS_SPECIAL_INTRODUCE);
    }
    return 0;
}

int xenner_xs_client_release(XsClient *c, uint16_t domid)
{
    XsDomain *d;

    if (!xenner_xs_client_privileged(c)) {
        return -EACCES;
    }
    if (domid == XS_DOMID_PRIVILEGED) {
        return -EINVAL;
    }
    d = g_hash_table_lookup(c->tree->domains, GUINT_TO_POINTER(domid));
    if (!d || !d->introduced) {
        return -ENOENT;
    }
    d->introduced = false;
    d->has_target = false;
    /* The domain's own connections die with it. */
    for (unsigned i = 0; i < c->tree->clients->len; i++) {
        XsClient *other = g_ptr_array_index(c->tree->clients, i);

        if (other->domid == domid) {
            xenner_xs_client_reset_watches(other);
        }
    }
    xenner_xs_watch_fire_special(c->tree, XS_SPECIAL_RELEASE);
    return 0;
}

int xenner_xs_client_is_introduced(XsClient *c, uint16_t domid,
                                   bool *introduced)
{
    XsDomain *d = g_hash_table_lookup(c->tree->domains,
                                      GUINT_TO_POINTER(domid));

    (void)c;
    *introduced = domid == XS_DOMID_PRIVILEGED || (d && d->introduced);
    return 0;
}

int xenner_xs_client_set_target(XsClient *c, uint16_t domid, uint16_t target)
{
    XsDomain *d;

    if (!xenner_xs_client_privileged(c)) {
        return -EACCES;
    }
    d = g_hash_table_lookup(c->tree->domains, GUINT_TO_POINTER(domid));
    if (!d || !d->introduced) {
        return -ENOENT;
    }
    d->has_target = true;
    d->target = target;
    return 0;
}
