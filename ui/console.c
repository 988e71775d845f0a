/*
 * Display consoles; see include/ui/console.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/console.h"

#include <glib.h>
#include <string.h>

typedef struct ConsoleListNotifier {
    const ConsoleListNotifierOps *ops;
    void *opaque;
} ConsoleListNotifier;

struct ConsoleList {
    GPtrArray *consoles;        /* QemuConsole, creation order */
    GArray *notifiers;          /* ConsoleListNotifier */
};

struct DisplayListener {
    const DisplayListenerOps *ops;
    void *opaque;
};

struct QemuConsole {
    ConsoleList *list;
    char *label;
    int domid;                  /* -1: not set */
    ConsoleRefreshFn *refresh;
    void *refresh_opaque;
    bool has_surface;
    DisplaySurface surface;
    GPtrArray *listeners;       /* DisplayListener */
};

bool display_surface_valid(const DisplaySurface *s)
{
    uint64_t row;

    if (s->depth != 8 && s->depth != 16 && s->depth != 24 &&
        s->depth != 32) {
        return false;
    }
    row = (uint64_t)s->width * (s->depth / 8);
    return s->width && s->height && s->data && row <= s->stride;
}

/* Widens an n-bit channel to 8 bits by repeating its bits, as 0 -> 0 and
 * all ones -> 255 want. */
static uint32_t widen(uint32_t v, unsigned bits)
{
    uint32_t out = 0;

    for (int shift = 8 - bits; shift > -(int)bits; shift -= bits) {
        out |= shift >= 0 ? v << shift : v >> -shift;
    }
    return out & 0xff;
}

void display_surface_row_xrgb(const DisplaySurface *s, uint32_t x,
                              uint32_t y, uint32_t w, uint32_t *out)
{
    const uint8_t *p = s->data + (size_t)y * s->stride +
                       (size_t)x * (s->depth / 8);

    for (uint32_t i = 0; i < w; i++) {
        uint32_t v;

        switch (s->depth) {
        case 8:
            v = p[i];
            out[i] = widen(v >> 5, 3) << 16 | widen((v >> 2) & 7, 3) << 8 |
                     widen(v & 3, 2);
            break;
        case 16:
            v = p[2 * i] | p[2 * i + 1] << 8;
            out[i] = widen(v >> 11, 5) << 16 | widen((v >> 5) & 0x3f, 6) << 8 |
                     widen(v & 0x1f, 5);
            break;
        case 24:
            out[i] = p[3 * i + 2] << 16 | p[3 * i + 1] << 8 | p[3 * i];
            break;
        default:
            out[i] = (uint32_t)p[4 * i + 2] << 16 | p[4 * i + 1] << 8 |
                     p[4 * i];
            break;
        }
    }
}

ConsoleList *console_list_new(void)
{
    ConsoleList *cl = g_new0(ConsoleList, 1);

    cl->consoles = g_ptr_array_new();
    cl->notifiers = g_array_new(false, false, sizeof(ConsoleListNotifier));
    return cl;
}

void console_list_free(ConsoleList *cl)
{
    if (cl) {
        g_warn_if_fail(cl->consoles->len == 0);
        g_ptr_array_free(cl->consoles, true);
        g_array_free(cl->notifiers, true);
        g_free(cl);
    }
}

unsigned console_list_count(const ConsoleList *cl)
{
    return cl->consoles->len;
}

QemuConsole *console_list_nth(ConsoleList *cl, unsigned index)
{
    return index < cl->consoles->len ? g_ptr_array_index(cl->consoles, index)
                                     : NULL;
}

QemuConsole *console_list_lookup(ConsoleList *cl, const char *device,
                                 unsigned head, Error **errp)
{
    QemuConsole *con = NULL;

    if (!device) {
        con = console_list_nth(cl, 0);
        if (!con) {
            error_setg(errp, "There is no console to take a screendump from");
            return NULL;
        }
    } else {
        for (guint i = 0; i < cl->consoles->len && !con; i++) {
            QemuConsole *c = g_ptr_array_index(cl->consoles, i);

            if (!strcmp(c->label, device)) {
                con = c;
            }
        }
        if (!con) {
            error_set_class(errp, "DeviceNotFound", "Device '%s' not found",
                            device);
            return NULL;
        }
    }
    if (head != 0) {
        error_setg(errp, "Device '%s' has no head %u", con->label, head);
        return NULL;
    }
    return con;
}

