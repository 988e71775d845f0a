/*
 * Xenner internals shared by xenner.c (state, domains) and xenner_ops.c
 * (the ops tables over it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_XENNER_INT_H
#define XENNER_XENNER_INT_H

#include <glib.h>

#include "xenner/xenner.h"

struct Xenner {
    EventLoop *loop;
    XsTree *xenstore;
    XsClient *toolstack;        /* domain 0 acting as the toolstack */
    XennerEvtchn *evtchn;
    GHashTable *domains;        /* domid -> XennerDomain */
    GHashTable *foreign_maps;   /* window address -> domid */
    XenServices services;
};

void xenner_ops_init(Xenner *x);

#endif /* XENNER_XENNER_INT_H */
