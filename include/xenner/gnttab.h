/*
 * Xenner grant table, version 1. The table lives in the granting guest's
 * own memory, in frames the guest chose, and the guest writes its entries
 * (struct grant_entry_v1) exactly as it would on Xen. A mapper, usually
 * the backend domain 0, maps or copies granted frames through the checks
 * Xen makes, and sets and clears GTF_reading/GTF_writing as Xen does.
 *
 * The guest may change its entries at any time, from any thread: every
 * check reads flags and domid as one word and claims the entry with a
 * compare-and-swap. The mapper side is not thread-safe: one event loop
 * owns a XennerGnttab.
 *
 * Errors, from Xen's GNTST codes: a ref outside the table
 * (GNTST_bad_gntref) or a granted frame outside the guest's memory,
 * released by it (xenner_mem_release(), checked at every map and copy,
 * even of a ref mapped before) or holding its grant table
 * (GNTST_bad_page) -EINVAL; an entry that does
 * not grant access to the mapper (GNTST_general_error for bad flags or
 * domain) -EPERM; a read-only grant asked for write access -EACCES; copy
 * arguments that cross the page (GNTST_bad_copy_arg) -EINVAL; an entry
 * the guest keeps changing under us ("unstable", GNTST_general_error)
 * -EBUSY.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XENNER_GNTTAB_H
#define XENNER_GNTTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#include "util/error.h"
#include "xenner/guest_mem.h"

/* Xen's default gnttab_max_frames. */
#define XENNER_GNTTAB_MAX_FRAMES 64
#define XENNER_GNTTAB_ENTRIES_PER_FRAME \
    (XENNER_PAGE_SIZE / sizeof(grant_entry_v1_t))

typedef struct XennerGnttab XennerGnttab;

/*
 * The grant table of domain @owner_domid, held in the @n frames
 * @table_gfns of @mem (entry 0 at the start of the first). The frames
 * must be distinct; their contents are left as the guest wrote them.
 */
XennerGnttab *xenner_gnttab_new(XennerMem *mem, uint16_t owner_domid,
                                const uint64_t *table_gfns, unsigned n,
                                Error **errp);
/*
 * Unmaps every window still mapped and clears the flags they held, as
 * Xen does for a mapper that goes away.
 */
void xenner_gnttab_free(XennerGnttab *gt);
unsigned xenner_gnttab_nr_entries(const XennerGnttab *gt);
/*
 * How many of the table's frames the guest uses, from the first: refs
 * past them are outside the table (-EINVAL), as on Xen, where a table
 * grows frame by frame as the guest asks for them (an HVM or PVH guest
 * by placing frame N with XENMAPSPACE_grant_table). A new table uses
 * all its frames; a machine whose guest places them sets 0 first and
 * raises it as frames are placed. @nr above the table's size is
 * clamped. Lowering it leaves what is mapped or copying alone: those
 * refs are released as usual, and only new maps are refused.
 */
void xenner_gnttab_set_frames_in_use(XennerGnttab *gt, unsigned nr);
unsigned xenner_gnttab_frames_in_use(const XennerGnttab *gt);
uint16_t xenner_gnttab_owner(const XennerGnttab *gt);

/* ---- the mapper's side ---------------------------------------------- */

/*
 * Maps the frames that @refs grant into one contiguous window of @count
 * pages, read-only unless @writable, for domain @mapper_domid. Each ref
 * must be in the table, of type GTF_permit_access without GTF_sub_page,
 * granted to @mapper_domid, and not GTF_readonly when @writable. Sets
 * GTF_reading, and GTF_writing when @writable, on each entry; two maps of
 * one ref share the flags until the last one is unmapped. On any failure
 * nothing stays mapped, pinned or flagged. Returns 0 and sets *addr, or
 * -errno as listed above.
 */
int xenner_gnttab_map_refs(XennerGnttab *gt, uint16_t mapper_domid,
                           unsigned count, const uint32_t *refs,
                           bool writable, void **addr);
/*
 * Unmaps a window that xenner_gnttab_map_refs() returned; @refs and
 * @count must be those it was mapped with (-EINVAL otherwise).
 */
int xenner_gnttab_unmap(XennerGnttab *gt, void *addr, const uint32_t *refs,
                        unsigned count);

/* One grant copy between a granted frame and the mapper's own memory. */
typedef struct XennerGntCopySeg {
    uint32_t ref;
    uint32_t offset;        /* into the granted frame */
    uint32_t len;           /* offset + len must not pass the frame's end */
    void *buf;              /* local memory, @len bytes */
    bool to_guest;          /* buf -> frame, which needs a writable grant */
    int status;             /* out: 0 or -errno */
} XennerGntCopySeg;

/*
 * Does each segment in turn, as GNTTABOP_copy does, holding GTF_reading
 * (and GTF_writing for a destination) on the entry only for the copy.
 * Sets every segment's status; returns 0 when all succeeded, otherwise
 * the status of the first that failed.
 */
int xenner_gnttab_copy(XennerGnttab *gt, uint16_t mapper_domid,
                       XennerGntCopySeg *segs, unsigned count);

/* ---- the guest's side ----------------------------------------------- */

/*
 * Entry @ref in guest memory, or NULL when @ref is outside the table
 * (or past its frames in use).
 */
grant_entry_v1_t *xenner_gnttab_entry(XennerGnttab *gt, uint32_t ref);
/*
 * Grants @domid access to frame @gfn through entry @ref, in the order the
 * grant_table.h rules give (domid, frame, barrier, flags). False when @ref
 * is outside the table, @gfn does not fit the entry, or the entry is still
 * mapped.
 */
bool xenner_gnttab_grant(XennerGnttab *gt, uint32_t ref, uint16_t domid,
                         uint64_t gfn, bool readonly);
/*
 * Revokes entry @ref with a compare-and-swap, as Linux's
 * gnttab_end_foreign_access_ref() does: false while the entry is mapped
 * or being copied (GTF_reading or GTF_writing set), or @ref is outside
 * the table.
 */
bool xenner_gnttab_end_access(XennerGnttab *gt, uint32_t ref);

#endif /* XENNER_GNTTAB_H */
