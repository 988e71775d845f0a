/*
 * grant_table_op for a PVH guest on KVM: version 1 only. The table's
 * frames are the machine's, outside the guest's RAM; the guest places
 * them with XENMEM_add_to_physmap (XENMAPSPACE_grant_table), as on Xen.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <xen/grant_table.h>

/* Ops of an array of @count structures at @arg, each in turn. */
#define EACH_OP(T, body)                                                \
    do {                                                                \
        if (count > 16) {                                               \
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

int64_t xen_hcall_grant_table_op(XenHcallCall *c)
{
    XenHcall *h = c->h;
    uint64_t cmd = c->hc->args[0];
    uint64_t arg = c->hc->args[1];
    uint64_t count = c->hc->args[2];

    switch (cmd) {
    case GNTTABOP_query_size:
        EACH_OP(struct gnttab_query_size, {
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
        EACH_OP(struct gnttab_set_version, {
            if (op.version != 1) {
                op.version = 1;
                return -EINVAL;     /* v2 is not offered */
            }
        });
    case GNTTABOP_get_version:
        EACH_OP(struct gnttab_get_version, {
            if (!xen_hcall_is_self(h, op.dom)) {
                return -ESRCH;
            }
            op.version = 1;
        });
    default:
        xen_hcall_log_unknown(h, "grant_table_op", cmd);
        return -ENOSYS;
    }
}
