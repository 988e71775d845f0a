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
    /*
     * The domain's own clients die with it, as its ring does on Xen: a
     * client of the domain introduced anew must not inherit them.
     */
    for (unsigned i = 0; i < c->tree->clients->len; i++) {
        XsClient *other = g_ptr_array_index(c->tree->clients, i);

        if (other->domid == domid && !other->released) {
            other->released = true;
            xenner_xs_client_reset_watches(other);
            if (other->released_fn) {
                other->released_fn(other->opaque);
            }
        }
    }
    xenner_xs_watch_fire_special(c->tree, XS_SPECIAL_RELEASE);
    return 0;
}

bool xenner_xs_tree_is_introduced(XsTree *tree, uint16_t domid)
{
    XsDomain *d = g_hash_table_lookup(tree->domains, GUINT_TO_POINTER(domid));

    return domid == XS_DOMID_PRIVILEGED || (d && d->introduced);
}

int xenner_xs_client_is_introduced(XsClient *c, uint16_t domid,
                                   bool *introduced)
{
    *introduced = xenner_xs_tree_is_introduced(c->tree, domid);
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
