/*
 * The backend core's insides, shared by its state machine
 * (xen_backend.c) and its event channel and grant helpers
 * (xen_device_io.c). Backends never see these.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_BACKEND_INT_H
#define HW_XEN_XEN_BACKEND_INT_H

#include <glib.h>

#include "hw/xen/xen_backend.h"

typedef struct BackendType {
    XenBackend *be;
    const XenDevOps *ops;
    void *opaque;
    char *path;                 /* /local/domain/<be>/backend/<type> */
    XenXsWatch *watch;
} BackendType;

struct XenBackend {
    EventLoop *loop;
    const XenServices *svc;
    uint16_t domid;
    int only_fe_domid;          /* -1: every frontend domain */
    XenXsHandle *xs;
    GPtrArray *types;           /* BackendType */
    GHashTable *devices;        /* be_path -> XenDevice */
    RateLimit guest_errors;     /* one budget for every guest's mistakes */
};

struct XenDeviceCore {
    BackendType *type;
    XenXsWatch *be_watch;
    XenXsWatch *fe_watch;
    XenEvtchnHandle *evtchn;
    bool evtchn_direct;         /* the provider calls us, no fd */
    GPtrArray *channels;        /* XenDeviceChannel */
    XenDeviceChannel *main_channel;     /* xen_device_bind_evtchn()'s */
    XenGnttabHandle *gnttab;
    bool online;
    bool inited;                /* init() succeeded, free() owed */
    bool connected;             /* initialise() ran, disconnect() owed */
    bool failed;
    /*
     * Set on failure: the frontend must close before it gets another
     * chance, so that one that sits in Initialising cannot make us fail
     * it again and again.
     */
    bool await_fe_closed;
    bool claimed;               /* false: someone else's device */
};

/* Unbinds every channel and closes the device's event channel handle. */
void xen_device_close_evtchn(XenDevice *xd);

#endif /* HW_XEN_XEN_BACKEND_INT_H */
