/*
 * Xenner grant table v1: the checks and flag updates Xen makes when a
 * domain maps or copies a grant, done on entries in the guest's memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "gnttab_int.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

/* Xen gives up on an entry that changes under it this many times. */
#define SET_STATUS_TRIES 4

/*
 * A ref in use by the mapper: Xen's active entry. The frame is read once,
 * when the first pin is taken, and used for every later pin, so a guest
 * changing the entry under a mapping cannot move it. Not in use while
 * pins is 0.
 */
typedef struct GntActive {
    unsigned pins;          /* maps and copies in progress */
    unsigned wpins;         /* the writable ones among them */
    uint16_t domid;
    uint64_t gfn;
} GntActive;

typedef struct GntWindow {
    unsigned count;
    bool writable;
    uint32_t refs[];
} GntWindow;

struct XennerGnttab {
    XennerMem *mem;
    uint16_t owner;
    unsigned nr_frames;
    unsigned frames_in_use;     /* refs past these are bad */
    uint64_t table_gfns[XENNER_GNTTAB_MAX_FRAMES];
    grant_entry_v1_t *frames[XENNER_GNTTAB_MAX_FRAMES];
    /*
     * Indexed by ref: a grant copy pins and unpins every ref it touches,
     * and a hash table's lookups, inserts and allocations were a visible
     * part of each network frame's cost. calloc leaves the pages of refs
     * never pinned untouched.
     */
    GntActive *active;
    GHashTable *windows;    /* window address -> GntWindow */
    XennerGntRaceHook *race_hook;
    void *race_opaque;
};

/* ---- the flags+domid word ------------------------------------------- */

/* Overlays the head of grant_entry_v1 whatever the host's byte order. */
typedef union GntWord {
    uint32_t raw;
    struct {
        uint16_t flags;
        uint16_t domid;
    };
} GntWord;

G_STATIC_ASSERT(offsetof(grant_entry_v1_t, flags) == 0);
G_STATIC_ASSERT(offsetof(grant_entry_v1_t, domid) == 2);
G_STATIC_ASSERT(sizeof(grant_entry_v1_t) == 8);

uint32_t xenner_gnttab_word(uint16_t flags, uint16_t domid)
{
    GntWord w = { .flags = flags, .domid = domid };

    return w.raw;
}

static uint32_t *entry_word(grant_entry_v1_t *ent)
{
    return (uint32_t *)ent;
}

int xenner_gnttab_try_set_status(uint32_t *word, uint32_t seen,
                                 uint16_t domid, bool writable, bool map)
{
    GntWord w = { .raw = seen };
    uint16_t mask = GTF_type_mask;
    uint32_t want;

    /* Only a copy may use a sub-page grant, as on Xen. */
    if (map) {
        mask |= GTF_sub_page;
    }
    if ((w.flags & mask) != GTF_permit_access || w.domid != domid) {
        return -EPERM;
    }
    if (writable && (w.flags & GTF_readonly)) {
        return -EACCES;
    }
    want = seen | xenner_gnttab_word(GTF_reading |
                                     (writable ? GTF_writing : 0), 0);
    if (!__atomic_compare_exchange_n(word, &seen, want, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        return -EAGAIN;
    }
    return 0;
}

void xenner_gnttab_set_race_hook(XennerGnttab *gt, XennerGntRaceHook *fn,
                                 void *opaque)
{
    gt->race_hook = fn;
    gt->race_opaque = opaque;
}

/* ---- the table ------------------------------------------------------ */

XennerGnttab *xenner_gnttab_new(XennerMem *mem, uint16_t owner_domid,
                                const uint64_t *table_gfns, unsigned n,
                                Error **errp)
{
    XennerGnttab *gt;

    if (n == 0 || n > XENNER_GNTTAB_MAX_FRAMES) {
        error_setg(errp, "grant table of %u frames: must be 1 to %u",
                   n, XENNER_GNTTAB_MAX_FRAMES);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!xenner_mem_frame(mem, table_gfns[i])) {
            error_setg(errp, "grant table frame %#" PRIx64 " "
                       "is outside guest memory", table_gfns[i]);
            return NULL;
        }
        for (unsigned j = 0; j < i; j++) {
            if (table_gfns[j] == table_gfns[i]) {
                error_setg(errp, "grant table frame %#" PRIx64
                           " is listed twice", table_gfns[i]);
                return NULL;
            }
        }
    }

    gt = g_new0(XennerGnttab, 1);
    gt->mem = mem;
    gt->owner = owner_domid;
    gt->nr_frames = n;
    gt->frames_in_use = n;
    for (unsigned i = 0; i < n; i++) {
        gt->table_gfns[i] = table_gfns[i];
        gt->frames[i] = xenner_mem_frame(mem, table_gfns[i]);
    }
    gt->active = g_new0(GntActive,
                        (size_t)n * XENNER_GNTTAB_ENTRIES_PER_FRAME);
    gt->windows = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    return gt;
}

unsigned xenner_gnttab_nr_entries(const XennerGnttab *gt)
{
    return gt->nr_frames * XENNER_GNTTAB_ENTRIES_PER_FRAME;
}

