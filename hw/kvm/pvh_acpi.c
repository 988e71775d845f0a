/*
 * ACPI tables for PVH guests on xenner_pvh: see pvh_acpi.h. Written
 * byte by byte at the offsets of ACPI 6.x (5.2 RSDP, 5.2.6 table header,
 * 5.2.9 FADT, 5.2.10 FACS, 5.2.12 MADT, 5.2.3.2 Generic Address Structure) so that
 * no struct padding or host byte order can leak in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_acpi.h"

#include <string.h>

#define HDR_LEN         36
#define RSDP_LEN        36
#define FADT_LEN        276     /* revision 6 */
#define FACS_LEN        64
#define MADT_PCAT_COMPAT 1u
#define GAS_IO          1       /* address space: system I/O */
#define GAS_BYTE        1       /* access size */

/* FADT flags (ACPI 5.2.9 table 5.10) and IA-PC boot flags (5.11). */
#define FADT_WBINVD             (1u << 0)
#define FADT_PWR_BUTTON         (1u << 4)   /* no fixed power button */
#define FADT_SLP_BUTTON         (1u << 5)
#define FADT_RESET_REG_SUP      (1u << 10)
#define BOOT_LEGACY_DEVICES     (1u << 0)
#define BOOT_VGA_NOT_PRESENT    (1u << 2)
#define BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v);
    put32(p + 4, v >> 32);
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    while (len--) {
        sum += *p++;
    }
    return (uint8_t)-sum;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "XENPV ", 6);
    memcpy(t + 16, "XENNERPV", 8);
    put32(t + 24, 1);
    memcpy(t + 28, "XNPV", 4);
    put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
    t[9] = 0;
    t[9] = checksum(t, len);
}

static void gas_io(uint8_t *g, uint16_t port)
{
    g[0] = GAS_IO;
    g[1] = 8;
    g[2] = 0;
    g[3] = GAS_BYTE;
    put64(g + 4, port);
}

/* Name (\_S5_, Package () { S5, S5, 0, 0 }): SLP_TYPa and SLP_TYPb. */
static const uint8_t dsdt_aml[] = {
    0x08, '\\', '_', 'S', '5', '_',     /* NameOp, \_S5_ */
    0x12, 0x08, 0x04,                   /* PackageOp, PkgLength, 4 */
    0x0a, PVH_ACPI_S5_TYP,              /* BytePrefix */
    0x0a, PVH_ACPI_S5_TYP,
    0x00, 0x00,                         /* ZeroOp: reserved */
};

