/*
 * The length of a VNC client's next message; see ui/vnc-frame.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/vnc-frame.h"

/* Client-to-server message types (RFC 6143 7.5) and their sizes. */
enum {
    MSG_SET_PIXEL_FORMAT = 0,
    MSG_FIX_COLOUR_MAP_ENTRIES = 1,     /* libvncserver: read, then close */
    MSG_SET_ENCODINGS = 2,
    MSG_FRAMEBUFFER_UPDATE_REQUEST = 3,
    MSG_KEY_EVENT = 4,
    MSG_POINTER_EVENT = 5,
    MSG_CLIENT_CUT_TEXT = 6,
    MSG_SET_DESKTOP_SIZE = 251,
};

static uint32_t be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* A header of @hdr bytes whose tail says how much follows. */
static size_t after_header(size_t hdr, size_t len)
{
    return len < hdr ? hdr : 0;
}

static size_t normal_need(bool ext_clipboard, const uint8_t *buf,
                          size_t len)
{
    size_t need;

    if (len < 1) {
        return 1;
    }
    switch (buf[0]) {
    case MSG_SET_PIXEL_FORMAT:
        return 20;
    case MSG_FIX_COLOUR_MAP_ENTRIES:
        return 6;
    case MSG_SET_ENCODINGS:
        need = after_header(4, len);
        return need ? need : 4 + 4 * (size_t)be16(buf + 2);
    case MSG_FRAMEBUFFER_UPDATE_REQUEST:
        return 10;
    case MSG_KEY_EVENT:
        return 8;
    case MSG_POINTER_EVENT:
        return 6;
    case MSG_CLIENT_CUT_TEXT: {
        uint32_t text;

        need = after_header(8, len);
        if (need) {
            return need;
        }
        text = be32(buf + 4);
        if (ext_clipboard && (text & 0x80000000u)) {
            text = -text;
        }
        /* Too long: libvncserver closes after the header. */
        return text > VNC_FRAME_MAX_CUT_TEXT ? 8 : 8 + (size_t)text;
    }
    case MSG_SET_DESKTOP_SIZE:
        need = after_header(8, len);
        return need ? need : 8 + 16 * (size_t)buf[6];
    default:
        return 0;
    }
}

size_t vnc_frame_need(VncFrameState state, bool ext_clipboard,
                      const uint8_t *buf, size_t len)
{
    switch (state) {
    case VNC_FRAME_VERSION:
        return 12;
    case VNC_FRAME_SECURITY:
    case VNC_FRAME_INIT:
        return 1;
    case VNC_FRAME_AUTH_VNC:
        return 16;
    case VNC_FRAME_NORMAL:
        return normal_need(ext_clipboard, buf, len);
    default:
        return 0;
    }
}