void xenner_gnttab_set_frames_in_use(XennerGnttab *gt, unsigned nr)
{
    gt->frames_in_use = MIN(nr, gt->nr_frames);
}

unsigned xenner_gnttab_frames_in_use(const XennerGnttab *gt)
{
    return gt->frames_in_use;
}

/* Entry @ref whether or not its frame is in use: for refs pinned already. */
static grant_entry_v1_t *table_entry(XennerGnttab *gt, uint32_t ref)
{
    return &gt->frames[ref / XENNER_GNTTAB_ENTRIES_PER_FRAME]
                      [ref % XENNER_GNTTAB_ENTRIES_PER_FRAME];
}

uint16_t xenner_gnttab_owner(const XennerGnttab *gt)
{
    return gt->owner;
}

grant_entry_v1_t *xenner_gnttab_entry(XennerGnttab *gt, uint32_t ref)
{
    if (ref >= gt->frames_in_use * XENNER_GNTTAB_ENTRIES_PER_FRAME) {
        return NULL;
    }
    return table_entry(gt, ref);
}

static bool is_table_frame(const XennerGnttab *gt, uint64_t gfn)
{
    for (unsigned i = 0; i < gt->nr_frames; i++) {
        if (gt->table_gfns[i] == gfn) {
            return true;
        }
    }
    return false;
}

/* ---- pins ----------------------------------------------------------- */

static void clear_flags(grant_entry_v1_t *ent, uint16_t flags)
{
    __atomic_fetch_and(entry_word(ent), ~xenner_gnttab_word(flags, 0),
                       __ATOMIC_RELEASE);
}

/* Claims the entry as xenner_gnttab_try_set_status(), re-reading on races. */
static int set_status(XennerGnttab *gt, uint32_t ref, grant_entry_v1_t *ent,
                      uint16_t domid, bool writable, bool map)
{
    for (unsigned tries = 0; tries < SET_STATUS_TRIES; tries++) {
        uint32_t seen = __atomic_load_n(entry_word(ent), __ATOMIC_ACQUIRE);
        int ret;

        if (gt->race_hook) {
            gt->race_hook(gt->race_opaque, ref);
        }
        ret = xenner_gnttab_try_set_status(entry_word(ent), seen, domid,
                                           writable, map);
        if (ret != -EAGAIN) {
            return ret;
        }
    }
    return -EBUSY;
}

/*
 * Takes one pin on @ref for @domid, setting the entry's flags, and
 * returns the granted frame in *gfn. Nothing changes on failure.
 */
static int pin_ref(XennerGnttab *gt, uint32_t ref, uint16_t domid,
                   bool writable, bool map, uint64_t *gfn)
{
    grant_entry_v1_t *ent = xenner_gnttab_entry(gt, ref);
    GntActive *act;
    uint64_t frame;
    int ret;

    if (!ent) {
        return -EINVAL;
    }
    act = &gt->active[ref];
    if (act->pins && act->domid != domid) {
        return -EPERM;
    }

    /*
     * Unlike Xen, which trusts an active entry for further read-only
     * pins, every pin checks the entry again: a guest that revoked or
     * narrowed a grant gets no new mapping from it.
     */
    ret = set_status(gt, ref, ent, domid, writable, map);
    if (ret) {
        return ret;
    }

    /* The claim above orders this read after the checked word. */
    frame = act->pins ? act->gfn
                      : __atomic_load_n(&ent->frame, __ATOMIC_RELAXED);
    /*
     * Checked on every pin, not only the first: the guest may have
     * released (ballooned out) a frame that a map still holds.
     */
    if (!xenner_mem_frame_present(gt->mem, frame) ||
        is_table_frame(gt, frame)) {
        uint16_t undo = (act->pins ? 0 : GTF_reading) |
                        (writable && !act->wpins ? GTF_writing : 0);

        if (undo) {
            clear_flags(ent, undo);
        }
        return -EINVAL;
    }
    if (!act->pins) {
        *act = (GntActive) { .domid = domid, .gfn = frame };
    }
    act->pins++;
    if (writable) {
        act->wpins++;
    }
    *gfn = act->gfn;
    return 0;
}

/* Drops a pin that pin_ref() took, clearing the flags no pin needs now. */
static void unpin_ref(XennerGnttab *gt, uint32_t ref, bool writable)
{
    grant_entry_v1_t *ent;
    GntActive *act;
    uint16_t clear = 0;

    g_assert(ref < xenner_gnttab_nr_entries(gt));
    /* Pinned before: released even if its frame went out of use since. */
    ent = table_entry(gt, ref);
    act = &gt->active[ref];
    g_assert(act->pins > 0 && (!writable || act->wpins > 0));
    act->pins--;
    if (writable && --act->wpins == 0) {
        clear |= GTF_writing;
    }
    if (act->pins == 0) {
        clear |= GTF_reading;
    }
    if (clear) {
        clear_flags(ent, clear);
    }
}

/* ---- maps ----------------------------------------------------------- */

