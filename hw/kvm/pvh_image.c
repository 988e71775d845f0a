/*
 * ELF vmlinux and bzImage parsing for the PVH loader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "hw/kvm/pvh_image.h"

#include <elf.h>
#include <inttypes.h>
#include <lzma.h>
#include <string.h>
#include <glib.h>
#include <xen/elfnote.h>

/* The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS      0x1f1
#define BZ_HEADER_MAGIC     0x202       /* "HdrS" */
#define BZ_VERSION          0x206
#define BZ_PAYLOAD_OFFSET   0x248       /* from the protected-mode code */
#define BZ_PAYLOAD_LENGTH   0x24c
#define BZ_MIN_VERSION      0x0208      /* the first with payload_* */
#define BZ_HEADER_END       0x250

static uint16_t get16(const uint8_t *p)
{
    return p[0] | (uint16_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* Whether [off, off + n) lies within @len, without overflow. */
static bool in_range(uint64_t off, uint64_t n, uint64_t len)
{
    return off <= len && n <= len - off;
}

static bool is_bzimage(const uint8_t *data, size_t len)
{
    return len >= BZ_HEADER_END && get32(data + BZ_HEADER_MAGIC) ==
        ('H' | 'd' << 8 | 'r' << 16 | (uint32_t)'S' << 24);
}

/*
 * The payload, decompressed. The trailing 4 bytes the kernel's build
 * appends (the uncompressed size) sit after the XZ stream's end, where
 * the decoder stops; the size is not trusted, only the bound.
 */
static bool xz_decompress(const uint8_t *in, size_t in_len, uint8_t **out,
                          size_t *out_len, Error **errp)
{
    lzma_stream strm = LZMA_STREAM_INIT;
    size_t cap = in_len * 4 < PVH_IMAGE_MAX_ELF ? in_len * 4 + 4096
                                                : PVH_IMAGE_MAX_ELF;
    uint8_t *buf;
    lzma_ret ret;

    if (lzma_stream_decoder(&strm, UINT64_MAX, 0) != LZMA_OK) {
        error_setg(errp, "cannot start the XZ decoder");
        return false;
    }
    buf = g_malloc(cap);
    strm.next_in = in;
    strm.avail_in = in_len;
    strm.next_out = buf;
    strm.avail_out = cap;
    for (;;) {
        ret = lzma_code(&strm, LZMA_FINISH);
        if (ret == LZMA_STREAM_END) {
            break;
        }
        if (ret == LZMA_BUF_ERROR && strm.avail_out == 0 &&
            cap < PVH_IMAGE_MAX_ELF) {
            size_t used = cap;

            cap = cap > PVH_IMAGE_MAX_ELF / 2 ? PVH_IMAGE_MAX_ELF : cap * 2;
            buf = g_realloc(buf, cap);
            strm.next_out = buf + used;
            strm.avail_out = cap - used;
            continue;
        }
        if (ret == LZMA_OK) {
            continue;
        }
        error_setg(errp, "bzImage payload: %s",
                   ret == LZMA_BUF_ERROR && strm.avail_out == 0
                   ? "decompresses to more than the limit"
                   : ret == LZMA_BUF_ERROR ? "truncated XZ stream"
                   : "corrupt XZ stream");
        lzma_end(&strm);
        g_free(buf);
        return false;
    }
    *out_len = strm.total_out;
    lzma_end(&strm);
    *out = g_realloc(buf, *out_len ? *out_len : 1);
    return true;
}

static bool bzimage_payload(const uint8_t *data, size_t len, uint8_t **elf,
                            size_t *elf_len, Error **errp)
{
    static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
    uint16_t version = get16(data + BZ_VERSION);
    unsigned sects = data[BZ_SETUP_SECTS] ? data[BZ_SETUP_SECTS] : 4;
    uint64_t pm_start = (uint64_t)(sects + 1) * 512;
    uint64_t off = pm_start + get32(data + BZ_PAYLOAD_OFFSET);
    uint32_t plen = get32(data + BZ_PAYLOAD_LENGTH);

    if (version < BZ_MIN_VERSION) {
        error_setg(errp, "bzImage boot protocol %u.%02u is older than 2.08",
                   version >> 8, version & 0xff);
        return false;
    }
    if (!in_range(off, plen, len)) {
        error_setg(errp, "bzImage payload (%" PRIu32 " bytes at %" PRIu64
                   ") lies outside the %zu-byte file", plen, off, len);
        return false;
    }
    if (plen < sizeof(xz_magic) || memcmp(data + off, xz_magic,
                                          sizeof(xz_magic))) {
        error_setg(errp, "bzImage payload is not XZ-compressed (only "
                   "CONFIG_KERNEL_XZ kernels are supported)");
        return false;
    }
    return xz_decompress(data + off, plen, elf, elf_len, errp);
}

/* Finds XEN_ELFNOTE_PHYS32_ENTRY in the notes at [off, off + size). */
static bool find_entry_note(const uint8_t *elf, uint64_t off, uint64_t size,
                            uint32_t *entry, bool *found, Error **errp)
{
    uint64_t pos = 0;

    while (size - pos >= sizeof(Elf64_Nhdr)) {
        Elf64_Nhdr nh;
        uint64_t name_off, desc_off, next;

        memcpy(&nh, elf + off + pos, sizeof(nh));
        name_off = pos + sizeof(nh);
        desc_off = name_off + ((nh.n_namesz + 3ull) & ~3ull);
        next = desc_off + ((nh.n_descsz + 3ull) & ~3ull);
        if (next > size) {
            error_setg(errp, "ELF note at %" PRIu64 " runs past its segment",
                       off + pos);
            return false;
        }
        if (nh.n_namesz == 4 && !memcmp(elf + off + name_off, "Xen", 4) &&
            nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY) {
            uint64_t v;

            if (nh.n_descsz == 4) {
                v = get32(elf + off + desc_off);
            } else if (nh.n_descsz == 8) {
                v = get32(elf + off + desc_off) |
                    (uint64_t)get32(elf + off + desc_off + 4) << 32;
            } else {
                error_setg(errp, "PHYS32_ENTRY note of %" PRIu32 " bytes",
                           nh.n_descsz);
                return false;
            }
            if (v > UINT32_MAX) {
                error_setg(errp, "PHYS32_ENTRY 0x%" PRIx64 " is above 4 GiB",
                           v);
                return false;
            }
            *entry = v;
            *found = true;
        }
        pos = next;
    }
    return true;
}

static bool parse_elf(PvhImage *img, Error **errp)
{
    const uint8_t *elf = img->elf;
    size_t len = img->elf_len;
    Elf64_Ehdr eh;
    bool found = false;

    if (len < sizeof(eh) || memcmp(elf, ELFMAG, SELFMAG)) {
        error_setg(errp, "not an ELF file or a bzImage");
        return false;
    }
    memcpy(&eh, elf, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
        error_setg(errp, "not a 64-bit little-endian x86-64 ELF kernel");
        return false;
    }
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        !in_range(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr),
                  len)) {
        error_setg(errp, "ELF program headers lie outside the file");
        return false;
    }
    img->nr_segs = 0;
    img->end = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        PvhSegment *s;

        memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE) {
            continue;
        }
        if (!in_range(ph.p_offset, ph.p_filesz, len)) {
            error_setg(errp, "ELF segment %u lies outside the file", i);
            return false;
        }
        if (ph.p_type == PT_NOTE) {
            if (!find_entry_note(elf, ph.p_offset, ph.p_filesz, &img->entry,
                                 &found, errp)) {
                return false;
            }
            continue;
        }
        if (ph.p_memsz == 0) {
            continue;
        }
        if (ph.p_filesz > ph.p_memsz || ph.p_paddr < PVH_IMAGE_MIN_PADDR ||
            !in_range(ph.p_paddr, ph.p_memsz, UINT32_MAX)) {
            error_setg(errp, "ELF segment %u (0x%" PRIx64 ", %" PRIu64
                       " bytes) is not between 1 MiB and 4 GiB", i,
                       (uint64_t)ph.p_paddr, (uint64_t)ph.p_memsz);
            return false;
        }
        if (img->nr_segs == PVH_IMAGE_MAX_SEGS) {
            error_setg(errp, "more than %u loadable ELF segments",
                       PVH_IMAGE_MAX_SEGS);
            return false;
        }
        s = &img->segs[img->nr_segs++];
        s->paddr = ph.p_paddr;
        s->offset = ph.p_offset;
        s->filesz = ph.p_filesz;
        s->memsz = ph.p_memsz;
        img->end = MAX(img->end, s->paddr + s->memsz);
    }
    if (img->nr_segs == 0) {
        error_setg(errp, "the ELF kernel has no loadable segment");
        return false;
    }
    if (!found) {
        error_setg(errp, "the kernel has no XEN_ELFNOTE_PHYS32_ENTRY note: "
                   "not built with CONFIG_PVH");
        return false;
    }
    return true;
}

