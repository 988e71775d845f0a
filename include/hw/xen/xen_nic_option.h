/*
 * -nic, QEMU's shorthand for a -netdev and the NIC on it:
 *
 *   -nic TYPE[,netdev options][,mac=MAC][,model=xen-net-device][,domid=N]
 *   -nic none
 *
 * stands for `-netdev TYPE,id=ID,<netdev options>` and
 * `-device xen-net-device,netdev=ID[,mac=MAC],domid=N`, so the machine
 * sees only what it knows already (and numbers the vif, first free). Pure option handling: no
 * netdev is opened here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_NIC_OPTION_H
#define HW_XEN_XEN_NIC_OPTION_H

#include <stdbool.h>
#include <glib.h>

#include "util/error.h"
#include "util/qemu-option.h"

/* The one NIC model there is; model= takes nothing else (or help). */
#define XEN_NIC_MODEL "xen-net-device"

/* @default_domid for -xen-create: a domain whose id is not known yet. */
#define XEN_NIC_DOMID_BUILT (-2)

/* `-nic ...,model=help`: true when @arg asks for the list of models. */
bool xen_nic_option_wants_help(const char *arg);
/* QEMU's answer to model=help, on stdout. */
void xen_nic_option_print_models(void);

/*
 * Expands -nic @arg, the @index'th -nic of the command line (for the
 * netdev's id, "nic<index>").
 *
 * The guest is domid=, else the only -xenner-guest of @xenner_guests
 * (QemuOpts with "domid"), else @default_domid when it is >= 0
 * (-xen-domid), else with XEN_NIC_DOMID_BUILT the domain -xen-create
 * builds (the device gets no domid=: Xen picks it at the build), else
 * an error.
 *
 * On success *@netdev and *@device are new QemuOpts to append to the
 * -netdev and -device lists, or both NULL for `-nic none`.
 */
bool xen_nic_option_expand(const char *arg, unsigned index,
                           GPtrArray *xenner_guests, long default_domid,
                           QemuOpts **netdev, QemuOpts **device,
                           Error **errp);

#endif /* HW_XEN_XEN_NIC_OPTION_H */