int xenner_gnttab_map_refs(XennerGnttab *gt, uint16_t mapper_domid,
                           unsigned count, const uint32_t *refs,
                           bool writable, void **addr)
{
    g_autofree uint64_t *gfns = NULL;
    GntWindow *win;
    unsigned i;
    int ret = 0;

    if (count == 0 || count > XENNER_MEM_MAP_MAX) {
        return -EINVAL;
    }
    gfns = g_new(uint64_t, count);
    for (i = 0; i < count; i++) {
        ret = pin_ref(gt, refs[i], mapper_domid, writable, true, &gfns[i]);
        if (ret) {
            break;
        }
    }
    if (!ret) {
        ret = xenner_mem_map(gt->mem, gfns, count, writable, addr);
    }
    if (ret) {
        while (i-- > 0) {
            unpin_ref(gt, refs[i], writable);
        }
        return ret;
    }

    win = g_malloc(sizeof(*win) + count * sizeof(win->refs[0]));
    win->count = count;
    win->writable = writable;
    memcpy(win->refs, refs, count * sizeof(refs[0]));
    g_hash_table_insert(gt->windows, *addr, win);
    return 0;
}

static int unmap_window(XennerGnttab *gt, void *addr, GntWindow *win)
{
    int ret = xenner_mem_unmap(gt->mem, addr, win->count);

    /* A window still there must keep its grants pinned. */
    if (ret) {
        return ret;
    }
    for (unsigned i = 0; i < win->count; i++) {
        unpin_ref(gt, win->refs[i], win->writable);
    }
    return 0;
}

int xenner_gnttab_unmap(XennerGnttab *gt, void *addr, const uint32_t *refs,
                        unsigned count)
{
    GntWindow *win = g_hash_table_lookup(gt->windows, addr);
    int ret;

    if (!win || win->count != count ||
        memcmp(win->refs, refs, count * sizeof(refs[0]))) {
        return -EINVAL;
    }
    ret = unmap_window(gt, addr, win);
    if (ret) {
        return ret;
    }
    g_hash_table_remove(gt->windows, addr);
    return 0;
}

void xenner_gnttab_free(XennerGnttab *gt)
{
    GHashTableIter iter;
    gpointer addr, win;

    if (!gt) {
        return;
    }
    g_hash_table_iter_init(&iter, gt->windows);
    while (g_hash_table_iter_next(&iter, &addr, &win)) {
        unmap_window(gt, addr, win);
    }
    g_hash_table_destroy(gt->windows);
    g_free(gt->active);
    g_free(gt);
}

/* ---- copies --------------------------------------------------------- */

static int copy_one(XennerGnttab *gt, uint16_t domid, XennerGntCopySeg *seg)
{
    uint64_t gfn;
    uint8_t *page;
    int ret;

    if (seg->offset >= XENNER_PAGE_SIZE ||
        seg->len > XENNER_PAGE_SIZE - seg->offset) {
        return -EINVAL;
    }
    ret = pin_ref(gt, seg->ref, domid, seg->to_guest, false, &gfn);
    if (ret) {
        return ret;
    }
    page = xenner_mem_frame(gt->mem, gfn);
    if (seg->to_guest) {
        memcpy(page + seg->offset, seg->buf, seg->len);
    } else {
        memcpy(seg->buf, page + seg->offset, seg->len);
    }
    unpin_ref(gt, seg->ref, seg->to_guest);
    return 0;
}

int xenner_gnttab_copy(XennerGnttab *gt, uint16_t mapper_domid,
                       XennerGntCopySeg *segs, unsigned count)
{
    int first = 0;

    for (unsigned i = 0; i < count; i++) {
        segs[i].status = copy_one(gt, mapper_domid, &segs[i]);
        if (segs[i].status && !first) {
            first = segs[i].status;
        }
    }
    return first;
}

/* ---- the guest's side ----------------------------------------------- */

bool xenner_gnttab_grant(XennerGnttab *gt, uint32_t ref, uint16_t domid,
                         uint64_t gfn, bool readonly)
{
    grant_entry_v1_t *ent = xenner_gnttab_entry(gt, ref);
    uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);

    if (!ent || gfn > UINT32_MAX) {
        return false;
    }
    if (__atomic_load_n(&ent->flags, __ATOMIC_ACQUIRE) &
        (GTF_reading | GTF_writing)) {
        return false;
    }
    __atomic_store_n(&ent->domid, domid, __ATOMIC_RELAXED);
    __atomic_store_n(&ent->frame, (uint32_t)gfn, __ATOMIC_RELAXED);
    /* The mapper must see domid and frame before the type that enables. */
    __atomic_store_n(&ent->flags, flags, __ATOMIC_RELEASE);
    return true;
}

bool xenner_gnttab_end_access(XennerGnttab *gt, uint32_t ref)
{
    grant_entry_v1_t *ent = xenner_gnttab_entry(gt, ref);
    uint16_t flags;

    if (!ent) {
        return false;
    }
    flags = __atomic_load_n(&ent->flags, __ATOMIC_ACQUIRE);
    do {
        if (flags & (GTF_reading | GTF_writing)) {
            return false;
        }
    } while (!__atomic_compare_exchange_n(&ent->flags, &flags, 0, false,
                                          __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    return true;
}
