/*
 * The -vnc option string, as QEMU reads it, and the listening socket it
 * names. Pure parsing plus one socket: no libvncserver here, so the
 * parser is unit-tested alone (tests/unit/test-vnc-opts.c).
 *
 *   none                      no server (query-vnc says enabled: false)
 *   [HOST]:N[,to=L]           TCP port 5900+N; with to=, the first free
 *                             of 5900+N .. 5900+L (libxl's vncunused
 *                             passes to=99). HOST: empty (every
 *                             address), a name, an IPv4 address or an
 *                             [IPv6] address
 *   unix:PATH                 a unix socket
 * and, after either, password[=on|off], display=CONSOLE (a console's
 * label, "xenfb1.0"), ipv4[=on|off], ipv6[=on|off]. ",," is a literal
 * comma. A bare key is "on", QEMU's old boolean shorthand, which libxl
 * once used (",password").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UI_VNC_OPTS_H
#define UI_VNC_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define VNC_BASE_PORT 5900

typedef enum VncAddrType {
    VNC_ADDR_NONE,
    VNC_ADDR_INET,
    VNC_ADDR_UNIX,
} VncAddrType;

typedef struct VncOptions {
    VncAddrType type;
    char *host;             /* INET: without brackets; "" is every address */
    unsigned port;          /* INET: the first port to try */
    unsigned port_to;       /* INET: the last (== port without to=) */
    char *path;             /* UNIX */
    bool password;          /* password=on: VNC authentication */
    char *display;          /* display=: a console's label; NULL: first */
    bool ipv4_only, ipv6_only;
} VncOptions;

/* Fills @o (cleared first); false with QEMU's words on a bad string. */
bool vnc_options_parse(const char *str, VncOptions *o, Error **errp);
void vnc_options_clear(VncOptions *o);

/* What query-vnc says of a socket: numeric host, service and family. */
typedef struct VncSockName {
    char host[64];          /* "" for unix */
    char service[108];      /* port, or the socket's path */
    const char *family;     /* "ipv4", "ipv6", "unix", "unknown" */
} VncSockName;

/*
 * Binds and listens as @o says: for INET, each address HOST resolves to
 * in turn, each port of the range on it, the first that binds wins (as
 * QEMU); an empty HOST binds "::" for IPv4 and IPv6 both (0.0.0.0 with
 * ipv4=on or without IPv6). A unix socket file left over is replaced.
 * Returns a non-blocking, close-on-exec fd or -1 with errp set.
 */
int vnc_listen(const VncOptions *o, Error **errp);

/* The local (@peer false) or remote name of socket @fd. */
void vnc_sock_name(int fd, bool peer, VncSockName *out);

#endif /* UI_VNC_OPTS_H */
