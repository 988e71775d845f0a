/*
 * Unit tests of Xenner guest memory: range checks, the test guests' frame
 * allocator, and the windows backends map, as xenforeignmemory_map()
 * would give them on Xen.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "xenner/guest_mem.h"

#define NR_FRAMES 16

static XennerMem *new_mem(void)
{
    Error *err = NULL;
    XennerMem *mem = xenner_mem_new(NR_FRAMES, &err);

    g_assert_null(err);
    g_assert_nonnull(mem);
    return mem;
}

/*
 * Whether the kernel may store into @p: read() from a pipe fails with
 * EFAULT instead of raising SIGSEGV, so no signal handling is needed.
 */
static bool host_can_write(void *p)
{
    int fds[2];
    ssize_t n;

    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_cmpint(write(fds[1], "w", 1), ==, 1);
    n = read(fds[0], p, 1);
    g_assert_true(n == 1 || (n < 0 && errno == EFAULT));
    close(fds[0]);
    close(fds[1]);
    return n == 1;
}

static void test_new_bad_size(void)
{
    Error *err = NULL;

    g_assert_null(xenner_mem_new(0, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;
    g_assert_null(xenner_mem_new(XENNER_MEM_MAX_FRAMES + 1, &err));
    g_assert_nonnull(err);
    error_free(err);
}

static void test_frame_range(void)
{
    XennerMem *mem = new_mem();
    uint8_t *first = xenner_mem_frame(mem, 0);
    uint8_t *last = xenner_mem_frame(mem, NR_FRAMES - 1);

    g_assert_cmpuint(xenner_mem_nr_frames(mem), ==, NR_FRAMES);
    g_assert_nonnull(first);
    g_assert_true(last == first + (NR_FRAMES - 1) * XENNER_PAGE_SIZE);
    g_assert_null(xenner_mem_frame(mem, NR_FRAMES));
    g_assert_null(xenner_mem_frame(mem, UINT64_MAX));
    for (unsigned i = 0; i < XENNER_PAGE_SIZE; i++) {
        g_assert_cmpuint(last[i], ==, 0);
    }
    last[XENNER_PAGE_SIZE - 1] = 0xaa;
    xenner_mem_free(mem);
}

static void test_alloc_free(void)
{
    XennerMem *mem = new_mem();
    uint64_t g[NR_FRAMES], h[2];
    Error *err = NULL;

    g_assert_true(xenner_mem_alloc_frames(mem, 3, g, NULL));
    g_assert_cmpuint(g[0], ==, 0);
    g_assert_cmpuint(g[1], ==, 1);
    g_assert_cmpuint(g[2], ==, 2);

    h[0] = 1;
    g_assert_cmpint(xenner_mem_free_frames(mem, h, 1), ==, 0);
    g_assert_true(xenner_mem_alloc_frames(mem, 2, h, NULL));
    g_assert_cmpuint(h[0], ==, 1);
    g_assert_cmpuint(h[1], ==, 3);

    /* Bad lists free nothing. */
    h[0] = 0;
    h[1] = NR_FRAMES;
    g_assert_cmpint(xenner_mem_free_frames(mem, h, 2), ==, -EINVAL);
    h[1] = 4;
    g_assert_cmpint(xenner_mem_free_frames(mem, h, 2), ==, -EINVAL);
    h[1] = 0;
    g_assert_cmpint(xenner_mem_free_frames(mem, h, 2), ==, -EINVAL);
    g_assert_true(xenner_mem_alloc_frames(mem, 1, h, NULL));
    g_assert_cmpuint(h[0], ==, 4);

    /* 11 frames are left: 12 is too many and takes none. */
    g_assert_false(xenner_mem_alloc_frames(mem, 12, g, &err));
    g_assert_nonnull(err);
    error_free(err);
    g_assert_true(xenner_mem_alloc_frames(mem, 11, g, NULL));
    g_assert_cmpuint(g[0], ==, 5);
    g_assert_cmpuint(g[10], ==, NR_FRAMES - 1);
    g_assert_false(xenner_mem_alloc_frames(mem, 1, g, NULL));
    xenner_mem_free(mem);
}

static void test_map_window(void)
{
    XennerMem *mem = new_mem();
    const uint64_t gfns[] = { 5, 2, 5, NR_FRAMES - 1 };
    uint8_t *win;

    g_assert_cmpint(xenner_mem_map(mem, gfns, 4, true, (void **)&win), ==,
                    0);
    g_assert_cmpuint((uintptr_t)win % XENNER_PAGE_SIZE, ==, 0);

    /* Guest writes show in the window, in the order the gfns came. */
    memset(xenner_mem_frame(mem, 5), 0x55, XENNER_PAGE_SIZE);
    memset(xenner_mem_frame(mem, 2), 0x22, XENNER_PAGE_SIZE);
    g_assert_cmpuint(win[0], ==, 0x55);
    g_assert_cmpuint(win[XENNER_PAGE_SIZE], ==, 0x22);
    g_assert_cmpuint(win[2 * XENNER_PAGE_SIZE + 7], ==, 0x55);
    g_assert_cmpuint(win[3 * XENNER_PAGE_SIZE], ==, 0);

    /* Window writes reach the guest, and both aliases of frame 5. */
    win[4 * XENNER_PAGE_SIZE - 1] = 0xee;
    win[2 * XENNER_PAGE_SIZE] = 0x99;
    g_assert_cmpuint(((uint8_t *)xenner_mem_frame(mem, NR_FRAMES - 1))
                     [XENNER_PAGE_SIZE - 1], ==, 0xee);
    g_assert_cmpuint(((uint8_t *)xenner_mem_frame(mem, 5))[0], ==, 0x99);
    g_assert_cmpuint(win[0], ==, 0x99);

    g_assert_cmpint(xenner_mem_unmap(mem, win, 4), ==, 0);
    xenner_mem_free(mem);
}

static void test_map_readonly(void)
{
    XennerMem *mem = new_mem();
    const uint64_t gfns[] = { 3, 4 };
    uint8_t *ro, *rw;

    g_assert_cmpint(xenner_mem_map(mem, gfns, 2, false, (void **)&ro), ==,
                    0);
    g_assert_cmpint(xenner_mem_map(mem, gfns, 2, true, (void **)&rw), ==, 0);
    g_assert_false(host_can_write(ro));
    g_assert_false(host_can_write(ro + XENNER_PAGE_SIZE));
    g_assert_true(host_can_write(rw + XENNER_PAGE_SIZE));

    /* A read-only window still sees every write. */
    g_assert_cmpuint(ro[XENNER_PAGE_SIZE], ==, 'w');
    ((uint8_t *)xenner_mem_frame(mem, 3))[1] = 0x31;
    g_assert_cmpuint(ro[1], ==, 0x31);

    g_assert_cmpint(xenner_mem_unmap(mem, ro, 2), ==, 0);
    g_assert_cmpint(xenner_mem_unmap(mem, rw, 2), ==, 0);
    xenner_mem_free(mem);
}

static void test_map_bad(void)
{
    XennerMem *mem = new_mem();
    uint64_t gfns[] = { 1, NR_FRAMES };
    void *win = NULL;

    g_assert_cmpint(xenner_mem_map(mem, gfns, 0, true, &win), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_map(mem, gfns, 2, true, &win), ==, -EINVAL);
    gfns[1] = UINT64_MAX;
    g_assert_cmpint(xenner_mem_map(mem, gfns, 2, false, &win), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_map(mem, gfns, XENNER_MEM_MAP_MAX + 1, false,
                                   &win), ==, -EINVAL);
    g_assert_null(win);

    /* Only a whole window, named by its start, can be unmapped. */
    gfns[1] = 2;
    g_assert_cmpint(xenner_mem_map(mem, gfns, 2, true, &win), ==, 0);
    g_assert_cmpint(xenner_mem_unmap(mem, NULL, 1), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_unmap(mem, gfns, 1), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_unmap(mem, (uint8_t *)win + XENNER_PAGE_SIZE,
                                     1), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_unmap(mem, win, 1), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_unmap(mem, win, 0), ==, -EINVAL);
    ((uint8_t *)win)[XENNER_PAGE_SIZE] = 1;
    g_assert_cmpint(xenner_mem_unmap(mem, win, 2), ==, 0);
    g_assert_cmpint(xenner_mem_unmap(mem, win, 2), ==, -EINVAL);

    /* Freeing the memory takes the windows left with it. */
    g_assert_cmpint(xenner_mem_map(mem, gfns, 1, false, &win), ==, 0);
    xenner_mem_free(mem);
}

/*
 * The host memory behind @mem's memfd, in 512-byte blocks: found among
 * our descriptors by its name, -1 if it is not there.
 */
static long long memfd_blocks(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_strdup_printf("/proc/self/fd/%s", name);
        g_autofree char *target = g_file_read_link(path, NULL);
        struct stat st;

        if (target && strstr(target, "memfd:xenner-guest-mem") &&
            stat(path, &st) == 0) {
            return st.st_blocks;
        }
    }
    return -1;
}

/* Ballooning: a released frame is given back, unmappable, then zeroed. */
static void test_release(void)
{
    XennerMem *mem = new_mem();
    uint8_t *p = xenner_mem_frame(mem, 4);
    uint64_t gfn = 4;
    uint8_t *win = NULL;
    long long blocks;

    memset(p, 0x5a, XENNER_PAGE_SIZE);
    blocks = memfd_blocks();
    g_assert_cmpint(xenner_mem_map(mem, &gfn, 1, true, (void **)&win), ==, 0);
    g_assert_cmpint(xenner_mem_release(mem, 4), ==, 0);
    /* The host got the frame's memory back (shmem punches holes). */
    if (blocks > 0) {
        g_assert_cmpint(memfd_blocks(), ==, blocks - XENNER_PAGE_SIZE / 512);
    }
    g_assert_false(xenner_mem_frame_present(mem, 4));
    g_assert_cmpuint(xenner_mem_nr_released(mem), ==, 1);
    /* The old window sees the hole, not the data. */
    g_assert_cmpuint(win[0], ==, 0);
    g_assert_cmpuint(p[XENNER_PAGE_SIZE - 1], ==, 0);
    win[7] = 0x77;          /* dropped again by populate */
    g_assert_cmpint(xenner_mem_release(mem, 4), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_release(mem, NR_FRAMES), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_release(mem, UINT64_MAX), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_map(mem, &gfn, 1, false, (void **)&p), ==,
                    -EINVAL);

    g_assert_cmpint(xenner_mem_populate(mem, 5), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_populate(mem, NR_FRAMES), ==, -EINVAL);
    g_assert_cmpint(xenner_mem_populate(mem, 4), ==, 0);
    g_assert_cmpint(xenner_mem_populate(mem, 4), ==, -EINVAL);
    g_assert_true(xenner_mem_frame_present(mem, 4));
    g_assert_cmpuint(xenner_mem_nr_released(mem), ==, 0);
    p = xenner_mem_frame(mem, 4);
    for (unsigned i = 0; i < XENNER_PAGE_SIZE; i++) {
        g_assert_cmpuint(p[i], ==, 0);
    }
    g_assert_cmpint(xenner_mem_unmap(mem, win, 1), ==, 0);

    /* A reset zeroes everything and brings every frame back. */
    memset(xenner_mem_frame(mem, 2), 1, XENNER_PAGE_SIZE);
    g_assert_cmpint(xenner_mem_release(mem, 9), ==, 0);
    xenner_mem_reset(mem);
    g_assert_true(xenner_mem_frame_present(mem, 9));
    g_assert_cmpuint(xenner_mem_nr_released(mem), ==, 0);
    g_assert_cmpuint(((uint8_t *)xenner_mem_frame(mem, 2))[100], ==, 0);
    xenner_mem_free(mem);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xenner/mem/new-bad-size", test_new_bad_size);
    g_test_add_func("/xenner/mem/frame-range", test_frame_range);
    g_test_add_func("/xenner/mem/alloc-free", test_alloc_free);
    g_test_add_func("/xenner/mem/map-window", test_map_window);
    g_test_add_func("/xenner/mem/map-readonly", test_map_readonly);
    g_test_add_func("/xenner/mem/map-bad", test_map_bad);
    g_test_add_func("/xenner/mem/release", test_release);
    return g_test_run();
}
