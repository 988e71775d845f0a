/*
 * hvm_start_info for the PVH loader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_boot.h"
#include "hw/kvm/pvh_acpi.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <glib.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PAGE_MASK_4K (~(uint64_t)0xfff)

bool pvh_boot_write(uint8_t *ram, uint64_t ram_size, const PvhImage *img,
                    const char *cmdline, const uint8_t *initrd,
                    size_t initrd_len, Error **errp)
{
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .cmdline_paddr = PVH_BOOT_CMDLINE,
        .memmap_paddr = PVH_BOOT_MEMMAP,
    };
    struct hvm_memmap_table_entry map[PVH_BOOT_MEMMAP_MAX] = {
        { .addr = 0, .size = PVH_BOOT_LOW_RAM_END,
          .type = XEN_HVM_MEMMAP_TYPE_RAM },
        { .addr = PVH_BOOT_LOW_RAM_END,
          .size = PVH_IMAGE_MIN_PADDR - PVH_BOOT_LOW_RAM_END,
          .type = XEN_HVM_MEMMAP_TYPE_RESERVED },
        { .addr = PVH_IMAGE_MIN_PADDR,
          .size = ram_size - PVH_IMAGE_MIN_PADDR,
          .type = XEN_HVM_MEMMAP_TYPE_RAM },
    };
    size_t cmdline_len = cmdline ? strlen(cmdline) : 0;

    if (ram_size < PVH_IMAGE_MIN_PADDR * 2 || ram_size > PVH_BOOT_MAX_RAM ||
        ram_size & ~PAGE_MASK_4K) {
        error_setg(errp, "PVH guest RAM of %" PRIu64 " bytes: it must be "
                   "whole pages, 2 MiB to %llu MiB", ram_size,
                   PVH_BOOT_MAX_RAM >> 20);
        return false;
    }
    if (img->end > ram_size) {
        error_setg(errp, "the kernel does not fit in RAM");
        return false;
    }
    if (cmdline_len >= PVH_BOOT_CMDLINE_MAX) {
        error_setg(errp, "the kernel command line is longer than %u bytes",
                   PVH_BOOT_CMDLINE_MAX - 1);
        return false;
    }
    memset(ram + PVH_BOOT_START_INFO, 0,
           PVH_BOOT_CMDLINE + PVH_BOOT_CMDLINE_MAX - PVH_BOOT_START_INFO);
    memcpy(ram + PVH_BOOT_CMDLINE, cmdline ? cmdline : "", cmdline_len);

    if (initrd) {
        struct hvm_modlist_entry mod = { .size = initrd_len };
        uint64_t at;

        if (initrd_len > ram_size - img->end) {
            error_setg(errp, "the initrd (%zu bytes) does not fit in RAM "
                       "above the kernel", initrd_len);
            return false;
        }
        at = (ram_size - initrd_len) & PAGE_MASK_4K;
        if (at < img->end) {
            error_setg(errp, "the initrd (%zu bytes) does not fit in RAM "
                       "above the kernel", initrd_len);
            return false;
        }
        memcpy(ram + at, initrd, initrd_len);
        mod.paddr = at;
        memcpy(ram + PVH_BOOT_MODLIST, &mod, sizeof(mod));
        si.nr_modules = 1;
        si.modlist_paddr = PVH_BOOT_MODLIST;
    }
    si.memmap_entries = 3;
    memcpy(ram + PVH_BOOT_MEMMAP, map, sizeof(map[0]) * si.memmap_entries);
    memcpy(ram + PVH_BOOT_START_INFO, &si, sizeof(si));
    return true;
}

void pvh_boot_write_acpi(uint8_t *ram, unsigned nr_vcpus)
{
    uint64_t rsdp = PVH_ACPI_RSDP;

    pvh_acpi_build(ram + PVH_ACPI_BASE, nr_vcpus);
    memcpy(ram + PVH_BOOT_START_INFO +
           offsetof(struct hvm_start_info, rsdp_paddr), &rsdp, sizeof(rsdp));
}
