/*
 * The Xen net backend (netif, backend/vif): a guest's vif on one of the
 * host's netdevs (include/net/net.h).
 *
 * It offers what Linux's netback offers (scatter-gather, checksum
 * offload, GSO, several queues, split event channels, the control ring
 * with Toeplitz hashing, multicast filtering, carrier, mtu and a TX rate
 * limit) and keeps netback's rules for what a frontend may send, but a
 * frontend that breaks them fails its own device, never the process.
 *
 * hw/xen/xen_nic.c negotiates (docs/net.md, "The Xen net backend");
 * hw/xen/xen_nic_dp.c moves the frames; the wire formats are pure code
 * in hw/xen/xen_netif.c and hw/xen/xen_nic_ctrl.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_XEN_XEN_NIC_H
#define HW_XEN_XEN_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/xen/xen_backend.h"
#include "net/net.h"
#include "util/error.h"
#include "util/qemu-option.h"

#define XEN_NIC_MAX_QUEUES 8

/* The -device xen-net-device options, or what xen_nic_create() is told. */
typedef struct XenNicOpts {
    bool has_mac;
    uint8_t mac[6];
    unsigned max_queues;        /* 0: as many as the netdev has */
    unsigned mtu;               /* 0: not set (1500) */
    uint64_t rate_bytes;        /* per rate_usec; 0: no limit */
    uint64_t rate_usec;
    /*
     * A queue with frames waiting and no RX requests drops them after
     * rx_drain_ms and is stalled (carrier off) after rx_stall_ms; 0 is
     * netback's 10 s and 60 s. Not on the command line: for tests.
     */
    unsigned rx_drain_ms;
    unsigned rx_stall_ms;
} XenNicOpts;

/* The vifs of one backend domain and the netdevs they are on. */
typedef struct XenNicHost XenNicHost;

XenNicHost *xen_nic_host_new(NetDevList *nets);
void xen_nic_host_free(XenNicHost *host);

/*
 * Serves backend/vif. A vif that xen_nic_create() did not make (libxl's,
 * in ATTACH) gets a tap of its own named vif<domid>.<devid>, made when
 * the device appears and removed when it goes, so libxl's vif-bridge
 * script finds the interface it expects.
 */
bool xen_nic_register(XenBackend *be, XenNicHost *host, Error **errp);

/*
 * The dom0 kernel's xen-netback serves backend/vif itself: ATTACH then
 * leaves vifs to it rather than race it for them.
 */
bool xen_nic_kernel_netback_loaded(void);

/* The lowest vif number of guest @domid xen_nic_create() has not used. */
unsigned xen_nic_free_devid(XenBackend *be, XenNicHost *host, uint16_t domid);
/*
 * The toolstack's part (EMULATE, -device): writes vif @devid of guest
 * @domid as libxl does, on netdev @nd; false when @nd is taken by
 * another vif already (one device per netdev, as in QEMU) or the guest
 * has vif @devid.
 */
bool xen_nic_create(XenBackend *be, XenNicHost *host, uint16_t domid,
                    unsigned devid, NetDev *nd, const XenNicOpts *opts,
                    Error **errp);

/*
 * -device xen-net-device's keys beyond driver, netdev and domid, and
 * their parser: @opts and @devid (default 0).
 */
extern const char *const xen_nic_device_keys[];
bool xen_nic_device_parse(QemuOpts *qopts, XenNicOpts *opts, unsigned *devid,
                          Error **errp);

/* -device's name for it. */
#define XEN_NIC_DEVICE "xen-net-device"

/*
 * -device xen-net-device for guest @domid (EMULATE, XEN_CREATE): its
 * keys checked (domid= is the caller's to read or refuse), its netdev=
 * found among @host's netdevs, the vif numbered as libxl would (the first
 * free) unless devid= says, and written with xen_nic_create().
 */
bool xen_nic_device_add(XenBackend *be, XenNicHost *host, QemuOpts *qopts,
                        uint16_t domid, Error **errp);
/*
 * The same checks without a backend, so that a machine can refuse bad
 * options before it builds anything.
 */
bool xen_nic_device_check(XenNicHost *host, QemuOpts *qopts, Error **errp);

/* "52:54:00:12:34:56" into @mac; false for anything else. */
bool xen_nic_parse_mac(const char *s, uint8_t mac[6]);
/* libxl's `rate` key, "bytes,usec"; false for anything else. */
bool xen_nic_parse_rate(const char *s, uint64_t *bytes, uint64_t *usec);

#endif /* HW_XEN_XEN_NIC_H */
