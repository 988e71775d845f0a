/*
 * Unit tests of xenner_pvh's ACPI tables (hw/kvm/pvh_acpi.c): each
 * table found as an OS finds it from the RSDP, its length and checksum,
 * the FADT's registers, the MADT's entries, the DSDT's
 * \_S5_ bytes; and which port writes power off or reset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>
#include <glib.h>

#include "hw/kvm/pvh_acpi.h"

static uint8_t area[PVH_ACPI_SIZE];

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

/* The table at guest address @gpa: its signature, length, checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
    const uint8_t *t;
    uint32_t len;

    g_assert_cmpuint(gpa, >=, PVH_ACPI_BASE);
    g_assert_cmpuint(gpa + 36, <=, PVH_ACPI_BASE + PVH_ACPI_SIZE);
    t = area + (gpa - PVH_ACPI_BASE);
    g_assert_cmpmem(t, 4, sig, 4);
    len = get32(t + 4);
    g_assert_cmpuint(len, >=, 36);
    g_assert_cmpuint(gpa + len, <=, PVH_ACPI_BASE + PVH_ACPI_SIZE);
    g_assert_cmpuint(sum(t, len), ==, 0);
    return t;
}

static void check_gas_io(const uint8_t *g, uint16_t port)
{
    g_assert_cmpuint(g[0], ==, 1);              /* system I/O */
    g_assert_cmpuint(g[1], ==, 8);
    g_assert_cmpuint(g[2], ==, 0);
    g_assert_cmpuint(g[3], ==, 1);              /* byte access */
    g_assert_cmpuint(get64(g + 4), ==, port);
}

static void test_tables(void)
{
    static const uint8_t s5[] = {
        0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
        0x0a, PVH_ACPI_S5_TYP, 0x0a, PVH_ACPI_S5_TYP, 0x00, 0x00,
    };
    const uint8_t *rsdp, *xsdt, *fadt = NULL, *madt = NULL, *dsdt, *facs;
    bool fadt_seen = false, madt_seen = false;

    memset(area, 0xa5, sizeof(area));
    pvh_acpi_build(area, 1);

    rsdp = area + (PVH_ACPI_RSDP - PVH_ACPI_BASE);
    g_assert_cmpuint(PVH_ACPI_RSDP % 16, ==, 0);
    g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
    g_assert_cmpuint(sum(rsdp, 20), ==, 0);
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(get32(rsdp + 20), ==, 36);
    g_assert_cmpuint(sum(rsdp, 36), ==, 0);

    xsdt = table(get64(rsdp + 24), "XSDT");
    g_assert_cmpuint(get32(xsdt + 4), ==, 36 + 2 * 8);
    for (unsigned i = 0; i < 2; i++) {
        uint64_t gpa = get64(xsdt + 36 + 8 * i);
        const uint8_t *t = area + (gpa - PVH_ACPI_BASE);

        if (!memcmp(t, "FACP", 4)) {
            fadt = table(gpa, "FACP");
            fadt_seen = true;
        } else {
            madt = table(gpa, "APIC");
            madt_seen = true;
        }
    }
    g_assert_true(fadt_seen && madt_seen);

    /* FADT revision 6, not hardware-reduced: PM1a blocks, a FACS. */
    g_assert_cmpuint(get32(fadt + 4), ==, 276);
    g_assert_cmpuint(fadt[8], ==, 6);
    g_assert_cmpuint(get32(fadt + 112) & (1u << 20), ==, 0);
    g_assert_cmpuint(get32(fadt + 112) & (1u << 10), !=, 0);
    g_assert_cmpuint(get32(fadt + 36), ==, PVH_ACPI_FACS);
    g_assert_cmpuint(PVH_ACPI_FACS % 64, ==, 0);
    facs = area + (PVH_ACPI_FACS - PVH_ACPI_BASE);
    g_assert_cmpmem(facs, 4, "FACS", 4);
    g_assert_cmpuint(get32(facs + 4), ==, 64);
    g_assert_cmpuint(fadt[46], ==, PVH_ACPI_SCI_IRQ);
    g_assert_cmpuint(get32(fadt + 48), ==, 0);          /* no SMI_CMD */
    g_assert_cmpuint(get32(fadt + 56), ==, PVH_ACPI_PM1A_EVT_PORT);
    g_assert_cmpuint(get32(fadt + 64), ==, PVH_ACPI_PM1A_CNT_PORT);
    g_assert_cmpuint(fadt[88], ==, 4);
    g_assert_cmpuint(fadt[89], ==, 2);
    check_gas_io(fadt + 116, PVH_ACPI_RESET_PORT);
    g_assert_cmpuint(fadt[128], ==, PVH_ACPI_RESET_VALUE);
    g_assert_cmpuint(get64(fadt + 140), ==, get32(fadt + 40));

    dsdt = table(get64(fadt + 140), "DSDT");
    g_assert_cmpuint(get32(dsdt + 4), ==, 36 + sizeof(s5));
    g_assert_cmpmem(dsdt + 36, sizeof(s5), s5, sizeof(s5));

    /* One local APIC, the 8259s (PCAT_COMPAT), no I/O APIC. */
    g_assert_cmpuint(get32(madt + 4), ==, 44 + 8 + 12);
    g_assert_cmpuint(get32(madt + 36), ==, PVH_ACPI_LAPIC_ADDR);
    g_assert_cmpuint(get32(madt + 40), ==, 1);
    g_assert_cmpuint(madt[44], ==, 0);
    g_assert_cmpuint(madt[45], ==, 8);
    g_assert_cmpuint(madt[47], ==, 0);
    g_assert_cmpuint(get32(madt + 48), ==, 1);
    /* KVM's I/O APIC from GSI 0, and no override: IRQ 0 is GSI 0. */
    g_assert_cmpuint(madt[52], ==, 1);
    g_assert_cmpuint(madt[53], ==, 12);
    g_assert_cmpuint(madt[54], ==, 0);
    g_assert_cmpuint(get32(madt + 56), ==, 0xfec00000u);
    g_assert_cmpuint(get32(madt + 60), ==, 0);
}

