/*
 * Machine types: where the Xen services come from. XEN_EMULATE (xenner_pv)
 * is the default; real-Xen machine types join the table in builds with
 * CONFIG_XEN as they are implemented.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_MACHINE_H
#define HW_XEN_XEN_MACHINE_H

#include <glib.h>

#include "util/event-loop.h"
#include "util/qemu-option.h"

typedef struct XenMachineState XenMachineState;

/* What the command line asked for, beyond the -M properties. */
typedef struct XenMachineConfig {
    QemuOpts *machine_opts;             /* -M, with the type under "type" */
    GPtrArray *xenstore_guest_sockets;  /* QemuOpts of -xenstore-guest-socket */
} XenMachineConfig;

typedef struct XenMachineType {
    const char *name;
    const char *desc;
    const char *const *props;       /* allowed -M properties, "type" first */
    XenMachineState *(*init)(EventLoop *loop, const XenMachineConfig *cfg,
                             Error **errp);
    void (*cleanup)(XenMachineState *ms);
} XenMachineType;

const XenMachineType *xen_machine_find(const char *name);
/* NULL in a build without any machine type. */
const XenMachineType *xen_machine_default(void);
/* As QEMU's "-M help". */
void xen_machine_print_list(void);

#endif /* HW_XEN_XEN_MACHINE_H */