bool pvh_image_parse(const uint8_t *data, size_t len, PvhImage *img,
                     Error **errp)
{
    memset(img, 0, sizeof(*img));
    if (is_bzimage(data, len)) {
        img->was_bzimage = true;
        if (!bzimage_payload(data, len, &img->elf, &img->elf_len, errp)) {
            return false;
        }
    } else {
        img->elf = g_memdup2(data, len ? len : 1);
        img->elf_len = len;
    }
    if (!parse_elf(img, errp)) {
        pvh_image_clear(img);
        return false;
    }
    return true;
}

void pvh_image_clear(PvhImage *img)
{
    g_free(img->elf);
    memset(img, 0, sizeof(*img));
}

/* A 3-byte hypercall instruction at @p followed by RET or JMP rel32. */
static bool is_stub(const uint8_t *p, uint8_t modrm)
{
    return p[0] == 0x0f && p[1] == 0x01 && p[2] == modrm &&
        (p[3] == 0xc3 || p[3] == 0xe9);
}

bool pvh_image_find_xen_stubs(const PvhImage *img, uint64_t *vmmcall_paddr,
                              uint64_t *vmcall_paddr)
{
    unsigned found = 0;

    for (unsigned i = 0; i < img->nr_segs; i++) {
        const PvhSegment *s = &img->segs[i];
        const uint8_t *base = img->elf + s->offset;

        /* Alignment is of the address, which the segment's may not be. */
        for (uint64_t off = (16 - (s->paddr & 15)) & 15;
             s->filesz >= 20 && off <= s->filesz - 20; off += 16) {
            if (is_stub(base + off, 0xd9) && is_stub(base + off + 16, 0xc1)) {
                *vmmcall_paddr = s->paddr + off;
                *vmcall_paddr = s->paddr + off + 16;
                found++;
            }
        }
    }
    return found == 1;
}

bool pvh_image_load(const PvhImage *img, uint8_t *ram, uint64_t ram_size,
                    Error **errp)
{
    for (unsigned i = 0; i < img->nr_segs; i++) {
        const PvhSegment *s = &img->segs[i];

        if (!in_range(s->paddr, s->memsz, ram_size)) {
            error_setg(errp, "the kernel's segment at 0x%" PRIx64 " (%" PRIu64
                       " bytes) does not fit in %" PRIu64 " MiB of RAM",
                       s->paddr, s->memsz, ram_size >> 20);
            return false;
        }
    }
    for (unsigned i = 0; i < img->nr_segs; i++) {
        const PvhSegment *s = &img->segs[i];

        memcpy(ram + s->paddr, img->elf + s->offset, s->filesz);
        memset(ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
    }
    return true;
}