static void test_ports(void)
{
    uint32_t s5 = PVH_ACPI_S5_TYP << PVH_ACPI_SLP_TYP_SHIFT;

    g_assert_true(pvh_acpi_port(PVH_ACPI_PM1A_EVT_PORT));
    g_assert_true(pvh_acpi_port(PVH_ACPI_PM1A_CNT_PORT + 1));
    g_assert_true(pvh_acpi_port(PVH_ACPI_RESET_PORT));
    g_assert_false(pvh_acpi_port(PVH_ACPI_PM1A_CNT_PORT + 2));
    g_assert_false(pvh_acpi_port(0x3f8));
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_CNT_PORT, 2,
                                      s5 | PVH_ACPI_SLP_EN), ==,
                    PVH_ACPI_POWEROFF);
    /* The high byte alone, as a byte-wide access writes it. */
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_CNT_PORT + 1, 1,
                                      (s5 | PVH_ACPI_SLP_EN) >> 8), ==,
                    PVH_ACPI_POWEROFF);
    /* SLP_TYP alone (ACPICA's first write), another type, other widths. */
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_CNT_PORT, 2,
                                      s5 | PVH_ACPI_SCI_EN), ==,
                    PVH_ACPI_NONE);
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_CNT_PORT, 2,
                                      3 << PVH_ACPI_SLP_TYP_SHIFT |
                                      PVH_ACPI_SLP_EN), ==, PVH_ACPI_NONE);
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_CNT_PORT, 4,
                                      s5 | PVH_ACPI_SLP_EN), ==,
                    PVH_ACPI_NONE);
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_CNT_PORT, 1,
                                      s5 | PVH_ACPI_SLP_EN), ==,
                    PVH_ACPI_NONE);
    /* Status clears and enables. */
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_PM1A_EVT_PORT, 2, 0xffff), ==,
                    PVH_ACPI_NONE);
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_RESET_PORT, 1,
                                      PVH_ACPI_RESET_VALUE), ==,
                    PVH_ACPI_RESET);
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_RESET_PORT, 1, 0xfe), ==,
                    PVH_ACPI_NONE);
    g_assert_cmpint(pvh_acpi_port_out(PVH_ACPI_RESET_PORT, 2,
                                      PVH_ACPI_RESET_VALUE), ==,
                    PVH_ACPI_NONE);
    g_assert_cmpuint(pvh_acpi_port_in(PVH_ACPI_PM1A_CNT_PORT, 2), ==,
                     PVH_ACPI_SCI_EN);
    g_assert_cmpuint(pvh_acpi_port_in(PVH_ACPI_PM1A_EVT_PORT, 2), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pvh-acpi/tables", test_tables);
    g_test_add_func("/pvh-acpi/ports", test_ports);
    return g_test_run();
}
