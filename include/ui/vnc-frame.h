/*
 * The length of a VNC client's next message, from its first bytes, so
 * that the server hands libvncserver a message only once it is whole
 * in the socket buffer: libvncserver reads a message with blocking
 * reads, and on our one event loop a client that sends half a message
 * would hold every guest's devices until it sent the rest.
 *
 * Pure: no libvncserver here (the caller maps its client state), so it
 * is unit-tested and fuzzed alone (tests/unit/test-vnc-frame.c,
 * tests/fuzz/fuzz-vnc-frame.c). The lengths are RFB's (RFC 6143) as
 * libvncserver 0.9.14 reads them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_VNC_FRAME_H
#define UI_VNC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum VncFrameState {
    VNC_FRAME_VERSION,          /* "RFB 003.008\n" */
    VNC_FRAME_SECURITY,         /* the security type chosen (3.7, 3.8) */
    VNC_FRAME_AUTH_VNC,         /* the DES response to the challenge */
    VNC_FRAME_INIT,             /* ClientInit's shared flag */
    VNC_FRAME_NORMAL,           /* client-to-server messages */
    VNC_FRAME_UNKNOWN,          /* anything else: not framed by us */
} VncFrameState;

/* The most ClientCutText libvncserver reads; beyond, it closes. */
#define VNC_FRAME_MAX_CUT_TEXT (1u << 20)

/*
 * The bytes the next message takes, given the @len bytes @buf already
 * buffered (0 or more); more than @len means "wait for them". A type
 * whose length only shows in later bytes gives the length of what
 * shows it (SetEncodings: its 4-byte header first). 0 means we cannot
 * tell (an unknown state or message type): let libvncserver read it.
 * @ext_clipboard: the client enabled the extended clipboard, where a
 * ClientCutText length with the top bit set is negated, as libvncserver
 * reads it. Never more than 8 + VNC_FRAME_MAX_CUT_TEXT.
 */
size_t vnc_frame_need(VncFrameState state, bool ext_clipboard,
                      const uint8_t *buf, size_t len);

#endif /* UI_VNC_FRAME_H */
