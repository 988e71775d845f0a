/*
 * Inside the net core: what a netdev type (tap, stream, user) provides
 * and what the core gives it back. Devices never include this; they see
 * include/net/net.h only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NET_NET_INT_H
#define NET_NET_INT_H

#include "net/net.h"
#include "net/net-offload.h"

/* The most queues a netdev opens (tap's queues=N). */
#define NET_QUEUES_MAX 16

typedef struct NetDevClass {
    const char *type;               /* "tap", "stream", "user" */
    const char *const *keys;        /* accepted besides "type" and "id" */
    /*
     * Opens the host side from @opts (keys already checked): sets
     * nd->state and, where they differ from the defaults (1 queue, no
     * virtio-net header), nd->queues, nd->vnet_hdr and nd->ifname.
     * On failure the core calls close() after it.
     */
    bool (*open)(NetDev *nd, QemuOpts *opts, Error **errp);
    void (*close)(NetDev *nd);
    /* Attach and detach: start and stop reading every queue. */
    void (*start)(NetDev *nd);
    void (*stop)(NetDev *nd);
    /* Read @queue again after net_dev_deliver() returned false. */
    void (*resume)(NetDev *nd, unsigned queue);
    /*
     * One frame towards the host, at most NET_FRAME_MAX bytes. @hdr is
     * NULL unless nd->vnet_hdr (then the frame's own header, checked
     * against the frame). 0 when taken (sent, or dropped on purpose as
     * with no peer), -EAGAIN when full: not taken, and the type calls
     * net_dev_host_writable() once there is room.
     */
    int (*send)(NetDev *nd, unsigned queue, const struct virtio_net_hdr *hdr,
                const struct iovec *iov, int iovcnt);
    /* Optional: what the guest accepts (tap: TUNSETOFFLOAD). */
    void (*set_offloads)(NetDev *nd, const NetOffloads *guest);
} NetDevClass;

extern const NetDevClass net_stream_class;
extern const NetDevClass net_tap_class;
extern const NetDevClass net_slirp_class;

/* A frame held back, whole or being cut into segments. */
typedef struct NetHeld {
    uint8_t *buf;                   /* NET_FRAME_MAX, on first use */
    size_t len;
    struct virtio_net_hdr hdr;
    bool held;                      /* buf waits to be passed on */
    bool cutting;                   /* buf is a GSO frame cut by gso */
    NetGso gso;
    uint8_t *seg;                   /* the segment cut and not taken yet */
    size_t seg_len;                 /* 0: none */
} NetHeld;

typedef struct NetQueue {
    NetDev *nd;
    unsigned index;
    NetHeld rx;                     /* towards the guest, refused */
    NetHeld tx;                     /* towards the host, being cut */
    bool tx_blocked;                /* -EAGAIN given: writable() owed */
} NetQueue;

struct NetDev {
    NetDevList *list;
    const NetDevClass *cls;
    EventLoop *loop;
    char *id;
    char *ifname;                   /* tap's interface, else NULL */
    unsigned queues;
    bool vnet_hdr;                  /* the host side takes offloads as they are */
    void *state;                    /* the type's */
    NetOffloads guest;              /* net_dev_set_offloads() */
    const NetDevPortOps *port;      /* the attached device, or NULL */
    void *port_opaque;
    NetQueue q[NET_QUEUES_MAX];
    RateLimit bad_rl;               /* frames dropped as malformed */
};

/*
 * A frame from the host side for the guest on @queue (@hdr NULL: none).
 * True when taken; false when the device has no room: the core keeps
 * the frame and the type stops reading @queue until cls->resume(). The
 * core keeps one frame per queue: one delivered while it holds another
 * is refused and not kept (a type that cannot stop, slirp, loses it).
 */
bool net_dev_deliver(NetDev *nd, unsigned queue,
                     const struct virtio_net_hdr *hdr,
                     const struct iovec *iov, int iovcnt);
/* After a send() of -EAGAIN on @queue: the host side has room again. */
void net_dev_host_writable(NetDev *nd, unsigned queue);

/*
 * A list over @classes (NULL-terminated) instead of the built-in types:
 * for tests of the core with a type of their own.
 */
NetDevList *net_dev_list_new_classes(EventLoop *loop,
                                     const NetDevClass *const *classes,
                                     GPtrArray *netdevs, Error **errp);

size_t net_iov_size(const struct iovec *iov, int iovcnt);
/* Copies the first @len bytes of @iov (which has at least them) to @buf. */
void net_iov_to_buf(const struct iovec *iov, int iovcnt, uint8_t *buf,
                    size_t len);

#endif /* NET_NET_INT_H */
