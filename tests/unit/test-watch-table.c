/*
 * Unit tests of the watch table both xenstore ops implementations use:
 * tokens, deferred delivery in order, removal and closing from inside a
 * callback, and no recursion.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "util/watch-table.h"

typedef struct Fixture {
    EventLoop *loop;
    WatchTable *t;
    GString *log;               /* "name:path " per delivered event */
    unsigned depth, max_depth;
    bool owner_freed;
} Fixture;

/* What a callback does besides logging, set per test. */
typedef struct Listener {
    Fixture *f;
    const char *name;
    void (*action)(struct Listener *l, const char *path);
    WatchEntry *w;
    WatchEntry *victim;         /* for the actions that remove a watch */
    unsigned fired;
} Listener;

static void owner_destroy(void *owner)
{
    Fixture *f = owner;

    g_assert_false(f->owner_freed);
    f->owner_freed = true;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->loop = event_loop_new(NULL);
    g_assert_nonnull(f->loop);
    f->t = watch_table_new(f->loop, owner_destroy, f);
    f->log = g_string_new(NULL);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    if (!f->owner_freed) {
        watch_table_close(f->t);
    }
    g_assert_true(f->owner_freed);
    g_string_free(f->log, true);
    event_loop_free(f->loop);
}

static void listener_fn(void *opaque, const char *path)
{
    Listener *l = opaque;
    Fixture *f = l->f;

    f->depth++;
    f->max_depth = MAX(f->max_depth, f->depth);
    l->fired++;
    g_string_append_printf(f->log, "%s:%s ", l->name, path);
    if (l->action) {
        l->action(l, path);
    }
    f->depth--;
}

static void listener_add(Fixture *f, Listener *l, const char *name,
                         const char *path)
{
    l->f = f;
    l->name = name;
    l->w = watch_table_add(f->t, path, listener_fn, l);
}

/* As the store does when a watched node changes. */
static void fire(Fixture *f, Listener *l, const char *path)
{
    watch_table_queue(f->t, path, watch_entry_token(l->w));
}

static void run(Fixture *f, unsigned iterations)
{
    while (iterations--) {
        g_assert_true(event_loop_run_once(f->loop, 0, NULL));
    }
}

static char *take_log(Fixture *f)
{
    char *s = g_strdup(f->log->str);

    g_string_truncate(f->log, 0);
    return s;
}

#define assert_log(f, expect) do { \
        g_autofree char *got_ = take_log(f); \
        g_assert_cmpstr(got_, ==, (expect)); \
    } while (0)

static void test_tokens(Fixture *f, gconstpointer data)
{
    Listener a = { 0 }, b = { 0 }, c = { 0 };

    listener_add(f, &a, "a", "/x");
    listener_add(f, &b, "b", "/x");
    g_assert_cmpstr(watch_entry_path(a.w), ==, "/x");
    g_assert_cmpstr(watch_entry_token(a.w), !=, watch_entry_token(b.w));
    /* A removed watch's token is not handed out again. */
    g_autofree char *old = g_strdup(watch_entry_token(b.w));
    watch_table_remove(f->t, b.w);
    listener_add(f, &c, "c", "/x");
    g_assert_cmpstr(watch_entry_token(c.w), !=, old);
    g_assert_cmpstr(watch_entry_token(c.w), !=, watch_entry_token(a.w));

    /* Unknown tokens, such as the removed one's, are dropped. */
    watch_table_queue(f->t, "/x/1", old);
    watch_table_queue(f->t, "/x/2", "no-such-token");
    fire(f, &c, "/x/3");
    fire(f, &a, "/x/4");
    assert_log(f, "");          /* nothing before the loop runs */
    run(f, 1);
    assert_log(f, "c:/x/3 a:/x/4 ");
}

static void remove_victim(Listener *l, const char *path)
{
    watch_table_remove(l->f->t, l->victim);
    l->victim = NULL;
}

static void test_removed_hears_nothing(Fixture *f, gconstpointer data)
{
    Listener a = { 0 }, b = { 0 };

    listener_add(f, &a, "a", "/a");
    listener_add(f, &b, "b", "/b");
    fire(f, &b, "/b");
    watch_table_remove(f->t, b.w);
    run(f, 2);
    assert_log(f, "");

    /* Removed by an earlier callback of the same dispatch. */
    listener_add(f, &b, "b", "/b");
    a.action = remove_victim;
    a.victim = b.w;
    fire(f, &a, "/a");
    fire(f, &b, "/b");
    run(f, 2);
    assert_log(f, "a:/a ");
    g_assert_cmpuint(b.fired, ==, 0);

    /* A callback removing its own watch. */
    listener_add(f, &b, "b", "/b");
    b.action = remove_victim;
    b.victim = b.w;
    fire(f, &b, "/b/1");
    fire(f, &b, "/b/2");
    run(f, 2);
    assert_log(f, "b:/b/1 ");
}

static void close_table(Listener *l, const char *path)
{
    watch_table_close(l->f->t);
    /* The owner stays usable until the callback returns. */
    g_assert_false(l->f->owner_freed);
}

static void test_close_in_callback(Fixture *f, gconstpointer data)
{
    Listener a = { 0 }, b = { 0 };

    listener_add(f, &a, "a", "/a");
    listener_add(f, &b, "b", "/b");
    a.action = close_table;
    fire(f, &a, "/a");
    fire(f, &b, "/b");
    run(f, 1);
    g_assert_true(f->owner_freed);
    assert_log(f, "a:/a ");
    /* Nothing left scheduled that would touch the freed table. */
    run(f, 2);
    assert_log(f, "");
}

static void test_close_with_queued(Fixture *f, gconstpointer data)
{
    Listener a = { 0 };

    listener_add(f, &a, "a", "/a");
    fire(f, &a, "/a");
    watch_table_close(f->t);
    g_assert_true(f->owner_freed);
    run(f, 2);
    assert_log(f, "");
}

static void refire(Listener *l, const char *path)
{
    /* A callback whose own write fires its watch again, twice. */
    if (l->fired < 3) {
        g_autofree char *p1 = g_strdup_printf("%s/%u.1", l->name, l->fired);
        g_autofree char *p2 = g_strdup_printf("%s/%u.2", l->name, l->fired);

        fire(l->f, l, p1);
        fire(l->f, l, p2);
    }
}

static void test_events_from_callback(Fixture *f, gconstpointer data)
{
    Listener a = { 0 }, b = { 0 };

    listener_add(f, &a, "a", "/a");
    listener_add(f, &b, "b", "/b");
    a.action = refire;
    fire(f, &a, "/a");
    fire(f, &b, "/b");
    /* The events a's callback queues wait for the next iteration... */
    run(f, 1);
    assert_log(f, "a:/a b:/b ");
    run(f, 1);
    assert_log(f, "a:a/1.1 a:a/1.2 ");
    run(f, 3);
    /* ...and come in the order they were queued, never nested. */
    assert_log(f, "a:a/2.1 a:a/2.2 ");
    g_assert_cmpuint(f->max_depth, ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define T(name, fn) \
    g_test_add("/watch-table/" name, Fixture, NULL, fixture_setup, fn, \
               fixture_teardown)
    T("tokens", test_tokens);
    T("removed-hears-nothing", test_removed_hears_nothing);
    T("close-in-callback", test_close_in_callback);
    T("close-with-queued", test_close_with_queued);
    T("events-from-callback", test_events_from_callback);
#undef T
    return g_test_run();
}
