/*
 * libFuzzer target: vnc_options_parse(), the reader of -vnc strings and
 * of what the ATTACH code builds from libxl's vfb keys (vnclisten,
 * vncdisplay). Whatever the string, a success gives a well-formed
 * address and a failure leaves nothing behind.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "ui/vnc-opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    VncOptions o;
    Error *err = NULL;

    memcpy(s, data, size);
    s[size] = 0;
    if (vnc_options_parse(s, &o, &err)) {
        switch (o.type) {
        case VNC_ADDR_INET:
            if (!o.host || o.port < VNC_BASE_PORT || o.port_to < o.port ||
                o.port_to > 65535 || o.path) {
                abort();
            }
            break;
        case VNC_ADDR_UNIX:
            if (!o.path || !*o.path ||
                strlen(o.path) >= sizeof(((struct sockaddr_un *)0)->sun_path)
                || o.host) {
                abort();
            }
            break;
        case VNC_ADDR_NONE:
            break;
        default:
            abort();
        }
        if (o.display && !*o.display) {
            abort();
        }
        if (err) {
            abort();
        }
        vnc_options_clear(&o);
    } else {
        static const VncOptions zero;

        if (!err || memcmp(&o, &zero, sizeof(o))) {
            abort();
        }
        error_free(err);
    }
    free(s);
    return 0;
}
