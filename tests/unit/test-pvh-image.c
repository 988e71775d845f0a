/*
 * Unit tests of the PVH loader: crafted ELF kernels and bzImages, good
 * and hostile, the segments placed in RAM, hvm_start_info as the guest
 * reads it, and Debian's own vmlinuz when the rig's cache holds it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <elf.h>
#include <lzma.h>
#include <string.h>
#include <glib.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "hw/kvm/pvh_boot.h"
#include "hw/kvm/pvh_image.h"

#define DEBIAN_VMLINUZ \
    "/var/cache/qemu-xenpv-rig/6.1.0-57-amd64/root/boot/vmlinuz-6.1.0-57-amd64"

#define ENTRY 0x1000850u
#define SEG_PADDR 0x1000000u
#define SEG_FILESZ 64u
#define SEG_MEMSZ 256u
#define RAM_SIZE (32u << 20)

/* An ELF: header, two program headers (PT_NOTE, PT_LOAD), notes, code. */
typedef struct TestElf {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[2];
    struct {
        Elf64_Nhdr nh;
        char name[4];
        uint32_t desc;
    } notes[2];
    uint8_t code[SEG_FILESZ];
} TestElf;

static void make_elf(TestElf *e)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
    e->eh.e_ident[EI_CLASS] = ELFCLASS64;
    e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    e->eh.e_ident[EI_VERSION] = EV_CURRENT;
    e->eh.e_type = ET_EXEC;
    e->eh.e_machine = EM_X86_64;
    e->eh.e_phoff = offsetof(TestElf, ph);
    e->eh.e_phentsize = sizeof(Elf64_Phdr);
    e->eh.e_phnum = 2;
    e->ph[0].p_type = PT_NOTE;
    e->ph[0].p_offset = offsetof(TestElf, notes);
    e->ph[0].p_filesz = sizeof(e->notes);
    e->ph[1].p_type = PT_LOAD;
    e->ph[1].p_offset = offsetof(TestElf, code);
    e->ph[1].p_paddr = SEG_PADDR;
    e->ph[1].p_filesz = SEG_FILESZ;
    e->ph[1].p_memsz = SEG_MEMSZ;
    /* Another Xen note first, as Linux has many. */
    e->notes[0].nh = (Elf64_Nhdr){ 4, 4, XEN_ELFNOTE_GUEST_OS };
    memcpy(e->notes[0].name, "Xen", 4);
    memcpy(&e->notes[0].desc, "linu", 4);
    e->notes[1].nh = (Elf64_Nhdr){ 4, 4, XEN_ELFNOTE_PHYS32_ENTRY };
    memcpy(e->notes[1].name, "Xen", 4);
    e->notes[1].desc = ENTRY;
    memset(e->code, 0xcc, sizeof(e->code));
}

/* A bzImage around @payload: 4 setup sectors, then the payload. */
static GByteArray *make_bzimage(const uint8_t *payload, size_t len,
                                uint32_t claimed_len)
{
    GByteArray *b = g_byte_array_new();
    size_t pm = 5 * 512;

    g_byte_array_set_size(b, pm + 100 + len);
    memset(b->data, 0, b->len);
    b->data[0x1f1] = 4;
    memcpy(b->data + 0x202, "HdrS", 4);
    b->data[0x206] = 0x0f;      /* 2.15 */
    b->data[0x207] = 0x02;
    b->data[0x248] = 100;       /* payload_offset */
    memcpy(b->data + 0x24c, &claimed_len, 4);
    memcpy(b->data + pm + 100, payload, len);
    return b;
}

static uint8_t *xz(const void *in, size_t len, size_t *out_len)
{
    size_t cap = len + 4096, pos = 0;
    uint8_t *out = g_malloc(cap + 4);

    g_assert_cmpint(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in,
                                            len, out, &pos, cap), ==,
                    LZMA_OK);
    /* Linux appends the uncompressed size. */
    memcpy(out + pos, &(uint32_t){ len }, 4);
    *out_len = pos + 4;
    return out;
}

static void expect_fail(const void *data, size_t len, const char *what)
{
    PvhImage img;
    Error *err = NULL;

    g_assert_false(pvh_image_parse(data, len, &img, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), what));
    g_assert_null(img.elf);
    error_free(err);
}

static void check_good(const PvhImage *img)
{
    g_assert_cmphex(img->entry, ==, ENTRY);
    g_assert_cmpuint(img->nr_segs, ==, 1);
    g_assert_cmphex(img->segs[0].paddr, ==, SEG_PADDR);
    g_assert_cmpuint(img->end, ==, SEG_PADDR + SEG_MEMSZ);
}

