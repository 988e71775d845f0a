/*
 * Helpers shared by the xenstore unit tests. Results come back as strings
 * so that a failing g_assert_cmpstr() in the test shows what was there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XS_TEST_UTIL_H
#define XS_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <glib.h>

#include "xenner/xs_tree.h"

/* Watch events a client received, each as "path token". */
typedef struct XtEvents {
    GPtrArray *list;
} XtEvents;

static inline void xt_events_init(XtEvents *ev)
{
    ev->list = g_ptr_array_new_with_free_func(g_free);
}

static inline void xt_events_destroy(XtEvents *ev)
{
    g_ptr_array_free(ev->list, true);
}

static inline void xt_event_fn(void *opaque, const char *path,
                               const char *token)
{
    XtEvents *ev = opaque;

    g_ptr_array_add(ev->list, g_strdup_printf("%s %s", path, token));
}

static inline gint xt_strcmp_ptr(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char * const *)a, *(const char * const *)b);
}

/*
 * Takes the recorded events, joined by ", ", and forgets them. Sorted when
 * the order among them is not part of the contract.
 */
static inline char *xt_events_take(XtEvents *ev, bool sorted)
{
    GString *s = g_string_new(NULL);

    if (sorted) {
        g_ptr_array_sort(ev->list, xt_strcmp_ptr);
    }
    for (guint i = 0; i < ev->list->len; i++) {
        g_string_append_printf(s, "%s%s", i ? ", " : "",
                               (char *)g_ptr_array_index(ev->list, i));
    }
    g_ptr_array_set_size(ev->list, 0);
    return g_string_free(s, false);
}

static inline int xt_write(XsClient *c, uint32_t tx, const char *path,
                           const char *value)
{
    return xenner_xs_client_write(c, tx, path, value, strlen(value));
}

/*
 * The value of @path as a string, or NULL when xenner_xs_client_read()
 * fails.
 */
static inline char *xt_read(XsClient *c, uint32_t tx, const char *path)
{
    g_autoptr(GByteArray) v = g_byte_array_new();

    if (xenner_xs_client_read(c, tx, path, v)) {
        return NULL;
    }
    /* An empty array may have no data, which g_strndup() maps to NULL. */
    g_byte_array_append(v, (const guint8 *)"", 1);
    return g_strndup((const char *)v->data, v->len - 1);
}

static inline int xt_read_err(XsClient *c, uint32_t tx, const char *path)
{
    g_autoptr(GByteArray) v = g_byte_array_new();

    return xenner_xs_client_read(c, tx, path, v);
}

/* The children of @path joined by spaces, or NULL when listing fails. */
static inline char *xt_dir(XsClient *c, uint32_t tx, const char *path)
{
    g_autoptr(GByteArray) names = g_byte_array_new();
    GString *s;

    if (xenner_xs_client_directory(c, tx, path, names)) {
        return NULL;
    }
    s = g_string_new(NULL);
    for (guint off = 0; off < names->len;) {
        const char *name = (const char *)names->data + off;

        g_string_append_printf(s, "%s%s", off ? " " : "", name);
        off += strlen(name) + 1;
    }
    return g_string_free(s, false);
}

static inline int xt_dir_err(XsClient *c, uint32_t tx, const char *path)
{
    g_autoptr(GByteArray) names = g_byte_array_new();

    return xenner_xs_client_directory(c, tx, path, names);
}

/* The permissions of @path as "n0 r5", or NULL when they cannot be read. */
static inline char *xt_perms(XsClient *c, uint32_t tx, const char *path)
{
    g_autofree XsPerm *perms = NULL;
    unsigned nperms;
    GString *s;

    if (xenner_xs_client_get_perms(c, tx, path, &perms, &nperms)) {
        return NULL;
    }
    s = g_string_new(NULL);
    for (unsigned i = 0; i < nperms; i++) {
        char buf[8];

        xenner_xs_perm_format(&perms[i], buf);
        g_string_append_printf(s, "%s%s", i ? " " : "", buf);
    }
    return g_string_free(s, false);
}

static inline int xt_perms_err(XsClient *c, uint32_t tx, const char *path)
{
    g_autofree XsPerm *perms = NULL;
    unsigned nperms;

    return xenner_xs_client_get_perms(c, tx, path, &perms, &nperms);
}

/* Sets the permissions written as "n0 r5"; the string must parse. */
static inline int xt_set_perms(XsClient *c, uint32_t tx, const char *path,
                               const char *str)
{
    g_auto(GStrv) words = g_strsplit(str, " ", -1);
    guint n = g_strv_length(words);
    g_autofree XsPerm *perms = g_new0(XsPerm, n);

    for (guint i = 0; i < n; i++) {
        g_assert_true(xenner_xs_perm_parse(words[i], &perms[i]));
    }
    return xenner_xs_client_set_perms(c, tx, path, perms, n);
}

/* The generation that xenner_xs_client_directory_part() reports for @path. */
static inline uint64_t xt_generation(XsClient *c, uint32_t tx,
                                     const char *path)
{
    g_autoptr(GByteArray) reply = g_byte_array_new();

    g_assert_cmpint(xenner_xs_client_directory_part(c, tx, path, 0, reply), ==,
                    0);
    g_assert_nonnull(memchr(reply->data, '\0', reply->len));
    g_assert_true(g_ascii_isdigit(reply->data[0]));
    return g_ascii_strtoull((const char *)reply->data, NULL, 10);
}

/* Creates /local/domain/<domid> owned by the domain, as a toolstack does. */
static inline void xt_make_home(XsClient *dom0, uint16_t domid)
{
    g_autofree char *home = xenner_xs_domain_path(domid);
    g_autofree char *owner = g_strdup_printf("n%u", domid);

    g_assert_cmpint(xenner_xs_client_mkdir(dom0, 0, home), ==, 0);
    g_assert_cmpint(xt_set_perms(dom0, 0, home, owner), ==, 0);
}

/*
 * Every test starts from a fresh tree with a dom0 client. Clients a test
 * makes but whose events it does not check report them to @sink.
 */
typedef struct XtFixture {
    XsTree *tree;
    XsClient *dom0;
    XtEvents ev0;
    XtEvents sink;
} XtFixture;

static inline void xt_setup(XtFixture *f, gconstpointer data)
{
    f->tree = xenner_xs_tree_new();
    xt_events_init(&f->ev0);
    xt_events_init(&f->sink);
    f->dom0 = xenner_xs_client_new(f->tree, 0, xt_event_fn, &f->ev0);
}

static inline void xt_teardown(XtFixture *f, gconstpointer data)
{
    xenner_xs_tree_free(f->tree);
    xt_events_destroy(&f->ev0);
    xt_events_destroy(&f->sink);
}

static inline XsClient *xt_client(XtFixture *f, uint16_t domid)
{
    return xenner_xs_client_new(f->tree, domid, xt_event_fn, &f->sink);
}

#define XT_ADD(path, fn) \
    g_test_add((path), XtFixture, NULL, xt_setup, (fn), xt_teardown)

#endif /* XS_TEST_UTIL_H */
