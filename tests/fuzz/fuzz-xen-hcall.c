/*
 * libFuzzer target: the hypercall dispatcher of Xenner on KVM
 * (hw/kvm/xen_hcall*.c) against a hostile guest, over fuzzed guest
 * memory: its page tables, argument structures and rings are the input.
 *
 * FuzzInput layout:
 *   byte 0            N, the number of hypercalls (at most 31)
 *   N calls, each     number (1 byte), flags (1 byte: bit 0 paging on in
 *                     long mode, bit 1 from CPL 0, bit 2 5-level paging),
 *                     CR3's frame (1 byte), five arguments (8 bytes each)
 *   the rest          the guest's RAM from address 0, then its grant
 *                     table's GRANT_FRAMES frames, cut or zero-padded;
 *                     RAM's first 16 bytes are also the guest's TSC
 *                     rate in kHz (4 bytes, any value) and its TSC at
 *                     the first read (8 bytes), which each read moves on
 *                     by the last 4 bytes
 *
 * Checked after each call: the result is 0, positive, or a negative
 * errno Xen uses; a call from user mode is refused with -EPERM; only
 * SCHEDOP_shutdown shuts the guest down, and nothing runs after it;
 * console output comes only from console_io; no call leaves an entry of
 * the grant table reading or writing that was not (GNTTABOP_copy's pins
 * are released); the released frames and current_reservation agree.
 * RAM is Xenner memory, so ballooning punches real holes. ASan and
 * UBSan catch any access outside the memory or any undefined
 * arithmetic.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "hw/kvm/xen_hcall.h"
#include "xenner/evtchn.h"
#include "xenner/gnttab.h"
#include "xenner/guest_mem.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_PAGES 64
#define RAM_SIZE (RAM_PAGES * 4096u)
#define DOMID 1
#define GRANT_FRAMES 4
#define NR_VCPUS 2
#define HC_MEMORY_OP 12
#define HC_CONSOLE_IO 18
#define NR_ENTRIES (GRANT_FRAMES * XENNER_GNTTAB_ENTRIES_PER_FRAME)
#define HC_SCHED_OP 29

typedef struct FuzzHost {
    size_t console_bytes;
    int shutdowns;
    int injects;
    uint32_t tsc_khz;
    uint64_t tsc;
    uint32_t tsc_step;
} FuzzHost;

static void fuzz_console(void *opaque, const uint8_t *buf, size_t len)
{
    ((FuzzHost *)opaque)->console_bytes += len;
}

static void fuzz_shutdown(void *opaque, unsigned reason)
{
    ((FuzzHost *)opaque)->shutdowns++;
}

static int fuzz_inject(void *opaque, unsigned vcpu, uint8_t vector)
{
    if (vector < 0x10) {
        abort();    /* never a vector the guest could not have set */
    }
    if (vcpu >= NR_VCPUS) {
        abort();    /* never a vCPU the VM does not have */
    }
    ((FuzzHost *)opaque)->injects++;
    return 0;
}

static int fuzz_map_grant_frame(void *opaque, unsigned idx, uint64_t gpfn)
{
    if (idx >= GRANT_FRAMES) {
        abort();    /* only frames the table has */
    }
    return 0;
}

static int fuzz_read_tsc(void *opaque, unsigned vcpu, KvmTscSample *s)
{
    FuzzHost *host = opaque;

    s->tsc = host->tsc;
    s->mono_ns = g_get_monotonic_time() * 1000;
    s->khz = host->tsc_khz;
    host->tsc += host->tsc_step;    /* may wrap: a guest can set its TSC */
    return 0;
}

static int fuzz_vcpu_set_down(void *opaque, unsigned vcpu, bool down)
{
    if (vcpu >= NR_VCPUS) {
        abort();    /* only vCPUs the machine has */
    }
    return 0;
}

static const XenHcallHostOps fuzz_ops = {
    .console_write = fuzz_console,
    .shutdown = fuzz_shutdown,
    .inject = fuzz_inject,
    .map_grant_frame = fuzz_map_grant_frame,
    .read_tsc = fuzz_read_tsc,
    .vcpu_set_down = fuzz_vcpu_set_down,
};

/* Bit n set: entry n of @gt has GTF_reading or GTF_writing. */
static void busy_entries(XennerGnttab *gt, uint8_t *busy)
{
    for (unsigned i = 0; i < NR_ENTRIES; i++) {
        grant_entry_v1_t *e = xenner_gnttab_entry(gt, i);

        busy[i] = e && (e->flags & (GTF_reading | GTF_writing));
    }
}