static void test_elf_good(void)
{
    TestElf e;
    PvhImage img;
    g_autofree uint8_t *ram = g_malloc(RAM_SIZE);

    make_elf(&e);
    g_assert_true(pvh_image_parse((uint8_t *)&e, sizeof(e), &img, NULL));
    g_assert_false(img.was_bzimage);
    check_good(&img);
    memset(ram, 0x55, RAM_SIZE);
    g_assert_true(pvh_image_load(&img, ram, RAM_SIZE, NULL));
    g_assert_cmpint(memcmp(ram + SEG_PADDR, e.code, SEG_FILESZ), ==, 0);
    for (unsigned i = SEG_FILESZ; i < SEG_MEMSZ; i++) {
        g_assert_cmpint(ram[SEG_PADDR + i], ==, 0);
    }
    g_assert_cmpint(ram[SEG_PADDR + SEG_MEMSZ], ==, 0x55);
    g_assert_cmpint(ram[SEG_PADDR - 1], ==, 0x55);
    pvh_image_clear(&img);
}

static void test_elf_bad(void)
{
    TestElf e;

    make_elf(&e);
    expect_fail(&e, sizeof(e.eh) - 1, "not an ELF");
    e.notes[1].nh.n_type = XEN_ELFNOTE_ENTRY;
    expect_fail(&e, sizeof(e), "PHYS32_ENTRY");

    make_elf(&e);
    e.eh.e_machine = EM_386;
    expect_fail(&e, sizeof(e), "x86-64");

    make_elf(&e);
    e.eh.e_phoff = sizeof(e) - sizeof(Elf64_Phdr);
    expect_fail(&e, sizeof(e), "program headers");
    make_elf(&e);
    e.eh.e_phoff = UINT64_MAX - 8;
    expect_fail(&e, sizeof(e), "program headers");

    make_elf(&e);
    e.ph[1].p_filesz = UINT64_MAX;
    expect_fail(&e, sizeof(e), "outside the file");
    make_elf(&e);
    e.ph[1].p_offset = sizeof(e) - 8;
    expect_fail(&e, sizeof(e), "outside the file");

    make_elf(&e);
    e.ph[1].p_filesz = SEG_MEMSZ + 1;
    e.ph[1].p_offset = 0;
    expect_fail(&e, sizeof(e), "between 1 MiB");
    make_elf(&e);
    e.ph[1].p_paddr = 0x1000;
    expect_fail(&e, sizeof(e), "between 1 MiB");
    make_elf(&e);
    e.ph[1].p_paddr = UINT64_MAX - 16;
    expect_fail(&e, sizeof(e), "between 1 MiB");

    make_elf(&e);
    e.notes[0].nh.n_descsz = UINT32_MAX;
    expect_fail(&e, sizeof(e), "runs past");
    make_elf(&e);
    e.notes[1].nh.n_descsz = 2;
    expect_fail(&e, sizeof(e), "PHYS32_ENTRY note of 2 bytes");

    make_elf(&e);
    e.ph[1].p_type = PT_NULL;
    expect_fail(&e, sizeof(e), "no loadable segment");
}

static void test_load_too_big(void)
{
    TestElf e;
    PvhImage img;
    Error *err = NULL;
    g_autofree uint8_t *ram = g_malloc(SEG_PADDR + 16);

    make_elf(&e);
    g_assert_true(pvh_image_parse((uint8_t *)&e, sizeof(e), &img, NULL));
    g_assert_false(pvh_image_load(&img, ram, SEG_PADDR + 16, &err));
    g_assert_nonnull(err);
    error_free(err);
    pvh_image_clear(&img);
}

static void test_bzimage_good(void)
{
    TestElf e;
    PvhImage img;
    size_t zlen;
    g_autofree uint8_t *z = NULL;
    GByteArray *b;

    make_elf(&e);
    z = xz(&e, sizeof(e), &zlen);
    b = make_bzimage(z, zlen, zlen);
    g_assert_true(pvh_image_parse(b->data, b->len, &img, NULL));
    g_assert_true(img.was_bzimage);
    g_assert_cmpuint(img.elf_len, ==, sizeof(e));
    check_good(&img);
    pvh_image_clear(&img);
    g_byte_array_unref(b);
}

