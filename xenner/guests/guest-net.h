/*
 * The "net" test guest program's network part: a netfront per
 * device/vif/<handle>, and a bridge between vif 0 and vif 1; see
 * programs.h for its keys and what it writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GUESTS_GUEST_NET_H
#define XENNER_GUESTS_GUEST_NET_H

#include <stdbool.h>

#include "util/qemu-option.h"
#include "xenner/guest.h"

typedef struct GuestNet GuestNet;

/* The -xenner-guest keys of the net program. */
#define GUEST_NET_KEYS \
    "net-queues", "net-split", "net-sg", "net-gso", "net-csum", "net-ctrl"

/* Takes the vifs of device/vif, now and as they are hotplugged. */
GuestNet *guest_net_new(XennerGuest *g, QemuOpts *opts, Error **errp);
/* True when @opts has any of the net keys (for other programs). */
bool guest_net_keys_given(QemuOpts *opts);
/* A data/xenner-cmd verb starting with "net-"; false if unknown. */
bool guest_net_command(GuestNet *gn, const char *verb, unsigned handle);
void guest_net_free(GuestNet *gn);

#endif /* XENNER_GUESTS_GUEST_NET_H */
