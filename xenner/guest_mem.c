/*
 * Xenner guest memory: one memfd per domain, mapped once whole for the
 * emulator and again, frame by frame, into the windows backends map.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xenner/guest_mem.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct XennerMem {
    int fd;
    uint8_t *base;
    uint64_t nr_frames;
    /* One bit per frame, set while the allocator has handed it out. */
    uint64_t *used;
    /* One bit per frame the domain gave back (ballooned out). */
    uint64_t *released;
    uint64_t nr_released;
    /* Every frame below this one is in use: where the next search starts. */
    uint64_t alloc_hint;
    /* Window address -> its pages, so that only a window is unmapped. */
    GHashTable *windows;
};

XennerMem *xenner_mem_new(uint64_t nr_frames, Error **errp)
{
    XennerMem *mem;
    size_t size;
    void *base;
    int fd;

    if (nr_frames == 0 || nr_frames > XENNER_MEM_MAX_FRAMES) {
        error_setg(errp, "guest memory of %" PRIu64 " frames: must be 1 to %"
                   PRIu64, nr_frames, (uint64_t)XENNER_MEM_MAX_FRAMES);
        return NULL;
    }
    size = (size_t)nr_frames << XENNER_PAGE_SHIFT;

    fd = memfd_create("xenner-guest-mem", MFD_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "memfd_create");
        return NULL;
    }
    if (ftruncate(fd, size) < 0) {
        error_setg_errno(errp, errno, "sizing guest memory to %zu bytes",
                         size);
        close(fd);
        return NULL;
    }
    base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        error_setg_errno(errp, errno, "mapping guest memory");
        close(fd);
        return NULL;
    }

    mem = g_new0(XennerMem, 1);
    mem->fd = fd;
    mem->base = base;
    mem->nr_frames = nr_frames;
    mem->used = g_new0(uint64_t, (nr_frames + 63) / 64);
    mem->released = g_new0(uint64_t, (nr_frames + 63) / 64);
    mem->windows = g_hash_table_new(NULL, NULL);
    return mem;
}

void xenner_mem_free(XennerMem *mem)
{
    GHashTableIter iter;
    gpointer addr, n;

    if (!mem) {
        return;
    }
    g_hash_table_iter_init(&iter, mem->windows);
    while (g_hash_table_iter_next(&iter, &addr, &n)) {
        munmap(addr, (size_t)GPOINTER_TO_UINT(n) << XENNER_PAGE_SHIFT);
    }
    g_hash_table_destroy(mem->windows);
    munmap(mem->base, (size_t)mem->nr_frames << XENNER_PAGE_SHIFT);
    close(mem->fd);
    g_free(mem->used);
    g_free(mem->released);
    g_free(mem);
}

uint64_t xenner_mem_nr_frames(const XennerMem *mem)
{
    return mem->nr_frames;
}

void *xenner_mem_frame(XennerMem *mem, uint64_t gfn)
{
    if (gfn >= mem->nr_frames) {
        return NULL;
    }
    return mem->base + (gfn << XENNER_PAGE_SHIFT);
}

/* ---- the test guests' frame allocator ------------------------------- */

static bool bit_get(const uint64_t *map, uint64_t n)
{
    return map[n / 64] & (1ull << (n % 64));
}

static void bit_put(uint64_t *map, uint64_t n, bool on)
{
    if (on) {
        map[n / 64] |= 1ull << (n % 64);
    } else {
        map[n / 64] &= ~(1ull << (n % 64));
    }
}

static bool frame_used(const XennerMem *mem, uint64_t gfn)
{
    return bit_get(mem->used, gfn);
}

static void frame_set_used(XennerMem *mem, uint64_t gfn, bool used)
{
    bit_put(mem->used, gfn, used);
}

bool xenner_mem_alloc_frames(XennerMem *mem, unsigned n, uint64_t *gfns,
                             Error **errp)
{
    unsigned found = 0;
    uint64_t gfn;

    for (gfn = mem->alloc_hint; gfn < mem->nr_frames && found < n; gfn++) {
        if (!frame_used(mem, gfn)) {
            gfns[found++] = gfn;
        }
    }
    if (found < n) {
        error_setg(errp, "guest memory: %u free frames wanted, %u left",
                   n, found);
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        frame_set_used(mem, gfns[i], true);
    }
    while (mem->alloc_hint < mem->nr_frames &&
           frame_used(mem, mem->alloc_hint)) {
        mem->alloc_hint++;
    }
    return true;
}