static void test_bzimage_bad(void)
{
    TestElf e;
    size_t zlen;
    g_autofree uint8_t *z = NULL;
    GByteArray *b;

    make_elf(&e);
    z = xz(&e, sizeof(e), &zlen);

    b = make_bzimage(z, zlen, zlen + 1);
    expect_fail(b->data, b->len, "outside");
    g_byte_array_unref(b);
    b = make_bzimage(z, zlen, UINT32_MAX);
    expect_fail(b->data, b->len, "outside");
    g_byte_array_unref(b);

    b = make_bzimage(z, zlen, zlen - 10);
    expect_fail(b->data, b->len, "truncated");
    g_byte_array_unref(b);

    z[zlen / 2] ^= 0xff;
    b = make_bzimage(z, zlen, zlen);
    expect_fail(b->data, b->len, "XZ");
    g_byte_array_unref(b);

    b = make_bzimage((uint8_t *)&e, sizeof(e), sizeof(e));
    expect_fail(b->data, b->len, "not XZ");
    g_byte_array_unref(b);

    b = make_bzimage(z, zlen, zlen);
    b->data[0x206] = 0x07;
    expect_fail(b->data, b->len, "older than 2.08");
    g_byte_array_unref(b);

    /* An XZ payload that decompresses to a non-ELF. */
    g_free(z);
    z = xz("hello", 5, &zlen);
    b = make_bzimage(z, zlen, zlen);
    expect_fail(b->data, b->len, "not an ELF");
    g_byte_array_unref(b);
}

static void test_start_info(void)
{
    TestElf e;
    PvhImage img;
    g_autofree uint8_t *ram = g_malloc0(RAM_SIZE);
    static const uint8_t initrd[5000] = { 1, 2, 3 };
    struct hvm_start_info si;
    struct hvm_modlist_entry mod;
    struct hvm_memmap_table_entry map[3];
    uint64_t total = 0;

    make_elf(&e);
    g_assert_true(pvh_image_parse((uint8_t *)&e, sizeof(e), &img, NULL));
    g_assert_true(pvh_image_load(&img, ram, RAM_SIZE, NULL));
    g_assert_true(pvh_boot_write(ram, RAM_SIZE, &img, "console=hvc0",
                                 initrd, sizeof(initrd), NULL));
    memcpy(&si, ram + PVH_BOOT_START_INFO, sizeof(si));
    g_assert_cmphex(si.magic, ==, XEN_HVM_START_MAGIC_VALUE);
    g_assert_cmpuint(si.version, ==, 1);
    g_assert_cmpstr((char *)ram + si.cmdline_paddr, ==, "console=hvc0");
    g_assert_cmpuint(si.nr_modules, ==, 1);
    memcpy(&mod, ram + si.modlist_paddr, sizeof(mod));
    g_assert_cmpuint(mod.size, ==, sizeof(initrd));
    g_assert_cmpuint(mod.paddr % 4096, ==, 0);
    g_assert_cmpuint(mod.paddr, >=, img.end);
    g_assert_cmpuint(mod.paddr + mod.size, <=, RAM_SIZE);
    g_assert_cmpint(memcmp(ram + mod.paddr, initrd, sizeof(initrd)), ==, 0);
    g_assert_cmpuint(si.memmap_entries, ==, 3);
    memcpy(map, ram + si.memmap_paddr, sizeof(map));
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmpuint(map[i].addr, ==, total);
        total += map[i].size;
    }
    g_assert_cmpuint(total, ==, RAM_SIZE);
    g_assert_cmpuint(map[1].type, ==, XEN_HVM_MEMMAP_TYPE_RESERVED);
    g_assert_cmpuint(map[2].type, ==, XEN_HVM_MEMMAP_TYPE_RAM);
    /* The kernel is untouched. */
    g_assert_cmpint(memcmp(ram + SEG_PADDR, e.code, SEG_FILESZ), ==, 0);

    /* No initrd, no command line. */
    g_assert_true(pvh_boot_write(ram, RAM_SIZE, &img, NULL, NULL, 0, NULL));
    memcpy(&si, ram + PVH_BOOT_START_INFO, sizeof(si));
    g_assert_cmpuint(si.nr_modules, ==, 0);
    g_assert_cmpstr((char *)ram + si.cmdline_paddr, ==, "");
    pvh_image_clear(&img);
}