static bool plausible(int64_t ret)
{
    /* Xen's errno values run to about 125 (EOWNERDEAD..); none below. */
    return ret >= 0 || ret >= -200;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzInput in = { data, size };
    unsigned n = fuzz_take(&in, 1) % 32;
    uint8_t *calls = g_malloc0(n * 43 + 1);
    XennerMem *mem = xenner_mem_new(RAM_PAGES + GRANT_FRAMES, NULL);
    uint8_t *ram;
    uint64_t table[GRANT_FRAMES];
    XennerGnttab *gt;
    uint8_t busy[NR_ENTRIES], busy_after[NR_ENTRIES];
    FuzzHost host = { 0 };
    XennerEvtchn *ev = xenner_evtchn_new();
    XenHcall *h;
    bool down = false;

    if (!mem) {
        abort();
    }
    ram = xenner_mem_frame(mem, 0);
    for (unsigned i = 0; i < GRANT_FRAMES; i++) {
        table[i] = RAM_PAGES + i;
    }
    gt = xenner_gnttab_new(mem, DOMID, table, GRANT_FRAMES, NULL);
    if (!gt) {
        abort();
    }
    for (unsigned i = 0; i < n * 43; i++) {
        calls[i] = fuzz_take(&in, 1);
    }
    memcpy(ram, in.p, MIN(in.left, RAM_SIZE + GRANT_FRAMES * 4096u));
    memcpy(&host.tsc_khz, ram, sizeof(host.tsc_khz));
    memcpy(&host.tsc, ram + 4, sizeof(host.tsc));
    memcpy(&host.tsc_step, ram + 12, sizeof(host.tsc_step));
    if (!xenner_evtchn_add_domain(ev, 0, XENNER_EVTCHN_NR_PORTS_DEFAULT,
                                  NULL) ||
        !xenner_evtchn_add_domain(ev, DOMID, XENNER_EVTCHN_NR_PORTS_DEFAULT,
                                  NULL)) {
        abort();
    }
    h = xen_hcall_new(NULL, ram, RAM_SIZE, DOMID, NR_VCPUS, ev, &fuzz_ops,
                      &host);
    xen_hcall_set_grant_frames(h, GRANT_FRAMES);
    xen_hcall_set_xenner(h, mem, gt);
    xenner_evtchn_set_upcall(ev, DOMID, xen_hcall_evtchn_upcall, h, NULL);
    for (unsigned i = 0; i < n; i++) {
        FuzzInput c = { calls + i * 43, 43 };
        KvmHypercall hc = { 0 };
        uint8_t flags;
        size_t before = host.console_bytes;
        bool released_before = xenner_mem_nr_released(mem) != 0;
        int downs = host.shutdowns;
        KvmVmAction act;

        hc.nr = fuzz_take(&c, 1) % 64;
        flags = fuzz_take(&c, 1);
        hc.cr3 = (fuzz_take(&c, 1) % RAM_PAGES) * 4096ull;
        for (unsigned a = 0; a < 5; a++) {
            hc.args[a] = fuzz_take(&c, 8);
        }
        hc.kernel = flags & 2;
        /* Either vCPU, or one the VM does not have. */
        hc.vcpu = (flags >> 3) % (NR_VCPUS + 1);
        if (flags & 1) {
            hc.cr0 = 1ull << 31 | 1;
            hc.efer = 1ull << 10 | 1ull << 8;
            hc.cr4 = flags & 4 ? 1ull << 12 : 0;
        }
        busy_entries(gt, busy);
        act = xen_hcall_dispatch(h, &hc);
        if (!plausible((int64_t)hc.ret)) {
            abort();
        }
        busy_entries(gt, busy_after);
        for (unsigned e = 0; e < NR_ENTRIES; e++) {
            if (busy_after[e] && !busy[e]) {
                abort();    /* a copy's pin left behind */
            }
        }
        if (xenner_mem_nr_released(mem) > RAM_PAGES ||
            (xenner_mem_nr_released(mem) && hc.nr != HC_MEMORY_OP &&
             !released_before)) {
            abort();    /* only memory_op releases, only RAM's frames */
        }
        for (unsigned f = RAM_PAGES; f < RAM_PAGES + GRANT_FRAMES; f++) {
            if (!xenner_mem_frame_present(mem, f)) {
                abort();
            }
        }
        if (!hc.kernel && !down && (int64_t)hc.ret != -1) {
            abort();    /* -EPERM from user mode */
        }
        if (host.console_bytes != before && hc.nr != HC_CONSOLE_IO) {
            abort();
        }
        if (host.shutdowns != downs && (down || hc.nr != HC_SCHED_OP)) {
            abort();
        }
        if (host.shutdowns) {
            down = true;
            if (act != KVM_VM_STOP) {
                abort();
            }
        }
    }
    xen_hcall_free(h);
    xenner_evtchn_free(ev);
    xenner_gnttab_free(gt);
    xenner_mem_free(mem);
    g_free(calls);
    return 0;
}
