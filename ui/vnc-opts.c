/*
 * The -vnc option string and its listening socket; see ui/vnc-opts.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/vnc-opts.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define VNC_LISTEN_BACKLOG 16

void vnc_options_clear(VncOptions *o)
{
    g_free(o->host);
    g_free(o->path);
    g_free(o->display);
    memset(o, 0, sizeof(*o));
}

/* The elements of @str split at single commas; ",," is a comma. */
static GPtrArray *split_elements(const char *str)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = str;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(out, g_string_free(cur, false));
            if (!*p) {
                return out;
            }
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
}

static bool parse_bool(const char *key, const char *v, bool *out,
                       Error **errp)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "no") ||
               !strcmp(v, "false")) {
        *out = false;
    } else {
        error_setg(errp, "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

static bool parse_display_number(const char *what, const char *v,
                                 unsigned *out, Error **errp)
{
    guint64 n;

    if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &n, NULL)) {
        error_setg(errp, "can't convert to a number: %s", v);
        return false;
    }
    if (n > 65535 - VNC_BASE_PORT) {
        error_setg(errp, "%s %s out of range", what, v);
        return false;
    }
    *out = VNC_BASE_PORT + n;
    return true;
}

/* [HOST]:N, [IPV6]:N or unix:PATH. */
static bool parse_address(const char *addr, VncOptions *o, Error **errp)
{
    const char *colon;
    size_t hostlen;

    if (!strcmp(addr, "none")) {
        o->type = VNC_ADDR_NONE;
        return true;
    }
    if (g_str_has_prefix(addr, "unix:")) {
        const char *path = addr + strlen("unix:");

        if (!*path ||
            strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            error_setg(errp, "UNIX socket path '%s' is %s", path,
                       *path ? "too long" : "empty");
            return false;
        }
        o->type = VNC_ADDR_UNIX;
        o->path = g_strdup(path);
        return true;
    }
    colon = strrchr(addr, ':');
    if (!colon) {
        error_setg(errp, "no vnc port specified");
        return false;
    }
    if (!colon[1]) {
        error_setg(errp, "vnc port cannot be empty");
        return false;
    }
    hostlen = colon - addr;
    if (!parse_display_number("port", colon + 1, &o->port, errp)) {
        return false;
    }
    o->type = VNC_ADDR_INET;
    o->port_to = o->port;
    if (hostlen >= 2 && addr[0] == '[' && addr[hostlen - 1] == ']') {
        o->host = g_strndup(addr + 1, hostlen - 2);
    } else if (memchr(addr, ':', hostlen) || memchr(addr, '[', hostlen)) {
        /* An IPv6 address must be bracketed: its colons are ambiguous. */
        error_setg(errp, "'%.*s' is not a host: write an IPv6 address as "
                   "[ADDR]", (int)hostlen, addr);
        return false;
    } else {
        o->host = g_strndup(addr, hostlen);
    }
    return true;
}

bool vnc_options_parse(const char *str, VncOptions *o, Error **errp)
{
    g_autoptr(GPtrArray) el = split_elements(str);
    const char *to = NULL;

    memset(o, 0, sizeof(*o));
    if (!parse_address(g_ptr_array_index(el, 0), o, errp)) {
        goto fail;
    }
    for (guint i = 1; i < el->len; i++) {
        const char *e = g_ptr_array_index(el, i);
        const char *eq = strchr(e, '=');
        g_autofree char *key = eq ? g_strndup(e, eq - e) : g_strdup(e);
        const char *v = eq ? eq + 1 : "on";

        if (!strcmp(key, "to")) {
            to = v;
        } else if (!strcmp(key, "password")) {
            if (!parse_bool(key, v, &o->password, errp)) {
                goto fail;
            }
        } else if (!strcmp(key, "ipv4")) {
            if (!parse_bool(key, v, &o->ipv4_only, errp)) {
                goto fail;
            }
        } else if (!strcmp(key, "ipv6")) {
            if (!parse_bool(key, v, &o->ipv6_only, errp)) {
                goto fail;
            }
        } else if (!strcmp(key, "display")) {
            if (!*v) {
                error_setg(errp, "display= needs a console's name");
                goto fail;
            }
            g_free(o->display);
            o->display = g_strdup(v);
        } else {
            error_setg(errp, "Invalid parameter '%s'", key);
            goto fail;
        }
    }
    if (o->ipv4_only && o->ipv6_only) {
        /* Both on means both, as QEMU takes it. */
        o->ipv4_only = o->ipv6_only = false;
    }
    if (to) {
        if (o->type != VNC_ADDR_INET) {
            error_setg(errp, "to= needs a TCP address (HOST:N)");
            goto fail;
        }
        if (!parse_display_number("port range end", to, &o->port_to,
                                  errp)) {
            goto fail;
        }
        if (o->port_to < o->port) {
            error_setg(errp, "to=%s is below display %u", to,
                       o->port - VNC_BASE_PORT);
            goto fail;
        }
    }
    return true;

fail:
    vnc_options_clear(o);
    return false;
}

