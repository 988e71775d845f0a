/*
 * libFuzzer target: vnc_frame_need(), which reads the first bytes a
 * VNC client sends, against a model: the first byte picks the state
 * and the extended-clipboard flag, the rest is what is buffered. The
 * answer is 0 or at least 1, never past 8 bytes of header plus 1 MiB,
 * never less than the buffer when the buffer does not hold the header
 * it needs, and stable: with more bytes buffered (the message whole),
 * the answer is the same.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>

#include "ui/vnc-frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    VncFrameState state;
    bool ext;
    size_t need, again;

    if (size < 1) {
        return 0;
    }
    state = (VncFrameState)(data[0] % (VNC_FRAME_UNKNOWN + 2));
    ext = data[0] & 0x80;
    data++;
    size--;
    need = vnc_frame_need(state, ext, data, size);
    if (need > 8 + VNC_FRAME_MAX_CUT_TEXT) {
        abort();
    }
    if (state == VNC_FRAME_NORMAL && size == 0 && need != 1) {
        abort();
    }
    /* Once the buffer holds what was asked, the answer does not move. */
    if (need && need <= size) {
        again = vnc_frame_need(state, ext, data, need);
        if (again != need) {
            abort();
        }
    }
    return 0;
}
