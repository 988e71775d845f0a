/*
 * A xenstore client's watches by token, with deferred delivery: see
 * include/util/watch-table.h for the contract.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "util/watch-table.h"

#include <glib.h>
#include <inttypes.h>
#include <stdint.h>

struct WatchTable {
    EventLoop *loop;
    WatchTableDestroyFn *destroy;
    void *owner;
    GHashTable *watches;        /* token -> WatchEntry */
    GQueue events;              /* WatchEvent, oldest first */
    uint64_t next_token;
    bool dispatching;
    bool closed;                /* closed while dispatching: free after */
};

struct WatchEntry {
    char *path;
    char *token;
    WatchTableFn *fn;
    void *opaque;
};

typedef struct WatchEvent {
    char *path;
    char *token;
} WatchEvent;

static void watch_event_free(gpointer p)
{
    WatchEvent *ev = p;

    g_free(ev->path);
    g_free(ev->token);
    g_free(ev);
}

static void watch_entry_free(gpointer p)
{
    WatchEntry *w = p;

    g_free(w->path);
    g_free(w->token);
    g_free(w);
}

static void watch_table_dispatch(void *opaque);

static void watch_table_destroy(WatchTable *t)
{
    event_loop_cancel(t->loop, watch_table_dispatch, t);
    g_queue_clear_full(&t->events, watch_event_free);
    g_hash_table_destroy(t->watches);
    if (t->destroy) {
        t->destroy(t->owner);
    }
    g_free(t);
}

static void watch_table_dispatch(void *opaque)
{
    WatchTable *t = opaque;
    /*
     * Only what was queued before we started: the rest waits for the
     * bottom half that watch_table_queue() scheduled for it.
     */
    guint n = g_queue_get_length(&t->events);

    t->dispatching = true;
    while (n-- && !t->closed) {
        WatchEvent *ev = g_queue_pop_head(&t->events);
        /*
         * Tokens are never reused, so an event of a watch removed since
         * it was queued finds nothing.
         */
        WatchEntry *w = g_hash_table_lookup(t->watches, ev->token);

        if (w) {
            w->fn(w->opaque, ev->path);
        }
        watch_event_free(ev);
    }
    t->dispatching = false;
    if (t->closed) {
        watch_table_destroy(t);
    }
}

WatchTable *watch_table_new(EventLoop *loop, WatchTableDestroyFn *destroy,
                            void *owner)
{
    WatchTable *t = g_new0(WatchTable, 1);

    t->loop = loop;
    t->destroy = destroy;
    t->owner = owner;
    t->watches = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       watch_entry_free);
    g_queue_init(&t->events);
    return t;
}

void watch_table_close(WatchTable *t)
{
    if (!t) {
        return;
    }
    if (t->dispatching) {
        t->closed = true;
        return;
    }
    watch_table_destroy(t);
}

WatchEntry *watch_table_add(WatchTable *t, const char *path,
                            WatchTableFn *fn, void *opaque)
{
    WatchEntry *w = g_new0(WatchEntry, 1);

    w->path = g_strdup(path);
    w->token = g_strdup_printf("xenpv-%" PRIu64, t->next_token++);
    w->fn = fn;
    w->opaque = opaque;
    g_hash_table_insert(t->watches, w->token, w);
    return w;
}

void watch_table_remove(WatchTable *t, WatchEntry *w)
{
    g_hash_table_remove(t->watches, w->token);
}

const char *watch_entry_path(const WatchEntry *w)
{
    return w->path;
}

const char *watch_entry_token(const WatchEntry *w)
{
    return w->token;
}

void watch_table_queue(WatchTable *t, const char *path, const char *token)
{
    WatchEvent *ev;

    if (t->closed) {
        return;
    }
    ev = g_new(WatchEvent, 1);
    ev->path = g_strdup(path);
    ev->token = g_strdup(token);
    g_queue_push_tail(&t->events, ev);
    event_loop_schedule(t->loop, watch_table_dispatch, t);
}
