/*
 * Hypercalls that need no domain state: console_io, xen_version,
 * sched_op.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <string.h>
#include <xen/features.h>
#include <xen/sched.h>
#include <xen/version.h>

/* A guest's console write larger than this is cut, as Xen limits it. */
#define CONSOLE_IO_MAX (64u << 10)

int64_t xen_hcall_console_io(XenHcallCall *c)
{
    uint64_t cmd = c->hc->args[0];
    uint64_t count = c->hc->args[1];
    uint64_t gva = c->hc->args[2];
    uint8_t buf[512];

    if (cmd == CONSOLEIO_read) {
        return 0;           /* no input on this path: hvc's ring has it */
    }
    if (cmd != CONSOLEIO_write) {
        xen_hcall_log_unknown(c->h, "console_io", cmd);
        return -ENOSYS;
    }
    count = MIN(count, CONSOLE_IO_MAX);
    while (count) {
        size_t n = MIN(count, sizeof(buf));

        if (xen_hcall_read(c, buf, gva, n) < 0) {
            return -EFAULT;
        }
        c->h->ops->console_write(c->h->opaque, buf, n);
        gva += n;
        count -= n;
    }
    return 0;
}

static int64_t put_string(XenHcallCall *c, const char *s, size_t size)
{
    g_autofree char *buf = g_malloc0(size);

    g_strlcpy(buf, s, size);
    return xen_hcall_write(c, c->hc->args[1], buf, size);
}

int64_t xen_hcall_xen_version(XenHcallCall *c)
{
    uint64_t cmd = c->hc->args[0];

    switch (cmd) {
    case XENVER_version:
        return KVM_VM_XEN_MAJOR << 16 | KVM_VM_XEN_MINOR;
    case XENVER_extraversion:
        return put_string(c, ".0-xenner", sizeof(xen_extraversion_t));
    case XENVER_changeset:
        return put_string(c, "qemu-xenpv", sizeof(xen_changeset_info_t));
    case XENVER_capabilities:
        return put_string(c, "hvm-3.0-x86_64 ",
                          sizeof(xen_capabilities_info_t));
    case XENVER_commandline:
        return put_string(c, "", sizeof(xen_commandline_t));
    case XENVER_compile_info: {
        xen_compile_info_t ci = { 0 };

        g_strlcpy(ci.compiler, "qemu-xenpv", sizeof(ci.compiler));
        return xen_hcall_write(c, c->hc->args[1], &ci, sizeof(ci));
    }
    case XENVER_platform_parameters: {
        xen_platform_parameters_t pp = { 0 };

        return xen_hcall_write(c, c->hc->args[1], &pp, sizeof(pp));
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;

        if (xen_hcall_read(c, &fi, c->hc->args[1], sizeof(fi)) < 0) {
            return -EFAULT;
        }
        /* What Xen gives a PVH guest. */
        fi.submap = fi.submap_idx ? 0 :
            1u << XENFEAT_writable_page_tables |
            1u << XENFEAT_auto_translated_physmap |
            1u << XENFEAT_hvm_callback_vector |
            (xen_hcall_time_offered(c->h) ?
             1u << XENFEAT_hvm_safe_pvclock : 0);
        return xen_hcall_write(c, c->hc->args[1], &fi, sizeof(fi));
    }
    case XENVER_pagesize:
        return XEN_HCALL_PAGE;
    case XENVER_guest_handle: {
        xen_domain_handle_t uuid = { 0 };

        return xen_hcall_write(c, c->hc->args[1], uuid, sizeof(uuid));
    }
    default:
        xen_hcall_log_unknown(c->h, "xen_version", cmd);
        return -ENOSYS;
    }
}

int64_t xen_hcall_sched_op(XenHcallCall *c)
{
    uint64_t cmd = c->hc->args[0];
    struct sched_shutdown sd;

    switch (cmd) {
    case SCHEDOP_yield:
    case SCHEDOP_block:
    case SCHEDOP_poll:
        /*
         * Events arrive through the LAPIC: the guest idles with HLT,
         * which KVM serves. Returning early is allowed: Linux's callers
         * (its PV spinlocks' poll on an IPI port with -smp) check their
         * condition and call again.
         */
        return 0;
    case SCHEDOP_shutdown:
        if (xen_hcall_read(c, &sd, c->hc->args[1], sizeof(sd)) < 0) {
            return -EFAULT;
        }
        if (sd.reason > SHUTDOWN_MAX) {
            return -EINVAL;
        }
        c->h->shut_down = true;
        c->h->ops->shutdown(c->h->opaque, sd.reason);
        return 0;
    case SCHEDOP_shutdown_code:
        if (xen_hcall_read(c, &sd, c->hc->args[1], sizeof(sd)) < 0) {
            return -EFAULT;
        }
        return 0;
    default:
        xen_hcall_log_unknown(c->h, "sched_op", cmd);
        return -ENOSYS;
    }
}
