/*
 * libFuzzer target: the xs_wire request parser, fed as a byte stream from
 * a privileged and an unprivileged client sharing one tree. The first
 * byte of each chunk sets the chunk's length, so that requests also
 * arrive split at arbitrary points.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "xenner/xs_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Sink {
    size_t bytes;
} Sink;

/* Every message we send must be well formed, whatever we were sent. */
static void check_output(void *opaque, const void *buf, size_t len)
{
    Sink *sink = opaque;
    const uint8_t *p = buf;

    while (len) {
        struct xsd_sockmsg hdr;

        if (len < sizeof(hdr)) {
            abort();
        }
        memcpy(&hdr, p, sizeof(hdr));
        if (hdr.len > XENSTORE_PAYLOAD_MAX || hdr.len > len - sizeof(hdr)) {
            abort();
        }
        p += sizeof(hdr) + hdr.len;
        len -= sizeof(hdr) + hdr.len;
        sink->bytes += sizeof(hdr) + hdr.len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    XsTree *tree = xenner_xs_tree_new();
    Sink sinks[2] = { { 0 }, { 0 } };
    XsWireConn *conns[2];
    bool alive[2] = { true, true };

    conns[0] = xenner_xs_wire_conn_new(tree, 0, check_output, &sinks[0]);
    conns[1] = xenner_xs_wire_conn_new(tree, 7, check_output, &sinks[1]);
    while (size) {
        /* Low bit: which client; the rest: chunk length. */
        unsigned who = data[0] & 1;
        size_t chunk = (data[0] >> 1) + 1;

        data++;
        size--;
        chunk = chunk < size ? chunk : size;
        if (alive[who] && !xenner_xs_wire_conn_input(conns[who], data, chunk)) {
            alive[who] = false;
        }
        data += chunk;
        size -= chunk;
    }
    xenner_xs_wire_conn_free(conns[0]);
    xenner_xs_wire_conn_free(conns[1]);
    xenner_xs_tree_free(tree);
    return 0;
}
