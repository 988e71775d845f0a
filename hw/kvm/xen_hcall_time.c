/*
 * Xen's time for a PVH guest on KVM: the vcpu_time_info of each place
 * the guest reads it (shared_info's slot, its registered vcpu_info, a
 * time memory area), the wallclock in shared_info and the runstate area.
 *
 * Why: offered hvm_safe_pvclock, Linux takes the TSC's rate from the
 * scale we write instead of calibrating the TSC against the PIT, which
 * fails under nested virtualisation and left the guest on jiffies, and
 * runs its clock events on Xen's single-shot timer.
 *
 * One reference pair (the guest's TSC, system time) is taken from KVM
 * when the guest first needs it and kept: the guest's system time is a
 * function of its TSC alone, so it never steps, and our timers measure
 * against the same function (xen_hcall_time_now()). No
 * XEN_PVCLOCK_TSC_STABLE_BIT: Linux then keeps its own guard against a
 * clock going back, for a host whose TSC is not as steady as KVM's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xen_hcall_int.h"

#include <stddef.h>
#include <string.h>
#include <xen/vcpu.h>

#define NSEC_PER_SEC 1000000000ull

bool xen_hcall_time_offered(XenHcall *h)
{
    return h->ops->read_tsc != NULL;
}

/*
 * Xen's scale: ns = ((tsc << shift, or >> -shift) * mul) >> 32, with the
 * shifted rate in (1, 2] GHz so that mul keeps 31 or 32 bits.
 */
static void tsc_scale(uint32_t khz, uint32_t *mul, int8_t *shift)
{
    uint64_t hz = (uint64_t)khz * 1000;
    int s = 0;

    while (hz > 2 * NSEC_PER_SEC) {
        hz >>= 1;
        s--;
    }
    while (hz <= NSEC_PER_SEC) {
        hz <<= 1;
        s++;
    }
    *mul = (uint32_t)((NSEC_PER_SEC << 32) / hz);
    *shift = (int8_t)s;
}

static uint64_t tsc_delta_ns(XenHcall *h, uint64_t delta)
{
    delta = h->tsc_shift < 0 ? delta >> -h->tsc_shift
                             : delta << h->tsc_shift;
    return (uint64_t)(((unsigned __int128)delta * h->tsc_mul) >> 32);
}

static uint64_t monotonic_system_time(XenHcall *h)
{
    return (uint64_t)(g_get_monotonic_time() - h->start_us) * 1000;
}

/* The calling vCPU's TSC now, with the reference taken on first use. */
static bool sample_tsc(XenHcallCall *c, uint64_t *tsc)
{
    XenHcall *h = c->h;
    KvmTscSample s;

    if (!xen_hcall_time_offered(h) ||
        h->ops->read_tsc(h->opaque, c->hc->vcpu, &s) < 0 || !s.khz) {
        return false;
    }
    if (!h->tsc_khz) {
        h->tsc_ref = s.tsc;
        h->tsc_ref_ns = s.mono_ns > h->start_us * 1000 ?
            (uint64_t)(s.mono_ns - h->start_us * 1000) : 0;
        h->tsc_khz = s.khz;
        tsc_scale(s.khz, &h->tsc_mul, &h->tsc_shift);
    }
    *tsc = s.tsc;
    return true;
}

uint64_t xen_hcall_time_now(XenHcallCall *c)
{
    XenHcall *h = c->h;
    uint64_t tsc;

    if (!sample_tsc(c, &tsc)) {
        return monotonic_system_time(h);
    }
    /* A guest that set its TSC back gets the reference time, not 2^64. */
    return h->tsc_ref_ns + (tsc > h->tsc_ref ?
                            tsc_delta_ns(h, tsc - h->tsc_ref) : 0);
}

static void time_info(XenHcall *h, struct vcpu_time_info *ti)
{
    memset(ti, 0, sizeof(*ti));
    ti->tsc_timestamp = h->tsc_ref;
    ti->system_time = h->tsc_ref_ns;
    ti->tsc_to_system_mul = h->tsc_mul;
    ti->tsc_shift = h->tsc_shift;
}

/*
 * Writes @ti at guest physical @gpa under its version, odd while the
 * rest changes, as a reader on another vCPU expects. By bytes: the
 * guest chose the place, and need not have aligned it.
 */
static void put_time_gpa(XenHcall *h, uint64_t gpa,
                         const struct vcpu_time_info *ti)
{
    uint8_t *p = xen_hcall_gpa(h, gpa, sizeof(*ti));
    uint32_t version;

    if (!p) {
        return;
    }
    memcpy(&version, p, sizeof(version));
    version = (version + 1) | 1;
    memcpy(p, &version, sizeof(version));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(p + sizeof(version), (const uint8_t *)ti + sizeof(version),
           sizeof(*ti) - sizeof(version));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    version++;
    memcpy(p, &version, sizeof(version));
}

/* The same through the guest's page tables: a time memory area. */
static int put_time_gva(XenHcallCall *c, uint64_t gva,
                        const struct vcpu_time_info *ti)
{
    uint32_t version;

    if (xen_hcall_read(c, &version, gva, sizeof(version)) < 0) {
        return -EFAULT;
    }
    version = (version + 1) | 1;
    if (xen_hcall_write(c, gva, &version, sizeof(version)) < 0 ||
        xen_hcall_write(c, gva + sizeof(version),
                        (const uint8_t *)ti + sizeof(version),
                        sizeof(*ti) - sizeof(version)) < 0) {
        return -EFAULT;
    }
    version++;
    return xen_hcall_write(c, gva, &version, sizeof(version));
}

