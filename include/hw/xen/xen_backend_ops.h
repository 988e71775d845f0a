/*
 * The first seam: the Xen services a backend uses, as four ops tables.
 * Real Xen implements them over libxenevtchn, libxengnttab,
 * libxenforeignmemory and libxenstore; Xenner implements them in-process.
 * Backends and the backend core call nothing else to reach a guest.
 *
 * The calls mirror the libraries they stand for, so that the real
 * implementation stays a thin wrapper. They return 0 (or a port) on
 * success and a negative errno on failure, as the data path does
 * everywhere; only opening a handle, which is set-up, takes an Error.
 *
 * Every handle belongs to the thread of the event loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_BACKEND_OPS_H
#define HW_XEN_XEN_BACKEND_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>

#include "util/error.h"
#include "util/event-loop.h"

/* Opaque to callers; each implementation defines them. */
typedef struct XenEvtchnHandle XenEvtchnHandle;
typedef struct XenGnttabHandle XenGnttabHandle;
typedef struct XenXsHandle XenXsHandle;
typedef struct XenXsWatch XenXsWatch;

/* ---- event channels (libxenevtchn) ------------------------------------ */

typedef struct XenEvtchnOps {
    XenEvtchnHandle *(*open)(void *provider, Error **errp);
    void (*close)(XenEvtchnHandle *h);
    /* Readable while pending() has a port to report. */
    int (*get_fd)(XenEvtchnHandle *h);
    /* A new local port connected to @remote_port of @domid. */
    int (*bind_interdomain)(XenEvtchnHandle *h, uint32_t domid,
                            evtchn_port_t remote_port);
    int (*unbind)(XenEvtchnHandle *h, evtchn_port_t port);
    int (*notify)(XenEvtchnHandle *h, evtchn_port_t port);
    /* The next port that fired, masked until unmask(), or -EAGAIN. */
    int (*pending)(XenEvtchnHandle *h);
    int (*unmask)(XenEvtchnHandle *h, evtchn_port_t port);
    /*
     * Optional, for a provider that runs in @loop's thread: from now on,
     * a port that fires schedules @fn(@opaque) as a bottom half of @loop
     * instead of making the fd readable, which saves a wake-up of the
     * loop and two system calls an event. @fn NULL goes back to the fd.
     * Closing the handle cancels a call still due. False when the
     * provider cannot; the caller then polls the fd.
     */
    bool (*set_notifier)(XenEvtchnHandle *h, EventLoop *loop, IOHandler *fn,
                         void *opaque);
} XenEvtchnOps;

/* ---- grant tables (libxengnttab) -------------------------------------- */

/* One segment of a grant copy between a guest's frame and local memory. */
typedef struct XenGrantCopySeg {
    uint32_t ref;
    uint32_t offset;        /* into the granted frame */
    uint32_t len;           /* offset + len stays within the frame */
    void *buf;              /* local memory */
    int status;             /* out: 0 or -errno */
} XenGrantCopySeg;

typedef struct XenGnttabOps {
    XenGnttabHandle *(*open)(void *provider, Error **errp);
    void (*close)(XenGnttabHandle *h);
    /* Bounds how many grants the handle may hold mapped at once. */
    int (*set_max_grants)(XenGnttabHandle *h, uint32_t count);
    /*
     * Maps the frames that @refs of domain @domid grant into one
     * contiguous window of @count pages. Nothing stays mapped on failure.
     */
    int (*map_refs)(XenGnttabHandle *h, uint32_t domid, uint32_t count,
                    const uint32_t *refs, bool writable, void **addr);
    int (*unmap)(XenGnttabHandle *h, void *addr, const uint32_t *refs,
                 uint32_t count);
    /*
     * GNTTABOP_copy, into the guest's frames when @to_domain. Every
     * segment's status is set; the first failure is returned.
     */
    int (*grant_copy)(XenGnttabHandle *h, uint32_t domid, bool to_domain,
                      XenGrantCopySeg *segs, uint32_t count);
} XenGnttabOps;

/* ---- foreign memory (libxenforeignmemory) ----------------------------- */

typedef struct XenForeignMemOps {
    /*
     * Maps @count frames @gfns of @domid, in order, into one window. Only
     * the toolstack-given pages a backend may map this way (the primary
     * console's ring), everything else goes through grants.
     */
    int (*map)(void *provider, uint32_t domid, bool writable,
               uint32_t count, const uint64_t *gfns, void **addr);
    int (*unmap)(void *provider, void *addr, uint32_t count);
} XenForeignMemOps;

/* ---- xenstore (libxenstore) ------------------------------------------- */

#define XEN_XS_TXN_NULL 0u

typedef struct XenXsPerm {
    uint16_t domid;
    uint8_t perms;          /* XEN_XS_PERM_* */
} XenXsPerm;

enum {
    XEN_XS_PERM_NONE = 0,
    XEN_XS_PERM_READ = 1,
    XEN_XS_PERM_WRITE = 2,
};

/*
 * A watch fired for @path. Called from the event loop, never from inside
 * another xenstore call, so it may call any op, unwatch included.
 */
typedef void XenXsWatchFn(void *opaque, const char *path);

typedef struct XenXenstoreOps {
    XenXsHandle *(*open)(void *provider, Error **errp);
    /* Removes the handle's watches and aborts its transactions. */
    void (*close)(XenXsHandle *h);
    /* *value is nul-terminated (binary values keep *len); g_free it. */
    int (*read)(XenXsHandle *h, uint32_t tx, const char *path,
                char **value, size_t *len);
    int (*write)(XenXsHandle *h, uint32_t tx, const char *path,
                 const void *value, size_t len);
    /* *names is NULL-terminated; g_strfreev it. */
    int (*directory)(XenXsHandle *h, uint32_t tx, const char *path,
                     char ***names);
    int (*mkdir)(XenXsHandle *h, uint32_t tx, const char *path);
    int (*rm)(XenXsHandle *h, uint32_t tx, const char *path);
    /* *perms is g_free'd by the caller; entry 0 names the owner. */
    int (*get_perms)(XenXsHandle *h, uint32_t tx, const char *path,
                     XenXsPerm **perms, unsigned *count);
    int (*set_perms)(XenXsHandle *h, uint32_t tx, const char *path,
                     const XenXsPerm *perms, unsigned count);
    /* Fires once at registration, as xenstored does. */
    int (*watch)(XenXsHandle *h, const char *path, XenXsWatchFn *fn,
                 void *opaque, XenXsWatch **watch);
    /* No event of @watch is delivered after this returns. */
    void (*unwatch)(XenXsHandle *h, XenXsWatch *watch);
    int (*transaction_start)(XenXsHandle *h, uint32_t *tx);
    /* -EAGAIN when a committed transaction conflicted: retry it. */
    int (*transaction_end)(XenXsHandle *h, uint32_t tx, bool abort);
    /* "/local/domain/<domid>"; g_free it. */
    char *(*get_domain_path)(XenXsHandle *h, uint32_t domid);
} XenXenstoreOps;

/* One source of Xen services: real Xen or Xenner. */
typedef struct XenServices {
    const char *name;                   /* "xen", "xenner" */
    const XenEvtchnOps *evtchn;
    const XenGnttabOps *gnttab;
    const XenForeignMemOps *foreignmem;
    const XenXenstoreOps *xenstore;
    void *provider;                     /* passed to open/map */
} XenServices;

#endif /* HW_XEN_XEN_BACKEND_OPS_H */
