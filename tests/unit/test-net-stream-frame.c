/*
 * QEMU's stream framing (net/stream-frame.c): frames come out whole
 * however the stream is split, and a length of 0 or above NET_FRAME_MAX
 * is a protocol error.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "net/stream-frame.h"

/* The frames of a stream, in order, with their lengths in front. */
static GByteArray *make_stream(const size_t *lens, size_t n)
{
    GByteArray *s = g_byte_array_new();

    for (size_t i = 0; i < n; i++) {
        uint8_t be[4];

        net_stream_encode_len(be, lens[i]);
        g_byte_array_append(s, be, 4);
        for (size_t j = 0; j < lens[i]; j++) {
            uint8_t b = (uint8_t)(i * 31 + j);

            g_byte_array_append(s, &b, 1);
        }
    }
    return s;
}

/* Feeds @data in pieces of the sizes @cut gives; checks every frame. */
static void feed(NetStreamDecoder *d, const uint8_t *data, size_t len,
                 const size_t *lens, size_t *frame, size_t piece)
{
    size_t pos = 0;

    while (pos < len) {
        size_t n = MIN(piece, len - pos), flen;
        ssize_t used = net_stream_decode(d, data + pos, n, &flen);

        g_assert_cmpint(used, >, 0);
        g_assert_cmpint(used, <=, n);
        pos += used;
        if (flen) {
            g_assert_cmpuint(flen, ==, lens[*frame]);
            for (size_t j = 0; j < flen; j++) {
                g_assert_cmpuint(d->buf[j], ==, (uint8_t)(*frame * 31 + j));
            }
            (*frame)++;
        }
    }
}

static void test_split_everywhere(void)
{
    static const size_t lens[] = { 1, 60, 2, 300, 1514, 3 };
    g_autoptr(GByteArray) s = make_stream(lens, G_N_ELEMENTS(lens));
    g_autofree NetStreamDecoder *d = g_new(NetStreamDecoder, 1);

    for (size_t cut = 0; cut <= s->len; cut++) {
        size_t frame = 0;

        net_stream_decoder_reset(d);
        feed(d, s->data, cut, lens, &frame, cut ? cut : 1);
        feed(d, s->data + cut, s->len - cut, lens, &frame, s->len);
        g_assert_cmpuint(frame, ==, G_N_ELEMENTS(lens));
    }
    for (size_t piece = 1; piece < 20; piece++) {
        size_t frame = 0;

        net_stream_decoder_reset(d);
        feed(d, s->data, s->len, lens, &frame, piece);
        g_assert_cmpuint(frame, ==, G_N_ELEMENTS(lens));
    }
}

static void test_largest(void)
{
    static const size_t lens[] = { NET_FRAME_MAX, 1, NET_FRAME_MAX };
    g_autoptr(GByteArray) s = make_stream(lens, G_N_ELEMENTS(lens));
    g_autofree NetStreamDecoder *d = g_new(NetStreamDecoder, 1);
    size_t frame = 0;

    net_stream_decoder_reset(d);
    feed(d, s->data, s->len, lens, &frame, 4093);
    g_assert_cmpuint(frame, ==, 3);
}

static void test_bad_length(void)
{
    static const uint8_t zero[] = { 0, 0, 0, 0 };
    static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
    g_autofree NetStreamDecoder *d = g_new(NetStreamDecoder, 1);
    uint8_t over[4];
    size_t flen;

    net_stream_decoder_reset(d);
    g_assert_cmpint(net_stream_decode(d, zero, 4, &flen), ==, -EPROTO);
    net_stream_decoder_reset(d);
    g_assert_cmpint(net_stream_decode(d, huge, 4, &flen), ==, -EPROTO);
    net_stream_decoder_reset(d);
    net_stream_encode_len(over, NET_FRAME_MAX + 1);
    /* Split inside the length: the error comes with its last byte. */
    g_assert_cmpint(net_stream_decode(d, over, 3, &flen), ==, 3);
    g_assert_cmpuint(flen, ==, 0);
    g_assert_cmpint(net_stream_decode(d, over + 3, 1, &flen), ==, -EPROTO);
    /* Nothing to read is nothing done. */
    net_stream_decoder_reset(d);
    g_assert_cmpint(net_stream_decode(d, NULL, 0, &flen), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/net-stream-frame/split-everywhere",
                    test_split_everywhere);
    g_test_add_func("/net-stream-frame/largest", test_largest);
    g_test_add_func("/net-stream-frame/bad-length", test_bad_length);
    return g_test_run();
}
