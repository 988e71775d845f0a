/*
 * The input API; see include/ui/input.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ui/input.h"

#include <glib.h>

typedef struct InputSink {
    const InputSinkOps *ops;
    void *opaque;
} InputSink;

struct InputConsole {
    uint16_t domid;
    uint32_t width, height;
    GArray *sinks;              /* InputSink */
};

struct InputHub {
    GHashTable *consoles;       /* domid -> InputConsole */
};

static void input_console_free(gpointer p)
{
    InputConsole *ic = p;

    g_array_free(ic->sinks, true);
    g_free(ic);
}

InputHub *input_hub_new(void)
{
    InputHub *hub = g_new0(InputHub, 1);

    hub->consoles = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                          NULL, input_console_free);
    return hub;
}

void input_hub_free(InputHub *hub)
{
    if (!hub) {
        return;
    }
    g_hash_table_destroy(hub->consoles);
    g_free(hub);
}

InputConsole *input_hub_console(InputHub *hub, uint16_t domid)
{
    InputConsole *ic = g_hash_table_lookup(hub->consoles,
                                           GUINT_TO_POINTER(domid));

    if (!ic) {
        ic = g_new0(InputConsole, 1);
        ic->domid = domid;
        ic->width = INPUT_DEFAULT_WIDTH;
        ic->height = INPUT_DEFAULT_HEIGHT;
        ic->sinks = g_array_new(false, false, sizeof(InputSink));
        g_hash_table_insert(hub->consoles, GUINT_TO_POINTER(domid), ic);
    }
    return ic;
}

void input_console_add_sink(InputConsole *ic, const InputSinkOps *ops,
                            void *opaque)
{
    InputSink s = { .ops = ops, .opaque = opaque };

    g_array_append_val(ic->sinks, s);
}

void input_console_remove_sink(InputConsole *ic, void *opaque)
{
    for (guint i = 0; i < ic->sinks->len; i++) {
        if (g_array_index(ic->sinks, InputSink, i).opaque == opaque) {
            g_array_remove_index(ic->sinks, i);
            return;
        }
    }
}

void input_console_set_display_size(InputConsole *ic, uint32_t width,
                                    uint32_t height)
{
    if (!width || !height || (width == ic->width && height == ic->height)) {
        return;
    }
    ic->width = width;
    ic->height = height;
    for (guint i = 0; i < ic->sinks->len; i++) {
        InputSink *s = &g_array_index(ic->sinks, InputSink, i);

        if (s->ops->resize) {
            s->ops->resize(s->opaque, width, height);
        }
    }
}

void input_console_display_size(const InputConsole *ic, uint32_t *width,
                                uint32_t *height)
{
    *width = ic->width;
    *height = ic->height;
}

void input_send(InputConsole *ic, const InputEvent *ev)
{
    /* A sink may remove itself (its device failed): index, not pointer. */
    for (guint i = 0; i < ic->sinks->len; i++) {
        InputSink s = g_array_index(ic->sinks, InputSink, i);

        s.ops->event(s.opaque, ev);
    }
}

void input_send_key(InputConsole *ic, uint16_t code, bool down)
{
    InputEvent ev = { .type = INPUT_EVENT_KEY,
                      .key = { .code = code, .down = down } };

    input_send(ic, &ev);
}

void input_send_rel(InputConsole *ic, int32_t dx, int32_t dy)
{
    InputEvent ev = { .type = INPUT_EVENT_REL, .rel = { dx, dy, 0 } };

    input_send(ic, &ev);
}

void input_send_wheel(InputConsole *ic, int32_t dz)
{
    InputEvent ev = { .type = INPUT_EVENT_REL, .rel = { 0, 0, dz } };

    input_send(ic, &ev);
}

void input_send_abs(InputConsole *ic, uint32_t x, uint32_t y)
{
    InputEvent ev = { .type = INPUT_EVENT_ABS, .abs = { x, y, 0 } };

    input_send(ic, &ev);
}

void input_send_mt(InputConsole *ic, InputMtType type, uint32_t contact,
                   uint32_t x, uint32_t y)
{
    InputEvent ev = { .type = INPUT_EVENT_MT,
                      .mt = { .type = type, .contact = contact,
                              .x = x, .y = y } };

    input_send(ic, &ev);
}

uint32_t input_scale(uint32_t v, uint32_t from, uint32_t to)
{
    uint64_t num;

    if (from < 2 || to < 2) {
        return 0;
    }
    if (v > from - 1) {
        v = from - 1;
    }
    num = (uint64_t)v * (to - 1) + (from - 1) / 2;
    return num / (from - 1);
}
