/*
 * The vfb wire format: ABI offsets, the page directory's bound, the
 * geometry checks (QEMU's CVE-2008-1952 among them) and out-ring events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "hw/xen/xen_fbif.h"

static void test_abi(void)
{
    XenFbAbi abi;

    g_assert_true(xenfb_abi_from_protocol("x86_32-abi", &abi));
    g_assert_cmpint(abi, ==, XENFB_ABI_X86_32);
    g_assert_cmpuint(xenfb_pd_offset(abi), ==, 36);
    g_assert_cmpuint(xenfb_frames_per_dir(abi), ==, 1024);
    g_assert_cmpuint(xenfb_pd_max_entries(abi), ==, 247);
    g_assert_true(xenfb_abi_from_protocol("x86_64-abi", &abi));
    g_assert_cmpint(abi, ==, XENFB_ABI_X86_64);
    g_assert_cmpuint(xenfb_pd_offset(abi), ==, 40);
    g_assert_cmpuint(xenfb_frames_per_dir(abi), ==, 512);
    g_assert_cmpuint(xenfb_pd_max_entries(abi), ==, 123);
    /* missing: our own ABI, a 64-bit build's */
    g_assert_true(xenfb_abi_from_protocol(NULL, &abi));
    g_assert_cmpint(abi, ==, XENFB_ABI_X86_64);
    g_assert_false(xenfb_abi_from_protocol("arm-abi", &abi));
    g_assert_false(xenfb_abi_from_protocol("", &abi));
}

static void test_entries(void)
{
    uint8_t page[4096] = { 0 };
    uint32_t e32[] = { 7, 0xffffffff };
    uint64_t e64[] = { 9, 1ull << 40 }, out[2];

    memcpy(page + 36, e32, sizeof(e32));
    xenfb_read_entries(page + 36, XENFB_ABI_X86_32, 2, out);
    g_assert_cmpuint(out[0], ==, 7);
    g_assert_cmpuint(out[1], ==, 0xffffffff);
    memcpy(page + 40, e64, sizeof(e64));
    xenfb_read_entries(page + 40, XENFB_ABI_X86_64, 2, out);
    g_assert_cmpuint(out[0], ==, 9);
    g_assert_cmpuint(out[1], ==, 1ull << 40);
}

static void test_shared(void)
{
    XenFbShared sh = { 800, 600, 3200, 2 << 20, 32 };
    XenFbMode m;
    unsigned frames;
    char why[160];

    g_assert_true(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                     sizeof(why)));
    g_assert_cmpuint(frames, ==, 512);
    g_assert_cmpuint(m.stride, ==, 3200);
    /* CVE-2008-1952: mem_length past what the backend grants */
    sh.mem_length = (16 << 20) + 1;
    g_assert_false(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                      sizeof(why)));
    sh.mem_length = 2 << 20;
    /* width * height * depth beyond mem_length */
    sh.height = 1000;
    g_assert_false(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                      sizeof(why)));
    sh.height = -1;
    g_assert_false(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                      sizeof(why)));
    sh.height = 600;
    sh.line_length = 3199;
    g_assert_false(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                      sizeof(why)));
    sh.line_length = 3200;
    sh.depth = 15;
    g_assert_false(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                      sizeof(why)));
    sh.depth = 8;
    g_assert_true(xenfb_check_shared(&sh, 16 << 20, &m, &frames, why,
                                     sizeof(why)));
}

static XenFbEvent ev_from(const union xenfb_out_event *e)
{
    XenFbEvent ev;

    xenfb_decode_event(e, &ev);
    return ev;
}

static void test_events(void)
{
    XenFbMode m = { 800, 600, 32, 3200, 0 };
    uint64_t fb_len = 2 << 20;
    union xenfb_out_event e;
    XenFbEvent ev;
    XenFbRect r;
    char why[160];

    memset(&e, 0, sizeof(e));
    e.update = (struct xenfb_update) { XENFB_TYPE_UPDATE, 10, 20, 30, 40 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, XENFB_EV_UPDATE);
    g_assert_cmpuint(r.x, ==, 10);
    g_assert_cmpuint(r.h, ==, 40);
    e.update = (struct xenfb_update) { XENFB_TYPE_UPDATE, 790, 0, 11, 1 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    e.update = (struct xenfb_update) { XENFB_TYPE_UPDATE, -1, 0, 1, 1 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    e.update = (struct xenfb_update) { XENFB_TYPE_UPDATE, INT32_MAX, 0,
                                       INT32_MAX, 1 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);

    /* a resize may grow within the mapping, and shrink */
    e.resize = (struct xenfb_resize) { XENFB_TYPE_RESIZE, 1024, 512, 2048,
                                       16, 4096 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, XENFB_EV_RESIZE);
    g_assert_cmpuint(m.width, ==, 1024);
    g_assert_cmpuint(m.offset, ==, 4096);
    e.resize = (struct xenfb_resize) { XENFB_TYPE_RESIZE, 1024, 1024, 2048,
                                       16, 4096 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    g_assert_cmpuint(m.height, ==, 512);
    e.resize = (struct xenfb_resize) { XENFB_TYPE_RESIZE, -5, 10, 100, 32,
                                       0 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    e.resize = (struct xenfb_resize) { XENFB_TYPE_RESIZE, INT32_MAX,
                                       INT32_MAX, INT32_MAX, 32, INT32_MAX };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    e.resize = (struct xenfb_resize) { XENFB_TYPE_RESIZE, 10, 10, 10, 32,
                                       0 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    e.resize = (struct xenfb_resize) { XENFB_TYPE_RESIZE, 10, 10, 40, 32,
                                       0 };
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, false, &ev, &r, why,
                                      sizeof(why)), ==, -EINVAL);
    /* unknown types are ignored */
    e.type = 99;
    ev = ev_from(&e);
    g_assert_cmpint(xenfb_apply_event(&m, fb_len, true, &ev, &r, why,
                                      sizeof(why)), ==, XENFB_EV_NONE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xen-fbif/abi", test_abi);
    g_test_add_func("/xen-fbif/entries", test_entries);
    g_test_add_func("/xen-fbif/shared", test_shared);
    g_test_add_func("/xen-fbif/events", test_events);
    return g_test_run();
}