QemuConsole *console_new(ConsoleList *cl, const char *label, int domid,
                         ConsoleRefreshFn *refresh, void *opaque)
{
    QemuConsole *con = g_new0(QemuConsole, 1);

    con->list = cl;
    con->label = g_strdup(label);
    con->domid = domid;
    con->refresh = refresh;
    con->refresh_opaque = opaque;
    con->listeners = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(cl->consoles, con);
    for (guint i = 0; i < cl->notifiers->len; i++) {
        ConsoleListNotifier *n = &g_array_index(cl->notifiers,
                                                ConsoleListNotifier, i);

        if (n->ops->added) {
            n->ops->added(n->opaque, con);
        }
    }
    return con;
}

int console_domid(const QemuConsole *con)
{
    return con->domid;
}

void console_list_add_notifier(ConsoleList *cl,
                               const ConsoleListNotifierOps *ops,
                               void *opaque)
{
    ConsoleListNotifier n = { .ops = ops, .opaque = opaque };

    g_array_append_val(cl->notifiers, n);
}

void console_list_remove_notifier(ConsoleList *cl, void *opaque)
{
    for (guint i = 0; i < cl->notifiers->len; i++) {
        if (g_array_index(cl->notifiers, ConsoleListNotifier, i).opaque ==
            opaque) {
            g_array_remove_index(cl->notifiers, i);
            return;
        }
    }
}

void console_free(QemuConsole *con)
{
    ConsoleList *cl;

    if (!con) {
        return;
    }
    cl = con->list;
    /* A notifier may remove itself (or its listener) while it runs. */
    for (guint i = cl->notifiers->len; i-- > 0;) {
        ConsoleListNotifier n;

        if (i >= cl->notifiers->len) {
            continue;
        }
        n = g_array_index(cl->notifiers, ConsoleListNotifier, i);
        if (n.ops->removed) {
            n.ops->removed(n.opaque, con);
        }
    }
    console_set_surface(con, NULL);
    g_ptr_array_remove(con->list->consoles, con);
    g_ptr_array_free(con->listeners, true);
    g_free(con->label);
    g_free(con);
}

const char *console_label(const QemuConsole *con)
{
    return con->label;
}

void console_set_surface(QemuConsole *con, const DisplaySurface *s)
{
    if (s && !display_surface_valid(s)) {
        g_warn_if_reached();
        s = NULL;
    }
    if (!s && !con->has_surface) {
        return;
    }
    con->has_surface = s != NULL;
    con->surface = s ? *s : (DisplaySurface) { 0 };
    for (guint i = 0; i < con->listeners->len; i++) {
        DisplayListener *dl = g_ptr_array_index(con->listeners, i);

        if (dl->ops->resize) {
            dl->ops->resize(dl->opaque, con, s ? &con->surface : NULL);
        }
    }
}

const DisplaySurface *console_surface(const QemuConsole *con)
{
    return con->has_surface ? &con->surface : NULL;
}

void console_update(QemuConsole *con, uint32_t x, uint32_t y, uint32_t w,
                    uint32_t h)
{
    const DisplaySurface *s = console_surface(con);

    if (!s || x >= s->width || y >= s->height) {
        return;
    }
    w = MIN(w, s->width - x);
    h = MIN(h, s->height - y);
    if (!w || !h) {
        return;
    }
    for (guint i = 0; i < con->listeners->len; i++) {
        DisplayListener *dl = g_ptr_array_index(con->listeners, i);

        if (dl->ops->update) {
            dl->ops->update(dl->opaque, con, x, y, w, h);
        }
    }
}

bool console_refresh_wanted(const QemuConsole *con)
{
    return con->listeners->len > 0;
}

DisplayListener *console_add_listener(QemuConsole *con,
                                      const DisplayListenerOps *ops,
                                      void *opaque)
{
    DisplayListener *dl = g_new0(DisplayListener, 1);

    dl->ops = ops;
    dl->opaque = opaque;
    g_ptr_array_add(con->listeners, dl);
    if (con->listeners->len == 1 && con->refresh) {
        con->refresh(con->refresh_opaque, true);
    }
    return dl;
}

void console_remove_listener(QemuConsole *con, DisplayListener *dl)
{
    if (!g_ptr_array_remove(con->listeners, dl)) {
        return;
    }
    if (con->listeners->len == 0 && con->refresh) {
        con->refresh(con->refresh_opaque, false);
    }
}
