/*
 * Xenner: the emulated hypervisor's state, and the toolstack's part in
 * building and destroying a domain.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xenner/xenner.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "xenner/xenner_int.h"

typedef struct XennerDomain {
    uint16_t domid;
    XennerMem *mem;
    XennerGnttab *gnttab;
    bool attached;              /* mem and gnttab are the machine's */
} XennerDomain;

static void xenner_domain_free(gpointer p)
{
    XennerDomain *d = p;

    if (d->attached) {
        g_free(d);
        return;
    }
    if (d->gnttab) {
        xenner_gnttab_free(d->gnttab);
    }
    if (d->mem) {
        xenner_mem_free(d->mem);
    }
    g_free(d);
}

Xenner *xenner_new(EventLoop *loop, XsTree *xenstore, Error **errp)
{
    Xenner *x = g_new0(Xenner, 1);

    x->loop = loop;
    x->xenstore = xenstore;
    x->toolstack = xenner_xs_client_new(xenstore, 0, NULL, NULL);
    x->evtchn = xenner_evtchn_new();
    x->domains = g_hash_table_new_full(NULL, NULL, NULL, xenner_domain_free);
    x->foreign_maps = g_hash_table_new(NULL, NULL);
    xenner_ops_init(x);
    if (!xenner_evtchn_add_domain(x->evtchn, 0,
                                  XENNER_EVTCHN_NR_PORTS_DEFAULT, errp)) {
        xenner_free(x);
        return NULL;
    }
    return x;
}

void xenner_free(Xenner *x)
{
    if (!x) {
        return;
    }
    g_hash_table_destroy(x->domains);
    g_hash_table_destroy(x->foreign_maps);
    xenner_evtchn_free(x->evtchn);
    xenner_xs_client_free(x->toolstack);
    g_free(x);
}

EventLoop *xenner_loop(Xenner *x)
{
    return x->loop;
}

XsTree *xenner_xenstore(Xenner *x)
{
    return x->xenstore;
}

XennerEvtchn *xenner_evtchn(Xenner *x)
{
    return x->evtchn;
}

const XenServices *xenner_services(Xenner *x)
{
    return &x->services;
}

static XennerDomain *domain_lookup(Xenner *x, uint16_t domid)
{
    return g_hash_table_lookup(x->domains, GUINT_TO_POINTER(domid));
}

/* Whether @domid can be a new guest domain of @x. */
static bool domid_is_free(Xenner *x, uint16_t domid, Error **errp)
{
    if (domid == 0 || domid >= DOMID_FIRST_RESERVED) {
        error_setg(errp, "domid %u is not a guest domain id", domid);
        return false;
    }
    if (domain_lookup(x, domid)) {
        error_setg(errp, "domain %u already exists", domid);
        return false;
    }
    return true;
}

bool xenner_domain_attach(Xenner *x, uint16_t domid, XennerMem *mem,
                          XennerGnttab *gnttab, Error **errp)
{
    XennerDomain *d;

    if (!domid_is_free(x, domid, errp)) {
        return false;
    }
    d = g_new0(XennerDomain, 1);
    d->domid = domid;
    d->mem = mem;
    d->gnttab = gnttab;
    d->attached = true;
    g_hash_table_insert(x->domains, GUINT_TO_POINTER(domid), d);
    return true;
}

void xenner_domain_detach(Xenner *x, uint16_t domid)
{
    XennerDomain *d = domain_lookup(x, domid);

    if (d && d->attached) {
        g_hash_table_remove(x->domains, GUINT_TO_POINTER(domid));
    }
}

bool xenner_domain_exists(Xenner *x, uint16_t domid)
{
    return domain_lookup(x, domid) != NULL;
}

XennerMem *xenner_domain_mem(Xenner *x, uint16_t domid)
{
    XennerDomain *d = domain_lookup(x, domid);

    return d ? d->mem : NULL;
}

XennerGnttab *xenner_domain_gnttab(Xenner *x, uint16_t domid)
{
    XennerDomain *d = domain_lookup(x, domid);

    return d ? d->gnttab : NULL;
}

/*
 * The layout libxl gives a PV domain: the domain's directory and its
 * control nodes are the toolstack's and readable by the guest; the nodes
 * a guest writes (data, drivers, feature, attr, error, control/shutdown
 * and the control/feature-* it answers in) are its own.
 */
