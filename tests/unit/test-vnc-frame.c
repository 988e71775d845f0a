/*
 * The length of a VNC client's next message, as libvncserver reads it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "ui/vnc-frame.h"

static size_t need(const char *hex, bool ext)
{
    g_autofree uint8_t *buf = g_malloc0(strlen(hex) / 2 + 1);
    size_t len = strlen(hex) / 2;

    for (size_t i = 0; i < len; i++) {
        sscanf(hex + 2 * i, "%2hhx", &buf[i]);
    }
    return vnc_frame_need(VNC_FRAME_NORMAL, ext, buf, len);
}

static void test_handshake(void)
{
    g_assert_cmpuint(vnc_frame_need(VNC_FRAME_VERSION, false, NULL, 0), ==,
                     12);
    g_assert_cmpuint(vnc_frame_need(VNC_FRAME_SECURITY, false, NULL, 0), ==,
                     1);
    g_assert_cmpuint(vnc_frame_need(VNC_FRAME_AUTH_VNC, false, NULL, 0), ==,
                     16);
    g_assert_cmpuint(vnc_frame_need(VNC_FRAME_INIT, false, NULL, 0), ==, 1);
    g_assert_cmpuint(vnc_frame_need(VNC_FRAME_UNKNOWN, false, NULL, 0), ==,
                     0);
}

static void test_fixed(void)
{
    g_assert_cmpuint(need("", false), ==, 1);
    g_assert_cmpuint(need("00", false), ==, 20);      /* SetPixelFormat */
    g_assert_cmpuint(need("01", false), ==, 6);       /* FixColourMap... */
    g_assert_cmpuint(need("03", false), ==, 10);      /* FBUpdateRequest */
    g_assert_cmpuint(need("04", false), ==, 8);       /* KeyEvent */
    g_assert_cmpuint(need("0500", false), ==, 6);     /* PointerEvent */
    /* Types libvncserver reads its own way are not framed. */
    g_assert_cmpuint(need("07", false), ==, 0);
    g_assert_cmpuint(need("ff", false), ==, 0);
}

static void test_variable(void)
{
    /* SetEncodings: the header, then 4 bytes an encoding. */
    g_assert_cmpuint(need("02", false), ==, 4);
    g_assert_cmpuint(need("0200", false), ==, 4);
    g_assert_cmpuint(need("02000003", false), ==, 16);
    g_assert_cmpuint(need("0200ffff", false), ==, 4 + 4 * 65535);
    /* ClientCutText: the header, then the text; over 1 MiB, the header. */
    g_assert_cmpuint(need("06000000", false), ==, 8);
    g_assert_cmpuint(need("0600000000000005", false), ==, 13);
    g_assert_cmpuint(need("0600000000100000", false), ==, 8 + (1 << 20));
    g_assert_cmpuint(need("0600000000100001", false), ==, 8);
    g_assert_cmpuint(need("060000007fffffff", false), ==, 8);
    /* Extended clipboard: a negative length is negated first. */
    g_assert_cmpuint(need("06000000fffffffb", true), ==, 13);
    g_assert_cmpuint(need("06000000fffffffb", false), ==, 8);
    g_assert_cmpuint(need("0600000080000000", true), ==, 8);
    /* SetDesktopSize: the header, then 16 bytes a screen. */
    g_assert_cmpuint(need("fb", false), ==, 8);
    g_assert_cmpuint(need("fb00040003000200", false), ==, 8 + 32);
    g_assert_cmpuint(need("fb00040003000000", false), ==, 8);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vnc-frame/handshake", test_handshake);
    g_test_add_func("/vnc-frame/fixed", test_fixed);
    g_test_add_func("/vnc-frame/variable", test_variable);
    return g_test_run();
}