void pvh_acpi_build(uint8_t *area, unsigned nr_vcpus)
{
    uint8_t *rsdp = area + (PVH_ACPI_RSDP - PVH_ACPI_BASE);
    uint8_t *xsdt = area + (PVH_ACPI_XSDT - PVH_ACPI_BASE);
    uint8_t *fadt = area + (PVH_ACPI_FADT - PVH_ACPI_BASE);
    uint8_t *madt = area + (PVH_ACPI_MADT - PVH_ACPI_BASE);
    uint8_t *dsdt = area + (PVH_ACPI_DSDT - PVH_ACPI_BASE);
    uint8_t *facs = area + (PVH_ACPI_FACS - PVH_ACPI_BASE);
    uint32_t len;
    uint8_t *e;

    memset(area, 0, PVH_ACPI_SIZE);

    len = HDR_LEN + sizeof(dsdt_aml);
    header(dsdt, "DSDT", len, 2);
    memcpy(dsdt + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
    finish(dsdt, len);

    /* No SMI_CMD: the machine is in ACPI mode from the start. */
    header(fadt, "FACP", FADT_LEN, 6);
    put32(fadt + 36, PVH_ACPI_FACS);
    put32(fadt + 40, PVH_ACPI_DSDT);
    put16(fadt + 46, PVH_ACPI_SCI_IRQ);
    put32(fadt + 56, PVH_ACPI_PM1A_EVT_PORT);
    put32(fadt + 64, PVH_ACPI_PM1A_CNT_PORT);
    fadt[88] = 4;                           /* PM1_EVT_LEN */
    fadt[89] = 2;                           /* PM1_CNT_LEN */
    put16(fadt + 109, BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT |
                      BOOT_CMOS_RTC_NOT_PRESENT);
    put32(fadt + 112, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
                      FADT_RESET_REG_SUP);
    gas_io(fadt + 116, PVH_ACPI_RESET_PORT);
    fadt[128] = PVH_ACPI_RESET_VALUE;
    put64(fadt + 140, PVH_ACPI_DSDT);
    memcpy(fadt + 268, "XenVMMXe", 8);      /* hypervisor vendor */
    finish(fadt, FADT_LEN);

    memcpy(facs, "FACS", 4);
    put32(facs + 4, FACS_LEN);
    facs[32] = 2;                           /* version */

    _Static_assert(PVH_ACPI_MADT + HDR_LEN + 8 + 8 * PVH_ACPI_MAX_VCPUS +
                   12 <= PVH_ACPI_DSDT, "the MADT overlaps the DSDT");
    if (nr_vcpus > PVH_ACPI_MAX_VCPUS) {
        nr_vcpus = PVH_ACPI_MAX_VCPUS;
    }
    e = madt + HDR_LEN + 8;
    for (unsigned i = 0; i < nr_vcpus; i++, e += 8) {
        e[0] = 0;               /* processor local APIC */
        e[1] = 8;
        e[2] = i;               /* ACPI processor UID */
        e[3] = i;               /* APIC ID */
        put32(e + 4, 1);        /* enabled */
    }
    /*
     * KVM's I/O APIC. It must be there: any MADT puts Linux in symmetric
     * I/O mode, which masks the 8259's virtual wire (LINT0), so without
     * an I/O APIC no timer tick reaches the CPU and Linux hangs in its
     * first wait on jiffies (seen in the KVM rig). No Interrupt Source
     * Override: KVM's default routing takes each GSI n < 24 to pin n,
     * and its PIT raises GSI 0 (and counts its ticks' EOIs on GSI 0), so
     * ISA IRQ n is GSI n, as Linux takes it without an override; the
     * SCI (IRQ 9, level, active low by ACPI's default) is never raised.
     */
    e[0] = 1;                   /* I/O APIC */
    e[1] = 12;
    e[2] = PVH_ACPI_IOAPIC_ID;
    put32(e + 4, PVH_ACPI_IOAPIC_ADDR);
    put32(e + 8, 0);            /* its first GSI */
    e += 12;
    len = e - madt;
    header(madt, "APIC", len, 3);
    put32(madt + 36, PVH_ACPI_LAPIC_ADDR);
    put32(madt + 40, MADT_PCAT_COMPAT);     /* KVM's 8259s */
    finish(madt, len);

    len = HDR_LEN + 2 * 8;
    header(xsdt, "XSDT", len, 1);
    put64(xsdt + HDR_LEN, PVH_ACPI_FADT);
    put64(xsdt + HDR_LEN + 8, PVH_ACPI_MADT);
    finish(xsdt, len);

    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "XENPV ", 6);
    rsdp[15] = 2;               /* ACPI 2.0+: the XSDT */
    put32(rsdp + 20, RSDP_LEN);
    put64(rsdp + 24, PVH_ACPI_XSDT);
    rsdp[8] = checksum(rsdp, 20);
    rsdp[32] = checksum(rsdp, RSDP_LEN);
}

PvhAcpiAction pvh_acpi_port_out(uint16_t port, unsigned size,
                                uint32_t value)
{
    uint16_t cnt;

    if (port == PVH_ACPI_RESET_PORT) {
        return size == 1 && value == PVH_ACPI_RESET_VALUE ? PVH_ACPI_RESET
                                                          : PVH_ACPI_NONE;
    }
    if (port == PVH_ACPI_PM1A_CNT_PORT && size == 2) {
        cnt = value;
    } else if (port == PVH_ACPI_PM1A_CNT_PORT + 1 && size == 1) {
        cnt = value << 8;
    } else {
        /* Status and enable: no event is ever raised, nothing to clear. */
        return PVH_ACPI_NONE;
    }
    /* Other sleep states (S1-S4) are not offered: \_S5_ only. */
    if ((cnt & PVH_ACPI_SLP_EN) &&
        (cnt & PVH_ACPI_SLP_TYP_MASK) >> PVH_ACPI_SLP_TYP_SHIFT ==
        PVH_ACPI_S5_TYP) {
        return PVH_ACPI_POWEROFF;
    }
    return PVH_ACPI_NONE;
}

uint32_t pvh_acpi_port_in(uint16_t port, unsigned size)
{
    if (port == PVH_ACPI_PM1A_CNT_PORT) {
        return PVH_ACPI_SCI_EN;
    }
    return 0;
}