static void test_start_info_bad(void)
{
    TestElf e;
    PvhImage img;
    Error *err = NULL;
    g_autofree uint8_t *ram = g_malloc0(RAM_SIZE);
    g_autofree char *longcmd = g_strnfill(PVH_BOOT_CMDLINE_MAX, 'x');

    make_elf(&e);
    g_assert_true(pvh_image_parse((uint8_t *)&e, sizeof(e), &img, NULL));
    g_assert_false(pvh_boot_write(ram, RAM_SIZE, &img, longcmd, NULL, 0,
                                  &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_false(pvh_boot_write(ram, RAM_SIZE, &img, NULL, ram,
                                  RAM_SIZE - SEG_PADDR, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_false(pvh_boot_write(ram, RAM_SIZE + 1, &img, NULL, NULL, 0,
                                  &err));
    g_assert_nonnull(err);
    error_free(err);
    pvh_image_clear(&img);
}

static const uint8_t vmmcall_ret[] = { 0x0f, 0x01, 0xd9, 0xc3 };
static const uint8_t vmcall_jmp[] = { 0x0f, 0x01, 0xc1, 0xe9, 1, 2, 3, 4 };

static bool find_stubs(TestElf *e, uint64_t *amd, uint64_t *intel)
{
    PvhImage img;
    bool found;

    g_assert_true(pvh_image_parse((uint8_t *)e, sizeof(*e), &img, NULL));
    found = pvh_image_find_xen_stubs(&img, amd, intel);
    pvh_image_clear(&img);
    return found;
}

static void test_xen_stubs(void)
{
    TestElf e;
    uint64_t amd = 0, intel = 0;

    make_elf(&e);
    g_assert_false(find_stubs(&e, &amd, &intel));

    /* As Linux lays them out: 16-byte aligned, VMMCALL first. */
    memcpy(e.code + 16, vmmcall_ret, sizeof(vmmcall_ret));
    memcpy(e.code + 32, vmcall_jmp, sizeof(vmcall_jmp));
    g_assert_true(find_stubs(&e, &amd, &intel));
    g_assert_cmphex(amd, ==, SEG_PADDR + 16);
    g_assert_cmphex(intel, ==, SEG_PADDR + 32);

    /* Two pairs: which one is Linux's is unknown, so neither. */
    memcpy(e.code, vmmcall_ret, sizeof(vmmcall_ret));
    memcpy(e.code + 16, vmcall_jmp, sizeof(vmcall_jmp));
    memcpy(e.code + 32, vmmcall_ret, sizeof(vmmcall_ret));
    memcpy(e.code + 48, vmcall_jmp, sizeof(vmcall_jmp));
    g_assert_false(find_stubs(&e, &amd, &intel));

    /* Not aligned, or not followed by a return: not the stubs. */
    make_elf(&e);
    memcpy(e.code + 17, vmmcall_ret, sizeof(vmmcall_ret));
    memcpy(e.code + 33, vmcall_jmp, sizeof(vmcall_jmp));
    g_assert_false(find_stubs(&e, &amd, &intel));
    make_elf(&e);
    memcpy(e.code + 16, vmmcall_ret, 3);
    memcpy(e.code + 32, vmcall_jmp, sizeof(vmcall_jmp));
    g_assert_false(find_stubs(&e, &amd, &intel));

    /* A pair ending past the segment's file bytes is not read. */
    make_elf(&e);
    memcpy(e.code + 32, vmmcall_ret, sizeof(vmmcall_ret));
    memcpy(e.code + 48, vmcall_jmp, sizeof(vmcall_jmp));
    e.ph[1].p_filesz = 48 + 3;
    g_assert_false(find_stubs(&e, &amd, &intel));
}

static void test_debian_vmlinuz(void)
{
    g_autofree gchar *data = NULL;
    gsize len;
    PvhImage img;
    Error *err = NULL;
    bool inside = false;

    if (!g_file_get_contents(DEBIAN_VMLINUZ, &data, &len, NULL)) {
        g_test_skip("no Debian kernel in the rig's cache");
        return;
    }
    g_assert_true(pvh_image_parse((uint8_t *)data, len, &img, &err));
    g_assert_null(err);
    g_assert_true(img.was_bzimage);
    for (unsigned i = 0; i < img.nr_segs; i++) {
        inside |= img.entry >= img.segs[i].paddr &&
                  img.entry < img.segs[i].paddr + img.segs[i].filesz;
    }
    g_assert_true(inside);
    g_test_message("entry 0x%x, %u segments, end 0x%llx", img.entry,
                   img.nr_segs, (unsigned long long)img.end);
    /* Debian's 6.1.0-57 has the XSA-466 fix: no hypercall page. */
    {
        uint64_t amd, intel;

        g_assert_true(pvh_image_find_xen_stubs(&img, &amd, &intel));
        g_assert_cmphex(intel, ==, amd + 16);
        g_test_message("xen_hypercall_amd at 0x%llx",
                       (unsigned long long)amd);
    }
    pvh_image_clear(&img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pvh-image/elf/good", test_elf_good);
    g_test_add_func("/pvh-image/elf/bad", test_elf_bad);
    g_test_add_func("/pvh-image/elf/load-too-big", test_load_too_big);
    g_test_add_func("/pvh-image/bzimage/good", test_bzimage_good);
    g_test_add_func("/pvh-image/bzimage/bad", test_bzimage_bad);
    g_test_add_func("/pvh-image/start-info/good", test_start_info);
    g_test_add_func("/pvh-image/start-info/bad", test_start_info_bad);
    g_test_add_func("/pvh-image/xen-stubs", test_xen_stubs);
    g_test_add_func("/pvh-image/debian-vmlinuz", test_debian_vmlinuz);
    return g_test_run();
}
