/*
 * A PVH guest's xenstore ring over Xenner's xenstore.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_store.h"

#include <glib.h>

#include "hw/xen/xen_ring.h"
#include "util/error.h"
#include "xenner/xs_wire.h"

/*
 * Replies held back for a guest that does not read them: beyond this
 * (watch events pile up too) the guest loses its xenstore connection.
 */
#define PVH_STORE_BACKLOG_MAX (1u << 20)

struct PvhStore {
    struct xenstore_domain_interface *intf;
    XennerEvtchnHandle *be;
    evtchn_port_t port;
    uint16_t domid;
    XsWireConn *conn;
    GByteArray *out;            /* replies not yet in the ring */
    bool broken;
};

static void store_fail(PvhStore *s, const char *why)
{
    if (!s->broken) {
        s->broken = true;
        warn_report("domain %u: xenstore ring: %s; its xenstore is closed",
                    s->domid, why);
        s->intf->error = 1;
    }
}

/* Moves held-back replies into `rsp`; true when the guest was told. */
static void store_flush(PvhStore *s)
{
    XenPairRing rsp = xen_pair_ring(s->intf->rsp, XENSTORE_RING_SIZE, 1,
                                    &s->intf->rsp_cons, &s->intf->rsp_prod);
    int n;

    if (!s->out->len || s->broken) {
        return;
    }
    n = xen_pair_ring_write(&rsp, s->out->data, s->out->len);
    if (n < 0) {
        store_fail(s, "the guest's rsp indices are corrupt");
        return;
    }
    if (n > 0) {
        g_byte_array_remove_range(s->out, 0, n);
        xenner_evtchn_notify(s->be, s->port);
    }
}

static void store_output(void *opaque, const void *buf, size_t len)
{
    PvhStore *s = opaque;

    if (s->out->len + len > PVH_STORE_BACKLOG_MAX) {
        store_fail(s, "the guest reads no replies");
        return;
    }
    g_byte_array_append(s->out, buf, len);
    store_flush(s);
}

void pvh_store_event(PvhStore *s)
{
    XenPairRing req = xen_pair_ring(s->intf->req, XENSTORE_RING_SIZE, 1,
                                    &s->intf->req_cons, &s->intf->req_prod);
    uint8_t buf[XENSTORE_RING_SIZE];
    bool consumed = false;
    int n;

    store_flush(s);
    /* Answer more only while the guest keeps up with the answers. */
    while (!s->broken && s->out->len < XENSTORE_PAYLOAD_MAX * 2) {
        n = xen_pair_ring_read(&req, buf, sizeof(buf));
        if (n < 0) {
            store_fail(s, "the guest's req indices are corrupt");
            break;
        }
        if (n == 0) {
            break;
        }
        consumed = true;
        if (!xenner_xs_wire_conn_input(s->conn, buf, n)) {
            store_fail(s, "a request larger than XENSTORE_PAYLOAD_MAX");
        }
    }
    if (consumed) {
        xenner_evtchn_notify(s->be, s->port);
    }
}

PvhStore *pvh_store_new(XsTree *tree, uint16_t domid,
                        struct xenstore_domain_interface *intf,
                        XennerEvtchnHandle *be, evtchn_port_t port)
{
    PvhStore *s = g_new0(PvhStore, 1);

    s->intf = intf;
    s->be = be;
    s->port = port;
    s->domid = domid;
    s->out = g_byte_array_new();
    s->conn = xenner_xs_wire_conn_new(tree, domid, store_output, s);
    return s;
}

void pvh_store_free(PvhStore *s)
{
    if (s) {
        xenner_xs_wire_conn_free(s->conn);
        g_byte_array_free(s->out, true);
        g_free(s);
    }
}
