/*
 * The backend core: finds devices in xenstore, runs the xenbus state
 * machine for each, and gives backends checked helpers for their rings.
 * A backend registers a XenDevOps table (the second seam) and never
 * writes its own `state`: the core owns it.
 *
 *  Initialising --init--> InitWait --initialise--> Connected
 *        (hotplug-status=connected)   (frontend Initialised/Connected)
 *  Connected --frontend Closing--> Closing --frontend Closed--> Closed
 *  Closed --frontend Initialising--> InitWait        (reconnect)
 *  Connected --frontend Initialising--> Closing -> Closed -> InitWait
 *                                                    (kexec)
 *  any --online=0--> Closing/Closed, then the device is unplugged
 *
 * A failure of one device (xen_device_fail(), a failed callback) writes
 * `error` in its backend directory and closes that device only.
 *
 * Every transition, with its cause, and every key read is traced in the
 * xen-backend domain (-trace xen-backend; docs/devel/backend-core.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_BACKEND_H
#define HW_XEN_XEN_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/io/xenbus.h>

#include "hw/xen/xen_backend_ops.h"
#include "util/error.h"
#include "util/event-loop.h"

typedef struct XenBackend XenBackend;
typedef struct XenDevice XenDevice;
typedef struct XenDevOps XenDevOps;
typedef struct XenDeviceCore XenDeviceCore;

/* Every backend's device struct starts with this. */
struct XenDevice {
    XenBackend *backend;
    const XenDevOps *ops;
    const XenServices *svc;
    void *type_opaque;          /* given to xen_backend_register() */
    uint16_t fe_domid;
    unsigned devid;
    char *be_path;
    char *fe_path;
    enum xenbus_state be_state;
    enum xenbus_state fe_state;
    /*
     * Set by a backend in init() for a frontend without a state node
     * (the primary console): initialise() then runs once init did.
     */
    bool ignore_fe_state;
    XenDeviceCore *core;        /* the core's own state */
};

struct XenDevOps {
    const char *type;           /* the backend/<type> directory */
    size_t size;                /* of the backend's device struct */
    /*
     * Optional: false leaves the device to someone else (a console of
     * type xenconsoled); the core then never touches it.
     */
    bool (*claim)(XenDevice *xd);
    /*
     * Initialising: read the backend's configuration, open the host
     * side. The contract: init() runs only while no successful init()
     * is outstanding, i.e. once for a new device (the struct zeroed but
     * for XenDevice) and again only after it failed, once the frontend
     * starts over. It never runs twice without a failure between, so it
     * needs no re-entry guard; but a failing init() must undo all it
     * did, since free() is not called for it and init() may run again
     * on the same struct.
     */
    bool (*init)(XenDevice *xd, Error **errp);
    /* The frontend is ready: map its ring, bind its port. */
    bool (*initialise)(XenDevice *xd, Error **errp);
    void (*connected)(XenDevice *xd);
    /* The port bound with xen_device_bind_evtchn() fired. */
    void (*event)(XenDevice *xd);
    /* Undoes initialise(); may run after a partial one. */
    void (*disconnect)(XenDevice *xd);
    /*
     * Undoes a successful init(), and is called only after one; the core
     * frees the struct.
     */
    void (*free)(XenDevice *xd);
    /* Optional: a key in the frontend's or backend's directory changed. */
    void (*frontend_changed)(XenDevice *xd);
    void (*backend_changed)(XenDevice *xd);
};

/* The core of one backend domain (0 in EMULATE and for dom0 backends). */
XenBackend *xen_backend_new(EventLoop *loop, const XenServices *svc,
                            uint16_t be_domid, Error **errp);
/* Disconnects and frees every device. */
void xen_backend_free(XenBackend *be);
/*
 * Serves the devices of frontend domain @fe_domid only, as a device
 * model attached to one domain does: another process (a device model of
 * another domain, dom0's own) serves the rest of backend/<type>. Call
 * before the first xen_backend_register().
 */
void xen_backend_serve_domain(XenBackend *be, uint16_t fe_domid);
/* Starts discovery of backend/<ops->type>. */
bool xen_backend_register(XenBackend *be, const XenDevOps *ops,
                          void *type_opaque, Error **errp);
