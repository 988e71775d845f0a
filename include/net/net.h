/*
 * Host-side network backends ("netdevs", QEMU's -netdev): tap, user
 * (libslirp) and stream. A netdev carries Ethernet frames between one
 * guest-facing device (the Xen net backend, hw/xen/xen_nic*.c) and the
 * host, each frame with a virtio-net header (struct virtio_net_hdr,
 * <linux/virtio_net.h>, the 10-byte form) that says what offloads it
 * asks for or carries:
 *  - flags VIRTIO_NET_HDR_F_NEEDS_CSUM with csum_start/csum_offset: the
 *    L4 checksum is not filled in yet (netif's NETTXF_csum_blank);
 *  - flags VIRTIO_NET_HDR_F_DATA_VALID: already checked (data_validated);
 *  - gso_type TCPV4/TCPV6 (| ECN) with gso_size and hdr_len: one large
 *    TCP segment still to be cut into gso_size pieces (netif's GSO extra).
 *
 * A netdev that can carry such frames as they are (tap with
 * IFF_VNET_HDR) does; for one that cannot (stream, user) the net core
 * finishes the checksum and cuts the segments in software
 * (net/net-offload.c) before the frame leaves, so the device never
 * needs to care what is on the other side.
 *
 * Towards the guest the device says with net_dev_set_offloads() what its
 * guest accepts (what the frontend negotiated: blank checksums over IPv4
 * and over IPv6, tso4, tso6); tap passes that to the kernel
 * (TUNSETOFFLOAD), so only frames the guest can take arrive whole, and
 * the core finishes the rest: the kernel has one checksum flag for both
 * IP versions, so a frame of the version the guest does not take gets
 * its checksum here.
 *
 * Flow control both ways, without dropping in the core:
 *  - net_dev_send() returns -EAGAIN when the host side is full (a tap's
 *    queue, a stream's socket); the frame was not taken. The device
 *    stops taking requests and the netdev calls ops->writable() once it
 *    can take frames again.
 *  - ops->receive() returns false when the guest has no room (no RX
 *    requests posted); the frame was not taken and the netdev stops
 *    reading that queue until the device calls net_dev_resume().
 *
 * Queues: a netdev has net_dev_queues() queues (tap's queues=N opens N
 * fds with IFF_MULTI_QUEUE; the others have one). The device maps its
 * own queues onto them (queue i to i % n).
 *
 * Everything runs on the one event loop; nothing here blocks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <glib.h>
#include <linux/virtio_net.h>

#include "util/error.h"
#include "util/event-loop.h"
#include "util/qemu-option.h"

typedef struct NetDev NetDev;
typedef struct NetDevList NetDevList;

/* The largest frame a netdev or device handles: a 64 KiB GSO frame. */
#define NET_FRAME_MAX (65535 + 14 + 4)

/* What a guest takes towards it (receive), or a host side accepts. */
typedef struct NetOffloads {
    bool csum4;         /* NEEDS_CSUM over IPv4 (and over neither IP) */
    bool csum6;         /* NEEDS_CSUM over IPv6 */
    bool tso4;          /* GSO TCPV4, with csum4 */
    bool tso6;          /* GSO TCPV6, with csum6 */
    bool ecn;           /* GSO with the ECN bit */
} NetOffloads;

/* The device's side of a netdev. */
typedef struct NetDevPortOps {
    /*
     * A frame for the guest on queue @queue: @hdr (already limited to
     * what net_dev_set_offloads() allowed) and the frame in @iov, at
     * most NET_FRAME_MAX bytes. True when taken (delivered or dropped on
     * purpose, e.g. a failed device); false when there is no room now:
     * the netdev keeps the frame and stops reading @queue until
     * net_dev_resume().
     */
    bool (*receive)(void *opaque, unsigned queue,
                    const struct virtio_net_hdr *hdr,
                    const struct iovec *iov, int iovcnt);
    /* After an -EAGAIN from net_dev_send() on @queue: room again. */
    void (*writable)(void *opaque, unsigned queue);
} NetDevPortOps;

/*
 * Builds every -netdev of the command line (@netdevs: QemuOpts with the
 * type under "type" and "id"), opening their host sides now, so that a
 * bad option or a tap that cannot be created stops start-up.
 */
NetDevList *net_dev_list_new(EventLoop *loop, GPtrArray *netdevs,
                             Error **errp);
void net_dev_list_free(NetDevList *list);
/* The netdev of id @id, or NULL. */
NetDev *net_dev_find(NetDevList *list, const char *id);
/*
 * A netdev made by code rather than the command line (ATTACH's vifD.N
 * tap, -nic): @opts as -netdev would have it. Added to @list.
 */
NetDev *net_dev_add(NetDevList *list, QemuOpts *opts, Error **errp);
/* Closes and removes one netdev (a vif unplugged in ATTACH). */
void net_dev_remove(NetDevList *list, NetDev *nd);

const char *net_dev_id(const NetDev *nd);
/* "tap", "user", "stream". */
const char *net_dev_type(const NetDev *nd);
unsigned net_dev_queues(const NetDev *nd);
/* The tap's interface name (ifname=, or the one the kernel gave), else NULL. */
const char *net_dev_ifname(const NetDev *nd);

/*
 * One device per netdev, as in QEMU ("Property 'netdev' can't take
 * value 'n0', it's in use"): false when another is attached. Reading
 * starts with attach.
 */
bool net_dev_attach(NetDev *nd, const NetDevPortOps *ops, void *opaque,
                    Error **errp);
/* No callback runs after this returns; frames held back are dropped. */
void net_dev_detach(NetDev *nd);

/* What the guest accepts: frames towards it are cut down to this. */
void net_dev_set_offloads(NetDev *nd, const NetOffloads *guest);
/*
 * A frame from the guest on queue @queue (% net_dev_queues()). 0 when
 * taken, -EAGAIN when the host side is full (not taken: ops->writable
 * follows), -EINVAL for a header the frame contradicts (a csum_start
 * past its end, a GSO frame with no TCP header, a gso_size of 0):
 * dropped, and the device answers the guest with an error.
 */
int net_dev_send(NetDev *nd, unsigned queue,
                 const struct virtio_net_hdr *hdr,
                 const struct iovec *iov, int iovcnt);
/* After a refused receive(): the device has room on @queue again. */
void net_dev_resume(NetDev *nd, unsigned queue);

/* -netdev's help text for one type, for -help and `-netdev help`. */
void net_dev_print_help(void);

#endif /* NET_NET_H */
