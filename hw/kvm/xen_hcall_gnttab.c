/*
 * grant_table_op for a PVH guest on KVM: version 1 only, and copies
 * within the guest (GNTTABOP_copy). The table's frames are the
 * machine's, outside the guest's RAM; the guest places them with
 * XENMEM_add_to_physmap (XENMAPSPACE_grant_table), as on Xen.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <string.h>
#include <xen/grant_table.h>

/*
 * Ops of an array of @count (at most @max) structures at @arg, each in
 * turn, each read before and written back after @body.
 */
#define EACH_OP(T, max, body)                                           \
    do {                                                                \
        if (count > (max)) {                                            \
            return -EINVAL;                                             \
        }                                                               \
        for (uint64_t i_ = 0; i_ < count; i_++) {                       \
            T op;                                                       \
            uint64_t at_ = arg + i_ * sizeof(T);                        \
            if (xen_hcall_read(c, &op, at_, sizeof(op)) < 0) {          \
                return -EFAULT;                                         \
            }                                                           \
            body;                                                       \
            if (xen_hcall_write(c, at_, &op, sizeof(op)) < 0) {         \
                return -EFAULT;                                         \
            }                                                           \
        }                                                               \
        return 0;                                                       \
    } while (0)

/*
 * GNTTABOP_copy ops in one call. Xen takes any number, preempting the
 * call and continuing it; Linux's callers send at most a ring's worth.
 */
#define COPY_OPS_MAX 1024

/* An errno of xenner/gnttab.h's for one of the guest's own refs. */
static int16_t ref_status(XenHcall *h, uint32_t ref, int err)
{
    switch (err) {
    case 0:
        return GNTST_okay;
    case -EINVAL:
        return xenner_gnttab_entry(h->gnttab, ref) ? GNTST_bad_page
                                                   : GNTST_bad_gntref;
    default:
        return GNTST_general_error;
    }
}

/*
 * One side of a copy, to or from @buf. The guest's own domain only:
 * domain 0 here is the machine's backends, which have no grant table
 * or memory a guest could name, so any other domain is GNTST_bad_domain.
 * A GMFN must be present RAM; a ref must grant the guest itself access
 * (its domid the guest's own, as Xen checks it for a copy within a
 * domain), through the checks every backend's copy goes through.
 */
static int16_t copy_side(XenHcall *h, const struct gnttab_copy_ptr *p,
                         bool gref, uint16_t len, uint8_t *buf, bool to)
{
    uint8_t *frame;

    if (!xen_hcall_is_self(h, p->domid)) {
        return GNTST_bad_domain;
    }
    if (gref) {
        XennerGntCopySeg seg = {
            .ref = p->u.ref, .offset = p->offset, .len = len, .buf = buf,
            .to_guest = to,
        };

        if (!h->gnttab) {
            return GNTST_bad_gntref;
        }
        return ref_status(h, p->u.ref,
                          xenner_gnttab_copy(h->gnttab, h->domid, &seg, 1));
    }
    frame = xen_hcall_ram_frame(h, p->u.gmfn);
    if (!frame) {
        return GNTST_bad_page;
    }
    if (to) {
        memcpy(frame + p->offset, buf, len);
    } else {
        memcpy(buf, frame + p->offset, len);
    }
    return GNTST_okay;
}

static int16_t copy_one(XenHcall *h, const struct gnttab_copy *op)
{
    uint8_t buf[XEN_HCALL_PAGE];
    int16_t st;

    if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref) ||
        op->source.offset + op->len > XEN_HCALL_PAGE ||
        op->dest.offset + op->len > XEN_HCALL_PAGE) {
        return GNTST_bad_copy_arg;
    }
    st = copy_side(h, &op->source, op->flags & GNTCOPY_source_gref,
                   op->len, buf, false);
    if (st == GNTST_okay) {
        st = copy_side(h, &op->dest, op->flags & GNTCOPY_dest_gref,
                       op->len, buf, true);
    }
    return st;
}

int64_t xen_hcall_grant_table_op(XenHcallCall *c)
{
    XenHcall *h = c->h;
    uint64_t cmd = c->hc->args[0];
    uint64_t arg = c->hc->args[1];
    uint64_t count = c->hc->args[2];

    switch (cmd) {
    case GNTTABOP_query_size:
        EACH_OP(struct gnttab_query_size, 16, {
            if (!xen_hcall_is_self(h, op.dom)) {
                op.status = GNTST_permission_denied;
            } else {
                op.nr_frames = h->grant_frames;
                op.max_nr_frames = h->grant_frames;
                op.status = h->grant_frames ? GNTST_okay
                                            : GNTST_general_error;
            }
        });
    case GNTTABOP_set_version:
        EACH_OP(struct gnttab_set_version, 16, {
            if (op.version != 1) {
                op.version = 1;
                return -EINVAL;     /* v2 is not offered */
            }
        });
    case GNTTABOP_get_version:
        EACH_OP(struct gnttab_get_version, 16, {
            if (!xen_hcall_is_self(h, op.dom)) {
                return -ESRCH;
            }
            op.version = 1;
        });
    case GNTTABOP_copy:
        EACH_OP(struct gnttab_copy, COPY_OPS_MAX, {
            op.status = copy_one(h, &op);
        });
    default:
        xen_hcall_log_unknown(h, "grant_table_op", cmd);
        return -ENOSYS;
    }
}