EventLoop *xen_backend_loop(XenBackend *be);
uint16_t xen_backend_domid(XenBackend *be);
/* The device of @type for frontend @fe_domid number @devid, or NULL. */
XenDevice *xen_backend_find_device(XenBackend *be, const char *type,
                                   uint16_t fe_domid, unsigned devid);

/*
 * The toolstack's part, for EMULATE mode and -device: writes a device's
 * backend and frontend directories in one transaction, as libxl does.
 * @fe_path NULL means <domain>/device/<type>/<devid>. Each list holds
 * key, value pairs and ends with NULL: @be_keys go in the backend
 * directory, @fe_keys in the frontend's (the guest's to write) and
 * @fe_ro_keys in the frontend's, read-only for the guest.
 */
bool xen_backend_create_device(XenBackend *be, const char *type,
                               uint16_t fe_domid, unsigned devid,
                               const char *fe_path,
                               const char *const *be_keys,
                               const char *const *fe_keys,
                               const char *const *fe_ro_keys, Error **errp);

/* ---- helpers for backends ------------------------------------------- */

/* A key of the frontend's or backend's directory; NULL when absent. */
char *xen_device_fe_read(XenDevice *xd, const char *key);
char *xen_device_be_read(XenDevice *xd, const char *key);
/*
 * Reads a decimal number no larger than @max, as parse_decimal() in
 * util/parse.h does: "010" is 10; signs, spaces, 0x and junk refused.
 */
bool xen_device_fe_read_uint(XenDevice *xd, const char *key, uint64_t max,
                             uint64_t *value, Error **errp);
/*
 * The same for a key the frontend may leave out: @dflt when it is
 * absent. The key is read once, so what was checked is what is used.
 */
bool xen_device_fe_read_uint_opt(XenDevice *xd, const char *key,
                                 uint64_t max, uint64_t dflt,
                                 uint64_t *value, Error **errp);
/*
 * True when the toolstack wrote @key of the frontend's directory: the
 * guest could not have (it lacks write access). Keys that steer the host
 * side (a console's output) must pass this check.
 */
bool xen_device_fe_key_is_trusted(XenDevice *xd, const char *key);
int xen_device_be_printf(XenDevice *xd, const char *key, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));
int xen_device_fe_printf(XenDevice *xd, const char *key, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

/* Binds @remote_port of the frontend; events then reach ops->event. */
int xen_device_bind_evtchn(XenDevice *xd, evtchn_port_t remote_port);
void xen_device_unbind_evtchn(XenDevice *xd);
int xen_device_notify(XenDevice *xd);

/*
 * For backends with several rings (a disk's queues): each binds its own
 * port, whose events reach @fn. Channels are unbound with the device's
 * disconnect at the latest.
 */
typedef struct XenDeviceChannel XenDeviceChannel;
typedef void XenDeviceEventFn(XenDevice *xd, void *opaque);

int xen_device_bind_channel(XenDevice *xd, evtchn_port_t remote_port,
                            XenDeviceEventFn *fn, void *opaque,
                            XenDeviceChannel **chan);
void xen_device_unbind_channel(XenDevice *xd, XenDeviceChannel *chan);
int xen_device_channel_notify(XenDevice *xd, XenDeviceChannel *chan);
/*
 * Holds @chan's port masked, or releases it: a held port is not
 * unmasked after its next event, so a guest notifying it in a loop wakes
 * nothing until the release (XSA-332, an event storm). Whatever came
 * meanwhile is delivered once at the release. Unbinding releases.
 */
void xen_device_channel_hold(XenDevice *xd, XenDeviceChannel *chan,
                             bool hold);

/* Maps grant refs of the frontend through the device's gnttab handle. */
int xen_device_map_refs(XenDevice *xd, const uint32_t *refs, unsigned count,
                        bool writable, void **addr);
int xen_device_unmap_refs(XenDevice *xd, void *addr, const uint32_t *refs,
                          unsigned count);
/* Grant copy between the frontend's frames and local memory. */
int xen_device_grant_copy(XenDevice *xd, bool to_domain,
                          XenGrantCopySeg *segs, unsigned count);

/*
 * The guest broke the protocol (or the host side failed): logs at a
 * limited rate, writes `error`, and closes this device from the event
 * loop, after the caller has returned. Safe from any callback.
 */
void xen_device_fail(XenDevice *xd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool xen_device_failed(XenDevice *xd);

const char *xenbus_state_name(enum xenbus_state state);

#endif /* HW_XEN_XEN_BACKEND_H */
