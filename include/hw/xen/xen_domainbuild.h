/*
 * XEN_CREATE's toolstack part: builds a PV domain with libxenctrl and
 * libxenguest, writes its xenstore tree as libxl leaves it, introduces
 * it to xenstored, and takes it all down again. The devices are the
 * machine's (hw/xen/xen_machine_create.c); this file knows nothing of
 * backends.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_DOMAINBUILD_H
#define HW_XEN_XEN_DOMAINBUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* What the command line says about the domain. */
typedef struct XenDomainConfig {
    const char *kernel;         /* -kernel: a PV (ELF or bzImage) kernel */
    const char *initrd;         /* -initrd, or NULL */
    const char *cmdline;        /* -append, or NULL */
    const char *name;           /* -name */
    char uuid[37];              /* -uuid, or a random one */
    unsigned mem_mb;            /* -m */
    unsigned vcpus;             /* -smp */
} XenDomainConfig;

/* One built domain: what the devices and xenstore need of it. */
typedef struct XenDomain {
    uint32_t domid;
    uint64_t console_ring_mfn;       /* the primary console's ring */
    uint32_t console_port;      /* its unbound port, for dom0 */
    uint64_t store_mfn;
    uint32_t store_port;
} XenDomain;

typedef enum XenDomainRunState {
    XEN_DOMAIN_RUNNING,         /* running, blocked or paused */
    XEN_DOMAIN_SHUTDOWN,        /* stopped; *reason is SHUTDOWN_* */
    XEN_DOMAIN_GONE,            /* destroyed, dying, or not there */
} XenDomainRunState;

typedef struct XenDomainBuilder XenDomainBuilder;

/*
 * Opens libxenctrl and a xenstore connection; refuses, with a message a
 * user can act on, a host without Xen or without a running xenstored.
 */
XenDomainBuilder *xen_domain_builder_new(Error **errp);
void xen_domain_builder_free(XenDomainBuilder *b);
/* The domain our backends run in (0 in dom0): the console's peer. */
uint32_t xen_domain_builder_backend_domid(XenDomainBuilder *b);

/*
 * The checks a start-up can make before anything is built: the kernel
 * and initrd readable, the memory there on the host. Fills a random
 * uuid when @cfg has none.
 */
bool xen_domain_check(XenDomainBuilder *b, XenDomainConfig *cfg,
                      Error **errp);

/*
 * Creates and builds the domain, paused, with its xenstore tree, and
 * introduces it to xenstored. @created is called with the domid as soon
 * as the domain exists, so that a watcher can destroy it should we die
 * half-way. On failure nothing is left behind.
 */
bool xen_domain_build(XenDomainBuilder *b, const XenDomainConfig *cfg,
                      void (*created)(void *opaque, uint32_t domid),
                      void *opaque, XenDomain *dom, Error **errp);
bool xen_domain_unpause(XenDomainBuilder *b, uint32_t domid, Error **errp);
/* Stops its vCPUs, so that its devices can go before it does. */
void xen_domain_pause(XenDomainBuilder *b, uint32_t domid);
/*
 * Destroys @domid (if it still exists) and removes what we wrote for it
 * in xenstore, its device directories under /local/domain/0/backend
 * included. Safe to call twice.
 */
void xen_domain_destroy(XenDomainBuilder *b, uint32_t domid);
XenDomainRunState xen_domain_run_state(XenDomainBuilder *b, uint32_t domid,
                                       unsigned *reason);
/* "poweroff", "reboot", "crash", ... for a SHUTDOWN_* code. */
const char *xen_domain_shutdown_name(unsigned reason);
/*
 * Asks the guest to shut down as xl shutdown does: control/shutdown,
 * which its kernel watches.
 */
bool xen_domain_request_shutdown(XenDomainBuilder *b, uint32_t domid,
                                 const char *how, Error **errp);

/*
 * The watcher: a small process forked before anything else starts,
 * which destroys the domain it was last told about once its pipe to us
 * closes without a goodbye, i.e. when qemu-xenpv died without cleaning
 * up (SIGKILL, a crash).
 */
typedef struct XenDomainWatcher XenDomainWatcher;

XenDomainWatcher *xen_domain_watcher_start(Error **errp);
/* The domain to destroy from now on; XEN_DOMAIN_WATCH_NONE: none. */
#define XEN_DOMAIN_WATCH_NONE UINT32_MAX
void xen_domain_watcher_track(XenDomainWatcher *w, uint32_t domid);
/* Says goodbye (nothing to destroy) and reaps the process. */
void xen_domain_watcher_stop(XenDomainWatcher *w);

#endif /* HW_XEN_XEN_DOMAINBUILD_H */
