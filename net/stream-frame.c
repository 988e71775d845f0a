/*
 * QEMU's stream framing (stream-frame.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "net/stream-frame.h"

#include <errno.h>
#include <string.h>

void net_stream_decoder_reset(NetStreamDecoder *d)
{
    d->len_have = 0;
    d->frame_len = 0;
    d->have = 0;
}

ssize_t net_stream_decode(NetStreamDecoder *d, const uint8_t *in, size_t n,
                          size_t *frame_len)
{
    size_t used = 0, take;

    *frame_len = 0;
    while (d->len_have < 4) {
        if (used == n) {
            return used;
        }
        d->len_bytes[d->len_have++] = in[used++];
        if (d->len_have == 4) {
            uint32_t len = (uint32_t)d->len_bytes[0] << 24 |
                           (uint32_t)d->len_bytes[1] << 16 |
                           (uint32_t)d->len_bytes[2] << 8 | d->len_bytes[3];

            if (len == 0 || len > NET_FRAME_MAX) {
                return -EPROTO;
            }
            d->frame_len = len;
            d->have = 0;
        }
    }
    take = n - used < d->frame_len - d->have ? n - used
                                             : d->frame_len - d->have;
    if (take) {
        memcpy(d->buf + d->have, in + used, take);
    }
    d->have += take;
    used += take;
    if (d->have == d->frame_len) {
        *frame_len = d->frame_len;
        d->len_have = 0;
    }
    return used;
}

void net_stream_encode_len(uint8_t out[4], size_t len)
{
    out[0] = len >> 24;
    out[1] = len >> 16;
    out[2] = len >> 8;
    out[3] = len;
}
