/*
 * Xenner xenstore watches. A watch fires for changes to its node and to
 * every node below it; a removal also fires the watches inside the removed
 * subtree. Watches are indexed by path, so a change costs one lookup per
 * level of its path, however many watches are registered.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "xs_tree_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct XsWatch {
    XsClient *client;
    char *path;             /* absolute, or a special name */
    char *token;
    bool relative;          /* events are reported relative to the home */
} XsWatch;

static void watch_free(XsWatch *w)
{
    g_free(w->path);
    g_free(w->token);
    g_free(w);
}

static unsigned *len_slot(XsTree *tree, size_t len)
{
    return &tree->watch_lens[MIN(len, XS_WATCH_LENS - 1)];
}

static void index_remove(XsTree *tree, XsWatch *w)
{
    GPtrArray *list = g_hash_table_lookup(tree->watches, w->path);

    g_ptr_array_remove_fast(list, w);
    if (list->len == 0) {
        (*len_slot(tree, strlen(w->path)))--;
        g_hash_table_remove(tree->watches, w->path);
    }
    tree->nwatches--;
}

int xenner_xs_client_watch(XsClient *c, const char *path, const char *token)
{
    g_autofree char *abs = xenner_xs_path_canonicalize(c, path, true);
    GPtrArray *list;
    XsWatch *w;
    int ret;

    if (c->released) {
        return -EBADF;
    }
    if (!abs) {
        return -EINVAL;
    }
    for (guint i = 0; i < c->watches->len; i++) {
        w = g_ptr_array_index(c->watches, i);
        if (!strcmp(w->path, abs) && !strcmp(w->token, token)) {
            return -EEXIST;
        }
    }
    /* The domain's, as in xenstored: not one quota per connection. */
    ret = xenner_xs_quota_watch_add(c);
    if (ret) {
        return ret;
    }

    w = g_new0(XsWatch, 1);
    w->client = c;
    w->path = g_steal_pointer(&abs);
    w->token = g_strdup(token);
    w->relative = path[0] != '/' && path[0] != '@';
    list = g_hash_table_lookup(c->tree->watches, w->path);
    if (!list) {
        list = g_ptr_array_new();
        g_hash_table_insert(c->tree->watches, g_strdup(w->path), list);
        (*len_slot(c->tree, strlen(w->path)))++;
    }
    g_ptr_array_add(list, w);
    g_ptr_array_add(c->watches, w);
    c->tree->nwatches++;

    /* Xen fires every new watch once, so that the watcher reads the node. */
    c->event_fn(c->opaque, path, token);
    return 0;
}

int xenner_xs_client_unwatch(XsClient *c, const char *path, const char *token)
{
    g_autofree char *abs = xenner_xs_path_canonicalize(c, path, true);

    if (c->released) {
        return -EBADF;
    }
    if (!abs) {
        return -EINVAL;
    }
    for (guint i = 0; i < c->watches->len; i++) {
        XsWatch *w = g_ptr_array_index(c->watches, i);

        if (!strcmp(w->path, abs) && !strcmp(w->token, token)) {
            g_ptr_array_remove_index_fast(c->watches, i);
            xenner_xs_quota_watch_del(c);
            index_remove(c->tree, w);
            watch_free(w);
            return 0;
        }
    }
    return -ENOENT;
}

void xenner_xs_watch_drop_client(XsClient *c)
{
    for (guint i = 0; i < c->watches->len; i++) {
        XsWatch *w = g_ptr_array_index(c->watches, i);

        xenner_xs_quota_watch_del(c);
        index_remove(c->tree, w);
        watch_free(w);
    }
    g_ptr_array_set_size(c->watches, 0);
}

static bool may_read(XsClient *c, const XsChangePerms *p)
{
    return p->nperms &&
           (xenner_xs_perm_for(c, p->perms, p->nperms) & XS_PERM_READ);
}

static void deliver(XsWatch *w, const char *path, const XsChange *ev)
{
    XsClient *c = w->client;
    char home[32];
    size_t home_len;

    if (!may_read(c, &ev->node) && !may_read(c, &ev->parent) &&
        !may_read(c, &ev->old)) {
        return;
    }
    if (w->relative) {
        home_len = snprintf(home, sizeof(home), "/local/domain/%u/",
                            c->domid);
        if (!strncmp(path, home, home_len)) {
            path += home_len;
        }
    }
    c->event_fn(c->opaque, path, w->token);
}

static void fire_list(XsTree *tree, const char *key, size_t key_len,
                      const char *path, const XsChange *ev)
{
    GPtrArray *list;

    if (!*len_slot(tree, key_len)) {
        return;
    }
    list = g_hash_table_lookup(tree->watches, key);

    for (guint i = 0; list && i < list->len; i++) {
        deliver(g_ptr_array_index(list, i), path, ev);
    }
}

static bool is_below(const char *path, const char *top)
{
    size_t len = strlen(top);

    if (!strcmp(top, "/")) {
        return path[0] == '/' && path[1];
    }
    return !strncmp(path, top, len) && path[len] == '/';
}

void xenner_xs_watch_fire(XsTree *tree, const XsChange *ev)
{
    g_autofree char *p = g_strdup(ev->path);
    size_t len = strlen(p);

    /* The node itself and each ancestor up to the root. */
    for (;;) {
        char *slash;

        fire_list(tree, p, len, ev->path, ev);
        if (!strcmp(p, "/")) {
            break;
        }
        slash = strrchr(p, '/');
        if (slash == p) {
            slash[1] = '\0';
            len = 1;
        } else {
            *slash = '\0';
            len = slash - p;
        }
    }

    if (ev->recursive) {
        GHashTableIter iter;
        gpointer key, value;

        g_hash_table_iter_init(&iter, tree->watches);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            if (is_below(key, ev->path)) {
                fire_list(tree, key, strlen(key), key, ev);
            }
        }
    }
}

void xenner_xs_watch_fire_special(XsTree *tree, const char *name)
{
    int i = strcmp(name, XS_SPECIAL_INTRODUCE) ? 1 : 0;
    XsChange ev = {
        .path = (char *)name,
        .node = {tree->special_perms[i], tree->special_nperms[i]},
    };

    fire_list(tree, name, strlen(name), name, &ev);
}