/* The wall clock time of system time 0, in shared_info. */
static void put_wallclock(XenHcall *h, uint64_t now_ns)
{
    uint64_t gpa = h->shared_info_gfn * XEN_HCALL_PAGE;
    struct shared_info *si = xen_hcall_gpa(h, gpa, sizeof(*si));
    uint64_t real_ns = (uint64_t)g_get_real_time() * 1000;
    uint64_t boot_ns, sec;
    uint32_t version;

    /* A guest that set its TSC far ahead has no wallclock to read. */
    if (!si || now_ns > real_ns) {
        return;
    }
    boot_ns = real_ns - now_ns;
    sec = boot_ns / NSEC_PER_SEC;
    version = (__atomic_load_n(&si->wc_version, __ATOMIC_RELAXED) + 1) | 1;
    __atomic_store_n(&si->wc_version, version, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    si->wc_sec = (uint32_t)sec;
    si->wc_sec_hi = (uint32_t)(sec >> 32);
    si->wc_nsec = (uint32_t)(boot_ns % NSEC_PER_SEC);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&si->wc_version, version + 1, __ATOMIC_RELAXED);
}

void xen_hcall_time_publish(XenHcallCall *c)
{
    XenHcall *h = c->h;
    struct vcpu_time_info ti;
    uint64_t now = xen_hcall_time_now(c);

    if (!h->tsc_khz) {
        return;                 /* not offered, or KVM would not say */
    }
    time_info(h, &ti);
    if (h->shared_info_gfn != UINT64_MAX) {
        put_wallclock(h, now);
    }
    /*
     * Every vCPU's places get the same: KVM keeps the vCPUs' TSCs in
     * step, so one reference serves them all.
     */
    for (unsigned i = 0; i < h->nr_vcpus; i++) {
        XenHcallVcpu *v = &h->vcpus[i];

        if (h->shared_info_gfn != UINT64_MAX &&
            i < XEN_LEGACY_MAX_VCPUS) {
            /* Linux reads the TSC's rate from here even once it moved. */
            put_time_gpa(h, h->shared_info_gfn * XEN_HCALL_PAGE +
                         offsetof(struct shared_info, vcpu_info[i].time),
                         &ti);
        }
        if (v->vcpu_info_gpa != UINT64_MAX) {
            put_time_gpa(h, v->vcpu_info_gpa +
                         offsetof(struct vcpu_info, time), &ti);
        }
        /*
         * A time area is a virtual address: only the caller's, through
         * its own page tables (another vCPU's was written when it was
         * registered, and the reference it holds never changes).
         */
        if (v == c->vcpu && v->time_area_gva &&
            put_time_gva(c, v->time_area_gva, &ti) < 0) {
            v->time_area_gva = 0;   /* it went away: Xen stops too */
        }
    }
}

/*
 * VCPUOP_register_vcpu_time_memory_area for @v: 0 (the address)
 * unregisters.
 */
int64_t xen_hcall_time_register_area(XenHcallCall *c, XenHcallVcpu *v,
                                     uint64_t arg)
{
    XenHcall *h = c->h;
    struct vcpu_register_time_memory_area area;

    if (!xen_hcall_time_offered(h)) {
        return -ENOSYS;
    }
    if (xen_hcall_read(c, &area, arg, sizeof(area)) < 0) {
        return -EFAULT;
    }
    v->time_area_gva = area.addr.p;
    if (!area.addr.p) {
        return 0;
    }
    xen_hcall_time_publish(c);
    if (v != c->vcpu && h->tsc_khz) {
        struct vcpu_time_info ti;

        time_info(h, &ti);
        if (put_time_gva(c, v->time_area_gva, &ti) < 0) {
            v->time_area_gva = 0;
        }
    }
    return v->time_area_gva ? 0 : -EFAULT;
}

/*
 * VCPUOP_register_runstate_memory_area. The vCPU is running whenever
 * the guest could look (it blocks in KVM, never in us), so the area says
 * so once, with no time runnable or offline: no steal time.
 */
int64_t xen_hcall_time_register_runstate(XenHcallCall *c, uint64_t arg)
{
    struct vcpu_register_runstate_memory_area area;
    struct vcpu_runstate_info info = { .state = RUNSTATE_running };

    if (xen_hcall_read(c, &area, arg, sizeof(area)) < 0) {
        return -EFAULT;
    }
    if (!area.addr.p) {
        return 0;
    }
    info.state_entry_time = xen_hcall_time_now(c);
    info.time[RUNSTATE_running] = info.state_entry_time;
    if (c->h->runstate_update_flag) {
        /* Marked as in update until the rest is there, as Xen does. */
        uint64_t updating = info.state_entry_time | XEN_RUNSTATE_UPDATE;

        if (xen_hcall_write(c, area.addr.p +
                            offsetof(struct vcpu_runstate_info,
                                     state_entry_time),
                            &updating, sizeof(updating)) < 0) {
            return -EFAULT;
        }
    }
    return xen_hcall_write(c, area.addr.p, &info, sizeof(info)) < 0 ?
           -EFAULT : 0;
}

/* vm_assist: of its types, only what the runstate area needs. */
int64_t xen_hcall_vm_assist(XenHcallCall *c)
{
    uint64_t cmd = c->hc->args[0];
    uint64_t type = c->hc->args[1];

    if (cmd != VMASST_CMD_enable && cmd != VMASST_CMD_disable) {
        return -ENOSYS;
    }
    if (type != VMASST_TYPE_runstate_update_flag) {
        return -EINVAL;
    }
    c->h->runstate_update_flag = cmd == VMASST_CMD_enable;
    return 0;
}
