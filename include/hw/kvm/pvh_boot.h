/*
 * The boot information of a PVH guest, as Xen's domain builder writes
 * it: struct hvm_start_info (xen/arch-x86/hvm/start_info.h, version 1)
 * with the command line, the initrd as the one module, and the memory
 * map, in low memory below 1 MiB where no kernel segment goes
 * (PVH_IMAGE_MIN_PADDR); the initrd at the top of RAM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_BOOT_H
#define HW_KVM_PVH_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/kvm/pvh_image.h"
#include "util/error.h"

/* Where the boot information goes. */
#define PVH_BOOT_START_INFO     0x1000u
#define PVH_BOOT_MODLIST        0x1800u
#define PVH_BOOT_MEMMAP         0x2000u
#define PVH_BOOT_CMDLINE        0x3000u
#define PVH_BOOT_CMDLINE_MAX    4096u       /* with its NUL */
/* The legacy VGA/ROM hole, reserved as on a PC. */
#define PVH_BOOT_LOW_RAM_END    0xa0000u
/*
 * RAM ends below the 32-bit MMIO hole, where the local APIC (0xfee00000)
 * and the I/O APIC live: the guest gets at most this much.
 */
#define PVH_BOOT_MAX_RAM        0xc0000000ull
#define PVH_BOOT_MEMMAP_MAX     8

/*
 * Writes the boot information for @img into @ram (@ram_size bytes of
 * guest RAM from address 0; the kernel already loaded): @cmdline (may
 * be NULL), and @initrd of @initrd_len bytes (NULL for none). Fails when
 * the command line is too long or the initrd does not fit above the
 * kernel. The guest's %ebx is PVH_BOOT_START_INFO.
 */
bool pvh_boot_write(uint8_t *ram, uint64_t ram_size, const PvhImage *img,
                    const char *cmdline, const uint8_t *initrd,
                    size_t initrd_len, Error **errp);

/*
 * After pvh_boot_write(): adds the ACPI tables (pvh_acpi.h) for
 * @nr_vcpus vCPUs and points hvm_start_info's rsdp_paddr at them.
 */
void pvh_boot_write_acpi(uint8_t *ram, unsigned nr_vcpus);

#endif /* HW_KVM_PVH_BOOT_H */