static int xenstore_make_domain(Xenner *x, uint16_t domid, const char *name)
{
    static const char *const toolstack_owned[] = { "device", "control" };
    static const char *const guest_owned[] = {
        "data", "drivers", "feature", "attr", "error", "control/shutdown",
        "control/feature-poweroff", "control/feature-reboot",
        "control/feature-suspend", "control/sysrq",
    };
    const XsPerm ro[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
    const XsPerm rw[1] = { { domid, XS_PERM_NONE } };
    g_autofree char *dom_path = xenner_xs_domain_path(domid);
    g_autofree char *domid_str = g_strdup_printf("%u", domid);
    XsClient *c = x->toolstack;
    uint32_t tx;
    int ret;

again:
    ret = xenner_xs_client_transaction_start(c, &tx);
    if (ret) {
        return ret;
    }
    xenner_xs_client_rm(c, tx, dom_path);
    ret = xenner_xs_client_mkdir(c, tx, dom_path);
    ret = ret ?: xenner_xs_client_set_perms(c, tx, dom_path, ro, 2);
    for (size_t i = 0; !ret && i < G_N_ELEMENTS(toolstack_owned); i++) {
        g_autofree char *p = g_strdup_printf("%s/%s", dom_path,
                                             toolstack_owned[i]);

        ret = xenner_xs_client_mkdir(c, tx, p)
                  ?: xenner_xs_client_set_perms(c, tx, p, ro, 2);
    }
    for (size_t i = 0; !ret && i < G_N_ELEMENTS(guest_owned); i++) {
        g_autofree char *p = g_strdup_printf("%s/%s", dom_path,
                                             guest_owned[i]);

        ret = xenner_xs_client_mkdir(c, tx, p)
                  ?: xenner_xs_client_set_perms(c, tx, p, rw, 1);
    }
    if (!ret) {
        g_autofree char *p = g_strdup_printf("%s/name", dom_path);
        g_autofree char *q = g_strdup_printf("%s/domid", dom_path);

        ret = xenner_xs_client_write(c, tx, p, name, strlen(name)) ?:
              xenner_xs_client_set_perms(c, tx, p, ro, 2) ?:
              xenner_xs_client_write(c, tx, q, domid_str, strlen(domid_str)) ?:
              xenner_xs_client_set_perms(c, tx, q, ro, 2);
    }
    if (ret) {
        xenner_xs_client_transaction_end(c, tx, false);
        return ret;
    }
    ret = xenner_xs_client_transaction_end(c, tx, true);
    if (ret == -EAGAIN) {
        goto again;
    }
    return ret ?: xenner_xs_client_introduce(c, domid);
}

bool xenner_domain_create(Xenner *x, uint16_t domid, const char *name,
                          uint64_t mem_frames, Error **errp)
{
    uint64_t table[XENNER_DOMAIN_GNTTAB_FRAMES];
    XennerDomain *d;
    int ret;

    if (!domid_is_free(x, domid, errp)) {
        return false;
    }
    if (mem_frames <= XENNER_DOMAIN_GNTTAB_FRAMES) {
        error_setg(errp, "domain %u needs more than %u frames of memory",
                   domid, XENNER_DOMAIN_GNTTAB_FRAMES);
        return false;
    }
    d = g_new0(XennerDomain, 1);
    d->domid = domid;
    d->mem = xenner_mem_new(mem_frames, errp);
    if (!d->mem ||
        !xenner_mem_alloc_frames(d->mem, XENNER_DOMAIN_GNTTAB_FRAMES, table,
                                 errp)) {
        goto fail;
    }
    d->gnttab = xenner_gnttab_new(d->mem, domid, table,
                                  XENNER_DOMAIN_GNTTAB_FRAMES, errp);
    if (!d->gnttab ||
        !xenner_evtchn_add_domain(x->evtchn, domid,
                                  XENNER_EVTCHN_NR_PORTS_DEFAULT, errp)) {
        goto fail;
    }
    g_hash_table_insert(x->domains, GUINT_TO_POINTER(domid), d);
    ret = xenstore_make_domain(x, domid, name);
    if (ret) {
        error_setg(errp,
                   "cannot write the xenstore entries of domain %u: "
                   "%s",
                   domid, xenner_xs_errno_name(-ret));
        xenner_domain_destroy(x, domid);
        return false;
    }
    return true;

fail:
    xenner_domain_free(d);
    return false;
}

void xenner_domain_destroy(Xenner *x, uint16_t domid)
{
    g_autofree char *dom_path = xenner_xs_domain_path(domid);

    if (!domain_lookup(x, domid)) {
        return;
    }
    xenner_evtchn_remove_domain(x->evtchn, domid, NULL);
    xenner_xs_client_release(x->toolstack, domid);
    xenner_xs_client_rm(x->toolstack, 0, dom_path);
    g_hash_table_remove(x->domains, GUINT_TO_POINTER(domid));
}
