/*
 * A xenstore client's watches, by token, and the delivery of their
 * events from the event loop. Shared by the two XenXenstoreOps
 * implementations: real Xen's (hw/xen/xen_operations.c) and Xenner's
 * (xenner/xenner_ops.c); pure glib and util, so it builds in every
 * configuration.
 *
 * The contract, which is the seam's (XenXsWatchFn, unwatch in
 * include/hw/xen/xen_backend_ops.h):
 *
 * - Each watch gets a token of its own, never reused by the table, so
 *   an event names its watch unambiguously even after that watch went.
 * - Events are queued (watch_table_queue(), from anywhere, including
 *   from inside a store operation or a watch callback) and delivered
 *   later from a bottom half of @loop, oldest first. A callback never
 *   runs inside another call of the table or of the store, so it may
 *   call anything: add or remove watches, write (queueing more events),
 *   or close the handle owning the table.
 * - An event whose watch was removed before delivery is dropped: no
 *   callback of a watch runs after watch_table_remove() returned.
 * - Events queued while a dispatch runs wait for the next bottom half:
 *   no recursion, and a callback that keeps firing its own watch cannot
 *   starve the rest of the loop.
 * - watch_table_close() from inside a callback stops the delivery after
 *   that callback; the table and its owner (through @destroy) are freed
 *   once the dispatch has unwound. Elsewhere both are freed at once.
 *
 * Only the event loop's thread may call these.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UTIL_WATCH_TABLE_H
#define UTIL_WATCH_TABLE_H

#include <stdbool.h>

#include "util/event-loop.h"

typedef struct WatchTable WatchTable;
typedef struct WatchEntry WatchEntry;

/* Same shape as XenXsWatchFn, so that the ops pass theirs through. */
typedef void WatchTableFn(void *opaque, const char *path);
/* Frees what owns the table; called at most once, by watch_table_close. */
typedef void WatchTableDestroyFn(void *owner);

WatchTable *watch_table_new(EventLoop *loop, WatchTableDestroyFn *destroy,
                            void *owner);
/*
 * Ends the table: queued events are dropped, watches forgotten (the
 * caller tells its store beforehand if it must), @destroy called.
 */
void watch_table_close(WatchTable *t);

/* A new watch with a fresh token; the caller then registers the token. */
WatchEntry *watch_table_add(WatchTable *t, const char *path,
                            WatchTableFn *fn, void *opaque);
/* Forgets @w and frees it; its queued events are dropped. */
void watch_table_remove(WatchTable *t, WatchEntry *w);
const char *watch_entry_path(const WatchEntry *w);
const char *watch_entry_token(const WatchEntry *w);

/*
 * An event for the watch holding @token (an unknown token is dropped at
 * delivery, not here); schedules the delivery.
 */
void watch_table_queue(WatchTable *t, const char *path, const char *token);

#endif /* UTIL_WATCH_TABLE_H */
