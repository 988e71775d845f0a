/*
 * libFuzzer target: the stream framing decoder (net/stream-frame.c) on
 * what a peer sends, fed in chunks of the size the first byte gives (0:
 * all at once), against a model that reads the whole stream in one go:
 * the same frames, the same bytes, and a protocol error at the same
 * place.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/stream-frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t chunk, pos = 0, model = 0;
    NetStreamDecoder *d;

    if (size < 1) {
        return 0;
    }
    d = malloc(sizeof(*d));
    chunk = data[0] ? data[0] : size;
    data++;
    size--;
    net_stream_decoder_reset(d);
    while (pos < size) {
        size_t n = size - pos < chunk ? size - pos : chunk, flen;
        ssize_t used = net_stream_decode(d, data + pos, n, &flen);
        uint32_t mlen;

        if (used < 0) {
            /* The model: the length at @model is bad and was all read. */
            if (used != -EPROTO || model + 4 > size) {
                abort();
            }
            mlen = (uint32_t)data[model] << 24 | data[model + 1] << 16 |
                   data[model + 2] << 8 | data[model + 3];
            if (mlen != 0 && mlen <= NET_FRAME_MAX) {
                abort();
            }
            free(d);
            return 0;
        }
        if (used == 0 || (size_t)used > n) {
            abort();
        }
        pos += used;
        if (flen) {
            mlen = (uint32_t)data[model] << 24 | data[model + 1] << 16 |
                   data[model + 2] << 8 | data[model + 3];
            if (flen != mlen || model + 4 + mlen != pos ||
                memcmp(d->buf, data + model + 4, mlen)) {
                abort();
            }
            model = pos;
        }
    }
    free(d);
    return 0;
}
