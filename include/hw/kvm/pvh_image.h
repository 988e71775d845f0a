/*
 * The kernel image of a PVH guest: an ELF vmlinux, or a bzImage whose
 * compressed payload is such an ELF (XZ; Debian's kernels). What the
 * loader needs from it: the PVH entry point (Xen's ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY, entered in 32-bit protected mode with paging
 * off) and the PT_LOAD segments, placed at their physical addresses.
 *
 * The file is untrusted input: every offset, length and address it holds
 * is checked before use, and a bad one fails the parse with a message.
 * Pure logic, no global state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_KVM_PVH_IMAGE_H
#define HW_KVM_PVH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* A decompressed kernel larger than this is refused (Debian's: 66 MB). */
#define PVH_IMAGE_MAX_ELF (512u << 20)
/* Segments below this would overlap where the boot information goes. */
#define PVH_IMAGE_MIN_PADDR 0x100000u
#define PVH_IMAGE_MAX_SEGS 16

typedef struct PvhSegment {
    uint64_t paddr;
    uint64_t offset;            /* into the ELF */
    uint64_t filesz;            /* <= memsz; the rest is zeroed */
    uint64_t memsz;
} PvhSegment;

typedef struct PvhImage {
    uint8_t *elf;               /* owned: a copy, or the decompressed payload */
    size_t elf_len;
    bool was_bzimage;
    uint32_t entry;             /* XEN_ELFNOTE_PHYS32_ENTRY */
    PvhSegment segs[PVH_IMAGE_MAX_SEGS];
    unsigned nr_segs;
    uint64_t end;               /* the highest paddr + memsz of a segment */
} PvhImage;

/*
 * Parses @data (@len bytes) as an ELF64 x86-64 vmlinux with a
 * PHYS32_ENTRY note, or as a bzImage (boot protocol 2.08 or later) whose
 * XZ payload is one. Fills @img, which pvh_image_clear() releases.
 */
bool pvh_image_parse(const uint8_t *data, size_t len, PvhImage *img,
                     Error **errp);
void pvh_image_clear(PvhImage *img);

/*
 * Linux's Xen hypercall stubs, xen_hypercall_amd and xen_hypercall_intel
 * (arch/x86/xen/xen-head.S): since the XSA-466 fix (Linux 6.1.119 and
 * Debian's 6.1.0-28 on) a PVH kernel has no hypercall page and issues
 * VMMCALL or VMCALL itself, which KVM without CONFIG_KVM_XEN answers
 * with -KVM_ENOSYS and never shows us. The two stubs are found as Linux
 * lays them out: VMMCALL at a 16-byte aligned address and VMCALL 16
 * bytes on, each followed by a return (RET, or JMP to the return thunk).
 * Sets the physical addresses of the two instructions and returns true
 * when exactly one such pair exists.
 */
bool pvh_image_find_xen_stubs(const PvhImage *img, uint64_t *vmmcall_paddr,
                              uint64_t *vmcall_paddr);

/*
 * Copies the segments into @ram (guest physical address 0 at @ram, of
 * @ram_size bytes), zeroing each one's tail. Fails when one does not fit.
 */
bool pvh_image_load(const PvhImage *img, uint8_t *ram, uint64_t ram_size,
                    Error **errp);

#endif /* HW_KVM_PVH_IMAGE_H */