static int listen_unix(const char *path, Error **errp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create socket");
        return -1;
    }
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        listen(fd, VNC_LISTEN_BACKLOG) < 0) {
        error_setg_errno(errp, errno, "Failed to bind socket to %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* The first port of the range that binds on @ai; -1 and *@err if none. */
static int listen_ai(const VncOptions *o, const struct addrinfo *ai,
                     int *err)
{
    for (unsigned port = o->port; port <= o->port_to; port++) {
        struct sockaddr_storage ss;
        int one = 1, v6only = o->ipv6_only;
        int fd;

        memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
        if (ai->ai_family == AF_INET6) {
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
        } else {
            ((struct sockaddr_in *)&ss)->sin_port = htons(port);
        }
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0);
        if (fd < 0) {
            *err = errno;
            return -1;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
                       sizeof(v6only));
        }
        if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) == 0 &&
            listen(fd, VNC_LISTEN_BACKLOG) == 0) {
            return fd;
        }
        *err = errno;
        close(fd);
        if (*err != EADDRINUSE) {
            return -1;
        }
    }
    return -1;
}

int vnc_listen(const VncOptions *o, Error **errp)
{
    struct addrinfo hints = {
        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
        .ai_socktype = SOCK_STREAM,
        .ai_family = o->ipv4_only ? AF_INET : o->ipv6_only ? AF_INET6
                                                           : AF_UNSPEC,
    };
    struct addrinfo *res = NULL;
    const char *node = o->host;
    int err = EADDRNOTAVAIL, fd = -1, ret;

    if (o->type == VNC_ADDR_UNIX) {
        return listen_unix(o->path, errp);
    }
    if (!*node) {
        /* Every address: "::" takes IPv4 too, unless IPv6 is missing. */
        node = o->ipv4_only ? "0.0.0.0" : "::";
        hints.ai_flags |= AI_NUMERICHOST;
    }
    ret = getaddrinfo(node, "0", &hints, &res);
    if (ret && !*o->host && !o->ipv6_only) {
        node = "0.0.0.0";
        ret = getaddrinfo(node, "0", &hints, &res);
    }
    if (ret) {
        error_setg(errp, "address resolution failed for %s:%u: %s", o->host,
                   o->port, gai_strerror(ret));
        return -1;
    }
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) {
            continue;
        }
        fd = listen_ai(o, ai, &err);
        if (fd < 0 && err == EAFNOSUPPORT && !*o->host &&
            ai->ai_family == AF_INET6 && !o->ipv6_only) {
            struct addrinfo *v4 = NULL;
            struct addrinfo h4 = hints;

            h4.ai_family = AF_INET;
            if (getaddrinfo("0.0.0.0", "0", &h4, &v4) == 0) {
                fd = listen_ai(o, v4, &err);
                freeaddrinfo(v4);
            }
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg(errp, "%s: %s", o->port == o->port_to
                   ? "Failed to bind socket"
                   : "Failed to find an available port", g_strerror(err));
    }
    return fd;
}

void vnc_sock_name(int fd, bool peer, VncSockName *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                   : getsockname(fd, (struct sockaddr *)&ss, &len);

    memset(out, 0, sizeof(*out));
    out->family = "unknown";
    if (ret < 0) {
        return;
    }
    switch (ss.ss_family) {
    case AF_INET:
    case AF_INET6:
        if (getnameinfo((struct sockaddr *)&ss, len, out->host,
                        sizeof(out->host), out->service, sizeof(out->service),
                        NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
            out->family = ss.ss_family == AF_INET ? "ipv4" : "ipv6";
        }
        break;
    case AF_UNIX: {
        struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
        size_t n = len > offsetof(struct sockaddr_un, sun_path)
                   ? len - offsetof(struct sockaddr_un, sun_path) : 0;

        /* An unnamed peer has no path; an abstract one starts with NUL. */
        n = MIN(n, sizeof(out->service) - 1);
        n = strnlen(sun->sun_path, n);
        memcpy(out->service, sun->sun_path, n);
        out->family = "unix";
        break;
    }
    default:
        break;
    }
}
