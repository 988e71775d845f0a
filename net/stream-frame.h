/*
 * QEMU's stream framing (-netdev stream, socket, passt): each Ethernet
 * frame preceded by its length as a 4-byte big-endian number. The
 * decoder is pure logic over what a peer sent, so it is tested split at
 * every byte and fuzzed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef NET_STREAM_FRAME_H
#define NET_STREAM_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/net.h"

typedef struct NetStreamDecoder {
    uint8_t len_bytes[4];
    size_t len_have;            /* bytes of the length read (0..4) */
    size_t frame_len;           /* once len_have == 4 */
    size_t have;                /* bytes of the frame read */
    uint8_t buf[NET_FRAME_MAX]; /* the frame */
} NetStreamDecoder;

void net_stream_decoder_reset(NetStreamDecoder *d);

/*
 * Reads from @in (@n bytes) up to the end of one frame: returns how many
 * bytes it took, and sets *@frame_len to the frame's length when one is
 * complete in d->buf (else 0); the next call starts the next frame.
 * -EPROTO for a length of 0 or above NET_FRAME_MAX: the peer does not
 * speak the protocol, and the connection goes.
 */
ssize_t net_stream_decode(NetStreamDecoder *d, const uint8_t *in, size_t n,
                          size_t *frame_len);

/* The 4-byte length to put before a frame of @len bytes. */
void net_stream_encode_len(uint8_t out[4], size_t len);

#endif /* NET_STREAM_FRAME_H */
