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
#include <stdbool.h>
#include <stdint.h>

#include "config-host.h"

#include "util/event-loop.h"
#include "util/qemu-option.h"

typedef struct XenMachineState XenMachineState;

/* What the command line asked for, beyond the -M properties. */
typedef struct XenMachineConfig {
    QemuOpts *machine_opts;             /* -M, with the type under "type" */
    GPtrArray *xenstore_guest_sockets;  /* QemuOpts of -xenstore-guest-socket */
    GPtrArray *chardevs;                /* QemuOpts of -chardev */
    GPtrArray *devices;                 /* QemuOpts of -device */
    GPtrArray *drives;                  /* QemuOpts of -drive */
    GPtrArray *netdevs;                 /* QemuOpts of -netdev, "type" implied */
    GPtrArray *xenner_guests;           /* QemuOpts of -xenner-guest */
    GPtrArray *mons;                    /* QemuOpts of -mon (QMP) */
    const char *name;                   /* -name, or NULL */
    const char *vnc;                    /* -vnc (may be "none"), or NULL */
    const char *keymap;                 /* -k, or NULL */
    long xen_domid;                     /* -xen-domid, or -1 */
    bool xen_attach;                    /* -xen-attach */
    bool xen_create;                    /* -xen-create */
    /* The domain -xen-create builds: */
    const char *kernel;                 /* -kernel, or NULL */
    const char *initrd;                 /* -initrd, or NULL */
    const char *append;                 /* -append, or NULL */
    const char *serial;                 /* -serial, or NULL */
    const char *uuid;                   /* -uuid, or NULL */
    uint64_t ram_mb;                    /* -m in MiB, or 0 */
    unsigned smp;                       /* -smp, or 0 */
    bool no_reboot;                     /* -no-reboot */
} XenMachineConfig;

typedef struct XenMachineType {
    const char *name;
    const char *desc;
    const char *const *props;       /* allowed -M properties, "type" first */
    /* Boots -kernel itself (-initrd, -append, -serial, -smp apply). */
    bool boots_kernel;
    /* The domain of its one guest, which -nic defaults to; 0: none. */
    uint16_t guest_domid;
    XenMachineState *(*init)(EventLoop *loop, const XenMachineConfig *cfg,
                             Error **errp);
    void (*cleanup)(XenMachineState *ms);
    /*
     * Optional, after the loop ended: false with the reason when the
     * machine stopped on a failure (a guest crash), so that the process
     * exits non-zero.
     */
    bool (*result)(XenMachineState *ms, Error **errp);
} XenMachineType;

/*
 * Checks what the mode switch needs before anything starts: -xen-attach
 * and -xen-create only with -M xenpv, on a binary built with Xen and a
 * host with /dev/xen; a clear message otherwise.
 */
bool xen_machine_check_mode(const XenMachineType *type,
                            const XenMachineConfig *cfg, Error **errp);

#ifdef CONFIG_XEN
/* -M xenpv -xen-create (hw/xen/xen_machine_create.c). */
typedef struct XenCreateMachine XenCreateMachine;
XenCreateMachine *xen_create_init(EventLoop *loop,
                                  const XenMachineConfig *cfg, Error **errp);
void xen_create_cleanup(XenCreateMachine *cm);
bool xen_create_result(XenCreateMachine *cm, Error **errp);
#endif

#ifdef CONFIG_XENNER
/* The xenner_pv machine (hw/xen/xenner_machine.c). */
extern const char *const xenner_pv_props[];
XenMachineState *xenner_pv_init(EventLoop *loop, const XenMachineConfig *cfg,
                                Error **errp);
void xenner_pv_cleanup(XenMachineState *ms);
/* The xenner_pvh machine: Xenner on KVM (hw/kvm/kvm_machine.c). */
#define XENNER_PVH_DOMID 1
extern const char *const xenner_pvh_props[];
XenMachineState *xenner_pvh_init(EventLoop *loop,
                                 const XenMachineConfig *cfg, Error **errp);
void xenner_pvh_cleanup(XenMachineState *ms);
bool xenner_pvh_result(XenMachineState *ms, Error **errp);
#endif

const XenMachineType *xen_machine_find(const char *name);
/* NULL in a build without any machine type. */
const XenMachineType *xen_machine_default(void);
/* As QEMU's "-M help". */
void xen_machine_print_list(void);

#endif /* HW_XEN_XEN_MACHINE_H */
