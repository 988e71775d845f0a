/*
 * libFuzzer target: the PVH loader's kernel parser (hw/kvm/pvh_image.c)
 * and the boot information written after it (hw/kvm/pvh_boot.c).
 *
 * The input is the kernel file itself, an ELF or a bzImage with an XZ
 * payload. A kernel that parses is loaded into RAM sized to it when it
 * is small enough, with a command line and initrd cut from the input,
 * and the result is checked: each segment's bytes are the file's, its
 * tail zero, and hvm_start_info holds what was given.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "hw/kvm/pvh_boot.h"
#include "hw/kvm/pvh_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RAM_MAX (64u << 20)

static void check_loaded(const PvhImage *img, uint8_t *ram,
                         const uint8_t *data, size_t size)
{
    /* Later segments may overlap earlier ones: check the last only. */
    const PvhSegment *s = &img->segs[img->nr_segs - 1];

    if (memcmp(ram + s->paddr, img->elf + s->offset, s->filesz)) {
        abort();
    }
    for (uint64_t i = s->filesz; i < s->memsz; i++) {
        if (ram[s->paddr + i]) {
            abort();
        }
    }
    if (size > 8) {
        struct hvm_start_info si;
        size_t cut = data[0] % size;
        g_autofree char *cmd = g_strndup((const char *)data + 1, 40);

        if (!pvh_boot_write(ram, (img->end + 0x1fffff) &
                            ~0xfffffull, img, cmd, cut ? data : NULL, cut,
                            NULL)) {
            return;
        }
        memcpy(&si, ram + PVH_BOOT_START_INFO, sizeof(si));
        if (si.magic != XEN_HVM_START_MAGIC_VALUE ||
            strcmp((const char *)ram + si.cmdline_paddr, cmd) ||
            si.nr_modules != (cut ? 1 : 0)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    PvhImage img;
    uint64_t ram_size;
    uint8_t *ram;

    if (!pvh_image_parse(data, size, &img, NULL)) {
        return 0;
    }
    if (img.entry == 0 && img.nr_segs == 0) {
        abort();        /* parse succeeded with nothing to boot */
    }
    {
        uint64_t amd, intel;

        if (pvh_image_find_xen_stubs(&img, &amd, &intel) &&
            (intel != amd + 16 || amd % 16 || intel + 4 > img.end)) {
            abort();
        }
    }
    ram_size = (img.end + 0x1fffff) & ~0xfffffull;
    if (ram_size <= FUZZ_RAM_MAX) {
        ram = g_malloc0(ram_size);
        if (!pvh_image_load(&img, ram, ram_size, NULL)) {
            abort();    /* it fits by construction */
        }
        check_loaded(&img, ram, data, size);
        g_free(ram);
        /* One byte short of the last segment's end must fail. */
        ram = g_malloc0(img.end - 1);
        if (pvh_image_load(&img, ram, img.end - 1, NULL)) {
            abort();
        }
        g_free(ram);
    }
    pvh_image_clear(&img);
    return 0;
}
