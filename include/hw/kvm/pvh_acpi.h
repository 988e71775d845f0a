/*
 * ACPI tables for PVH guests on xenner_pvh, as Xen's toolstack gives a
 * PVH domU: x86 Linux registers no Xen power-off for PVH, so with no
 * ACPI its poweroff only halts. RSDP, XSDT, FADT, FACS, MADT (the local
 * APIC, KVM's I/O APIC, the 8259s) and a DSDT whose AML is
 * only the \_S5_ package live in the reserved BIOS area below 1 MiB;
 * hvm_start_info's rsdp_paddr points at the RSDP.
 *
 * The FADT is a full one with a PM1a event and control block in ports we
 * trap, not a hardware-reduced one (QEMU's microvm, cloud-hypervisor):
 * on hardware-reduced ACPI, x86 Linux drops the 8259 and the PIT timer
 * set-up, and with no HPET or PM timer here it then cannot calibrate its
 * local APIC timer and hangs at boot (seen in the KVM rig). KVM's
 * in-kernel PIC and PIT stay in use as without ACPI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_ACPI_H
#define HW_KVM_PVH_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the tables go: inside the reserved 0xa0000-0x100000 hole. */
#define PVH_ACPI_BASE           0xe0000u
#define PVH_ACPI_SIZE           0x1000u
#define PVH_ACPI_RSDP           PVH_ACPI_BASE
#define PVH_ACPI_XSDT           (PVH_ACPI_BASE + 0x40)
#define PVH_ACPI_FACS           (PVH_ACPI_BASE + 0xc0)    /* 64-aligned */
#define PVH_ACPI_FADT           (PVH_ACPI_BASE + 0x100)
#define PVH_ACPI_MADT           (PVH_ACPI_BASE + 0x300)
#define PVH_ACPI_DSDT           (PVH_ACPI_BASE + 0x400)

/*
 * The FADT's blocks (0x600 is free on a PC; QEMU's q35 puts the same
 * there): PM1a status and enable (2 + 2 bytes), PM1a control (2), reset.
 */
#define PVH_ACPI_PM1A_EVT_PORT  0x600u
#define PVH_ACPI_PM1A_CNT_PORT  0x604u
#define PVH_ACPI_RESET_PORT     0x608u
#define PVH_ACPI_RESET_VALUE    0x01u
#define PVH_ACPI_SCI_IRQ        9u
/* \_S5_'s SLP_TYP; PM1 control's fields (ACPI 4.8.3.2.1). */
#define PVH_ACPI_S5_TYP         5u
#define PVH_ACPI_SCI_EN         0x0001u
#define PVH_ACPI_SLP_TYP_SHIFT  10
#define PVH_ACPI_SLP_TYP_MASK   0x1c00u
#define PVH_ACPI_SLP_EN         0x2000u

#define PVH_ACPI_LAPIC_ADDR     0xfee00000u
/* KVM's in-kernel I/O APIC: its reset ID and address, 24 pins. */
#define PVH_ACPI_IOAPIC_ID      0u
#define PVH_ACPI_IOAPIC_ADDR    0xfec00000u

/*
 * The most local APICs the MADT holds: its 256 bytes before the DSDT,
 * less its header, the I/O APIC and 8 bytes per local APIC.
 */
#define PVH_ACPI_MAX_VCPUS      16

/*
 * Writes the tables into @area (PVH_ACPI_SIZE bytes, the guest's memory
 * at PVH_ACPI_BASE) for @nr_vcpus local APICs (1 to PVH_ACPI_MAX_VCPUS;
 * more are left out), APIC IDs and ACPI processor UIDs 0 up: Linux
 * takes a CPU's Xen vCPU id from its UID.
 */
void pvh_acpi_build(uint8_t *area, unsigned nr_vcpus);

typedef enum PvhAcpiAction {
    PVH_ACPI_NONE,          /* accepted (or ignored), nothing to do */
    PVH_ACPI_POWEROFF,      /* SLP_EN with S5's SLP_TYP in PM1a control */
    PVH_ACPI_RESET,         /* the reset value at the reset register */
} PvhAcpiAction;

/* Whether @port is one of the FADT's registers. */
static inline bool pvh_acpi_port(uint16_t port)
{
    return (port >= PVH_ACPI_PM1A_EVT_PORT &&
            port < PVH_ACPI_PM1A_CNT_PORT + 2) || port == PVH_ACPI_RESET_PORT;
}

/*
 * A guest's OUT of @size bytes (1, 2, 4), @value, to @port: what it
 * asks of the machine. PM1a control is taken as a 16-bit write at its
 * port or a byte write of its high half; anything else we do not decode
 * is ignored, as hardware ignores it.
 */
PvhAcpiAction pvh_acpi_port_out(uint16_t port, unsigned size,
                                uint32_t value);

/*
 * A guest's IN of @size bytes from @port (pvh_acpi_port()): no event is
 * ever pending or enabled; PM1 control says SCI_EN (in ACPI mode, as
 * SMI_CMD 0 declares).
 */
uint32_t pvh_acpi_port_in(uint16_t port, unsigned size);

#endif /* HW_KVM_PVH_ACPI_H */