int xenner_mem_free_frames(XennerMem *mem, const uint64_t *gfns, unsigned n)
{
    unsigned i;
    int ret = 0;

    /*
     * Check everything before changing anything; clearing as we go finds
     * a frame listed twice, and the loop below puts the bits back.
     */
    for (i = 0; i < n; i++) {
        if (gfns[i] >= mem->nr_frames || !frame_used(mem, gfns[i])) {
            ret = -EINVAL;
            break;
        }
        frame_set_used(mem, gfns[i], false);
    }
    if (ret) {
        while (i-- > 0) {
            frame_set_used(mem, gfns[i], true);
        }
        return ret;
    }
    for (i = 0; i < n; i++) {
        if (gfns[i] < mem->alloc_hint) {
            mem->alloc_hint = gfns[i];
        }
    }
    return 0;
}

/* ---- ballooning ----------------------------------------------------- */

/*
 * Frees the host pages behind @n frames from @gfn, which then read as
 * zeros; where the memfd cannot punch holes, zeros are written instead.
 */
static void zero_frames(XennerMem *mem, uint64_t gfn, uint64_t n)
{
    off_t off = (off_t)(gfn << XENNER_PAGE_SHIFT);
    off_t len = (off_t)(n << XENNER_PAGE_SHIFT);

    if (fallocate(mem->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
                  len) < 0) {
        memset(mem->base + off, 0, len);
    }
}

int xenner_mem_release(XennerMem *mem, uint64_t gfn)
{
    if (!xenner_mem_frame_present(mem, gfn)) {
        return -EINVAL;
    }
    zero_frames(mem, gfn, 1);
    bit_put(mem->released, gfn, true);
    mem->nr_released++;
    return 0;
}

int xenner_mem_populate(XennerMem *mem, uint64_t gfn)
{
    if (gfn >= mem->nr_frames || !bit_get(mem->released, gfn)) {
        return -EINVAL;
    }
    /* Again: a stale window or the guest may have written since. */
    zero_frames(mem, gfn, 1);
    bit_put(mem->released, gfn, false);
    mem->nr_released--;
    return 0;
}

bool xenner_mem_frame_present(const XennerMem *mem, uint64_t gfn)
{
    return gfn < mem->nr_frames && !bit_get(mem->released, gfn);
}

uint64_t xenner_mem_nr_released(const XennerMem *mem)
{
    return mem->nr_released;
}

void xenner_mem_reset(XennerMem *mem)
{
    zero_frames(mem, 0, mem->nr_frames);
    memset(mem->released, 0, (mem->nr_frames + 63) / 64 * 8);
    mem->nr_released = 0;
}

/* ---- windows -------------------------------------------------------- */

int xenner_mem_map(XennerMem *mem, const uint64_t *gfns, unsigned n,
                   bool writable, void **addr)
{
    int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
    size_t size = (size_t)n << XENNER_PAGE_SHIFT;
    uint8_t *win;

    if (n == 0 || n > XENNER_MEM_MAP_MAX) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!xenner_mem_frame_present(mem, gfns[i])) {
            return -EINVAL;
        }
    }

    /*
     * Reserve the whole window first so that the per-frame MAP_FIXED
     * mappings below can only ever replace our own reservation.
     */
    win = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (win == MAP_FAILED) {
        return -errno;
    }
    for (unsigned i = 0; i < n; i++) {
        void *page = win + ((size_t)i << XENNER_PAGE_SHIFT);
        off_t off = (off_t)(gfns[i] << XENNER_PAGE_SHIFT);

        if (mmap(page, XENNER_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
                 mem->fd, off) == MAP_FAILED) {
            int err = -errno;

            munmap(win, size);
            return err;
        }
    }
    g_hash_table_insert(mem->windows, win, GUINT_TO_POINTER(n));
    *addr = win;
    return 0;
}

int xenner_mem_unmap(XennerMem *mem, void *addr, unsigned n)
{
    gpointer pages;

    if (!g_hash_table_lookup_extended(mem->windows, addr, NULL, &pages) ||
        GPOINTER_TO_UINT(pages) != n) {
        return -EINVAL;
    }
    if (munmap(addr, (size_t)n << XENNER_PAGE_SHIFT) < 0) {
        return -errno;
    }
    g_hash_table_remove(mem->windows, addr);
    return 0;
}
